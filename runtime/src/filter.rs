//! Filters: typed conditions on one model's columns, combined with `and`, `or` and `not`.

use std::marker::PhantomData;
use std::ops::{BitAnd, BitOr, Not};

use crate::value::Value;

/// A condition on rows of model `M`, built from its columns (`Book::title.eq("Dune")`).
///
/// Conditions combine with [`and`](Cond::and) / `&`, [`or`](Cond::or) / `|` and
/// [`not`](Cond::not) / `!`. Conditions on different models do not combine: `Cond<Book>`
/// and `Cond<Author>` are different types.
///
/// A filter may combine any number of conditions; nested deeper than SQLite evaluates
/// (hundreds of levels of `and` inside `or` inside `not`), it is
/// [`Error::FilterTooDeep`](crate::Error::FilterTooDeep) when the query runs.
///
/// Filters are two-valued, as in Django: a row either matches or it does not. A comparison
/// with a NULL column does not match, and `not` matches exactly the rows its inner filter
/// does not match (including those where a column is NULL); `ne` matches NULL columns too.
///
/// ```
/// # use eagerly::Model;
/// # #[derive(Model, Debug)]
/// # pub struct Book { #[model(primary_key)] pub id: i64, pub title: String, pub year: Option<i64> }
/// let recent_or_untitled = Book::year.ge(2000) | Book::title.eq("");
/// let classic = !recent_or_untitled.clone() & Book::year.is_not_null();
/// let same = recent_or_untitled.not().and(Book::year.is_not_null());
/// ```
pub struct Cond<M> {
    pub(crate) expr: Expr,
    model: PhantomData<fn() -> M>,
}

/// The untyped filter tree the SQL writer reads.
///
/// Every tree is at most [`MAX_HEIGHT`] high, whatever was built: combining filters into
/// a deeper one gives [`Expr::TooDeep`] instead, an error when the query runs. So the
/// functions that walk a tree (rendering, and the compiler's `Clone`, `PartialEq`, `Debug`
/// and drop) recurse a bounded number of levels, and a filter built 200,000 levels deep
/// in a loop is one small value, not a stack overflow.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Compare {
        column: &'static str,
        op: CompareOp,
        value: Value,
    },
    In {
        column: &'static str,
        values: Vec<Value>,
    },
    IsNull {
        column: &'static str,
        negated: bool,
    },
    Pattern {
        column: &'static str,
        kind: PatternKind,
        text: String,
    },
    All(Group),
    Any(Group),
    Not(Box<Expr>),
    /// A value that could not be converted; reported as an error when the query runs.
    Unbindable {
        column: &'static str,
        message: String,
    },
    /// A filter nested more deeply than eagerly writes (the depth SQLite evaluates, kept on
    /// every backend); reported as an error when the query runs.
    TooDeep,
}

/// The parts of an `and` or an `or`, with the height of the SQL expression they make.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Group {
    pub parts: Vec<Expr>,
    height: usize,
}

/// The highest filter eagerly writes, in levels of SQLite's expression tree. SQLite
/// refuses expressions higher than 1,000 (`SQLITE_MAX_EXPR_DEPTH`), and a filter inside a
/// subquery (`x IN (SELECT .. WHERE filter)`, `EXISTS (..)`) counts about twice: a
/// filter this high runs in every statement eagerly writes (`tests/filters.rs` tries them).
pub(crate) const MAX_HEIGHT: usize = 480;

/// The height of a condition on one column, as the SQL writer writes it (an upper bound:
/// `substr(CAST(lower(c) AS BLOB), ..) = CAST(? AS BLOB)` is 5).
const LEAF_HEIGHT: usize = 5;

/// Groups up to this many parts are written flat, `(a OR b OR c)`, which SQLite parses as
/// a chain one level higher per part; larger ones are split in halves, `((a OR b) OR (c
/// OR d))`, so that a group of any size stays low.
pub(crate) const FLAT_GROUP: usize = 8;

/// The levels a group of `parts` parts adds above its highest part.
pub(crate) fn group_height(parts: usize) -> usize {
    if parts <= FLAT_GROUP { parts.saturating_sub(1) } else { 1 + group_height(parts.div_ceil(2)) }
}

impl Expr {
    /// The height of the SQL expression, in levels (see [`MAX_HEIGHT`]).
    pub(crate) fn height(&self) -> usize {
        match self {
            Expr::All(group) | Expr::Any(group) => group.height,
            Expr::Not(inner) => inner.height() + 1,
            Expr::TooDeep => usize::MAX,
            _ => LEAF_HEIGHT,
        }
    }

    /// All of `parts`, flattening nested conjunctions; a single part stands alone.
    pub(crate) fn all(parts: impl IntoIterator<Item = Expr>) -> Expr {
        Expr::group(parts, Expr::All, |expr| match expr {
            Expr::All(group) => Ok(group.parts),
            other => Err(other),
        })
    }

    /// Any of `parts`, flattening nested disjunctions; a single part stands alone.
    pub(crate) fn any(parts: impl IntoIterator<Item = Expr>) -> Expr {
        Expr::group(parts, Expr::Any, |expr| match expr {
            Expr::Any(group) => Ok(group.parts),
            other => Err(other),
        })
    }

    fn group(
        parts: impl IntoIterator<Item = Expr>,
        make: fn(Group) -> Expr,
        nested: fn(Expr) -> Result<Vec<Expr>, Expr>,
    ) -> Expr {
        let mut flat = Vec::new();
        for part in parts {
            match nested(part) {
                Ok(nested) => flat.extend(nested),
                Err(Expr::TooDeep) => return Expr::TooDeep,
                Err(part) => flat.push(part),
            }
        }
        if flat.len() == 1 {
            return flat.pop().expect("one part");
        }
        let highest = flat.iter().map(Expr::height).max().unwrap_or(0);
        let height = highest + group_height(flat.len());
        if height > MAX_HEIGHT {
            return Expr::TooDeep;
        }
        make(Group { parts: flat, height })
    }

    /// The negation of `inner`; `not` twice is the filter itself.
    pub(crate) fn not(inner: Expr) -> Expr {
        match inner {
            Expr::Not(inner) => *inner,
            Expr::TooDeep => Expr::TooDeep,
            inner if inner.height() >= MAX_HEIGHT => Expr::TooDeep,
            inner => Expr::Not(Box::new(inner)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Text matching; the `I*` kinds ignore ASCII case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatternKind {
    Contains,
    StartsWith,
    EndsWith,
    IExact,
    IContains,
    IStartsWith,
    IEndsWith,
}

impl<M> Cond<M> {
    pub(crate) fn new(expr: Expr) -> Self {
        Cond { expr, model: PhantomData }
    }

    /// Rows matching both conditions.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let ann_recent = Book::author_id.eq(1).and(Book::year.gt(2015));
    /// assert_eq!(Book::query().filter(ann_recent).count(&conn)?, 1);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn and(self, other: Cond<M>) -> Cond<M> {
        Cond::new(Expr::all([self.expr, other.expr]))
    }

    /// Rows matching either condition.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let either = Book::year.lt(2010).or(Book::year.is_null());
    /// assert_eq!(Book::query().filter(either).count(&conn)?, 2);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn or(self, other: Cond<M>) -> Cond<M> {
        Cond::new(Expr::any([self.expr, other.expr]))
    }

    /// Rows not matching the condition.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let not_ann = Book::author_id.eq(1).not();
    /// assert_eq!(Book::query().filter(not_ann).count(&conn)?, 2);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    #[allow(clippy::should_implement_trait)] // it is implemented too; this reads better in chains
    pub fn not(self) -> Cond<M> {
        Cond::new(Expr::not(self.expr))
    }
}

impl<M> Clone for Cond<M> {
    fn clone(&self) -> Self {
        Cond::new(self.expr.clone())
    }
}

impl<M> std::fmt::Debug for Cond<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.expr.fmt(f)
    }
}

impl<M> BitAnd for Cond<M> {
    type Output = Cond<M>;
    fn bitand(self, other: Cond<M>) -> Cond<M> {
        self.and(other)
    }
}

impl<M> BitOr for Cond<M> {
    type Output = Cond<M>;
    fn bitor(self, other: Cond<M>) -> Cond<M> {
        self.or(other)
    }
}

impl<M> Not for Cond<M> {
    type Output = Cond<M>;
    fn not(self) -> Cond<M> {
        Cond::not(self)
    }
}
