#[path = "../../ui_models.rs"]
mod models;
use models::*;

fn main() -> eagerly::Result<()> {
    let authors = Author::query().select_related(Author::publisher).all(&conn())?;
    for author in &authors {
        println!("{} wrote {} books", author.name, author.books().len());
    }
    Ok(())
}
