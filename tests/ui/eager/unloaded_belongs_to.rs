#[path = "../../ui_models.rs"]
mod models;
use models::*;

fn main() -> eagerly::Result<()> {
    let books = Book::query().prefetch(Book::tags).all(&conn())?;
    println!("{}", books[0].author().name);
    let authors = Author::query().all(&conn())?;
    println!("{:?}", authors[0].publisher().map(|p| &p.name));
    Ok(())
}
