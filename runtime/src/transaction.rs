//! Transactions eagerly opens itself: a savepoint around a write of several statements
//! (all of it or none), and a read transaction around a load of several statements whose
//! rows must agree (one snapshot, so that such a load never mixes rows from before and
//! after another connection's commit).
//!
//! Rows must agree where a later statement could contradict an earlier one
//! ([`Select::one_snapshot`](crate::plan::Select::one_snapshot)): a count in a load that
//! prefetches (any `with_count` at any level, since it could count the rows a prefetch
//! loads, and must match them), and a `belongs_to` looked up by batch (the foreign keys
//! read before name rows that must still be there, or the load fails with
//! `MissingRelated`). A load of `has_many`, `has_one` and `many_to_many` prefetches alone
//! opens none, as Django's `prefetch_related` opens none: each batch finds its rows by the
//! keys of parents already loaded, so every row it reads belongs to one of them, and each
//! statement reads what is committed when it runs. On PostgreSQL a snapshot costs two round
//! trips (`BEGIN`, `COMMIT`), as many as the prefetch itself; a caller who wants one anyway
//! runs the load in a `REPEATABLE READ` transaction of their own.
//!
//! Either way the connection is left as it was found. A [`Transaction`] undoes its work on
//! every error, when its commit fails (an on-disk file whose readers hold it: the commit
//! returns `SQLITE_BUSY` and leaves the transaction open), and when it is dropped unfinished
//! (a panic in the caller's iterator). A transaction eagerly opened on a connection in
//! autocommit mode is ended by `ROLLBACK`, so the connection is in autocommit mode again
//! and the caller's next write is committed, not left pending in a forgotten transaction.
//! Inside the caller's own transaction, a write's savepoint nests in it and a load reads
//! from it as it is.
//!
//! The statements are each dialect's (`sql::transaction`): on PostgreSQL a savepoint needs
//! a transaction, so a write in autocommit mode begins one with `BEGIN`, and a load's
//! snapshot is a `REPEATABLE READ` transaction. Inside the caller's own PostgreSQL
//! transaction, a load sees what its isolation level shows: in the default
//! `READ COMMITTED`, each statement sees the commits made before it began.

use crate::driver::{self, Params, Run};
use crate::error::Result;
use crate::load::flow::{Flow, drive};
use crate::schema::Table;
use crate::sql::transaction::{self, Control};

/// A transaction (or savepoint) eagerly opened; undone unless [`commit`](Self::commit)
/// succeeds.
pub(crate) struct Transaction<'c> {
    run: Run<'c>,
    /// The table the work is about, for messages.
    table: &'static Table,
    kind: Kind,
    /// Begun and neither committed nor undone yet.
    open: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A write's savepoint inside the caller's transaction.
    Nested,
    /// A write's transaction, begun by eagerly (the connection was in autocommit mode): by
    /// a savepoint where that begins one (SQLite), else by `BEGIN`.
    Outermost,
    /// A read transaction.
    Snapshot,
}

impl<'c> Transaction<'c> {
    /// Opens a savepoint for a write of several statements.
    pub(crate) fn write(run: Run<'c>, table: &'static Table) -> Result<Self> {
        let kind = if run.in_transaction() { Kind::Nested } else { Kind::Outermost };
        let transaction = Transaction { run, table, kind, open: false };
        transaction.control(transaction.begin())?;
        Ok(Transaction { open: true, ..transaction })
    }

    /// Begins a read transaction for a load of several statements, unless the caller is in
    /// a transaction already: then that one is the load's snapshot.
    pub(crate) fn snapshot(run: Run<'c>, table: &'static Table) -> Result<Option<Self>> {
        if run.in_transaction() {
            return Ok(None);
        }
        let transaction = Transaction { run, table, kind: Kind::Snapshot, open: false };
        transaction.control(transaction.begin())?;
        Ok(Some(Transaction { open: true, ..transaction }))
    }

    /// Keeps what was done. If that fails, everything is undone and the error returned.
    pub(crate) fn commit(mut self) -> Result<()> {
        self.open = false;
        self.control(self.end()).inspect_err(|_| self.undo())
    }

    /// The statement that begins this transaction.
    fn begin(&self) -> Control {
        let savepoint_begins = self.run.dialect().savepoint_begins_transaction();
        Control::opening(self.kind != Kind::Snapshot, self.kind == Kind::Nested, savepoint_begins)
    }

    /// The statement that keeps what this transaction did.
    fn end(&self) -> Control {
        self.begin().closing(self.kind == Kind::Nested, true)
    }

    /// Undoes everything since the transaction began. Its own errors are dropped: the
    /// error worth reporting is the one that made it undo, and a transaction eagerly began
    /// is ended by `ROLLBACK` whatever state it is in. A nested savepoint, rolled back to,
    /// is released too.
    fn undo(&self) {
        let _ = match self.begin().closing(self.kind == Kind::Nested, false) {
            Control::RollbackTo => {
                self.control(Control::RollbackTo).and_then(|()| self.control(Control::Release))
            }
            undo => self.control(undo),
        };
    }

    fn control(&self, control: Control) -> Result<()> {
        let recorded = self.kind != Kind::Snapshot;
        let statement = transaction::statement(self.run.dialect(), control, self.table, recorded);
        driver::execute(self.run, &statement, Params::NONE).map(drop)
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if self.open {
            self.undo();
        }
    }
}

/// Runs `write` inside a savepoint: everything it wrote is kept if it returns `Ok`, and
/// undone if it returns `Err`, panics, or the savepoint cannot be released.
pub(crate) fn atomically<T>(
    run: Run<'_>,
    table: &'static Table,
    write: impl FnOnce() -> Result<T>,
) -> Result<T> {
    within(Some(Transaction::write(run, table)?), write)
}

/// Runs `load`, a load of several statements, inside one read transaction, so that every
/// statement sees the same snapshot of the database; inside the caller's transaction,
/// that one is the snapshot.
pub(crate) fn one_snapshot<T>(
    run: Run<'_>,
    table: &'static Table,
    load: impl FnOnce() -> Result<T>,
) -> Result<T> {
    within(Transaction::snapshot(run, table)?, load)
}

/// Runs `flow`'s statements on `run`: in one read transaction if it takes several and
/// their rows must agree (`agree`: the query's
/// [`Select::one_snapshot`](crate::plan::Select::one_snapshot), see [`one_snapshot`]).
pub(crate) fn load<'a, T: 'a>(
    run: Run<'_>,
    table: &'static Table,
    agree: bool,
    flow: Flow<'a, T>,
) -> Result<T> {
    if agree && flow.takes_several_statements() {
        one_snapshot(run, table, || drive(run, flow))
    } else {
        drive(run, flow)
    }
}

/// [`load`] on an async driver: the snapshot is the driver's transaction, which rolls back
/// when dropped, so a load abandoned at an await leaves the connection as it was.
#[cfg(feature = "tokio-postgres")]
pub(crate) async fn load_async<'a, T: 'a>(
    mut run: driver::AsyncRun<'_>,
    table: &'static Table,
    agree: bool,
    flow: Flow<'a, T>,
) -> Result<T> {
    if agree && flow.takes_several_statements() {
        run = run.begin(false, table).await?;
    }
    let result = crate::load::flow::drive_async(&mut run, flow).await;
    run.end(result).await
}

/// Runs `work`, then commits `transaction` (if eagerly began one); dropped on an error or
/// a panic, the transaction is undone.
fn within<T>(transaction: Option<Transaction<'_>>, work: impl FnOnce() -> Result<T>) -> Result<T> {
    let value = work()?;
    if let Some(transaction) = transaction {
        transaction.commit()?;
    }
    Ok(value)
}
