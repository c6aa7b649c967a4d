//! Lists of values: `x IN (?, ?, ..)`, or one JSON array for a long list (the keys of a
//! batch, a long `is_in`), so that a list of any length fits in one statement. On
//! PostgreSQL a list is always one array, `x = ANY($1)`: the statement's text is then the
//! same for every list, so it is prepared once.
//!
//! SQLite binds at most 32,766 values per statement. A list sent as JSON is one
//! bound value whatever its length, and `json_each` yields it back exactly: integers and
//! text as they were, reals through their shortest exact decimal form, blobs through hex
//! (`unhex`). A list JSON cannot carry exactly (infinities, text holding NUL, values of
//! several kinds) is bound value by value.

use std::fmt::Write as _;

use crate::value::Value;

use super::{Dialect, Statement};

/// Lists this long and longer are sent as one JSON array when JSON can carry them: from
/// here on it is faster than binding each value (see BENCHMARKS.md).
pub(crate) const JSON_FROM: usize = 1_000;

/// How a list of values is sent.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Sent {
    /// One bound value each.
    Bound,
    /// One JSON array, read back with `SELECT value FROM json_each(?)`.
    Json(String),
    /// One JSON array of hex strings, read back with `SELECT unhex(value) ..`.
    HexJson(String),
    /// One array parameter (PostgreSQL).
    Array,
}

impl Sent {
    /// How to send `values`: as JSON if asked to (`compact`, or a long list) and JSON can
    /// carry them exactly, else bound.
    pub(crate) fn choose<'v>(
        dialect: Dialect,
        values: impl ExactSizeIterator<Item = &'v Value> + Clone,
        compact: bool,
    ) -> Sent {
        if dialect == Dialect::Postgres {
            return Sent::Array;
        }
        if values.len() < 2 || (!compact && values.len() < JSON_FROM) {
            return Sent::Bound;
        }
        let json_kind = |v: &Value| match v {
            Value::Integer(_) => Some(false),
            Value::Text(s) => (!s.contains('\0')).then_some(false),
            Value::Real(r) => r.is_finite().then_some(false),
            Value::Blob(_) => Some(true),
            Value::Null | Value::List(_) => None,
        };
        let mut kinds = values.clone().map(json_kind);
        let Some(Some(hex)) = kinds.next() else { return Sent::Bound };
        if !kinds.all(|kind| kind == Some(hex)) {
            return Sent::Bound;
        }
        let array = json_array(values);
        if hex { Sent::HexJson(array) } else { Sent::Json(array) }
    }
}

impl Statement {
    /// ` IN (..)` over `values`, sent as `sent` says.
    pub(crate) fn in_values<'v>(
        &mut self,
        values: impl IntoIterator<Item = &'v Value>,
        sent: Sent,
    ) {
        match sent {
            Sent::Bound => {
                self.push(" IN (");
                self.list(values, |out, v| out.param(v.clone()));
                self.push(")");
            }
            Sent::Array => {
                self.push(" = ANY(");
                self.param(Value::List(values.into_iter().cloned().collect()));
                self.push(")");
            }
            Sent::Json(array) => {
                self.push(" IN (SELECT value FROM json_each(");
                self.param(Value::Text(array));
                self.push("))");
            }
            Sent::HexJson(array) => {
                self.push(" IN (SELECT unhex(value) FROM json_each(");
                self.param(Value::Text(array));
                self.push("))");
            }
        }
    }
}

/// `[1,2.5e0,"a"]`, or `["00ff"]` for blobs: values for `json_each`, which yields them
/// back as SQLite integers, reals and text.
fn json_array<'v>(values: impl Iterator<Item = &'v Value>) -> String {
    let mut out = String::from("[");
    for (i, value) in values.enumerate() {
        if i > 0 {
            out.push(',');
        }
        match value {
            Value::Integer(n) => {
                let _ = write!(out, "{n}");
            }
            // The shortest form that reads back as the same `f64`; the exponent keeps
            // large and small ones short.
            Value::Real(r) => {
                let _ = write!(out, "{r:e}");
            }
            Value::Text(s) => {
                out.push('"');
                for c in s.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        c if (c as u32) < 0x20 => {
                            let _ = write!(out, "\\u{:04x}", c as u32);
                        }
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
            Value::Blob(bytes) => {
                out.push('"');
                for byte in bytes {
                    let _ = write!(out, "{byte:02x}");
                }
                out.push('"');
            }
            Value::Null | Value::List(_) => {
                unreachable!("NULL and lists are never sent in a JSON list (see `Sent::choose`)")
            }
        }
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(values: &[Value], compact: bool) -> Sent {
        Sent::choose(Dialect::Sqlite, values.iter(), compact)
    }

    #[test]
    fn json_escapes_text_and_writes_reals_and_blobs_exactly() {
        let text = [Value::Text("a\"b\\c\n".into()), Value::Text("é".into())];
        assert_eq!(sent(&text, true), Sent::Json(r#"["a\"b\\c\u000a","é"]"#.into()));
        let numbers = [Value::Integer(-1), Value::Real(0.1), Value::Real(1e300)];
        assert_eq!(sent(&numbers, true), Sent::Json("[-1,1e-1,1e300]".into()));
        let blobs = [Value::Blob(vec![0, 255]), Value::Blob(vec![])];
        assert_eq!(sent(&blobs, true), Sent::HexJson(r#"["00ff",""]"#.into()));
    }

    #[test]
    fn short_lists_and_what_json_cannot_carry_are_bound() {
        let short = [Value::Integer(1), Value::Integer(2)];
        assert_eq!(sent(&short, false), Sent::Bound);
        for odd in [
            [Value::Integer(1), Value::Blob(vec![1])],
            [Value::Text("nul\0".into()), Value::Text("x".into())],
            [Value::Real(f64::INFINITY), Value::Real(1.0)],
        ] {
            assert_eq!(sent(&odd, true), Sent::Bound, "{odd:?}");
        }
        let long: Vec<Value> = (0..JSON_FROM as i64).map(Value::Integer).collect();
        assert!(matches!(sent(&long, false), Sent::Json(_)));
    }
}
