//! Typed columns (`Book::title`), and what they build: filters, orderings, assignments.

use std::marker::PhantomData;

use crate::value::Value;

use crate::filter::{CompareOp, Cond, Expr, PatternKind};
use crate::plan::alias::Alias;
use crate::value::ValueFor;

/// The column of model `M` that holds a field of type `T`. `#[derive(Model)]` makes one
/// constant per field, named like the field: `Book::title` is a `Column<Book, String>`.
///
/// ```
/// # use eagerly::Model;
/// # #[derive(Model, Debug)]
/// # #[model(table = "books")]
/// # pub struct Book { #[model(primary_key)] pub id: i64, #[model(column = "Title")] pub title: String }
/// assert_eq!(Book::title.name(), "Title");
/// let dune = Book::title.eq("Dune");
/// let by_title = Book::title.asc();
/// ```
pub struct Column<M, T> {
    name: &'static str,
    /// Reads the field from a model; also what ties the column to `M` and `T`.
    field: fn(&M) -> &T,
}

impl<M, T> Clone for Column<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, T> Copy for Column<M, T> {}

impl<M, T> std::fmt::Debug for Column<M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Column({})", self.name)
    }
}

/// Marks the field types whose columns can hold NULL: `Option<T>`. The parameter only
/// exists so that the compiler reports a missing implementation with this trait's message.
#[diagnostic::on_unimplemented(
    message = "this column is not nullable: its field has type `{Self}`",
    label = "`is_null` / `is_not_null` need a column whose field is an `Option`",
    note = "a column is nullable when its field is declared as `Option<..>` in the model"
)]
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let undated = Book::query().filter(Book::year.is_null()); // `year: Option<i64>`
/// assert_eq!(undated.count(&conn)?, 1);
/// // `Book::title.is_null()` does not compile: `title` is a `String`.
/// # Ok::<(), eagerly::Error>(())
/// ```
pub trait Nullable<X> {}
impl<T> Nullable<T> for Option<T> {}

/// Marks the field types text filters (`contains`, `starts_with`, ...) apply to.
#[diagnostic::on_unimplemented(
    message = "text filters need a text column, and this column holds `{Self}`",
    label = "`contains`, `starts_with`, `ends_with` and their `i..` forms work on `String` columns",
    note = "compare other types with `eq`, `lt`, `gt`, ... instead"
)]
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let titled = Book::query().filter(Book::title.contains("Rust")); // `title: String`
/// assert_eq!(titled.count(&conn)?, 2);
/// // `Book::year.contains("20")` does not compile: `year` is a number.
/// # Ok::<(), eagerly::Error>(())
/// ```
pub trait Text<X> {}
impl Text<()> for String {}
impl Text<()> for Option<String> {}

impl<M, T> Column<M, T> {
    #[doc(hidden)]
    pub const fn new(name: &'static str, field: fn(&M) -> &T) -> Self {
        Column { name, field }
    }

    /// The field this column holds, read from a model: lets code that is handed a column
    /// (`Book::author_id`) read it from rows, as the batched loader groups related rows.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let book = Book::get(&conn, 3)?;
    /// assert_eq!(Book::author_id.of(&book), &2);
    /// assert_eq!(Book::title.of(&book), &book.title);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    #[inline]
    pub fn of(self, model: &M) -> &T {
        (self.field)(model)
    }

    /// The column's name in the database.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// assert_eq!(Book::title.name(), "title");
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub const fn name(&self) -> &'static str {
        self.name
    }

    fn compare(self, op: CompareOp, value: impl ValueFor<T>) -> Cond<M> {
        Cond::new(match value.into_value() {
            Ok(value) => Expr::Compare { column: self.name, op, value },
            Err(e) => self.unbindable(e),
        })
    }

    fn unbindable(self, error: rusqlite::Error) -> Expr {
        Expr::Unbindable { column: self.name, message: error.to_string() }
    }

    /// Equal to `value`. Comparing with `None` matches NULL (`IS NULL`).
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// assert_eq!(Book::query().filter(Book::author_id.eq(2)).count(&conn)?, 2);
    /// assert_eq!(Book::query().filter(Book::year.eq(None)).count(&conn)?, 1); // IS NULL
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn eq(self, value: impl ValueFor<T>) -> Cond<M> {
        self.compare(CompareOp::Eq, value)
    }

    /// Not equal to `value`; matches NULL unless `value` is `None`.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// // The undated book is "not 2013" too.
    /// assert_eq!(Book::query().filter(Book::year.ne(2013)).count(&conn)?, 3);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn ne(self, value: impl ValueFor<T>) -> Cond<M> {
        self.compare(CompareOp::Ne, value)
    }

    /// Less than `value`.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// assert_eq!(Book::query().filter(Book::year.lt(2013)).count(&conn)?, 1);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn lt(self, value: impl ValueFor<T>) -> Cond<M> {
        self.compare(CompareOp::Lt, value)
    }

    /// Less than or equal to `value`.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// assert_eq!(Book::query().filter(Book::year.le(2013)).count(&conn)?, 2);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn le(self, value: impl ValueFor<T>) -> Cond<M> {
        self.compare(CompareOp::Le, value)
    }

    /// Greater than `value`.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// assert_eq!(Book::query().filter(Book::year.gt(2013)).count(&conn)?, 1);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn gt(self, value: impl ValueFor<T>) -> Cond<M> {
        self.compare(CompareOp::Gt, value)
    }

    /// Greater than or equal to `value`.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// assert_eq!(Book::query().filter(Book::year.ge(2013)).count(&conn)?, 2);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn ge(self, value: impl ValueFor<T>) -> Cond<M> {
        self.compare(CompareOp::Ge, value)
    }

    /// Equal to one of `values`; an empty list matches nothing. Any number of values: a
    /// long list is sent as one JSON array, so it never meets SQLite's limit on bound
    /// values.
    ///
    /// ```
    /// # use eagerly::Model;
    /// # #[derive(Model, Debug)]
    /// # pub struct Book { #[model(primary_key)] pub id: i64, pub title: String }
    /// let some = Book::id.is_in([1, 2, 3]);
    /// let named = Book::title.is_in(vec!["Dune", "Emma"]);
    /// ```
    pub fn is_in<V: ValueFor<T>>(self, values: impl IntoIterator<Item = V>) -> Cond<M> {
        let values: Result<Vec<Value>, _> = values.into_iter().map(ValueFor::into_value).collect();
        Cond::new(match values {
            Ok(values) => Expr::In { column: self.name, values },
            Err(e) => self.unbindable(e),
        })
    }

    /// Is NULL; only for nullable (`Option`) columns.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// assert_eq!(Book::query().filter(Book::year.is_null()).count(&conn)?, 1);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn is_null<X>(self) -> Cond<M>
    where
        T: Nullable<X>,
    {
        Cond::new(Expr::IsNull { column: self.name, negated: false })
    }

    /// Is not NULL; only for nullable (`Option`) columns.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// assert_eq!(Book::query().filter(Book::year.is_not_null()).count(&conn)?, 3);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn is_not_null<X>(self) -> Cond<M>
    where
        T: Nullable<X>,
    {
        Cond::new(Expr::IsNull { column: self.name, negated: true })
    }

    fn pattern(self, kind: PatternKind, text: &str) -> Cond<M> {
        Cond::new(Expr::Pattern { column: self.name, kind, text: text.to_owned() })
    }

    /// Contains `text`, case-sensitively: exactly the values for which Rust's
    /// `str::contains` is true, whatever they hold (`%`, `_`, `*`, `?`, `[`, `\` and NUL
    /// match themselves, and `text` may be of any length). This holds for every text
    /// filter, the `i..` forms comparing as `to_ascii_lowercase` does. A NULL column
    /// matches no text filter.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// assert_eq!(Book::query().filter(Book::title.contains("Rust")).count(&conn)?, 2);
    /// assert_eq!(Book::query().filter(Book::title.contains("rust")).count(&conn)?, 0);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn contains<X>(self, text: &str) -> Cond<M>
    where
        T: Text<X>,
    {
        self.pattern(PatternKind::Contains, text)
    }

    /// Starts with `text`, case-sensitively. Can use an ordinary index on the column (as
    /// `GLOB 'text*'`, unless `text` holds NUL or is tens of kilobytes long).
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// assert_eq!(Book::query().filter(Book::title.starts_with("The ")).count(&conn)?, 1);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn starts_with<X>(self, text: &str) -> Cond<M>
    where
        T: Text<X>,
    {
        self.pattern(PatternKind::StartsWith, text)
    }

    /// Ends with `text`, case-sensitively.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// assert_eq!(Book::query().filter(Book::title.ends_with("Book")).count(&conn)?, 1);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn ends_with<X>(self, text: &str) -> Cond<M>
    where
        T: Text<X>,
    {
        self.pattern(PatternKind::EndsWith, text)
    }

    /// Equal to `text` ignoring case, as `str::eq_ignore_ascii_case`: case folding covers
    /// ASCII letters only (SQLite's `lower()` without the ICU extension), as for all `i..`
    /// filters, so `É` and `é` differ. No ordinary index serves a case-insensitive match.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// assert_eq!(Book::query().filter(Book::title.iexact("MISTBORN")).count(&conn)?, 1);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn iexact<X>(self, text: &str) -> Cond<M>
    where
        T: Text<X>,
    {
        self.pattern(PatternKind::IExact, text)
    }

    /// Contains `text`, ignoring ASCII case.
    ///
    /// ```
    /// # use eagerly::Model;
    /// # #[derive(Model, Debug)]
    /// # pub struct Book { #[model(primary_key)] pub id: i64, pub title: String }
    /// let rust_books = Book::title.icontains("rust");   // matches "The Rust Book"
    /// let percent = Book::title.icontains("100%");      // the % is a plain character here
    /// ```
    pub fn icontains<X>(self, text: &str) -> Cond<M>
    where
        T: Text<X>,
    {
        self.pattern(PatternKind::IContains, text)
    }

    /// Starts with `text`, ignoring ASCII case.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// assert_eq!(Book::query().filter(Book::title.istarts_with("the")).count(&conn)?, 1);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn istarts_with<X>(self, text: &str) -> Cond<M>
    where
        T: Text<X>,
    {
        self.pattern(PatternKind::IStartsWith, text)
    }

    /// Ends with `text`, ignoring ASCII case.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// assert_eq!(Book::query().filter(Book::title.iends_with("BOOK")).count(&conn)?, 1);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn iends_with<X>(self, text: &str) -> Cond<M>
    where
        T: Text<X>,
    {
        self.pattern(PatternKind::IEndsWith, text)
    }

    /// Ascending order on this column (NULLs first, as SQLite sorts them).
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let first = Book::query().order_by(Book::title.asc()).first(&conn)?.unwrap();
    /// assert_eq!(first.title, "Ancillary Justice");
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn asc(self) -> Order<M> {
        Order::new(self.name, false)
    }

    /// Descending order on this column (NULLs last).
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let newest = Book::query().order_by(Book::year.desc()).first(&conn)?.unwrap();
    /// assert_eq!(newest.title, "Rust in Action");
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn desc(self) -> Order<M> {
        Order::new(self.name, true)
    }

    /// Sets this column to `value`, for [`Query::update`](crate::Query::update).
    ///
    /// ```
    /// # use eagerly::Model;
    /// # #[derive(Model, Debug)]
    /// # pub struct Book { #[model(primary_key)] pub id: i64, pub title: String, pub year: Option<i64> }
    /// let changes = [Book::title.set("Untitled"), Book::year.set(None)];
    /// ```
    pub fn set(self, value: impl ValueFor<T>) -> Assignment<M> {
        Assignment {
            column: self.name,
            value: value.into_value().map_err(|e| e.to_string()),
            model: PhantomData,
        }
    }
}

/// A sort key for rows of model `M`: `Book::title.asc()`.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let by_year = Book::query().order_by(Book::year.desc().nulls_last()).order_by(Book::id.asc());
/// assert_eq!(by_year.all(&conn)?.last().unwrap().year, None);
/// # Ok::<(), eagerly::Error>(())
/// ```
pub struct Order<M> {
    pub(crate) term: OrderTerm,
    model: PhantomData<fn() -> M>,
}

/// The untyped sort key the SQL writer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OrderTerm {
    pub alias: Alias,
    pub column: &'static str,
    pub descending: bool,
    pub nulls: Option<Nulls>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nulls {
    First,
    Last,
}

impl OrderTerm {
    /// Ascending on a column of the queried table.
    pub(crate) fn ascending(column: &'static str) -> Self {
        OrderTerm { alias: Alias::Base, column, descending: false, nulls: None }
    }
}

impl<M> Order<M> {
    fn descending(mut self, descending: bool) -> Self {
        self.term.descending = descending;
        self
    }

    fn new(column: &'static str, descending: bool) -> Self {
        Order { term: OrderTerm::ascending(column), model: PhantomData }.descending(descending)
    }

    /// Puts rows whose column is NULL first.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let undated = Book::query().order_by(Book::year.desc().nulls_first()).first(&conn)?.unwrap();
    /// assert_eq!(undated.year, None);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn nulls_first(mut self) -> Self {
        self.term.nulls = Some(Nulls::First);
        self
    }

    /// Puts rows whose column is NULL last.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let oldest = Book::query().order_by(Book::year.asc().nulls_last()).first(&conn)?.unwrap();
    /// assert_eq!(oldest.title, "Mistborn");
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn nulls_last(mut self) -> Self {
        self.term.nulls = Some(Nulls::Last);
        self
    }
}

impl<M> Clone for Order<M> {
    fn clone(&self) -> Self {
        Order { term: self.term, model: PhantomData }
    }
}

impl<M> std::fmt::Debug for Order<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.term.fmt(f)
    }
}

/// `column = value` in a bulk update; made by [`Column::set`].
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let changed = Book::query().filter(Book::year.is_null()).update(&conn, [Book::year.set(2020)])?;
/// assert_eq!(changed, 1);
/// # Ok::<(), eagerly::Error>(())
/// ```
pub struct Assignment<M> {
    pub(crate) column: &'static str,
    pub(crate) value: Result<Value, String>,
    model: PhantomData<fn() -> M>,
}

impl<M> Clone for Assignment<M> {
    fn clone(&self) -> Self {
        Assignment { column: self.column, value: self.value.clone(), model: PhantomData }
    }
}

impl<M> std::fmt::Debug for Assignment<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} = {:?}", self.column, self.value)
    }
}
