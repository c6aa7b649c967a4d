use eagerly::Model;

// A `has_one` whose foreign key is not unique: a user could have several profiles.
#[derive(Model)]
#[model(has_one(profile = Profile))]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
}

#[derive(Model)]
pub struct Profile {
    #[model(primary_key)]
    pub id: i64,
    #[model(belongs_to(user = User))]
    pub user_id: i64,
}

// An unknown foreign key is reported as for `has_many`.
#[derive(Model)]
#[model(has_one(badge = Badge, fk = holder_id))]
pub struct Member {
    #[model(primary_key)]
    pub id: i64,
}

#[derive(Model)]
pub struct Badge {
    #[model(primary_key)]
    pub id: i64,
    #[model(unique, belongs_to(member = Member))]
    pub member_id: i64,
}

fn main() {}
