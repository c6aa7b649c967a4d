//! The `Model` trait that `#[derive(Model)]` implements, and the writes every model gets.

use std::ops::Deref;

use rusqlite::ToSql;

use crate::driver::Executor;
use crate::error::Result;
use crate::row::{Parts, Reader};
use crate::schema::Table;
use crate::send::MaybeSend;

/// A struct stored as one row of a table. Implemented by `#[derive(Model)]`; the
/// attribute reference is on the derive macro.
///
/// Besides the trait items, the derive gives the model one column constant per field
/// (`Author::name`), one relation constant per relation (`Author::books`), and
/// `Author::query()`.
///
/// ```
/// use eagerly::Model;
///
/// #[derive(Model, Debug, Clone, PartialEq)]
/// pub struct Author {
///     #[model(primary_key)]
///     pub id: i64,
///     pub name: String,
/// }
///
/// let conn = eagerly::rusqlite::Connection::open_in_memory()?;
/// eagerly::create_tables(&conn, &[Author::TABLE])?;
/// let stored = NewAuthor { name: "Ursula K. Le Guin".into() }.insert(&conn)?;
/// let mut author = Author::get(&conn, stored.id)?.into_model();
/// author.name = "Le Guin".into();
/// author.update(&conn)?;
/// assert_eq!(Author::query().first(&conn)?.unwrap().name, "Le Guin");
/// author.delete(&conn)?;
/// assert_eq!(Author::query().count(&conn)?, 0);
/// # Ok::<(), eagerly::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an eagerly model",
    label = "not a model",
    note = "models are structs with `#[derive(eagerly::Model)]`"
)]
pub trait Model: Sized + MaybeSend + 'static {
    /// The row type with nothing loaded: `AuthorRow`, which dereferences to the model.
    type Row: Deref<Target = Self> + MaybeSend + DecodeRow<Model = Self>;

    /// The primary key: the key field's type, or a tuple for a composite key.
    type Key;

    /// The table, its columns, indexes and foreign keys.
    const TABLE: &'static Table;

    /// Reads the model's columns, in declaration order, from a result row.
    ///
    /// Generated: reads the fields in declaration order, a single-field key with
    /// `read_key` (a joined row's key may come from the parent's foreign key).
    /// ```text
    /// fn decode(reader: &mut Reader<'_>) -> Result<Self> {
    ///     Ok(Author { id: reader.read_key()?, name: reader.read()?, publisher_id: reader.read()? })
    /// }
    /// ```
    #[doc(hidden)]
    fn decode(reader: &mut Reader<'_>) -> Result<Self>;

    /// Wraps the model in its row type.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let row: AuthorRow = Author { id: 7, name: "Zadie Smith".into(), publisher_id: None }.into_row();
    /// assert_eq!(row.name, "Zadie Smith");
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    fn into_row(self) -> Self::Row;

    /// The model's primary key.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// assert_eq!(Author::get(&conn, 2)?.key(), 2);
    /// assert_eq!(BookTag { book_id: 4, tag_id: 2 }.key(), (4, 2));
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    fn key(&self) -> Self::Key;

    /// Pushes every field, in column order, as a value to bind.
    ///
    /// Generated: pushes every field in declaration order.
    /// ```text
    /// fn write_fields<'a>(&'a self, out: &mut Vec<&'a dyn ToSql>) {
    ///     out.push(&self.id); out.push(&self.name); out.push(&self.publisher_id);
    /// }
    /// ```
    #[doc(hidden)]
    fn write_fields<'a>(&'a self, out: &mut Vec<&'a dyn ToSql>);

    /// Pushes the parts of a primary key, in key order, as values to bind.
    ///
    /// Generated: pushes the parts of a key, in key order.
    /// ```text
    /// fn write_key<'a>(key: &'a (i64, i64), out: &mut Vec<&'a dyn ToSql>) {
    ///     out.push(&key.0); out.push(&key.1);
    /// }
    /// ```
    #[doc(hidden)]
    fn write_key<'a>(key: &'a Self::Key, out: &mut Vec<&'a dyn ToSql>);

    /// The row with this primary key, or [`Error::NotFound`](crate::Error::NotFound).
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let ann = Author::get(&conn, 1)?;
    /// assert_eq!(ann.name, "Ann Leckie");
    /// assert!(matches!(Author::get(&conn, 99), Err(eagerly::Error::NotFound { table: "author" })));
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    #[track_caller]
    fn get(conn: impl Executor, key: Self::Key) -> Result<Self::Row>;

    /// Inserts the model with every field as given, key included, and returns the row as
    /// stored. To let the database assign an integer key, insert the generated
    /// `New<Model>` struct instead.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let stored = Tag { id: 10, name: "classic".into() }.insert(&conn)?;
    /// assert_eq!(Tag::get(&conn, 10)?.into_model(), stored);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    #[track_caller]
    fn insert(&self, conn: impl Executor) -> Result<Self>
    where
        Self: Insertable<Model = Self>;

    /// Inserts all `items`, or none if one fails, and returns the stored rows in order.
    /// Works with the model itself or its `New<Model>` struct.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let tags = Tag::insert_all(&conn, [NewTag { name: "a".into() }, NewTag { name: "b".into() }])?;
    /// assert_eq!(tags.iter().map(|t| t.id).collect::<Vec<_>>(), [4, 5]);
    /// // A duplicate in the batch: nothing is inserted.
    /// assert!(Tag::insert_all(&conn, [NewTag { name: "c".into() }, NewTag { name: "c".into() }]).is_err());
    /// assert_eq!(Tag::query().count(&conn)?, 5);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    #[track_caller]
    fn insert_all<I: Insertable<Model = Self>>(
        conn: impl Executor,
        items: impl IntoIterator<Item = I>,
    ) -> Result<Vec<Self>>;

    /// Writes every non-key field to the row with this model's key;
    /// [`Error::NotFound`](crate::Error::NotFound) if there is none.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let mut book = Book::get(&conn, 4)?.into_model();
    /// book.year = Some(2018);
    /// book.update(&conn)?;
    /// assert_eq!(Book::get(&conn, 4)?.year, Some(2018));
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    #[track_caller]
    fn update(&self, conn: impl Executor) -> Result<()>;

    /// Deletes the row with this model's key; [`Error::NotFound`](crate::Error::NotFound)
    /// if there is none.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let link = BookTag { book_id: 1, tag_id: 1 };
    /// link.delete(&conn)?;
    /// assert!(matches!(link.delete(&conn), Err(eagerly::Error::NotFound { .. })));
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    #[track_caller]
    fn delete(&self, conn: impl Executor) -> Result<()>;
}

/// A value that can be inserted as a row of `Model`: the model itself (every column), or
/// its generated `New<Model>` struct (every column but a database-assigned key).
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// fn store<I: eagerly::Insertable>(conn: &eagerly::rusqlite::Connection, items: Vec<I>) -> eagerly::Result<usize> {
///     Ok(<I::Model as Model>::insert_all(conn, items)?.len())
/// }
/// assert_eq!(store(&conn, vec![NewTag { name: "new".into() }])?, 1);
/// assert_eq!(store(&conn, vec![Tag { id: 20, name: "given".into() }])?, 1);
/// # Ok::<(), eagerly::Error>(())
/// ```
pub trait Insertable {
    /// The model whose table receives the row.
    type Model: Model;

    /// Indices into the table's columns of the values `write_fields` pushes.
    #[doc(hidden)]
    const COLUMNS: &'static [usize];

    /// Pushes the values of `COLUMNS`, in that order.
    #[doc(hidden)]
    fn write_fields<'a>(&'a self, out: &mut Vec<&'a dyn ToSql>);
}

/// A row type that can be made from one result row, given where its slots' values are
/// (see `load::decode`): implemented by the derive for every row struct, over slot types
/// that decode (`DecodeSlot`), as one struct expression:
/// ```text
/// fn from_parts(model: Author, parts: &Parts<'_>) -> Result<Self> {
///     Ok(AuthorRow {
///         __publisher: <Publisher as DecodeSlot>::decode::<AuthorPublisher>(parts, 0, &model)?,
///         __model: model,
///     })
/// }
/// ```
#[doc(hidden)]
pub trait DecodeRow: Sized {
    /// The model the row holds.
    type Model: Model;
    /// The row of `model`, its slots read from `parts`.
    fn from_parts(model: Self::Model, parts: &Parts<'_>) -> Result<Self>;
}
