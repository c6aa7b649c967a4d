//! `with_count`: related-row counts computed by the database, never multiplied by joins or
//! other counts; on SQLite and on PostgreSQL (`on_every_backend!`, `common/mod.rs`).

#[path = "common/chinook.rs"]
mod chinook;
#[macro_use]
mod common;
#[path = "common/postgres.rs"]
mod postgres_server;

use common::*;
use eagerly::Executor;

on_every_backend!(
    setup = crate::chinook::copied;
    two_counts_and_a_join_on_one_query_give_the_known_answers,
    many_to_many_counts_pairs_whose_row_is_there,
);
on_every_backend!(
    counts_agree_with_the_loaded_rows,
    a_count_counts_what_a_prefetch_of_the_relation_loads
);

fn two_counts_and_a_join_on_one_query_give_the_known_answers<C: ?Sized>(
    db: &mut C,
    backend: Backend,
) where
    for<'a> &'a mut C: Executor,
{
    use chinook::*;
    let (employees, log) = eagerly::capture(|| {
        Employee::query()
            .with_count(Employee::reports)
            .select_related(Employee::manager)
            .with_count(Employee::customers)
            .order_by(Employee::employee_id.asc())
            .all(&mut *db)
            .unwrap()
    });
    const EMPLOYEE: [&str; 15] = [
        "EmployeeId",
        "LastName",
        "FirstName",
        "Title",
        "ReportsTo",
        "BirthDate",
        "HireDate",
        "Address",
        "City",
        "State",
        "Country",
        "PostalCode",
        "Phone",
        "Fax",
        "Email",
    ];
    let columns = |alias: &str| EMPLOYEE.map(|column| format!(r#"{alias}."{column}""#)).join(", ");
    let (t0, j2) = (columns("t0"), columns("j2"));
    let join = r#"FROM "Employee" t0 LEFT JOIN "Employee" j2 ON j2."EmployeeId" = t0."ReportsTo""#;
    let order = r#"ORDER BY t0."EmployeeId" ASC"#;
    // A count over a whole table: a subquery per row on SQLite; one grouped pass per
    // relation on PostgreSQL, which runs such a subquery once per row.
    let expected = match backend {
        Backend::Sqlite => format!(
            r#"SELECT {t0}, (SELECT COUNT(*) FROM "Employee" c1 WHERE c1."ReportsTo" = t0."EmployeeId"), {j2}, (SELECT COUNT(*) FROM "Customer" c3 WHERE c3."SupportRepId" = t0."EmployeeId") {join} {order}"#
        ),
        Backend::Postgres => format!(
            r#"SELECT {t0}, COALESCE(c1."count", 0), {j2}, COALESCE(c3."count", 0) {join} LEFT JOIN (SELECT c1."ReportsTo", COUNT(*) FROM "Employee" c1 GROUP BY c1."ReportsTo") c1 ("key", "count") ON c1."key" = t0."EmployeeId" LEFT JOIN (SELECT c3."SupportRepId", COUNT(*) FROM "Customer" c3 GROUP BY c3."SupportRepId") c3 ("key", "count") ON c3."key" = t0."EmployeeId" {order}"#
        ),
    };
    assert_eq!(log.sql(), [expected]);
    let rows: Vec<(&str, usize, usize, Option<&str>)> = employees
        .iter()
        .map(|e| {
            (
                e.first_name.as_str(),
                e.reports_count(),
                e.customers_count(),
                e.manager().map(|m| m.first_name.as_str()),
            )
        })
        .collect();
    // Checked against the database with plain SQL (sqlite3).
    assert_eq!(
        rows,
        [
            ("Andrew", 2, 0, None),
            ("Nancy", 3, 0, Some("Andrew")),
            ("Jane", 0, 21, Some("Nancy")),
            ("Margaret", 0, 20, Some("Nancy")),
            ("Steve", 0, 18, Some("Nancy")),
            ("Michael", 2, 0, Some("Andrew")),
            ("Robert", 0, 0, Some("Michael")),
            ("Laura", 0, 0, Some("Michael")),
        ]
    );
}

fn many_to_many_counts_pairs_whose_row_is_there<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    use chinook::*;
    let (tracks, log) = eagerly::capture(|| {
        Track::query()
            .with_count(Track::playlists)
            .with_count(Track::invoice_lines)
            .select_related_with(Track::album, |album| album.with_count(Album::tracks))
            .filter(Track::track_id.le(5))
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(log.len(), 1);
    assert!(log.sql()[0].contains(
        r#"(SELECT COUNT(*) FROM "PlaylistTrack" c1 INNER JOIN "Playlist" c2 ON c2."PlaylistId" = c1."PlaylistId" WHERE c1."TrackId" = t0."TrackId")"#
    ), "{}", log.sql()[0]);
    assert!(
        log.sql()[0]
            .contains(r#"(SELECT COUNT(*) FROM "Track" c5 WHERE c5."AlbumId" = j4."AlbumId")"#),
        "{}",
        log.sql()[0]
    );
    let counts: Vec<(i64, usize, usize, usize)> = tracks
        .iter()
        .map(|t| {
            (
                t.track_id,
                t.playlists_count(),
                t.invoice_lines_count(),
                t.album().unwrap().tracks_count(),
            )
        })
        .collect();
    assert_eq!(counts, [(1, 3, 1, 10), (2, 3, 2, 1), (3, 4, 1, 3), (4, 4, 1, 3), (5, 4, 1, 3)]);
}

fn counts_agree_with_the_loaded_rows<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (authors, log) = eagerly::capture(|| {
        Author::query()
            .prefetch_with(Author::books, |books| books.with_count(Book::tags))
            .with_count(Author::books)
            .order_by(Author::id.asc())
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(log.len(), 2);
    for author in &authors {
        assert_eq!(author.books_count(), author.books().len());
    }
    let tag_counts: Vec<Vec<usize>> =
        authors.iter().map(|a| a.books().iter().map(|b| b.tags_count()).collect()).collect();
    assert_eq!(tag_counts, [vec![1, 1, 2], vec![0, 0, 1], vec![]]);
}

fn a_count_counts_what_a_prefetch_of_the_relation_loads<C: ?Sized + RawSql>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    // Pairs whose tag is missing (a database that did not enforce the foreign key): the
    // prefetch finds no tag for them, and the count does not count them.
    db.allow_dangling("book_tag", "tag_id");
    db.raw("INSERT INTO book_tag VALUES (1, 99), (2, 98), (3, 97)");
    let books = Book::query()
        .prefetch(Book::tags)
        .with_count(Book::tags)
        .order_by(Book::id.asc())
        .all(&mut *db)
        .unwrap();
    let counts: Vec<(usize, usize)> =
        books.iter().map(|b| (b.tags().len(), b.tags_count())).collect();
    assert_eq!(counts, [(1, 1), (1, 1), (0, 0), (0, 0), (1, 1), (2, 2)]);
    // So from the other side, and below a join.
    let tags = Tag::query().prefetch(Tag::books).with_count(Tag::books).all(&mut *db).unwrap();
    assert!(tags.iter().all(|t| t.books().len() == t.books_count()));
    let links = BookTag::query()
        .select_related_with(BookTag::book, |book| book.with_count(Book::tags))
        .filter(BookTag::tag_id.le(2))
        .all(&mut *db)
        .unwrap();
    assert!(links.iter().all(|l| l.book().tags_count() <= 2));
}
