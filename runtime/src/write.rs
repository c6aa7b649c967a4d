//! Every statement that changes the database on a user's call: inserting, updating and
//! deleting rows by primary key, and creating tables.

use std::panic::Location;

use rusqlite::ToSql;

use crate::driver::{self, Executor, Params, Run};
use crate::error::{DatabaseError, Error, Result};
use crate::model::{Insertable, Model};
use crate::row::Reader;
use crate::schema::Table;
use crate::sql::Statement;
use crate::{sql, transaction};

/// Inserts one row and returns it as stored (`RETURNING`), so a database-assigned key and
/// any conversion SQLite applied come back.
pub(crate) fn insert_one<I: Insertable>(run: Run<'_>, item: &I) -> Result<I::Model> {
    let statement = sql::write::insert(run.dialect(), I::Model::TABLE, I::COLUMNS);
    let mut stored = Vec::with_capacity(1);
    insert_rows(run, &statement, [item], &mut stored)?;
    follow_given_keys::<I>(run)?;
    stored.pop().ok_or(Error::NotFound { table: I::Model::TABLE.name })
}

/// Keeps the keys the database assigns above the keys these rows were given, where the
/// database does not ([`sql::write::follow_given_keys`]).
fn follow_given_keys<I: Insertable>(run: Run<'_>) -> Result<()> {
    let table = I::Model::TABLE;
    if !table.primary_key.iter().all(|key| I::COLUMNS.contains(key)) {
        return Ok(()); // the database assigned them
    }
    match sql::write::follow_given_keys(run.dialect(), table) {
        Some(statement) => driver::execute(run, &statement, Params::of(&statement)).map(drop),
        None => Ok(()),
    }
}

/// Inserts `items` with `statement` (one row of values per item), adding the stored rows
/// to `stored`.
fn insert_rows<'a, I: Insertable + 'a>(
    run: Run<'_>,
    statement: &Statement,
    items: impl IntoIterator<Item = &'a I>,
    stored: &mut Vec<I::Model>,
) -> Result<()> {
    let table = I::Model::TABLE;
    let mut fields = Vec::new();
    let mut rows = 0;
    for item in items {
        item.write_fields(&mut fields);
        rows += 1;
    }
    let before = stored.len();
    driver::query_each(run, statement, Params::Fields(&fields), |row| {
        stored.push(I::Model::decode(&mut Reader::new(row, table, 0))?);
        Ok(())
    })
    .map_err(|e| name_unbindable_column(e, table, I::COLUMNS, &fields))?;
    if stored.len() - before == rows { Ok(()) } else { Err(Error::NotFound { table: table.name }) }
}

/// Inserts every item inside one savepoint: all rows or none.
pub(crate) fn insert_all<I: Insertable>(
    run: Run<'_>,
    items: impl IntoIterator<Item = I>,
) -> Result<Vec<I::Model>> {
    let mut items = items.into_iter();
    let (dialect, table) = (run.dialect(), I::Model::TABLE);
    let per_statement = dialect.rows_per_insert(I::COLUMNS.len());
    // Written for the first full chunk: a short `insert_all` never writes the longest
    // statement (1,000 rows of placeholders on PostgreSQL).
    let mut full = None;
    transaction::atomically(run, table, || {
        let mut stored = Vec::with_capacity(items.size_hint().0);
        let mut chunk = Vec::with_capacity(per_statement);
        loop {
            chunk.extend(items.by_ref().take(per_statement));
            if chunk.len() == per_statement {
                let full = full.get_or_insert_with(|| {
                    sql::write::insert_rows(dialect, table, I::COLUMNS, per_statement)
                });
                insert_rows(run, full, &chunk, &mut stored)?;
            } else if !chunk.is_empty() {
                let last = sql::write::insert_rows(dialect, table, I::COLUMNS, chunk.len());
                insert_rows(run, &last, &chunk, &mut stored)?;
            }
            if chunk.len() < per_statement {
                break;
            }
            chunk.clear();
        }
        if !stored.is_empty() {
            follow_given_keys::<I>(run)?;
        }
        Ok(stored)
    })
}

/// Writes every non-key column of `model` to the row with its key.
pub(crate) fn update_one<M: Model>(run: Run<'_>, model: &M) -> Result<()> {
    let table = M::TABLE;
    let (statement, columns) = sql::write::update_by_key(run.dialect(), table);
    let mut all = Vec::with_capacity(table.columns.len());
    model.write_fields(&mut all);
    let fields: Vec<&dyn ToSql> = columns.iter().map(|&c| all[c]).collect();
    let changed = driver::execute(run, &statement, Params::Fields(&fields))
        .map_err(|e| name_unbindable_column(e, table, &columns, &fields))?;
    found(table, changed)
}

/// Deletes the row with `model`'s key.
pub(crate) fn delete_one<M: Model>(run: Run<'_>, model: &M) -> Result<()> {
    let table = M::TABLE;
    let mut all = Vec::with_capacity(table.columns.len());
    model.write_fields(&mut all);
    let key: Vec<&dyn ToSql> = table.primary_key.iter().map(|&c| all[c]).collect();
    let changed = driver::execute(
        run,
        &sql::write::delete_by_key(run.dialect(), table),
        Params::Fields(&key),
    )
    .map_err(|e| name_unbindable_column(e, table, table.primary_key, &key))?;
    found(table, changed)
}

fn found(table: &'static Table, changed: usize) -> Result<()> {
    if changed == 0 { Err(Error::NotFound { table: table.name }) } else { Ok(()) }
}

/// rusqlite converts values while binding and reports a failure without saying which
/// parameter failed; find it, so the error names the column (`fields` holds rows of
/// `columns`, one after the other).
fn name_unbindable_column(
    error: Error,
    table: &'static Table,
    columns: &[usize],
    fields: &[&dyn ToSql],
) -> Error {
    match error {
        Error::Database {
            source: DatabaseError::Sqlite(rusqlite::Error::ToSqlConversionFailure(_)),
            ..
        } => {
            let failed = (fields.iter().enumerate())
                .find_map(|(i, f)| crate::value::bindable(*f).err().map(|e| (i, e)));
            match failed {
                Some((i, source)) => Error::Bind {
                    table: table.name,
                    column: table.columns[columns[i % columns.len()]].name,
                    source,
                },
                None => error,
            }
        }
        other => other,
    }
}

/// Creates the tables of these models (if they do not exist yet) with their indexes, in
/// foreign-key order whatever the order given, all or nothing.
///
/// Every column of a non-`Option` field is `NOT NULL`; `belongs_to` fields get a
/// `FOREIGN KEY` constraint and, unless another index starts with them, an index. The
/// bundled SQLite enforces foreign keys on every connection unless it runs
/// `PRAGMA foreign_keys = OFF`.
///
/// ```
/// # use eagerly::Model;
/// # #[derive(Model)]
/// # pub struct Publisher { #[model(primary_key)] pub id: i64, pub name: String }
/// # #[derive(Model)]
/// # pub struct Author { #[model(primary_key)] pub id: i64,
/// #     #[model(belongs_to(publisher = Publisher))] pub publisher_id: Option<i64> }
/// let conn = eagerly::rusqlite::Connection::open_in_memory()?;
/// let (created, log) = eagerly::capture(|| eagerly::create_tables(&conn, &[Author::TABLE, Publisher::TABLE]));
/// created?;
/// assert!(log.sql().iter().position(|s| s.contains(r#"TABLE IF NOT EXISTS "publisher""#))
///     < log.sql().iter().position(|s| s.contains(r#"TABLE IF NOT EXISTS "author""#)));
/// # Ok::<(), eagerly::Error>(())
/// ```
#[track_caller]
pub fn create_tables(conn: impl Executor, tables: &[&'static Table]) -> Result<()> {
    let ordered = crate::schema::in_foreign_key_order(tables);
    let Some(&first) = ordered.first() else { return Ok(()) };
    conn.run(Location::caller(), |run| {
        transaction::atomically(run, first, || {
            for table in &ordered {
                let create = sql::ddl::create_table(run.dialect(), table)?;
                driver::execute(run, &create, Params::NONE)?;
                for index in table.indexes() {
                    let index = sql::ddl::create_index(run.dialect(), table, &index);
                    driver::execute(run, &index, Params::NONE)?;
                }
            }
            Ok(())
        })
    })
}
