//! `SELECT`: a query's own statement (with its JOINs and counting subqueries), the
//! batched statements of prefetches, and the `FROM .. WHERE .. ORDER BY .. LIMIT` part
//! that counting, existence checks and bulk writes share.

use std::fmt::Write as _;

use rusqlite::types::Value;

use super::{Alias, Statement, StatementKind, Test, filter};
use crate::column::Nulls;
use crate::error::Result;
use crate::load::Extra;
use crate::load::prefetch::BatchKey;
use crate::query::Select;
use crate::schema::Table;

/// SQLite's limit on bound values in one statement (`SQLITE_MAX_VARIABLE_NUMBER` of the
/// bundled build).
pub(crate) const MAX_PARAMS: usize = 32_766;

/// Batches larger than this bind their keys as one JSON array (`json_each`) when the keys
/// are integers or text, rather than one value per key. See BENCHMARKS.md.
pub(crate) const JSON_KEYS_FROM: usize = 1_000;

/// Batches of this many keys or more, below every row of their parent table, select their
/// keys from it rather than send them (see [`batch`]); smaller ones keep the readable
/// `IN (?, ?)`, whose cost is the same at that size.
pub(crate) const SUBQUERY_KEYS_FROM: usize = 100;

/// `SELECT t0."a", .., j1."x", (SELECT COUNT(*) ..) FROM "t" t0 JOIN .. WHERE .. ORDER BY ..
/// LIMIT ? OFFSET ?`.
pub(crate) fn rows(table: &'static Table, select: &Select) -> Result<Statement> {
    let mut out = Statement::new(StatementKind::Select);
    out.push("SELECT ");
    columns(&mut out, table, select);
    from(&mut out, table, select);
    where_clause(&mut out, table, select)?;
    order_limit(&mut out, select);
    Ok(out)
}

/// The statements of one batched load: the related query's own statement plus the key
/// column, restricted to `keys` (several statements only when the keys must be bound one
/// by one and exceed SQLite's limit on bound values). A related query with a limit or
/// offset applies it per parent key, with `ROW_NUMBER()`.
///
/// A large batch whose keys are (nearly) all of `parents`' column selects them from it,
/// `IN (SELECT t0."id" FROM "author" t0)`: nothing to send, and SQLite reads the keys
/// from the parent table's own B-tree rather than building one from a JSON array.
pub(crate) fn batch(
    table: &'static Table,
    select: &Select,
    key: &BatchKey,
    keys: &[Value],
    parents: Option<(&'static Table, &'static str)>,
) -> Result<Vec<Statement>> {
    if let Some((parent, column)) = parents.filter(|_| keys.len() >= SUBQUERY_KEYS_FROM) {
        return Ok(vec![batch_statement(table, select, key, Keys::Column(parent, column))?]);
    }
    let as_json = keys.len() >= JSON_KEYS_FROM
        && keys.iter().all(|k| matches!(k, Value::Integer(_) | Value::Text(_)));
    if as_json {
        return Ok(vec![batch_statement(table, select, key, Keys::Json(json_array(keys)))?]);
    }
    let others = batch_statement(table, select, key, Keys::Bound(&[]))?.params.len();
    let per_statement = MAX_PARAMS.saturating_sub(others).max(1);
    keys.chunks(per_statement)
        .map(|chunk| batch_statement(table, select, key, Keys::Bound(chunk)))
        .collect()
}

enum Keys<'a> {
    Bound(&'a [Value]),
    Json(String),
    /// Every value of a parent table's column.
    Column(&'static Table, &'static str),
}

fn batch_statement(
    table: &'static Table,
    select: &Select,
    key: &BatchKey,
    keys: Keys<'_>,
) -> Result<Statement> {
    let per_parent = select.limit.is_some() || select.offset.is_some();
    let mut out = Statement::new(StatementKind::Batch(key.relation));
    if per_parent {
        out.push("SELECT * FROM (");
    }
    out.push("SELECT ");
    columns(&mut out, table, select);
    if key.own_column(table).is_none() {
        out.push(", ");
        out.column(key.alias, key.column);
    }
    if per_parent {
        out.push(", ROW_NUMBER() OVER (PARTITION BY ");
        out.column(key.alias, key.column);
        order_by(&mut out, select);
        out.push(r#") AS "__rank""#);
    }
    from(&mut out, table, select);
    if let Some((through, to, target_key)) = key.through {
        out.push(" INNER JOIN ");
        out.table(through, Alias::Link);
        out.push(" ON ");
        out.column(Alias::Link, to);
        out.push(" = ");
        out.column(Alias::Base, target_key);
    }
    out.push(" WHERE ");
    if let Some(filter) = &select.filter {
        filter::condition(&mut out, table.name, Alias::Base, filter)?;
        out.push(" AND ");
    }
    out.note_filter(key.alias, key.column, Test::Equal);
    out.column(key.alias, key.column);
    match keys {
        Keys::Bound(keys) => {
            out.push(" IN (");
            out.list(keys, |out, k| out.param(k.clone()));
            out.push(")");
        }
        Keys::Json(array) => {
            out.push(" IN (SELECT value FROM json_each(");
            out.param(Value::Text(array));
            out.push("))");
        }
        Keys::Column(parent, column) => {
            // The subquery's `t0` is its own (SQLite resolves names innermost first), and
            // it is left out of the statement's shape: it filters nothing.
            out.push(" IN (SELECT ");
            out.column(Alias::Base, column);
            out.push(" FROM ");
            out.table_unnoted(parent, Alias::Base);
            out.push(")");
        }
    }
    if per_parent {
        out.push(r#") WHERE "__rank" > "#);
        out.param(Value::Integer(select.offset.unwrap_or(0)));
        if let Some(limit) = select.limit {
            out.push(r#" AND "__rank" <= "#);
            out.param(Value::Integer(select.offset.unwrap_or(0).saturating_add(limit)));
        }
        out.push(r#" ORDER BY "__rank""#);
    } else {
        order_by(&mut out, select);
    }
    Ok(out)
}

/// `[1,2,3]` or `["a","b"]`: keys for `json_each`, which yields them back as SQLite
/// integers and text.
fn json_array(keys: &[Value]) -> String {
    let mut out = String::with_capacity(keys.len() * 8 + 2);
    out.push('[');
    for (i, key) in keys.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match key {
            Value::Integer(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Text(s) => {
                out.push('"');
                for c in s.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        c if (c as u32) < 0x20 => {
                            let _ = write!(out, "\\u{:04x}", c as u32);
                        }
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
            _ => unreachable!("only integer and text keys are sent as JSON"),
        }
    }
    out.push(']');
    out
}

/// The selected values: the table's columns, then joined columns and counts.
fn columns(out: &mut Statement, table: &'static Table, select: &Select) {
    out.list(table.columns, |out, c| out.column(Alias::Base, c.name));
    for extra in &select.extras {
        out.push(", ");
        match *extra {
            Extra::Column { alias, name } => out.column(alias, name),
            Extra::Count { table, alias, fk, parent, key } => {
                out.push("(SELECT COUNT(*) FROM ");
                out.table(table, alias);
                out.push(" WHERE ");
                out.note_filter(alias, fk, Test::Equal);
                out.column(alias, fk);
                out.push(" = ");
                out.column(parent, key);
                out.push(")");
            }
        }
    }
}

/// ` FROM "t" t0` and the query's JOINs.
fn from(out: &mut Statement, table: &'static Table, select: &Select) {
    out.push(" FROM ");
    out.table(table, Alias::Base);
    for join in &select.joins {
        out.push(if join.optional { " LEFT JOIN " } else { " INNER JOIN " });
        out.table(join.table, join.alias);
        out.push(" ON ");
        out.note_filter(join.alias, join.key, Test::Equal);
        out.column(join.alias, join.key);
        out.push(" = ");
        out.column(join.parent, join.fk);
    }
}

/// `SELECT COUNT(*) ..`; a limited query is counted through a subquery, so the count is
/// the number of rows `rows` would return.
pub(crate) fn count(table: &'static Table, select: &Select) -> Result<Statement> {
    let mut out = Statement::new(StatementKind::Count);
    if select.limit.is_some() || select.offset.is_some() {
        out.push("SELECT COUNT(*) FROM (SELECT 1");
        from_where(&mut out, table, select)?;
        order_limit(&mut out, select);
        out.push(")");
    } else {
        out.push("SELECT COUNT(*)");
        from_where(&mut out, table, select)?;
    }
    Ok(out)
}

/// `SELECT EXISTS (SELECT 1 ..)`.
pub(crate) fn exists(table: &'static Table, select: &Select) -> Result<Statement> {
    let mut out = Statement::new(StatementKind::Exists);
    out.push("SELECT EXISTS (SELECT 1");
    from_where(&mut out, table, select)?;
    order_limit(&mut out, select);
    out.push(")");
    Ok(out)
}

/// ` FROM "t" t0 WHERE ..`, without JOINs: what counting and bulk writes select from.
pub(crate) fn from_where(
    out: &mut Statement,
    table: &'static Table,
    select: &Select,
) -> Result<()> {
    out.push(" FROM ");
    out.table(table, Alias::Base);
    where_clause(out, table, select)
}

/// ` WHERE ..`, if the query has a filter.
pub(crate) fn where_clause(
    out: &mut Statement,
    table: &'static Table,
    select: &Select,
) -> Result<()> {
    if let Some(filter) = &select.filter {
        out.push(" WHERE ");
        filter::condition(out, table.name, Alias::Base, filter)?;
    }
    Ok(())
}

/// ` ORDER BY ..`, if the query has an order.
fn order_by(out: &mut Statement, select: &Select) {
    if !select.order.is_empty() {
        out.push(" ORDER BY ");
        out.list(&select.order, |out, term| {
            out.note_order(term.alias, term.column);
            out.column(term.alias, term.column);
            out.push(if term.descending { " DESC" } else { " ASC" });
            match term.nulls {
                Some(Nulls::First) => out.push(" NULLS FIRST"),
                Some(Nulls::Last) => out.push(" NULLS LAST"),
                None => {}
            }
        });
    }
}

/// ` ORDER BY .. LIMIT ? OFFSET ?`, for the parts the query has.
pub(crate) fn order_limit(out: &mut Statement, select: &Select) {
    order_by(out, select);
    match (select.limit, select.offset) {
        (None, None) => {}
        (limit, offset) => {
            out.push(" LIMIT ");
            // SQLite takes an OFFSET only after a LIMIT; a negative limit means none.
            out.param(Value::Integer(limit.unwrap_or(-1)));
            if let Some(offset) = offset {
                out.push(" OFFSET ");
                out.param(Value::Integer(offset));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keys_escape_text() {
        let keys = [Value::Text("a\"b\\c\n".into()), Value::Text("é".into())];
        assert_eq!(json_array(&keys), r#"["a\"b\\c\u000a","é"]"#);
        assert_eq!(json_array(&[Value::Integer(-1), Value::Integer(2)]), "[-1,2]");
    }
}
