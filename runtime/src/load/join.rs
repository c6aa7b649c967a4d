//! `select_related`: loading `belongs_to` relations with a JOIN in the query's own
//! statement, nested to any depth (`Book` -> author -> publisher).

use std::marker::PhantomData;

use super::decode::decode_joined;
use super::level::{AsDecoded, Beneath, LevelLoad, ThenPrefetch, load_present};
use super::related::{RelatedQuery, RelatedQueryFor, RelatedQueryOf, ToOneQuery};
use crate::model::{DecodeRow, Model};
use crate::plan::alias::Alias;
use crate::plan::layout::{JoinedKey, RowLayout, SlotLayout};
use crate::plan::{Extra, JoinClause, Select};
use crate::query::Query;
use crate::relation::Card;
use crate::relation::{CountKey, Countable, DefaultSlot, Joinable, Relation, SlotOf, missing};
use crate::row::{Counted, SetSlot};
use crate::send::MaybeSend;

/// A joined model inside [`Query::select_related_with`]: what to load along with it, by
/// further JOINs (`select_related`) or counting subqueries (`with_count`).
///
/// ```
/// # use eagerly::Model;
/// # #[derive(Model, Debug)]
/// # pub struct Publisher { #[model(primary_key)] pub id: i64, pub name: String }
/// # #[derive(Model, Debug)]
/// # #[model(has_many(books = Book))]
/// # pub struct Author { #[model(primary_key)] pub id: i64, pub name: String,
/// #     #[model(belongs_to(publisher = Publisher))] pub publisher_id: Option<i64> }
/// # #[derive(Model, Debug)]
/// # pub struct Book { #[model(primary_key)] pub id: i64, pub title: String,
/// #     #[model(belongs_to(author = Author))] pub author_id: i64 }
/// # let conn = eagerly::rusqlite::Connection::open_in_memory()?;
/// # eagerly::create_tables(&conn, &[Publisher::TABLE, Author::TABLE, Book::TABLE])?;
/// // Django's select_related("author__publisher"), plus the author's book count.
/// let books = Book::query()
///     .select_related_with(Book::author, |author| {
///         author.select_related(Author::publisher).with_count(Author::books)
///     })
///     .all(&conn)?;
/// for book in &books {
///     let author = book.author();
///     let publisher = author.publisher().map_or("-", |p| p.name.as_str());
///     println!("{} by {} ({publisher}, {} books)", book.title, author.name, author.books_count());
/// }
/// # Ok::<(), eagerly::Error>(())
/// ```
///
/// It also prefetches the joined rows' relations, with one batched statement each over
/// every joined row (Django's `select_related("author").prefetch_related("author__tags")`,
/// two statements):
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let (books, log) = eagerly::capture(|| {
///     Book::query().select_related_with(Book::author, |author| author.prefetch(Author::books)).all(&conn)
/// });
/// assert_eq!(books?[0].author().books().len(), 2);
/// assert_eq!(log.len(), 2);
/// # Ok::<(), eagerly::Error>(())
/// ```
///
/// `D` is the joined row type as decoded, which each call changes; `layout` says where its
/// values are in the result row, so that the whole path of JOINs is made in one call
/// per row (`load::decode`). `L` loads the joined rows once the statement's rows are
/// decoded: the prefetches below this JOIN, or below a JOIN below it (`AsDecoded` when
/// there are none).
pub struct Join<M: Model, D = <M as Model>::Row, L = AsDecoded> {
    select: Select,
    place: Place,
    layout: RowLayout,
    level: L,
    row: PhantomData<fn() -> (M, D)>,
}

impl<M: Model, D, L> Join<M, D, L> {
    /// Also loads `rel` of the joined model, with one more JOIN.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let books = Book::query()
    ///     .select_related_with(Book::author, |author| author.select_related(Author::publisher))
    ///     .all(&conn)?;
    /// assert_eq!(books[0].author().publisher().unwrap().name, "Tor");
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn select_related<Rel>(
        self,
        rel: Rel,
    ) -> Join<M, <D as SetSlot<Rel, DefaultSlot<Rel>>>::Out, L>
    where
        Rel: Relation,
        Rel::Card: Joinable,
        D: SetSlot<Rel, DefaultSlot<Rel>>,
    {
        self.select_related_with(rel, |joined| joined)
    }

    /// Also loads `rel` of the joined model, and what `nested` adds to it.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let books = Book::query()
    ///     .select_related_with(Book::author, |author| author.select_related(Author::publisher))
    ///     .all(&conn)?;
    /// let publishers: Vec<Option<&str>> =
    ///     books.iter().map(|b| b.author().publisher().map(|p| p.name.as_str())).collect();
    /// assert_eq!(publishers, [Some("Tor"), Some("Tor"), Some("Tor"), Some("Tor")]);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    #[allow(clippy::type_complexity)] // the joined row and its load, spelled out
    pub fn select_related_with<Rel, D2, L2: Beneath>(
        self,
        _rel: Rel,
        nested: impl FnOnce(Join<Rel::To>) -> Join<Rel::To, D2, L2>,
    ) -> Join<M, <D as SetSlot<Rel, SlotOf<Rel, D2>>>::Out, L2::Under<L, Rel, D2>>
    where
        Rel: Relation,
        Rel::Card: Joinable,
        D: SetSlot<Rel, SlotOf<Rel, D2>>,
    {
        let (select, joined, below) = join::<Rel, D2, L2>(self.select, self.place, nested);
        let mut layout = self.layout;
        layout.set(<D as SetSlot<Rel, SlotOf<Rel, D2>>>::SLOT, SlotLayout::Joined(joined));
        Join {
            select,
            place: self.place,
            layout,
            level: below.beneath(self.level),
            row: PhantomData,
        }
    }

    /// Also loads `rel` of the joined rows, with one more statement over all of them
    /// (keys repeat where rows share a joined row: each gets its own copy).
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let books = Book::query()
    ///     .select_related_with(Book::author, |author| author.prefetch(Author::books))
    ///     .all(&conn)?;
    /// assert_eq!(books[0].author().books()[0].title, books[0].title);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn prefetch<Rel>(
        self,
        rel: Rel,
    ) -> Join<M, D, ThenPrefetch<L, Rel, <Rel::To as Model>::Row>>
    where
        Rel: Relation,
        Rel::Card: RelatedQueryOf,
        L: LevelLoad<D>,
        L::Out: SetSlot<Rel, DefaultSlot<Rel>>,
    {
        self.prefetch_with(rel, |related| related)
    }

    /// Also loads `rel` of the joined rows through the query `related` makes of it, as
    /// [`Query::prefetch_with`] does.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let books = Book::query()
    ///     .select_related_with(Book::author, |author| {
    ///         author.prefetch_with(Author::books, |books| books.order_by(Book::id.desc()).limit(1))
    ///     })
    ///     .all(&conn)?;
    /// assert_eq!(books[0].author().books().len(), 1);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn prefetch_with<Rel, Q>(
        self,
        _rel: Rel,
        related: impl FnOnce(RelatedQueryFor<Rel>) -> Q,
    ) -> Join<M, D, ThenPrefetch<L, Rel, Q::Row>>
    where
        Rel: Relation,
        Rel::Card: RelatedQueryOf,
        Q: RelatedQuery<Rel::To>,
        L: LevelLoad<D>,
        L::Out: SetSlot<Rel, SlotOf<Rel, Q::Row>>,
    {
        let related = related(Rel::Card::given()).into_query();
        let mut select = self.select;
        select.prefetch(Rel::LINK, &related.select);
        Join {
            select,
            place: self.place,
            layout: self.layout,
            level: ThenPrefetch::new(self.level, related),
            row: PhantomData,
        }
    }

    /// Also counts `rel`'s rows of the joined model, in SQL.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let books = Book::query().select_related_with(Book::author, |a| a.with_count(Author::books)).all(&conn)?;
    /// assert_eq!(books[0].author().books_count(), 2);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn with_count<Rel>(
        self,
        _rel: Rel,
    ) -> Join<M, <D as SetSlot<CountKey<Rel>, Counted>>::Out, L>
    where
        Rel: Relation,
        Rel::Card: Countable,
        D: SetSlot<CountKey<Rel>, Counted>,
    {
        let mut select = self.select;
        let offset = super::count::add::<Rel>(&mut select, self.place.alias);
        let mut layout = self.layout;
        let slot = <D as SetSlot<CountKey<Rel>, Counted>>::SLOT;
        layout.set(slot, SlotLayout::Count { offset, relation: Rel::NAME });
        Join { select, place: self.place, layout, level: self.level, row: PhantomData }
    }
}

impl<M: Model, R: 'static> Query<M, R> {
    /// Loads the `belongs_to` relation `rel` with a JOIN in this query's statement
    /// (Django's `select_related`), read as `row.author()` (`&AuthorRow`, a NOT NULL
    /// foreign key) or `row.publisher()` (`Option<&PublisherRow>`, a nullable one). The JOIN
    /// is a LEFT JOIN either way, so no row is ever dropped: a NOT NULL foreign key that
    /// finds no row (the database did not enforce it) is
    /// [`Error::MissingRelated`](crate::error::Error::MissingRelated), as for a prefetch, while
    /// `count()` counts the row. Through a NOT NULL foreign key to an integer key, the
    /// joined key is not selected: it is the foreign key's value, already in the row.
    ///
    /// ```
    /// # use eagerly::Model;
    /// # #[derive(Model, Debug)]
    /// # pub struct Publisher { #[model(primary_key)] pub id: i64, pub name: String }
    /// # #[derive(Model, Debug)]
    /// # pub struct Author { #[model(primary_key)] pub id: i64, pub name: String,
    /// #     #[model(belongs_to(publisher = Publisher))] pub publisher_id: Option<i64> }
    /// # let conn = eagerly::rusqlite::Connection::open_in_memory()?;
    /// # eagerly::create_tables(&conn, &[Publisher::TABLE, Author::TABLE])?;
    /// let (authors, log) = eagerly::capture(|| Author::query().select_related(Author::publisher).all(&conn));
    /// for author in authors? {
    ///     println!("{}: {}", author.name, author.publisher().map_or("self-published", |p| &p.name));
    /// }
    /// assert_eq!(log.sql(), [
    ///     r#"SELECT t0."id", t0."name", t0."publisher_id", j1."id", j1."name" FROM "author" t0 LEFT JOIN "publisher" j1 ON j1."id" = t0."publisher_id""#
    /// ]);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn select_related<Rel>(
        self,
        rel: Rel,
    ) -> Query<M, <R as SetSlot<Rel, DefaultSlot<Rel>>>::Out>
    where
        Rel: Relation,
        Rel::Card: Joinable,
        R: SetSlot<Rel, DefaultSlot<Rel>>,
        <R as SetSlot<Rel, DefaultSlot<Rel>>>::Out: DecodeRow + 'static,
        DefaultSlot<Rel>: MaybeSend,
    {
        self.select_related_with(rel, |joined| joined)
    }

    /// Loads `rel` with a JOIN, and what `nested` adds to the joined model: further JOINs
    /// (Django's `select_related("author__publisher")`), counts, and prefetches of the
    /// joined rows' relations. See [`Join`].
    #[allow(clippy::type_complexity)] // the row type, spelled out so that docs show it
    pub fn select_related_with<Rel, D2, L2: LevelLoad<D2>>(
        mut self,
        _rel: Rel,
        nested: impl FnOnce(Join<Rel::To>) -> Join<Rel::To, D2, L2>,
    ) -> Query<M, <R as SetSlot<Rel, SlotOf<Rel, L2::Out>>>::Out>
    where
        Rel: Relation,
        Rel::Card: Joinable,
        D2: DecodeRow<Model = Rel::To> + MaybeSend + 'static,
        R: SetSlot<Rel, SlotOf<Rel, L2::Out>>,
        <R as SetSlot<Rel, SlotOf<Rel, L2::Out>>>::Out: DecodeRow + 'static,
        SlotOf<Rel, L2::Out>: MaybeSend,
    {
        let select = std::mem::take(&mut self.select);
        let base = Place { alias: Alias::Base, offset: 0, skipped: None };
        let (select, layout, level) = join::<Rel, D2, L2>(select, base, nested);
        self.select = select;
        let set = |row: R, mut slot, usage: &_| {
            Rel::Card::watch(&mut slot, usage);
            row.set(slot)
        };
        if L2::AS_DECODED {
            // Made whole as each row streams: in one call per row while every loading
            // call so far reads the row itself (`laid_out`), else from a side column.
            let slot = <R as SetSlot<Rel, SlotOf<Rel, L2::Out>>>::SLOT;
            let laid_out = SlotLayout::Joined(layout.clone());
            return self.map_plan(|plan| {
                plan.with_value(
                    (Rel::NAME, false, slot),
                    laid_out,
                    move |row| {
                        let joined = decode_joined::<D2, i64>(row, &layout, || None)?;
                        Rel::Card::from_joined(joined.and_then(L2::as_decoded), missing::<Rel>)
                    },
                    set,
                )
            });
        }
        // Decoded as each row streams, loaded once the statement's rows are all there.
        self.map_plan(|plan| {
            plan.with_level_value(
                Rel::NAME,
                false,
                move |row| {
                    let joined = decode_joined::<D2, i64>(row, &layout, || None)?;
                    if joined.is_none() && !<Rel::Card as Joinable>::OPTIONAL {
                        return Err(missing::<Rel>());
                    }
                    Ok(joined)
                },
                move |load, joined| {
                    load_present(joined, |present| level.load(load, present))?.map(|joined| {
                        (joined.into_iter())
                            .map(|row| Rel::Card::from_joined(row, missing::<Rel>))
                            .collect()
                    })
                },
                set,
            )
        })
    }
}

/// Where a model's columns are in a statement: the queried table's, or a joined one's.
#[derive(Clone, Copy)]
struct Place {
    alias: Alias,
    /// The result column of its first selected column.
    offset: usize,
    /// The field whose column is not selected (a key taken from the foreign key).
    skipped: Option<usize>,
}

impl Place {
    /// The result column of the model's `field`, if selected.
    fn column(&self, field: usize) -> Option<usize> {
        match self.skipped {
            Some(skipped) if skipped == field => None,
            Some(skipped) if skipped < field => Some(self.offset + field - 1),
            _ => Some(self.offset + field),
        }
    }
}

/// Adds the JOIN of `Rel` below `parent` and its target's columns to `select`, lets
/// `nested` add more, and returns the joined row's layout and load.
///
/// Every JOIN is a LEFT JOIN, also through a NOT NULL foreign key: where the key refers to
/// no row (a database that does not enforce it), the row is not dropped as an INNER JOIN
/// would, while `count()` counts it; decoding finds no joined row and reports it
/// ([`Error::MissingRelated`](crate::error::Error::MissingRelated)), as a prefetch does.
fn join<Rel: Relation, D2, L2>(
    mut select: Select,
    parent: Place,
    nested: impl FnOnce(Join<Rel::To>) -> Join<Rel::To, D2, L2>,
) -> (Select, RowLayout, L2)
where
    Rel::Card: Joinable,
{
    let target = <Rel::To as Model>::TABLE;
    let Some((column, parent_column)) = Rel::LINK.join_on(<Rel::From as Model>::TABLE, target)
    else {
        unreachable!("the derive makes only to-one relations Joinable ({})", Rel::NAME)
    };
    let key_field = target.primary_key[0];
    let alias = select.next_alias(Alias::Join);
    select.joins.push(JoinClause {
        relation: Rel::NAME,
        table: target,
        alias,
        column,
        parent: parent.alias,
        parent_column,
    });
    let offset = select.width();
    let key = joined_key::<Rel>(parent, offset, key_field);
    let skipped = matches!(key, JoinedKey::FromParent { .. }).then_some(key_field);
    select.extras.extend(
        (target.columns.iter().enumerate())
            .filter(|&(i, _)| Some(i) != skipped)
            .map(|(_, c)| Extra::Column { alias, name: c.name }),
    );
    let layout = RowLayout::joined(offset, key);
    let place = Place { alias, offset, skipped };
    let joined = Join { select, place, layout, level: AsDecoded, row: PhantomData };
    let joined = nested(joined);
    (joined.select, joined.layout, joined.level)
}

/// How the joined row of `Rel`, whose columns start at `offset`, gets its key and tells
/// that it is there.
///
/// Through a NOT NULL foreign key to an integer key (`ON key = fk`), the key is the
/// foreign key's value, exactly, and is not selected; the row is there unless a column of
/// it whose field refuses NULL (the witness: `name: String`, not an `Option`, nor a type
/// that reads NULL as a value) is NULL, which decoding reports. Otherwise, and through a nullable foreign key, the
/// key is selected: NULL where the row is not there (a row that is there but holds a bad
/// NULL is then told apart, and reported as such).
fn joined_key<Rel: Relation>(parent: Place, offset: usize, key_field: usize) -> JoinedKey
where
    Rel::Card: Joinable,
{
    let target = <Rel::To as Model>::TABLE;
    let selected = JoinedKey::Selected { column: offset + key_field };
    let Some(fk) = Rel::LINK.joined_fk() else { return selected };
    if <Rel::Card as Joinable>::OPTIONAL || !target.auto_key {
        return selected;
    }
    let from = <Rel::From as Model>::TABLE;
    // The foreign key's column, unless it is the parent's own key, itself not selected.
    let fk_column = from.columns.iter().position(|c| c.name == fk).and_then(|f| parent.column(f));
    let witness = (target.columns.iter().enumerate())
        .position(|(i, c)| i != key_field && !c.nullable && (c.refuses_null)())
        .map(|i| if i > key_field { offset + i - 1 } else { offset + i });
    match (fk_column, witness) {
        (Some(fk_column), Some(witness)) => JoinedKey::FromParent { fk_column, witness },
        _ => selected,
    }
}

/// The loading calls of this module on the query of a prefetched NOT NULL `belongs_to`.
impl<M: Model, R: 'static> ToOneQuery<M, R> {
    /// [`Query::select_related`] on the related rows.
    pub fn select_related<Rel>(
        self,
        rel: Rel,
    ) -> ToOneQuery<M, <R as SetSlot<Rel, DefaultSlot<Rel>>>::Out>
    where
        Rel: Relation,
        Rel::Card: Joinable,
        R: SetSlot<Rel, DefaultSlot<Rel>>,
        <R as SetSlot<Rel, DefaultSlot<Rel>>>::Out: DecodeRow + 'static,
        DefaultSlot<Rel>: MaybeSend,
    {
        ToOneQuery(self.0.select_related(rel))
    }

    /// [`Query::select_related_with`] on the related rows.
    #[allow(clippy::type_complexity)] // the row type, spelled out so that docs show it
    pub fn select_related_with<Rel, D2, L2: LevelLoad<D2>>(
        self,
        rel: Rel,
        nested: impl FnOnce(Join<Rel::To>) -> Join<Rel::To, D2, L2>,
    ) -> ToOneQuery<M, <R as SetSlot<Rel, SlotOf<Rel, L2::Out>>>::Out>
    where
        Rel: Relation,
        Rel::Card: Joinable,
        D2: DecodeRow<Model = Rel::To> + MaybeSend + 'static,
        R: SetSlot<Rel, SlotOf<Rel, L2::Out>>,
        <R as SetSlot<Rel, SlotOf<Rel, L2::Out>>>::Out: DecodeRow + 'static,
        SlotOf<Rel, L2::Out>: MaybeSend,
    {
        ToOneQuery(self.0.select_related_with(rel, nested))
    }
}
