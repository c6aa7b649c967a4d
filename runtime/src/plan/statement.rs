//! What a statement is and does, as data: its kind, and the tables and columns it reads
//! (its [`Shape`]) for the query inspector. Written by each backend's SQL writer beside the
//! text, so that nothing has to parse SQL.

use crate::plan::alias::Alias;
use crate::schema::Table;
use crate::value::Value;

/// What a statement does, as the inspector needs it: no SQL parsing there.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Shape {
    /// What the statement is.
    pub kind: StatementKind,
    /// Every table it reads or writes, under its alias (`t0`, `j1`, `c2`, `l0`).
    pub tables: Vec<(Alias, &'static Table)>,
    /// Every column a condition tests, and how.
    pub filters: Vec<Filtered>,
    /// Every column it orders by.
    pub order: Vec<(Alias, &'static str)>,
    /// The table column each result column reads, in result order (`None` for a count or
    /// another computed value): what the inspector reads of the rows a query returned.
    pub selected: Vec<Option<(Alias, &'static str)>>,
    /// The relation each joined alias loads (`j1` is `Book::author`).
    pub joined: Vec<(Alias, &'static str)>,
    /// The query's own limit and offset (not eagerly's probe: `probe`).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    /// The statement's `LIMIT` is eagerly's own probe (`get`'s and `one`'s `LIMIT 2`,
    /// which tells one row from several), not the user's.
    pub probe: bool,
    /// For a statement that sorts rows and returns some of them (a limit, an offset, a
    /// limit per parent): a statement counting the rows it sorts, and its values.
    pub sorted: Option<(String, Vec<Value>)>,
    /// The values equality conditions look rows up by (`= ?`, `IN (..)`, a batch's keys):
    /// the inspector links a repeated statement to the query whose rows held them.
    pub looked_up: Vec<LookedUp>,
}

impl Shape {
    /// A statement of this kind, nothing noted yet.
    pub(crate) fn new(kind: StatementKind) -> Self {
        Shape {
            kind,
            tables: Vec::new(),
            filters: Vec::new(),
            order: Vec::new(),
            selected: Vec::new(),
            joined: Vec::new(),
            looked_up: Vec::new(),
            limit: None,
            offset: None,
            probe: false,
            sorted: None,
        }
    }
}

/// The values an equality condition on a column looks rows up by.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LookedUp {
    /// The alias of the column's table.
    pub alias: Alias,
    /// The column.
    pub column: &'static str,
    /// The values, one for `=`, several for `IN`.
    pub values: Vec<Value>,
}

/// The kind of a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum StatementKind {
    /// Rows of a query.
    Select,
    /// `SELECT COUNT(*)`.
    Count,
    /// `SELECT EXISTS (..)`.
    Exists,
    /// Rows of a batched load (a prefetch) for a relation, by name.
    Batch(&'static str),
    /// `INSERT`.
    Insert,
    /// `UPDATE`.
    Update,
    /// `DELETE`.
    Delete,
    /// `CREATE TABLE`, `CREATE INDEX`.
    Other,
    /// Transaction control around a multi-row write: recorded, never forbidden (it reads
    /// and writes no rows itself, and undoing must always be possible).
    Transaction(Control),
    /// The read transaction around a load of several statements: neither recorded nor
    /// forbidden, as it reads nothing.
    Snapshot(Control),
}

impl StatementKind {
    /// Whether the statement reads or writes rows (rather than tables or transactions).
    pub(crate) fn touches_rows(self) -> bool {
        !matches!(
            self,
            StatementKind::Other | StatementKind::Transaction(_) | StatementKind::Snapshot(_)
        )
    }

    /// What the statement does to the connection's transaction, if it controls one.
    pub(crate) fn control(self) -> Option<Control> {
        match self {
            StatementKind::Transaction(control) | StatementKind::Snapshot(control) => Some(control),
            _ => None,
        }
    }
}

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
    /// `write`) a load's snapshot; `nested` inside the caller's transaction, on a backend
    /// where a savepoint may or may not begin a transaction of its own. (A load inside
    /// the caller's transaction opens none: that one is its snapshot.)
    pub(crate) fn opening(
        write: bool,
        nested: bool,
        savepoint_begins_transaction: bool,
    ) -> Control {
        match (write, nested) {
            (false, _) => Control::BeginSnapshot,
            (true, true) => Control::Savepoint,
            (true, false) if savepoint_begins_transaction => Control::Savepoint,
            (true, false) => Control::Begin,
        }
    }

    /// Whether it begins a transaction on a connection that had none (a savepoint may too,
    /// on SQLite, which the driver there tells by itself).
    // The PostgreSQL driver tracks its client's transaction by these; SQLite asks its own.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) fn begins(self) -> bool {
        matches!(self, Control::Begin | Control::BeginSnapshot)
    }

    /// Whether it ends the transaction.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) fn ends(self) -> bool {
        matches!(self, Control::Commit | Control::Rollback)
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

/// A step of a statement's plan that the inspector reports, read from the backend's own
/// plan by its SQL writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PlanStep {
    /// Reads every row of the table under this alias.
    FullScan {
        /// The table's alias.
        alias: Alias,
        /// The rows of the table, where the backend tells them with its plan (PostgreSQL's
        /// statistics); else the inspector goes by what the statement's run counted.
        rows: Option<u64>,
    },
    /// Sorts the rows for `ORDER BY` (or a window's `PARTITION BY .. ORDER BY`).
    Sort {
        /// The rows sorted, where known: PostgreSQL's estimate, or on SQLite the count of
        /// [`Shape::sorted`]; else the inspector goes by the rows the statement read or
        /// returned.
        rows: Option<u64>,
    },
    /// Builds an index on a column of the table under this alias, for this statement only.
    TemporaryIndex {
        /// The table's alias.
        alias: Alias,
        /// The column indexed.
        column: String,
    },
}

impl PlanStep {
    pub(crate) fn is_sort(&self) -> bool {
        matches!(self, PlanStep::Sort { .. })
    }
}

/// A column a condition tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Filtered {
    /// The alias of its table.
    pub alias: Alias,
    /// The column.
    pub column: &'static str,
    /// How it is tested.
    pub test: Test,
}

/// How a condition tests a column, as far as indexes are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum Test {
    /// `=`, `IS`, `IN`: an index finds the rows.
    Equal,
    /// `<`, `<=`, `>`, `>=`: an index finds a range.
    Range,
    /// `IS NOT`, `NOT (..)`: an index does not help.
    Other,
    /// `GLOB 'prefix*'`: an ordinary (binary) index finds the range.
    Prefix,
    /// A case-insensitive match (`lower(c) = ?`, `istarts_with`): an ordinary index does
    /// not serve it.
    IgnoringCase,
    /// What a value contains or ends with (`contains`, `ends_with` and their `i..`
    /// forms): no B-tree index can find the rows.
    Inside,
}
