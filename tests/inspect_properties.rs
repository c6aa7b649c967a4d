//! The inspector's N+1 finding and its fix, as a property: for any loop of child queries
//! over the rows of one query (rows, a count or an existence test per parent, with or
//! without a filter, an order and a limit of its own), the inspector reports exactly one
//! N+1 when the loop ran twice or more, none otherwise; its fix has the loop's shape
//! (the filter, order and limit it names are the loop's, `with_count` only for a count
//! without conditions); and the program the fix describes, run, loads what the loop
//! loaded, in fewer statements, and inspects clean. Short in CI
//! (`PROPTEST_CASES` for more).

#[macro_use]
#[allow(unused_macros)]
mod common;

use common::*;
use eagerly::Model;
use eagerly::rusqlite::Connection;
use proptest::prelude::*;

/// What each iteration asks of its author's books.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Asked {
    Rows,
    Count,
    Exists,
}

#[derive(Debug, Clone)]
struct Program {
    /// Books per author (authors `1..=len`), each book's title a number.
    shelves: Vec<Vec<u8>>,
    /// The loop runs over the authors with an id up to this.
    up_to: i64,
    asked: Asked,
    /// The loop's own filter: books with an id above this.
    above: Option<i64>,
    /// The loop's own order, by title: descending if `true`.
    order: Option<bool>,
    /// The loop's own limit (rows only).
    limit: Option<usize>,
    /// An unrelated read of every book before the loop (whose rows hold the author ids
    /// too, as foreign keys).
    noise: bool,
}

fn programs() -> impl Strategy<Value = Program> {
    let asked = prop_oneof![Just(Asked::Rows), Just(Asked::Count), Just(Asked::Exists)];
    (
        prop::collection::vec(prop::collection::vec(0u8..20, 0..5), 1..6),
        1i64..7,
        asked,
        prop::option::of(0i64..12),
        prop::option::of(any::<bool>()),
        prop::option::of(1usize..3),
        any::<bool>(),
    )
        .prop_map(|(shelves, up_to, asked, above, order, limit, noise)| Program {
            shelves,
            up_to,
            asked,
            above,
            order: if asked == Asked::Rows { order } else { None },
            limit: if asked == Asked::Rows { limit } else { None },
            noise,
        })
}

fn database(program: &Program) -> Connection {
    let conn = empty_db();
    let authors = (1..=program.shelves.len() as i64).map(|id| Author {
        id,
        name: format!("author {id}"),
        publisher_id: None,
    });
    Author::insert_all(&conn, authors).unwrap();
    let mut id = 0;
    let mut books = Vec::new();
    for (author, titles) in program.shelves.iter().enumerate() {
        for title in titles {
            id += 1;
            books.push(Book { id, title: format!("{title:02}"), author_id: author as i64 + 1 });
        }
    }
    Book::insert_all(&conn, books).unwrap();
    conn
}

/// The books query of the loop's iteration, and of the fix's `prefetch_with`.
fn narrowed<R: eagerly::MaybeSend + 'static>(
    program: &Program,
    mut books: eagerly::Query<Book, R>,
) -> eagerly::Query<Book, R> {
    if let Some(above) = program.above {
        books = books.filter(Book::id.gt(above));
    }
    match program.order {
        Some(true) => books = books.order_by(Book::title.desc()),
        Some(false) => books = books.order_by(Book::title.asc()),
        None => {}
    }
    if let Some(limit) = program.limit {
        books = books.limit(limit);
    }
    books
}

/// Per author: the titles, the count or whether there is a book, as the loop loads them.
fn as_written(program: &Program, conn: &Connection) -> Vec<String> {
    if program.noise {
        Book::query().all(conn).unwrap();
    }
    let mut out = Vec::new();
    for author in Author::query().filter(Author::id.le(program.up_to)).all(conn).unwrap() {
        let books = narrowed(program, Book::query().filter(Book::author_id.eq(author.id)));
        out.push(match program.asked {
            Asked::Rows => {
                format!("{:?}", books.all(conn).unwrap().iter().map(|b| b.id).collect::<Vec<_>>())
            }
            Asked::Count => books.count(conn).unwrap().to_string(),
            Asked::Exists => books.exists(conn).unwrap().to_string(),
        });
    }
    out
}

/// The same, loaded as the inspector's fix says.
fn as_fixed(program: &Program, conn: &Connection) -> Vec<String> {
    if program.noise {
        Book::query().all(conn).unwrap();
    }
    let authors = Author::query().filter(Author::id.le(program.up_to));
    if program.asked == Asked::Count && program.above.is_none() {
        let authors = authors.with_count(Author::books).all(conn).unwrap();
        return authors.iter().map(|a| a.books_count().to_string()).collect();
    }
    let authors =
        authors.prefetch_with(Author::books, |books| narrowed(program, books)).all(conn).unwrap();
    authors
        .iter()
        .map(|a| match program.asked {
            Asked::Rows => format!("{:?}", a.books().iter().map(|b| b.id).collect::<Vec<_>>()),
            Asked::Count => a.books().len().to_string(),
            Asked::Exists => (!a.books().is_empty()).to_string(),
        })
        .collect()
}

proptest! {
    #![proptest_config(property_config(48))]

    #[test]
    fn a_loop_is_found_once_and_its_fix_loads_the_same(program in programs()) {
        let conn = database(&program);
        let (loaded, report) = eagerly::inspect(|| as_written(&program, &conn));
        if loaded.len() < 2 {
            prop_assert!(report.n_plus_one().is_empty(), "{}", report);
            return Ok(());
        }
        prop_assert_eq!(report.n_plus_one().len(), 1, "{}", report);
        prop_assert!(report.duplicates().is_empty(), "{}", report);
        let found = &report.n_plus_one()[0];
        prop_assert_eq!((found.count, found.rows_of), (loaded.len(), "Author"));
        let fix = found.fix.as_deref().unwrap_or_default();
        // The query of the authors, never the unrelated read of books before the loop.
        prop_assert!(fix.contains("to the query that loads the `Author` rows"), "{}", fix);
        let counts_all = program.asked == Asked::Count && program.above.is_none();
        prop_assert_eq!(fix.contains(".with_count(Author::books)"), counts_all, "{}", fix);
        prop_assert_eq!(fix.contains(".filter(..)"), program.above.is_some(), "{}", fix);
        // A limit without an order is taken in key order: the fix says so.
        let ordered = program.order.is_some() || program.limit.is_some();
        prop_assert_eq!(fix.contains(".order_by(..)"), ordered, "{}", fix);
        prop_assert_eq!(fix.contains(".limit(..)"), program.limit.is_some(), "{}", fix);
        prop_assert_eq!(fix.contains("is_empty()"), program.asked == Asked::Exists, "{}", fix);

        let (fixed, fixed_report) = eagerly::inspect(|| as_fixed(&program, &conn));
        prop_assert_eq!(fixed, loaded);
        prop_assert!(fixed_report.is_clean(), "{}", fixed_report);
        prop_assert!(fixed_report.log().len() < report.log().len());
    }
}
