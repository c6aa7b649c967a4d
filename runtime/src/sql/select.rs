//! `SELECT`: a query's own statement (with its JOINs and counting subqueries), the
//! batched statements of prefetches, and the `FROM .. WHERE .. ORDER BY .. LIMIT` part
//! that counting, existence checks and bulk writes share.

use crate::value::Value;

use super::values::Sent;
use super::{Dialect, Statement, filter};
use crate::column::Nulls;
use crate::error::Result;
use crate::plan::alias::Alias;
use crate::plan::statement::{StatementKind, Test};
use crate::plan::{BatchKey, Extra, Select};
use crate::schema::Table;

/// Batches of this many keys or more, below every row of their parent table, select their
/// keys from it rather than send them (see [`batch`]); smaller ones keep the readable
/// `IN (?, ?)`, whose cost is the same at that size.
pub(crate) const SUBQUERY_KEYS_FROM: usize = 100;

/// `SELECT t0."a", .., j1."x", (SELECT COUNT(*) ..) FROM "t" t0 JOIN .. WHERE .. ORDER BY ..
/// LIMIT ? OFFSET ?`.
pub(crate) fn rows(dialect: Dialect, table: &'static Table, select: &Select) -> Result<Statement> {
    let counts = if dialect.groups_whole_table_counts() && select.is_whole_table() {
        Counts::Grouped
    } else {
        Counts::PerRow
    };
    Statement::fitted(dialect, StatementKind::Select, |out| {
        out.push("SELECT ");
        columns(out, table, select, counts);
        from(out, table, select, counts);
        where_clause(out, table, select)?;
        order_by_key_if_sliced(out, table, select);
        if select.is_sliced() {
            out.note_sorted_so_far(0);
        }
        limit_offset(out, select);
        Ok(())
    })
}

/// The statements of one batched load: the related query's own statement plus the key
/// column, restricted to `keys` (several statements only when the keys must be bound one
/// by one and exceed SQLite's limit on bound values). A related query with a limit or
/// offset applies it per parent key, with `ROW_NUMBER()`.
///
/// A large batch whose keys are (nearly) all of `parents`' column selects them from it on
/// SQLite, `IN (SELECT t0."id" FROM "author" t0)`: nothing to send, and SQLite reads the
/// keys from the parent table's own B-tree rather than building one from a JSON array.
/// PostgreSQL probes the index with the array faster than it joins the parent table (36
/// against 50 ms for 10,000 authors' 100,000 books), so it is sent the keys.
pub(crate) fn batch(
    dialect: Dialect,
    table: &'static Table,
    select: &Select,
    key: &BatchKey,
    keys: &[Value],
    parents: Option<(&'static Table, &'static str)>,
) -> Result<Vec<Statement>> {
    let from_parents = keys.len() >= SUBQUERY_KEYS_FROM && dialect.selects_keys_from_parents();
    if let Some((parent, column)) = parents.filter(|_| from_parents) {
        let keys = Keys::Column(parent, column);
        return Ok(vec![batch_statement(dialect, table, select, key, keys)?]);
    }
    let sent = Sent::choose(dialect, keys.iter(), false);
    if sent != Sent::Bound {
        return Ok(vec![batch_statement(dialect, table, select, key, Keys::Values(keys, sent))?]);
    }
    let none = Keys::Values(&[], Sent::Bound);
    let others = batch_statement(dialect, table, select, key, none)?.params.len();
    let per_statement = dialect.max_params().saturating_sub(others).max(1);
    keys.chunks(per_statement)
        .map(|chunk| batch_statement(dialect, table, select, key, Keys::Values(chunk, Sent::Bound)))
        .collect()
}

enum Keys<'a> {
    /// These keys, sent so.
    Values(&'a [Value], Sent),
    /// Every value of a parent table's column.
    Column(&'static Table, &'static str),
}

fn batch_statement(
    dialect: Dialect,
    table: &'static Table,
    select: &Select,
    key: &BatchKey,
    keys: Keys<'_>,
) -> Result<Statement> {
    let per_parent = select.limit.is_some() || select.offset.is_some();
    let own_key = key.own_column(table).is_some();
    // The rank's name differs from every column the subquery selects: the user's names
    // are never captured (SQLite compares names ignoring ASCII case).
    let rank = per_parent.then(|| {
        let selected = (table.columns.iter().map(|c| c.name))
            .chain(select.extras.iter().filter_map(Extra::name))
            .chain((!own_key).then_some(key.column));
        unused_name("__rank", selected)
    });
    Statement::fitted(dialect, StatementKind::Batch(key.relation), |out| {
        if per_parent {
            out.push("SELECT * FROM (");
        }
        out.push("SELECT ");
        columns(out, table, select, Counts::PerRow);
        if !own_key {
            out.push(", ");
            out.note_selected(Some((key.alias, key.column)));
            out.column(key.alias, key.column);
        }
        if let Some(rank) = &rank {
            out.note_selected(None);
            out.push(", ROW_NUMBER() OVER (PARTITION BY ");
            out.column(key.alias, key.column);
            order_by(out, select);
            out.push(") AS ");
            out.ident(rank);
        }
        from(out, table, select, Counts::PerRow);
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
            filter::condition(out, table.name, Alias::Base, filter)?;
            out.push(" AND ");
        }
        out.note_filter(key.alias, key.column, Test::Equal);
        out.column(key.alias, key.column);
        match &keys {
            Keys::Values(keys, sent) => {
                out.note_looked_up(key.alias, key.column, keys.iter());
                out.in_values(keys.iter(), sent.clone());
            }
            Keys::Column(parent, column) => {
                // The subquery's `t0` is its own (SQLite resolves names innermost first),
                // and it is left out of the statement's shape: it filters nothing.
                out.push(" IN (SELECT ");
                out.column(Alias::Base, column);
                out.push(" FROM ");
                out.table_unnoted(parent, Alias::Base);
                out.push(")");
            }
        }
        if let Some(rank) = &rank {
            out.note_sorted_so_far("SELECT * FROM (".len());
            out.push(") AS ");
            out.alias(Alias::Derived);
            out.push(" WHERE ");
            out.ident(rank);
            out.push(" > ");
            out.param(Value::Integer(select.offset.unwrap_or(0)));
            if let Some(limit) = select.limit {
                out.push(" AND ");
                out.ident(rank);
                out.push(" <= ");
                out.param(Value::Integer(select.offset.unwrap_or(0).saturating_add(limit)));
            }
            out.push(" ORDER BY ");
            out.ident(rank);
        } else {
            order_by(out, select);
        }
        Ok(())
    })
}

/// `base`, or `base2`, `base3`, ..: the first that differs from every name in `taken`,
/// ignoring ASCII case as SQLite does.
fn unused_name<'a>(base: &str, taken: impl Iterator<Item = &'a str> + Clone) -> String {
    let mut name = base.to_owned();
    let mut n = 1;
    while taken.clone().any(|t| t.eq_ignore_ascii_case(&name)) {
        n += 1;
        name = format!("{base}{n}");
    }
    name
}

/// How a statement counts related rows ([`crate::load::count`]'s `with_count`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Counts {
    /// A subquery per row, `(SELECT COUNT(*) FROM "book" c1 WHERE c1."author_id" = t0."id")`:
    /// an index probe per row, the least work when the rows are few.
    PerRow,
    /// Every count at once, `LEFT JOIN (SELECT c1."author_id", COUNT(*) FROM "book" c1 GROUP
    /// BY c1."author_id") c1 ("key", "count") ON c1."key" = t0."id"`: one pass over the
    /// related table, where the rows are every row of theirs (on PostgreSQL a probe per row
    /// reads a heap page per related row; the pass is 1.7x faster at 100,000 authors with
    /// 10 books each). The derived table's columns are renamed, so no name of the user's
    /// can clash with them.
    Grouped,
}

/// The selected values: the table's columns, then joined columns and counts.
fn columns(out: &mut Statement, table: &'static Table, select: &Select, counts: Counts) {
    out.list(table.columns, |out, c| {
        out.note_selected(Some((Alias::Base, c.name)));
        out.column(Alias::Base, c.name);
    });
    for extra in &select.extras {
        out.push(", ");
        out.note_selected(match *extra {
            Extra::Column { alias, name } => Some((alias, name)),
            Extra::Count { .. } => None,
        });
        match *extra {
            Extra::Column { alias, name } => out.column(alias, name),
            Extra::Count { alias, .. } if counts == Counts::Grouped => {
                out.push("COALESCE(");
                out.column(alias, "count");
                out.push(", 0)");
            }
            Extra::Count { table, alias, fk, parent, key, ref target } => {
                out.push("(SELECT COUNT(*) FROM ");
                counted_rows(out, table, alias, target.as_ref());
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

/// `"book" c1`, joined to the target where the count is of a many-to-many's pairs.
fn counted_rows(
    out: &mut Statement,
    table: &'static Table,
    alias: Alias,
    target: Option<&crate::plan::CountedTarget>,
) {
    out.table(table, alias);
    if let Some(target) = target {
        out.push(" INNER JOIN ");
        out.table(target.table, target.alias);
        out.push(" ON ");
        out.column(target.alias, target.key);
        out.push(" = ");
        out.column(alias, target.to);
    }
}

/// ` FROM "t" t0` and the query's JOINs.
fn from(out: &mut Statement, table: &'static Table, select: &Select, counts: Counts) {
    out.push(" FROM ");
    out.table(table, Alias::Base);
    for join in &select.joins {
        out.push(" LEFT JOIN ");
        out.note_joined(join.alias, join.relation);
        out.table(join.table, join.alias);
        out.push(" ON ");
        out.note_filter(join.alias, join.column, Test::Equal);
        out.column(join.alias, join.column);
        out.push(" = ");
        out.column(join.parent, join.parent_column);
    }
    if counts == Counts::Grouped {
        for extra in &select.extras {
            if let Extra::Count { table, alias, fk, parent, key, ref target } = *extra {
                out.push(" LEFT JOIN (SELECT ");
                out.column(alias, fk);
                out.push(", COUNT(*) FROM ");
                counted_rows(out, table, alias, target.as_ref());
                out.push(" GROUP BY ");
                out.column(alias, fk);
                out.push(") ");
                out.alias(alias);
                out.push(r#" ("key", "count") ON "#);
                out.column(alias, "key");
                out.push(" = ");
                out.column(parent, key);
            }
        }
    }
}

/// `SELECT COUNT(*) ..`; a limited query is counted through a subquery, so the count is
/// the number of rows `rows` would return.
pub(crate) fn count(dialect: Dialect, table: &'static Table, select: &Select) -> Result<Statement> {
    Statement::fitted(dialect, StatementKind::Count, |out| {
        if select.limit.is_some() || select.offset.is_some() {
            out.push("SELECT COUNT(*) FROM (SELECT 1");
            from_where(out, table, select)?;
            order_limit(out, table, select);
            out.push(") AS ");
            out.alias(Alias::Derived);
        } else {
            out.push("SELECT COUNT(*)");
            from_where(out, table, select)?;
        }
        Ok(())
    })
}

/// `SELECT EXISTS (SELECT 1 ..)`.
pub(crate) fn exists(
    dialect: Dialect,
    table: &'static Table,
    select: &Select,
) -> Result<Statement> {
    Statement::fitted(dialect, StatementKind::Exists, |out| {
        out.push("SELECT EXISTS (SELECT 1");
        from_where(out, table, select)?;
        order_limit(out, table, select);
        out.push(")");
        Ok(())
    })
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

/// ` WHERE ..`, if the query has a filter, or is among the rows of a slice
/// ([`Select::within`]): `(t0."id") IN (SELECT t0."id" FROM "t" t0 .. LIMIT ?)`, the
/// subquery's `t0` its own.
pub(crate) fn where_clause(
    out: &mut Statement,
    table: &'static Table,
    select: &Select,
) -> Result<()> {
    if let Some(filter) = &select.filter {
        out.push(" WHERE ");
        filter::condition(out, table.name, Alias::Base, filter)?;
    }
    if let Some(slice) = &select.within {
        out.push(if select.filter.is_some() { " AND (" } else { " WHERE (" });
        out.list(table.key_columns(), |out, name| out.column(Alias::Base, name));
        out.push(") IN (SELECT ");
        out.list(table.key_columns(), |out, name| out.column(Alias::Base, name));
        from_where(out, table, slice)?;
        order_limit(out, table, slice);
        out.push(")");
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

/// ` ORDER BY .. LIMIT ? OFFSET ?`, for the parts the query has. A slice (a limit or an
/// offset) of a query without an order of its own is taken in primary-key order, so that
/// it is the same rows every time, whichever statement takes it (`all`, `get`, `update`).
fn order_limit(out: &mut Statement, table: &'static Table, select: &Select) {
    order_by_key_if_sliced(out, table, select);
    limit_offset(out, select);
}

/// ` ORDER BY ..`: the query's order, or for a slice without one, the primary key.
fn order_by_key_if_sliced(out: &mut Statement, table: &'static Table, select: &Select) {
    if select.is_sliced() && select.order.is_empty() {
        out.push(" ORDER BY ");
        out.list(table.key_columns(), |out, name| {
            out.note_order(Alias::Base, name);
            out.column(Alias::Base, name);
            out.push(" ASC");
        });
    } else {
        order_by(out, select);
    }
}

/// ` LIMIT ? OFFSET ?`, for the parts the query has.
fn limit_offset(out: &mut Statement, select: &Select) {
    out.note_slice(select.limit, select.offset, select.limit_probes);
    match (select.limit, select.offset) {
        (None, None) => {}
        (limit, offset) => {
            if let Some(limit) = limit.or(out.dialect.unlimited_before_offset()) {
                out.push(" LIMIT ");
                out.param(Value::Integer(limit));
            }
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
    fn an_unused_name_differs_from_every_taken_one_ignoring_case() {
        assert_eq!(unused_name("__rank", ["id", "name"].into_iter()), "__rank");
        assert_eq!(unused_name("__rank", ["__RANK", "__rank2"].into_iter()), "__rank3");
    }
}
