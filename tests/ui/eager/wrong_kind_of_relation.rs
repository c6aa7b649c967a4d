#[path = "../../ui_models.rs"]
mod models;
use models::*;

fn main() {
    // A has-many relation cannot be joined, a belongs-to relation cannot be counted.
    let _ = Author::query().select_related(Author::books);
    let _ = Book::query().with_count(Book::author);
}
