//! The seed's models (publishers, authors, books, tags) and a small fixed data set, and the
//! harness that runs a scenario on every backend: `on_every_backend!`, `Backend` (the SQL
//! each backend writes), `RawSql` (statements around eagerly) and `Transact` (a
//! transaction the test opens itself).
#![allow(dead_code)]

use eagerly::rusqlite::Connection;
use eagerly::{Executor, Model};
use proptest::test_runner::{Config as ProptestConfig, RngSeed};

#[derive(Model, Debug, Clone, PartialEq)]
#[model(has_many(authors = Author, fk = publisher_id))]
pub struct Publisher {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(has_many(books = Book, fk = author_id))]
pub struct Author {
    #[model(primary_key)]
    pub id: i64,
    #[model(index)]
    pub name: String,
    #[model(belongs_to(publisher = Publisher))]
    pub publisher_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "books", many_to_many(tags = Tag, through = BookTag))]
pub struct Book {
    #[model(primary_key)]
    pub id: i64,
    pub title: String,
    #[model(belongs_to(author = Author))]
    pub author_id: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(many_to_many(books = Book, through = BookTag))]
pub struct Tag {
    #[model(primary_key)]
    pub id: i64,
    #[model(unique)]
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct BookTag {
    #[model(primary_key, belongs_to(book = Book))]
    pub book_id: i64,
    #[model(primary_key, belongs_to(tag = Tag))]
    pub tag_id: i64,
}

/// A PostgreSQL view whose one row says how many statements are prepared on the
/// connection while its statement runs ([`PREPARED_NOW`] creates it): a statement eagerly
/// prepared counts itself, one it ran unprepared does not. A filter on `id` or `name` binds
/// an integer or text, which a plain client sends unprepared; so does one on `day`, a
/// `DATE` read as text; one on `weight` binds a real, which it prepares.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "prepared_now", has_many(parts = PreparedNowPart, fk = owner_id))]
pub struct PreparedNow {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
    pub day: String,
    pub weight: f64,
    pub statements: i64,
}

/// [`PreparedNow`]'s one part, loaded by a batch of keys, which counts the same.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "prepared_now_part")]
pub struct PreparedNowPart {
    #[model(primary_key)]
    pub id: i64,
    pub owner_id: i64,
    pub statements: i64,
}

/// Creates [`PreparedNow`]'s and [`PreparedNowPart`]'s views.
pub const PREPARED_NOW: &str = "CREATE VIEW prepared_now AS
    SELECT 1::bigint AS id, 'now'::text AS name, '2024-02-29'::date AS day, 1.5::float8 AS weight,
        (SELECT count(*) FROM pg_prepared_statements) AS statements;
    CREATE VIEW prepared_now_part AS
    SELECT 1::bigint AS id, 1::bigint AS owner_id,
        (SELECT count(*) FROM pg_prepared_statements) AS statements";

/// An empty in-memory database with the seed's tables (foreign keys enforced, as on every
/// connection of the bundled SQLite).
pub fn empty_db() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    create_seed_tables(&mut conn);
    conn
}

/// The seed's tables with a small fixed data set (see [`seed`]).
pub fn seeded_db() -> Connection {
    let mut conn = empty_db();
    seed(&mut conn);
    conn
}

/// The backend a scenario runs on ([`on_every_backend!`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// What this backend gives where the two differ (a statement's text, its values).
    pub fn pick<T>(self, sqlite: T, postgres: T) -> T {
        match self {
            Backend::Sqlite => sqlite,
            Backend::Postgres => postgres,
        }
    }

    /// A list of `n` values (`is_in`, a batch's keys) as this backend sends it, written with
    /// `?` placeholders for [`Backend::sql`]: `IN (?, ?, ?)` on SQLite, one array
    /// `= ANY(?)` on PostgreSQL.
    pub fn in_list(self, n: usize) -> String {
        match self {
            Backend::Sqlite => format!("IN ({})", vec!["?"; n].join(", ")),
            Backend::Postgres => "= ANY(?)".into(),
        }
    }

    /// The values bound for a list of [`Backend::in_list`].
    pub fn list_params(self, values: Vec<eagerly::Value>) -> Vec<eagerly::Value> {
        match self {
            Backend::Sqlite => values,
            Backend::Postgres => vec![eagerly::Value::List(values)],
        }
    }

    /// A statement written with SQLite's `?` placeholders, as this backend writes it:
    /// unchanged on SQLite, `$1`, `$2`, .. in order on PostgreSQL. Only the placeholders
    /// are translated; every other difference is spelled out with [`Backend::pick`].
    pub fn sql(self, sqlite: &str) -> String {
        match self {
            Backend::Sqlite => sqlite.to_owned(),
            Backend::Postgres => {
                let mut out = String::with_capacity(sqlite.len() + 8);
                let mut n = 0;
                for c in sqlite.chars() {
                    if c == '?' {
                        n += 1;
                        out.push_str(&format!("${n}"));
                    } else {
                        out.push(c);
                    }
                }
                out
            }
        }
    }
}

/// Runs each scenario, `fn scenario<C: ?Sized>(db: &mut C, backend: Backend) where for<'a>
/// &'a mut C: Executor`, on both backends as tests `scenario::sqlite` and
/// `scenario::postgres`: an in-memory SQLite, and a schema of its own on the PostgreSQL
/// of `common/postgres.rs` (skipped loudly where there is none, failed under
/// `EAGERLY_REQUIRE_POSTGRES`). The test file declares that module as `postgres_server`.
/// `setup = path;` prepares each database (the seed's tables and rows by default).
#[allow(unused_macros)]
macro_rules! on_every_backend {
    (setup = $setup:path; $($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[test]
            fn sqlite() {
                let mut conn = eagerly::rusqlite::Connection::open_in_memory().unwrap();
                $setup(&mut conn);
                super::$scenario(&mut conn, crate::common::Backend::Sqlite);
            }

            #[test]
            fn postgres() {
                let Some(mut client) = crate::postgres_server::isolated() else { return };
                $setup(&mut client);
                super::$scenario(&mut client, crate::common::Backend::Postgres);
            }
        }
    )*};
    ($($scenario:ident),* $(,)?) => {
        on_every_backend!(setup = crate::common::seeded; $($scenario),*);
    };
}

/// A setup that leaves the database empty, for scenarios that make their own tables.
pub fn nothing<C: ?Sized>(_: &mut C) {}

/// The seed's tables and rows, on any backend.
pub fn seeded<C: ?Sized>(db: &mut C)
where
    for<'a> &'a mut C: Executor,
{
    create_seed_tables(db);
    seed(db);
}

/// Creates the seed's tables on any backend.
pub fn create_seed_tables<C: ?Sized>(db: &mut C)
where
    for<'a> &'a mut C: Executor,
{
    eagerly::create_tables(
        db,
        &[Publisher::TABLE, Author::TABLE, Book::TABLE, Tag::TABLE, BookTag::TABLE],
    )
    .unwrap();
}

/// Fills the seed's tables, on any backend: 2 publishers, 3 authors (one without a
/// publisher, one without books), 6 books whose titles hold LIKE and GLOB wildcards, 3 tags.
pub fn seed<C: ?Sized>(db: &mut C)
where
    for<'a> &'a mut C: Executor,
{
    Publisher::insert_all(
        &mut *db,
        [Publisher { id: 1, name: "Tor".into() }, Publisher { id: 2, name: "Penguin".into() }],
    )
    .unwrap();
    Author::insert_all(
        &mut *db,
        [
            Author { id: 1, name: "Ann Leckie".into(), publisher_id: Some(1) },
            Author { id: 2, name: "Brandon Sanderson".into(), publisher_id: Some(1) },
            Author { id: 3, name: "Carol Shields".into(), publisher_id: None },
        ],
    )
    .unwrap();
    Book::insert_all(
        &mut *db,
        [
            Book { id: 1, title: "Ancillary Justice".into(), author_id: 1 },
            Book { id: 2, title: "100% Rust".into(), author_id: 1 },
            Book { id: 3, title: "snake_case for *everyone*?".into(), author_id: 2 },
            Book { id: 4, title: r"C:\Books\[draft]".into(), author_id: 2 },
            Book { id: 5, title: "the rust programming language".into(), author_id: 2 },
            Book { id: 6, title: "1000 Rusty Nails".into(), author_id: 1 },
        ],
    )
    .unwrap();
    Tag::insert_all(
        &mut *db,
        [
            Tag { id: 1, name: "sf".into() },
            Tag { id: 2, name: "programming".into() },
            Tag { id: 3, name: "unused".into() },
        ],
    )
    .unwrap();
    BookTag::insert_all(
        &mut *db,
        [
            BookTag { book_id: 1, tag_id: 1 },
            BookTag { book_id: 2, tag_id: 2 },
            BookTag { book_id: 5, tag_id: 2 },
            BookTag { book_id: 6, tag_id: 1 },
            BookTag { book_id: 6, tag_id: 2 },
        ],
    )
    .unwrap();
}

/// Ids of the rows a query returns, in order.
pub fn ids<R: std::ops::Deref<Target = M>, M: HasId>(rows: &[R]) -> Vec<i64> {
    rows.iter().map(|r| r.id()).collect()
}

pub trait HasId {
    fn id(&self) -> i64;
}

impl HasId for Author {
    fn id(&self) -> i64 {
        self.id
    }
}

impl HasId for Book {
    fn id(&self) -> i64 {
        self.id
    }
}

impl HasId for Tag {
    fn id(&self) -> i64 {
        self.id
    }
}

/// The configuration of a property test: in CI, `cases` cases from a fixed seed, so a run
/// is short and repeatable. For a long run, set `PROPTEST_CASES` (and `PROPTEST_RNG_SEED`
/// for other cases than CI's): `PROPTEST_CASES=20000 cargo test --test text_filters`.
pub fn property_config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = RngSeed::Fixed(0xEA6E_2713);
    }
    // A failing case is printed, shrunk; with a fixed seed it comes back on every run.
    config.failure_persistence = None;
    config
}

/// Statements a test runs around eagerly, to make a state eagerly itself would refuse to
/// make (a dangling foreign key, a value of the wrong type).
pub trait RawSql {
    /// Runs `sql`, or says what the database refused.
    fn try_raw(&mut self, sql: &str) -> Result<(), String>;

    fn raw(&mut self, sql: &str) {
        self.try_raw(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Whether a transaction is open on the connection.
    fn in_transaction(&mut self) -> bool;

    /// Stops enforcing the foreign key `table.column` declared by `create_tables`, so
    /// that rows can point at nothing, as in a database that never enforced it.
    fn allow_dangling(&mut self, table: &str, column: &str);
}

impl RawSql for Connection {
    fn try_raw(&mut self, sql: &str) -> Result<(), String> {
        self.execute_batch(sql).map_err(|e| e.to_string())
    }

    fn in_transaction(&mut self) -> bool {
        !self.is_autocommit()
    }

    fn allow_dangling(&mut self, _: &str, _: &str) {
        self.raw("PRAGMA foreign_keys = OFF");
    }
}

impl RawSql for postgres::Client {
    fn try_raw(&mut self, sql: &str) -> Result<(), String> {
        // The server's own message, not the driver's "db error".
        self.batch_execute(sql)
            .map_err(|e| e.as_db_error().map_or(e.to_string(), |e| e.to_string()))
    }

    fn in_transaction(&mut self) -> bool {
        // PostgreSQL refuses a savepoint outside a transaction block.
        self.batch_execute("SAVEPOINT in_transaction; RELEASE in_transaction").is_ok()
    }

    fn allow_dangling(&mut self, table: &str, column: &str) {
        // PostgreSQL's name for a constraint declared without one.
        self.raw(&format!("ALTER TABLE {table} DROP CONSTRAINT {table}_{column}_fkey"));
    }
}

/// A transaction a test opens itself, as a user would, on either backend.
pub trait Transact {
    type Tx<'a>: Finish
    where
        Self: 'a;

    fn begin(&mut self) -> Self::Tx<'_>;
}

/// What a test does with the transaction it opened.
pub trait Finish {
    /// The transaction, as eagerly takes it.
    fn db(&mut self) -> impl Executor + '_;
    fn commit(self);
    fn rollback(self);
}

impl Transact for Connection {
    type Tx<'a> = eagerly::rusqlite::Transaction<'a>;

    fn begin(&mut self) -> Self::Tx<'_> {
        self.transaction().unwrap()
    }
}

impl Finish for eagerly::rusqlite::Transaction<'_> {
    fn db(&mut self) -> impl Executor + '_ {
        self
    }
    fn commit(self) {
        eagerly::rusqlite::Transaction::commit(self).unwrap()
    }
    fn rollback(self) {
        eagerly::rusqlite::Transaction::rollback(self).unwrap()
    }
}

impl Transact for postgres::Client {
    type Tx<'a> = postgres::Transaction<'a>;

    fn begin(&mut self) -> Self::Tx<'_> {
        self.transaction().unwrap()
    }
}

impl Finish for postgres::Transaction<'_> {
    fn db(&mut self) -> impl Executor + '_ {
        self
    }
    fn commit(self) {
        postgres::Transaction::commit(self).unwrap()
    }
    fn rollback(self) {
        postgres::Transaction::rollback(self).unwrap()
    }
}
