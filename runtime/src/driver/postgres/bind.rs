//! PostgreSQL's side of binding: a [`Value`] becomes the parameter type PostgreSQL asks
//! for. PostgreSQL types every parameter of a prepared statement from where it appears
//! (`"id" = $1` is a `BIGINT` if the column is), and checks each value against that type;
//! a value is encoded as that type here, or refused with a message naming both, never
//! silently converted to another kind.
//!
//! | `Value` | parameter types it binds to |
//! |---|---|
//! | `Integer` | `SMALLINT`, `INTEGER`, `BIGINT`, `OID` (out of range is an error); `BOOLEAN` for 0 and 1 |
//! | `Real` | `DOUBLE PRECISION`, `REAL` (when the value fits exactly) |
//! | `Text` | `TEXT`, `VARCHAR`, `CHAR`, `NAME`, `JSON`, `JSONB` |
//! | `Blob` | `BYTEA`; `UUID` for 16 bytes |
//! | `Text` | `DATE`, `TIME`, `TIMESTAMP`, `TIMESTAMPTZ`, `NUMERIC`: sent as text, parsed by the server |
//! | `Integer`, `Real` | `NUMERIC`: sent as text |
//! | `List` | an array of any of the binary-encoded types above (`= ANY($1)`) |
//! | `Null` | any |
//!
//! Fields reach a `Value` through their SQLite form (`true` as 1, a uuid as 16 bytes, a
//! date as `2024-02-29` text), hence the `BOOLEAN`, `UUID` and date rows; PostgreSQL
//! parses SQLite's date and time texts as its own types.
//!
//! A query a plain client sends unprepared leaves its types to the server instead
//! ([`left_to_server`]): its integers, texts and lists of them go as text, which the
//! server reads as the type it infers. Every value reads there as it binds above (a test
//! compares them type by type); what binding refuses for its kind alone (the text `"1"`
//! for a `BIGINT`) the server parses instead, or refuses as malformed.

use std::error::Error as StdError;

use ::postgres::types::private::BytesMut;
use ::postgres::types::{Format, IsNull, Kind, ToSql, Type, to_sql_checked};

use crate::value::Value;

type BindResult = Result<IsNull, Box<dyn StdError + Sync + Send>>;

impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> BindResult {
        let refused = || -> BindResult {
            Err(format!("cannot bind {} to a parameter of type {ty}", self.kind()).into())
        };
        if is_left_to_server(ty) && *self != Value::Null {
            return if self.write_text(out) { Ok(IsNull::No) } else { refused() };
        }
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(i) => match *ty {
                Type::NUMERIC => {
                    out.extend_from_slice(i.to_string().as_bytes());
                    Ok(IsNull::No)
                }
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT8 => i.to_sql(ty, out),
                Type::OID => u32::try_from(*i)?.to_sql(ty, out),
                Type::BOOL if matches!(i, 0 | 1) => (*i == 1).to_sql(ty, out),
                _ => refused(),
            },
            Value::Real(r) => match *ty {
                // Rust's shortest text that reads back as the same `f64`.
                Type::NUMERIC if r.is_finite() => {
                    out.extend_from_slice(format!("{r:?}").as_bytes());
                    Ok(IsNull::No)
                }
                Type::FLOAT8 => r.to_sql(ty, out),
                #[allow(clippy::cast_possible_truncation)]
                Type::FLOAT4 if f64::from(*r as f32) == *r => (*r as f32).to_sql(ty, out),
                _ => refused(),
            },
            Value::Text(s) => match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    s.as_str().to_sql(ty, out)
                }
                Type::JSON | Type::JSONB => {
                    if *ty == Type::JSONB {
                        out.extend_from_slice(&[1]); // jsonb's binary format version
                    }
                    out.extend_from_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                _ if parsed_from_text(ty) => {
                    out.extend_from_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                _ => refused(),
            },
            Value::Blob(b) => match *ty {
                Type::BYTEA => b.as_slice().to_sql(ty, out),
                Type::UUID if b.len() == 16 => {
                    out.extend_from_slice(b);
                    Ok(IsNull::No)
                }
                _ => refused(),
            },
            Value::List(list) => match ty.kind() {
                Kind::Array(_) => list.as_slice().to_sql(ty, out),
                _ => refused(),
            },
        }
    }

    fn encode_format(&self, ty: &Type) -> Format {
        if parsed_from_text(ty) || is_left_to_server(ty) { Format::Text } else { Format::Binary }
    }

    fn accepts(ty: &Type) -> bool {
        if is_left_to_server(ty) {
            return true;
        }
        match ty.kind() {
            Kind::Array(member) => Value::accepts(member) && !parsed_from_text(member),
            _ => parsed_from_text(ty) || super::decode::has_borrowed_form(ty),
        }
    }

    to_sql_checked!();
}

/// Types a value is sent to as text, which the server parses: their binary forms are
/// PostgreSQL's own (days since 2000, base-10000 digits), and their texts are what SQLite
/// stores.
fn parsed_from_text(ty: &Type) -> bool {
    matches!(*ty, Type::DATE | Type::TIME | Type::TIMESTAMP | Type::TIMESTAMPTZ | Type::NUMERIC)
}

/// A statement's values, as the `postgres` crate takes them.
pub(super) fn params(values: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|value| value as &(dyn ToSql + Sync)).collect()
}

/// `values` as the parameters of a statement sent unprepared (`query_typed`), if each is
/// an integer, text, NULL or a list of those: each is sent as text, of a type left to the
/// server (OID 0, as libpq's `PQexecParams` without types). The server then types each
/// parameter from where it stands, as it does when it prepares the statement, and reads
/// the text as that type: an integer compared with an `INTEGER` column is one, a text
/// compared with a `DATE` or `JSONB` column is read as one, a list is an array of the
/// column's type. Reals and bytes are not sent so: as text, a real would be rounded to
/// fit a `REAL` where binding refuses it, and bytes would be read as a `BYTEA` literal.
pub(super) fn left_to_server(values: &[Value]) -> Option<Vec<(&(dyn ToSql + Sync), Type)>> {
    let ty =
        LEFT_TO_SERVER.get_or_init(|| Type::new("unspecified".into(), 0, Kind::Pseudo, "".into()));
    (values.iter())
        .map(|value| value.has_text_form().then(|| (value as &(dyn ToSql + Sync), ty.clone())))
        .collect()
}

/// The type of a parameter the server types (see [`left_to_server`]).
static LEFT_TO_SERVER: std::sync::OnceLock<Type> = std::sync::OnceLock::new();

fn is_left_to_server(ty: &Type) -> bool {
    ty.oid() == 0
}

impl Value {
    /// Whether [`write_text`](Self::write_text) writes this value.
    fn has_text_form(&self) -> bool {
        match self {
            Value::Null | Value::Integer(_) | Value::Text(_) => true,
            Value::List(list) => {
                list.iter().all(|v| matches!(v, Value::Null | Value::Integer(_) | Value::Text(_)))
            }
            Value::Real(_) | Value::Blob(_) => false,
        }
    }

    /// Writes the value as PostgreSQL reads it from text whatever its type: an integer's
    /// digits, text as it is, a list as an array literal (`{1,2}`, `{"a,b",NULL}`).
    /// Returns false, having written part of it, for a value without such a form
    /// ([`has_text_form`](Self::has_text_form)): the bind is then refused.
    fn write_text(&self, out: &mut BytesMut) -> bool {
        use std::fmt::Write as _;
        match self {
            Value::Integer(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Text(s) => out.extend_from_slice(s.as_bytes()),
            Value::List(list) => {
                out.extend_from_slice(b"{");
                for (i, member) in list.iter().enumerate() {
                    if i > 0 {
                        out.extend_from_slice(b",");
                    }
                    match member {
                        Value::Integer(n) => {
                            let _ = write!(out, "{n}");
                        }
                        // Quoted: an element may hold `,`, `{`, spaces or be `NULL`.
                        Value::Text(s) => {
                            out.extend_from_slice(b"\"");
                            for byte in s.bytes() {
                                if matches!(byte, b'"' | b'\\') {
                                    out.extend_from_slice(b"\\");
                                }
                                out.extend_from_slice(&[byte]);
                            }
                            out.extend_from_slice(b"\"");
                        }
                        Value::Null => out.extend_from_slice(b"NULL"),
                        Value::Real(_) | Value::Blob(_) | Value::List(_) => return false,
                    }
                }
                out.extend_from_slice(b"}");
            }
            _ => return false,
        }
        true
    }

    /// What kind of value this is, for messages.
    fn kind(&self) -> &'static str {
        match self {
            Value::Null => "NULL",
            Value::Integer(_) => "an integer",
            Value::Real(_) => "a real number",
            Value::Text(_) => "text",
            Value::Blob(_) => "bytes",
            Value::List(_) => "a list",
        }
    }
}

#[cfg(test)]
mod tests {
    use ::postgres::types::ToSql;

    use crate::postgres_server;
    use crate::value::Value;

    /// What the server reads `value` as, bound to a parameter of type `ty`, as text.
    fn read_back(
        client: &mut ::postgres::Client,
        value: &Value,
        ty: &str,
    ) -> Result<String, String> {
        let params: [&(dyn ToSql + Sync); 1] = [value];
        read_as_text(client.query(&format!("SELECT ($1::{ty})::text"), &params))
    }

    /// What the server reads `value` as, sent as text of a type the server infers (here,
    /// from a cast to `ty`), as text.
    fn read_back_left_to_server(
        client: &mut ::postgres::Client,
        value: &Value,
        ty: &str,
    ) -> Result<String, String> {
        let params = super::left_to_server(std::slice::from_ref(value)).expect("a text form");
        read_as_text(client.query_typed(&format!("SELECT ($1::{ty})::text"), &params))
    }

    /// The text in the one row of `rows`, or the error with its source.
    fn read_as_text(
        rows: Result<Vec<::postgres::Row>, ::postgres::Error>,
    ) -> Result<String, String> {
        match rows {
            Ok(rows) => Ok(rows[0].get::<_, Option<String>>(0).unwrap_or_else(|| "NULL".into())),
            Err(e) => Err(match std::error::Error::source(&e) {
                Some(source) => format!("{e}: {source}"),
                None => e.to_string(),
            }),
        }
    }

    #[test]
    fn values_bind_as_the_type_postgresql_asks_for() {
        let Some(mut client) = postgres_server::connect() else { return };
        let text = |s: &str| Value::Text(s.into());
        let bound = [
            (Value::Integer(-32768), "smallint", "-32768"),
            (Value::Integer(2_147_483_647), "integer", "2147483647"),
            (Value::Integer(i64::MIN), "bigint", "-9223372036854775808"),
            (Value::Integer(1), "boolean", "true"),
            (Value::Integer(0), "boolean", "false"),
            (Value::Real(0.1), "double precision", "0.1"),
            (Value::Real(0.5), "real", "0.5"),
            (text("é\n'\""), "text", "é\n'\""),
            (text("x"), "varchar", "x"),
            (text(r#"{"a": [1, 2]}"#), "jsonb", r#"{"a": [1, 2]}"#),
            (text(r#"{"a":1}"#), "json", r#"{"a":1}"#),
            (Value::Blob(vec![0, 255]), "bytea", "\\x00ff"),
            (Value::Blob((0..16).collect()), "uuid", "00010203-0405-0607-0809-0a0b0c0d0e0f"),
            (text("2024-02-29"), "date", "2024-02-29"),
            (text("13:45:00.25"), "time", "13:45:00.25"),
            (text("2024-02-29 13:45:00.25"), "timestamp", "2024-02-29 13:45:00.25"),
            (text("2024-02-29 13:45:00+02:00"), "timestamptz", "2024-02-29 11:45:00+00"),
            (Value::Integer(12), "numeric", "12"),
            (Value::Real(0.1), "numeric", "0.1"),
            (text("1.50"), "numeric", "1.50"),
            (Value::Null, "bigint", "NULL"),
            (Value::Null, "jsonb", "NULL"),
            (Value::List(vec![Value::Integer(1), Value::Integer(2)]), "bigint[]", "{1,2}"),
            (Value::List(vec![text("a,b"), Value::Null]), "text[]", "{\"a,b\",NULL}"),
            (Value::List(vec![]), "integer[]", "{}"),
        ];
        for (value, ty, expected) in bound {
            assert_eq!(
                read_back(&mut client, &value, ty).as_deref(),
                Ok(expected),
                "{value:?} as {ty}"
            );
        }
    }

    /// A value sent as text of a type the server infers reads as the same value of that
    /// type as it binds to a prepared statement's parameter of the type, for every value
    /// and type it binds to.
    #[test]
    fn a_value_left_to_the_server_reads_as_it_binds() {
        let Some(mut client) = postgres_server::connect() else { return };
        let text = |s: &str| Value::Text(s.into());
        let values = [
            Value::Null,
            Value::Integer(-32768),
            Value::Integer(0),
            Value::Integer(1),
            Value::Integer(2),
            Value::Integer(i64::MIN),
            Value::Integer(1 << 40),
            text(""),
            text("é\n'\"\\"),
            text("1"),
            text("NULL"),
            text(" {x, y} "),
            text("2024-02-29"),
            text("13:45:00.25"),
            text("2024-02-29 13:45:00.25"),
            text(r#"{"a": [1, 2]}"#),
            text("1.50"),
            Value::List(vec![]),
            Value::List(vec![Value::Integer(1), Value::Null, Value::Integer(-2)]),
            Value::List(vec![
                text("a,b"),
                Value::Null,
                text("NULL"),
                text("\"q\\"),
                text(" {x} "),
                text(""),
            ]),
        ];
        let types = [
            "smallint",
            "integer",
            "bigint",
            "boolean",
            "text",
            "varchar",
            "json",
            "jsonb",
            "date",
            "time",
            "timestamp",
            "numeric",
            "smallint[]",
            "bigint[]",
            "text[]",
            "varchar[]",
        ];
        let mut compared = 0;
        for value in &values {
            for ty in types {
                let Ok(bound) = read_back(&mut client, value, ty) else { continue };
                let sent = read_back_left_to_server(&mut client, value, ty);
                assert_eq!(sent, Ok(bound), "{value:?} as {ty}");
                compared += 1;
            }
        }
        assert_eq!(compared, 80);
        let real_or_bytes = [
            Value::Real(0.5),
            Value::Blob(vec![1]),
            Value::List(vec![Value::Integer(1), Value::Real(0.5)]),
        ];
        for value in real_or_bytes {
            assert!(super::left_to_server(&[Value::Integer(1), value]).is_none());
        }
    }

    proptest::proptest! {
        #![proptest_config(crate::property_config())]

        /// Any list of integers, or of texts (with quotes, backslashes, braces, commas,
        /// spaces, `NULL` and any other character but NUL) and NULLs, sent as the text of
        /// an array, reads back on the server as the same list.
        #[test]
        fn a_list_left_to_the_server_reads_back_whole(
            texts in proptest::collection::vec(
                proptest::option::of("[^\\x00]{0,12}|NULL|[\"\\\\{},  ]{0,4}"),
                0..8,
            ),
            integers in proptest::collection::vec(proptest::num::i64::ANY, 0..8),
        ) {
            let Some(mut client) = postgres_server::connect() else { return Ok(()) };
            let text_list = Value::List(
                texts.iter().map(|t| t.clone().map_or(Value::Null, Value::Text)).collect(),
            );
            let params = super::left_to_server(std::slice::from_ref(&text_list)).unwrap();
            let rows = client.query_typed("SELECT $1::text[]", &params).unwrap();
            proptest::prop_assert_eq!(rows[0].get::<_, Vec<Option<String>>>(0), texts);
            let integer_list = Value::List(integers.iter().copied().map(Value::Integer).collect());
            let params = super::left_to_server(std::slice::from_ref(&integer_list)).unwrap();
            let rows = client.query_typed("SELECT $1::bigint[]", &params).unwrap();
            proptest::prop_assert_eq!(rows[0].get::<_, Vec<i64>>(0), integers);
        }
    }

    #[test]
    fn a_value_of_another_kind_or_out_of_range_is_refused_with_both_named() {
        let Some(mut client) = postgres_server::connect() else { return };
        let refused = [
            (Value::Text("1".into()), "bigint", "cannot bind text to a parameter of type int8"),
            (Value::Integer(1), "text", "cannot bind an integer to a parameter of type text"),
            (Value::Integer(2), "boolean", "cannot bind an integer to a parameter of type bool"),
            (Value::Real(0.1), "real", "cannot bind a real number to a parameter of type float4"),
            (Value::Blob(vec![1]), "uuid", "cannot bind bytes to a parameter of type uuid"),
            (Value::Integer(1 << 40), "integer", "out of range"),
            (Value::Integer(1), "date", "cannot bind an integer to a parameter of type date"),
            (Value::Text("soon".into()), "date", "invalid input syntax for type date"),
        ];
        for (value, ty, message) in refused {
            let error = read_back(&mut client, &value, ty).unwrap_err();
            assert!(error.contains(message), "{value:?} as {ty}: {error}");
        }
    }
}
