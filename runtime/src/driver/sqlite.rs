//! The SQLite driver, on rusqlite: statements are prepared through rusqlite's cache, every
//! value is bound here (and NaN, which SQLite would store as NULL, refused), rows are read
//! in place, and a watched statement's counters are read from SQLite.

use rusqlite::{CachedStatement, Connection, StatementStatus};

use super::{Params, Run};
use crate::error::{Error, Result, abbreviated};
use crate::log::Counters;
use crate::plan::statement::PlanStep;
use crate::row::{Rows, Source};
use crate::sql::{self, Statement};
use crate::value::bindable;

/// Runs a statement that returns rows and pushes every row into `each`, stopping at the
/// first error; returns the number of rows. (Rows stream: their number is not known first.)
#[inline]
pub(super) fn query_each(
    run: Run<'_>,
    conn: &Connection,
    statement: &Statement,
    params: Params<'_>,
    each: &mut dyn Rows,
) -> Result<usize> {
    super::watched(run, statement, params, |mut watched| {
        let mut rows_read = 0;
        let mut counters = Counters::default();
        let result = (|| {
            let mut prepared = prepare(conn, statement)?;
            if watched.is_some() {
                read_counters(&prepared);
            }
            bind(&mut prepared, statement, params)?;
            let mut rows = prepared.raw_query();
            while let Some(row) = rows.next().map_err(|e| database(statement, e))? {
                rows_read += 1;
                if let Some(watched) = &mut watched {
                    watched.saw(Source::Sqlite(row));
                }
                each.push(Source::Sqlite(row))?;
            }
            drop(rows);
            if watched.is_some() {
                counters = read_counters(&prepared);
            }
            Ok(rows_read)
        })();
        (result, counters)
    })
}

/// Runs a statement that returns no rows; returns the number of rows it changed.
pub(super) fn execute(
    run: Run<'_>,
    conn: &Connection,
    statement: &Statement,
    params: Params<'_>,
) -> Result<usize> {
    super::watched(run, statement, params, |_| {
        let result = prepare(conn, statement).and_then(|mut prepared| {
            bind(&mut prepared, statement, params)?;
            prepared.raw_execute().map_err(|e| database(statement, e))
        });
        (result, Counters::default())
    })
}

fn prepare<'c>(conn: &'c Connection, statement: &Statement) -> Result<CachedStatement<'c>> {
    conn.prepare_cached(&statement.text).map_err(|e| database(statement, e))
}

/// Binds `params` to the statement's placeholders, in order, refusing what SQLite cannot
/// store faithfully ([`bindable`]).
fn bind(
    prepared: &mut CachedStatement<'_>,
    statement: &Statement,
    params: Params<'_>,
) -> Result<()> {
    let expected = prepared.parameter_count();
    if expected != params.len() {
        return Err(database(
            statement,
            rusqlite::Error::InvalidParameterCount(params.len(), expected),
        ));
    }
    match params {
        Params::Values(values) => {
            for (i, value) in values.iter().enumerate() {
                let value = bindable(value).map_err(|e| database(statement, e))?;
                prepared.raw_bind_parameter(i + 1, value).map_err(|e| database(statement, e))?;
            }
        }
        Params::Fields(fields) => {
            for (i, field) in fields.iter().enumerate() {
                let value = bindable(*field).map_err(|e| database(statement, e))?;
                prepared.raw_bind_parameter(i + 1, value).map_err(|e| database(statement, e))?;
            }
        }
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
    Error::Database {
        table: statement.table_name(),
        sql: abbreviated(&statement.text),
        source: source.into(),
    }
}

/// SQLite's plan for a statement, one line per step, and the steps the inspector reports;
/// `None` if SQLite cannot explain it.
pub(super) fn explain(
    conn: &Connection,
    statement: &Statement,
    params: Params<'_>,
) -> Option<(Vec<String>, Vec<PlanStep>)> {
    let mut prepared = conn.prepare(&sql::explain::query_plan(statement)?).ok()?;
    let rows = match params {
        Params::Values(values) => prepared.query_map(rusqlite::params_from_iter(values), read_step),
        Params::Fields(fields) => prepared.query_map(fields, read_step),
    }
    .ok()?;
    let lines = sql::explain::lines(rows.collect::<rusqlite::Result<Vec<_>>>().ok()?);
    let mut steps = match &statement.shape {
        Some(shape) => sql::explain::steps(&lines, shape),
        None => Vec::new(),
    };
    // SQLite's plan tells no sizes: a sort that a limit hides is counted, once however
    // many sorts the plan has (a window's, and the order of its ranks).
    let sorted = statement.shape.as_ref().and_then(|shape| shape.sorted.as_ref());
    if let Some((count, values)) = sorted.filter(|_| steps.iter().any(PlanStep::is_sort)) {
        let counted =
            conn.query_row(count, rusqlite::params_from_iter(values), |row| row.get::<_, i64>(0));
        let counted = counted.ok().and_then(|n| u64::try_from(n).ok());
        for step in &mut steps {
            if let PlanStep::Sort { rows } = step {
                *rows = counted;
            }
        }
    }
    Some((lines, steps))
}

/// A row of `EXPLAIN QUERY PLAN`: its step's id, its parent's, and what it does.
fn read_step(row: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, i64, String)> {
    Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?, row.get::<_, String>(3)?))
}
