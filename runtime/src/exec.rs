//! The one place where eagerly runs statements: errors get their table and SQL attached,
//! statements are prepared through rusqlite's cache, every value is bound here (and NaN,
//! which SQLite would store as NULL, refused), and captures, inspections and
//! `tracing` are told what ran. With none of them active, a statement costs one
//! thread-local read more than calling rusqlite directly.

use std::panic::Location;
use std::time::Instant;

use rusqlite::{CachedStatement, Connection, StatementStatus, ToSql};

use crate::error::{Error, Result, abbreviated};
use crate::log::{self, Counters, QueryRecord, Watch};
use crate::sql::{self, Dialect, Statement};
use crate::value::{bindable, to_value};

/// Statements run for one call of the user's: the connection, and the user's line that
/// made the call (every statement it runs is reported at that line).
#[derive(Clone, Copy)]
pub(crate) struct Run<'c> {
    pub conn: &'c Connection,
    pub caller: &'static Location<'static>,
}

impl<'c> Run<'c> {
    pub(crate) fn new(conn: &'c Connection, caller: &'static Location<'static>) -> Self {
        Run { conn, caller }
    }

    /// The SQL this driver's statements are written in.
    pub(crate) fn dialect(self) -> Dialect {
        Dialect::Sqlite
    }
}

/// Runs a statement that returns rows and maps each with `each`, stopping at the first
/// error.
pub(crate) fn query<T>(
    run: Run<'_>,
    statement: &Statement,
    params: &[&dyn ToSql],
    mut each: impl FnMut(&rusqlite::Row<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    query_into(run, statement, params, |row, out| {
        out.push(each(row)?);
        Ok(())
    })
}

/// Runs a statement that returns rows and lets `each` add what it makes of each row to the
/// result, stopping at the first error.
pub(crate) fn query_into<T>(
    run: Run<'_>,
    statement: &Statement,
    params: &[&dyn ToSql],
    mut each: impl FnMut(&rusqlite::Row<'_>, &mut Vec<T>) -> Result<()>,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    query_each(run, statement, params, |row| each(row, &mut out))?;
    Ok(out)
}

/// Runs a statement that returns rows and calls `each` with every row, stopping at the
/// first error; returns the number of rows.
pub(crate) fn query_each(
    run: Run<'_>,
    statement: &Statement,
    params: &[&dyn ToSql],
    mut each: impl FnMut(&rusqlite::Row<'_>) -> Result<()>,
) -> Result<usize> {
    let watch = log::watch(run.caller, statement.kind, &statement.text)?;
    let started = watch.is_some().then(Instant::now);
    let mut rows_read = 0;
    let mut counters = Counters::default();
    let result = (|| {
        let mut prepared = prepare(run.conn, statement)?;
        let watched = watch.is_some();
        if watched {
            read_counters(&prepared);
        }
        bind(&mut prepared, statement, params)?;
        let mut rows = prepared.raw_query();
        while let Some(row) = rows.next().map_err(|e| database(statement, e))? {
            rows_read += 1;
            each(row)?;
        }
        drop(rows);
        if watched {
            counters = read_counters(&prepared);
        }
        Ok(())
    })();
    if let (Some(watch), Some(started)) = (watch, started) {
        let error = result.as_ref().err();
        finish(run, watch, statement, params, rows_read, started, counters, error);
    }
    result.map(|()| rows_read)
}

/// Runs a statement that returns no rows; returns the number of rows it changed.
pub(crate) fn execute(run: Run<'_>, statement: &Statement, params: &[&dyn ToSql]) -> Result<usize> {
    let watch = log::watch(run.caller, statement.kind, &statement.text)?;
    let started = watch.is_some().then(Instant::now);
    let result = prepare(run.conn, statement).and_then(|mut prepared| {
        bind(&mut prepared, statement, params)?;
        prepared.raw_execute().map_err(|e| database(statement, e))
    });
    if let (Some(watch), Some(started)) = (watch, started) {
        let rows = *result.as_ref().unwrap_or(&0);
        let error = result.as_ref().err();
        finish(run, watch, statement, params, rows, started, Counters::default(), error);
    }
    result
}

fn prepare<'c>(conn: &'c Connection, statement: &Statement) -> Result<CachedStatement<'c>> {
    conn.prepare_cached(&statement.text).map_err(|e| database(statement, e))
}

/// Binds `params` to the statement's placeholders, in order, refusing what SQLite cannot
/// store faithfully ([`bindable`]).
fn bind(
    prepared: &mut CachedStatement<'_>,
    statement: &Statement,
    params: &[&dyn ToSql],
) -> Result<()> {
    let expected = prepared.parameter_count();
    if expected != params.len() {
        return Err(database(
            statement,
            rusqlite::Error::InvalidParameterCount(params.len(), expected),
        ));
    }
    for (i, param) in params.iter().enumerate() {
        let value = bindable(*param).map_err(|e| database(statement, e))?;
        prepared.raw_bind_parameter(i + 1, value).map_err(|e| database(statement, e))?;
    }
    Ok(())
}

/// The statement's counters since they were last read, and zero again.
fn read_counters(prepared: &CachedStatement<'_>) -> Counters {
    let read = |status| u64::try_from(prepared.reset_status(status)).unwrap_or(0);
    Counters {
        fullscan_steps: read(StatementStatus::FullscanStep),
        sorts: read(StatementStatus::Sort),
        auto_indexes: read(StatementStatus::AutoIndex),
        vm_steps: read(StatementStatus::VmStep),
    }
}

fn database(statement: &Statement, source: rusqlite::Error) -> Error {
    Error::Database { table: statement.table_name(), sql: abbreviated(&statement.text), source }
}

#[allow(clippy::too_many_arguments)] // one call site per statement kind, all above
fn finish(
    run: Run<'_>,
    watch: Watch,
    statement: &Statement,
    params: &[&dyn ToSql],
    rows: usize,
    started: Instant,
    counters: Counters,
    error: Option<&Error>,
) {
    let duration = started.elapsed();
    let plan = watch.explain.then(|| explain(run.conn, statement, params)).flatten();
    let steps = match (&plan, &statement.shape) {
        (Some(plan), Some(shape)) => sql::explain::steps(plan, shape),
        _ => Vec::new(),
    };
    log::record(
        watch,
        QueryRecord {
            sql: statement.text.clone(),
            params: params
                .iter()
                .map(|p| to_value(*p).unwrap_or(crate::value::Value::Null))
                .collect(),
            rows,
            duration,
            table: statement.table_name(),
            error: error.map(ToString::to_string),
            location: run.caller,
            counters,
            plan,
            steps,
            shape: statement.shape.clone().map(std::sync::Arc::new),
        },
    );
}

/// SQLite's plan for a statement, one line per step; `None` if SQLite cannot explain it.
/// Run outside the log.
fn explain(conn: &Connection, statement: &Statement, params: &[&dyn ToSql]) -> Option<Vec<String>> {
    let mut prepared = conn.prepare(&sql::explain::query_plan(statement)?).ok()?;
    let rows = prepared
        .query_map(params, |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?, row.get::<_, String>(3)?))
        })
        .ok()?;
    Some(sql::explain::lines(rows.collect::<rusqlite::Result<Vec<_>>>().ok()?))
}
