//! With the `serde` feature, rows serialize as their model's fields plus what was loaded,
//! so a JSON API can return them.

use eagerly::Model;
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

#[test]
fn rows_serialize_with_what_was_loaded() {
    let conn = eagerly::rusqlite::Connection::open_in_memory().unwrap();
    eagerly::create_tables(&conn, &[Author::TABLE, Book::TABLE]).unwrap();
    NewAuthor { name: "Ann".into(), secret: "s3cret".into() }.insert(&conn).unwrap();
    NewBook { title: "Justice".into(), author_id: 1 }.insert(&conn).unwrap();

    let plain = Author::query().all(&conn).unwrap();
    assert_eq!(serde_json::to_value(&plain).unwrap(), json!([{ "id": 1, "name": "Ann" }]));

    let loaded = Author::query()
        .prefetch_with(Author::books, |books| books.select_related(Book::author))
        .with_count(Author::books)
        .all(&conn)
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
