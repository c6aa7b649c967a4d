//! The query builder: `Author::query().filter(..).order_by(..).limit(..).all(&conn)`.

use std::marker::PhantomData;
use std::sync::Arc;

use rusqlite::types::Value;
use rusqlite::{Connection, ToSql};

use crate::column::{Assignment, Order, OrderTerm};
use crate::error::{Error, Result};
use crate::filter::{CompareOp, Cond, Expr};
use crate::model::Model;
use crate::row::Reader;
use crate::value::to_value;
use crate::{exec, sql};

/// A query for rows of model `M`, returned as `R` (the model's row type, carrying what
/// the query loads). Made by `Author::query()`; nothing runs until a terminal method
/// (`all`, `first`, `one`, `get`, `count`, `exists`, `update`, `delete`) is called, and a
/// query can run any number of times.
///
/// ```
/// use eagerly::Model;
///
/// #[derive(Model, Debug, Clone, PartialEq)]
/// pub struct Author {
///     #[model(primary_key)]
///     pub id: i64,
///     #[model(index)]
///     pub name: String,
///     pub born: Option<i64>,
/// }
///
/// let conn = eagerly::rusqlite::Connection::open_in_memory()?;
/// eagerly::create_tables(&conn, &[Author::TABLE])?;
/// Author::insert_all(&conn, [
///     NewAuthor { name: "Austen".into(), born: Some(1775) },
///     NewAuthor { name: "Brontë".into(), born: Some(1816) },
///     NewAuthor { name: "Anonymous".into(), born: None },
/// ])?;
///
/// let nineteenth = Author::query()
///     .filter(Author::born.ge(1800) & Author::born.lt(1900))
///     .order_by(Author::name.asc());
/// let names: Vec<String> = nineteenth.all(&conn)?.into_iter().map(|a| a.name.clone()).collect();
/// assert_eq!(names, ["Brontë"]);
/// assert_eq!(Author::query().filter(Author::born.is_null()).count(&conn)?, 1);
/// assert!(Author::query().filter(Author::name.starts_with("Aus")).exists(&conn)?);
/// # Ok::<(), eagerly::Error>(())
/// ```
pub struct Query<M: Model, R = <M as Model>::Row> {
    select: Select,
    load: Arc<Load<M, R>>,
    rows: PhantomData<fn() -> R>,
}

/// Turns the decoded rows of the base query into the rows the query returns.
type Load<M, R> = dyn Fn(&Connection, Vec<<M as Model>::Row>) -> Result<Vec<R>> + Send + Sync;

/// What the base `SELECT` asks for, as data for the SQL writer.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Select {
    pub filter: Option<Expr>,
    pub order: Vec<OrderTerm>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl<M: Model, R> Clone for Query<M, R> {
    fn clone(&self) -> Self {
        Query { select: self.select.clone(), load: self.load.clone(), rows: PhantomData }
    }
}

impl<M: Model, R> std::fmt::Debug for Query<M, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Query")
            .field("table", &M::TABLE.name)
            .field("select", &self.select)
            .finish()
    }
}

impl<M: Model> Query<M> {
    /// All rows of `M`'s table, nothing loaded. Same as `M::query()`.
    pub fn new() -> Self {
        Query { select: Select::default(), load: Arc::new(|_, rows| Ok(rows)), rows: PhantomData }
    }
}

impl<M: Model> Default for Query<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Model, R> Query<M, R> {
    /// Keeps the rows matching `cond`; several filters must all match.
    pub fn filter(mut self, cond: Cond<M>) -> Self {
        self.select.filter = Some(match self.select.filter.take() {
            None => cond.expr,
            Some(existing) => Expr::all([existing, cond.expr]),
        });
        self
    }

    /// Sorts by `order`; each call adds a sort key after the previous ones.
    pub fn order_by(mut self, order: Order<M>) -> Self {
        self.select.order.push(order.term);
        self
    }

    /// Returns at most `n` rows.
    pub fn limit(mut self, n: usize) -> Self {
        self.select.limit = Some(i64::try_from(n).unwrap_or(i64::MAX));
        self
    }

    /// Skips the first `n` rows.
    pub fn offset(mut self, n: usize) -> Self {
        self.select.offset = Some(i64::try_from(n).unwrap_or(i64::MAX));
        self
    }

    /// Runs the query and returns every row.
    pub fn all(&self, conn: &Connection) -> Result<Vec<R>> {
        let table = M::TABLE;
        let statement = sql::select::rows(table, &self.select)?;
        let rows =
            exec::query(conn, table.name, &statement.text, &statement.param_refs(), |row| {
                M::decode(&mut Reader::new(row, table, 0)).map(M::into_row)
            })?;
        (self.load)(conn, rows)
    }

    /// The first row, if any. A query without `order_by` is ordered by primary key here,
    /// so "first" means something.
    pub fn first(&self, conn: &Connection) -> Result<Option<R>> {
        let mut query = self.clone();
        if query.select.order.is_empty() {
            query.select.order = M::TABLE
                .key_columns()
                .map(|column| OrderTerm { column, descending: false, nulls: None })
                .collect();
        }
        Ok(query.limit(1).all(conn)?.pop())
    }

    /// The only row: [`Error::NotFound`] if there is none, [`Error::MultipleRows`] if there
    /// are several.
    pub fn one(&self, conn: &Connection) -> Result<R> {
        let mut rows = self.clone().limit(2).all(conn)?;
        match rows.len() {
            0 => Err(Error::NotFound { table: M::TABLE.name }),
            1 => Ok(rows.remove(0)),
            _ => Err(Error::MultipleRows { table: M::TABLE.name }),
        }
    }

    /// The row with primary key `key` (a tuple for a composite key), with everything the
    /// query loads; [`Error::NotFound`] if there is none.
    pub fn get(&self, conn: &Connection, key: M::Key) -> Result<R> {
        let mut parts: Vec<&dyn ToSql> = Vec::with_capacity(M::TABLE.primary_key.len());
        M::write_key(&key, &mut parts);
        let mut conditions = Vec::with_capacity(parts.len());
        for (column, part) in M::TABLE.key_columns().zip(parts) {
            let value = to_value(part).map_err(|source| Error::Bind {
                table: M::TABLE.name,
                column,
                source,
            })?;
            conditions.push(Expr::Compare { column, op: CompareOp::Eq, value });
        }
        let by_key = Cond::<M>::new(Expr::all(conditions));
        self.clone().filter(by_key).one(conn)
    }

    /// The number of rows the query returns, counted by SQLite.
    pub fn count(&self, conn: &Connection) -> Result<usize> {
        let statement = sql::select::count(M::TABLE, &self.select)?;
        let count: i64 = self.single_value(conn, &statement)?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    /// Whether the query returns any row, asked of SQLite without reading rows.
    pub fn exists(&self, conn: &Connection) -> Result<bool> {
        let statement = sql::select::exists(M::TABLE, &self.select)?;
        self.single_value(conn, &statement)
    }

    /// Sets columns of every row the query selects, in one statement; returns how many
    /// rows changed.
    ///
    /// ```
    /// # use eagerly::Model;
    /// # #[derive(Model, Debug)]
    /// # pub struct Book { #[model(primary_key)] pub id: i64, pub title: String, pub year: Option<i64> }
    /// # let conn = eagerly::rusqlite::Connection::open_in_memory()?;
    /// # eagerly::create_tables(&conn, &[Book::TABLE])?;
    /// # NewBook { title: "Draft".into(), year: None }.insert(&conn)?;
    /// let changed = Book::query()
    ///     .filter(Book::year.is_null())
    ///     .update(&conn, [Book::title.set("Undated"), Book::year.set(0)])?;
    /// assert_eq!(changed, 1);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn update(
        &self,
        conn: &Connection,
        assignments: impl IntoIterator<Item = Assignment<M>>,
    ) -> Result<usize> {
        let table = M::TABLE;
        let assignments = assignments
            .into_iter()
            .map(|a| match a.value {
                Ok(value) => Ok((a.column, value)),
                Err(message) => Err(Error::Bind {
                    table: table.name,
                    column: a.column,
                    source: rusqlite::Error::ToSqlConversionFailure(message.into()),
                }),
            })
            .collect::<Result<Vec<(&'static str, Value)>>>()?;
        if assignments.is_empty() {
            return Ok(0);
        }
        let statement = sql::write::update_where(table, &self.select, assignments)?;
        exec::execute(conn, table.name, &statement.text, &statement.param_refs())
    }

    /// Deletes every row the query selects, in one statement; returns how many.
    pub fn delete(&self, conn: &Connection) -> Result<usize> {
        let statement = sql::write::delete_where(M::TABLE, &self.select)?;
        exec::execute(conn, M::TABLE.name, &statement.text, &statement.param_refs())
    }

    fn single_value<T: rusqlite::types::FromSql>(
        &self,
        conn: &Connection,
        statement: &sql::Statement,
    ) -> Result<T> {
        let table = M::TABLE.name;
        let mut values =
            exec::query(conn, table, &statement.text, &statement.param_refs(), |row| {
                row.get::<_, T>(0).map_err(|source| Error::Database {
                    table,
                    sql: statement.text.clone(),
                    source,
                })
            })?;
        values.pop().ok_or(Error::NotFound { table })
    }
}
