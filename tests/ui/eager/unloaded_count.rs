#[path = "../../ui_models.rs"]
mod models;
use models::*;

fn main() -> eagerly::Result<()> {
    // The books are loaded, but their count was not asked of SQL.
    let authors = Author::query().prefetch(Author::books).all(&conn())?;
    println!("{}", authors[0].books_count());
    Ok(())
}
