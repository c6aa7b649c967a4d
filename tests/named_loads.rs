//! The same relation loaded twice under two names (Django's `Prefetch(.., to_attr=..)`,
//! Rails' scoped `has_many :latest_books, -> { .. }`): a model declares the relation again
//! under another name, with the same foreign key, and a query loads each with its own
//! filter, order and limit, read through its own accessor and named in `row!`. A
//! `belongs_to` gets its second name on the struct (`belongs_to(writer = Author, fk =
//! author_id)`), since its field already carries the first.

#[macro_use]
mod common;
#[path = "common/postgres.rs"]
mod postgres_server;

use common::Backend;
use eagerly::{Executor, Model};

#[derive(Model, Debug, Clone, PartialEq)]
#[model(has_many(books = Book), has_many(latest_books = Book, fk = author_id))]
pub struct Author {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(belongs_to(writer = Author, fk = author_id))]
pub struct Book {
    #[model(primary_key)]
    pub id: i64,
    pub title: String,
    #[model(belongs_to(author = Author))]
    pub author_id: i64,
}

on_every_backend!(
    setup = crate::shelves;
    all_books_and_the_latest_two_in_one_query,
    a_belongs_to_joined_and_prefetched_under_two_names,
    a_second_name_adds_no_second_foreign_key,
);

/// Two authors: Ann with four books, Bo with one.
fn shelves<C: ?Sized>(db: &mut C)
where
    for<'a> &'a mut C: Executor,
{
    eagerly::create_tables(&mut *db, &[Author::TABLE, Book::TABLE]).unwrap();
    Author::insert_all(
        &mut *db,
        [Author { id: 1, name: "Ann".into() }, Author { id: 2, name: "Bo".into() }],
    )
    .unwrap();
    let books = [(1, "w", 1), (2, "x", 1), (3, "y", 2), (4, "z", 1), (5, "v", 1)];
    Book::insert_all(
        &mut *db,
        books.map(|(id, title, author_id)| Book { id, title: title.into(), author_id }),
    )
    .unwrap();
}

type Page = eagerly::row!(Author { books, latest_books });

fn all_books_and_the_latest_two_in_one_query<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (authors, log) = eagerly::capture(|| -> Vec<Page> {
        Author::query()
            .prefetch(Author::books)
            .prefetch_with(Author::latest_books, |q| q.order_by(Book::id.desc()).limit(2))
            .order_by(Author::id.asc())
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(log.len(), 3, "{log}");
    let ids = |books: &[BookRow]| books.iter().map(|b| b.id).collect::<Vec<_>>();
    let seen: Vec<(&str, Vec<i64>, Vec<i64>)> =
        authors.iter().map(|a| (a.name.as_str(), ids(a.books()), ids(a.latest_books()))).collect();
    assert_eq!(seen, [("Ann", vec![1, 2, 4, 5], vec![5, 4]), ("Bo", vec![3], vec![3])]);
}

type Listing = eagerly::row!(Book { author, writer { latest_books } });

/// The author joined for its columns, and again (as `writer`) batched with its latest book:
/// Django's `select_related("author")` beside `Prefetch("author", to_attr="writer", ..)`.
fn a_belongs_to_joined_and_prefetched_under_two_names<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (books, log) = eagerly::capture(|| -> Vec<Listing> {
        Book::query()
            .select_related(Book::author)
            .prefetch_with(Book::writer, |q| {
                q.prefetch_with(Author::latest_books, |q| q.order_by(Book::id.desc()).limit(1))
            })
            .order_by(Book::id.asc())
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(log.len(), 3, "{log}");
    assert!(log.sql()[0].contains("JOIN"), "{log}");
    assert!(!log.sql()[1].contains("JOIN"), "{log}");
    let seen: Vec<(&str, &str, &str, Vec<&str>)> = books
        .iter()
        .map(|b| {
            let latest = b.writer().latest_books().iter().map(|l| l.title.as_str()).collect();
            (b.title.as_str(), b.author().name.as_str(), b.writer().name.as_str(), latest)
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("w", "Ann", "Ann", vec!["v"]),
            ("x", "Ann", "Ann", vec!["v"]),
            ("y", "Bo", "Bo", vec!["y"]),
            ("z", "Ann", "Ann", vec!["v"]),
            ("v", "Ann", "Ann", vec!["v"]),
        ]
    );
}

/// Both names describe the one `author_id` column: the table gets one constraint.
fn a_second_name_adds_no_second_foreign_key<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let ((), log) = eagerly::capture(|| {
        eagerly::create_tables(&mut *db, &[Book::TABLE]).unwrap();
    });
    let book_ddl = log.sql().into_iter().find(|sql| sql.contains("\"book\" (")).unwrap_or_default();
    assert_eq!(book_ddl.matches("REFERENCES").count(), 1, "{log}");
}
