#[path = "../../ui_models.rs"]
mod models;
use models::*;

// Django's `Prefetch("author", queryset=Author.objects.filter(..))` on a NOT NULL foreign
// key: a book whose author the filter leaves out would have no author, which its type
// (`&AuthorRow`) promises.
fn main() -> eagerly::Result<()> {
    let books = Book::query()
        .prefetch_with(Book::author, |author| author.filter(Author::name.eq("Ann Leckie")))
        .all(&conn())?;
    let newest = Book::query()
        .prefetch_with(Book::author, |author| author.order_by(Author::id.desc()).limit(1))
        .all(&conn())?;
    println!("{} {}", books[0].author().name, newest[0].author().name);
    Ok(())
}
