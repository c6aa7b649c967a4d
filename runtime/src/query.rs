//! The query builder: `Author::query().filter(..).order_by(..).limit(..).all(&conn)`.

use std::marker::PhantomData;
use std::panic::Location;

use crate::value::Value;
use rusqlite::ToSql;

use crate::column::{Assignment, Order, OrderTerm};
use crate::driver::{self, Executor, Params, Run};
use crate::error::{Error, Result};
use crate::filter::{CompareOp, Cond, Expr};
use crate::load::flow::{LoadContext, drive};
use crate::load::{LevelDecoder, RowMaker, RowPlan};
use crate::model::Model;
use crate::plan::Select;
use crate::value::to_value;
use crate::{sql, transaction};

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
    pub(crate) select: Select,
    /// How rows are made of result rows: the loading calls made so far.
    pub(crate) plan: RowPlan<R>,
    model: PhantomData<fn() -> M>,
}

impl<M: Model, R> Clone for Query<M, R> {
    fn clone(&self) -> Self {
        Query { select: self.select.clone(), plan: self.plan.clone(), model: PhantomData }
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
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let all: eagerly::Query<Book> = eagerly::Query::new();
    /// assert_eq!(all.count(&conn)?, Book::query().count(&conn)?);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn new() -> Self {
        let select = Select { base_width: M::TABLE.columns.len(), ..Select::default() };
        Query { select, plan: RowPlan::rows_of::<M>(), model: PhantomData }
    }
}

impl<M: Model> Default for Query<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Model, R> Query<M, R> {
    /// Adds a loading call: the query then returns `R2`s.
    pub(crate) fn map_plan<R2>(self, add: impl FnOnce(RowPlan<R>) -> RowPlan<R2>) -> Query<M, R2> {
        Query { select: self.select, plan: add(self.plan), model: PhantomData }
    }

    /// Keeps the rows matching `cond`; several filters must all match.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let ann = Book::query().filter(Book::author_id.eq(1)).filter(Book::year.gt(2015));
    /// assert_eq!(ann.all(&conn)?[0].title, "Rust in Action");
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn filter(mut self, cond: Cond<M>) -> Self {
        self.select.filter = Some(match self.select.filter.take() {
            None => cond.expr,
            Some(existing) => Expr::all([existing, cond.expr]),
        });
        self
    }

    /// Sorts by `order`; each call adds a sort key after the previous ones.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let books = Book::query().order_by(Book::author_id.desc()).order_by(Book::title.asc()).all(&conn)?;
    /// let titles: Vec<&str> = books.iter().map(|b| b.title.as_str()).collect();
    /// assert_eq!(titles, ["Mistborn", "The Rust Book", "Ancillary Justice", "Rust in Action"]);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn order_by(mut self, order: Order<M>) -> Self {
        self.select.order.push(order.term);
        self
    }

    /// Returns at most `n` rows. A limited (or offset) query without `order_by` takes its
    /// rows in primary-key order, so the slice is the same rows every time and for every
    /// terminal method (`all`, `get`, `update`, ..).
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// assert_eq!(Book::query().limit(3).all(&conn)?.len(), 3);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn limit(mut self, n: usize) -> Self {
        self.select.limit = Some(i64::try_from(n).unwrap_or(i64::MAX));
        self
    }

    /// Skips the first `n` rows.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let page = Book::query().order_by(Book::id.asc()).limit(2).offset(2).all(&conn)?;
    /// assert_eq!(page.iter().map(|b| b.id).collect::<Vec<_>>(), [3, 4]);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn offset(mut self, n: usize) -> Self {
        self.select.offset = Some(i64::try_from(n).unwrap_or(i64::MAX));
        self
    }

    /// Runs the query and returns every row, with everything it loads: its own statement
    /// (with JOINs and counts) plus one statement per prefetched relation and level.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let (books, log) = eagerly::capture(|| Book::query().prefetch(Book::tags).all(&conn));
    /// assert_eq!(books?.len(), 4);
    /// assert_eq!(log.len(), 2); // the books, then their tags
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    #[track_caller]
    pub fn all(&self, conn: impl Executor) -> Result<Vec<R>> {
        conn.run(Location::caller(), |run| self.all_in(run))
    }

    fn all_in(&self, run: Run<'_>) -> Result<Vec<R>> {
        let load = LoadContext::new(run, self.select.is_whole_table());
        let statement = sql::select::rows(run.dialect(), M::TABLE, &self.select)?;
        let params = Params::of(&statement);
        if let Some(maker) = RowMaker::new(&self.plan, load) {
            return driver::query_into(run, &statement, params, |row, out| maker.push(row, out));
        }
        // Prefetches run more statements: all of them read one snapshot.
        transaction::one_snapshot(run, M::TABLE, || {
            let mut rows = LevelDecoder::new(&self.plan, load);
            driver::query_each(run, &statement, params, |row| rows.push(row))?;
            drive(run, rows.finish(load)?)
        })
    }

    /// The first row, if any: the first the query returns, after its offset and within
    /// its limit (`limit(0).first()` is `None`). A query without `order_by` is ordered by
    /// primary key here, so "first" means something.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let first = Author::query().first(&conn)?; // ordered by primary key
    /// assert_eq!(first.unwrap().name, "Ann Leckie");
    /// assert!(Author::query().filter(Author::id.gt(99)).first(&conn)?.is_none());
    /// assert_eq!(Author::query().offset(1).first(&conn)?.unwrap().name, "Brandon Sanderson");
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    #[track_caller]
    pub fn first(&self, conn: impl Executor) -> Result<Option<R>> {
        let mut query = self.clone();
        if query.select.order.is_empty() {
            query.select.order = M::TABLE.key_columns().map(OrderTerm::ascending).collect();
        }
        query.select.at_most(1);
        Ok(query.all(conn)?.pop())
    }

    /// The only row the query returns: [`Error::NotFound`] if it returns none,
    /// [`Error::MultipleRows`] if it returns several (within its limit: `limit(1).one()`
    /// is the first row, if there is one).
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let carol = Author::query().filter(Author::publisher_id.is_null()).one(&conn)?;
    /// assert_eq!(carol.name, "Carol Shields");
    /// let tor = Author::query().filter(Author::publisher_id.eq(1)).one(&conn);
    /// assert!(matches!(tor, Err(eagerly::Error::MultipleRows { table: "author" })));
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    #[track_caller]
    pub fn one(&self, conn: impl Executor) -> Result<R> {
        let mut query = self.clone();
        query.select.limit_probes = !query.select.is_sliced();
        query.select.at_most(2);
        let mut rows = query.all(conn)?;
        match rows.len() {
            0 => Err(Error::NotFound { table: M::TABLE.name }),
            1 => Ok(rows.remove(0)),
            _ => Err(Error::MultipleRows { table: M::TABLE.name }),
        }
    }

    /// The row with primary key `key` (a tuple for a composite key) among the rows the
    /// query returns, with everything the query loads; [`Error::NotFound`] if there is
    /// none. On a query with a limit or offset, that is among the rows of the slice.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let ann = Author::query().prefetch(Author::books).get(&conn, 1)?;
    /// assert_eq!(ann.books().len(), 2);
    /// assert!(matches!(Author::query().get(&conn, 99), Err(eagerly::Error::NotFound { .. })));
    /// // Author 1 is not among the last two.
    /// let last_two = Author::query().order_by(Author::id.desc()).limit(2);
    /// assert!(matches!(last_two.get(&conn, 1), Err(eagerly::Error::NotFound { .. })));
    /// assert_eq!(last_two.get(&conn, 2)?.name, "Brandon Sanderson");
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    #[track_caller]
    pub fn get(&self, conn: impl Executor, key: M::Key) -> Result<R> {
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
        let mut query = self.clone();
        query.select = query.select.sliced();
        query.filter(Cond::new(Expr::all(conditions))).one(conn)
    }

    /// The number of rows the query returns, counted by SQLite.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// assert_eq!(Book::query().filter(Book::title.icontains("rust")).count(&conn)?, 2);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    #[track_caller]
    pub fn count(&self, conn: impl Executor) -> Result<usize> {
        conn.run(Location::caller(), |run| {
            let statement = sql::select::count(run.dialect(), M::TABLE, &self.select)?;
            let count: i64 = single_value(run, &statement)?;
            Ok(usize::try_from(count).unwrap_or(0))
        })
    }

    /// Whether the query returns any row, asked of SQLite without reading rows.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// assert!(Book::query().filter(Book::year.is_null()).exists(&conn)?);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    #[track_caller]
    pub fn exists(&self, conn: impl Executor) -> Result<bool> {
        conn.run(Location::caller(), |run| {
            let statement = sql::select::exists(run.dialect(), M::TABLE, &self.select)?;
            single_value(run, &statement)
        })
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
    #[track_caller]
    pub fn update(
        &self,
        conn: impl Executor,
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
        conn.run(Location::caller(), |run| {
            let statement =
                sql::write::update_where(run.dialect(), table, &self.select, &assignments)?;
            driver::execute(run, &statement, Params::of(&statement))
        })
    }

    /// Deletes every row the query selects, in one statement; returns how many.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let deleted = BookTag::query().filter(BookTag::tag_id.eq(2)).delete(&conn)?;
    /// assert_eq!(deleted, 2);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    #[track_caller]
    pub fn delete(&self, conn: impl Executor) -> Result<usize> {
        conn.run(Location::caller(), |run| {
            let statement = sql::write::delete_where(run.dialect(), M::TABLE, &self.select)?;
            driver::execute(run, &statement, Params::of(&statement))
        })
    }
}

/// The one value of a `COUNT(*)` or `EXISTS` statement.
fn single_value<T: rusqlite::types::FromSql>(
    run: Run<'_>,
    statement: &sql::Statement,
) -> Result<T> {
    let table = statement.table_name();
    let mut values = driver::query(run, statement, Params::of(statement), |row| {
        row.get(0).and_then(|v| Ok(T::column_result(v)?)).map_err(|source| Error::Database {
            table,
            sql: crate::error::abbreviated(&statement.text),
            source: source.into(),
        })
    })?;
    values.pop().ok_or(Error::NotFound { table })
}
