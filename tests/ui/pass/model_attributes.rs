//! Every model attribute, in a program that compiles and runs.
use eagerly::Model;

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
#[model(many_to_many(books = Book, through = BookTag, from = tag_id, to = book_id))]
pub struct Tag {
    #[model(primary_key)]
    pub id: i64,
    #[model(unique)]
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "BookTag", rename_all = "PascalCase", unique(tag_id, book_id), index(note))]
pub struct BookTag {
    #[model(primary_key, belongs_to(book = Book))]
    pub book_id: i64,
    #[model(primary_key, belongs_to(tag = Tag))]
    pub tag_id: i64,
    #[model(column = "Remark", sql_type = "VARCHAR(200)")]
    pub note: Option<String>,
}

mod private {
    // A private model in another module, with a raw identifier field.
    #[derive(eagerly::Model)]
    pub(crate) struct Draft {
        #[model(primary_key)]
        pub(crate) r#type: String,
        body: Vec<u8>,
    }

    impl Draft {
        pub(crate) fn body_len(&self) -> usize {
            self.body.len()
        }
    }
}

fn main() {
    let conn = eagerly::rusqlite::Connection::open_in_memory().unwrap();
    eagerly::create_tables(
        &conn,
        &[BookTag::TABLE, Tag::TABLE, Book::TABLE, Author::TABLE, Publisher::TABLE, private::Draft::TABLE],
    )
    .unwrap();
    assert_eq!(BookTag::note.name(), "Remark");
    assert_eq!(private::Draft::r#type.name(), "type");
    let _ = private::Draft::query().filter(private::Draft::r#type.eq("memo")).first(&conn).unwrap().map(|d| d.body_len());
    let _ = (Author::books, Author::publisher, Book::tags, Book::author, Tag::books, BookTag::book, BookTag::tag);
}
