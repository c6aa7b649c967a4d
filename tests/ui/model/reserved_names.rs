use eagerly::Model;

// Column constants are named after their fields: these would hide what the derive puts on
// the model and its rows. Each is one error, at the name to change.
#[derive(Model)]
#[model(has_many(insert_all = Step, fk = command_id), has_many(into_model = Step, fk = command_id))]
pub struct Command {
    #[model(primary_key)]
    pub id: i64,
    pub get: bool,
    pub query: String,
    #[model(column = "table")]
    pub TABLE: String,
    // Free: called as methods, which no constant hides.
    pub key: String,
    pub insert: i64,
}

#[derive(Model)]
pub struct Step {
    #[model(primary_key)]
    pub id: i64,
    pub command_id: i64,
}

fn main() {}
