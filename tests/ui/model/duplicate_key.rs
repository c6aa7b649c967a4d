use eagerly::Model;

#[derive(Model)]
#[model(table = "authors", table = "writers")]
pub struct Author {
    #[model(primary_key)]
    #[model(primary_key)]
    pub id: i64,
    #[model(column = "Name", column = "FullName")]
    pub name: String,
}

fn main() {}
