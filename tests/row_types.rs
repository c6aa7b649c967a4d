//! Rows can be named, passed around, sent across threads, printed, cloned and compared.

mod common;

use common::*;
use eagerly::{Counted, Many, Opt, Query, row};

/// What an author page shows, named by relation (any order).
type AuthorPage = row!(Author { count(books), books { tags }, publisher });

/// The same type, spelled positionally as rustc prints it: slots in declaration order
/// (struct-level relations first, then `belongs_to` fields, then counts).
type AuthorPagePositional = AuthorRow<Many<BookRow<Many<TagRow>>>, Opt<PublisherRow>, Counted>;

fn author_page() -> Query<Author, AuthorPage> {
    Author::query()
        .select_related(Author::publisher)
        .prefetch_with(Author::books, |books| books.prefetch(Book::tags).order_by(Book::id.asc()))
        .with_count(Author::books)
        .order_by(Author::id.asc())
}

/// Takes any author row whose books are loaded, whatever else is.
fn book_titles<P, C>(author: &AuthorRow<Many<BookRow<Many<TagRow>>>, P, C>) -> Vec<String> {
    author.books().iter().map(|b| b.title.clone()).collect()
}

fn render(authors: &[AuthorPagePositional]) -> String {
    authors
        .iter()
        .map(|a| {
            let publisher = a.publisher().map_or("-", |p| p.name.as_str());
            format!("{} ({publisher}): {}", a.name, a.books_count())
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn named_row_types_are_the_query_types() {
    let conn = seeded_db();
    let authors: Vec<AuthorPage> = author_page().all(&conn).unwrap();
    // Same type under both spellings: this is an assignment, not a conversion.
    let positional: Vec<AuthorPagePositional> = authors;
    assert_eq!(
        render(&positional),
        "Ann Leckie (Tor): 3; Brandon Sanderson (Tor): 3; Carol Shields (-): 0"
    );
    assert_eq!(book_titles(&positional[0]), ["Ancillary Justice", "100% Rust", "1000 Rusty Nails"]);

    // Nested rows carry their own loads, named the same way.
    type BookCard = row!(Book { author { publisher }, tags, count(tags) });
    let cards: Vec<BookCard> = Book::query()
        .with_count(Book::tags)
        .prefetch(Book::tags)
        .select_related_with(Book::author, |author| author.select_related(Author::publisher))
        .filter(Book::id.eq(6))
        .all(&conn)
        .unwrap();
    assert_eq!(cards[0].tags_count(), 2);
    assert_eq!(cards[0].author().publisher().unwrap().name, "Tor");
}

#[test]
fn queries_and_rows_cross_threads() {
    fn send_sync<T: Send + Sync>(value: T) -> T {
        value
    }
    let query = send_sync(author_page());
    let rows = std::thread::spawn(move || {
        // Built here, run on another thread with its own connection (as in a web
        // handler's `spawn_blocking`).
        let conn = seeded_db();
        query.all(&conn).unwrap()
    })
    .join()
    .unwrap();
    let rows = send_sync(rows);
    let shared = std::sync::Arc::new(rows);
    let reader = {
        let shared = shared.clone();
        std::thread::spawn(move || shared.iter().map(|a| a.books().len()).sum::<usize>())
    };
    assert_eq!(reader.join().unwrap(), 6);
}

#[test]
fn rows_print_clone_and_compare_like_their_models() {
    let conn = seeded_db();
    let authors = author_page().filter(Author::id.eq(1)).all(&conn).unwrap();
    let copy = authors.clone();
    assert_eq!(copy, authors);
    assert_eq!(
        format!("{:?}", authors[0]),
        concat!(
            r#"AuthorRow { model: Author { id: 1, name: "Ann Leckie", publisher_id: Some(1) }, "#,
            r#"books: [BookRow { model: Book { id: 1, title: "Ancillary Justice", author_id: 1 }, tags: [TagRow { model: Tag { id: 1, name: "sf" } }] }, "#,
            r#"BookRow { model: Book { id: 2, title: "100% Rust", author_id: 1 }, tags: [TagRow { model: Tag { id: 2, name: "programming" } }] }, "#,
            r#"BookRow { model: Book { id: 6, title: "1000 Rusty Nails", author_id: 1 }, tags: [TagRow { model: Tag { id: 1, name: "sf" } }, TagRow { model: Tag { id: 2, name: "programming" } }] }], "#,
            r#"publisher: Some(PublisherRow { model: Publisher { id: 1, name: "Tor" } }), books_count: 3 }"#
        )
    );
    let mut changed = copy;
    changed.truncate(0);
    assert_ne!(changed, authors);
}
