use eagerly::Model;

#[derive(Model)]
pub struct Author {
    pub id: i64,
    pub name: String,
}

fn main() {}
