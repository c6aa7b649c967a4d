//! The `Model` trait that `#[derive(Model)]` implements, and the writes every model gets.

use std::ops::Deref;

use rusqlite::{Connection, ToSql};

use crate::error::Result;
use crate::query::Query;
use crate::row::Reader;
use crate::schema::Table;
use crate::write;

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
pub trait Model: Sized + 'static {
    /// The row type with nothing loaded: `AuthorRow`, which dereferences to the model.
    type Row: Deref<Target = Self>;

    /// The primary key: the key field's type, or a tuple for a composite key.
    type Key;

    /// The table, its columns, indexes and foreign keys.
    const TABLE: &'static Table;

    /// Reads the model's columns, in declaration order, from a result row.
    fn decode(reader: &mut Reader<'_>) -> Result<Self>;

    /// Wraps the model in its row type.
    fn into_row(self) -> Self::Row;

    /// The model's primary key.
    fn key(&self) -> Self::Key;

    /// Pushes every field, in column order, as a value to bind.
    fn write_fields<'a>(&'a self, out: &mut Vec<&'a dyn ToSql>);

    /// Pushes the parts of a primary key, in key order, as values to bind.
    fn write_key<'a>(key: &'a Self::Key, out: &mut Vec<&'a dyn ToSql>);

    /// The row with this primary key, or [`Error::NotFound`](crate::Error::NotFound).
    fn get(conn: &Connection, key: Self::Key) -> Result<Self::Row> {
        Query::<Self>::new().get(conn, key)
    }

    /// Inserts the model with every field as given, key included, and returns the row as
    /// stored. To let the database assign an integer key, insert the generated
    /// `New<Model>` struct instead.
    fn insert(&self, conn: &Connection) -> Result<Self>
    where
        Self: Insertable<Model = Self>,
    {
        write::insert_one(conn, self)
    }

    /// Inserts all `items`, or none if one fails, and returns the stored rows in order.
    /// Works with the model itself or its `New<Model>` struct.
    fn insert_all<I: Insertable<Model = Self>>(
        conn: &Connection,
        items: impl IntoIterator<Item = I>,
    ) -> Result<Vec<Self>> {
        write::insert_all(conn, items)
    }

    /// Writes every non-key field to the row with this model's key;
    /// [`Error::NotFound`](crate::Error::NotFound) if there is none.
    fn update(&self, conn: &Connection) -> Result<()> {
        write::update_one(conn, self)
    }

    /// Deletes the row with this model's key; [`Error::NotFound`](crate::Error::NotFound)
    /// if there is none.
    fn delete(&self, conn: &Connection) -> Result<()> {
        write::delete_one(conn, self)
    }
}

/// A value that can be inserted as a row of `Model`: the model itself (every column), or
/// its generated `New<Model>` struct (every column but a database-assigned key).
pub trait Insertable {
    /// The model whose table receives the row.
    type Model: Model;

    /// Indices into the table's columns of the values `write_fields` pushes.
    const COLUMNS: &'static [usize];

    /// Pushes the values of `COLUMNS`, in that order.
    fn write_fields<'a>(&'a self, out: &mut Vec<&'a dyn ToSql>);
}
