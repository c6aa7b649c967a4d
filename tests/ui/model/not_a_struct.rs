use eagerly::Model;

#[derive(Model)]
pub enum Status {
    Active,
    Retired,
}

#[derive(Model)]
pub struct Pair(i64, String);

#[derive(Model)]
pub struct Nothing;

fn main() {}
