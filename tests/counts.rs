//! `with_count`: related-row counts computed by SQLite, never multiplied by joins or other
//! counts.

#[path = "common/chinook.rs"]
mod chinook;
mod common;

use common::*;

#[test]
fn two_counts_and_a_join_on_one_query_give_the_known_answers() {
    use chinook::*;
    let conn = open();
    let (employees, log) = eagerly::capture(|| {
        Employee::query()
            .with_count(Employee::reports)
            .select_related(Employee::manager)
            .with_count(Employee::customers)
            .order_by(Employee::employee_id.asc())
            .all(&conn)
            .unwrap()
    });
    assert_eq!(
        log.sql(),
        [concat!(
            r#"SELECT t0."EmployeeId", t0."LastName", t0."FirstName", t0."Title", t0."ReportsTo", t0."BirthDate", t0."HireDate", t0."Address", t0."City", t0."State", t0."Country", t0."PostalCode", t0."Phone", t0."Fax", t0."Email", "#,
            r#"(SELECT COUNT(*) FROM "Employee" c1 WHERE c1."ReportsTo" = t0."EmployeeId"), "#,
            r#"j2."EmployeeId", j2."LastName", j2."FirstName", j2."Title", j2."ReportsTo", j2."BirthDate", j2."HireDate", j2."Address", j2."City", j2."State", j2."Country", j2."PostalCode", j2."Phone", j2."Fax", j2."Email", "#,
            r#"(SELECT COUNT(*) FROM "Customer" c3 WHERE c3."SupportRepId" = t0."EmployeeId") "#,
            r#"FROM "Employee" t0 LEFT JOIN "Employee" j2 ON j2."EmployeeId" = t0."ReportsTo" ORDER BY t0."EmployeeId" ASC"#
        )]
    );
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

#[test]
fn many_to_many_counts_pairs_whose_row_is_there() {
    use chinook::*;
    let conn = open();
    let (tracks, log) = eagerly::capture(|| {
        Track::query()
            .with_count(Track::playlists)
            .with_count(Track::invoice_lines)
            .select_related_with(Track::album, |album| album.with_count(Album::tracks))
            .filter(Track::track_id.le(5))
            .all(&conn)
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

#[test]
fn counts_agree_with_the_loaded_rows() {
    let conn = seeded_db();
    let (authors, log) = eagerly::capture(|| {
        Author::query()
            .prefetch_with(Author::books, |books| books.with_count(Book::tags))
            .with_count(Author::books)
            .order_by(Author::id.asc())
            .all(&conn)
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

#[test]
fn a_count_counts_what_a_prefetch_of_the_relation_loads() {
    let conn = seeded_db();
    // Pairs whose tag is missing (a database that did not enforce the foreign key): the
    // prefetch finds no tag for them, and the count does not count them.
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF; INSERT INTO book_tag VALUES (1, 99), (2, 98), (3, 97);",
    )
    .unwrap();
    let books = Book::query()
        .prefetch(Book::tags)
        .with_count(Book::tags)
        .order_by(Book::id.asc())
        .all(&conn)
        .unwrap();
    let counts: Vec<(usize, usize)> =
        books.iter().map(|b| (b.tags().len(), b.tags_count())).collect();
    assert_eq!(counts, [(1, 1), (1, 1), (0, 0), (0, 0), (1, 1), (2, 2)]);
    // So from the other side, and below a join.
    let tags = Tag::query().prefetch(Tag::books).with_count(Tag::books).all(&conn).unwrap();
    assert!(tags.iter().all(|t| t.books().len() == t.books_count()));
    let links = BookTag::query()
        .select_related_with(BookTag::book, |book| book.with_count(Book::tags))
        .filter(BookTag::tag_id.le(2))
        .all(&conn)
        .unwrap();
    assert!(links.iter().all(|l| l.book().tags_count() <= 2));
}
