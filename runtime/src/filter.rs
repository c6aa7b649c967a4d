//! Filters: typed conditions on one model's columns, combined with `and`, `or` and `not`.

use std::marker::PhantomData;
use std::ops::{BitAnd, BitOr, Not};

use rusqlite::types::Value;

/// A condition on rows of model `M`, built from its columns (`Book::title.eq("Dune")`).
///
/// Conditions combine with [`and`](Cond::and) / `&`, [`or`](Cond::or) / `|` and
/// [`not`](Cond::not) / `!`. Conditions on different models do not combine: `Cond<Book>`
/// and `Cond<Author>` are different types.
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
    All(Vec<Expr>),
    Any(Vec<Expr>),
    Not(Box<Expr>),
    /// A value that could not be converted; reported as an error when the query runs.
    Unbindable {
        column: &'static str,
        message: String,
    },
}

impl Expr {
    /// All of `parts`, flattening nested conjunctions; a single part stands alone.
    pub(crate) fn all(parts: impl IntoIterator<Item = Expr>) -> Expr {
        let mut flat = Vec::new();
        for part in parts {
            match part {
                Expr::All(nested) => flat.extend(nested),
                part => flat.push(part),
            }
        }
        match <[Expr; 1]>::try_from(flat) {
            Ok([only]) => only,
            Err(flat) => Expr::All(flat),
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
        let mut parts = Vec::new();
        for expr in [self.expr, other.expr] {
            match expr {
                Expr::Any(nested) => parts.extend(nested),
                expr => parts.push(expr),
            }
        }
        Cond::new(Expr::Any(parts))
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
        Cond::new(match self.expr {
            Expr::Not(inner) => *inner,
            expr => Expr::Not(Box::new(expr)),
        })
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
