//! The seed's models (publishers, authors, books, tags) and a small fixed data set.
#![allow(dead_code)]

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
#[model(table = "books", many_to_many(tags = Tag, through = BookTag))]
pub struct Book {
    #[model(primary_key)]
    pub id: i64,
    pub title: String,
    #[model(belongs_to(author = Author))]
    pub author_id: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(many_to_many(books = Book, through = BookTag))]
pub struct Tag {
    #[model(primary_key)]
    pub id: i64,
    #[model(unique)]
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct BookTag {
    #[model(primary_key, belongs_to(book = Book))]
    pub book_id: i64,
    #[model(primary_key, belongs_to(tag = Tag))]
    pub tag_id: i64,
}

/// An empty in-memory database with the seed's tables, foreign keys enforced.
pub fn empty_db() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    eagerly::create_tables(&conn, &[Publisher::TABLE, Author::TABLE, Book::TABLE, Tag::TABLE, BookTag::TABLE])
        .unwrap();
    conn
}
