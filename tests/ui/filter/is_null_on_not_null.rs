#[path = "../../ui_models.rs"]
mod models;
use models::*;

fn main() {
    let _ = Book::query().filter(Book::title.is_null());
}
