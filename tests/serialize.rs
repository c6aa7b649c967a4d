//! With the `serde` feature, rows serialize as their model's fields plus what was loaded,
//! so a JSON API can return them; on SQLite and on PostgreSQL (`on_every_backend!`).

#[macro_use]
mod common;
#[path = "common/postgres.rs"]
mod postgres_server;

use eagerly::{Executor, Model};
use serde::Serialize;
use serde_json::json;

#[derive(Model, Serialize, Debug)]
#[model(has_many(books = Book))]
pub struct Author {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
    #[serde(skip)]
    pub secret: String,
}

#[derive(Model, Serialize, Debug)]
pub struct Book {
    #[model(primary_key)]
    pub id: i64,
    #[serde(rename = "heading")]
    pub title: String,
    #[model(belongs_to(author = Author))]
    pub author_id: i64,
}

on_every_backend!(setup = crate::common::nothing; rows_serialize_with_what_was_loaded);

fn rows_serialize_with_what_was_loaded<C: ?Sized>(db: &mut C, _: common::Backend)
where
    for<'a> &'a mut C: Executor,
{
    eagerly::create_tables(&mut *db, &[Author::TABLE, Book::TABLE]).unwrap();
    NewAuthor { name: "Ann".into(), secret: "s3cret".into() }.insert(&mut *db).unwrap();
    NewBook { title: "Justice".into(), author_id: 1 }.insert(&mut *db).unwrap();

    let plain = Author::query().all(&mut *db).unwrap();
    assert_eq!(serde_json::to_value(&plain).unwrap(), json!([{ "id": 1, "name": "Ann" }]));

    let loaded = Author::query()
        .prefetch_with(Author::books, |books| books.select_related(Book::author))
        .with_count(Author::books)
        .all(&mut *db)
        .unwrap();
    assert_eq!(
        serde_json::to_value(&loaded).unwrap(),
        json!([{
            "id": 1,
            "name": "Ann",
            "books": [{ "id": 1, "heading": "Justice", "author_id": 1, "author": { "id": 1, "name": "Ann" } }],
            "books_count": 1
        }])
    );
}
