//! The query builder: `Author::query().filter(..).order_by(..).limit(..).all(&conn)`.

use std::marker::PhantomData;
use std::panic::Location;

use rusqlite::ToSql;
use rusqlite::types::FromSql;

use crate::column::{Assignment, Order, OrderTerm};
#[cfg(feature = "tokio-postgres")]
use crate::driver::AsyncExecutor;
use crate::driver::{self, Executor, Params, Run};
use crate::error::{Error, Result};
use crate::filter::{CompareOp, Cond, Expr};
#[cfg(feature = "tokio-postgres")]
use crate::load::flow::drive_async;
use crate::load::flow::{Each, Flow, LoadContext, drive};
use crate::load::{LevelDecoder, RowPlan};
use crate::model::Model;
use crate::plan::Select;
use crate::row::Source;
use crate::send::MaybeSend;
use crate::sql::Dialect;
use crate::value::{Value, to_value};
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
        Query { select, plan: RowPlan::rows(), model: PhantomData }
    }
}

impl<M: Model> Default for Query<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Model, R: MaybeSend + 'static> Query<M, R> {
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
        transaction::load(run, M::TABLE, self.select.one_snapshot, self.rows(load)?)
    }

    /// Reads the query's rows, and then what they load: one statement, then one per
    /// prefetched relation and level (read in one snapshot, [`transaction::load`]).
    fn rows(&self, load: LoadContext) -> Result<Flow<'static, Vec<R>>> {
        let statement = sql::select::rows(load.dialect, M::TABLE, &self.select)?;
        LevelDecoder::new(&self.plan, load).read(statement, load)
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
        Ok(self.first_row_only().all(conn)?.pop())
    }

    /// The query of [`first`](Self::first): ordered (by primary key if by nothing else),
    /// at most one row.
    fn first_row_only(&self) -> Self {
        let mut query = self.clone();
        if query.select.order.is_empty() {
            query.select.order = M::TABLE.key_columns().map(OrderTerm::ascending).collect();
        }
        query.select.at_most(1);
        query
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
        only::<M, R>(self.two_rows_at_most().all(conn)?)
    }

    /// The query of [`one`](Self::one): two rows are enough to tell one from several.
    fn two_rows_at_most(&self) -> Self {
        let mut query = self.clone();
        query.select.limit_probes = !query.select.is_sliced();
        query.select.at_most(2);
        query
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
        self.with_key(&key)?.one(conn)
    }

    /// The query of [`get`](Self::get): the rows with primary key `key`, among the rows of
    /// the slice if the query has one.
    fn with_key(&self, key: &M::Key) -> Result<Self> {
        let mut parts: Vec<&dyn ToSql> = Vec::with_capacity(M::TABLE.primary_key.len());
        M::write_key(key, &mut parts);
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
        Ok(query.filter(Cond::new(Expr::all(conditions))))
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
        conn.run(Location::caller(), |run| drive(run, self.counted(run.dialect())?))
    }

    /// Counts the query's rows.
    fn counted(&self, dialect: Dialect) -> Result<Flow<'static, usize>> {
        let statement = sql::select::count(dialect, M::TABLE, &self.select)?;
        single_value::<i64>(statement)?.map(|count| Ok(usize::try_from(count).unwrap_or(0)))
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
        conn.run(Location::caller(), |run| drive(run, self.any(run.dialect())?))
    }

    /// Whether the query returns a row.
    fn any(&self, dialect: Dialect) -> Result<Flow<'static, bool>> {
        single_value(sql::select::exists(dialect, M::TABLE, &self.select)?)
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
        let assignments = assigned(assignments)?;
        if assignments.is_empty() {
            return Ok(0);
        }
        conn.run(Location::caller(), |run| {
            let statement =
                sql::write::update_where(run.dialect(), M::TABLE, &self.select, &assignments)?;
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

/// The terminal methods on an async connection ([`AsyncExecutor`],
/// feature `tokio-postgres`): the same statements, rows and errors as their blocking
/// namesakes, awaited. A load whose rows must agree reads one snapshot (see
/// [`with_count`](Self::with_count) and [`prefetch`](Self::prefetch)), which rolls back if
/// the future is dropped before it finishes.
#[cfg(feature = "tokio-postgres")]
impl<M: Model, R: MaybeSend + 'static> Query<M, R> {
    /// [`all`](Self::all), awaited. The future borrows the connection, not the query: it
    /// can be made now and awaited later, or joined with others.
    ///
    /// ```no_run
    /// # use eagerly::__doc::*;
    /// # async fn page(client: &mut tokio_postgres::Client) -> eagerly::Result<()> {
    /// let authors = Author::query().prefetch(Author::books).all_async(&mut *client).await?;
    /// for author in &authors {
    ///     println!("{}: {} books", author.name, author.books().len());
    /// }
    /// let later = Book::query().filter(Book::title.contains("Rust")).all_async(client);
    /// let books = later.await?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn all_async<E: AsyncExecutor>(
        &self,
        conn: E,
    ) -> impl Future<Output = Result<Vec<R>>> + use<E, M, R> {
        let caller = Location::caller();
        self.load_async(conn, caller)
    }

    /// [`first`](Self::first), awaited.
    #[track_caller]
    pub fn first_async<E: AsyncExecutor>(
        &self,
        conn: E,
    ) -> impl Future<Output = Result<Option<R>>> + use<E, M, R> {
        let loaded = self.first_row_only().load_async(conn, Location::caller());
        async move { Ok(loaded.await?.pop()) }
    }

    /// [`one`](Self::one), awaited.
    #[track_caller]
    pub fn one_async<E: AsyncExecutor>(
        &self,
        conn: E,
    ) -> impl Future<Output = Result<R>> + use<E, M, R> {
        let loaded = self.two_rows_at_most().load_async(conn, Location::caller());
        async move { only::<M, R>(loaded.await?) }
    }

    /// [`get`](Self::get), awaited.
    #[track_caller]
    pub fn get_async<E: AsyncExecutor>(
        &self,
        conn: E,
        key: M::Key,
    ) -> impl Future<Output = Result<R>> + use<E, M, R> {
        self.get_at(conn, key, Location::caller())
    }

    /// [`get_async`](Self::get_async) reported at `caller`.
    pub(crate) fn get_at<E: AsyncExecutor>(
        &self,
        conn: E,
        key: M::Key,
        caller: &'static Location<'static>,
    ) -> impl Future<Output = Result<R>> + use<E, M, R> {
        let loaded =
            self.with_key(&key).map(|query| query.two_rows_at_most().load_async(conn, caller));
        async move { only::<M, R>(loaded?.await?) }
    }

    /// [`count`](Self::count), awaited.
    #[track_caller]
    pub fn count_async<E: AsyncExecutor>(
        &self,
        conn: E,
    ) -> impl Future<Output = Result<usize>> + use<E, M, R> {
        let caller = Location::caller();
        let counted = self.counted(Dialect::Postgres);
        async move { drive_async(&mut conn.into_run(caller), counted?).await }
    }

    /// [`exists`](Self::exists), awaited.
    #[track_caller]
    pub fn exists_async<E: AsyncExecutor>(
        &self,
        conn: E,
    ) -> impl Future<Output = Result<bool>> + use<E, M, R> {
        let caller = Location::caller();
        let any = self.any(Dialect::Postgres);
        async move { drive_async(&mut conn.into_run(caller), any?).await }
    }

    /// [`update`](Self::update), awaited.
    #[track_caller]
    pub fn update_async<E: AsyncExecutor, A: IntoIterator<Item = Assignment<M>>>(
        &self,
        conn: E,
        assignments: A,
    ) -> impl Future<Output = Result<usize>> + use<E, A, M, R> {
        let caller = Location::caller();
        let statement = assigned(assignments).and_then(|assignments| {
            if assignments.is_empty() {
                return Ok(None);
            }
            sql::write::update_where(Dialect::Postgres, M::TABLE, &self.select, &assignments)
                .map(Some)
        });
        async move {
            let Some(statement) = statement? else { return Ok(0) };
            conn.into_run(caller).execute(&statement, &statement.params).await
        }
    }

    /// [`delete`](Self::delete), awaited.
    #[track_caller]
    pub fn delete_async<E: AsyncExecutor>(
        &self,
        conn: E,
    ) -> impl Future<Output = Result<usize>> + use<E, M, R> {
        let caller = Location::caller();
        let statement = sql::write::delete_where(Dialect::Postgres, M::TABLE, &self.select);
        async move {
            let statement = statement?;
            conn.into_run(caller).execute(&statement, &statement.params).await
        }
    }

    /// The query's rows and what they load, read on `conn` and reported at `caller`: the
    /// flow is made now, so the future holds the connection and not the query.
    fn load_async<E: AsyncExecutor>(
        &self,
        conn: E,
        caller: &'static Location<'static>,
    ) -> impl Future<Output = Result<Vec<R>>> + use<E, M, R> {
        let load = LoadContext {
            caller,
            dialect: Dialect::Postgres,
            whole_table: self.select.is_whole_table(),
        };
        let (agree, rows) = (self.select.one_snapshot, self.rows(load));
        async move { transaction::load_async(conn.into_run(caller), M::TABLE, agree, rows?).await }
    }
}

/// The columns and values of `assignments`, each checked.
fn assigned<M: Model>(
    assignments: impl IntoIterator<Item = Assignment<M>>,
) -> Result<Vec<(&'static str, Value)>> {
    assignments
        .into_iter()
        .map(|a| match a.value {
            Ok(value) => Ok((a.column, value)),
            Err(message) => Err(Error::Bind {
                table: M::TABLE.name,
                column: a.column,
                source: rusqlite::Error::ToSqlConversionFailure(message.into()),
            }),
        })
        .collect()
}

/// The only row of `rows`, which [`Query::one`] read.
fn only<M: Model, R>(mut rows: Vec<R>) -> Result<R> {
    match rows.len() {
        0 => Err(Error::NotFound { table: M::TABLE.name }),
        1 => Ok(rows.remove(0)),
        _ => Err(Error::MultipleRows { table: M::TABLE.name }),
    }
}

/// The one value of a `COUNT(*)` or `EXISTS` statement.
fn single_value<T: FromSql + MaybeSend + 'static>(
    statement: sql::Statement,
) -> Result<Flow<'static, T>> {
    let table = statement.table_name();
    let text = crate::error::abbreviated(&statement.text);
    let value = Each::new(move |row: Source<'_>| {
        row.get(0).and_then(|v| Ok(T::column_result(v)?)).map_err(|source| Error::Database {
            table,
            sql: text.clone(),
            source: source.into(),
        })
    });
    Flow::read(statement, value, false)
        .map(move |mut value| value.made.pop().ok_or(Error::NotFound { table }))
}
