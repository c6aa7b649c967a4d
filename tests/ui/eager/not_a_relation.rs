#[path = "../../ui_models.rs"]
mod models;
use models::*;

fn main() {
    let _ = Author::query().prefetch(Author::name);
}
