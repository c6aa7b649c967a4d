use eagerly::Model;

#[derive(Model)]
#[model(has_many(books = Book, fk = author_id), has_many(name = Book, fk = author_id))]
pub struct Author {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
    pub query: String,
    #[model(column = "id")]
    pub other: i64,
}

#[derive(Model)]
pub struct Book {
    #[model(primary_key)]
    pub id: i64,
    pub author_id: i64,
}

fn main() {}
