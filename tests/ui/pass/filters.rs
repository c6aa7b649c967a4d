//! The valid forms of filters, orderings and assignments.
#[path = "../../ui_models.rs"]
mod models;
use models::*;

fn main() {
    let title = String::from("Dune");
    let _ = Book::query()
        .filter(Book::title.eq("Dune") | Book::title.eq(&title) | Book::title.eq(title.clone()))
        .filter(Book::id.is_in([1, 2]) & !Book::author_id.ne(3))
        .filter(Book::title.contains("x").or(Book::title.icontains("y")).and(Book::title.starts_with("z")).not())
        .order_by(Book::title.asc())
        .order_by(Book::id.desc().nulls_last())
        .limit(10)
        .offset(5);
    let _ = Author::query()
        .filter(Author::publisher_id.eq(1))
        .filter(Author::publisher_id.eq(Some(1)))
        .filter(Author::publisher_id.eq(None))
        .filter(Author::publisher_id.is_null() | Author::publisher_id.is_not_null())
        .filter(Author::name.istarts_with("a") & Author::name.iends_with("b") & Author::name.iexact("c"));
    let _ = [Author::name.set("x"), Author::publisher_id.set(None), Author::publisher_id.set(7)];
}
