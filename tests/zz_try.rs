mod common;
use common::*;

#[test]
fn headline() {
    let conn = seeded_db();
    let (authors, log) = eagerly::capture(|| {
        Author::query()
            .select_related(Author::publisher)
            .prefetch_with(Author::books, |b| b.filter(Book::title.icontains("rust")).order_by(Book::title.asc()).prefetch(Book::tags))
            .with_count(Author::books)
            .all(&conn)
            .unwrap()
    });
    for a in &authors {
        let p = a.publisher().map(|p| p.name.as_str()).unwrap_or("-");
        println!("{} ({p}), {} books", a.name, a.books_count());
        for b in a.books() {
            println!("  {} {:?}", b.title, b.tags().iter().map(|t| &t.name).collect::<Vec<_>>());
        }
    }
    println!("{log}");
    println!("{:?}", authors[0]);
}
