use eagerly::Model;

#[derive(Model)]
#[model(has_one(profile = Profile, fk = owner_id))]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
}

#[derive(Model)]
pub struct Profile {
    #[model(primary_key)]
    pub id: i64,
    #[model(unique, belongs_to(user = User))]
    pub user_id: i64,
}

fn main() {}
