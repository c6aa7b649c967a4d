use eagerly::Model;

#[derive(Model)]
pub struct Publisher {
    #[model(primary_key)]
    pub id: i64,
}

#[derive(Model)]
pub struct Author {
    #[model(primary_key)]
    pub id: i64,
    #[model(belongs_to(publisher = Publisher))]
    pub publisher_id: Option<String>,
}

fn main() {}
