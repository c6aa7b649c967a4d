//! SQL text for SQLite: the only module that writes SQL.
//!
//! The rest of the runtime describes statements as data (a filter tree, a select spec, a
//! table definition); the functions here turn that data into text plus the values to bind,
//! and describe what they wrote (the [`Shape`]: which tables under which alias, filtered and
//! ordered on which columns) for the query inspector. A second backend would be a sibling
//! of this module; the macros never produce SQL.

pub(crate) mod ddl;
pub(crate) mod filter;
pub(crate) mod select;
pub(crate) mod transaction;
pub(crate) mod values;
pub(crate) mod write;

use std::fmt;

use rusqlite::ToSql;
use rusqlite::types::Value;

use crate::schema::Table;

/// A statement: its text, the values bound to its `?` placeholders in order, and, while
/// an inspection runs, its shape.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Statement {
    pub text: String,
    pub params: Vec<Value>,
    pub kind: StatementKind,
    /// The first table written, for messages.
    pub table: Option<&'static Table>,
    /// Recorded only for an inspection: building it allocates.
    pub shape: Option<Shape>,
    /// Send every list of values JSON can carry as one value (see [`values`]): set when
    /// the statement, written with short lists bound value by value, binds more values
    /// than SQLite takes.
    pub compact_lists: bool,
}

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
    /// A savepoint around a multi-row write: recorded, never forbidden (it reads and
    /// writes no rows itself, and undoing must always be possible).
    Transaction,
    /// The read transaction around a load of several statements: neither recorded nor
    /// forbidden, as it reads nothing.
    Snapshot,
}

impl StatementKind {
    /// Whether the statement reads or writes rows (rather than tables or transactions).
    pub(crate) fn touches_rows(self) -> bool {
        !matches!(self, StatementKind::Other | StatementKind::Transaction | StatementKind::Snapshot)
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

/// A table alias in a statement: the queried table, a joined one, a counting subquery's,
/// or the link table of a many-to-many prefetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Alias {
    /// `t0`: the queried table.
    Base,
    /// `j1`, `j2`, ..: a `select_related` JOIN.
    Join(u16),
    /// `c1`, ..: a `with_count` subquery.
    Count(u16),
    /// `l0`: the link table of a many-to-many batch.
    Link,
}

impl Alias {
    /// Appends the alias to `out`; without `fmt`, which would cost more than the rest of
    /// writing a statement.
    fn push_to(self, out: &mut String) {
        let (letter, number) = match self {
            Alias::Base => return out.push_str("t0"),
            Alias::Link => return out.push_str("l0"),
            Alias::Join(n) => ('j', n),
            Alias::Count(n) => ('c', n),
        };
        out.push(letter);
        let mut digits = [0u8; 5];
        let mut rest = number;
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        digits[start..].iter().for_each(|&d| out.push(char::from(d)));
    }
}

impl fmt::Display for Alias {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::with_capacity(6);
        self.push_to(&mut text);
        f.write_str(&text)
    }
}

impl Statement {
    pub(crate) fn new(kind: StatementKind) -> Self {
        let shape = crate::log::inspecting().then(|| Shape {
            kind,
            tables: Vec::new(),
            filters: Vec::new(),
            order: Vec::new(),
        });
        Statement {
            text: String::new(),
            params: Vec::new(),
            kind,
            table: None,
            shape,
            compact_lists: false,
        }
    }

    /// The statement `write` writes, with long lists of values sent compactly if, written
    /// plainly, it would bind more values than SQLite takes (see [`values`]).
    pub(crate) fn fitted(
        kind: StatementKind,
        write: impl Fn(&mut Statement) -> crate::error::Result<()>,
    ) -> crate::error::Result<Statement> {
        let mut out = Statement::new(kind);
        write(&mut out)?;
        if out.params.len() > values::MAX_PARAMS {
            out = Statement { compact_lists: true, ..Statement::new(kind) };
            write(&mut out)?;
        }
        Ok(out)
    }

    /// The queried (or written) table's name, for messages.
    pub(crate) fn table_name(&self) -> &'static str {
        self.table.map_or("?", |table| table.name)
    }

    /// Notes a table the statement reads or writes.
    pub(crate) fn note_table(&mut self, alias: Alias, table: &'static Table) {
        self.table.get_or_insert(table);
        if let Some(shape) = &mut self.shape {
            shape.tables.push((alias, table));
        }
    }

    /// Notes a column a condition tests.
    pub(crate) fn note_filter(&mut self, alias: Alias, column: &'static str, test: Test) {
        if let Some(shape) = &mut self.shape {
            shape.filters.push(Filtered { alias, column, test });
        }
    }

    /// Notes a column the statement orders by.
    fn note_order(&mut self, alias: Alias, column: &'static str) {
        if let Some(shape) = &mut self.shape {
            shape.order.push((alias, column));
        }
    }

    /// The number of conditions noted so far.
    fn filters_noted(&self) -> usize {
        self.shape.as_ref().map_or(0, |shape| shape.filters.len())
    }

    /// Notes the conditions from the `from`-th on as not narrowing (they are negated).
    fn negate_filters_from(&mut self, from: usize) {
        if let Some(shape) = &mut self.shape {
            for filtered in &mut shape.filters[from..] {
                filtered.test = Test::Other;
            }
        }
    }

    /// The parameters as rusqlite wants them.
    pub(crate) fn param_refs(&self) -> Vec<&dyn ToSql> {
        self.params.iter().map(|v| v as &dyn ToSql).collect()
    }

    fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    /// An identifier (table or column), always quoted.
    fn ident(&mut self, name: &str) {
        push_ident(&mut self.text, name);
    }

    /// `"table" alias`, noted in the shape.
    fn table(&mut self, table: &'static Table, alias: Alias) {
        self.table_unnoted(table, alias);
        self.note_table(alias, table);
    }

    /// `"table" alias`, left out of the shape: for a subquery that only lists keys.
    fn table_unnoted(&mut self, table: &'static Table, alias: Alias) {
        self.ident(table.name);
        self.text.push(' ');
        self.alias(alias);
    }

    /// The alias of a table named just before (`UPDATE "t" AS t0`), noted in the shape.
    fn table_alias(&mut self, table: &'static Table, alias: Alias) {
        self.alias(alias);
        self.note_table(alias, table);
    }

    /// A table written without an alias (writes by key, schema), noted in the shape.
    fn bare_table(&mut self, table: &'static Table) {
        self.ident(table.name);
        self.note_table(Alias::Base, table);
    }

    /// `t0`, `j1`, ...: generated by eagerly, so no quotes.
    fn alias(&mut self, alias: Alias) {
        alias.push_to(&mut self.text);
    }

    /// `alias."column"`.
    fn column(&mut self, alias: Alias, name: &str) {
        self.alias(alias);
        self.text.push('.');
        self.ident(name);
    }

    /// A bound value.
    fn param(&mut self, value: Value) {
        self.text.push('?');
        self.params.push(value);
    }

    /// Items separated by `, `.
    fn list<T>(&mut self, items: impl IntoIterator<Item = T>, mut each: impl FnMut(&mut Self, T)) {
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            each(self, item);
        }
    }
}

fn push_ident(out: &mut String, name: &str) {
    out.push('"');
    out.push_str(&name.replace('"', "\"\""));
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_and_their_quotes_doubled() {
        let mut s = Statement::new(StatementKind::Other);
        s.ident("plain");
        s.push(" ");
        s.column(Alias::Base, r#"we"ird"#);
        assert_eq!(s.text, r#""plain" t0."we""ird""#);
    }

    #[test]
    fn aliases_print_their_number() {
        let printed: Vec<String> =
            [Alias::Base, Alias::Link, Alias::Join(1), Alias::Count(12), Alias::Join(65535)]
                .iter()
                .map(ToString::to_string)
                .collect();
        assert_eq!(printed, ["t0", "l0", "j1", "c12", "j65535"]);
    }
}
