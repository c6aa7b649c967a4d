//! Run-time problems are `eagerly::Error`s naming the table and column, never panics.

mod common;

use common::*;
use eagerly::rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, Type, ValueRef};
use eagerly::{DecodeProblem, Error, Model};

/// An author table whose `name` may hold NULL and `publisher_id` text, as a database
/// written by another program might.
fn loose_author_table() -> eagerly::rusqlite::Connection {
    let conn = eagerly::rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE author (id INTEGER PRIMARY KEY, name TEXT, publisher_id);
         INSERT INTO author VALUES (1, 'Ann', 1);",
    )
    .unwrap();
    conn
}

#[test]
fn null_in_a_field_that_is_not_an_option() {
    let conn = loose_author_table();
    conn.execute("INSERT INTO author VALUES (2, NULL, NULL)", []).unwrap();
    let error = Author::query().all(&conn).unwrap_err();
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
    assert_eq!(Author::get(&conn, 1).unwrap().name, "Ann");
}

#[test]
fn a_value_of_the_wrong_type() {
    let conn = loose_author_table();
    conn.execute("INSERT INTO author VALUES (2, 'Bo', 'not a number')", []).unwrap();
    let error = Author::get(&conn, 2).unwrap_err();
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
#[test]
fn a_prefetched_row_that_does_not_decode() {
    let conn = loose_author_table();
    conn.execute_batch(
        "CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT, author_id INTEGER);
         INSERT INTO books VALUES (1, 'Fine', 1), (2, NULL, 1), (3, NULL, 7);",
    )
    .unwrap();
    let (result, log) = eagerly::capture(|| Author::query().prefetch(Author::books).all(&conn));
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
        r#"SELECT t0."id", t0."title", t0."author_id" FROM "books" t0 WHERE t0."author_id" IN (?) ORDER BY t0."author_id" ASC, t0."id" ASC"#
    );

    // Without the bad row of author 1, the bad row of author 7 (no such author here)
    // is not asked for: the batch loads author 1's books.
    conn.execute("DELETE FROM books WHERE id = 2", []).unwrap();
    let authors = Author::query().prefetch(Author::books).all(&conn).unwrap();
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

#[test]
fn an_integer_out_of_range() {
    let conn = loose_author_table();
    conn.execute("INSERT INTO author VALUES (300, 'Big', NULL)", []).unwrap();
    let error = NarrowAuthor::query().all(&conn).unwrap_err();
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

#[test]
fn a_missing_table() {
    let conn = eagerly::rusqlite::Connection::open_in_memory().unwrap();
    let error = Author::query().all(&conn).unwrap_err();
    match &error {
        Error::Database { table: "author", sql, source } => {
            assert!(source.to_string().contains("no such table: author"), "{source}");
            assert!(sql.starts_with("SELECT"));
        }
        other => panic!("expected a database error, got {other:?}"),
    }
    assert!(
        error.to_string().starts_with("database error on table `author`: no such table: author")
    );
    assert!(matches!(
        NewPublisher { name: "x".into() }.insert(&conn),
        Err(Error::Database { table: "publisher", .. })
    ));
    assert!(matches!(Author::query().count(&conn), Err(Error::Database { table: "author", .. })));
}

#[test]
fn not_found_is_its_own_case() {
    let conn = seeded_db();
    let error = Author::get(&conn, 404).unwrap_err();
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

#[test]
fn a_value_that_cannot_be_bound() {
    let conn = eagerly::rusqlite::Connection::open_in_memory().unwrap();
    eagerly::create_tables(&conn, &[Reading::TABLE]).unwrap();
    let (error, log) = eagerly::capture(|| {
        Reading::query().filter(Reading::value.eq(Refuses(-1))).all(&conn).unwrap_err()
    });
    assert!(matches!(error, Error::Bind { table: "reading", column: "value", .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "cannot bind a value for column `reading`.`value`: negative values are refused"
    );
    assert!(log.is_empty(), "nothing runs");

    let error = NewReading { value: Refuses(-2) }.insert(&conn).unwrap_err();
    assert!(matches!(error, Error::Bind { table: "reading", column: "value", .. }), "{error:?}");
    let error = Reading::query().update(&conn, [Reading::value.set(Refuses(-3))]).unwrap_err();
    assert!(matches!(error, Error::Bind { table: "reading", column: "value", .. }), "{error:?}");
    assert_eq!(Reading::query().count(&conn).unwrap(), 0);
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

#[test]
fn nan_is_refused_naming_the_column_and_nothing_is_stored() {
    use floats::*;
    let conn = eagerly::rusqlite::Connection::open_in_memory().unwrap();
    eagerly::create_tables(&conn, &[Measure::TABLE]).unwrap();
    let refused = |result: eagerly::Result<()>, column: &str| match result {
        Err(Error::Bind { table: "measure", column: c, source }) if c == column => {
            assert!(source.to_string().contains("NaN"), "{source}");
        }
        other => panic!("expected NaN refused for `{column}`, got {other:?}"),
    };
    refused(NewMeasure { value: f64::NAN, maybe: None }.insert(&conn).map(drop), "value");
    refused(NewMeasure { value: 1.0, maybe: Some(f64::NAN) }.insert(&conn).map(drop), "maybe");
    let three = [1.0, f64::NAN, 3.0].map(|value| NewMeasure { value, maybe: Some(value) });
    refused(Measure::insert_all(&conn, three).map(drop), "value");
    assert_eq!(Measure::query().count(&conn).unwrap(), 0, "nothing of the three is stored");

    // Infinities are stored and read back as they are.
    let stored =
        NewMeasure { value: f64::INFINITY, maybe: Some(f64::NEG_INFINITY) }.insert(&conn).unwrap();
    let read = Measure::get(&conn, stored.id).unwrap().into_model();
    assert_eq!((read.value, read.maybe), (f64::INFINITY, Some(f64::NEG_INFINITY)));

    let mut changed = read.clone();
    changed.maybe = Some(f64::NAN);
    refused(changed.update(&conn), "maybe");
    refused(Measure::query().update(&conn, [Measure::value.set(f64::NAN)]).map(drop), "value");
    refused(Measure::query().filter(Measure::value.eq(f64::NAN)).all(&conn).map(drop), "value");
    refused(Measure::query().filter(Measure::maybe.lt(f64::NAN)).count(&conn).map(drop), "maybe");
    assert_eq!(Measure::get(&conn, stored.id).unwrap().into_model(), read, "unchanged");
}
