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

use std::error::Error as StdError;

use ::postgres::types::private::BytesMut;
use ::postgres::types::{Format, IsNull, Kind, ToSql, Type, to_sql_checked};

use crate::sql::{ParamType, Statement};
use crate::value::Value;

type BindResult = Result<IsNull, Box<dyn StdError + Sync + Send>>;

impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> BindResult {
        let refused = || -> BindResult {
            Err(format!("cannot bind {} to a parameter of type {ty}", self.kind()).into())
        };
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
        if parsed_from_text(ty) { Format::Text } else { Format::Binary }
    }

    fn accepts(ty: &Type) -> bool {
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

/// The type of each of `values`, `statement`'s parameters, if the statement names every
/// one as a type PostgreSQL would infer for it: then the statement can be sent unprepared
/// (`query_typed`), with the same meaning and the same checks as prepared.
///
/// Only integer and text types are named: a value named as the model declares it compares
/// the same with a column of another type of its kind, which a database made elsewhere
/// may hold (`INTEGER` where the model says `BIGINT`, `VARCHAR` for `TEXT`). Other types
/// are left to the server, which costs the round trip: a date binds as text, a uuid as
/// bytes, a boolean as an integer, and a database may hold them so (a date in a `TEXT`
/// column), which a value named `DATE` would not compare with.
pub(super) fn declared_types(statement: &Statement, values: &[Value]) -> Option<Vec<Type>> {
    if statement.param_types.len() != values.len() {
        return None; // a write's fields, which the statement does not type
    }
    statement.param_types.iter().map(|ty| named(*ty)).collect()
}

/// The PostgreSQL type `ty` names, if it is one [`declared_types`] names.
fn named(ty: ParamType) -> Option<Type> {
    let (declared, array) = match ty {
        ParamType::Inferred => return None,
        ParamType::Of(declared) => (declared, false),
        ParamType::ArrayOf(declared) => (declared, true),
    };
    // `VARCHAR(40)` is a `VARCHAR`: a parameter's type has no modifier.
    let name = declared.split('(').next().unwrap_or_default().trim().to_ascii_uppercase();
    let (one, many) = match name.as_str() {
        "SMALLINT" | "INT2" => (Type::INT2, Type::INT2_ARRAY),
        "INTEGER" | "INT" | "INT4" => (Type::INT4, Type::INT4_ARRAY),
        "BIGINT" | "INT8" => (Type::INT8, Type::INT8_ARRAY),
        "TEXT" => (Type::TEXT, Type::TEXT_ARRAY),
        "VARCHAR" | "CHARACTER VARYING" => (Type::VARCHAR, Type::VARCHAR_ARRAY),
        "CHAR" | "CHARACTER" | "BPCHAR" => (Type::BPCHAR, Type::BPCHAR_ARRAY),
        _ => return None,
    };
    Some(if array { many } else { one })
}

impl Value {
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
        let sql = format!("SELECT ($1::{ty})::text");
        let params: [&(dyn ToSql + Sync); 1] = [value];
        match client.query_one(&sql, &params) {
            Ok(row) => Ok(row.get::<_, Option<String>>(0).unwrap_or_else(|| "NULL".into())),
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

    #[test]
    fn integers_and_text_are_named_with_their_declared_types_and_nothing_else() {
        use super::named;
        use crate::sql::ParamType::{ArrayOf, Inferred, Of};
        use ::postgres::types::Type;
        let cases = [
            (Of("BIGINT"), Some(Type::INT8)),
            (ArrayOf("BIGINT"), Some(Type::INT8_ARRAY)),
            (Of("integer"), Some(Type::INT4)),
            (ArrayOf("SMALLINT"), Some(Type::INT2_ARRAY)),
            (Of("TEXT"), Some(Type::TEXT)),
            (ArrayOf("VARCHAR(40)"), Some(Type::VARCHAR_ARRAY)),
            (Of("CHAR (2)"), Some(Type::BPCHAR)),
            (Of("DOUBLE PRECISION"), None),
            (Of("NUMERIC(10,2)"), None),
            (ArrayOf("UUID"), None),
            (Of("BOOLEAN"), None),
            (Of(""), None),
            (Inferred, None),
        ];
        for (declared, expected) in cases {
            assert_eq!(named(declared), expected, "{declared:?}");
        }
    }

    /// A model may declare `BIGINT` for a column the database holds as `INTEGER` or
    /// `NUMERIC`, or `TEXT` for a `VARCHAR`: the value named as the model says still
    /// compares as the server would compare the value it inferred.
    #[test]
    fn a_value_named_as_declared_compares_with_a_column_of_another_type_of_its_kind() {
        use ::postgres::types::Type;
        let Some(mut client) = postgres_server::connect() else { return };
        let ints = Value::List(vec![Value::Integer(2), Value::Integer(3)]);
        let texts = Value::List(vec![Value::Text("b".into())]);
        let cases = [
            ("(1::int4), (2), (3)", &ints, Type::INT8_ARRAY),
            ("(1::int2), (2), (3)", &ints, Type::INT8_ARRAY),
            ("(1::numeric), (2.0), (3.5)", &ints, Type::INT8_ARRAY),
            ("('a'::varchar), ('b'), ('b ')", &texts, Type::TEXT_ARRAY),
        ];
        let counts: Vec<i64> = cases
            .into_iter()
            .map(|(column, value, ty)| {
                let sql = format!("SELECT count(*) FROM (VALUES {column}) v(x) WHERE x = ANY($1)");
                let params: [(&(dyn ToSql + Sync), Type); 1] = [(value, ty)];
                client.query_typed(&sql, &params).unwrap()[0].get(0)
            })
            .collect();
        assert_eq!(counts, [2, 2, 1, 1]);
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
