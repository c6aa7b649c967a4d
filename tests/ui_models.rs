// Shared by the filter cases: the seed's Author and Book.
use eagerly::Model;

#[derive(Model, Debug)]
#[model(has_many(books = Book))]
pub struct Author {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
    pub publisher_id: Option<i64>,
}

#[derive(Model, Debug)]
pub struct Book {
    #[model(primary_key)]
    pub id: i64,
    pub title: String,
    #[model(belongs_to(author = Author))]
    pub author_id: i64,
}
