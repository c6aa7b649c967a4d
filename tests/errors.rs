//! Run-time problems are `eagerly::Error`s naming the table and column, never panics; on
//! SQLite and on PostgreSQL (`on_every_backend!`, `common/mod.rs`).

#[macro_use]
mod common;
#[path = "common/postgres.rs"]
mod postgres_server;

use common::*;
use eagerly::rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, Type, ValueRef};
use eagerly::{DecodeProblem, Error, Executor, Model};

on_every_backend!(
    setup = crate::common::nothing;
    null_in_a_field_that_is_not_an_option,
    a_value_of_the_wrong_type,
    a_prefetched_row_that_does_not_decode,
    an_integer_out_of_range,
    a_missing_table,
    a_value_that_cannot_be_bound,
    nan_is_refused_naming_the_column_and_nothing_is_stored,
);
on_every_backend!(not_found_is_its_own_case);

/// An author table whose `name` may hold NULL and `publisher_id` text, as a database
/// written by another program might.
fn loose_author_table<C: ?Sized + RawSql>(db: &mut C, backend: Backend) {
    // A column without a type takes any value in SQLite; PostgreSQL needs one.
    let publisher_id = backend.pick("publisher_id", "publisher_id TEXT");
    db.raw(&format!(
        "CREATE TABLE author (id INTEGER PRIMARY KEY, name TEXT, {publisher_id});
         INSERT INTO author VALUES (1, 'Ann', NULL);"
    ));
}

fn null_in_a_field_that_is_not_an_option<C: ?Sized + RawSql>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    loose_author_table(db, backend);
    db.raw("INSERT INTO author VALUES (2, NULL, NULL)");
    let error = Author::query().all(&mut *db).unwrap_err();
    assert!(
        matches!(
            error,
            Error::Decode {
                table: "author",
                column: "name",
                rust_type: "String",
                problem: DecodeProblem::Null
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "cannot read column `author`.`name` into `String`: the value is NULL; make the field an `Option` if the column may hold NULL"
    );
    // The rows before the bad one decode; only the query as a whole fails.
    assert_eq!(Author::get(&mut *db, 1).unwrap().name, "Ann");
}

fn a_value_of_the_wrong_type<C: ?Sized + RawSql>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    loose_author_table(db, backend);
    db.raw("INSERT INTO author VALUES (2, 'Bo', 'not a number')");
    let error = Author::get(&mut *db, 2).unwrap_err();
    assert!(
        matches!(
            error,
            Error::Decode {
                table: "author",
                column: "publisher_id",
                rust_type: "Option<i64>",
                problem: DecodeProblem::WrongType { found: Type::Text }
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "cannot read column `author`.`publisher_id` into `Option<i64>`: found a value of type Text, which the field's type does not read"
    );
}

/// A prefetched row is decoded once, and its key is read from the decoded row; a row that
/// does not decode is still an error naming its own table and column, and the key's
/// column is read from SQLite only to tell whether the row belongs to a parent.
fn a_prefetched_row_that_does_not_decode<C: ?Sized + RawSql>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    loose_author_table(db, backend);
    db.raw(
        "CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT, author_id INTEGER);
         INSERT INTO books VALUES (1, 'Fine', 1), (2, NULL, 1), (3, NULL, 7);",
    );
    let (result, log) = eagerly::capture(|| Author::query().prefetch(Author::books).all(&mut *db));
    let error = result.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Decode {
                table: "books",
                column: "title",
                rust_type: "String",
                problem: DecodeProblem::Null
            }
        ),
        "{error:?}"
    );
    assert_eq!(log.len(), 2);
    assert_eq!(
        log.sql()[1],
        backend.sql(&format!(r#"SELECT t0."id", t0."title", t0."author_id" FROM "books" t0 WHERE t0."author_id" {} ORDER BY t0."author_id" ASC, t0."id" ASC"#, backend.in_list(1)))
    );

    // Without the bad row of author 1, the bad row of author 7 (no such author here)
    // is not asked for: the batch loads author 1's books.
    db.raw("DELETE FROM books WHERE id = 2");
    let authors = Author::query().prefetch(Author::books).all(&mut *db).unwrap();
    let titles: Vec<&str> = authors[0].books().iter().map(|b| b.title.as_str()).collect();
    assert_eq!(titles, ["Fine"]);
}

#[derive(Model, Debug)]
#[model(table = "author")]
pub struct NarrowAuthor {
    #[model(primary_key)]
    pub id: i8,
    pub name: String,
}

fn an_integer_out_of_range<C: ?Sized + RawSql>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    loose_author_table(db, backend);
    db.raw("INSERT INTO author VALUES (300, 'Big', NULL)");
    let error = NarrowAuthor::query().all(&mut *db).unwrap_err();
    assert!(
        matches!(
            error,
            Error::Decode {
                table: "author",
                column: "id",
                rust_type: "i8",
                problem: DecodeProblem::OutOfRange(300)
            }
        ),
        "{error:?}"
    );
}

fn a_missing_table<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let error = Author::query().all(&mut *db).unwrap_err();
    let says = backend.pick("no such table: author", r#"relation "author" does not exist"#);
    match &error {
        Error::Database { table: "author", sql, source } => {
            assert!(source.to_string().contains(says), "{source}");
            assert!(sql.starts_with("SELECT"));
        }
        other => panic!("expected a database error, got {other:?}"),
    }
    let message = error.to_string();
    assert!(message.starts_with("database error on table `author`: "), "{message}");
    assert!(message.contains(says), "{message}");
    assert!(matches!(
        NewPublisher { name: "x".into() }.insert(&mut *db),
        Err(Error::Database { table: "publisher", .. })
    ));
    assert!(matches!(
        Author::query().count(&mut *db),
        Err(Error::Database { table: "author", .. })
    ));
}

fn not_found_is_its_own_case<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let error = Author::get(&mut *db, 404).unwrap_err();
    assert!(matches!(error, Error::NotFound { table: "author" }));
    assert_eq!(error.to_string(), "no row of table `author` matches");
    let source: &dyn std::error::Error = &error;
    assert!(source.source().is_none());
}

/// A value that refuses to be stored, like a `u64` above `i64::MAX` would.
#[derive(Debug, Clone, PartialEq)]
pub struct Refuses(i64);

impl ToSql for Refuses {
    fn to_sql(&self) -> eagerly::rusqlite::Result<ToSqlOutput<'_>> {
        if self.0 < 0 {
            Err(eagerly::rusqlite::Error::ToSqlConversionFailure(
                "negative values are refused".into(),
            ))
        } else {
            self.0.to_sql()
        }
    }
}

impl FromSql for Refuses {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        i64::column_result(value).map(Refuses)
    }
}

impl eagerly::SqlType for Refuses {
    const SQL_TYPE: &'static str = "INTEGER";
    const POSTGRES_TYPE: &'static str = "BIGINT";
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Reading {
    #[model(primary_key)]
    pub id: i64,
    pub value: Refuses,
}

fn a_value_that_cannot_be_bound<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    eagerly::create_tables(&mut *db, &[Reading::TABLE]).unwrap();
    let (error, log) = eagerly::capture(|| {
        Reading::query().filter(Reading::value.eq(Refuses(-1))).all(&mut *db).unwrap_err()
    });
    assert!(matches!(error, Error::Bind { table: "reading", column: "value", .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "cannot bind a value for column `reading`.`value`: negative values are refused"
    );
    assert!(log.is_empty(), "nothing runs");

    let error = NewReading { value: Refuses(-2) }.insert(&mut *db).unwrap_err();
    assert!(matches!(error, Error::Bind { table: "reading", column: "value", .. }), "{error:?}");
    let error = Reading::query().update(&mut *db, [Reading::value.set(Refuses(-3))]).unwrap_err();
    assert!(matches!(error, Error::Bind { table: "reading", column: "value", .. }), "{error:?}");
    assert_eq!(Reading::query().count(&mut *db).unwrap(), 0);
}

#[test]
fn an_error_on_a_long_statement_stays_readable_and_the_log_keeps_it_whole() {
    // No `author` table, and a long list of names (each bound: JSON cannot carry NUL).
    let conn = eagerly::rusqlite::Connection::open_in_memory().unwrap();
    let names: Vec<String> = (0..10_000).map(|i| format!("name\0{i}")).collect();
    let (error, log) = eagerly::capture(|| {
        Author::query().filter(Author::name.is_in(names.clone())).all(&conn).unwrap_err()
    });
    let message = error.to_string();
    assert!(message.starts_with("database error on table `author`: no such table: author"));
    assert!(message.len() < 600, "{} bytes: {message}", message.len());
    assert!(message.contains("bytes in all)"), "{message}");
    assert!(format!("{error:?}").len() < 1000, "so is its Debug form, which `unwrap` prints");
    let record = &log.records()[0];
    assert!(record.sql.len() > 30_000, "the log has the whole statement");
    assert_eq!(record.params.len(), 10_000);
    assert_eq!(record.error.as_deref(), Some(message.as_str()));
}

#[derive(Model, Debug)]
#[model(table = "author")]
pub struct MaybeNamedAuthor {
    #[model(primary_key)]
    pub id: i64,
    pub name: Option<String>,
}

/// Text is checked as UTF-8 when a `String` (or `Option<String>`) field reads it: text
/// that is not is an error naming the column and the first bad byte, whatever else the
/// text holds. Only SQLite stores such text (PostgreSQL checks its text on the way in).
#[test]
fn text_that_is_not_utf8_names_its_column() {
    let conn = eagerly::rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE author (id INTEGER PRIMARY KEY, name TEXT, publisher_id INTEGER);
         INSERT INTO author VALUES (1, 'Ann', NULL), (2, 'Zoë Ö ☕', NULL),
                                   (3, CAST(X'4265726c696e20ff' AS TEXT), NULL);",
    )
    .unwrap();
    let utf8_error = |error: Error, rust_type: &str| match error {
        Error::Decode { table: "author", column: "name", rust_type: t, problem }
            if t == rust_type =>
        {
            assert_eq!(
                problem.to_string(),
                "invalid utf-8 sequence of 1 bytes from index 7",
                "the first bad byte, after seven ASCII ones"
            );
        }
        other => panic!("expected a decoding error on `author`.`name`, got {other:?}"),
    };
    let error = Author::query().all(&conn).unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot read column `author`.`name` into `String`: invalid utf-8 sequence of 1 bytes from index 7"
    );
    utf8_error(error, "String");
    utf8_error(MaybeNamedAuthor::query().all(&conn).unwrap_err(), "Option<String>");
    utf8_error(Author::get(&conn, 3).unwrap_err(), "String");

    // Text with bytes beyond ASCII reads as it is, by either field type.
    let names = |ids: [i64; 2]| Author::query().filter(Author::id.is_in(ids));
    let read: Vec<String> =
        names([1, 2]).all(&conn).unwrap().iter().map(|a| a.name.clone()).collect();
    assert_eq!(read, ["Ann", "Zoë Ö ☕"]);
    let maybe = MaybeNamedAuthor::query().filter(MaybeNamedAuthor::id.eq(2)).one(&conn).unwrap();
    assert_eq!(maybe.name.as_deref(), Some("Zoë Ö ☕"));
}

mod floats {
    use eagerly::Model;

    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Measure {
        #[model(primary_key)]
        pub id: i64,
        pub value: f64,
        pub maybe: Option<f64>,
    }
}

fn nan_is_refused_naming_the_column_and_nothing_is_stored<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    use floats::*;
    eagerly::create_tables(&mut *db, &[Measure::TABLE]).unwrap();
    let refused = |result: eagerly::Result<()>, column: &str| match result {
        Err(Error::Bind { table: "measure", column: c, source }) if c == column => {
            assert!(source.to_string().contains("NaN"), "{source}");
        }
        other => panic!("expected NaN refused for `{column}`, got {other:?}"),
    };
    refused(NewMeasure { value: f64::NAN, maybe: None }.insert(&mut *db).map(drop), "value");
    refused(NewMeasure { value: 1.0, maybe: Some(f64::NAN) }.insert(&mut *db).map(drop), "maybe");
    let three = [1.0, f64::NAN, 3.0].map(|value| NewMeasure { value, maybe: Some(value) });
    refused(Measure::insert_all(&mut *db, three).map(drop), "value");
    assert_eq!(Measure::query().count(&mut *db).unwrap(), 0, "nothing of the three is stored");

    // Infinities are stored and read back as they are.
    let stored = NewMeasure { value: f64::INFINITY, maybe: Some(f64::NEG_INFINITY) }
        .insert(&mut *db)
        .unwrap();
    let read = Measure::get(&mut *db, stored.id).unwrap().into_model();
    assert_eq!((read.value, read.maybe), (f64::INFINITY, Some(f64::NEG_INFINITY)));

    let mut changed = read.clone();
    changed.maybe = Some(f64::NAN);
    refused(changed.update(&mut *db), "maybe");
    refused(Measure::query().update(&mut *db, [Measure::value.set(f64::NAN)]).map(drop), "value");
    refused(Measure::query().filter(Measure::value.eq(f64::NAN)).all(&mut *db).map(drop), "value");
    refused(
        Measure::query().filter(Measure::maybe.lt(f64::NAN)).count(&mut *db).map(drop),
        "maybe",
    );
    assert_eq!(Measure::get(&mut *db, stored.id).unwrap().into_model(), read, "unchanged");
}
