//! The seed's author/book list: 10 authors with 5 books each, in an in-memory database.
//!
//! Run with `cargo run --example author_book_list`.

use eagerly::Model;
use eagerly::rusqlite::Connection;

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

fn main() -> eagerly::Result<()> {
    let conn = Connection::open_in_memory()?;
    eagerly::create_tables(&conn, &[Publisher::TABLE, Author::TABLE, Book::TABLE])?;
    for a in 1..=10 {
        let author = NewAuthor { name: format!("Author {a}"), publisher_id: None }.insert(&conn)?;
        Book::insert_all(
            &conn,
            (1..=5).map(|b| NewBook {
                title: format!("Book {b} by author {a}"),
                author_id: author.id,
            }),
        )?;
    }

    let (html, log) = eagerly::capture(|| -> eagerly::Result<String> {
        let mut html = String::new();
        for author in Author::query().order_by(Author::name.asc()).all(&conn)? {
            html.push_str(&format!("<h2>{}</h2><ul>", author.name));
            // One query per author: the N+1 pattern eager loading removes.
            let books =
                Book::query().filter(Book::author_id.eq(author.id)).order_by(Book::id.asc());
            for book in books.all(&conn)? {
                html.push_str(&format!("<li>{}</li>", book.title));
            }
            html.push_str("</ul>\n");
        }
        Ok(html)
    });
    print!("{}", html?);
    println!("\n{} queries:\n{log}", log.len());
    Ok(())
}
