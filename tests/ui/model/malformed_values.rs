use eagerly::Model;

#[derive(Model)]
#[model(table = authors, has_many, unique())]
pub struct Author {
    #[model(primary_key = true)]
    pub id: i64,
    #[model(column)]
    pub name: String,
    #[model(belongs_to(publisher = Publisher, books = Book))]
    pub publisher_id: Option<i64>,
    #[model(sql_type = "")]
    pub other_id: Option<i64>,
}

fn main() {}
