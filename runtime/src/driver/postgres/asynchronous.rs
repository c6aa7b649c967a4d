//! The async PostgreSQL driver, on `tokio-postgres` (feature `tokio-postgres`): the same
//! statements, values and rows as the blocking driver (`bind`, `decode`, the watching of
//! `driver`), with an `.await` where the blocking driver waits. Where the blocking driver
//! takes a statement's rows all at once, this one reads them as they arrive: the rows
//! that have come are decoded while the server sends the next (on a large result, most
//! of the decoding hides behind the transfer).
//!
//! A call takes its connection by `&mut`: `tokio-postgres` pipelines the statements of
//! everyone who shares a `&Client`, so a transaction eagerly opened on a shared client
//! would take in another task's statements. The transactions eagerly opens are
//! `tokio-postgres`'s own (`Client::transaction`, `Transaction::savepoint`,
//! `build_transaction` for a read snapshot), not `BEGIN` sent as text: a future dropped
//! before it finishes (a timeout, a client gone away) drops the transaction, which rolls
//! back as it is dropped, so the connection goes back to its pool as it came. Their
//! statements are the dialect's, but for a snapshot's `START TRANSACTION` (not recorded).
//! A snapshot, read-only, keeps nothing: it ends by being dropped, whose `ROLLBACK` goes
//! out without waiting for its answer (the connection reads it before the next
//! statement's), one round trip less than a `COMMIT`.
//!
//! A call prepares its statements once each ([`Kept`]): for the call only on a plain
//! connection, for the connection's life on an [`AsyncCachedClient`], or through the
//! pool's statement cache on a deadpool-postgres connection (feature
//! `deadpool-postgres`). For the call only, a statement whose values are integers or text
//! (or that has none) is not prepared the first time it runs (`query_typed_raw`: one round
//! trip, not two), as on the blocking driver.

use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::Poll;

use futures_core::Stream;

use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, IsolationLevel, Transaction};

use super::{Prepared, bind, database, push_rows, read_count, read_plan, scanned_tables};
use super::{table_rows_statement, values};
use crate::driver::{Params, Watched};
use crate::error::Result;
use crate::log::Counters;
use crate::plan::statement::PlanStep;
use crate::row::Rows;
use crate::schema::Table;
use crate::sql::transaction::{self, Control};
use crate::sql::{self, Dialect, Statement};
use crate::value::Value;

/// What eagerly runs a query or a write on without blocking: a `tokio-postgres`
/// connection (feature `tokio-postgres`), as `&mut tokio_postgres::Client` or
/// `&mut tokio_postgres::Transaction`, or `&mut` an [`AsyncCachedClient`] (statements
/// prepared once per connection) or its transaction. With the feature
/// `deadpool-postgres`, `&mut` a pooled `deadpool_postgres::Object` or its `Transaction`,
/// whose statements go through the pool's statement cache; without it, a pooled
/// connection is passed as the client it dereferences to (`&mut **object`).
///
/// Taken by `&mut` where `tokio-postgres` itself takes `&Client`: eagerly opens
/// transactions of its own (a snapshot for a load whose rows must agree, a savepoint
/// for a write of several), and those must not take in the statements another task
/// pipelines on a shared client.
///
/// ```no_run
/// # use eagerly::__doc::*;
/// # async fn page() -> eagerly::Result<()> {
/// let (mut client, connection) =
///     tokio_postgres::connect("host=localhost user=app", tokio_postgres::NoTls).await?;
/// tokio::spawn(connection);
/// let authors = Author::query().prefetch(Author::books).all_async(&mut client).await?;
/// # Ok(()) }
/// ```
#[diagnostic::on_unimplemented(
    message = "eagerly cannot run statements on `{Self}` without blocking",
    label = "not an async connection eagerly knows",
    note = "pass `&mut client` for a `tokio_postgres::Client` or `Transaction` (feature `tokio-postgres`), or an `eagerly::AsyncCachedClient`",
    note = "a `deadpool_postgres::Object` is one with the feature `deadpool-postgres` (`&mut object`), else pass the client it dereferences to: `&mut **object`",
    note = "a `rusqlite::Connection` or a `postgres::Client` runs the blocking methods: `.all(&conn)` rather than `.all_async(..)`"
)]
pub trait AsyncExecutor: Send + super::super::sealed::Sealed {
    /// A call's hold on this connection, every statement of it reported at `caller`.
    #[doc(hidden)]
    fn into_run<'c>(self, caller: &'static Location<'static>) -> AsyncRun<'c>
    where
        Self: 'c;
}

/// A future that borrows for `'a` and can move between threads.
type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What eagerly asks of a `tokio-postgres` connection: `Client` and `Transaction` both
/// have it.
pub trait Connection: Send + Sync {
    /// The client statements run on.
    fn client(&self) -> &Client;

    /// Whether the connection is inside a transaction.
    fn in_transaction(&self) -> bool;

    /// A transaction inside this connection: a read-only snapshot, or one to write in.
    fn begin(
        &mut self,
        snapshot: bool,
    ) -> BoxFuture<'_, Result<Transaction<'_>, tokio_postgres::Error>>;
}

impl Connection for Client {
    fn client(&self) -> &Client {
        self
    }

    fn in_transaction(&self) -> bool {
        false
    }

    fn begin(
        &mut self,
        snapshot: bool,
    ) -> BoxFuture<'_, Result<Transaction<'_>, tokio_postgres::Error>> {
        if snapshot {
            Box::pin(
                self.build_transaction()
                    .isolation_level(IsolationLevel::RepeatableRead)
                    .read_only(true)
                    .start(),
            )
        } else {
            Box::pin(self.transaction())
        }
    }
}

impl Connection for Transaction<'_> {
    fn client(&self) -> &Client {
        Transaction::client(self)
    }

    fn in_transaction(&self) -> bool {
        true
    }

    fn begin(&mut self, _: bool) -> BoxFuture<'_, Result<Transaction<'_>, tokio_postgres::Error>> {
        Box::pin(self.savepoint(SAVEPOINT))
    }
}

/// The savepoint eagerly opens inside a transaction: the name the dialect gives it.
const SAVEPOINT: &str = "eagerly";

/// Implements `AsyncExecutor` for `&mut` each connection type: `|connection| (the
/// connection eagerly runs on, where its prepared statements are kept)`.
macro_rules! async_executor {
    ($($connection:ty => |$this:ident| $held:expr;)*) => {$(
        impl super::super::sealed::Sealed for &mut $connection {}

        impl AsyncExecutor for &mut $connection {
            fn into_run<'c>(self, caller: &'static Location<'static>) -> AsyncRun<'c>
            where
                Self: 'c,
            {
                let $this = self;
                let (connection, kept): (&'c mut (dyn Connection + 'c), Kept<'c>) = $held;
                AsyncRun { held: Held::Given(connection), caller, kept }
            }
        }
    )*};
}

async_executor! {
    Client => |client| (client, Kept::Call(Prepared::default()));
    Transaction<'_> => |transaction| (transaction, Kept::Call(Prepared::default()));
    AsyncCachedClient => |cached| (&mut cached.client, Kept::Connection(&mut cached.prepared));
    AsyncCachedTransaction<'_> => |cached| {
        (&mut cached.transaction, Kept::Connection(&mut *cached.prepared))
    };
}

#[cfg(feature = "deadpool-postgres")]
async_executor! {
    deadpool_postgres::Object => |object| {
        let cache = object.statement_cache.clone();
        (&mut ***object, Kept::Pool(cache))
    };
    deadpool_postgres::Transaction<'_> => |transaction| {
        let cache = transaction.statement_cache.clone();
        (&mut **transaction, Kept::Pool(cache))
    };
}

/// Where a call finds the statements already prepared on its connection.
enum Kept<'c> {
    /// Prepared within this call only: a plain client's.
    Call(Prepared<tokio_postgres::Statement>),
    /// Prepared for as long as the connection lasts: an [`AsyncCachedClient`]'s.
    Connection(&'c mut Prepared<tokio_postgres::Statement>),
    /// A deadpool-postgres connection's own statement cache, which its pool keeps.
    #[cfg(feature = "deadpool-postgres")]
    Pool(std::sync::Arc<deadpool_postgres::StatementCache>),
}

/// A `tokio_postgres::Client` on which eagerly prepares each statement once, for as long
/// as the connection lasts, rather than once per call: the async twin of
/// [`CachedClient`](crate::CachedClient). Everything else is the client's: it
/// dereferences to it. (A deadpool-postgres connection, with the feature
/// `deadpool-postgres`, uses its pool's statement cache instead.)
///
/// ```no_run
/// # use eagerly::Model;
/// # #[derive(Model)]
/// # pub struct Tag { #[model(primary_key)] pub id: i64, pub name: String }
/// use eagerly::AsyncInsert;
/// # async fn page() -> eagerly::Result<()> {
/// let (client, connection) =
///     tokio_postgres::connect("host=localhost user=app", tokio_postgres::NoTls).await?;
/// tokio::spawn(connection);
/// let mut client = eagerly::AsyncCachedClient::new(client);
/// for _ in 0..3 {
///     // Prepared the first time only.
///     Tag::query().filter(Tag::name.eq("sf")).all_async(&mut client).await?;
/// }
/// let mut transaction = client.transaction().await?;
/// NewTag { name: "new".into() }.insert_async(&mut transaction).await?;
/// transaction.commit().await?;
/// # Ok(()) }
/// ```
pub struct AsyncCachedClient {
    client: Client,
    prepared: Prepared<tokio_postgres::Statement>,
}

impl AsyncCachedClient {
    /// Keeps the statements eagerly prepares on `client`.
    pub fn new(client: Client) -> Self {
        AsyncCachedClient { client, prepared: Prepared::default() }
    }

    /// Begins a transaction whose statements are this client's prepared ones.
    pub async fn transaction(&mut self) -> Result<AsyncCachedTransaction<'_>> {
        Ok(AsyncCachedTransaction {
            transaction: self.client.transaction().await?,
            prepared: &mut self.prepared,
        })
    }

    /// The client itself; the statements it holds are closed.
    pub fn into_inner(self) -> Client {
        self.client
    }
}

impl std::ops::Deref for AsyncCachedClient {
    type Target = Client;
    fn deref(&self) -> &Self::Target {
        &self.client
    }
}

impl std::ops::DerefMut for AsyncCachedClient {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.client
    }
}

/// A transaction of an [`AsyncCachedClient`]: its statements are the client's prepared
/// ones. Dropped without [`commit`](Self::commit), it rolls back (as
/// `tokio_postgres::Transaction` does, which it dereferences to).
pub struct AsyncCachedTransaction<'c> {
    transaction: Transaction<'c>,
    prepared: &'c mut Prepared<tokio_postgres::Statement>,
}

impl AsyncCachedTransaction<'_> {
    /// Commits the transaction.
    pub async fn commit(self) -> Result<()> {
        Ok(self.transaction.commit().await?)
    }

    /// Rolls the transaction back.
    pub async fn rollback(self) -> Result<()> {
        Ok(self.transaction.rollback().await?)
    }
}

impl<'c> std::ops::Deref for AsyncCachedTransaction<'c> {
    type Target = Transaction<'c>;
    fn deref(&self) -> &Self::Target {
        &self.transaction
    }
}

impl std::ops::DerefMut for AsyncCachedTransaction<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.transaction
    }
}

/// The statements of one async call: the connection (the caller's, or a transaction
/// eagerly opened on it), and the user's line that made the call.
pub struct AsyncRun<'c> {
    held: Held<'c>,
    pub(crate) caller: &'static Location<'static>,
    kept: Kept<'c>,
}

enum Held<'c> {
    /// The caller's connection.
    Given(&'c mut (dyn Connection + 'c)),
    /// A transaction eagerly opened on it (a savepoint if `nested`): rolled back if
    /// dropped before it ends.
    Opened { transaction: Transaction<'c>, write: bool, nested: bool, table: &'static Table },
}

impl Held<'_> {
    fn client(&self) -> &Client {
        match self {
            Held::Given(connection) => connection.client(),
            Held::Opened { transaction, .. } => transaction.client(),
        }
    }
}

impl<'c> AsyncRun<'c> {
    /// The SQL this run's statements are written in.
    pub(crate) fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn client(&self) -> &Client {
        self.held.client()
    }

    /// The same run inside a transaction eagerly opens: a read-only snapshot (none inside
    /// the caller's transaction, which is the snapshot then), or a write's (a savepoint
    /// inside the caller's transaction). See `crate::transaction` for why each.
    pub(crate) async fn begin(self, write: bool, table: &'static Table) -> Result<Self> {
        let AsyncRun { held, caller, kept } = self;
        let Held::Given(connection) = held else {
            unreachable!("eagerly opens one transaction per call")
        };
        let nested = connection.in_transaction();
        if !write && nested {
            return Ok(AsyncRun { held: Held::Given(connection), caller, kept });
        }
        let savepoint_begins = Dialect::Postgres.savepoint_begins_transaction();
        let control = Control::opening(write, nested, savepoint_begins);
        let statement = transaction::statement(Dialect::Postgres, control, table, write);
        let watched = Watched::start(caller, &statement)?;
        let opened = connection.begin(!write).await.map_err(|e| database(&statement, e));
        record(watched, None, caller, &statement, &[], opened.as_ref().map(|_| 0), None);
        let held = Held::Opened { transaction: opened?, write, nested, table };
        Ok(AsyncRun { held, caller, kept })
    }

    /// Ends the transaction [`begin`](Self::begin) opened: commits a write's if `result` is
    /// `Ok`, else rolls it back, and rolls a snapshot back without waiting; then `result`
    /// (or the commit's error).
    pub(crate) async fn end<T>(self, result: Result<T>) -> Result<T> {
        let Held::Opened { transaction, write, nested, table } = self.held else {
            return result;
        };
        if !write {
            // A read-only snapshot ends the same whatever `result` (see the module doc).
            drop(transaction);
            return result;
        }
        let savepoint_begins = Dialect::Postgres.savepoint_begins_transaction();
        let opened = Control::opening(write, nested, savepoint_begins);
        let control = opened.closing(nested, result.is_ok());
        let caller = self.caller;
        let ended = match control {
            Control::Commit | Control::Release => {
                controlled(caller, control, table, write, transaction.commit()).await
            }
            // Undone to the savepoint, which is then released, as the blocking drivers do:
            // the caller's transaction goes on without it.
            Control::RollbackTo => {
                let undo = transaction::statement(Dialect::Postgres, control, table, write);
                let undone = controlled(
                    caller,
                    control,
                    table,
                    write,
                    transaction.batch_execute(&undo.text),
                );
                match undone.await {
                    Ok(()) => {
                        let release = transaction.commit();
                        controlled(caller, Control::Release, table, write, release).await
                    }
                    Err(error) => {
                        let _ = transaction.rollback().await;
                        Err(error)
                    }
                }
            }
            _ => controlled(caller, control, table, write, transaction.rollback()).await,
        };
        match result {
            // The error that made it roll back is the one worth reporting.
            Err(error) => Err(error),
            Ok(value) => ended.map(|()| value),
        }
    }

    /// Runs a statement that returns rows and pushes every row into `each`, stopping at
    /// the first error; returns the number of rows.
    pub(crate) async fn query_each(
        &mut self,
        statement: &Statement,
        params: &[Value],
        mut each: impl Rows + Send,
    ) -> Result<usize> {
        let mut watched = Watched::start(self.caller, statement)?;
        let result = self.stream_rows(statement, params, watched.as_mut(), &mut each).await;
        if let Some(watched) = watched {
            self.record(watched, statement, params, &result).await;
        }
        result
    }

    /// Runs a statement that returns no rows; returns the number of rows it changed.
    pub(crate) async fn execute(
        &mut self,
        statement: &Statement,
        params: &[Value],
    ) -> Result<usize> {
        let watched = Watched::start(self.caller, statement)?;
        let result = async {
            let changed = if let Some(params) = self.unprepared(statement, params) {
                let rows = self.client().query_typed_raw(&statement.text, params).await;
                let mut rows = std::pin::pin!(rows.map_err(|e| database(statement, e))?);
                while let Some(row) = std::future::poll_fn(|cx| rows.as_mut().poll_next(cx)).await {
                    row.map_err(|e| database(statement, e))?;
                }
                Ok(rows.rows_affected().unwrap_or(0))
            } else {
                let prepared = self.prepare(statement).await?;
                self.client().execute(&prepared, &bind::params(params)).await
            };
            Ok(usize::try_from(changed.map_err(|e| database(statement, e))?).unwrap_or(usize::MAX))
        }
        .await;
        if let Some(watched) = watched {
            self.record(watched, statement, params, &result).await;
        }
        result
    }

    /// A model's fields as the values to bind (the async driver binds nothing else:
    /// `rusqlite`'s values cannot be held across an await).
    pub(crate) fn bound(statement: &Statement, fields: Params<'_>) -> Result<Vec<Value>> {
        values(statement, fields).map(std::borrow::Cow::into_owned)
    }

    /// Runs `statement` and hands its rows to `each` as they arrive: whatever rows have
    /// come are decoded while the server sends the next (a call holds its connection, and
    /// the loader runs no statement while it takes rows, so the stream is read to its end
    /// or dropped on the first error, which `tokio-postgres` discards the rest of).
    async fn stream_rows(
        &mut self,
        statement: &Statement,
        params: &[Value],
        mut watched: Option<&mut Watched>,
        each: &mut (dyn Rows + Send),
    ) -> Result<usize> {
        /// The most rows held before they are decoded, when they come faster than that.
        const HELD: usize = 256;
        let rows = if let Some(params) = self.unprepared(statement, params) {
            self.client().query_typed_raw(&statement.text, params).await
        } else {
            let prepared = self.prepare(statement).await?;
            self.client().query_raw(&prepared, params.iter()).await
        };
        let rows = rows.map_err(|e| database(statement, e))?;
        let mut rows = std::pin::pin!(rows);
        let (mut held, mut count) = (Vec::with_capacity(HELD), 0);
        loop {
            let ended = std::future::poll_fn(|cx| {
                loop {
                    if held.len() == HELD {
                        return Poll::Ready(Ok(false));
                    }
                    match rows.as_mut().poll_next(cx) {
                        Poll::Ready(Some(Ok(row))) => held.push(row),
                        Poll::Ready(Some(Err(error))) => return Poll::Ready(Err(error)),
                        Poll::Ready(None) => return Poll::Ready(Ok(true)),
                        // Decode what came while waiting for more.
                        Poll::Pending if held.is_empty() => return Poll::Pending,
                        Poll::Pending => return Poll::Ready(Ok(false)),
                    }
                }
            });
            let ended = ended.await.map_err(|e| database(statement, e))?;
            count += push_rows(&held, statement, watched.as_deref_mut(), each)?;
            held.clear();
            if ended {
                return Ok(count);
            }
        }
    }

    /// `values` as the parameters of `statement` sent unprepared, if it is: as on the
    /// blocking driver, where statements are not kept past the call, the server can type
    /// the values, and the call runs it for the first time.
    fn unprepared<'v>(
        &mut self,
        statement: &Statement,
        values: &'v [Value],
    ) -> Option<Vec<(&'v (dyn ToSql + Sync), Type)>> {
        let Kept::Call(prepared) = &mut self.kept else { return None };
        let params = bind::left_to_server(values)?;
        prepared.first_run(statement).then_some(params)
    }

    /// `statement` prepared on the connection, prepared now if it was not yet (in this call,
    /// or on this connection where its statements are kept).
    async fn prepare(&mut self, statement: &Statement) -> Result<tokio_postgres::Statement> {
        let prepared = match &mut self.kept {
            Kept::Call(prepared) => prepared,
            Kept::Connection(prepared) => &mut **prepared,
            #[cfg(feature = "deadpool-postgres")]
            Kept::Pool(cache) => {
                let client = self.held.client();
                let prepared = cache.prepare(client, &statement.text).await;
                return prepared.map_err(|e| database(statement, e));
            }
        };
        if let Some(found) = prepared.find(statement) {
            return Ok(found);
        }
        let client = self.held.client();
        let made = client.prepare(&statement.text).await.map_err(|e| database(statement, e))?;
        prepared.keep(statement, &made);
        Ok(made)
    }

    /// Records a watched statement, with its plan if an inspection asks.
    async fn record(
        &self,
        watched: Watched,
        statement: &Statement,
        params: &[Value],
        result: &Result<usize>,
    ) {
        let elapsed = watched.elapsed();
        let explained =
            if watched.explain() { self.explain(statement, params).await } else { None };
        record(
            Some(watched),
            Some(elapsed),
            self.caller,
            statement,
            params,
            result.as_ref().copied(),
            explained,
        );
    }

    /// The plan PostgreSQL chooses for the statement, as lines and the inspector's steps.
    async fn explain(
        &self,
        statement: &Statement,
        params: &[Value],
    ) -> Option<(Vec<String>, Vec<PlanStep>)> {
        let sql = sql::explain::query_plan(statement)?;
        let client = self.client();
        let rows = client.query(&sql, &bind::params(params)).await.ok()?;
        let (lines, mut steps) = read_plan(rows.first()?, statement)?;
        for (table, rows) in scanned_tables(statement, &mut steps) {
            let count = table_rows_statement(table);
            let counted = client.query(&count.text, &bind::params(&count.params)).await.ok();
            *rows = counted.as_ref().and_then(|r| read_count(r.first()?));
        }
        Some((lines, steps))
    }
}

/// Runs `action`, which does what eagerly's `control` statement about `table` does,
/// watched as that statement.
async fn controlled(
    caller: &'static Location<'static>,
    control: Control,
    table: &'static Table,
    write: bool,
    action: impl Future<Output = Result<(), tokio_postgres::Error>>,
) -> Result<()> {
    let statement = transaction::statement(Dialect::Postgres, control, table, write);
    let watched = Watched::start(caller, &statement)?;
    let done = action.await.map_err(|e| database(&statement, e));
    record(watched, None, caller, &statement, &[], done.as_ref().map(|()| 0), None);
    done
}

/// Records a statement, if watched, which ran for `elapsed` (or until now).
fn record(
    watched: Option<Watched>,
    elapsed: Option<std::time::Duration>,
    caller: &'static Location<'static>,
    statement: &Statement,
    params: &[Value],
    outcome: std::result::Result<usize, &crate::error::Error>,
    explained: Option<(Vec<String>, Vec<PlanStep>)>,
) {
    if let Some(watched) = watched {
        let elapsed = elapsed.unwrap_or_else(|| watched.elapsed());
        let (params, counters) = (Params::Values(params), Counters::default());
        let dialect = Dialect::Postgres;
        watched.record(caller, dialect, statement, params, outcome, elapsed, counters, explained);
    }
}
