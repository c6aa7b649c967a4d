//! The query inspector on the seed's data: an explicit N+1 loop, a filter on a column
//! without an index, a `contains` filter no index can serve and a prefetch nobody reads,
//! each reported with its fix; then the fixed versions, reported clean.
//!
//! Run with `cargo run --example query_report`.

use eagerly::rusqlite::Connection;
use eagerly::{Model, inspect};

#[derive(Model, Debug, Clone, PartialEq)]
#[model(has_many(books = Book, fk = author_id))]
pub struct Author {
    #[model(primary_key)]
    pub id: i64,
    #[model(index)]
    pub name: String,
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

/// The fix of the unindexed filter: the same table, with `#[model(index)]` on the title.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "books")]
pub struct IndexedBook {
    #[model(primary_key)]
    pub id: i64,
    #[model(index)]
    pub title: String,
    pub author_id: i64,
}

fn main() -> eagerly::Result<()> {
    let conn = Connection::open_in_memory()?;
    eagerly::create_tables(&conn, &[Author::TABLE, Book::TABLE])?;
    for a in 1..=100 {
        let author = NewAuthor { name: format!("Author {a:03}") }.insert(&conn)?;
        Book::insert_all(
            &conn,
            (1..=10).map(|b| NewBook {
                title: format!("The book {b} of {a:03}"),
                author_id: author.id,
            }),
        )?;
    }

    println!("==== As first written\n");
    let (result, report) = inspect(|| -> eagerly::Result<()> {
        // An explicit loop: one query per author.
        for author in Author::query().filter(Author::name.starts_with("Author 00")).all(&conn)? {
            let books = Book::query().filter(Book::author_id.eq(author.id)).all(&conn)?;
            println!("{}: {} books", author.name, books.len());
        }
        // A filter on a column without an index.
        let exact = Book::query().filter(Book::title.eq("The book 3 of 042")).all(&conn)?;
        // A `contains` filter, which no index can serve.
        let tens = Book::query().filter(Book::title.icontains("of 01")).count(&conn)?;
        // A prefetch nobody reads.
        let names: Vec<String> = Author::query()
            .prefetch(Author::books)
            .filter(Author::name.ends_with("7"))
            .all(&conn)?
            .iter()
            .map(|a| a.name.clone())
            .collect();
        println!("{} exact, {tens} of the tens, {} authors ending in 7", exact.len(), names.len());
        Ok(())
    });
    result?;
    println!("\n{report}");

    println!("==== Fixed\n");
    // The index `#[model(index)]` declares, created on the existing table.
    eagerly::create_tables(&conn, &[IndexedBook::TABLE])?;
    let (result, report) = inspect(|| -> eagerly::Result<()> {
        let authors = Author::query()
            .filter(Author::name.starts_with("Author 00"))
            .prefetch(Author::books)
            .all(&conn)?;
        for author in &authors {
            println!("{}: {} books", author.name, author.books().len());
        }
        let exact =
            IndexedBook::query().filter(IndexedBook::title.eq("The book 3 of 042")).all(&conn)?;
        let tens = IndexedBook::query()
            .filter(IndexedBook::title.starts_with("The book 1 of"))
            .count(&conn)?;
        let names: Vec<String> = Author::query()
            .filter(Author::name.ends_with("7"))
            .all(&conn)?
            .iter()
            .map(|a| a.name.clone())
            .collect();
        println!("{} exact, {tens} first books, {} authors ending in 7", exact.len(), names.len());
        Ok(())
    });
    result?;
    println!("\n{report}");
    Ok(())
}
