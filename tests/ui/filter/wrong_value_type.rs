#[path = "../../ui_models.rs"]
mod models;
use models::*;

fn main() {
    let _ = Book::query().filter(Book::title.eq(5));
    let _ = Book::query().filter(Book::id.gt("five"));
}
