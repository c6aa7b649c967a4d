//! The query log: every statement eagerly runs is recorded while a capture is active; on
//! SQLite and on PostgreSQL (`on_every_backend!`, `common/mod.rs`).

#[macro_use]
mod common;
#[path = "common/postgres.rs"]
mod postgres_server;

use common::*;
use eagerly::{Executor, Value};

on_every_backend!(
    a_capture_records_sql_parameters_rows_and_time,
    only_statements_inside_the_capture_are_recorded
);
on_every_backend!(setup = crate::common::nothing; failed_statements_are_recorded_with_their_error);

fn a_capture_records_sql_parameters_rows_and_time<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let ((count, lines), log) = eagerly::capture(|| {
        let books = Book::query().filter(Book::author_id.eq(1));
        let (books, select) = (books.all(&mut *db).unwrap(), line!());
        let changed = Book::query().filter(Book::id.is_in(books.iter().map(|b| b.id)));
        let (count, update) = (changed.update(&mut *db, [Book::title.set("x")]).unwrap(), line!());
        (count, (select, update))
    });
    assert_eq!(count, 3);
    assert_eq!(log.len(), 2);
    let [select, update] = log.records() else { panic!("two records") };
    assert_eq!(
        select.sql,
        backend.sql(
            r#"SELECT t0."id", t0."title", t0."author_id" FROM "books" t0 WHERE t0."author_id" = ?"#
        )
    );
    assert_eq!(
        (select.params.as_slice(), select.rows, select.table),
        (&[Value::Integer(1)][..], 3, "books")
    );
    let list = backend.in_list(3);
    let expected =
        backend.sql(&format!(r#"UPDATE "books" AS t0 SET "title" = ? WHERE t0."id" {list}"#));
    assert_eq!(update.sql, expected);
    let mut params = vec![Value::Text("x".into())];
    params.extend(backend.list_params(vec![
        Value::Integer(1),
        Value::Integer(2),
        Value::Integer(6),
    ]));
    assert_eq!(update.params, params);
    assert_eq!(update.rows, 3, "rows changed");
    assert!(log.records().iter().all(|r| r.error.is_none()));
    assert_eq!(log.duration(), select.duration + update.duration);

    let text = log.to_string();
    assert!(text.starts_with(r#"  1. [3 rows, "#), "{text}");
    assert!(text.contains(r#"] SELECT t0."id""#), "{text}");
    let at = format!("-- [1] (at tests/log.rs:{}:", lines.0);
    assert!(text.contains(&at), "{text}");
    assert!(text.contains(")\n  2. [3 rows, "), "{text}");
    // `#[track_caller]`: each statement is reported at the application's line.
    assert_eq!((select.location.file(), select.location.line()), ("tests/log.rs", lines.0));
    assert_eq!(update.location.line(), lines.1);
}

fn failed_statements_are_recorded_with_their_error<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (result, log) = eagerly::capture(|| Author::query().count(&mut *db));
    assert!(result.is_err());
    assert_eq!(log.len(), 1);
    let says = backend.pick("no such table: author", r#"relation "author" does not exist"#);
    assert!(log.records()[0].error.as_deref().unwrap().contains(says));
    assert!(log.to_string().contains("-- failed: database error on table `author`"));
}

fn only_statements_inside_the_capture_are_recorded<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    Author::query().all(&mut *db).unwrap();
    let (_, outer) = eagerly::capture(|| {
        Author::query().count(&mut *db).unwrap();
        let (_, inner) = eagerly::capture(|| Book::query().count(&mut *db).unwrap());
        assert_eq!(inner.sql(), [r#"SELECT COUNT(*) FROM "books" t0"#]);
    });
    assert_eq!(
        outer.sql(),
        [r#"SELECT COUNT(*) FROM "author" t0"#, r#"SELECT COUNT(*) FROM "books" t0"#]
    );
}
