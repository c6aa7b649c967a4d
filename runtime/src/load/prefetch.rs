//! `prefetch`: one batched statement per relation and level, `WHERE key IN (..)` over the
//! distinct keys of the parent rows, with the children grouped back to their parents here.

use std::collections::hash_map::Entry;
use std::ops::Deref;
use std::panic::Location;
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt};
use rusqlite::types::{FromSql, FromSqlError};

use super::flow::{Flow, LoadContext, Step};
use super::related::{RelatedQuery, RelatedQueryFor, RelatedQueryOf, ToOneQuery};
use super::{LevelDecoder, RowMaker};
use crate::column::OrderTerm;
use crate::driver::{Executor, Run};
use crate::error::{DecodeProblem, Error, Result};
use crate::model::Model;
use crate::plan::alias::Alias;
use crate::plan::{BatchKey, Select};
use crate::query::Query;
use crate::relation::{Card, DefaultSlot, Relation, SlotOf, missing};
use crate::row::{Rows, SetSlot, Source};
use crate::schema::Table;
use crate::send::MaybeSend;
use crate::sql::{self, Statement};
use crate::transaction;
use crate::value::{Value, to_value};

impl<M: Model, R: 'static> Query<M, R> {
    /// Loads `rel` with one more statement, `WHERE key IN (..)` over the keys of all the
    /// rows this query returns (Django's `prefetch_related`), read as `row.books()`.
    /// Works for every kind of relation: `has_many` and `many_to_many` give a slice,
    /// `belongs_to` a row (batched rather than joined, as Django's `prefetch_related`
    /// allows). A `belongs_to` batch reads the snapshot the foreign keys were read from,
    /// so its targets are there; the other kinds read what is committed when their
    /// statement runs, as Django's do.
    ///
    /// ```
    /// # use eagerly::Model;
    /// # #[derive(Model, Debug)]
    /// # #[model(has_many(books = Book))]
    /// # pub struct Author { #[model(primary_key)] pub id: i64, pub name: String }
    /// # #[derive(Model, Debug)]
    /// # pub struct Book { #[model(primary_key)] pub id: i64, pub title: String,
    /// #     #[model(belongs_to(author = Author))] pub author_id: i64 }
    /// # let conn = eagerly::rusqlite::Connection::open_in_memory()?;
    /// # eagerly::create_tables(&conn, &[Author::TABLE, Book::TABLE])?;
    /// # for name in ["Ann", "Bo"] { NewAuthor { name: name.into() }.insert(&conn)?; }
    /// let (authors, log) = eagerly::capture(|| Author::query().prefetch(Author::books).all(&conn));
    /// for author in authors? {
    ///     println!("{}: {} books", author.name, author.books().len());
    /// }
    /// assert_eq!(log.sql(), [
    ///     r#"SELECT t0."id", t0."name" FROM "author" t0"#,
    ///     r#"SELECT t0."id", t0."title", t0."author_id" FROM "book" t0 WHERE t0."author_id" IN (?, ?) ORDER BY t0."author_id" ASC, t0."id" ASC"#,
    /// ]);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn prefetch<Rel>(self, rel: Rel) -> Query<M, <R as SetSlot<Rel, DefaultSlot<Rel>>>::Out>
    where
        Rel: Relation,
        Rel::Card: RelatedQueryOf,
        R: SetSlot<Rel, DefaultSlot<Rel>>,
        <R as SetSlot<Rel, DefaultSlot<Rel>>>::Out: 'static,
    {
        self.prefetch_with(rel, |related| related)
    }

    /// Loads `rel` like [`prefetch`](Query::prefetch), through the query `related` makes
    /// of it: filter and order the related rows, load their own relations to any depth,
    /// and limit them *per parent row* (`.order_by(Book::id.desc()).limit(3)` gives every
    /// author its three latest books, with a window function, as Django does for sliced
    /// prefetches). Without `order_by`, related rows come in primary key order.
    ///
    /// For a NOT NULL `belongs_to` relation (one row per parent, read as `&Row`), `related`
    /// is a [`ToOneQuery`]: it loads the related rows' own relations, and has no filter,
    /// limit or offset, which could leave a row without its related row.
    ///
    /// ```
    /// # use eagerly::Model;
    /// # #[derive(Model, Debug)]
    /// # #[model(has_many(books = Book))]
    /// # pub struct Author { #[model(primary_key)] pub id: i64, pub name: String }
    /// # #[derive(Model, Debug)]
    /// # pub struct Book { #[model(primary_key)] pub id: i64, pub title: String,
    /// #     #[model(belongs_to(author = Author))] pub author_id: i64 }
    /// # let conn = eagerly::rusqlite::Connection::open_in_memory()?;
    /// # eagerly::create_tables(&conn, &[Author::TABLE, Book::TABLE])?;
    /// let authors = Author::query()
    ///     .prefetch_with(Author::books, |books| {
    ///         books.filter(Book::title.icontains("rust")).order_by(Book::id.desc()).limit(3)
    ///     })
    ///     .all(&conn)?;
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    #[allow(clippy::type_complexity)] // the row type, spelled out so that docs show it
    pub fn prefetch_with<Rel, Q>(
        mut self,
        _rel: Rel,
        related: impl FnOnce(RelatedQueryFor<Rel>) -> Q,
    ) -> Query<M, <R as SetSlot<Rel, SlotOf<Rel, Q::Row>>>::Out>
    where
        Rel: Relation,
        Rel::Card: RelatedQueryOf,
        Q: RelatedQuery<Rel::To>,
        R: SetSlot<Rel, SlotOf<Rel, Q::Row>>,
        <R as SetSlot<Rel, SlotOf<Rel, Q::Row>>>::Out: 'static,
    {
        let related = Arc::new(related(Rel::Card::given()).into_query());
        self.select.prefetch(Rel::LINK, &related.select);
        self.map_plan(|plan| {
            plan.then(move |load, rows| fetch::<Rel, R, Q::Row>(load, rows, &related))
        })
    }
}

/// Loads `rel` onto rows you already have (Django's `prefetch_related_objects`, Ecto's
/// `Repo.preload`): one batched statement, as if the query that produced them had said
/// `.prefetch(rel)`.
///
/// ```
/// # use eagerly::Model;
/// # #[derive(Model, Debug)]
/// # #[model(has_many(books = Book))]
/// # pub struct Author { #[model(primary_key)] pub id: i64, pub name: String }
/// # #[derive(Model, Debug)]
/// # pub struct Book { #[model(primary_key)] pub id: i64, pub title: String,
/// #     #[model(belongs_to(author = Author))] pub author_id: i64 }
/// # let conn = eagerly::rusqlite::Connection::open_in_memory()?;
/// # eagerly::create_tables(&conn, &[Author::TABLE, Book::TABLE])?;
/// let authors = Author::query().all(&conn)?;
/// // ... later, once it is known the books are needed:
/// let authors = eagerly::prefetch(&conn, authors, Author::books)?;
/// let total: usize = authors.iter().map(|a| a.books().len()).sum();
/// # Ok::<(), eagerly::Error>(())
/// ```
#[track_caller]
pub fn prefetch<Rel, P>(conn: impl Executor, rows: Vec<P>, rel: Rel) -> Result<Vec<P::Out>>
where
    Rel: Relation,
    Rel::Card: RelatedQueryOf,
    P: SetSlot<Rel, DefaultSlot<Rel>>,
{
    prefetch_with(conn, rows, rel, |related| related)
}

/// Loads `rel` onto rows you already have, through the query `related` makes of it; see
/// [`Query::prefetch_with`].
#[track_caller]
pub fn prefetch_with<Rel, P, Q>(
    conn: impl Executor,
    rows: Vec<P>,
    _rel: Rel,
    related: impl FnOnce(RelatedQueryFor<Rel>) -> Q,
) -> Result<Vec<P::Out>>
where
    Rel: Relation,
    Rel::Card: RelatedQueryOf,
    Q: RelatedQuery<Rel::To>,
    P: SetSlot<Rel, SlotOf<Rel, Q::Row>>,
{
    let related = related(Rel::Card::given()).into_query();
    conn.run(Location::caller(), |run| prefetch_in(run, rows, related))
}

/// [`prefetch`], awaited, on an async connection (feature `tokio-postgres`).
///
/// ```no_run
/// # use eagerly::__doc::*;
/// # async fn run(client: &mut tokio_postgres::Client) -> eagerly::Result<()> {
/// let authors = Author::query().all_async(&mut *client).await?;
/// let authors = eagerly::prefetch_async(&mut *client, authors, Author::books).await?;
/// # Ok(()) }
/// ```
#[cfg(feature = "tokio-postgres")]
#[track_caller]
pub fn prefetch_async<'c, Rel, P>(
    conn: impl crate::AsyncExecutor + 'c,
    rows: Vec<P>,
    _rel: Rel,
) -> impl Future<Output = Result<Vec<P::Out>>> + 'c
where
    Rel: Relation,
    P: SetSlot<Rel, DefaultSlot<Rel>> + 'c,
{
    let caller = Location::caller();
    async move {
        let load =
            LoadContext { caller, dialect: crate::sql::Dialect::Postgres, whole_table: false };
        let flow = fetch::<Rel, P, <Rel::To as Model>::Row>(load, rows, &Arc::new(Query::new()))?;
        // The batch's rows load nothing of their own: one statement, or several that
        // find rows by key alone.
        transaction::load_async(conn.into_run(caller), <Rel::To as Model>::TABLE, false, flow).await
    }
}

fn prefetch_in<Rel, P, R2>(
    run: Run<'_>,
    rows: Vec<P>,
    related: Query<Rel::To, R2>,
) -> Result<Vec<P::Out>>
where
    Rel: Relation,
    R2: Deref<Target = Rel::To> + MaybeSend + 'static,
    P: SetSlot<Rel, SlotOf<Rel, R2>>,
{
    let load = LoadContext::new(run, false);
    // The parents were read before: only the statements below the batch can agree.
    let agree = related.select.one_snapshot;
    let flow = fetch::<Rel, P, R2>(load, rows, &Arc::new(related))?;
    transaction::load(run, <Rel::To as Model>::TABLE, agree, flow)
}

/// Fills `rel`'s slot of every parent with its rows from `related`: a flow that runs the
/// batched statement (and those of the related rows' own relations).
pub(crate) fn fetch<'a, Rel, P, R2>(
    load: LoadContext,
    parents: Vec<P>,
    related: &Arc<Query<Rel::To, R2>>,
) -> Result<Flow<'a, Vec<P::Out>>>
where
    Rel: Relation,
    R2: Deref<Target = Rel::To> + MaybeSend + 'static,
    P: SetSlot<Rel, SlotOf<Rel, R2>> + 'a,
    P::Out: 'a,
{
    let keys: Vec<Option<Rel::Key>> = parents.iter().map(SetSlot::key).collect();
    let batch = Batch::<Rel>::new(&keys)?;
    let children = if batch.index.is_empty() {
        Flow::Done(keys.iter().map(|_| Vec::new()).collect())
    } else {
        Flow::Next(Box::new(Fetch::new(load, batch, keys, related.clone())?))
    };
    children.shorten().map(move |children| {
        let usage = crate::log::start_usage(Rel::NAME, false, load.caller);
        // Allocated once at its size: collecting through `Result` would grow it by
        // doubling, copying every row several times.
        let mut loaded = Vec::with_capacity(parents.len());
        for (parent, rows) in parents.into_iter().zip(children) {
            let mut slot = Rel::Card::from_rows(rows, missing::<Rel>)?;
            Rel::Card::watch(&mut slot, &usage);
            loaded.push(parent.set(slot));
        }
        Ok(loaded)
    })
}

/// The distinct keys of a set of parent rows.
struct Batch<Rel: Relation> {
    /// Position of each distinct key in `values`.
    index: HashMap<Rel::Key, usize>,
    /// The distinct keys as values to bind, in order of first appearance.
    values: Vec<Value>,
    /// Some key occurs for several parents (`belongs_to`, or any relation below a
    /// many-to-many): each of them needs its own copy of the related rows.
    shared: bool,
}

impl<Rel: Relation> Batch<Rel> {
    fn new(keys: &[Option<Rel::Key>]) -> Result<Self> {
        let mut batch =
            Batch { index: HashMap::with_capacity(keys.len()), values: Vec::new(), shared: false };
        for key in keys.iter().flatten() {
            match batch.index.entry(key.clone()) {
                Entry::Occupied(_) => batch.shared = true,
                Entry::Vacant(entry) => {
                    batch.values.push(to_value(key).map_err(|source| {
                        let (table, column) = key_names::<Rel>();
                        Error::Bind { table, column, source }
                    })?);
                    entry.insert(batch.values.len() - 1);
                }
            }
        }
        Ok(batch)
    }
}

/// The batched statements of one relation and level, waiting for their rows.
struct Fetch<Rel: Relation, R2> {
    load: LoadContext,
    related: Arc<Query<Rel::To, R2>>,
    batch: Batch<Rel>,
    /// The parents' keys, in parent order.
    keys: Vec<Option<Rel::Key>>,
    /// The statements (one, unless the keys are sent in several) and the one running.
    statements: Vec<Arc<Statement>>,
    running: usize,
    /// Where the statements' rows hold their key.
    key_at: usize,
    /// The last key found and its position: consecutive rows mostly share their key, and
    /// comparing is cheaper than hashing.
    last: Option<(Rel::Key, usize)>,
    into: Groups<R2>,
}

/// How a batch's rows become each parent's group.
enum Groups<R2> {
    /// Every parent has its own key, and the related rows are whole as they stream (the
    /// related query prefetches nothing): each goes straight to its group, and each group
    /// is allocated once, at its size, when its run of rows ends. Where the key is a field
    /// of the row, it is read from the decoded row rather than from SQLite a second time.
    Streamed {
        maker: RowMaker<R2>,
        groups: Vec<Vec<R2>>,
        pending: Vec<R2>,
        pending_key: Option<usize>,
    },
    /// Every parent has its own key, and the related rows load relations of their own,
    /// which run on the whole level: decode it, load them, then split it into groups.
    /// Rows come grouped by key (the batch is ordered by it unless the related query has
    /// an order of its own): runs of one key are recorded, not a key per row.
    Level { decoder: LevelDecoder<R2>, runs: Vec<(usize, usize)> },
    /// Parents share keys: keep the related rows' values, and decode them once per
    /// parent, so every parent owns its rows and their own nested relations.
    Shared { kept: Vec<Vec<Vec<Value>>> },
}

impl<Rel: Relation, R2: Deref<Target = Rel::To> + MaybeSend + 'static> Fetch<Rel, R2> {
    fn new(
        load: LoadContext,
        batch: Batch<Rel>,
        keys: Vec<Option<Rel::Key>>,
        related: Arc<Query<Rel::To, R2>>,
    ) -> Result<Self> {
        let table = <Rel::To as Model>::TABLE;
        let by = batch_key::<Rel>();
        let select = ordered::<Rel>(&related.select, &by);
        let key_at = by.own_column(table).unwrap_or(select.width());
        let parents = load.whole_table.then(|| parent_column::<Rel>());
        let statements =
            sql::select::batch(load.dialect, table, &select, &by, &batch.values, parents)?;
        let statements = statements.into_iter().map(Arc::new).collect();
        let into = if batch.shared {
            Groups::Shared { kept: batch.values.iter().map(|_| Vec::new()).collect() }
        } else if let Some(maker) = RowMaker::new(&related.plan, load) {
            Groups::Streamed {
                maker,
                groups: batch.values.iter().map(|_| Vec::new()).collect(),
                pending: Vec::new(),
                pending_key: None,
            }
        } else {
            Groups::Level { decoder: LevelDecoder::new(&related.plan, load), runs: Vec::new() }
        };
        Ok(Fetch { load, related, batch, keys, statements, running: 0, key_at, last: None, into })
    }

    /// The position among the parents' distinct keys of a related row's key; `None` for
    /// a key no parent has. SQLite compared with its own rules (`1 = 1.0`), or the batch
    /// selected its keys from the parent table (`LoadContext::whole_table`): a row for a
    /// key no parent has cannot be placed, and no parent asked for it.
    fn position(&mut self, key: Rel::Key) -> Option<usize> {
        let index = match &self.last {
            Some((last, index)) if *last == key => *index,
            _ => *self.batch.index.get(&key)?,
        };
        self.last = Some((key, index));
        Some(index)
    }

    /// The key a related row holds, read from the statement's key column.
    fn read_key(&self, row: Source<'_>) -> Result<Rel::Key> {
        let value = row.get(self.key_at).map_err(|e| Error::Database {
            table: key_names::<Rel>().0,
            sql: crate::error::abbreviated(&self.statements[self.running].text),
            source: e.into(),
        })?;
        Rel::Key::column_result(value).map_err(|e| {
            let (table, column) = key_names::<Rel>();
            let rust_type = std::any::type_name::<Rel::Key>();
            Error::Decode { table, column, rust_type, problem: DecodeProblem::Other(e) }
        })
    }

    /// The level below runs with every row of its table when the parents were, every row
    /// of the related table has a parent (a `has_many`), and the related query narrows
    /// nothing.
    fn child_load(&self) -> LoadContext {
        let every_row = Rel::LINK.reaches_every_related_row();
        let whole_table =
            self.load.whole_table && every_row && self.related.select.is_whole_table();
        LoadContext { whole_table, ..self.load }
    }

    /// Every statement ran: the parents' groups, in parent order.
    fn groups(self) -> Result<Flow<'static, Vec<Vec<R2>>>> {
        let child_load = self.child_load();
        let Fetch { batch, keys, into, load, related, .. } = self;
        match into {
            Groups::Streamed { mut groups, mut pending, pending_key, .. } => {
                if let Some(previous) = pending_key {
                    move_run(&mut groups[previous], &mut pending);
                }
                Ok(Flow::Done(in_parent_order(&keys, groups)))
            }
            Groups::Level { decoder, runs } => {
                let distinct = batch.values.len();
                decoder.finish(child_load)?.map(move |rows| {
                    let mut groups: Vec<Vec<R2>> = (0..distinct).map(|_| Vec::new()).collect();
                    let mut rows = rows.into_iter();
                    for (key, length) in runs {
                        groups[key].extend(rows.by_ref().take(length));
                    }
                    Ok(in_parent_order(&keys, groups))
                })
            }
            Groups::Shared { kept } => {
                let mut decoder = LevelDecoder::new(&related.plan, load);
                let mut counts = Vec::with_capacity(keys.len());
                for key in &keys {
                    let group = key.as_ref().map_or(&[][..], |k| &kept[batch.index[k]][..]);
                    for values in group {
                        decoder.push(Source::Values(values))?;
                    }
                    counts.push(group.len());
                }
                decoder.finish(child_load)?.map(move |rows| {
                    let mut rows = rows.into_iter();
                    Ok(counts.into_iter().map(|n| rows.by_ref().take(n).collect()).collect())
                })
            }
        }
    }
}

/// The groups of distinct keys as the parents' groups. Distinct keys were numbered in
/// parent order: the n-th parent with a key has group n, no lookup needed.
fn in_parent_order<K, T>(keys: &[Option<K>], groups: Vec<Vec<T>>) -> Vec<Vec<T>> {
    let mut groups = groups.into_iter();
    keys.iter().map(|key| key.as_ref().and_then(|_| groups.next()).unwrap_or_default()).collect()
}

fn move_run<T>(group: &mut Vec<T>, pending: &mut Vec<T>) {
    if group.is_empty() {
        *group = Vec::with_capacity(pending.len());
    }
    group.append(pending);
}

impl<Rel: Relation, R2: Deref<Target = Rel::To> + MaybeSend + 'static> Step<'static, Vec<Vec<R2>>>
    for Fetch<Rel, R2>
{
    fn statement(&self) -> Arc<Statement> {
        self.statements[self.running].clone()
    }

    fn more_may_follow(&self) -> bool {
        self.running + 1 < self.statements.len() || self.related.plan.is_chained()
    }

    fn rows(&mut self) -> &mut dyn Rows {
        self
    }

    fn finish(mut self: Box<Self>) -> Result<Flow<'static, Vec<Vec<R2>>>> {
        if self.running + 1 < self.statements.len() {
            self.running += 1;
            return Ok(Flow::Next(self));
        }
        self.groups()
    }
}

impl<Rel: Relation, R2: Deref<Target = Rel::To> + MaybeSend + 'static> Rows for Fetch<Rel, R2> {
    fn reserve(&mut self, rows: usize) {
        // Streamed groups are each allocated at their size; kept values are per parent.
        if let Groups::Level { decoder, .. } = &mut self.into {
            decoder.reserve(rows);
        }
    }

    fn push(&mut self, row: Source<'_>) -> Result<()> {
        if let Groups::Streamed { maker, .. } = &self.into {
            let made = maker.make(row);
            let key = match (&made, Rel::RELATED_KEY) {
                (Ok(made), Some(related_key)) => related_key(made),
                _ => Some(self.read_key(row)?),
            };
            // A row no parent has is skipped, even one that does not decode.
            let Some(key) = key.and_then(|key| self.position(key)) else { return Ok(()) };
            let made = made?;
            let Groups::Streamed { groups, pending, pending_key, .. } = &mut self.into else {
                unreachable!()
            };
            if *pending_key != Some(key) {
                if let Some(previous) = *pending_key {
                    move_run(&mut groups[previous], pending);
                }
                *pending_key = Some(key);
            }
            pending.push(made);
            return Ok(());
        }
        let key = self.read_key(row)?;
        let Some(key) = self.position(key) else { return Ok(()) };
        match &mut self.into {
            Groups::Level { decoder, runs } => {
                decoder.push(row)?;
                match runs.last_mut() {
                    Some((last, length)) if *last == key => *length += 1,
                    _ => runs.push((key, 1)),
                }
            }
            Groups::Shared { kept } => kept[key].push(values_of(row, <Rel::To as Model>::TABLE)?),
            Groups::Streamed { .. } => unreachable!("handled above"),
        }
        Ok(())
    }
}

fn batch_key<Rel: Relation>() -> BatchKey {
    let target = <Rel::To as Model>::TABLE;
    let (alias, column, pairs) = Rel::LINK.batch_key(target);
    let through = pairs.map(|(through, to)| (through, to, target.key_column()));
    BatchKey { relation: Rel::NAME, alias, column, through }
}

/// The column of the parent table that holds the keys of a batch: what a batch selects
/// from that table instead of sending the keys (see [`LoadContext::whole_table`]).
fn parent_column<Rel: Relation>() -> (&'static Table, &'static str) {
    let parent = <Rel::From as Model>::TABLE;
    (parent, Rel::LINK.source_column(parent))
}

/// The table and column holding the key, for messages.
fn key_names<Rel: Relation>() -> (&'static str, &'static str) {
    (Rel::LINK.key_table(<Rel::To as Model>::TABLE).name, batch_key::<Rel>().column)
}

/// The related query's ordering, with the primary key last, so related rows come in a
/// defined order whatever the user ordered by. Without an order of the user's, the batch
/// is ordered by its key first: that is the order of the foreign-key index the `IN`
/// lookup reads (for a many-to-many, the link table's key), so SQLite need not sort, and
/// within one parent it is key order.
///
/// A batch that finds one row per key (a `belongs_to`) is not ordered at all: a parent's
/// group is that one row whatever the order (groups are made by key, not by position),
/// so an `ORDER BY` would only make the database sort. A slice per parent keeps its order,
/// which its window function ranks by.
fn ordered<Rel: Relation>(select: &Select, key: &BatchKey) -> Select {
    let mut select = select.clone();
    let sliced = select.limit.is_some() || select.offset.is_some();
    if Rel::LINK.one_row_per_key() && !sliced {
        select.order.clear();
        return select;
    }
    if select.order.is_empty() {
        select.order.push(OrderTerm { alias: key.alias, ..OrderTerm::ascending(key.column) });
        // A many-to-many's pairs, in the order of the link table's key (`from`, `to`): the
        // link's `to` is the related key it joins, and ordering by the link's own column
        // lets SQLite read the pairs in index order instead of sorting the joined rows.
        if let Some((_, to, _)) = key.through {
            let keys = <Rel::To as Model>::TABLE.primary_key.len();
            if keys == 1 {
                select.order.push(OrderTerm { alias: key.alias, ..OrderTerm::ascending(to) });
                return select;
            }
        }
    }
    for column in <Rel::To as Model>::TABLE.key_columns() {
        if !select.order.iter().any(|o| o.alias == Alias::Base && o.column == column) {
            select.order.push(OrderTerm::ascending(column));
        }
    }
    select
}

/// Every value of a result row, kept to be decoded later. Only text that is not UTF-8
/// can fail here; the error names the table's column at that position (or `?` for a
/// column of a join or count).
fn values_of(row: Source<'_>, table: &'static Table) -> Result<Vec<Value>> {
    if let Source::Values(values) = row {
        return Ok(values.to_vec());
    }
    (0..row.column_count())
        .map(|i| {
            let value = row.get(i).map_err(|e| FromSqlError::Other(Box::new(e)));
            value.and_then(Value::from_sqlite).map_err(|problem| Error::Decode {
                table: table.name,
                column: table.columns.get(i).map_or("?", |c| c.name),
                rust_type: "String",
                problem: DecodeProblem::Other(problem),
            })
        })
        .collect()
}

/// The loading calls of this module on the query of a prefetched NOT NULL `belongs_to`.
impl<M: Model, R: 'static> ToOneQuery<M, R> {
    /// [`Query::prefetch`] on the related rows.
    pub fn prefetch<Rel>(
        self,
        rel: Rel,
    ) -> ToOneQuery<M, <R as SetSlot<Rel, DefaultSlot<Rel>>>::Out>
    where
        Rel: Relation,
        Rel::Card: RelatedQueryOf,
        R: SetSlot<Rel, DefaultSlot<Rel>>,
        <R as SetSlot<Rel, DefaultSlot<Rel>>>::Out: 'static,
    {
        ToOneQuery(self.0.prefetch(rel))
    }

    /// [`Query::prefetch_with`] on the related rows.
    #[allow(clippy::type_complexity)] // the row type, spelled out so that docs show it
    pub fn prefetch_with<Rel, Q>(
        self,
        rel: Rel,
        related: impl FnOnce(RelatedQueryFor<Rel>) -> Q,
    ) -> ToOneQuery<M, <R as SetSlot<Rel, SlotOf<Rel, Q::Row>>>::Out>
    where
        Rel: Relation,
        Rel::Card: RelatedQueryOf,
        Q: RelatedQuery<Rel::To> + 'static,
        R: SetSlot<Rel, SlotOf<Rel, Q::Row>>,
        <R as SetSlot<Rel, SlotOf<Rel, Q::Row>>>::Out: 'static,
    {
        ToOneQuery(self.0.prefetch_with(rel, related))
    }
}
