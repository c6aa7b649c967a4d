//! The seed's models and a small database, for the examples in the documentation (enabled
//! by the internal `doc-models` feature, which only this workspace's tests turn on).

pub use crate::Model;
use crate::rusqlite::Connection;

/// A publisher.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(has_many(authors = Author, fk = publisher_id))]
pub struct Publisher {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
}

/// An author, maybe with a publisher.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(has_many(books = Book))]
pub struct Author {
    #[model(primary_key)]
    pub id: i64,
    #[model(index)]
    pub name: String,
    #[model(belongs_to(publisher = Publisher))]
    pub publisher_id: Option<i64>,
}

/// A book with tags.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(many_to_many(tags = Tag, through = BookTag))]
pub struct Book {
    #[model(primary_key)]
    pub id: i64,
    pub title: String,
    #[model(belongs_to(author = Author))]
    pub author_id: i64,
    pub year: Option<i64>,
}

/// A tag.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(many_to_many(books = Book, through = BookTag))]
pub struct Tag {
    #[model(primary_key)]
    pub id: i64,
    #[model(unique)]
    pub name: String,
}

/// A book's tag.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct BookTag {
    #[model(primary_key, belongs_to(book = Book))]
    pub book_id: i64,
    #[model(primary_key, belongs_to(tag = Tag))]
    pub tag_id: i64,
}

/// An in-memory database with the models' tables and: publishers Tor (1) and Penguin (2);
/// authors Ann Leckie (1, Tor), Brandon Sanderson (2, Tor), Carol Shields (3, none);
/// books Ancillary Justice (1, Ann, 2013), Rust in Action (2, Ann, 2021), Mistborn (3,
/// Brandon, 2006), The Rust Book (4, Brandon, undated); tags sf (1), rust (2), unused (3)
/// on books 1: sf; 2: rust; 3: sf; 4: rust.
pub fn seeded() -> Connection {
    let conn = Connection::open_in_memory().expect("an in-memory database opens");
    let tables = [Publisher::TABLE, Author::TABLE, Book::TABLE, Tag::TABLE, BookTag::TABLE];
    crate::create_tables(&conn, &tables).expect("the tables are created");
    conn.execute_batch(
        "INSERT INTO publisher VALUES (1, 'Tor'), (2, 'Penguin');
         INSERT INTO author VALUES (1, 'Ann Leckie', 1), (2, 'Brandon Sanderson', 1), (3, 'Carol Shields', NULL);
         INSERT INTO book VALUES (1, 'Ancillary Justice', 1, 2013), (2, 'Rust in Action', 1, 2021),
             (3, 'Mistborn', 2, 2006), (4, 'The Rust Book', 2, NULL);
         INSERT INTO tag VALUES (1, 'sf'), (2, 'rust'), (3, 'unused');
         INSERT INTO book_tag VALUES (1, 1), (2, 2), (3, 1), (4, 2);",
    )
    .expect("the rows are inserted");
    conn
}
