//! Transaction control: the savepoint around a multi-row write, and the read transaction
//! that gives a load of several statements one snapshot.

use super::{Dialect, Statement};
use crate::plan::alias::Alias;
use crate::plan::statement::StatementKind;
use crate::schema::Table;

/// The savepoint's name. A caller's own savepoint of the same name does no harm: SQLite
/// and PostgreSQL release and roll back to the most recent savepoint of a name, which is
/// this one.
const SAVEPOINT: &str = "eagerly";

/// What a transaction statement does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Control {
    /// `SAVEPOINT eagerly`: opens a transaction in autocommit mode, nests in the caller's.
    Savepoint,
    /// `RELEASE eagerly`: keeps what was written since (commits, if it opened the
    /// transaction).
    Release,
    /// `ROLLBACK TO eagerly`: undoes what was written since; the savepoint stays open.
    RollbackTo,
    /// `BEGIN`: a transaction for a write (where a savepoint cannot begin one).
    Begin,
    /// A read transaction, so that several statements see one snapshot.
    BeginSnapshot,
    /// `COMMIT`.
    Commit,
    /// `ROLLBACK`: ends the transaction, undoing everything in it.
    Rollback,
}

impl Control {
    /// The statement that opens the transaction eagerly runs a call in: a write's, or (not
    /// `write`) a load's snapshot; `nested` inside the caller's transaction. (A load inside
    /// the caller's transaction opens none: that one is its snapshot.)
    pub(crate) fn opening(dialect: Dialect, write: bool, nested: bool) -> Control {
        match (write, nested) {
            (false, _) => Control::BeginSnapshot,
            (true, true) => Control::Savepoint,
            (true, false) if dialect.savepoint_begins_transaction() => Control::Savepoint,
            (true, false) => Control::Begin,
        }
    }

    /// The statement that ends a transaction this one opened (`nested` as in
    /// [`opening`](Self::opening)): keeping what it did, or undoing it. Undoing a nested
    /// savepoint rolls back to it (and leaves it open); anything else eagerly began is
    /// ended by `ROLLBACK`.
    pub(crate) fn closing(self, nested: bool, keep: bool) -> Control {
        match (keep, self, nested) {
            (true, Control::Savepoint, _) => Control::Release,
            (true, _, _) => Control::Commit,
            (false, _, true) => Control::RollbackTo,
            (false, _, false) => Control::Rollback,
        }
    }
}

/// The statement for `control`, about `table` (for messages). The savepoint's statements
/// are recorded like any other; a read transaction's are not, since they read nothing
/// ([`StatementKind::Snapshot`]).
pub(crate) fn statement(
    dialect: Dialect,
    control: Control,
    table: &'static Table,
    recorded: bool,
) -> Statement {
    let kind = if recorded { StatementKind::Transaction } else { StatementKind::Snapshot };
    let mut out = Statement::new(dialect, kind);
    match control {
        Control::Savepoint => {
            out.push("SAVEPOINT ");
            out.push(SAVEPOINT);
        }
        Control::Release => {
            out.push("RELEASE ");
            out.push(SAVEPOINT);
        }
        Control::RollbackTo => {
            out.push("ROLLBACK TO ");
            out.push(SAVEPOINT);
        }
        Control::Begin => out.push("BEGIN"),
        Control::BeginSnapshot => out.push(dialect.begin_snapshot()),
        Control::Commit => out.push("COMMIT"),
        Control::Rollback => out.push("ROLLBACK"),
    }
    out.note_table(Alias::Base, table);
    out
}
