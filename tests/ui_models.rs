// Shared by the compile-error cases: the seed's models.
use eagerly::Model;

#[derive(Model, Debug)]
#[model(has_many(books = Book))]
pub struct Author {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
    #[model(belongs_to(publisher = Publisher))]
    pub publisher_id: Option<i64>,
}

#[derive(Model, Debug)]
#[model(many_to_many(tags = Tag, through = BookTag))]
pub struct Book {
    #[model(primary_key)]
    pub id: i64,
    pub title: String,
    #[model(belongs_to(author = Author))]
    pub author_id: i64,
}

#[derive(Model, Debug)]
pub struct Publisher {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug)]
pub struct Tag {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug)]
pub struct BookTag {
    #[model(primary_key, belongs_to(book = Book))]
    pub book_id: i64,
    #[model(primary_key, belongs_to(tag = Tag))]
    pub tag_id: i64,
}

#[allow(dead_code)]
pub fn conn() -> eagerly::rusqlite::Connection {
    eagerly::rusqlite::Connection::open_in_memory().unwrap()
}
