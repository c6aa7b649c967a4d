//! SQL text: the only module that writes SQL.
//!
//! The rest of the runtime describes statements as data (a filter tree, a select spec, a
//! table definition); the functions here turn that data into text plus the values to bind,
//! and describe what they wrote (the [`Shape`]: which tables under which alias, filtered and
//! ordered on which columns) for the query inspector. A statement is written in one
//! [`Dialect`]; where the backends differ, `dialect` says what each writes. The macros
//! never produce SQL.

pub(crate) mod ddl;
pub(crate) mod dialect;
pub(crate) mod explain;
pub(crate) mod filter;
pub(crate) mod select;
pub(crate) mod transaction;
pub(crate) mod values;
pub(crate) mod write;

pub(crate) use self::dialect::Dialect;
use crate::value::Value;

use crate::plan::alias::Alias;
use crate::plan::statement::{Filtered, LookedUp, Shape, StatementKind, Test};
use crate::schema::Table;

/// A statement: its text, the values bound to its placeholders in order, and, while an
/// inspection runs, its shape.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Statement {
    pub text: String,
    pub params: Vec<Value>,
    pub dialect: Dialect,
    /// The placeholders written so far: the values of `params`, and those bound by the
    /// caller (a write's fields).
    placeholders: usize,
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

impl Statement {
    pub(crate) fn new(dialect: Dialect, kind: StatementKind) -> Self {
        let shape = crate::log::inspecting().then(|| Shape::new(kind));
        Statement {
            text: String::new(),
            params: Vec::new(),
            dialect,
            placeholders: 0,
            kind,
            table: None,
            shape,
            compact_lists: false,
        }
    }

    /// The statement `write` writes, with long lists of values sent compactly if, written
    /// plainly, it would bind more values than the backend takes (see [`values`]).
    pub(crate) fn fitted(
        dialect: Dialect,
        kind: StatementKind,
        write: impl Fn(&mut Statement) -> crate::error::Result<()>,
    ) -> crate::error::Result<Statement> {
        let mut out = Statement::new(dialect, kind);
        write(&mut out)?;
        if out.params.len() > dialect.max_params() {
            out = Statement { compact_lists: true, ..Statement::new(dialect, kind) };
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

    /// Notes the values an equality condition on a column looks rows up by.
    pub(crate) fn note_looked_up<'v>(
        &mut self,
        alias: Alias,
        column: &'static str,
        values: impl IntoIterator<Item = &'v Value>,
    ) {
        if let Some(shape) = &mut self.shape {
            let values = values.into_iter().cloned().collect();
            shape.looked_up.push(LookedUp { alias, column, values });
        }
    }

    /// Notes the relation a joined alias loads.
    fn note_joined(&mut self, alias: Alias, relation: &'static str) {
        if let Some(shape) = &mut self.shape {
            shape.joined.push((alias, relation));
        }
    }

    /// Notes the table column the next result column reads (`None`: a computed value).
    fn note_selected(&mut self, column: Option<(Alias, &'static str)>) {
        if let Some(shape) = &mut self.shape {
            shape.selected.push(column);
        }
    }

    /// Notes the statement's limit and offset: the user's, or (`probe`) eagerly's own limit.
    fn note_slice(&mut self, limit: Option<i64>, offset: Option<i64>, probe: bool) {
        if let Some(shape) = &mut self.shape {
            (shape.limit, shape.offset, shape.probe) =
                if probe { (None, offset, true) } else { (limit, offset, false) };
        }
    }

    /// Notes, as the statement counting the rows it sorts, the text written so far (from
    /// byte `from` on: a sorted query, before its limit) inside `SELECT COUNT(*)`.
    fn note_sorted_so_far(&mut self, from: usize) {
        if let Some(shape) = &mut self.shape {
            let mut count = String::from("SELECT COUNT(*) FROM (");
            count.push_str(&self.text[from..]);
            count.push_str(") AS ");
            Alias::Derived.push_to(&mut count);
            shape.sorted = Some((count, self.params.clone()));
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
        self.placeholder();
        self.params.push(value);
    }

    /// The placeholder of a value the caller binds (a write's fields, in order).
    fn placeholder(&mut self) {
        self.placeholders += 1;
        self.dialect.placeholder(&mut self.text, self.placeholders);
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
        let mut s = Statement::new(Dialect::Sqlite, StatementKind::Other);
        s.ident("plain");
        s.push(" ");
        s.column(Alias::Base, r#"we"ird"#);
        assert_eq!(s.text, r#""plain" t0."we""ird""#);
    }
}
