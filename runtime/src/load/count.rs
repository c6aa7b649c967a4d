//! `with_count`: the number of related rows, computed by SQLite in a correlated subquery
//! per row. A subquery rather than a JOIN with GROUP BY, so counts never multiply rows,
//! whatever else the statement joins or counts. A count counts what a prefetch of the
//! same relation loads: a many-to-many's pairs only where the related row is there.

use super::decode::read_count;
use super::related::ToOneQuery;
use crate::error::Result;
use crate::model::{DecodeRow, Model};
use crate::plan::alias::Alias;
use crate::plan::layout::SlotLayout;
use crate::plan::{CountedTarget, Extra, Select};
use crate::query::Query;
use crate::relation::{CountKey, Countable, Relation};
use crate::row::{Counted, Loaded, SetSlot, Source};

impl<M: Model, R: 'static> Query<M, R> {
    /// Counts `rel`'s rows for every row, in SQL (Django's `annotate(Count(..))`, Rails'
    /// `counter_cache` without the cache), read as `row.books_count()`. In a load that
    /// also prefetches, every statement reads one snapshot, so a count agrees with the
    /// rows a prefetch of the same relation loads, whatever other connections commit.
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
    /// # let a = NewAuthor { name: "Ann".into() }.insert(&conn)?;
    /// # NewBook { title: "One".into(), author_id: a.id }.insert(&conn)?;
    /// let (authors, log) = eagerly::capture(|| Author::query().with_count(Author::books).all(&conn));
    /// assert_eq!(authors?[0].books_count(), 1);
    /// assert_eq!(log.sql(), [
    ///     r#"SELECT t0."id", t0."name", (SELECT COUNT(*) FROM "book" c1 WHERE c1."author_id" = t0."id") FROM "author" t0"#
    /// ]);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn with_count<Rel>(
        mut self,
        _rel: Rel,
    ) -> Query<M, <R as SetSlot<CountKey<Rel>, Counted>>::Out>
    where
        Rel: Relation,
        Rel::Card: Countable,
        R: SetSlot<CountKey<Rel>, Counted>,
        <R as SetSlot<CountKey<Rel>, Counted>>::Out: DecodeRow + 'static,
    {
        let offset = add::<Rel>(&mut self.select, Alias::Base);
        let slot = <R as SetSlot<CountKey<Rel>, Counted>>::SLOT;
        self.map_plan(|plan| {
            plan.with_value(
                (Rel::NAME, true, slot),
                SlotLayout::Count { offset, relation: Rel::NAME },
                move |row| read(row, offset, Rel::NAME),
                |row: R, mut count: Counted, usage| {
                    count.watch(usage);
                    row.set(count)
                },
            )
        })
    }
}

/// Adds the counting subquery of `Rel` for the table aliased `parent`; returns the
/// position of its column.
pub(crate) fn add<Rel: Relation>(select: &mut Select, parent: Alias) -> usize
where
    Rel::Card: Countable,
{
    let from = <Rel::From as Model>::TABLE;
    let key = from.key_column();
    let offset = select.width();
    let alias = select.next_alias(Alias::Count);
    select.one_snapshot = true;
    let to = <Rel::To as Model>::TABLE;
    let Some(counted) = Rel::LINK.counted(to) else {
        unreachable!("the derive makes only to-many relations Countable ({})", Rel::NAME)
    };
    let target = counted.pair_to.map(|pair_to| CountedTarget {
        table: to,
        alias: select.next_alias(Alias::Count),
        key: to.key_column(),
        to: pair_to,
    });
    let (table, fk) = (counted.table, counted.fk);
    select.extras.push(Extra::Count { table, alias, fk, parent, key, target });
    offset
}

/// Reads a count added by [`add`].
pub(crate) fn read(row: Source<'_>, offset: usize, relation: &'static str) -> Result<Counted> {
    Ok(Loaded::new(read_count(row, offset, relation)?))
}

/// The loading calls of this module on the query of a prefetched NOT NULL `belongs_to`.
impl<M: Model, R: 'static> ToOneQuery<M, R> {
    /// [`Query::with_count`] on the related rows.
    pub fn with_count<Rel>(
        self,
        rel: Rel,
    ) -> ToOneQuery<M, <R as SetSlot<CountKey<Rel>, Counted>>::Out>
    where
        Rel: Relation,
        Rel::Card: Countable,
        R: SetSlot<CountKey<Rel>, Counted>,
        <R as SetSlot<CountKey<Rel>, Counted>>::Out: DecodeRow + 'static,
    {
        ToOneQuery(self.0.with_count(rel))
    }
}
