//! Relations between models, as the runtime sees them: the key the batched loader groups
//! by, and the type-level cardinality (`Card`) that decides the type of a loaded slot. `#[derive(Model)]` makes one marker type per relation (`Author::books`
//! is an `AuthorBooks`) implementing [`Relation`].

use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::Arc;

use rusqlite::ToSql;
use rusqlite::types::FromSql;

use crate::error::{Error, Result};
use crate::model::Model;
use crate::row::{Loaded, SlotKey};
use crate::usage::Usage;

pub use crate::schema::Link;

/// A relation of model `From` to model `To`, named like `Author::books`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a relation",
    label = "expected a relation such as `Author::books`",
    note = "relations are declared with `belongs_to`, `has_many`, `has_one` and `many_to_many` in `#[model(..)]`"
)]
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// use eagerly::Relation;
/// fn describe<R: Relation>(_: R) -> &'static str { R::NAME }
/// assert_eq!(describe(Author::books), "Author::books");
/// assert_eq!(<eagerly::relation!(Book::author) as Relation>::key_of(&*Book::get(&conn, 3)?), Some(2));
/// # Ok::<(), eagerly::Error>(())
/// ```
pub trait Relation: Copy + Send + Sync + 'static {
    /// The model the relation is declared on.
    type From: Model;
    /// The related model.
    type To: Model;
    /// How many `To` rows one `From` row has: [`ToMany`], [`ToOne`] or [`ToOptional`].
    type Card: Card;
    /// The value that links the two sides, which batched loading groups by: the source's
    /// primary key for `has_many`, `has_one` and `many_to_many`, the target's for `belongs_to`.
    type Key: ToSql + FromSql + Eq + Hash + Clone + Send + Sync + 'static;
    /// `"Author::books"`, for messages.
    const NAME: &'static str;
    /// How the relation is stored.
    const LINK: Link;
    /// The key of `from`'s related rows; `None` for a NULL foreign key.
    fn key_of(from: &Self::From) -> Option<Self::Key>;
    /// Reads the key a related row is grouped under from the decoded row itself, so that
    /// the batched loader need not read the key's column a second time. Set for
    /// `has_many` and `has_one` (the foreign key is a field of the related row); `None` for
    /// `many_to_many`, whose key is in the table of pairs, and for `belongs_to`, whose
    /// batches (rare: it is usually joined) read the key's column.
    #[doc(hidden)]
    const RELATED_KEY: Option<RelatedKey<Self>> = None;
}

/// The error of `Rel`, a relation through a NOT NULL foreign key, where it found no row.
pub(crate) fn missing<Rel: Relation>() -> Error {
    let from = <Rel::From as Model>::TABLE.name;
    let column = Rel::LINK.joined_fk().unwrap_or("?");
    Error::MissingRelated {
        relation: Rel::NAME,
        table: from,
        column,
        target: <Rel::To as Model>::TABLE.name,
    }
}

/// Reads the key of a related row of `Rel` from the row (see [`Relation::RELATED_KEY`]).
#[doc(hidden)]
pub type RelatedKey<Rel> = fn(&<Rel as Relation>::To) -> Option<<Rel as Relation>::Key>;

/// The cardinality of a relation, and the type its loaded rows take in a row's slot.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// use eagerly::{Loaded, Many, Opt, SlotOf};
/// // The slot of `Author::books` holding `BookRow`s is a `Many<BookRow>`:
/// let slot: SlotOf<eagerly::relation!(Author::books), BookRow> = Loaded::new(Vec::new());
/// let _: Many<BookRow> = slot;
/// let _: Opt<PublisherRow> = Loaded::new(None);
/// # Ok::<(), eagerly::Error>(())
/// ```
pub trait Card: Send + Sync + 'static {
    /// The slot value for related rows of type `R`.
    type Slot<R>;

    /// The slot value from the related rows found for one source row; `missing` is the
    /// error where a row must be there and is not.
    #[doc(hidden)]
    fn from_rows<R>(rows: Vec<R>, missing: fn() -> Error) -> Result<Self::Slot<R>>;

    /// Lets an inspection know when the slot is read.
    #[doc(hidden)]
    fn watch<R>(slot: &mut Self::Slot<R>, usage: &Option<Arc<Usage>>);
}

/// Any number of related rows: `has_many`, `many_to_many`. Loaded as a `Vec`.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let authors = Author::query().prefetch(Author::books).all(&conn)?;
/// let books: &[BookRow] = authors[0].books();
/// assert_eq!(books.len(), 2);
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ToMany;
/// Exactly one related row: `belongs_to` through a NOT NULL foreign key.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let books = Book::query().select_related(Book::author).all(&conn)?;
/// let author: &AuthorRow = books[0].author();
/// assert_eq!(author.name, "Ann Leckie");
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ToOne;
/// At most one related row: `belongs_to` through a nullable foreign key, or `has_one` (the
/// reverse of a unique foreign key).
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let authors = Author::query().select_related(Author::publisher).order_by(Author::id.desc()).all(&conn)?;
/// let publisher: Option<&PublisherRow> = authors[0].publisher();
/// assert!(publisher.is_none()); // Carol Shields has none
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ToOptional;

impl Card for ToMany {
    type Slot<R> = Loaded<Vec<R>>;
    fn from_rows<R>(rows: Vec<R>, _: fn() -> Error) -> Result<Self::Slot<R>> {
        Ok(Loaded::new(rows))
    }
    fn watch<R>(slot: &mut Self::Slot<R>, usage: &Option<Arc<Usage>>) {
        slot.watch(usage);
    }
}

impl Card for ToOne {
    type Slot<R> = Loaded<R>;
    fn from_rows<R>(mut rows: Vec<R>, missing: fn() -> Error) -> Result<Self::Slot<R>> {
        match rows.pop() {
            Some(row) if rows.is_empty() => Ok(Loaded::new(row)),
            _ => Err(missing()),
        }
    }
    fn watch<R>(slot: &mut Self::Slot<R>, usage: &Option<Arc<Usage>>) {
        slot.watch(usage);
    }
}

impl Card for ToOptional {
    type Slot<R> = Loaded<Option<R>>;
    fn from_rows<R>(mut rows: Vec<R>, _: fn() -> Error) -> Result<Self::Slot<R>> {
        Ok(Loaded::new(rows.pop()))
    }
    fn watch<R>(slot: &mut Self::Slot<R>, usage: &Option<Arc<Usage>>) {
        slot.watch(usage);
    }
}

/// The cardinalities `select_related` can JOIN: one related row at most.
#[diagnostic::on_unimplemented(
    message = "a to-many relation cannot be loaded with a JOIN",
    label = "`select_related` loads `belongs_to` and `has_one` relations",
    note = "use `.prefetch(..)` or `.prefetch_with(..)` for `has_many` and `many_to_many` relations"
)]
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let books = Book::query().select_related(Book::author).all(&conn)?; // ToOne: Joinable
/// assert_eq!(books.len(), 4);
/// # Ok::<(), eagerly::Error>(())
/// ```
pub trait Joinable: Card {
    /// Whether the JOIN may find no row (a nullable foreign key), and the slot is then
    /// `None` rather than an error.
    const OPTIONAL: bool;

    /// The slot value from what the JOIN found for one row; `missing` is the error where
    /// a row must be there and is not.
    #[doc(hidden)]
    fn from_joined<R>(row: Option<R>, missing: fn() -> Error) -> Result<Self::Slot<R>>;

    /// What the slot holds, as the JOIN found it: `from_joined`'s inverse.
    #[doc(hidden)]
    fn into_joined<R>(slot: Self::Slot<R>) -> Option<R>;
}

impl Joinable for ToOne {
    const OPTIONAL: bool = false;
    fn from_joined<R>(row: Option<R>, missing: fn() -> Error) -> Result<Self::Slot<R>> {
        row.map(Loaded::new).ok_or_else(missing)
    }
    fn into_joined<R>(slot: Self::Slot<R>) -> Option<R> {
        Some(slot.into_value())
    }
}

impl Joinable for ToOptional {
    const OPTIONAL: bool = true;
    fn from_joined<R>(row: Option<R>, _: fn() -> Error) -> Result<Self::Slot<R>> {
        Ok(Loaded::new(row))
    }
    fn into_joined<R>(slot: Self::Slot<R>) -> Option<R> {
        slot.into_value()
    }
}

/// The cardinalities `with_count` counts: to-many relations.
#[diagnostic::on_unimplemented(
    message = "only to-many relations can be counted",
    label = "`with_count` counts the rows of a `has_many` or `many_to_many` relation",
    note = "a `belongs_to` or `has_one` relation has at most one row; load it with `.select_related(..)`"
)]
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let tags = Tag::query().with_count(Tag::books).all(&conn)?; // ToMany: Countable
/// assert_eq!(tags.iter().map(|t| t.books_count()).collect::<Vec<_>>(), [2, 2, 0]);
/// # Ok::<(), eagerly::Error>(())
/// ```
pub trait Countable: Card {
    /// The slot key of `with_count(rel)`: [`CountOf<Rel>`]. A projection through the
    /// cardinality, so that counting a relation that cannot be counted reports only that.
    /// (Spelled `<Rel as CountKey>::Key`, it would also report "this is not a relation of
    /// `Book`" for `with_count(Book::author)`.)
    type CountKey<Rel>;
}
impl Countable for ToMany {
    type CountKey<Rel> = CountOf<Rel>;
}

/// The slot key of `with_count(rel)`: a row type has one slot for `rel`'s rows and one for
/// their count.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// use eagerly::{CountOf, Counted, SetSlot};
/// // `with_count(Author::books)` fills the `CountOf<relation!(Author::books)>` slot of a row:
/// fn counted<R: SetSlot<CountOf<eagerly::relation!(Author::books)>, Counted>>(_: &R) {}
/// counted(&Author::get(&conn, 1)?);
/// # Ok::<(), eagerly::Error>(())
/// ```
pub struct CountOf<Rel>(PhantomData<Rel>);

impl<Rel: Relation> SlotKey for Rel {
    type Key = Rel::Key;
}
impl<Rel: Relation> SlotKey for CountOf<Rel> {
    type Key = ();
}

/// Looks a relation up by name, for [`row!`](crate::row!): implemented by the derive as
/// `impl RelNamed<{ name("books") }> for Author { type Rel = /* the marker of Author::books */; }`.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// use eagerly::RelNamed;
/// fn relation<R>(_: R) {}
/// relation::<<Author as RelNamed<{ eagerly::__private::name("books") }>>::Rel>(Author::books);
/// # Ok::<(), eagerly::Error>(())
/// ```
pub trait RelNamed<const NAME: u128> {
    /// The relation with that name.
    type Rel: Relation;
}

/// A relation's name as a const generic (without `r#`): its bytes when it has at most 16 of
/// them, an FNV-1a hash otherwise. Two names of one model that collided would make two
/// `RelNamed` impls overlap, a compile error, never a wrong lookup.
#[doc(hidden)]
pub const fn name(s: &str) -> u128 {
    let mut bytes = s.as_bytes();
    // `r#match` and `match` name the same relation.
    if let [b'r', b'#', rest @ ..] = bytes {
        bytes = rest;
    }
    let mut out: u128 = 0;
    let mut i = 0;
    if bytes.len() <= 16 {
        while i < bytes.len() {
            out = (out << 8) | bytes[i] as u128;
            i += 1;
        }
        out
    } else {
        out = 0x6c62272e07bb014262b821756295c58d;
        while i < bytes.len() {
            out ^= bytes[i] as u128;
            out = out.wrapping_mul(0x0000000001000000000000000000013B);
            i += 1;
        }
        out
    }
}

/// The slot key `with_count(rel)` fills: `CountOf<Rel>`, spelled as a projection the
/// compiler does not evaluate while probing methods, so that a wrong relation is reported
/// with the model's own message rather than as a missing method (design note, 9.5).
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// use eagerly::{CountKey, CountOf};
/// let _: Option<CountKey<eagerly::relation!(Author::books)>> = None::<CountOf<eagerly::relation!(Author::books)>>;
/// # Ok::<(), eagerly::Error>(())
/// ```
pub type CountKey<Rel> = <<Rel as Relation>::Card as Countable>::CountKey<Rel>;

/// The slot type of `Rel`'s rows when they are rows of type `R`.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// use eagerly::{Many, SlotOf};
/// let _: Option<SlotOf<eagerly::relation!(Book::tags), TagRow>> = None::<Many<TagRow>>;
/// # Ok::<(), eagerly::Error>(())
/// ```
pub type SlotOf<Rel, R> = <<Rel as Relation>::Card as Card>::Slot<R>;

/// The slot type of `Rel` loaded with nothing nested.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// use eagerly::{DefaultSlot, Opt};
/// let _: Option<DefaultSlot<eagerly::relation!(Author::publisher)>> = None::<Opt<PublisherRow>>;
/// # Ok::<(), eagerly::Error>(())
/// ```
pub type DefaultSlot<Rel> = SlotOf<Rel, <<Rel as Relation>::To as Model>::Row>;

/// The type of a relation, by its name: `relation!(Author::books)` is the type of the
/// constant `Author::books`, for signatures of code generic over what a row loaded.
/// (The derive keeps its relation types out of your module, so that no name it makes can
/// clash with yours.) A misspelled name is a compile error naming the model.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// use eagerly::{DefaultSlot, SetSlot, relation};
/// // Any author row whose books are not loaded yet, whatever else is:
/// fn with_books<R>(conn: &eagerly::rusqlite::Connection, rows: Vec<R>) -> eagerly::Result<Vec<R::Out>>
/// where
///     R: SetSlot<relation!(Author::books), DefaultSlot<relation!(Author::books)>>,
/// {
///     eagerly::prefetch(conn, rows, Author::books)
/// }
/// let authors = with_books(&conn, Author::query().all(&conn)?)?;
/// assert_eq!(authors[0].books().len(), 2);
/// let _: relation!(eagerly::__doc::Book::tags) = Book::tags;
/// # Ok::<(), eagerly::Error>(())
/// ```
#[macro_export]
macro_rules! relation {
    // The model's path, one segment at a time; the last segment is the relation.
    (@split [$($model:ident)*] $segment:ident :: $($rest:tt)+) => {
        $crate::relation!(@split [$($model)* $segment] $($rest)+)
    };
    (@split [$($model:ident)+] $name:ident) => {
        $crate::row!(@relation $($model)::+, $name)
    };
    ($($path:tt)+) => {
        $crate::relation!(@split [] $($path)+)
    };
}
