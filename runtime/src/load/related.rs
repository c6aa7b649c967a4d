//! The query a prefetch's closure shapes (`prefetch_with(rel, |related| ..)`), by the
//! relation's cardinality: the related model's own [`Query`] where a parent may have any
//! number of related rows (`has_many`, `many_to_many`) or none (a nullable `belongs_to`,
//! a `has_one`: read as an `Option`), and a [`ToOneQuery`] where it has exactly one (a
//! NOT NULL `belongs_to`, read as `&Row`). A filter, limit or offset could leave such a
//! parent without the row its type promises, so a `ToOneQuery` has none: it loads the
//! related rows' own relations, and refuses the rest at compile time, saying why. Its
//! loading calls live beside the query's own: `prefetch`, `join` and `count` each add
//! theirs to both.

use std::ops::Deref;

use crate::column::Order;
use crate::filter::Cond;
use crate::model::Model;
use crate::query::Query;
use crate::relation::{Card, Relation, ToMany, ToOne, ToOptional};
use crate::send::MaybeSend;

/// What the closure of `prefetch_with(rel, ..)` is given, by `rel`'s cardinality.
#[doc(hidden)]
pub trait RelatedQueryOf: Card {
    /// The query of the related model `M`, nothing loaded yet.
    type Given<M: Model>: RelatedQuery<M, Row = M::Row>;
    fn given<M: Model>() -> Self::Given<M>;
}

impl RelatedQueryOf for ToMany {
    type Given<M: Model> = Query<M>;
    fn given<M: Model>() -> Query<M> {
        Query::new()
    }
}

impl RelatedQueryOf for ToOptional {
    type Given<M: Model> = Query<M>;
    fn given<M: Model>() -> Query<M> {
        Query::new()
    }
}

impl RelatedQueryOf for ToOne {
    type Given<M: Model> = ToOneQuery<M>;
    fn given<M: Model>() -> ToOneQuery<M> {
        ToOneQuery(Query::new())
    }
}

/// What the closure of `prefetch_with(rel, ..)` is given: the related model's query, or
/// a [`ToOneQuery`].
pub type RelatedQueryFor<Rel> =
    <<Rel as Relation>::Card as RelatedQueryOf>::Given<<Rel as Relation>::To>;

/// What the closure of `prefetch_with` returns: the query that loads the related rows.
#[doc(hidden)]
pub trait RelatedQuery<M: Model> {
    /// The related rows' type.
    type Row: Deref<Target = M> + MaybeSend + 'static;
    fn into_query(self) -> Query<M, Self::Row>;
}

impl<M: Model, R: Deref<Target = M> + MaybeSend + 'static> RelatedQuery<M> for Query<M, R> {
    type Row = R;
    fn into_query(self) -> Query<M, R> {
        self
    }
}

impl<M: Model, R: Deref<Target = M> + MaybeSend + 'static> RelatedQuery<M> for ToOneQuery<M, R> {
    type Row = R;
    fn into_query(self) -> Query<M, R> {
        self.0
    }
}

/// The query of a prefetched NOT NULL `belongs_to` relation, inside
/// `prefetch_with(rel, |related| ..)`: it loads the related rows' own relations, as a
/// [`Query`] does, and has no filter, limit or offset, which could leave a row without the
/// related row its type promises (an order would change nothing: there is one row per
/// parent).
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let books = Book::query()
///     .prefetch_with(Book::author, |author| author.prefetch(Author::books).select_related(Author::publisher))
///     .all(&conn)?;
/// assert_eq!(books[0].author().books().len(), 2);
/// # Ok::<(), eagerly::Error>(())
/// ```
///
/// Filtering it is a compile error that says so:
///
/// ```compile_fail,E0277
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let books = Book::query()
///     .prefetch_with(Book::author, |author| author.filter(Author::name.eq("Ann Leckie")))
///     .all(&conn)?;
/// # Ok::<(), eagerly::Error>(())
/// ```
pub struct ToOneQuery<M: Model, R = <M as Model>::Row>(pub(crate) Query<M, R>);

/// Refuses a filter, limit or offset on a [`ToOneQuery`]: a bound nothing meets.
#[diagnostic::on_unimplemented(
    message = "a prefetched NOT NULL `belongs_to` relation cannot be filtered, limited or offset",
    label = "every row gets its `{Self}`: one left out would leave a row without the `{Self}` its type promises",
    note = "filter the query's own rows instead (by their foreign key), or prefetch every `{Self}` and filter in Rust; a nullable foreign key's relation (read as an `Option`) can be filtered"
)]
#[doc(hidden)]
pub trait NarrowedToOne {}

/// Refuses an order on a [`ToOneQuery`]: a bound nothing meets.
#[diagnostic::on_unimplemented(
    message = "a prefetched NOT NULL `belongs_to` relation has nothing to order",
    label = "every row gets exactly one `{Self}`",
    note = "remove the `order_by`; order the query's own rows instead"
)]
#[doc(hidden)]
pub trait OrderedToOne {}

impl<M: Model, R: 'static> ToOneQuery<M, R> {
    /// Refused: see [`ToOneQuery`].
    pub fn filter(self, _cond: Cond<M>) -> Self
    where
        M: NarrowedToOne,
    {
        self
    }

    /// Refused: see [`ToOneQuery`].
    pub fn limit(self, _n: usize) -> Self
    where
        M: NarrowedToOne,
    {
        self
    }

    /// Refused: see [`ToOneQuery`].
    pub fn offset(self, _n: usize) -> Self
    where
        M: NarrowedToOne,
    {
        self
    }

    /// Refused: see [`ToOneQuery`].
    pub fn order_by(self, _order: Order<M>) -> Self
    where
        M: OrderedToOne,
    {
        self
    }
}
