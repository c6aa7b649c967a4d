use eagerly::Model;

#[derive(Model)]
pub struct Author<T> {
    #[model(primary_key)]
    pub id: Option<i64>,
    pub name: T,
}

fn main() {}
