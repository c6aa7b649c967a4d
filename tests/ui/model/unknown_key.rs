use eagerly::Model;

#[derive(Model)]
#[model(tabel = "authors")]
pub struct Author {
    #[model(primary)]
    pub id: i64,
    #[model(table = "x")]
    pub name: String,
}

fn main() {}
