#[path = "../../ui_models.rs"]
mod models;
use models::*;

fn main() -> eagerly::Result<()> {
    // Loaded below the JOIN, but not the relation read.
    let books = Book::query()
        .select_related_with(Book::author, |author| author.prefetch(Author::books))
        .all(&conn())?;
    println!("{:?}", books[0].author().publisher());
    // The same relation twice below one JOIN.
    let _ = Book::query().select_related_with(Book::author, |author| {
        author.prefetch(Author::books).prefetch(Author::books)
    });
    Ok(())
}
