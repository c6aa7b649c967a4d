//! The seed's author/book list: 10 authors with 5 books each in an in-memory database,
//! rendered to HTML by an askama template that calls `author.books()`, in 2 queries.
//!
//! The template can call `author.books()` only because the query said
//! `.prefetch(Author::books)`: remove that line and the program no longer compiles, with
//! "relation `Author::books` was not loaded ... add `.prefetch(Author::books)`".
//!
//! Run with `cargo run --example author_book_list`.

use askama::Template;
use eagerly::rusqlite::Connection;
use eagerly::{Model, row};

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Publisher {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(has_many(books = Book, fk = author_id))]
pub struct Author {
    #[model(primary_key)]
    pub id: i64,
    #[model(index)]
    pub name: String,
    #[model(belongs_to(publisher = Publisher))]
    pub publisher_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "books")]
pub struct Book {
    #[model(primary_key)]
    pub id: i64,
    pub title: String,
    #[model(belongs_to(author = Author))]
    pub author_id: i64,
}

/// An author with their books loaded: the only kind of row the template accepts.
type AuthorWithBooks = row!(Author { books });

#[derive(Template)]
#[template(path = "author_book_list.html")]
struct AuthorList<'a> {
    authors: &'a [AuthorWithBooks],
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let conn = Connection::open_in_memory()?;
    eagerly::create_tables(&conn, &[Publisher::TABLE, Author::TABLE, Book::TABLE])?;
    for a in 1..=10 {
        let author =
            NewAuthor { name: format!("Author {a:02}"), publisher_id: None }.insert(&conn)?;
        Book::insert_all(
            &conn,
            (1..=5).map(|b| NewBook {
                title: format!("Book {b} of author {a:02}"),
                author_id: author.id,
            }),
        )?;
    }

    let (html, log) = eagerly::capture(|| -> Result<String, Box<dyn std::error::Error>> {
        let authors = Author::query()
            .prefetch_with(Author::books, |books| books.order_by(Book::title.asc()))
            .order_by(Author::name.asc())
            .all(&conn)?;
        Ok(AuthorList { authors: &authors }.render()?)
    });
    print!("{}", html?);
    println!("\n{} queries:\n{log}", log.len());
    Ok(())
}
