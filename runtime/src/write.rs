//! Every statement that changes the database on a user's call: inserting, updating and
//! deleting rows by primary key, and creating tables.

use std::panic::Location;

use rusqlite::ToSql;

use crate::driver::{self, Executor, Params, Run};
use crate::error::{DatabaseError, Error, Result};
use crate::model::{Insertable, Model};
use crate::row::{Reader, Rows, Source};
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
    match given_keys_followed::<I>(run.dialect()) {
        Some(statement) => driver::execute(run, &statement, Params::of(&statement)).map(drop),
        None => Ok(()),
    }
}

/// The statement of [`follow_given_keys`], where one is needed.
fn given_keys_followed<I: Insertable>(dialect: crate::sql::Dialect) -> Option<Statement> {
    let table = I::Model::TABLE;
    if !table.primary_key.iter().all(|key| I::COLUMNS.contains(key)) {
        return None; // the database assigned them
    }
    sql::write::follow_given_keys(dialect, table)
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
    driver::query_each(run, statement, Params::Fields(&fields), &mut Stored(stored))
        .map_err(|e| name_unbindable_column(e, table, I::COLUMNS, &fields))?;
    if stored.len() - before == rows { Ok(()) } else { Err(Error::NotFound { table: table.name }) }
}

/// Inserts every item inside one savepoint: all rows or none.
pub(crate) fn insert_all<I: Insertable>(
    run: Run<'_>,
    items: impl IntoIterator<Item = I>,
) -> Result<Vec<I::Model>> {
    let mut items = items.into_iter();
    let mut statements = Chunks::new::<I>(run.dialect());
    let per_statement = statements.rows;
    transaction::atomically(run, I::Model::TABLE, || {
        let mut stored = Vec::with_capacity(items.size_hint().0);
        let mut chunk = Vec::with_capacity(per_statement);
        loop {
            chunk.extend(items.by_ref().take(per_statement));
            if !chunk.is_empty() {
                insert_rows(run, &statements.inserting(chunk.len()), &chunk, &mut stored)?;
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

/// The statements of an `insert_all`: up to the dialect's `rows_per_insert` rows each.
struct Chunks {
    dialect: crate::sql::Dialect,
    table: &'static Table,
    columns: &'static [usize],
    /// The rows of a full chunk.
    rows: usize,
    /// Written for the first full chunk: a short `insert_all` never writes the longest
    /// statement (1,000 rows of placeholders on PostgreSQL).
    full: Option<Statement>,
}

impl Chunks {
    fn new<I: Insertable>(dialect: crate::sql::Dialect) -> Self {
        let rows = dialect.rows_per_insert(I::COLUMNS.len());
        Chunks { dialect, table: I::Model::TABLE, columns: I::COLUMNS, rows, full: None }
    }

    /// The statement that inserts a chunk of `rows` rows.
    fn inserting(&mut self, rows: usize) -> std::borrow::Cow<'_, Statement> {
        let (dialect, table, columns) = (self.dialect, self.table, self.columns);
        if rows == self.rows {
            let full = self
                .full
                .get_or_insert_with(|| sql::write::insert_rows(dialect, table, columns, rows));
            std::borrow::Cow::Borrowed(full)
        } else {
            std::borrow::Cow::Owned(sql::write::insert_rows(dialect, table, columns, rows))
        }
    }
}

/// An async write: what the blocking functions above do, on a
/// [`AsyncExecutor`](crate::AsyncExecutor)'s run (feature `tokio-postgres`). A model's
/// fields become [`Value`](crate::Value)s before the first await (`rusqlite`'s values
/// cannot move between threads).
#[cfg(feature = "tokio-postgres")]
pub(crate) mod nonblocking {
    use super::{Stored, fields_at, found, sql};
    use crate::driver::{AsyncRun, Params};
    use crate::error::{Error, Result};
    use crate::model::{Insertable, Model};
    use crate::sql::Statement;
    use crate::value::Value;

    /// See [`super::insert_one`].
    pub(crate) async fn insert_one<I: Insertable>(
        run: &mut AsyncRun<'_>,
        item: &I,
    ) -> Result<I::Model> {
        let statement = sql::write::insert(run.dialect(), I::Model::TABLE, I::COLUMNS);
        let values = values_of(&statement, [item])?;
        let mut stored = insert_rows::<I>(run, &statement, &values, 1).await?;
        follow_given_keys::<I>(run).await?;
        stored.pop().ok_or(Error::NotFound { table: I::Model::TABLE.name })
    }

    /// See [`super::insert_all`]: chunked the same way, inside the run's transaction.
    pub(crate) async fn insert_all<I: Insertable>(
        run: &mut AsyncRun<'_>,
        items: Vec<I>,
    ) -> Result<Vec<I::Model>> {
        let mut statements = super::Chunks::new::<I>(run.dialect());
        let mut stored = Vec::with_capacity(items.len());
        for chunk in items.chunks(statements.rows) {
            let statement = statements.inserting(chunk.len());
            let values = values_of(&statement, chunk)?;
            stored.extend(insert_rows::<I>(run, &statement, &values, chunk.len()).await?);
        }
        if !stored.is_empty() {
            follow_given_keys::<I>(run).await?;
        }
        Ok(stored)
    }

    /// See [`super::update_one`].
    pub(crate) async fn update_one<M: Model>(run: &mut AsyncRun<'_>, model: &M) -> Result<()> {
        let (statement, columns) = sql::write::update_by_key(run.dialect(), M::TABLE);
        let values = AsyncRun::bound(&statement, Params::Fields(&fields_at(model, &columns)))?;
        found(M::TABLE, run.execute(&statement, &values).await?)
    }

    /// See [`super::delete_one`].
    pub(crate) async fn delete_one<M: Model>(run: &mut AsyncRun<'_>, model: &M) -> Result<()> {
        let statement = sql::write::delete_by_key(run.dialect(), M::TABLE);
        let key = fields_at(model, M::TABLE.primary_key);
        let values = AsyncRun::bound(&statement, Params::Fields(&key))?;
        found(M::TABLE, run.execute(&statement, &values).await?)
    }

    /// The values of `items`' fields, one row after the other.
    fn values_of<'a, I: Insertable + 'a>(
        statement: &Statement,
        items: impl IntoIterator<Item = &'a I>,
    ) -> Result<Vec<Value>> {
        let mut fields = Vec::new();
        for item in items {
            item.write_fields(&mut fields);
        }
        AsyncRun::bound(statement, Params::Fields(&fields))
    }

    /// Inserts `rows` rows of `values` with `statement`; the stored rows.
    async fn insert_rows<I: Insertable>(
        run: &mut AsyncRun<'_>,
        statement: &Statement,
        values: &[Value],
        rows: usize,
    ) -> Result<Vec<I::Model>> {
        let table = I::Model::TABLE;
        let mut stored = Vec::with_capacity(rows);
        run.query_each(statement, values, Stored(&mut stored)).await?;
        if stored.len() == rows { Ok(stored) } else { Err(Error::NotFound { table: table.name }) }
    }

    /// See [`super::follow_given_keys`].
    async fn follow_given_keys<I: Insertable>(run: &mut AsyncRun<'_>) -> Result<()> {
        if let Some(statement) = super::given_keys_followed::<I>(run.dialect()) {
            run.execute(&statement, &statement.params).await?;
        }
        Ok(())
    }
}

/// A model's reads and writes by key on an async connection
/// ([`AsyncExecutor`](crate::AsyncExecutor), feature `tokio-postgres`): [`Model`]'s
/// methods, awaited. Every model has them; bring the trait into scope to call them.
///
/// ```no_run
/// # use eagerly::__doc::*;
/// use eagerly::{AsyncInsert, AsyncModel};
/// # async fn run(client: &mut tokio_postgres::Client) -> eagerly::Result<()> {
/// let tag = NewTag { name: "classic".into() }.insert_async(&mut *client).await?;
/// let mut stored = Tag::get_async(&mut *client, tag.id).await?.into_model();
/// stored.name = "classics".into();
/// stored.update_async(&mut *client).await?;
/// stored.delete_async(&mut *client).await?;
/// # Ok(()) }
/// ```
#[cfg(feature = "tokio-postgres")]
pub trait AsyncModel: Model + Sync {
    /// [`Model::get`], awaited.
    #[track_caller]
    fn get_async<'c>(
        conn: impl crate::AsyncExecutor + 'c,
        key: Self::Key,
    ) -> impl Future<Output = Result<Self::Row>> + 'c
    where
        Self::Key: 'c,
    {
        let caller = Location::caller();
        async move { crate::query::Query::<Self>::new().get_at(conn, key, caller).await }
    }

    /// [`Model::insert_all`], awaited: all rows or none, also when the future is dropped
    /// before it finishes.
    #[track_caller]
    fn insert_all_async<'c, I: Insertable<Model = Self> + Send + 'c>(
        conn: impl crate::AsyncExecutor + 'c,
        items: impl IntoIterator<Item = I>,
    ) -> impl Future<Output = Result<Vec<Self>>> + 'c {
        let caller = Location::caller();
        let items: Vec<I> = items.into_iter().collect();
        async move {
            let mut run = conn.into_run(caller).begin(true, Self::TABLE).await?;
            let stored = nonblocking::insert_all(&mut run, items).await;
            run.end(stored).await
        }
    }

    /// [`Model::update`], awaited.
    #[track_caller]
    fn update_async<'c>(
        &'c self,
        conn: impl crate::AsyncExecutor + 'c,
    ) -> impl Future<Output = Result<()>> + 'c {
        let caller = Location::caller();
        async move { nonblocking::update_one(&mut conn.into_run(caller), self).await }
    }

    /// [`Model::delete`], awaited.
    #[track_caller]
    fn delete_async<'c>(
        &'c self,
        conn: impl crate::AsyncExecutor + 'c,
    ) -> impl Future<Output = Result<()>> + 'c {
        let caller = Location::caller();
        async move { nonblocking::delete_one(&mut conn.into_run(caller), self).await }
    }
}

#[cfg(feature = "tokio-postgres")]
impl<M: Model + Sync> AsyncModel for M {}

/// Inserting a row on an async connection: the model itself (every column) or its
/// `New<Model>` struct, as [`Model::insert`] and a `New<Model>`'s `insert` do, awaited.
/// See [`AsyncModel`].
#[cfg(feature = "tokio-postgres")]
pub trait AsyncInsert: Insertable + Sized + Sync {
    /// Inserts the row and returns it as stored.
    #[track_caller]
    fn insert_async<'c>(
        &'c self,
        conn: impl crate::AsyncExecutor + 'c,
    ) -> impl Future<Output = Result<Self::Model>> + 'c {
        let caller = Location::caller();
        async move { nonblocking::insert_one(&mut conn.into_run(caller), self).await }
    }
}

#[cfg(feature = "tokio-postgres")]
impl<I: Insertable + Sync> AsyncInsert for I {}

/// Writes every non-key column of `model` to the row with its key.
pub(crate) fn update_one<M: Model>(run: Run<'_>, model: &M) -> Result<()> {
    let table = M::TABLE;
    let (statement, columns) = sql::write::update_by_key(run.dialect(), table);
    let fields = fields_at(model, &columns);
    let changed = driver::execute(run, &statement, Params::Fields(&fields))
        .map_err(|e| name_unbindable_column(e, table, &columns, &fields))?;
    found(table, changed)
}

/// Deletes the row with `model`'s key.
pub(crate) fn delete_one<M: Model>(run: Run<'_>, model: &M) -> Result<()> {
    let table = M::TABLE;
    let key = fields_at(model, table.primary_key);
    let changed = driver::execute(
        run,
        &sql::write::delete_by_key(run.dialect(), table),
        Params::Fields(&key),
    )
    .map_err(|e| name_unbindable_column(e, table, table.primary_key, &key))?;
    found(table, changed)
}

/// `model`'s fields of these columns (by index), in this order.
fn fields_at<'m, M: Model>(model: &'m M, columns: &[usize]) -> Vec<&'m dyn ToSql> {
    let mut all = Vec::with_capacity(M::TABLE.columns.len());
    model.write_fields(&mut all);
    columns.iter().map(|&c| all[c]).collect()
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
            for statement in creating(run.dialect(), &ordered)? {
                driver::execute(run, &statement, Params::NONE)?;
            }
            Ok(())
        })
    })
}

/// [`create_tables`], awaited (feature `tokio-postgres`).
///
/// ```no_run
/// # use eagerly::__doc::*;
/// # async fn run(client: &mut tokio_postgres::Client) -> eagerly::Result<()> {
/// eagerly::create_tables_async(client, &[Author::TABLE, Book::TABLE]).await?;
/// # Ok(()) }
/// ```
#[cfg(feature = "tokio-postgres")]
#[track_caller]
pub fn create_tables_async<'c>(
    conn: impl crate::AsyncExecutor + 'c,
    tables: &'c [&'static Table],
) -> impl Future<Output = Result<()>> + 'c {
    let caller = Location::caller();
    async move {
        let ordered = crate::schema::in_foreign_key_order(tables);
        let Some(&first) = ordered.first() else { return Ok(()) };
        let statements = creating(crate::sql::Dialect::Postgres, &ordered)?;
        let mut run = conn.into_run(caller).begin(true, first).await?;
        let created = async {
            for statement in &statements {
                run.execute(statement, &[]).await?;
            }
            Ok(())
        }
        .await;
        run.end(created).await
    }
}

/// The statements that create `tables` (in this order) and their indexes.
fn creating(dialect: crate::sql::Dialect, tables: &[&'static Table]) -> Result<Vec<Statement>> {
    let mut statements = Vec::new();
    for table in tables {
        statements.push(sql::ddl::create_table(dialect, table)?);
        for index in table.indexes() {
            statements.push(sql::ddl::create_index(dialect, table, &index));
        }
    }
    Ok(statements)
}

/// Each row decoded as a model, pushed onto a vector: the rows a write returns.
struct Stored<'v, M>(&'v mut Vec<M>);

impl<M: Model> Rows for Stored<'_, M> {
    fn reserve(&mut self, rows: usize) {
        self.0.reserve(rows);
    }

    fn push(&mut self, row: Source<'_>) -> Result<()> {
        self.0.push(M::decode(&mut Reader::new(row, M::TABLE, 0))?);
        Ok(())
    }
}
