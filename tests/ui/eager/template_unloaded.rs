#[path = "../../ui_models.rs"]
mod models;
use askama::Template;
use models::*;

// The seed's template, fed rows whose query did not load the books.
#[derive(Template)]
#[template(
    source = "{% for author in authors %}<h2>{{ author.name }}</h2><ul>{% for book in author.books() %}<li>{{ book.title }}</li>{% endfor %}</ul>{% endfor %}",
    ext = "html"
)]
struct AuthorList<'a> {
    authors: &'a [AuthorRow],
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let authors = Author::query().all(&conn())?;
    println!("{}", AuthorList { authors: &authors }.render()?);
    Ok(())
}
