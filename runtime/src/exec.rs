//! The one place where eagerly runs statements: errors get their table and SQL attached,
//! statements are prepared through rusqlite's cache, and captures are told what ran.

use std::time::Instant;

use rusqlite::{Connection, ToSql};

use crate::error::{Error, Result};
use crate::log::{self, QueryRecord};
use crate::value::to_value;

/// Runs a statement that returns rows and maps each with `each`, stopping at the first
/// error.
pub(crate) fn query<T>(
    conn: &Connection,
    table: &'static str,
    sql: &str,
    params: &[&dyn ToSql],
    mut each: impl FnMut(&rusqlite::Row<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let started = log::is_capturing().then(Instant::now);
    let mut out = Vec::new();
    let result = (|| {
        let mut statement = conn.prepare_cached(sql).map_err(|e| database(table, sql, e))?;
        let mut rows = statement.query(params).map_err(|e| database(table, sql, e))?;
        while let Some(row) = rows.next().map_err(|e| database(table, sql, e))? {
            out.push(each(row)?);
        }
        Ok(())
    })();
    if let Some(started) = started {
        record(table, sql, params, out.len(), started, result.as_ref().err());
    }
    result.map(|()| out)
}

/// Runs a statement that returns no rows; returns the number of rows it changed.
pub(crate) fn execute(
    conn: &Connection,
    table: &'static str,
    sql: &str,
    params: &[&dyn ToSql],
) -> Result<usize> {
    let started = log::is_capturing().then(Instant::now);
    let result = conn
        .prepare_cached(sql)
        .and_then(|mut statement| statement.execute(params))
        .map_err(|e| database(table, sql, e));
    if let Some(started) = started {
        let rows = *result.as_ref().unwrap_or(&0);
        record(table, sql, params, rows, started, result.as_ref().err());
    }
    result
}

/// Runs `f` inside a savepoint: everything it wrote is kept if it returns `Ok` and undone
/// if it returns `Err`. Works inside the caller's own transaction too.
pub(crate) fn atomically<T>(
    conn: &Connection,
    table: &'static str,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    execute(conn, table, "SAVEPOINT eagerly", &[])?;
    match f() {
        Ok(value) => {
            execute(conn, table, "RELEASE eagerly", &[])?;
            Ok(value)
        }
        Err(error) => {
            // The first error is the one worth reporting; a failed rollback leaves the
            // savepoint open, and the caller's connection reports that on its next use.
            let _ = execute(conn, table, "ROLLBACK TO eagerly", &[])
                .and_then(|_| execute(conn, table, "RELEASE eagerly", &[]));
            Err(error)
        }
    }
}

fn database(table: &'static str, sql: &str, source: rusqlite::Error) -> Error {
    Error::Database { table, sql: sql.to_owned(), source }
}

fn record(
    table: &'static str,
    sql: &str,
    params: &[&dyn ToSql],
    rows: usize,
    started: Instant,
    error: Option<&Error>,
) {
    let duration = started.elapsed();
    log::record(QueryRecord {
        sql: sql.to_owned(),
        params: params
            .iter()
            .map(|p| to_value(*p).unwrap_or(rusqlite::types::Value::Null))
            .collect(),
        rows,
        duration,
        table,
        error: error.map(ToString::to_string),
    });
}
