#[path = "../../ui_models.rs"]
mod models;
use models::*;

fn main() {
    let _ = Author::query().prefetch(Author::books).prefetch(Author::books);
    let _ = Author::query().with_count(Author::books).with_count(Author::books);
    let _ = Book::query().select_related(Book::author).prefetch(Book::author);
}
