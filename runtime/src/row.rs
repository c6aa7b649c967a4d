//! Rows: decoding a model from a result row, the slot types that generated row structs
//! (`AuthorRow<Books, Publisher, ..>`) carry for their relations, and `Rows`, what a
//! driver hands a statement's result rows to.

use std::any::type_name;
use std::sync::Arc;

use rusqlite::types::{FromSql, FromSqlError, ValueRef};

use crate::error::{DecodeProblem, Error, Result};
use crate::plan::layout::SlotLayout;
use crate::schema::Table;
use crate::send::MaybeSend;
use crate::usage::Usage;

/// The slot of a relation (or count) that the query did not load. Reading it does not
/// compile.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// use eagerly::NotLoaded;
/// // A row of a query that loaded nothing: every slot is `NotLoaded`.
/// let author: AuthorRow<NotLoaded, NotLoaded, NotLoaded> = Author::get(&conn, 1)?;
/// assert_eq!(author.name, "Ann Leckie");
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct NotLoaded;

/// The slot of a relation (or count) the query loaded. Read it through the row's
/// accessor (`row.books()`), which exists only for loaded slots.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// use eagerly::{Loaded, NotLoaded};
/// let authors: Vec<AuthorRow<Loaded<Vec<BookRow>>, NotLoaded, Loaded<usize>>> =
///     Author::query().prefetch(Author::books).with_count(Author::books).all(&conn)?;
/// assert_eq!(authors[0].books().len(), authors[0].books_count());
/// # Ok::<(), eagerly::Error>(())
/// ```
pub struct Loaded<T> {
    value: T,
    /// Set while an inspection watches whether the loaded rows are read.
    usage: Option<Arc<Usage>>,
}

impl<T> Loaded<T> {
    /// A loaded slot holding `value`.
    #[doc(hidden)]
    pub fn new(value: T) -> Self {
        Loaded { value, usage: None }
    }

    /// The loaded value, noted as read.
    #[doc(hidden)]
    pub fn read(&self) -> &T {
        if let Some(usage) = &self.usage {
            usage.mark();
        }
        &self.value
    }

    /// The loaded value, out of the slot (which is not watched yet: only a query's own
    /// slots are, once its rows are made).
    pub(crate) fn into_value(self) -> T {
        self.value
    }

    /// Lets an inspection know when this slot is read.
    pub(crate) fn watch(&mut self, usage: &Option<Arc<Usage>>) {
        // Slots are made unwatched, and outside inspections stay so: no write per row.
        if let Some(usage) = usage {
            self.usage = Some(usage.clone());
        }
    }
}

impl<T: Clone> Clone for Loaded<T> {
    fn clone(&self) -> Self {
        Loaded { value: self.value.clone(), usage: self.usage.clone() }
    }
}

impl<T: PartialEq> PartialEq for Loaded<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Loaded<T> {}

impl<T: std::hash::Hash> std::hash::Hash for Loaded<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Loaded<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Loaded").field(&self.value).finish()
    }
}

/// A loaded to-many relation: `Many<BookRow>`.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let rows: Vec<AuthorRow<eagerly::Many<BookRow>>> = Author::query().prefetch(Author::books).all(&conn)?;
/// assert_eq!(rows.len(), 3);
/// # Ok::<(), eagerly::Error>(())
/// ```
pub type Many<R> = Loaded<Vec<R>>;
/// A loaded `belongs_to` relation through a NOT NULL foreign key: `One<AuthorRow>`.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let rows: Vec<BookRow<eagerly::NotLoaded, eagerly::One<AuthorRow>>> = Book::query().select_related(Book::author).all(&conn)?;
/// assert_eq!(rows[0].author().id, 1);
/// # Ok::<(), eagerly::Error>(())
/// ```
pub type One<R> = Loaded<R>;
/// A loaded `belongs_to` relation through a nullable foreign key: `Opt<PublisherRow>`.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let rows: Vec<AuthorRow<eagerly::NotLoaded, eagerly::Opt<PublisherRow>>> =
///     Author::query().select_related(Author::publisher).all(&conn)?;
/// assert_eq!(rows[0].publisher().unwrap().name, "Tor");
/// # Ok::<(), eagerly::Error>(())
/// ```
pub type Opt<R> = Loaded<Option<R>>;
/// A loaded count of a to-many relation.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let rows: Vec<AuthorRow<eagerly::NotLoaded, eagerly::NotLoaded, eagerly::Counted>> =
///     Author::query().with_count(Author::books).all(&conn)?;
/// assert_eq!(rows[2].books_count(), 0);
/// # Ok::<(), eagerly::Error>(())
/// ```
pub type Counted = Loaded<usize>;

/// Implemented by [`NotLoaded`] only: a slot that can still be filled. Loading a relation
/// twice in one query fails on this bound.
#[diagnostic::on_unimplemented(
    message = "this relation is already loaded by this query",
    label = "loaded a second time here",
    note = "a relation can be loaded once per query; put filters and nested loads into a single `.prefetch_with(..)` or `.select_related_with(..)`"
)]
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// use eagerly::{NotLoaded, Unloaded};
/// fn fresh<S: Unloaded>(_: &S) {}
/// fresh(&NotLoaded);
/// # Ok::<(), eagerly::Error>(())
/// ```
pub trait Unloaded {}
impl Unloaded for NotLoaded {}

/// What every slot key (a relation, or the count of one) tells the runtime: the key its
/// rows are grouped by, if any.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// use eagerly::{SetSlot, SlotKey};
/// // The key an author's books are grouped by is the author's id.
/// let key: Option<<eagerly::relation!(Author::books) as SlotKey>::Key> =
///     SetSlot::<eagerly::relation!(Author::books), eagerly::Many<BookRow>>::key(&Author::get(&conn, 2)?);
/// assert_eq!(key, Some(2));
/// # Ok::<(), eagerly::Error>(())
/// ```
pub trait SlotKey {
    /// The grouping key (`()` for counts, which SQLite computes).
    type Key;
}

/// A row type whose slot for `Slot` (a relation, or `CountOf` one) can take a `V`.
/// Implemented by every generated row type, through the model's own `RelationOf<Model>`
/// trait, so that a relation of another model is reported in that model's words.
///
/// It also gives the row's grouping key: the batched loader needs it, and asking for it
/// here rather than bounding the loading methods by `Rel: Relation<From = M>` keeps a
/// relation of another model down to one error.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// use eagerly::{DefaultSlot, SetSlot};
/// // Any author row whose books are not loaded yet, whatever else is:
/// fn with_books<R>(conn: &eagerly::rusqlite::Connection, rows: Vec<R>) -> eagerly::Result<Vec<R::Out>>
/// where
///     R: SetSlot<eagerly::relation!(Author::books), DefaultSlot<eagerly::relation!(Author::books)>>,
/// {
///     eagerly::prefetch(conn, rows, Author::books)
/// }
/// let authors = with_books(&conn, Author::query().select_related(Author::publisher).all(&conn)?)?;
/// assert_eq!(authors[1].books()[0].title, "Mistborn");
/// # Ok::<(), eagerly::Error>(())
/// ```
pub trait SetSlot<Slot, V>: MaybeSend {
    /// The row type with the slot filled.
    type Out: MaybeSend;
    /// The slot's index in the row struct (by which `plan::layout` keeps its layout).
    #[doc(hidden)]
    const SLOT: usize;
    /// Fills the slot.
    fn set(self, value: V) -> Self::Out;
    /// The key this row's related rows are grouped by (`None` for a NULL foreign key).
    fn key(&self) -> Option<Slot::Key>
    where
        Slot: SlotKey;
}

/// A row type whose slot for relation `Slot` is filled, emptied again: how a load below a
/// JOIN reaches the joined rows (see `load::level`), and puts them back with
/// [`SetSlot`]. Implemented by every generated row type, for each relation's slot.
#[doc(hidden)]
pub trait TakeSlot<Slot> {
    /// The row type with the slot empty.
    type Rest;
    /// What the slot held.
    type Value;
    /// Empties the slot.
    fn take(self) -> (Self::Rest, Self::Value);
}

/// Reads one model's columns, left to right, from a result row. Generated `decode`
/// functions call [`read`](Reader::read) once per field, in declaration order, and
/// [`read_key`](Reader::read_key) for a single-field primary key.
///
/// Generated code decodes a model with one call per field:
/// ```text
/// Ok(Author { id: reader.read_key()?, name: reader.read()?, publisher_id: reader.read()? })
/// ```
pub struct Reader<'a> {
    row: Source<'a>,
    table: &'static Table,
    /// The column of the model's first field (one less once a given key is passed: the
    /// fields after it sit one column to the left).
    first: usize,
    next: usize,
    /// The key's value, already known (see `Reader::with_key`).
    key: Option<ValueRef<'a>>,
    /// The statement selected the key's column (it was read before decoding), rather than
    /// leaving it out.
    key_selected: bool,
}

/// A result row: straight from SQLite, borrowed from another backend's row (its values
/// in their SQLite forms, read once per row by the driver), or as values (another
/// backend's values that have no SQLite form to borrow, or a row a batched loader kept
/// aside to decode once per parent that shares it). Values are read in their SQLite forms
/// whatever the backend (a `BOOLEAN` as the integer 0 or 1, a `UUID` as 16 bytes, a
/// `DATE` as `2024-02-29`), so that a field decodes the same from every one.
#[derive(Clone, Copy)]
#[doc(hidden)]
pub enum Source<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Values(&'a [crate::value::Value]),
    Borrowed(&'a [ValueRef<'a>]),
}

impl<'a> Source<'a> {
    // Inlined into the generated `decode` functions (in the user's crate), where every
    // field of every row passes through it: SQLite's rows are read here, the others out
    // of line, which keeps the inlined code as small as it was with SQLite alone.
    #[inline]
    pub(crate) fn get(&self, index: usize) -> rusqlite::Result<ValueRef<'a>> {
        match self {
            Source::Sqlite(row) => row.get_ref(index),
            Source::Borrowed(values) if index < values.len() => Ok(values[index]),
            _ => self.get_other(index),
        }
    }

    #[inline(never)]
    fn get_other(&self, index: usize) -> rusqlite::Result<ValueRef<'a>> {
        match self {
            Source::Sqlite(row) => return row.get_ref(index),
            // Kept rows are result values: never a list.
            Source::Values(values) => values.get(index).and_then(crate::value::Value::as_sqlite),
            Source::Borrowed(values) => values.get(index).copied(),
        }
        .ok_or_else(|| rusqlite::Error::InvalidColumnIndex(index))
    }

    /// The number of columns.
    pub(crate) fn column_count(&self) -> usize {
        match self {
            Source::Sqlite(row) => row.as_ref().column_count(),
            Source::Borrowed(values) => values.len(),
            Source::Values(values) => values.len(),
        }
    }
}

/// A result row with the layout of one row's slots in it, and the inspector's watches of
/// the query's own slots (none below them).
#[doc(hidden)]
pub struct Parts<'a> {
    pub(crate) source: Source<'a>,
    pub(crate) slots: &'a [SlotLayout],
    pub(crate) usages: &'a [Option<Arc<Usage>>],
}

/// Takes the rows of a statement, one at a time: what a driver hands each row to.
pub(crate) trait Rows {
    /// About `rows` more rows follow (told by a driver that has them all before the first
    /// is taken), so that what keeps them grows once.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code, reason = "SQLite's rows stream"))]
    fn reserve(&mut self, rows: usize) {
        let _ = rows;
    }

    /// Takes one row of the statement.
    fn push(&mut self, row: Source<'_>) -> Result<()>;

    /// What a driver hands each row to: this, or the part of it that takes them (one
    /// dynamic call per row, not one into this and one more from here).
    fn taker(&mut self) -> &mut dyn Rows
    where
        Self: Sized,
    {
        self
    }
}

impl<'a> Reader<'a> {
    /// Reads `table`'s columns from `row`, starting at column `first`.
    #[inline]
    pub(crate) fn new(row: Source<'a>, table: &'static Table, first: usize) -> Self {
        Reader { row, table, first, next: first, key: None, key_selected: false }
    }

    /// Reads `table`'s columns from `row`, starting at column `first`, except the key's,
    /// whose value is already known: `key`. Its column was either not selected
    /// (`selected: false`: a joined row's key equals the foreign key the parent row
    /// already holds) or read before decoding (a nullable relation's, to tell an absent
    /// row).
    #[inline]
    pub(crate) fn with_key(
        row: Source<'a>,
        table: &'static Table,
        first: usize,
        key: ValueRef<'a>,
        selected: bool,
    ) -> Self {
        Reader { row, table, first, next: first, key: Some(key), key_selected: selected }
    }

    /// Reads the primary key as a `T`: the key's value when the statement did not select
    /// its column (a row joined through a NOT NULL foreign key to an integer key takes it
    /// from the parent's foreign key), else the next column, as [`read`](Reader::read)
    /// does.
    ///
    /// Generated `decode` functions read a single-field primary key with it:
    /// ```text
    /// Ok(Author { id: reader.read_key()?, name: reader.read()?, publisher_id: reader.read()? })
    /// ```
    // Always inlined, as `read` is: it is called once per decoded row.
    #[inline(always)]
    pub fn read_key<T: FromSql + 'static>(&mut self) -> Result<T> {
        let Some(value) = self.key.take() else { return self.read() };
        let key = crate::text::column_result::<T>(value)
            .map_err(|e| self.not_decoded::<T>(self.next, value, e));
        if self.key_selected {
            self.next += 1;
        } else {
            // No column for the key: the next field's column is the key's place.
            self.first = self.first.wrapping_sub(1);
        }
        key
    }

    /// Reads the next column as a `T`. A value that does not fit is an [`Error::Decode`]
    /// naming the table, the column and the field's type.
    ///
    /// Generated `decode` functions read one column per field, in order:
    /// ```text
    /// Ok(Author { id: reader.read()?, name: reader.read()?, publisher_id: reader.read()? })
    /// ```
    // Always inlined into the generated decoders: left to the inliner, it stayed a call
    // per field, whose cost came close to the read's own.
    #[inline(always)]
    pub fn read<T: FromSql + 'static>(&mut self) -> Result<T> {
        let index = self.next;
        self.next += 1;
        // Every field of every row passes here: the errors are made out of line.
        match self.row.get(index) {
            Ok(value) => crate::text::column_result::<T>(value)
                .map_err(|e| self.not_decoded::<T>(index, value, e)),
            Err(e) => {
                Err(self
                    .error_as::<()>(index, DecodeProblem::Other(FromSqlError::Other(Box::new(e)))))
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn not_decoded<T>(&self, index: usize, value: ValueRef<'_>, error: FromSqlError) -> Error {
        let problem = match error {
            FromSqlError::InvalidType if value == ValueRef::Null => DecodeProblem::Null,
            FromSqlError::InvalidType => DecodeProblem::WrongType { found: value.data_type() },
            FromSqlError::OutOfRange(i) => DecodeProblem::OutOfRange(i),
            other => DecodeProblem::Other(other),
        };
        self.error_as::<T>(index, problem)
    }

    #[cold]
    fn error_as<T>(&self, index: usize, problem: DecodeProblem) -> Error {
        let column = self.table.columns.get(index.wrapping_sub(self.first));
        Error::Decode {
            table: self.table.name,
            column: column.map_or("?", |c| c.name),
            rust_type: column.map_or(type_name::<T>(), |c| c.rust_type),
            problem,
        }
    }
}

/// How a slot shows in a row's `Debug` output: loaded relations by name, unloaded ones not
/// at all.
#[doc(hidden)]
pub trait SlotDebug {
    fn as_debug(&self) -> Option<&dyn std::fmt::Debug>;
}

impl SlotDebug for NotLoaded {
    fn as_debug(&self) -> Option<&dyn std::fmt::Debug> {
        None
    }
}

impl<T: std::fmt::Debug> SlotDebug for Loaded<T> {
    fn as_debug(&self) -> Option<&dyn std::fmt::Debug> {
        Some(&self.value)
    }
}

/// The row type a query with these loads returns, by relation name, for signatures and
/// fields: `row!(Author { publisher, books { tags }, count(books) })`.
///
/// Inside the braces: `relation` (loaded with nothing nested), `relation { .. }` (with
/// what its own query loads), `count(relation)`; in any order, as the query's calls may
/// come in any order. A misspelled name is a compile error naming the model. The result is
/// the same type as the query's, with the model's `..Row` types and the slot aliases:
/// `AuthorRow<Many<BookRow<NotLoaded, Many<TagRow>>>, Opt<PublisherRow>, Counted>`.
///
/// ```
/// use eagerly::{Model, row};
/// # #[derive(Model, Debug)]
/// # pub struct Publisher { #[model(primary_key)] pub id: i64, pub name: String }
/// # #[derive(Model, Debug)]
/// # #[model(has_many(books = Book))]
/// # pub struct Author { #[model(primary_key)] pub id: i64, pub name: String,
/// #     #[model(belongs_to(publisher = Publisher))] pub publisher_id: Option<i64> }
/// # #[derive(Model, Debug)]
/// # pub struct Book { #[model(primary_key)] pub id: i64, pub title: String,
/// #     #[model(belongs_to(author = Author))] pub author_id: i64 }
///
/// type AuthorPage = row!(Author { publisher, books, count(books) });
///
/// fn render(authors: &[AuthorPage]) -> String {
///     authors
///         .iter()
///         .map(|a| format!("{} ({} books)", a.name, a.books_count()))
///         .collect::<Vec<_>>()
///         .join("\n")
/// }
///
/// # let conn = eagerly::rusqlite::Connection::open_in_memory()?;
/// # eagerly::create_tables(&conn, &[Publisher::TABLE, Author::TABLE, Book::TABLE])?;
/// let authors: Vec<AuthorPage> = Author::query()
///     .with_count(Author::books)
///     .prefetch(Author::books)
///     .select_related(Author::publisher)
///     .all(&conn)?;
/// println!("{}", render(&authors));
/// # Ok::<(), eagerly::Error>(())
/// ```
#[macro_export]
macro_rules! row {
    ($model:ty { $($items:tt)* }) => {
        $crate::row!(@items [$model] [<$model as $crate::Model>::Row] $($items)*)
    };
    ($model:ty) => {
        <$model as $crate::Model>::Row
    };
    (@items [$model:ty] [$acc:ty] $(,)?) => {
        $acc
    };
    (@items [$model:ty] [$acc:ty] count($name:ident) $(, $($rest:tt)*)?) => {
        $crate::row!(@items [$model] [
            <$acc as $crate::SetSlot<$crate::CountKey<$crate::row!(@relation $model, $name)>, $crate::Counted>>::Out
        ] $($($rest)*)?)
    };
    (@items [$model:ty] [$acc:ty] $name:ident { $($nested:tt)* } $(, $($rest:tt)*)?) => {
        $crate::row!(@items [$model] [
            <$acc as $crate::SetSlot<
                $crate::row!(@relation $model, $name),
                $crate::SlotOf<
                    $crate::row!(@relation $model, $name),
                    $crate::row!(<$crate::row!(@relation $model, $name) as $crate::Relation>::To { $($nested)* })
                >
            >>::Out
        ] $($($rest)*)?)
    };
    (@items [$model:ty] [$acc:ty] $name:ident $(, $($rest:tt)*)?) => {
        $crate::row!(@items [$model] [
            <$acc as $crate::SetSlot<
                $crate::row!(@relation $model, $name),
                $crate::DefaultSlot<$crate::row!(@relation $model, $name)>
            >>::Out
        ] $($($rest)*)?)
    };
    // The relation named `$name` of `$model` (see `relation!`); the `let` makes a typo an
    // error that names the model ("no associated item named `bookz` found for struct
    // `Author`").
    (@relation $model:ty, $name:ident) => {
        <$model as $crate::RelNamed<{
            #[allow(clippy::let_underscore_untyped)]
            let _ = <$model>::$name;
            $crate::__private::name(::core::stringify!($name))
        }>>::Rel
    };
}
