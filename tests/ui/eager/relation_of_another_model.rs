#[path = "../../ui_models.rs"]
mod models;
use models::*;

fn main() {
    let _ = Author::query().prefetch(Book::tags);
    // Inside a nested query, the relation must belong to the nested model.
    let _ = Author::query().prefetch_with(Author::books, |books| books.prefetch(Author::books));
    // A model without relations says so.
    let _ = Tag::query().with_count(Author::books);
}
