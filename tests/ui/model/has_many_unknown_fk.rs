use eagerly::Model;

#[derive(Model)]
#[model(has_many(books = Book, fk = writer_id))]
pub struct Author {
    #[model(primary_key)]
    pub id: i64,
}

#[derive(Model)]
pub struct Book {
    #[model(primary_key)]
    pub id: i64,
    #[model(belongs_to(author = Author))]
    pub author_id: i64,
}

fn main() {}
