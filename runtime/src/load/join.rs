//! `select_related`: loading `belongs_to` relations with a JOIN in the query's own
//! statement, nested to any depth (`Book` -> author -> publisher).

use std::sync::Arc;

use super::{Alias, Extra, JoinClause};
use crate::error::Result;
use crate::model::Model;
use crate::query::{Query, Select};
use crate::relation::Card;
use crate::relation::{CountKey, Countable, DefaultSlot, Joinable, Link, Relation, SlotOf};
use crate::row::{Counted, Reader, SetSlot, Source};

type Decode<R> = Arc<dyn Fn(Source<'_>) -> Result<Option<R>> + Send + Sync>;

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
pub struct Join<M: Model, R = <M as Model>::Row> {
    select: Select,
    alias: Alias,
    /// A LEFT JOIN lies on the way here: joins below must be LEFT too, or they would drop
    /// the rows where this one found nothing.
    optional: bool,
    decode: Decode<R>,
    model: std::marker::PhantomData<fn() -> M>,
}

impl<M: Model, R: 'static> Join<M, R> {
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
    ) -> Join<M, <R as SetSlot<Rel, DefaultSlot<Rel>>>::Out>
    where
        Rel: Relation,
        Rel::Card: Joinable,
        R: SetSlot<Rel, DefaultSlot<Rel>>,
        <R as SetSlot<Rel, DefaultSlot<Rel>>>::Out: 'static,
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
    pub fn select_related_with<Rel, R2: 'static>(
        self,
        _rel: Rel,
        nested: impl FnOnce(Join<Rel::To>) -> Join<Rel::To, R2>,
    ) -> Join<M, <R as SetSlot<Rel, SlotOf<Rel, R2>>>::Out>
    where
        Rel: Relation,
        Rel::Card: Joinable,
        R: SetSlot<Rel, SlotOf<Rel, R2>>,
        <R as SetSlot<Rel, SlotOf<Rel, R2>>>::Out: 'static,
    {
        let (select, inner) = join::<Rel, R2>(self.select, self.alias, self.optional, nested);
        let outer = self.decode;
        Join {
            select,
            alias: self.alias,
            optional: self.optional,
            decode: Arc::new(move |row| match outer(row)? {
                None => Ok(None),
                Some(parent) => {
                    Ok(Some(parent.set(Rel::Card::from_joined(inner(row)?, Rel::NAME)?)))
                }
            }),
            model: std::marker::PhantomData,
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
    pub fn with_count<Rel>(self, _rel: Rel) -> Join<M, <R as SetSlot<CountKey<Rel>, Counted>>::Out>
    where
        Rel: Relation,
        Rel::Card: Countable,
        R: SetSlot<CountKey<Rel>, Counted>,
        <R as SetSlot<CountKey<Rel>, Counted>>::Out: 'static,
    {
        let mut select = self.select;
        let offset = super::count::add::<Rel>(&mut select, self.alias);
        let outer = self.decode;
        Join {
            select,
            alias: self.alias,
            optional: self.optional,
            decode: Arc::new(move |row| match outer(row)? {
                None => Ok(None),
                Some(parent) => Ok(Some(parent.set(super::count::read(row, offset, Rel::NAME)?))),
            }),
            model: std::marker::PhantomData,
        }
    }
}

impl<M: Model, R: 'static> Query<M, R> {
    /// Loads the `belongs_to` relation `rel` with a JOIN in this query's statement
    /// (Django's `select_related`): an INNER JOIN for a NOT NULL foreign key, a LEFT JOIN
    /// for a nullable one, read as `row.author()` (`&AuthorRow`) or `row.publisher()`
    /// (`Option<&PublisherRow>`).
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
        <R as SetSlot<Rel, DefaultSlot<Rel>>>::Out: 'static,
    {
        self.select_related_with(rel, |joined| joined)
    }

    /// Loads `rel` with a JOIN, and what `nested` adds to the joined model: further JOINs
    /// (Django's `select_related("author__publisher")`) and counts. See [`Join`].
    pub fn select_related_with<Rel, R2: 'static>(
        mut self,
        _rel: Rel,
        nested: impl FnOnce(Join<Rel::To>) -> Join<Rel::To, R2>,
    ) -> Query<M, <R as SetSlot<Rel, SlotOf<Rel, R2>>>::Out>
    where
        Rel: Relation,
        Rel::Card: Joinable,
        R: SetSlot<Rel, SlotOf<Rel, R2>>,
        <R as SetSlot<Rel, SlotOf<Rel, R2>>>::Out: 'static,
    {
        let select = std::mem::take(&mut self.select);
        let (select, decode) = join::<Rel, R2>(select, Alias::Base, false, nested);
        self.select = select;
        self.map_plan(|plan| {
            plan.with_value(
                Rel::NAME,
                false,
                move |row| Rel::Card::from_joined(decode(row)?, Rel::NAME),
                |row: R, mut slot, usage| {
                    Rel::Card::watch(&mut slot, usage);
                    row.set(slot)
                },
            )
        })
    }
}

/// Adds the JOIN of `Rel` below `parent` and its target's columns to `select`, lets
/// `nested` add more, and returns the decoder of the joined row (`None` where the JOIN
/// found nothing).
fn join<Rel: Relation, R2>(
    mut select: Select,
    parent: Alias,
    parent_optional: bool,
    nested: impl FnOnce(Join<Rel::To>) -> Join<Rel::To, R2>,
) -> (Select, Decode<R2>)
where
    Rel::Card: Joinable,
{
    let target = <Rel::To as Model>::TABLE;
    let Link::BelongsTo { fk } = Rel::LINK else {
        unreachable!("the derive makes only belongs_to relations Joinable ({})", Rel::NAME)
    };
    let key = target.primary_key[0];
    let alias = select.next_alias(Alias::Join);
    let optional = parent_optional || <Rel::Card as Joinable>::OPTIONAL;
    select.joins.push(JoinClause {
        table: target,
        alias,
        key: target.columns[key].name,
        parent,
        fk,
        optional,
    });
    let offset = select.width();
    select.extras.extend(target.columns.iter().map(|c| Extra::Column { alias, name: c.name }));
    let decode: Decode<<Rel::To as Model>::Row> = Arc::new(move |row| {
        // An INNER JOIN's row is always there; only a LEFT JOIN's may be all NULL.
        if optional && row.is_null(offset + key) {
            return Ok(None);
        }
        let model = <Rel::To as Model>::decode(&mut Reader::new(row, target, offset))?;
        Ok(Some(model.into_row()))
    });
    let joined = Join { select, alias, optional, decode, model: std::marker::PhantomData };
    let joined = nested(joined);
    (joined.select, joined.decode)
}
