#[path = "../../ui_models.rs"]
mod models;
use models::*;

type Page = eagerly::row!(Author { books, publisher });

fn main() -> eagerly::Result<()> {
    // The query forgot the publisher that the named type promises.
    let _authors: Vec<Page> = Author::query().prefetch(Author::books).all(&conn())?;
    Ok(())
}
