#[path = "../../ui_models.rs"]
mod models;
use models::*;

fn main() {
    // A filter on books in a query for authors.
    let _ = Author::query().filter(Book::title.eq("Dune"));
    // Conditions on two models in one filter.
    let _ = Book::title.eq("Dune").and(Author::name.eq("Herbert"));
    // Comparing a column with another model's column.
    let _ = Book::title.eq(Author::name);
}
