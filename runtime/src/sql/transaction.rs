//! Transaction control: the savepoint around a multi-row write, and the read transaction
//! that gives a load of several statements whose rows must agree one snapshot.

use super::{Dialect, Statement};
use crate::plan::alias::Alias;
pub(crate) use crate::plan::statement::Control;
use crate::plan::statement::StatementKind;
use crate::schema::Table;

/// The savepoint's name. A caller's own savepoint of the same name does no harm: SQLite
/// and PostgreSQL release and roll back to the most recent savepoint of a name, which is
/// this one.
const SAVEPOINT: &str = "eagerly";

/// The statement for `control`, about `table` (for messages). The savepoint's statements
/// are recorded like any other; a read transaction's are not, since they read nothing
/// ([`StatementKind::Snapshot`]).
pub(crate) fn statement(
    dialect: Dialect,
    control: Control,
    table: &'static Table,
    recorded: bool,
) -> Statement {
    let kind = if recorded {
        StatementKind::Transaction(control)
    } else {
        StatementKind::Snapshot(control)
    };
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
