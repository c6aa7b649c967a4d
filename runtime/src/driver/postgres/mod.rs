//! The PostgreSQL driver, on the `postgres` crate (feature `postgres`): runs statements on
//! a `Client` or inside a `Transaction`, binds [`Value`]s as the parameter types the
//! server asks for (`bind`), and turns each result row into values in their SQLite forms
//! (`decode`), which models decode as they do SQLite's rows.
//!
//! A call holds the client for its whole length (a [`Session`]): its statements are
//! prepared once each within the call (the chunks of an `insert_all` share one prepared
//! statement), or once per connection on a [`CachedClient`]. Within a call, a statement
//! whose values are integers or text (or that has none) is not prepared the first time it
//! runs (`query_typed`: one round trip, not two): its values go as text of types the
//! server infers, as it does when it prepares the statement (`bind::left_to_server`). Run
//! again in the call, it is prepared then, so that a statement of a thousand rows' values
//! is parsed twice at most.
//! The transaction state is the client's: a `Client` is in autocommit mode unless
//! eagerly began a transaction, a `Transaction` never is.

#[cfg(feature = "tokio-postgres")]
pub(super) mod asynchronous;
mod bind;
mod decode;

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::panic::Location;

use ::postgres::types::{ToSql, Type};

use super::{Db, Executor, Params, Run, Watched, sealed};
use crate::error::{Error, Result, abbreviated};
use crate::log::Counters;
use crate::plan::statement::{Control, PlanStep};
use crate::row::{Rows, Source};
use crate::schema::Table;
use crate::sql::{self, Statement};
use crate::value::{Value, to_value};

/// A call's hold on a PostgreSQL client.
pub(super) trait Session {
    /// See [`super::query_each`].
    fn query_each(
        &self,
        run: Run<'_>,
        statement: &Statement,
        params: Params<'_>,
        each: &mut dyn Rows,
    ) -> Result<usize>;

    /// See [`super::execute`].
    fn execute(&self, run: Run<'_>, statement: &Statement, params: Params<'_>) -> Result<usize>;

    /// The plan PostgreSQL chooses for the statement, as lines and the inspector's steps.
    fn explain(
        &self,
        statement: &Statement,
        params: Params<'_>,
    ) -> Option<(Vec<String>, Vec<PlanStep>)>;

    /// Whether the client is inside a transaction.
    fn in_transaction(&self) -> bool;
}

/// What eagerly asks of a `postgres` client: `Client` and `Transaction` both have it.
trait Client {
    /// A `Transaction` is one.
    const IN_TRANSACTION: bool;

    fn prepare(&mut self, sql: &str) -> Result<::postgres::Statement, ::postgres::Error>;

    /// Every row at once: the `postgres` crate enters its runtime once per call, and a
    /// row iterator's would be once per row, more than the row's own decoding.
    fn query(
        &mut self,
        statement: &::postgres::Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<::postgres::Row>, ::postgres::Error>;

    /// Every row of a statement, parsed, bound and run in one round trip (no statement is
    /// prepared), its parameters of the types given.
    fn query_unprepared(
        &mut self,
        sql: &str,
        params: &[(&(dyn ToSql + Sync), Type)],
    ) -> Result<Vec<::postgres::Row>, ::postgres::Error>;

    fn execute(
        &mut self,
        statement: &::postgres::Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, ::postgres::Error>;

    /// [`query_unprepared`](Client::query_unprepared) for a statement that returns no
    /// rows: the number of rows it changed.
    fn execute_unprepared(
        &mut self,
        sql: &str,
        params: &[(&(dyn ToSql + Sync), Type)],
    ) -> Result<u64, ::postgres::Error>;

    fn batch_execute(&mut self, sql: &str) -> Result<(), ::postgres::Error>;
}

macro_rules! client {
    ($client:ty, $in_transaction:expr) => {
        impl Client for $client {
            const IN_TRANSACTION: bool = $in_transaction;

            fn prepare(&mut self, sql: &str) -> Result<::postgres::Statement, ::postgres::Error> {
                <$client>::prepare(self, sql)
            }

            fn query(
                &mut self,
                statement: &::postgres::Statement,
                params: &[&(dyn ToSql + Sync)],
            ) -> Result<Vec<::postgres::Row>, ::postgres::Error> {
                <$client>::query(self, statement, params)
            }

            fn query_unprepared(
                &mut self,
                sql: &str,
                params: &[(&(dyn ToSql + Sync), Type)],
            ) -> Result<Vec<::postgres::Row>, ::postgres::Error> {
                <$client>::query_typed(self, sql, params)
            }

            fn execute(
                &mut self,
                statement: &::postgres::Statement,
                params: &[&(dyn ToSql + Sync)],
            ) -> Result<u64, ::postgres::Error> {
                <$client>::execute(self, statement, params)
            }

            fn execute_unprepared(
                &mut self,
                sql: &str,
                params: &[(&(dyn ToSql + Sync), Type)],
            ) -> Result<u64, ::postgres::Error> {
                use ::postgres::fallible_iterator::FallibleIterator;
                let params = params.iter().map(|(value, ty)| (*value, ty.clone()));
                let mut rows = <$client>::query_typed_raw(self, sql, params)?;
                while rows.next()?.is_some() {}
                Ok(rows.rows_affected().unwrap_or(0))
            }

            fn batch_execute(&mut self, sql: &str) -> Result<(), ::postgres::Error> {
                <$client>::batch_execute(self, sql)
            }
        }

        impl sealed::Sealed for &mut $client {}

        impl Executor for &mut $client {
            fn run<T>(
                self,
                caller: &'static Location<'static>,
                work: impl FnOnce(Run<'_>) -> Result<T>,
            ) -> Result<T> {
                let mut prepared = Prepared::default();
                let session = Held::new(self, &mut prepared, false);
                work(Run { db: Db::Postgres(&session), caller })
            }
        }
    };
}

client!(::postgres::Client, false);
client!(::postgres::Transaction<'_>, true);

/// Statements prepared on one connection, by SQL text: the blocking driver's and the
/// async one's (`S` is their crate's statement); and, for a call that keeps none past
/// itself, the statements it ran unprepared.
struct Prepared<S> {
    statements: HashMap<String, S>,
    /// The hashes of the texts run unprepared.
    ran_unprepared: Vec<u64>,
}

impl<S> Default for Prepared<S> {
    fn default() -> Self {
        Prepared { statements: HashMap::new(), ran_unprepared: Vec::new() }
    }
}

impl<S: Clone> Prepared<S> {
    /// The most statements kept: a program whose filters take ever new shapes does not
    /// grow the cache (or the server's memory) without end.
    const KEPT: usize = 1_000;

    /// The statement prepared for `statement`'s text, if it was.
    fn find(&self, statement: &Statement) -> Option<S> {
        self.statements.get(&statement.text).cloned()
    }

    /// Keeps `prepared` as `statement`'s.
    fn keep(&mut self, statement: &Statement, prepared: &S) {
        if self.statements.len() >= Self::KEPT {
            self.statements.clear(); // dropped, each is closed on the server
        }
        self.statements.insert(statement.text.clone(), prepared.clone());
    }

    /// Whether `statement` may run unprepared: the first time its text runs. A text that
    /// runs again (each chunk of an `insert_all`) is prepared then, and parsed no more.
    fn first_run(&mut self, statement: &Statement) -> bool {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        // Two texts of one hash cost a statement prepared, nothing more.
        let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(&statement.text);
        if self.ran_unprepared.contains(&hash) || self.statements.contains_key(&statement.text) {
            return false;
        }
        self.ran_unprepared.push(hash);
        true
    }
}

impl Prepared<::postgres::Statement> {
    /// `statement` prepared on `client`, prepared now if it was not yet.
    fn get(
        &mut self,
        client: &mut impl Client,
        statement: &Statement,
    ) -> Result<::postgres::Statement> {
        if let Some(prepared) = self.find(statement) {
            return Ok(prepared);
        }
        let prepared = client.prepare(&statement.text).map_err(|e| database(statement, e))?;
        self.keep(statement, &prepared);
        Ok(prepared)
    }
}

/// A client held for one call.
struct Held<'c, C> {
    client: RefCell<&'c mut C>,
    /// The statements prepared on the client: the call's own, or a [`CachedClient`]'s.
    prepared: RefCell<&'c mut Prepared<::postgres::Statement>>,
    /// The statements prepared outlive the call (a [`CachedClient`]'s).
    kept: bool,
    /// A `BEGIN` eagerly sent on a `Client` is not ended yet.
    began: Cell<bool>,
}

impl<'c, C: Client> Held<'c, C> {
    fn new(
        client: &'c mut C,
        prepared: &'c mut Prepared<::postgres::Statement>,
        kept: bool,
    ) -> Self {
        Held {
            client: RefCell::new(client),
            prepared: RefCell::new(prepared),
            kept,
            began: Cell::new(false),
        }
    }

    /// Every row of `statement`, unprepared where [`unprepared`](Self::unprepared) says.
    fn query(&self, statement: &Statement, values: &[Value]) -> Result<Vec<::postgres::Row>> {
        if let Some(params) = self.unprepared(statement, values) {
            let mut client = self.client.borrow_mut();
            return client
                .query_unprepared(&statement.text, &params)
                .map_err(|e| database(statement, e));
        }
        self.with_prepared(statement, |client, prepared| {
            client.query(prepared, &bind::params(values)).map_err(|e| database(statement, e))
        })
    }

    /// `values` as the parameters of `statement` sent unprepared, if it is: where
    /// statements are not kept past the call, the server can type the values
    /// ([`bind::left_to_server`]), and the call runs it for the first time
    /// ([`Prepared::first_run`]). Parsing, binding and running it is then one round trip,
    /// where preparing it first takes one more.
    fn unprepared<'v>(
        &self,
        statement: &Statement,
        values: &'v [Value],
    ) -> Option<Vec<(&'v (dyn ToSql + Sync), Type)>> {
        if self.kept {
            return None;
        }
        let params = bind::left_to_server(values)?;
        self.prepared.borrow_mut().first_run(statement).then_some(params)
    }

    /// Runs `work` with the client and the statement prepared on it.
    fn with_prepared<T>(
        &self,
        statement: &Statement,
        work: impl FnOnce(&mut C, &::postgres::Statement) -> Result<T>,
    ) -> Result<T> {
        // Statements never run while another one's rows are read (the loader is handed
        // each statement's rows whole, and runs no statement of its own), so the client is
        // always free here.
        let mut client = self.client.borrow_mut();
        let prepared = self.prepared.borrow_mut().get(&mut **client, statement)?;
        work(&mut client, &prepared)
    }

    /// Transaction control as the driver sees it: eagerly's own `BEGIN` on a `Client`
    /// puts it in a transaction until its `COMMIT` or `ROLLBACK`.
    fn note_control(&self, control: Control) {
        if !C::IN_TRANSACTION && (control.begins() || control.ends()) {
            self.began.set(control.begins());
        }
    }
}

impl<C: Client> Session for Held<'_, C> {
    fn query_each(
        &self,
        run: Run<'_>,
        statement: &Statement,
        params: Params<'_>,
        each: &mut dyn Rows,
    ) -> Result<usize> {
        super::watched(run, statement, params, |watched| {
            let result = values(statement, params).and_then(|values| {
                let rows = self.query(statement, &values)?;
                each.reserve(rows.len());
                push_rows(&rows, statement, watched, each)
            });
            (result, Counters::default())
        })
    }

    fn execute(&self, run: Run<'_>, statement: &Statement, params: Params<'_>) -> Result<usize> {
        super::watched(run, statement, params, |_| {
            let result = values(statement, params).and_then(|values| {
                if let Some(control) = statement.kind.control() {
                    // Transaction control cannot be prepared by every PostgreSQL-wire
                    // server; it takes no values.
                    let mut client = self.client.borrow_mut();
                    client.batch_execute(&statement.text).map_err(|e| database(statement, e))?;
                    self.note_control(control);
                    return Ok(0);
                }
                let changed = if let Some(params) = self.unprepared(statement, &values) {
                    let mut client = self.client.borrow_mut();
                    client.execute_unprepared(&statement.text, &params)
                } else {
                    self.with_prepared(statement, |client, prepared| {
                        Ok(client.execute(prepared, &bind::params(&values)))
                    })?
                };
                let changed = changed.map_err(|e| database(statement, e))?;
                Ok(usize::try_from(changed).unwrap_or(usize::MAX))
            });
            (result, Counters::default())
        })
    }

    fn explain(
        &self,
        statement: &Statement,
        params: Params<'_>,
    ) -> Option<(Vec<String>, Vec<PlanStep>)> {
        let sql = sql::explain::query_plan(statement)?;
        let values = values(statement, params).ok()?;
        let mut client = self.client.try_borrow_mut().ok()?;
        let prepared = client.prepare(&sql).ok()?;
        let rows = client.query(&prepared, &bind::params(&values)).ok()?;
        let (lines, mut steps) = read_plan(rows.first()?, statement)?;
        for (table, rows) in scanned_tables(statement, &mut steps) {
            *rows = table_rows(&mut **client, table);
        }
        Some((lines, steps))
    }

    fn in_transaction(&self) -> bool {
        C::IN_TRANSACTION || self.began.get()
    }
}

/// A `postgres::Client` on which eagerly prepares each statement once, for as long as
/// the connection lasts, rather than once per call (a round trip saved per statement of
/// every later call). Everything else is the client's: it dereferences to it.
///
/// A table altered after its statements were prepared can make PostgreSQL refuse them
/// (`cached plan must not change result type`): make a new `CachedClient` after a
/// migration.
///
/// ```no_run
/// # use eagerly::Model;
/// # #[derive(Model)]
/// # pub struct Tag { #[model(primary_key)] pub id: i64, pub name: String }
/// let client = postgres::Client::connect("host=localhost user=app", postgres::NoTls)?;
/// let mut client = eagerly::CachedClient::new(client);
/// for _ in 0..3 {
///     Tag::query().filter(Tag::name.eq("sf")).all(&mut client)?; // prepared the first time only
/// }
/// let mut transaction = client.transaction()?;
/// NewTag { name: "new".into() }.insert(&mut transaction)?;
/// transaction.commit()?;
/// # Ok::<(), eagerly::Error>(())
/// ```
pub struct CachedClient {
    client: ::postgres::Client,
    prepared: Prepared<::postgres::Statement>,
}

impl CachedClient {
    /// Keeps the statements eagerly prepares on `client`.
    pub fn new(client: ::postgres::Client) -> Self {
        CachedClient { client, prepared: Prepared::default() }
    }

    /// Begins a transaction whose statements are this client's prepared ones.
    pub fn transaction(&mut self) -> Result<CachedTransaction<'_>> {
        Ok(CachedTransaction {
            transaction: self.client.transaction()?,
            prepared: &mut self.prepared,
        })
    }

    /// The client itself; the statements it holds are closed.
    pub fn into_inner(self) -> ::postgres::Client {
        self.client
    }
}

impl std::ops::Deref for CachedClient {
    type Target = ::postgres::Client;
    fn deref(&self) -> &Self::Target {
        &self.client
    }
}

impl std::ops::DerefMut for CachedClient {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.client
    }
}

impl sealed::Sealed for &mut CachedClient {}

impl Executor for &mut CachedClient {
    fn run<T>(
        self,
        caller: &'static Location<'static>,
        work: impl FnOnce(Run<'_>) -> Result<T>,
    ) -> Result<T> {
        let session = Held::new(&mut self.client, &mut self.prepared, true);
        work(Run { db: Db::Postgres(&session), caller })
    }
}

/// A transaction of a [`CachedClient`]: its statements are the client's prepared ones.
/// Dropped without [`commit`](Self::commit), it rolls back (as `postgres::Transaction`
/// does, which it dereferences to).
pub struct CachedTransaction<'c> {
    transaction: ::postgres::Transaction<'c>,
    prepared: &'c mut Prepared<::postgres::Statement>,
}

impl CachedTransaction<'_> {
    /// Commits the transaction.
    pub fn commit(self) -> Result<()> {
        Ok(self.transaction.commit()?)
    }

    /// Rolls the transaction back.
    pub fn rollback(self) -> Result<()> {
        Ok(self.transaction.rollback()?)
    }
}

impl<'c> std::ops::Deref for CachedTransaction<'c> {
    type Target = ::postgres::Transaction<'c>;
    fn deref(&self) -> &Self::Target {
        &self.transaction
    }
}

impl std::ops::DerefMut for CachedTransaction<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.transaction
    }
}

impl sealed::Sealed for &mut CachedTransaction<'_> {}

impl Executor for &mut CachedTransaction<'_> {
    fn run<T>(
        self,
        caller: &'static Location<'static>,
        work: impl FnOnce(Run<'_>) -> Result<T>,
    ) -> Result<T> {
        let session = Held::new(&mut self.transaction, &mut *self.prepared, true);
        work(Run { db: Db::Postgres(&session), caller })
    }
}

/// How many rows `table` holds, for the inspector: PostgreSQL's estimate (`reltuples`)
/// once the table has been analyzed, else counted, up to a bound (enough to tell a large
/// table from a small one without reading a huge one whole).
fn table_rows(client: &mut impl Client, table: &'static Table) -> Option<u64> {
    let statement = table_rows_statement(table);
    let prepared = client.prepare(&statement.text).ok()?;
    let rows = client.query(&prepared, &bind::params(&statement.params)).ok()?;
    read_count(rows.first()?)
}

/// The statement of [`table_rows`].
fn table_rows_statement(table: &'static Table) -> Statement {
    /// The most rows counted.
    const COUNTED: i64 = 1_000_000;
    sql::explain::table_rows(table, COUNTED)
}

/// The count a [`table_rows_statement`] returned.
fn read_count(row: &::postgres::Row) -> Option<u64> {
    u64::try_from(row.try_get::<_, i64>(0).ok()?).ok()
}

/// Hands each of `rows` (a statement's, or the async driver's batch of them) to `each`: its
/// values borrowed in their SQLite forms where every column has one, else converted to
/// values. Returns the number of rows.
fn push_rows(
    rows: &[::postgres::Row],
    statement: &Statement,
    mut watched: Option<&mut Watched>,
    each: &mut dyn Rows,
) -> Result<usize> {
    let borrowing = rows.first().and_then(|row| decode::Borrowing::of(row.columns()));
    let borrowing = borrowing.as_ref();
    let (mut borrowed, mut row_values) = (Vec::new(), Vec::new());
    for row in rows {
        let source = if borrowing.is_some_and(|b| b.read(row, &mut borrowed).is_some()) {
            Source::Borrowed(&borrowed)
        } else {
            // Also a malformed value, which the conversion names.
            decode::read_row(row, statement.table_name(), &mut row_values)?;
            Source::Values(&row_values)
        };
        if let Some(watched) = &mut watched {
            watched.saw(source);
        }
        each.push(source)?;
    }
    Ok(rows.len())
}

/// The plan in the row of an `EXPLAIN (FORMAT JSON)`: its lines, and the inspector's
/// steps (whose scanned tables' sizes are filled in by the caller: [`scanned_tables`]).
fn read_plan(row: &::postgres::Row, statement: &Statement) -> Option<(Vec<String>, Vec<PlanStep>)> {
    let plan: serde_json::Value = row.try_get(0).ok()?;
    let steps = match &statement.shape {
        Some(shape) => sql::explain::postgres_steps(&plan, shape),
        None => Vec::new(),
    };
    Some((sql::explain::postgres_lines(&plan), steps))
}

/// The table of each full scan among `steps`, with the place for its size.
fn scanned_tables<'s>(
    statement: &Statement,
    steps: &'s mut [PlanStep],
) -> Vec<(&'static Table, &'s mut Option<u64>)> {
    let Some(shape) = &statement.shape else { return Vec::new() };
    steps
        .iter_mut()
        .filter_map(|step| match step {
            PlanStep::FullScan { alias, rows } => {
                let table = shape.tables.iter().find(|(a, _)| a == alias)?.1;
                Some((table, rows))
            }
            _ => None,
        })
        .collect()
}

/// The values to bind, refusing what eagerly never binds (NaN) with the same error as on
/// SQLite.
fn values<'a>(statement: &Statement, params: Params<'a>) -> Result<Cow<'a, [Value]>> {
    match params {
        Params::Values(values) => Ok(Cow::Borrowed(values)),
        Params::Fields(fields) => fields
            .iter()
            .map(|field| {
                to_value(*field).map_err(|e| Error::Database {
                    table: statement.table_name(),
                    sql: abbreviated(&statement.text),
                    source: e.into(),
                })
            })
            .collect::<Result<Vec<_>>>()
            .map(Cow::Owned),
    }
}

fn database(statement: &Statement, source: ::postgres::Error) -> Error {
    Error::Database {
        table: statement.table_name(),
        sql: abbreviated(&statement.text),
        source: source.into(),
    }
}
