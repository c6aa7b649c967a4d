//! `#[derive(Model)]` for [eagerly](https://docs.rs/eagerly). Use it through the `eagerly`
//! crate: `use eagerly::Model;` imports both the derive and the trait.

mod expand;
mod model;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Makes a struct with named fields a model: one row of a table, with a typed column
/// constant per field, relation constants, a row type, and queries.
///
/// ```
/// use eagerly::Model;
///
/// #[derive(Model, Debug, Clone, PartialEq)]
/// pub struct Publisher {
///     #[model(primary_key)]
///     pub id: i64,
///     pub name: String,
/// }
///
/// #[derive(Model, Debug, Clone, PartialEq)]
/// #[model(has_many(books = Book, fk = author_id))]
/// pub struct Author {
///     #[model(primary_key)]
///     pub id: i64,
///     #[model(index)]
///     pub name: String,
///     #[model(belongs_to(publisher = Publisher))]
///     pub publisher_id: Option<i64>,
/// }
///
/// #[derive(Model, Debug, Clone, PartialEq)]
/// #[model(table = "books", many_to_many(tags = Tag, through = BookTag))]
/// pub struct Book {
///     #[model(primary_key)]
///     pub id: i64,
///     #[model(column = "Title")]
///     pub title: String,
///     #[model(belongs_to(author = Author))]
///     pub author_id: i64,
/// }
///
/// #[derive(Model, Debug, Clone, PartialEq)]
/// pub struct Tag {
///     #[model(primary_key)]
///     pub id: i64,
///     #[model(unique)]
///     pub name: String,
/// }
///
/// #[derive(Model, Debug, Clone, PartialEq)]
/// pub struct BookTag {
///     #[model(primary_key, belongs_to(book = Book))]
///     pub book_id: i64,
///     #[model(primary_key, belongs_to(tag = Tag))]
///     pub tag_id: i64,
/// }
///
/// let conn = eagerly::rusqlite::Connection::open_in_memory()?;
/// eagerly::create_tables(&conn, &[Publisher::TABLE, Author::TABLE, Book::TABLE, Tag::TABLE, BookTag::TABLE])?;
/// let le_guin = NewAuthor { name: "Ursula K. Le Guin".into(), publisher_id: None }.insert(&conn)?;
/// NewBook { title: "The Dispossessed".into(), author_id: le_guin.id }.insert(&conn)?;
/// let found = Book::query().filter(Book::title.starts_with("The")).all(&conn)?;
/// assert_eq!(found[0].author_id, le_guin.id);
/// # Ok::<(), eagerly::Error>(())
/// ```
///
/// # On the struct: `#[model(..)]`
///
/// | key | meaning |
/// |---|---|
/// | `table = "books"` | table name; default: the struct name in snake_case (`BookTag` → `book_tag`) |
/// | `rename_all = "PascalCase"` | column names from field names: `PascalCase`, `camelCase`, `SCREAMING_SNAKE_CASE`, `lowercase`, `UPPERCASE` |
/// | `has_many(books = Book, fk = author_id)` | `Book.author_id` refers to this model; `fk` defaults to `<this model>_id` |
/// | `has_one(profile = Profile, fk = user_id)` | `Profile.user_id`, unique (a compile error otherwise), refers to this model: the reverse of a one-to-one, read as `Option<&ProfileRow>`, loaded by `select_related` (a JOIN) or `prefetch`; `fk` defaults to `<this model>_id` |
/// | `many_to_many(tags = Tag, through = BookTag, from = book_id, to = tag_id)` | pairs in the `BookTag` model link the two; `from` defaults to `<this model>_id`, `to` to `<target>_id` |
/// | `belongs_to(writer = Author, fk = author_id)` | a `belongs_to` under another name (the field's own `belongs_to` stays): both load, each with its own nested loads; the table keeps one foreign key; `fk` defaults to `<relation>_id` |
/// | `index(a, b)` | an index over several fields |
/// | `unique(a, b)` | a unique constraint over several fields |
///
/// # On a field: `#[model(..)]`
///
/// | key | meaning |
/// |---|---|
/// | `primary_key` | part of the primary key (mark several fields for a composite key); a single integer key is assigned by SQLite |
/// | `column = "Title"` | column name in the database |
/// | `belongs_to(author = Author)` | this field holds `Author`'s key; nullable when the field is an `Option` |
/// | `index` | an index on the column |
/// | `unique` | a unique constraint on the column |
/// | `sql_type = "NUMERIC(10,2)"` | the declared type in `CREATE TABLE`, on every backend; default: from [`SqlType`](https://docs.rs/eagerly/latest/eagerly/trait.SqlType.html) (`SQL_TYPE` on SQLite, `POSTGRES_TYPE` on PostgreSQL) |
///
/// # What it generates, for `Author`
///
/// - `impl Model for Author`: `Author::TABLE`, `Author::get`, `author.insert(..)`,
///   `author.update(..)`, `author.delete(..)`, `Author::insert_all(..)`.
/// - A column constant per field, named like it: `Author::name: Column<Author, String>`,
///   for filters and orderings, and to read the field from a model (`Author::name.of(&a)`).
/// - A relation constant per relation: `Author::books`, `Author::publisher`; name a
///   relation's type with [`relation!`](https://docs.rs/eagerly/latest/eagerly/macro.relation.html)`(Author::books)`.
/// - `Author::query()`, a [`Query`](https://docs.rs/eagerly/latest/eagerly/struct.Query.html)
///   returning `AuthorRow`s.
/// - `AuthorRow<..>`: the model plus, in type parameters, what a query loaded; it
///   dereferences to `Author`.
/// - `NewAuthor`: every field but a single integer key, to insert and let SQLite assign it.
/// - With relations, `Deref` for `Author` to a hidden type, so that `author.books()` on the
///   model (not a row) is a compile error saying that relations are read from rows and
///   what to load: the derive cannot go on a struct that implements `Deref` itself.
///
/// `AuthorRow` and `NewAuthor` are the only names the derive adds to your module; the rest
/// (relation types, the traits behind accessors) lives in a scope of its own, so a model
/// may be called anything, a link model `AuthorBooks` included. Relations may have any
/// name a field may have (`r#type`, `_books`, `bücher`). Column and relation constants are
/// named after their fields and relations, so none may be named `query`, `get`,
/// `insert_all` or `TABLE` (each would hide the model's own item of that name; keep such
/// a column with `#[model(column = "get")]` on a field named otherwise); the model's
/// other functions are called as methods, and a field may be called `key` or `insert`.
///
/// Every mistake in the attributes is a compile error at the offending token, and all of
/// a struct's mistakes are reported at once.
#[proc_macro_derive(Model, attributes(model))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).unwrap_or_else(syn::Error::into_compile_error).into()
}
