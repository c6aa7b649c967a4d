use eagerly::Model;

pub struct Publisher {
    pub id: i64,
}

#[derive(Model)]
pub struct Author {
    #[model(primary_key)]
    pub id: i64,
    #[model(belongs_to(publisher = Publisher))]
    pub publisher_id: Option<i64>,
}

fn main() {}
