use eagerly::Model;

#[derive(Model)]
#[model(has_many(books = Book, fk = title))]
pub struct Author {
    #[model(primary_key)]
    pub id: i64,
}

#[derive(Model)]
pub struct Book {
    #[model(primary_key)]
    pub id: i64,
    pub title: String,
}

fn main() {}
