use eagerly::Model;

// Every mistake in this model is reported by one compile.
#[derive(Model)]
#[model(rename_all = "Pascal", index(name, nickname), many_to_many(tags = Tag))]
pub struct Author {
    pub id: i64,
    #[model(column = "")]
    pub name: String,
    #[model(indx)]
    pub born: Option<i64>,
}

pub struct Tag;

fn main() {}
