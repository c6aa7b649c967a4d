//! `SELECT`, and the `FROM .. WHERE .. ORDER BY .. LIMIT` part that counting, existence
//! checks and bulk writes share with it.

use rusqlite::types::Value;

use super::{BASE, Statement, filter};
use crate::column::Nulls;
use crate::error::Result;
use crate::query::Select;
use crate::schema::Table;

/// `SELECT t0."a", t0."b" FROM "t" t0 WHERE .. ORDER BY .. LIMIT ? OFFSET ?`.
pub(crate) fn rows(table: &'static Table, select: &Select) -> Result<Statement> {
    let mut out = Statement::default();
    out.push("SELECT ");
    out.list(table.columns, |out, c| out.column(BASE, c.name));
    from_where(&mut out, table, select)?;
    order_limit(&mut out, select);
    Ok(out)
}

/// `SELECT COUNT(*) ..`; a limited query is counted through a subquery, so the count is
/// the number of rows `rows` would return.
pub(crate) fn count(table: &'static Table, select: &Select) -> Result<Statement> {
    let mut out = Statement::default();
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
    let mut out = Statement::default();
    out.push("SELECT EXISTS (SELECT 1");
    from_where(&mut out, table, select)?;
    order_limit(&mut out, select);
    out.push(")");
    Ok(out)
}

/// ` FROM "t" t0 WHERE ..`.
pub(crate) fn from_where(
    out: &mut Statement,
    table: &'static Table,
    select: &Select,
) -> Result<()> {
    out.push(" FROM ");
    out.ident(table.name);
    out.push(" ");
    out.push(BASE);
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
        filter::condition(out, table.name, BASE, filter)?;
    }
    Ok(())
}

/// ` ORDER BY .. LIMIT ? OFFSET ?`, for the parts the query has.
pub(crate) fn order_limit(out: &mut Statement, select: &Select) {
    if !select.order.is_empty() {
        out.push(" ORDER BY ");
        out.list(&select.order, |out, term| {
            out.column(BASE, term.column);
            out.push(if term.descending { " DESC" } else { " ASC" });
            match term.nulls {
                Some(Nulls::First) => out.push(" NULLS FIRST"),
                Some(Nulls::Last) => out.push(" NULLS LAST"),
                None => {}
            }
        });
    }
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
