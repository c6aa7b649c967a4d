//! `prefetch`: one batched statement per relation and level, `WHERE key IN (..)` over the
//! distinct keys of the parent rows, with the children grouped back to their parents here.

use std::collections::hash_map::Entry;
use std::hash::Hash;
use std::ops::Deref;
use std::panic::Location;

use foldhash::{HashMap, HashMapExt};
use rusqlite::Connection;
use rusqlite::types::{FromSql, FromSqlError, Value};

use super::{LevelDecoder, RowMaker};
use crate::column::OrderTerm;
use crate::error::{DecodeProblem, Error, Result};
use crate::exec::Run;
use crate::model::Model;
use crate::plan::alias::Alias;
use crate::plan::{BatchKey, Select};
use crate::query::Query;
use crate::relation::{Card, DefaultSlot, Relation, SlotOf, missing};
use crate::row::{SetSlot, Source};
use crate::schema::Table;
use crate::value::to_value;
use crate::{exec, sql, transaction};

impl<M: Model, R: 'static> Query<M, R> {
    /// Loads `rel` with one more statement, `WHERE key IN (..)` over the keys of all the
    /// rows this query returns (Django's `prefetch_related`), read as `row.books()`.
    /// Works for every kind of relation: `has_many` and `many_to_many` give a slice,
    /// `belongs_to` a row (batched rather than joined, as Django's `prefetch_related`
    /// allows).
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
    pub fn prefetch_with<Rel, R2>(
        self,
        _rel: Rel,
        related: impl FnOnce(Query<Rel::To>) -> Query<Rel::To, R2>,
    ) -> Query<M, <R as SetSlot<Rel, SlotOf<Rel, R2>>>::Out>
    where
        Rel: Relation,
        R2: Deref<Target = Rel::To> + 'static,
        R: SetSlot<Rel, SlotOf<Rel, R2>>,
        <R as SetSlot<Rel, SlotOf<Rel, R2>>>::Out: 'static,
    {
        let related = related(Query::new());
        self.map_plan(|plan| plan.then(move |run, rows| load::<Rel, R, R2>(run, rows, &related)))
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
pub fn prefetch<Rel, P>(conn: &Connection, rows: Vec<P>, rel: Rel) -> Result<Vec<P::Out>>
where
    Rel: Relation,
    P: SetSlot<Rel, DefaultSlot<Rel>>,
{
    prefetch_with(conn, rows, rel, |related| related)
}

/// Loads `rel` onto rows you already have, through the query `related` makes of it; see
/// [`Query::prefetch_with`].
#[track_caller]
pub fn prefetch_with<Rel, P, R2>(
    conn: &Connection,
    rows: Vec<P>,
    _rel: Rel,
    related: impl FnOnce(Query<Rel::To>) -> Query<Rel::To, R2>,
) -> Result<Vec<P::Out>>
where
    Rel: Relation,
    R2: Deref<Target = Rel::To>,
    P: SetSlot<Rel, SlotOf<Rel, R2>>,
{
    let run = Run::new(conn, Location::caller());
    let related = related(Query::new());
    if related.plan.is_chained() {
        // The related rows load relations of their own: one snapshot for all of it.
        transaction::one_snapshot(run, <Rel::To as Model>::TABLE, || load(run, rows, &related))
    } else {
        load::<Rel, P, R2>(run, rows, &related)
    }
}

/// Fills `rel`'s slot of every parent with its rows from `related`.
fn load<Rel, P, R2>(
    run: Run<'_>,
    parents: Vec<P>,
    related: &Query<Rel::To, R2>,
) -> Result<Vec<P::Out>>
where
    Rel: Relation,
    R2: Deref<Target = Rel::To>,
    P: SetSlot<Rel, SlotOf<Rel, R2>>,
{
    let keys: Vec<Option<Rel::Key>> = parents.iter().map(SetSlot::key).collect();
    let batch = Batch::<Rel>::new(&keys)?;
    let children = if batch.index.is_empty() {
        keys.iter().map(|_| Vec::new()).collect()
    } else if batch.shared {
        batch.fetch_shared(run, related, &keys)?
    } else {
        batch.fetch_distinct(run, related, &keys)?
    };
    let usage = crate::log::start_usage(Rel::NAME, false, run.caller);
    // Allocated once at its size: collecting through `Result` would grow it by doubling,
    // copying every row several times.
    let mut loaded = Vec::with_capacity(parents.len());
    for (parent, rows) in parents.into_iter().zip(children) {
        let mut slot = Rel::Card::from_rows(rows, missing::<Rel>)?;
        Rel::Card::watch(&mut slot, &usage);
        loaded.push(parent.set(slot));
    }
    Ok(loaded)
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

    /// Every parent has its own key: decode the related rows as they stream, then hand
    /// each group to its parent.
    fn fetch_distinct<R2: Deref<Target = Rel::To>>(
        &self,
        run: Run<'_>,
        related: &Query<Rel::To, R2>,
        keys: &[Option<Rel::Key>],
    ) -> Result<Vec<Vec<R2>>> {
        let groups = match RowMaker::new(&related.plan, run) {
            Some(maker) => self.fetch_streamed(run, related, &maker)?,
            None => self.fetch_level(run, related)?,
        };
        // Distinct keys were numbered in parent order: the n-th parent with a key has
        // group n, no lookup needed.
        let mut groups = groups.into_iter();
        Ok(keys
            .iter()
            .map(|key| key.as_ref().and_then(|_| groups.next()).unwrap_or_default())
            .collect())
    }

    /// The related rows are whole as they stream (the related query prefetches nothing):
    /// each goes straight to its group, and each group is allocated once, at its size,
    /// when its run of rows ends. Where the key is a field of the row, it is read from the
    /// decoded row rather than from SQLite a second time.
    fn fetch_streamed<R2: Deref<Target = Rel::To>>(
        &self,
        run: Run<'_>,
        related: &Query<Rel::To, R2>,
        maker: &RowMaker<'_, R2>,
    ) -> Result<Vec<Vec<R2>>> {
        fn move_run<T>(group: &mut Vec<T>, pending: &mut Vec<T>) {
            if group.is_empty() {
                *group = Vec::with_capacity(pending.len());
            }
            group.append(pending);
        }
        let mut groups: Vec<Vec<R2>> = self.values.iter().map(|_| Vec::new()).collect();
        let mut pending = Vec::new();
        let mut pending_key = None;
        let mut lookup = Lookup::new(&self.index);
        self.rows(run, related, |row, key_column| {
            let made = maker.make(Source::Sqlite(row));
            let key = match (&made, Rel::RELATED_KEY) {
                (Ok(made), Some(related_key)) => related_key(made),
                _ => Some(key_column.read::<Rel::Key>(row)?),
            };
            // A row no parent has is skipped (see `run`), even one that does not decode.
            let Some(key) = key.and_then(|key| lookup.find(key)) else { return Ok(()) };
            let made = made?;
            if pending_key != Some(key) {
                if let Some(previous) = pending_key {
                    move_run(&mut groups[previous], &mut pending);
                }
                pending_key = Some(key);
            }
            pending.push(made);
            Ok(())
        })?;
        if let Some(previous) = pending_key {
            move_run(&mut groups[previous], &mut pending);
        }
        Ok(groups)
    }

    /// The related rows load relations of their own, which run on the whole level: decode
    /// it, load them, then split it into groups.
    fn fetch_level<R2>(&self, run: Run<'_>, related: &Query<Rel::To, R2>) -> Result<Vec<Vec<R2>>> {
        let mut decoder = LevelDecoder::new(&related.plan, run);
        // Rows come grouped by key (the batch is ordered by it unless the related query
        // has an order of its own): record runs of one key, not a key per row.
        let mut runs: Vec<(usize, usize)> = Vec::new();
        self.run(run, related, |row, key| {
            decoder.push(Source::Sqlite(row))?;
            match runs.last_mut() {
                Some((last, length)) if *last == key => *length += 1,
                _ => runs.push((key, 1)),
            }
            Ok(())
        })?;
        let mut groups: Vec<Vec<R2>> = self.values.iter().map(|_| Vec::new()).collect();
        let mut rows = decoder.finish(child_run::<Rel, R2>(run, related))?.into_iter();
        for (key, length) in runs {
            groups[key].extend(rows.by_ref().take(length));
        }
        Ok(groups)
    }

    /// Parents share keys: keep the related rows' values, and decode them once per parent,
    /// so every parent owns its rows and their own nested relations.
    fn fetch_shared<R2>(
        &self,
        run: Run<'_>,
        related: &Query<Rel::To, R2>,
        keys: &[Option<Rel::Key>],
    ) -> Result<Vec<Vec<R2>>> {
        let mut kept: Vec<Vec<Vec<Value>>> = self.values.iter().map(|_| Vec::new()).collect();
        self.run(run, related, |row, key| {
            kept[key].push(values_of(row, <Rel::To as Model>::TABLE)?);
            Ok(())
        })?;
        let mut decoder = LevelDecoder::new(&related.plan, run);
        let mut counts = Vec::with_capacity(keys.len());
        for key in keys {
            let group = key.as_ref().map_or(&[][..], |k| &kept[self.index[k]][..]);
            for values in group {
                decoder.push(Source::Values(values))?;
            }
            counts.push(group.len());
        }
        let mut rows = decoder.finish(child_run::<Rel, R2>(run, related))?.into_iter();
        Ok(counts.into_iter().map(|n| rows.by_ref().take(n).collect()).collect())
    }

    /// Runs the batched statements and calls `each` with every related row that belongs
    /// to a parent, and the index of its key in `values`.
    fn run<R2>(
        &self,
        run: Run<'_>,
        related: &Query<Rel::To, R2>,
        mut each: impl FnMut(&rusqlite::Row<'_>, usize) -> Result<()>,
    ) -> Result<()> {
        let mut lookup = Lookup::new(&self.index);
        self.rows(run, related, |row, key_column| {
            match lookup.find(key_column.read::<Rel::Key>(row)?) {
                Some(index) => each(row, index),
                // SQLite compared with its own rules (`1 = 1.0`), or the batch selected
                // its keys from the parent table (`Run::whole_table`): a row for a key no
                // parent has cannot be placed, and no parent asked for it.
                None => Ok(()),
            }
        })
    }

    /// Runs the batched statements and calls `each` with every related row, and where its
    /// key is.
    fn rows<R2>(
        &self,
        run: Run<'_>,
        related: &Query<Rel::To, R2>,
        mut each: impl FnMut(&rusqlite::Row<'_>, &KeyColumn<'_>) -> Result<()>,
    ) -> Result<()> {
        let table = <Rel::To as Model>::TABLE;
        let by = batch_key::<Rel>();
        let select = ordered::<Rel>(&related.select, &by);
        let (key_table, key_name) = key_names::<Rel>();
        let key_at = by.own_column(table).unwrap_or(select.width());
        let parents = run.whole_table.then(|| parent_column::<Rel>());
        let statements = sql::select::batch(table, &select, &by, &self.values, parents)?;
        let mut each_statement = || {
            for statement in &statements {
                let key_column =
                    KeyColumn { at: key_at, table: key_table, name: key_name, statement };
                exec::query(run, statement, &statement.param_refs(), |row| each(row, &key_column))?;
            }
            Ok(())
        };
        if statements.len() > 1 {
            // Keys sent in several statements: one snapshot for all of them.
            transaction::one_snapshot(run, table, each_statement)
        } else {
            each_statement()
        }
    }
}

/// Where a batched statement's rows hold their key.
struct KeyColumn<'s> {
    at: usize,
    table: &'static str,
    name: &'static str,
    statement: &'s sql::Statement,
}

impl KeyColumn<'_> {
    fn read<K: FromSql>(&self, row: &rusqlite::Row<'_>) -> Result<K> {
        let value = row.get_ref(self.at).map_err(|e| Error::Database {
            table: self.table,
            sql: crate::error::abbreviated(&self.statement.text),
            source: e,
        })?;
        K::column_result(value).map_err(|e| Error::Decode {
            table: self.table,
            column: self.name,
            rust_type: std::any::type_name::<K>(),
            problem: DecodeProblem::Other(e),
        })
    }
}

/// Finds the position of a related row's key among the parents' keys.
struct Lookup<'b, K> {
    index: &'b HashMap<K, usize>,
    /// The last key found and its position: consecutive rows mostly share their key, and
    /// comparing is cheaper than hashing.
    last: Option<(K, usize)>,
}

impl<'b, K: Eq + Hash> Lookup<'b, K> {
    fn new(index: &'b HashMap<K, usize>) -> Self {
        Lookup { index, last: None }
    }

    fn find(&mut self, key: K) -> Option<usize> {
        let index = match &self.last {
            Some((last, index)) if *last == key => *index,
            _ => *self.index.get(&key)?,
        };
        self.last = Some((key, index));
        Some(index)
    }
}

fn batch_key<Rel: Relation>() -> BatchKey {
    let target = <Rel::To as Model>::TABLE;
    let (alias, column, pairs) = Rel::LINK.batch_key(target);
    let through = pairs.map(|(through, to)| (through, to, target.key_column()));
    BatchKey { relation: Rel::NAME, alias, column, through }
}

/// The column of the parent table that holds the keys of a batch: what a batch selects
/// from that table instead of sending the keys (see [`Run::whole_table`]).
fn parent_column<Rel: Relation>() -> (&'static Table, &'static str) {
    let parent = <Rel::From as Model>::TABLE;
    (parent, Rel::LINK.source_column(parent))
}

/// The execution of the level below: its rows are every row of their table when the
/// parents were, every row of the related table has a parent (a `has_many`), and the
/// related query narrows nothing.
fn child_run<'c, Rel: Relation, R2>(run: Run<'c>, related: &Query<Rel::To, R2>) -> Run<'c> {
    let every_row = Rel::LINK.reaches_every_related_row();
    Run { whole_table: run.whole_table && every_row && related.select.is_whole_table(), ..run }
}

/// The table and column holding the key, for messages.
fn key_names<Rel: Relation>() -> (&'static str, &'static str) {
    (Rel::LINK.key_table(<Rel::To as Model>::TABLE).name, batch_key::<Rel>().column)
}

/// The related query's ordering, with the primary key last, so related rows come in a
/// defined order whatever the user ordered by. Without an order of the user's, the batch
/// is ordered by its key first: that is the order of the foreign-key index the `IN`
/// lookup reads, so SQLite need not sort, and within one parent it is key order.
fn ordered<Rel: Relation>(select: &Select, key: &BatchKey) -> Select {
    let mut select = select.clone();
    if select.order.is_empty() {
        select.order.push(OrderTerm { alias: key.alias, ..OrderTerm::ascending(key.column) });
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
fn values_of(row: &rusqlite::Row<'_>, table: &'static Table) -> Result<Vec<Value>> {
    (0..row.as_ref().column_count())
        .map(|i| {
            let value = row.get_ref(i).map_err(|e| FromSqlError::Other(Box::new(e)));
            value.and_then(Value::try_from).map_err(|problem| Error::Decode {
                table: table.name,
                column: table.columns.get(i).map_or("?", |c| c.name),
                rust_type: "String",
                problem: DecodeProblem::Other(problem),
            })
        })
        .collect()
}
