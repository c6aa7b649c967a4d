#[path = "../../ui_models.rs"]
mod models;
use models::*;

fn main() -> eagerly::Result<()> {
    let authors = Author::query().prefetch(Author::books).all(&conn())?;
    for author in &authors {
        for book in author.books() {
            println!("{} {:?}", book.title, book.tags().len());
        }
    }
    Ok(())
}
