//! The valid forms of eager loading compile, in any order, and read what they loaded.
#[path = "../../ui_models.rs"]
mod models;
use eagerly::{Model, row};
use models::*;

fn tags_of(books: eagerly::Query<Book>) -> eagerly::Query<Book, row!(Book { tags })> {
    books.prefetch(Book::tags)
}

fn main() -> eagerly::Result<()> {
    let conn = conn();
    eagerly::create_tables(&conn, &[Publisher::TABLE, Author::TABLE, Book::TABLE, Tag::TABLE, BookTag::TABLE])?;
    let authors: Vec<row!(Author { publisher, books { tags }, count(books) })> = Author::query()
        .with_count(Author::books)
        .prefetch_with(Author::books, tags_of)
        .select_related(Author::publisher)
        .all(&conn)?;
    for author in &authors {
        let _: Option<&PublisherRow> = author.publisher();
        let _: usize = author.books_count();
        for book in author.books() {
            let _: &[TagRow] = book.tags();
        }
    }
    let books = Book::query()
        .select_related_with(Book::author, |author| author.select_related(Author::publisher).with_count(Author::books))
        .prefetch_with(Book::tags, |tags| tags.order_by(Tag::name.asc()).limit(3))
        .with_count(Book::tags)
        .all(&conn)?;
    for book in &books {
        let _: Option<&PublisherRow> = book.author().publisher();
        let _: usize = book.author().books_count() + book.tags_count() + book.tags().len();
    }
    let authors = eagerly::prefetch(&conn, Author::query().all(&conn)?, Author::publisher)?;
    let _ = authors.iter().map(|a| a.publisher().is_some());
    Ok(())
}
