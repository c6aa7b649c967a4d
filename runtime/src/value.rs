//! Values: eagerly's own [`Value`], which statements bind and records show whatever the
//! backend, and Rust values on their way to becoming one.
//!
//! Fields still reach a `Value` through rusqlite's `ToSql` (so a custom field type is one
//! rusqlite can bind); the SQLite driver binds a `Value` as the rusqlite value it was,
//! without copying.

use rusqlite::ToSql;
use rusqlite::types::{FromSqlError, ToSqlOutput, Value as SqliteValue, ValueRef};

/// A value bound as a parameter, as eagerly holds it before a driver binds it, and as a
/// query's record shows it.
///
/// ```
/// use eagerly::Value;
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let (ann, log) = eagerly::capture(|| Author::query().filter(Author::name.eq("Ann Leckie")).all(&conn));
/// assert_eq!(ann?.len(), 1);
/// assert_eq!(log.records()[0].params, [Value::Text("Ann Leckie".into())]);
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// An integer: every Rust integer type, and `bool` as 0 or 1.
    Integer(i64),
    /// A floating-point number (never NaN).
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
    /// A list of values of one kind, bound as one array (PostgreSQL's `= ANY($1)`, which
    /// keeps a statement's text the same whatever the length of its lists). SQLite has no
    /// arrays: its statements send long lists as JSON text instead.
    List(Vec<Value>),
}

impl Value {
    /// The value as rusqlite reads it, borrowed; `None` for a list, which SQLite cannot
    /// take.
    #[inline]
    pub(crate) fn as_sqlite(&self) -> Option<ValueRef<'_>> {
        Some(match self {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(r) => ValueRef::Real(*r),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
            Value::List(_) => return None,
        })
    }

    /// A value SQLite gave, owned; text that is not UTF-8 is an error.
    pub(crate) fn from_sqlite(value: ValueRef<'_>) -> Result<Value, FromSqlError> {
        Ok(match value {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(r) => Value::Real(r),
            ValueRef::Text(t) => Value::Text(
                std::str::from_utf8(t).map_err(|e| FromSqlError::Other(Box::new(e)))?.to_owned(),
            ),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        })
    }
}

/// The value as an SQL literal: `4`, `'Ann''s'`, `NULL`, `X'00ff'`, a list as `(1, 2)`;
/// text longer than 60 characters is cut, with its length.
///
/// ```
/// use eagerly::Value;
/// assert_eq!(Value::Text("Ann's".into()).to_string(), "'Ann''s'");
/// assert_eq!(Value::List(vec![Value::Integer(1), Value::Null]).to_string(), "(1, NULL)");
/// ```
impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        /// Characters of a text value shown.
        const SHOWN: usize = 60;
        match self {
            Value::Null => f.write_str("NULL"),
            Value::Integer(i) => write!(f, "{i}"),
            Value::Real(r) => write!(f, "{r:?}"),
            Value::Text(text) => {
                let shown: String = text.chars().take(SHOWN).collect();
                write!(f, "'{}'", shown.replace('\'', "''"))?;
                if shown.len() < text.len() {
                    write!(f, "… ({} bytes)", text.len())?;
                }
                Ok(())
            }
            Value::Blob(bytes) => {
                f.write_str("X'")?;
                bytes.iter().try_for_each(|b| write!(f, "{b:02x}"))?;
                f.write_str("'")
            }
            Value::List(items) => write_list(f, items, "(", ")"),
        }
    }
}

/// `values` as SQL literals between `open` and `close`, separated by `, `.
pub(crate) fn write_list(
    f: &mut std::fmt::Formatter<'_>,
    values: &[Value],
    open: &str,
    close: &str,
) -> std::fmt::Result {
    f.write_str(open)?;
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{value}")?;
    }
    f.write_str(close)
}

impl From<SqliteValue> for Value {
    fn from(value: SqliteValue) -> Value {
        match value {
            SqliteValue::Null => Value::Null,
            SqliteValue::Integer(i) => Value::Integer(i),
            SqliteValue::Real(r) => Value::Real(r),
            SqliteValue::Text(s) => Value::Text(s),
            SqliteValue::Blob(b) => Value::Blob(b),
        }
    }
}

impl ToSql for Value {
    #[inline]
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        let unbindable = || {
            rusqlite::Error::ToSqlConversionFailure(
                "SQLite takes no list as one value (eagerly's SQLite statements send none)".into(),
            )
        };
        Ok(ToSqlOutput::Borrowed(self.as_sqlite().ok_or_else(unbindable)?))
    }
}

/// A Rust value that can be compared with, or stored in, a column of type `T`.
///
/// Implemented for `T` itself and `&T`, for `T` and `&T` where the column is `Option<T>`,
/// and for `&str` / `&[u8]` where the column holds `String` / `Vec<u8>`. Everything
/// converts to an owned [`Value`] that is bound as a parameter, never spliced into SQL.
///
/// ```
/// # use eagerly::Model;
/// # #[derive(Model, Debug)]
/// # pub struct Author { #[model(primary_key)] pub id: i64, pub name: String, pub publisher_id: Option<i64> }
/// let by_name = Author::name.eq("Ursula");         // &str for a String column
/// let by_publisher = Author::publisher_id.eq(3);    // i64 for an Option<i64> column
/// let unpublished = Author::publisher_id.eq(None);  // None compares with IS NULL
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be compared with a column of type `{T}`",
    label = "expected a value of type `{T}`",
    note = "a filter compares a column with a value of the column's own Rust type (or a reference to one)"
)]
pub trait ValueFor<T> {
    /// Converts the value into the owned value that will be bound.
    fn into_value(self) -> rusqlite::Result<Value>;
}

/// What `value` is bound as, refusing NaN: SQLite has no NaN and would store NULL (an
/// `Option<f64>` would come back `None`, an `f64` column refuse the row as NULL), or
/// compare with NULL. Every value eagerly binds passes here.
#[inline]
pub(crate) fn bindable<T: ToSql + ?Sized>(value: &T) -> rusqlite::Result<ToSqlOutput<'_>> {
    match value.to_sql()? {
        ToSqlOutput::Owned(SqliteValue::Real(r)) | ToSqlOutput::Borrowed(ValueRef::Real(r))
            if r.is_nan() =>
        {
            Err(rusqlite::Error::ToSqlConversionFailure(
                "NaN cannot be stored or compared: SQLite has no NaN, and would make it NULL"
                    .into(),
            ))
        }
        output => Ok(output),
    }
}

/// Converts anything rusqlite can bind into an owned [`Value`] (not NaN, see [`bindable`]).
pub(crate) fn to_value<T: ToSql + ?Sized>(value: &T) -> rusqlite::Result<Value> {
    let unconvertible = |e: FromSqlError| rusqlite::Error::ToSqlConversionFailure(Box::new(e));
    match bindable(value)? {
        ToSqlOutput::Owned(value) => Ok(Value::from(value)),
        ToSqlOutput::Borrowed(value) => Value::from_sqlite(value).map_err(unconvertible),
        #[allow(unreachable_patterns)]
        _ => Err(rusqlite::Error::ToSqlConversionFailure(
            "eagerly binds plain values only (no zero-blobs, pointers or function arguments)"
                .into(),
        )),
    }
}

impl<T: ToSql> ValueFor<T> for T {
    fn into_value(self) -> rusqlite::Result<Value> {
        to_value(&self)
    }
}

impl<T: ToSql> ValueFor<T> for &T {
    fn into_value(self) -> rusqlite::Result<Value> {
        to_value(self)
    }
}

impl<T: ToSql> ValueFor<Option<T>> for T {
    fn into_value(self) -> rusqlite::Result<Value> {
        to_value(&self)
    }
}

impl<T: ToSql> ValueFor<Option<T>> for &T {
    fn into_value(self) -> rusqlite::Result<Value> {
        to_value(self)
    }
}

impl ValueFor<String> for &str {
    fn into_value(self) -> rusqlite::Result<Value> {
        Ok(Value::Text(self.to_owned()))
    }
}

impl ValueFor<Option<String>> for &str {
    fn into_value(self) -> rusqlite::Result<Value> {
        Ok(Value::Text(self.to_owned()))
    }
}

impl ValueFor<Vec<u8>> for &[u8] {
    fn into_value(self) -> rusqlite::Result<Value> {
        Ok(Value::Blob(self.to_vec()))
    }
}

impl ValueFor<Option<Vec<u8>>> for &[u8] {
    fn into_value(self) -> rusqlite::Result<Value> {
        Ok(Value::Blob(self.to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value<T, V: ValueFor<T>>(v: V) -> Value {
        v.into_value().unwrap()
    }

    #[test]
    fn values_convert_to_owned_sqlite_values() {
        assert_eq!(value::<i64, _>(5), Value::Integer(5));
        assert_eq!(value::<i64, _>(&7i64), Value::Integer(7));
        assert_eq!(value::<Option<i64>, _>(5), Value::Integer(5));
        assert_eq!(value::<Option<i64>, _>(None::<i64>), Value::Null);
        assert_eq!(value::<String, _>("x"), Value::Text("x".into()));
        assert_eq!(value::<String, _>(&String::from("y")), Value::Text("y".into()));
        assert_eq!(value::<Option<String>, _>("z"), Value::Text("z".into()));
        assert_eq!(value::<Vec<u8>, _>(&b"ab"[..]), Value::Blob(b"ab".to_vec()));
        assert_eq!(value::<f64, _>(1.5), Value::Real(1.5));
        assert_eq!(value::<bool, _>(true), Value::Integer(1));
    }

    #[test]
    fn an_unrepresentable_value_is_an_error_not_a_panic() {
        struct Unrepresentable;
        impl ToSql for Unrepresentable {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Err(rusqlite::Error::ToSqlConversionFailure("too large".into()))
            }
        }
        assert!(to_value(&Unrepresentable).is_err());
    }
}
