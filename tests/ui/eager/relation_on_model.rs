#[path = "../../ui_models.rs"]
mod models;
use models::*;

// The first functions a newcomer writes: relations read from the model.
fn show(author: &Author) -> usize {
    author.books().len()
}

fn by(book: &Book) -> &str {
    &book.author().name
}

fn main() -> eagerly::Result<()> {
    let authors = Author::query().prefetch(Author::books).all(&conn())?;
    let author = authors.into_iter().next().unwrap().into_model();
    println!("{} {}", show(&author), author.books_count());
    let book = Book::query().select_related(Book::author).all(&conn())?.remove(0);
    println!("{}", by(&book));
    Ok(())
}
