//! Drivers: the code that runs statements on a database, binds their values and hands
//! their rows to the loader. Everything above works on a [`Run`] and never names a
//! backend's connection type; everything below (the plan, the SQL) never runs anything.
//!
//! - `sqlite`: rusqlite's `Connection` (and its transactions and savepoints).
//! - `postgres` (feature `postgres`): the `postgres` crate's `Client` and `Transaction`.
//! - `postgres::asynchronous` (feature `tokio-postgres`): `tokio_postgres::Client` and
//!   `Transaction`, an `AsyncCachedClient` that keeps its prepared statements, and
//!   (feature `deadpool-postgres`) pooled connections, taken by an `AsyncExecutor`.
//!   Loads are the same flows, driven by an awaiting loop (`load::flow::drive_async`); a
//!   statement is watched around its await ([`Watched`]), so captures, inspections and
//!   `forbid_queries` see it as they see a blocking one, on the thread that polls it.
//!
//! A user's call takes any [`Executor`]; it opens a [`Run`] for the call, which every
//! statement of the call runs through. Each statement is watched here the same way on
//! every backend: `forbid_queries` refuses it, captures and inspections record it (with
//! its plan when an inspection asks), `tracing` is told. With none of them active, a
//! statement costs one thread-local read more than calling the driver directly.
//!
//! Rows reach the loader as a [`Source`]: SQLite's own rows, read in place, or values
//! in [`Value`]'s SQLite forms (what PostgreSQL's driver gives, so that a model decodes
//! the same way from either): borrowed from the row where every column has such a form,
//! each row's read in one pass by forms decided once per statement, else converted.
//! A driver pushes them into the loader's [`Rows`] one at a time, as they come: SQLite's
//! as it steps; the async PostgreSQL driver's as they arrive, so that rows are decoded
//! while the server sends the next; the blocking PostgreSQL driver's once all have come
//! (the `postgres` crate would enter its runtime once per row otherwise, which costs more
//! than decoding the row), having told the loader how many to expect.

use std::panic::Location;
use std::time::Instant;

use rusqlite::ToSql;

use crate::error::Result;
use crate::log::{self, Counters, QueryRecord};
use crate::plan::statement::PlanStep;
use crate::row::{Rows, Source};
use crate::sql::{Dialect, Statement};
use crate::value::{Value, to_value};

#[cfg(feature = "postgres")]
mod postgres;
mod sqlite;

#[cfg(feature = "tokio-postgres")]
pub use postgres::asynchronous::{
    AsyncCachedClient, AsyncCachedTransaction, AsyncExecutor, AsyncRun,
};
#[cfg(feature = "postgres")]
pub use postgres::{CachedClient, CachedTransaction};

/// What eagerly runs a query or a write on: a connection of a backend.
///
/// With SQLite: `&rusqlite::Connection` or `&mut` one, and so its `Transaction` and
/// `Savepoint` (by `&` or `&mut`, so code written for `&mut` connections, as PostgreSQL's
/// are, takes SQLite's too). With the `postgres` feature: `&mut postgres::Client` and
/// `&mut postgres::Transaction`, and `&mut CachedClient` (a client on which statements are
/// prepared once per connection) and its transactions. Every call takes the executor by
/// value, so a
/// `&mut Client` held in a variable is passed on as `&mut *client` to use it again.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// // Any backend's connection: the same query, the same rows.
/// fn authors(conn: impl eagerly::Executor) -> eagerly::Result<usize> {
///     Ok(Author::query().prefetch(Author::books).all(conn)?.len())
/// }
/// assert_eq!(authors(&conn)?, 3);
/// # Ok::<(), eagerly::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "eagerly cannot run statements on `{Self}`",
    label = "not a connection eagerly knows",
    note = "pass `&conn` for a `rusqlite::Connection` (or its `Transaction`), or `&mut client` for a `postgres::Client` (feature `postgres`)",
    note = "a connection from a pool dereferences to one: pass `&*pooled` (rusqlite) or `&mut *pooled` (postgres)"
)]
pub trait Executor: sealed::Sealed {
    /// Runs `work` with this connection, every statement of it reported at `caller`.
    #[doc(hidden)]
    fn run<T>(
        self,
        caller: &'static Location<'static>,
        work: impl FnOnce(Run<'_>) -> Result<T>,
    ) -> Result<T>;
}

mod sealed {
    pub trait Sealed {}
}

impl sealed::Sealed for &rusqlite::Connection {}

impl Executor for &rusqlite::Connection {
    #[inline]
    fn run<T>(
        self,
        caller: &'static Location<'static>,
        work: impl FnOnce(Run<'_>) -> Result<T>,
    ) -> Result<T> {
        work(Run { db: Db::Sqlite(self), caller })
    }
}

/// What dereferences to a rusqlite `Connection` runs on it.
macro_rules! through_connection {
    ($($executor:ty),*) => {$(
        impl sealed::Sealed for $executor {}

        impl Executor for $executor {
            #[inline]
            fn run<T>(
                self,
                caller: &'static Location<'static>,
                work: impl FnOnce(Run<'_>) -> Result<T>,
            ) -> Result<T> {
                let conn: &rusqlite::Connection = self;
                conn.run(caller, work)
            }
        }
    )*};
}

through_connection!(
    &mut rusqlite::Connection,
    &rusqlite::Transaction<'_>,
    &mut rusqlite::Transaction<'_>,
    &rusqlite::Savepoint<'_>,
    &mut rusqlite::Savepoint<'_>
);

/// The values a statement binds, in placeholder order.
#[derive(Clone, Copy)]
pub(crate) enum Params<'a> {
    /// The statement's own values (filters, keys, limits): [`Statement::params`].
    Values(&'a [Value]),
    /// A model's fields, as the derive hands them out (rusqlite's `ToSql`).
    Fields(&'a [&'a dyn ToSql]),
}

impl<'a> Params<'a> {
    /// The statement's own values.
    pub(crate) fn of(statement: &'a Statement) -> Self {
        Params::Values(&statement.params)
    }

    /// No values.
    pub(crate) const NONE: Params<'static> = Params::Values(&[]);

    fn len(self) -> usize {
        match self {
            Params::Values(values) => values.len(),
            Params::Fields(fields) => fields.len(),
        }
    }

    /// The values as a record shows them.
    fn recorded(self) -> Vec<Value> {
        match self {
            Params::Values(values) => values.to_vec(),
            Params::Fields(fields) => {
                fields.iter().map(|f| to_value(*f).unwrap_or(Value::Null)).collect()
            }
        }
    }
}

/// The statements of one call of the user's: the database, and the user's line that made
/// the call (every statement it runs is reported at that line).
#[derive(Clone, Copy)]
pub struct Run<'c> {
    db: Db<'c>,
    pub(crate) caller: &'static Location<'static>,
}

#[derive(Clone, Copy)]
enum Db<'c> {
    Sqlite(&'c rusqlite::Connection),
    #[cfg(feature = "postgres")]
    Postgres(&'c (dyn postgres::Session + 'c)),
}

impl Run<'_> {
    /// The SQL this run's statements are written in.
    #[inline]
    pub(crate) fn dialect(self) -> Dialect {
        match self.db {
            Db::Sqlite(_) => Dialect::Sqlite,
            #[cfg(feature = "postgres")]
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Whether the connection is inside a transaction (the caller's, or one eagerly
    /// began).
    pub(crate) fn in_transaction(self) -> bool {
        match self.db {
            Db::Sqlite(conn) => !conn.is_autocommit(),
            #[cfg(feature = "postgres")]
            Db::Postgres(session) => session.in_transaction(),
        }
    }
}

/// Runs a statement that returns rows and pushes every row into `each`, stopping at the
/// first error; returns the number of rows.
pub(crate) fn query_each(
    run: Run<'_>,
    statement: &Statement,
    params: Params<'_>,
    each: &mut dyn Rows,
) -> Result<usize> {
    match run.db {
        Db::Sqlite(conn) => sqlite::query_each(run, conn, statement, params, each),
        #[cfg(feature = "postgres")]
        Db::Postgres(session) => session.query_each(run, statement, params, each),
    }
}

/// Runs a statement that returns no rows; returns the number of rows it changed.
pub(crate) fn execute(run: Run<'_>, statement: &Statement, params: Params<'_>) -> Result<usize> {
    match run.db {
        Db::Sqlite(conn) => sqlite::execute(run, conn, statement, params),
        #[cfg(feature = "postgres")]
        Db::Postgres(session) => session.execute(run, statement, params),
    }
}

/// Runs `work`, a driver running `statement`, watched as the module docs say: refused
/// where statements are forbidden, else timed and recorded when something records.
/// `work` is given the watch, if the statement is watched (a driver then reads what only
/// a recorded statement needs, and shows it every row), and gives the number of rows, and
/// the driver's counters.
#[inline]
fn watched(
    run: Run<'_>,
    statement: &Statement,
    params: Params<'_>,
    work: impl FnOnce(Option<&mut Watched>) -> (Result<usize>, Counters),
) -> Result<usize> {
    let Some(mut watched) = Watched::start(run.caller, statement)? else {
        return work(None).0;
    };
    let (result, counters) = work(Some(&mut watched));
    let elapsed = watched.elapsed();
    let explained = if watched.explain() { explain(run, statement, params) } else { None };
    let outcome = result.as_ref().copied();
    watched.record(
        run.caller,
        run.dialect(),
        statement,
        params,
        outcome,
        elapsed,
        counters,
        explained,
    );
    result
}

/// A statement being watched: what the log asked of it, and when it started. The blocking
/// drivers go through [`watched`]; an async one starts and records around its await.
pub(crate) struct Watched {
    watch: log::Watch,
    started: Instant,
    /// The values of the rows, noted while an inspection runs.
    returning: Option<log::Returning>,
}

impl Watched {
    /// Starts watching `statement`: `None` if nothing records it, an error if statements
    /// are forbidden here.
    #[inline]
    pub(crate) fn start(
        caller: &'static Location<'static>,
        statement: &Statement,
    ) -> Result<Option<Self>> {
        let watch = log::watch(caller, statement.kind, &statement.text)?;
        Ok(watch.map(|watch| Watched {
            watch,
            started: Instant::now(),
            returning: statement.shape.as_ref().and_then(log::Returning::of),
        }))
    }

    /// Sees a row of the statement, before the loader takes it.
    #[inline]
    pub(crate) fn saw(&mut self, row: Source<'_>) {
        if let Some(returning) = &mut self.returning {
            returning.saw(|index| row.get(index).ok());
        }
    }

    /// How long since the statement started.
    pub(crate) fn elapsed(&self) -> std::time::Duration {
        self.started.elapsed()
    }

    /// An inspection asks for the statement's plan.
    pub(crate) fn explain(&self) -> bool {
        self.watch.explain
    }

    /// Records the statement, which ran for `elapsed` and gave `outcome` (its rows).
    #[allow(clippy::too_many_arguments)] // the parts of one record, each from its own place
    pub(crate) fn record(
        self,
        caller: &'static Location<'static>,
        dialect: Dialect,
        statement: &Statement,
        params: Params<'_>,
        outcome: std::result::Result<usize, &crate::error::Error>,
        elapsed: std::time::Duration,
        counters: Counters,
        explained: Option<(Vec<String>, Vec<PlanStep>)>,
    ) {
        let (plan, steps) = match explained {
            Some((lines, steps)) => (Some(lines), steps),
            None => (None, Vec::new()),
        };
        log::record(
            self.watch,
            QueryRecord {
                sql: statement.text.clone(),
                params: params.recorded(),
                rows: outcome.unwrap_or(0),
                duration: elapsed,
                table: statement.table_name(),
                error: outcome.err().map(ToString::to_string),
                location: caller,
                backend: dialect.backend(),
                counters,
                plan,
                steps,
                shape: statement.shape.clone().map(std::sync::Arc::new),
                returned: self.returning.map(log::Returning::into_returned).unwrap_or_default(),
            },
        );
    }
}

/// The backend's plan for a statement, as lines and the inspector's steps; `None` if it
/// cannot explain it. Run outside the log.
fn explain(
    run: Run<'_>,
    statement: &Statement,
    params: Params<'_>,
) -> Option<(Vec<String>, Vec<PlanStep>)> {
    match run.db {
        Db::Sqlite(conn) => sqlite::explain(conn, statement, params),
        #[cfg(feature = "postgres")]
        Db::Postgres(session) => session.explain(statement, params),
    }
}
