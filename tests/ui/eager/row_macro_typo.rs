#[path = "../../ui_models.rs"]
mod models;
use models::*;

type Page = eagerly::row!(Author { publisher, bookz });
type Nested = eagerly::row!(Author { books { tagz } });

fn main() {
    let _: Option<Page> = None;
    let _: Option<Nested> = None;
}
