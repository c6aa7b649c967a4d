use eagerly::Model;

#[derive(Model)]
pub struct Author {
    #[model(primary_key)]
    pub id: i64,
}

// A second name for a `belongs_to` goes on the struct and names the field that holds the
// key; without `fk`, that field is `<relation>_id`.
#[derive(Model)]
#[model(belongs_to(writer = Author), belongs_to(editor = Author, fk = editr_id))]
pub struct Book {
    #[model(primary_key)]
    pub id: i64,
    #[model(belongs_to(author = Author))]
    pub author_id: i64,
    pub editor_id: i64,
}

fn main() {}
