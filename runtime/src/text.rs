//! Text values read into Rust strings, with a fast path for ASCII.
//!
//! Every `String` field of every row is checked as UTF-8 when it is decoded. The standard
//! check reads a byte at a time unless the text starts on a word boundary, which text in a
//! result row rarely does (PostgreSQL's values sit at any offset of the row's buffer), so
//! short text cost about 140 instructions a value. Checking first whether the bytes are
//! ASCII (a word at a time, wherever they start) costs about 25, and ASCII is UTF-8.
//! Text with any other byte gets the standard check, which names the first bad byte.
//!
//! Fields of type `String` and `Option<String>` read their text here; every other field
//! type (including a user's own) reads its value through its `FromSql`, as before. Both
//! give the same value and the same error for every input (`tests` checks it against
//! rusqlite's own `FromSql`, on arbitrary bytes).

use std::any::{Any, TypeId};
use std::str::Utf8Error;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};

/// `bytes` as text, if they are UTF-8: as [`std::str::from_utf8`], faster for ASCII.
#[inline]
#[allow(unsafe_code)]
pub(crate) fn as_str(bytes: &[u8]) -> Result<&str, Utf8Error> {
    if bytes.is_ascii() {
        // SAFETY: bytes that are all ASCII are valid UTF-8.
        Ok(unsafe { std::str::from_utf8_unchecked(bytes) })
    } else {
        std::str::from_utf8(bytes)
    }
}

/// `T::column_result(value)`: the field type `T` read from `value`, where text becomes a
/// `String` or an `Option<String>` through [`as_str`].
// Inlined into every field's read: the type tests fold away, leaving one of the paths.
#[inline(always)]
pub(crate) fn column_result<T: FromSql + 'static>(value: ValueRef<'_>) -> FromSqlResult<T> {
    if let ValueRef::Text(bytes) = value {
        if TypeId::of::<T>() == TypeId::of::<String>() {
            let text = as_str(bytes).map_err(FromSqlError::Utf8Error)?;
            return Ok(cast(text.to_owned()));
        }
        if TypeId::of::<T>() == TypeId::of::<Option<String>>() {
            let text = as_str(bytes).map_err(FromSqlError::Utf8Error)?;
            return Ok(cast(Some(text.to_owned())));
        }
    }
    T::column_result(value)
}

/// `value` as a `T`, which the caller has checked is `A`.
#[inline(always)]
fn cast<A: 'static, T: 'static>(value: A) -> T {
    let mut value = Some(value);
    let value: &mut dyn Any = &mut value;
    match value.downcast_mut::<Option<T>>().and_then(Option::take) {
        Some(value) => value,
        None => unreachable!("cast to a type the value does not have"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Bytes that are mostly ASCII, with a byte of any value here and there, at any offset
    /// of a larger buffer (the fast path reads words, so where the text starts matters).
    fn text_bytes() -> impl Strategy<Value = (Vec<u8>, usize)> {
        let byte = prop_oneof![8 => 0x20u8..0x7f, 1 => any::<u8>()];
        (prop::collection::vec(byte, 0..40), 0usize..8)
    }

    /// A value of every kind rusqlite reads, text as above.
    fn value() -> impl Strategy<Value = rusqlite::types::Value> {
        use rusqlite::types::Value;
        prop_oneof![
            Just(Value::Null),
            any::<i64>().prop_map(Value::Integer),
            any::<f64>().prop_map(Value::Real),
            text_bytes().prop_map(|(bytes, _)| match String::from_utf8(bytes) {
                Ok(text) => Value::Text(text),
                Err(e) => Value::Blob(e.into_bytes()),
            }),
            text_bytes().prop_map(|(bytes, _)| Value::Blob(bytes)),
        ]
    }

    /// The same value, or the same error, as `T`'s own `FromSql` gives.
    fn same_as_rusqlite<T: FromSql + std::fmt::Debug + 'static>(value: ValueRef<'_>) {
        let ours = column_result::<T>(value);
        let theirs = T::column_result(value);
        assert_eq!(format!("{ours:?}"), format!("{theirs:?}"), "{value:?}");
    }

    proptest! {
        #![proptest_config(crate::property_config())]

        #[test]
        fn reads_text_as_the_standard_check_does((bytes, offset) in text_bytes()) {
            let mut buffer = vec![b' '; offset];
            buffer.extend_from_slice(&bytes);
            let text = &buffer[offset..];
            prop_assert_eq!(as_str(text), std::str::from_utf8(text));
        }

        #[test]
        fn reads_fields_as_their_own_from_sql_does(value in value(), (text, _) in text_bytes()) {
            let value = ValueRef::from(&value);
            same_as_rusqlite::<String>(value);
            same_as_rusqlite::<Option<String>>(value);
            same_as_rusqlite::<i64>(value);
            same_as_rusqlite::<Option<Vec<u8>>>(value);
            // Text that is not UTF-8, which no `rusqlite::types::Value::Text` can hold.
            same_as_rusqlite::<String>(ValueRef::Text(&text));
            same_as_rusqlite::<Option<String>>(ValueRef::Text(&text));
            same_as_rusqlite::<Box<str>>(ValueRef::Text(&text));
        }
    }

    #[test]
    fn names_the_first_byte_that_is_not_utf8() {
        let error = as_str(b"caf\xc3\xa9 \xff").unwrap_err();
        assert_eq!(error.valid_up_to(), 6);
        assert_eq!(as_str("café".as_bytes()), Ok("café"));
        assert_eq!(as_str(b""), Ok(""));
    }
}
