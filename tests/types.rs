//! Field types: anything rusqlite can bind and read works, including chrono, uuid and
//! serde_json values through rusqlite's own features, and types of your own.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use eagerly::{Executor, Model};

#[path = "common/postgres.rs"]
mod postgres_server;
use eagerly::rusqlite::Connection;
use eagerly::rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use uuid::Uuid;

/// Money as integer cents: a type of the application's own, with no `SqlType` (its fields
/// declare their column type: with the `postgres` feature on, as in these tests, a field
/// type with no PostgreSQL column type does not compile, `tests/ui/model/no_postgres_type.rs`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cents(i64);

impl ToSql for Cents {
    fn to_sql(&self) -> eagerly::rusqlite::Result<ToSqlOutput<'_>> {
        self.0.to_sql()
    }
}

impl FromSql for Cents {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        i64::column_result(value).map(Cents)
    }
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Sample {
    #[model(primary_key)]
    pub id: Uuid,
    pub small: i32,
    pub big: i64,
    pub ratio: f64,
    pub flag: bool,
    pub name: String,
    pub bytes: Vec<u8>,
    pub maybe: Option<i64>,
    pub maybe_text: Option<String>,
    pub day: NaiveDate,
    pub at: NaiveDateTime,
    pub utc: DateTime<Utc>,
    pub doc: serde_json::Value,
    #[model(sql_type = "BIGINT")]
    pub price: Cents,
    #[model(sql_type = "NUMERIC")]
    pub declared: f64,
}

fn sample(n: u8) -> Sample {
    let day = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
    Sample {
        id: Uuid::from_bytes([n; 16]),
        small: -7 * i32::from(n),
        big: i64::MAX - i64::from(n),
        ratio: 0.25 * f64::from(n),
        flag: n % 2 == 0,
        name: format!("sample {n}"),
        bytes: vec![0, n, 255],
        maybe: (n > 1).then_some(i64::from(n)),
        maybe_text: None,
        day,
        at: day.and_hms_opt(13, 14, 15).unwrap(),
        utc: DateTime::from_timestamp(1_700_000_000 + i64::from(n), 0).unwrap(),
        doc: serde_json::json!({ "n": n, "tags": ["a", "b"] }),
        price: Cents(1999),
        declared: 1.5,
    }
}

#[test]
fn every_supported_type_round_trips() {
    let mut conn = Connection::open_in_memory().unwrap();
    eagerly::create_tables(&conn, &[Sample::TABLE]).unwrap();
    round_trip(&mut conn);
}

/// On PostgreSQL: `create_tables` gives each field its PostgreSQL type, every type goes in
/// and comes back, and filters compare them.
#[test]
fn every_supported_type_round_trips_on_postgresql() {
    let Some(mut client) = postgres_server::isolated() else { return };
    eagerly::create_tables(&mut client, &[Sample::TABLE]).unwrap();
    let types: Vec<(String, String)> = client
        .query(
            "SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_name = 'sample' AND table_schema = current_schema() ORDER BY ordinal_position",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        types.iter().map(|(c, t)| format!("{c} {t}")).collect::<Vec<_>>(),
        [
            "id uuid",
            "small integer",
            "big bigint",
            "ratio double precision",
            "flag boolean",
            "name text",
            "bytes bytea",
            "maybe bigint",
            "maybe_text text",
            "day date",
            "at timestamp without time zone",
            "utc timestamp with time zone",
            "doc jsonb",
            "price bigint",
            "declared numeric",
        ]
    );
    round_trip(&mut client);
}

fn round_trip<C: ?Sized>(db: &mut C)
where
    for<'a> &'a mut C: Executor,
{
    let stored = Sample::insert_all(&mut *db, [sample(1), sample(2), sample(3)]).unwrap();
    assert_eq!(stored, [sample(1), sample(2), sample(3)]);
    let read = Sample::get(&mut *db, Uuid::from_bytes([2; 16])).unwrap();
    assert_eq!(*read, sample(2));
    assert!(read.doc["tags"].is_array());

    let ((), log) = eagerly::capture(|| {
        let even = Sample::query().filter(Sample::flag.eq(true)).all(&mut *db).unwrap();
        assert_eq!(even.len(), 1);
        let since = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        assert_eq!(Sample::query().filter(Sample::day.ge(since)).count(&mut *db).unwrap(), 3);
        let late = Sample::query()
            .filter(Sample::utc.gt(DateTime::from_timestamp(1_700_000_001, 0).unwrap()));
        assert_eq!(late.count(&mut *db).unwrap(), 2);
        let at = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap().and_hms_opt(13, 14, 15).unwrap();
        assert_eq!(Sample::query().filter(Sample::at.eq(at)).count(&mut *db).unwrap(), 3);
        assert_eq!(
            Sample::query().filter(Sample::price.eq(Cents(1999))).count(&mut *db).unwrap(),
            3
        );
        assert_eq!(
            Sample::query().filter(Sample::bytes.eq(&[0u8, 3, 255][..])).count(&mut *db).unwrap(),
            1
        );
        assert_eq!(Sample::query().filter(Sample::maybe.is_null()).count(&mut *db).unwrap(), 1);
        assert_eq!(Sample::query().filter(Sample::declared.lt(2.0)).count(&mut *db).unwrap(), 3);
        let ids = Sample::query().filter(Sample::id.is_in([Uuid::from_bytes([3; 16])]));
        assert_eq!(ids.count(&mut *db).unwrap(), 1);
    });
    assert_eq!(log.len(), 9);
}

#[test]
fn declared_sql_types_follow_the_field_types() {
    let declared: Vec<(&str, &str)> =
        Sample::TABLE.columns.iter().map(|c| (c.name, (c.sql_type)())).collect();
    assert_eq!(
        declared,
        [
            ("id", "BLOB"),
            ("small", "INTEGER"),
            ("big", "INTEGER"),
            ("ratio", "REAL"),
            ("flag", "INTEGER"),
            ("name", "TEXT"),
            ("bytes", "BLOB"),
            ("maybe", "INTEGER"),
            ("maybe_text", "TEXT"),
            ("day", "TEXT"),
            ("at", "TEXT"),
            ("utc", "TEXT"),
            ("doc", "TEXT"),
            // Declared on the field, for every backend.
            ("price", "BIGINT"),
            ("declared", "NUMERIC"),
        ]
    );
    let on_postgres: Vec<(&str, &str)> =
        Sample::TABLE.columns.iter().map(|c| (c.name, (c.postgres_type)())).collect();
    assert_eq!(
        on_postgres,
        [
            ("id", "UUID"),
            ("small", "INTEGER"),
            ("big", "BIGINT"),
            ("ratio", "DOUBLE PRECISION"),
            ("flag", "BOOLEAN"),
            ("name", "TEXT"),
            ("bytes", "BYTEA"),
            ("maybe", "BIGINT"),
            ("maybe_text", "TEXT"),
            ("day", "DATE"),
            ("at", "TIMESTAMP"),
            ("utc", "TIMESTAMPTZ"),
            ("doc", "JSONB"),
            ("price", "BIGINT"),
            // A declared type is the column's on every backend.
            ("declared", "NUMERIC"),
        ]
    );
    // A uuid key is not an integer: the caller gives it, and there is no `NewSample`.
    assert!(!Sample::TABLE.auto_key);
}
