//! The query log: every statement eagerly runs is recorded while a capture is active.

mod common;

use common::*;
use eagerly::Value;

#[test]
fn a_capture_records_sql_parameters_rows_and_time() {
    let conn = seeded_db();
    let (count, log) = eagerly::capture(|| {
        let books = Book::query().filter(Book::author_id.eq(1)).all(&conn).unwrap(); // line 12
        Book::query()
            .filter(Book::id.is_in(books.iter().map(|b| b.id)))
            .update(&conn, [Book::title.set("x")])
            .unwrap()
    });
    assert_eq!(count, 3);
    assert_eq!(log.len(), 2);
    let [select, update] = log.records() else { panic!("two records") };
    assert_eq!(
        select.sql,
        r#"SELECT t0."id", t0."title", t0."author_id" FROM "books" t0 WHERE t0."author_id" = ?"#
    );
    assert_eq!(
        (select.params.as_slice(), select.rows, select.table),
        (&[Value::Integer(1)][..], 3, "books")
    );
    assert_eq!(update.sql, r#"UPDATE "books" AS t0 SET "title" = ? WHERE t0."id" IN (?, ?, ?)"#);
    assert_eq!(
        update.params,
        [Value::Text("x".into()), Value::Integer(1), Value::Integer(2), Value::Integer(6)]
    );
    assert_eq!(update.rows, 3, "rows changed");
    assert!(log.records().iter().all(|r| r.error.is_none()));
    assert_eq!(log.duration(), select.duration + update.duration);

    let text = log.to_string();
    assert!(text.starts_with(r#"  1. [3 rows, "#), "{text}");
    assert!(text.contains(r#"] SELECT t0."id""#), "{text}");
    assert!(text.contains("-- [Integer(1)] (at tests/log.rs:12:65)\n  2. [3 rows, "), "{text}");
    // `#[track_caller]`: each statement is reported at the application's line.
    assert_eq!((select.location.file(), select.location.line()), ("tests/log.rs", 12));
    assert_eq!(update.location.line(), 15);
}

#[test]
fn failed_statements_are_recorded_with_their_error() {
    let conn = eagerly::rusqlite::Connection::open_in_memory().unwrap();
    let (result, log) = eagerly::capture(|| Author::query().count(&conn));
    assert!(result.is_err());
    assert_eq!(log.len(), 1);
    assert!(log.records()[0].error.as_deref().unwrap().contains("no such table: author"));
    assert!(log.to_string().contains("-- failed: database error on table `author`"));
}

#[test]
fn only_statements_inside_the_capture_are_recorded() {
    let conn = seeded_db();
    Author::query().all(&conn).unwrap();
    let (_, outer) = eagerly::capture(|| {
        Author::query().count(&conn).unwrap();
        let (_, inner) = eagerly::capture(|| Book::query().count(&conn).unwrap());
        assert_eq!(inner.sql(), [r#"SELECT COUNT(*) FROM "books" t0"#]);
    });
    assert_eq!(
        outer.sql(),
        [r#"SELECT COUNT(*) FROM "author" t0"#, r#"SELECT COUNT(*) FROM "books" t0"#]
    );
}
