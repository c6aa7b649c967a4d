//! PostgreSQL's result rows as [`Value`]s in their SQLite forms, so that a model decodes
//! from them as from an SQLite row (a field's `FromSql` reads them):
//!
//! | PostgreSQL | `Value` |
//! |---|---|
//! | `SMALLINT`, `INTEGER`, `BIGINT`, `OID` | `Integer` |
//! | `BOOLEAN` | `Integer` 0 or 1 |
//! | `REAL`, `DOUBLE PRECISION` | `Real` |
//! | `NUMERIC` | `Integer` when whole and in range, else `Real` (as SQLite's `NUMERIC` columns hold them) |
//! | `TEXT`, `VARCHAR`, `CHAR`, `NAME`, `JSON`, `JSONB` | `Text` |
//! | `BYTEA` | `Blob` |
//! | `UUID` | `Blob` of 16 bytes |
//! | `DATE`, `TIME`, `TIMESTAMP`, `TIMESTAMPTZ` | `Text`: `2024-02-29`, `13:45:00.25`, `2024-02-29 13:45:00`, `2024-02-29 13:45:00+00:00` (in UTC) |
//!
//! Any other type is [`Error::UnsupportedType`], naming the column and the type.
//! Dates outside years 1 to 9999 (and `infinity`) read as text that no date type accepts:
//! the field's decoding then says which column held it.

use ::postgres::Row;
use ::postgres::types::{FromSql, Type};
use rusqlite::types::ValueRef;

use crate::error::{Error, Result};
use crate::value::Value;

/// How the values of a statement's columns are borrowed in their SQLite forms, decided from
/// the column types once for the rows handed on together (a statement's, or the async
/// driver's batch of them), where every column has such a form (no date, time or
/// numeric), so that a row's values are read in one pass, with no copy of their text and
/// bytes, before the fields decode them.
pub(super) struct Borrowing(Vec<Form>);

impl Borrowing {
    /// The forms of `columns`, if each has one.
    pub(super) fn of(columns: &[::postgres::Column]) -> Option<Borrowing> {
        columns.iter().map(|c| Form::of(c.type_())).collect::<Option<_>>().map(Borrowing)
    }

    /// Reads `row`'s values into `out`, replacing its values; `None` if one is malformed.
    pub(super) fn read<'r>(&self, row: &'r Row, out: &mut Vec<ValueRef<'r>>) -> Option<()> {
        // Every row of a statement has its columns: the vector is sized once and overwritten.
        out.resize(self.0.len(), ValueRef::Null);
        for (index, (form, value)) in self.0.iter().zip(out.iter_mut()).enumerate() {
            *value = match row.try_get::<_, Option<Raw<'_>>>(index).ok()? {
                None => ValueRef::Null,
                Some(Raw(raw)) => form.read(raw)?,
            };
        }
        Some(())
    }
}

/// The SQLite form of a PostgreSQL type that has one to borrow from its binary form.
#[derive(Clone, Copy)]
enum Form {
    Bool,
    Int2,
    Int4,
    Int8,
    Oid,
    Float4,
    Float8,
    Text,
    /// `jsonb`: a version byte (1), then the text.
    Jsonb,
    Blob,
}

impl Form {
    fn of(ty: &Type) -> Option<Form> {
        Some(match *ty {
            Type::BOOL => Form::Bool,
            Type::INT2 => Form::Int2,
            Type::INT4 => Form::Int4,
            Type::INT8 => Form::Int8,
            Type::OID => Form::Oid,
            Type::FLOAT4 => Form::Float4,
            Type::FLOAT8 => Form::Float8,
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN | Type::JSON => {
                Form::Text
            }
            Type::JSONB => Form::Jsonb,
            Type::BYTEA | Type::UUID => Form::Blob,
            _ => return None,
        })
    }

    /// The value `raw` in this form; `None` if malformed.
    fn read(self, raw: &[u8]) -> Option<ValueRef<'_>> {
        Some(match self {
            Form::Bool => ValueRef::Integer(i64::from(*raw.first()? != 0)),
            Form::Int2 => ValueRef::Integer(i16::from_be_bytes(raw.try_into().ok()?).into()),
            Form::Int4 => ValueRef::Integer(i32::from_be_bytes(raw.try_into().ok()?).into()),
            Form::Int8 => ValueRef::Integer(i64::from_be_bytes(raw.try_into().ok()?)),
            Form::Oid => ValueRef::Integer(u32::from_be_bytes(raw.try_into().ok()?).into()),
            Form::Float4 => ValueRef::Real(f32::from_be_bytes(raw.try_into().ok()?).into()),
            Form::Float8 => ValueRef::Real(f64::from_be_bytes(raw.try_into().ok()?)),
            Form::Text => ValueRef::Text(raw),
            Form::Jsonb => match raw.split_first()? {
                (1, text) => ValueRef::Text(text),
                _ => return None,
            },
            Form::Blob => ValueRef::Blob(raw),
        })
    }
}

/// Whether a value of type `ty` has an SQLite form borrowed from its binary form (and so
/// binds from one, `bind`).
pub(super) fn has_borrowed_form(ty: &Type) -> bool {
    Form::of(ty).is_some()
}

/// Reads every column of `row` into `out` (emptied first).
pub(super) fn read_row(row: &Row, table: &'static str, out: &mut Vec<Value>) -> Result<()> {
    out.clear();
    for (index, column) in row.columns().iter().enumerate() {
        let unsupported = || Error::UnsupportedType {
            table,
            column: column.name().to_owned(),
            type_name: column.type_().name().to_owned(),
            backend: "PostgreSQL",
        };
        let raw: Option<Raw<'_>> = row.try_get(index).map_err(|_| unsupported())?;
        let value = match raw {
            None => Value::Null,
            Some(Raw(bytes)) => value(column.type_(), bytes).ok_or_else(unsupported)?,
        };
        out.push(value);
    }
    Ok(())
}

/// A column's value in PostgreSQL's binary format, whatever its type.
struct Raw<'a>(&'a [u8]);

impl<'a> FromSql<'a> for Raw<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw(raw))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// The value of a column of type `ty` from its binary form; `None` for a type eagerly
/// does not read (or a malformed value).
fn value(ty: &Type, raw: &[u8]) -> Option<Value> {
    if let Some(form) = Form::of(ty) {
        return Value::from_sqlite(form.read(raw)?).ok();
    }
    Some(match *ty {
        Type::NUMERIC => numeric(raw)?,
        Type::DATE => Value::Text(date(i32::from_be_bytes(raw.try_into().ok()?).into())),
        Type::TIME => Value::Text(time(i64::from_be_bytes(raw.try_into().ok()?))),
        Type::TIMESTAMP => Value::Text(timestamp(i64::from_be_bytes(raw.try_into().ok()?))),
        Type::TIMESTAMPTZ => {
            Value::Text(timestamp(i64::from_be_bytes(raw.try_into().ok()?)) + "+00:00")
        }
        _ => return None,
    })
}

/// A `NUMERIC` from its binary form (digit count, weight, sign, scale, then base-10,000
/// digits, the first of weight `weight`), through its decimal text, so that a `Real` is the
/// `f64` nearest to it.
fn numeric(raw: &[u8]) -> Option<Value> {
    let word = |i: usize| raw.get(i * 2..i * 2 + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    let digits = usize::from(word(0)?);
    #[allow(clippy::cast_possible_wrap)] // the weight is a signed 16-bit word
    let weight = i32::from(word(1)? as i16);
    let digit = |power: i32| -> Option<u16> {
        let index = usize::try_from(weight - power).ok()?;
        if index < digits { word(4 + index) } else { Some(0) }
    };
    let mut text = match word(2)? {
        0x0000 => String::new(),
        0x4000 => "-".to_owned(),
        0xC000 => return Some(Value::Real(f64::NAN)),
        0xD000 => return Some(Value::Real(f64::INFINITY)),
        0xF000 => return Some(Value::Real(f64::NEG_INFINITY)),
        _ => return None,
    };
    if weight < 0 {
        text.push('0');
    }
    for power in (0..=weight).rev() {
        let d = digit(power)?;
        if power == weight {
            text.push_str(&d.to_string())
        } else {
            text.push_str(&format!("{d:04}"))
        }
    }
    #[allow(clippy::cast_possible_wrap)]
    let fraction_groups = (digits as i32 - 1 - weight).max(0);
    if fraction_groups > 0 {
        text.push('.');
        for power in 1..=fraction_groups {
            text.push_str(&format!("{:04}", digit(-power)?));
        }
    }
    match text.parse::<i64>() {
        Ok(whole) => Some(Value::Integer(whole)),
        Err(_) => text.parse::<f64>().ok().map(Value::Real),
    }
}

const MICROS_PER_DAY: i64 = 86_400_000_000;
/// Days from 1970-01-01 to PostgreSQL's epoch, 2000-01-01.
const EPOCH_DAYS: i64 = 10_957;

/// `YYYY-MM-DD` of a date given in days since 2000-01-01.
fn date(days: i64) -> String {
    if days == i64::from(i32::MAX) || days == i64::from(i32::MIN) {
        return if days > 0 { "infinity" } else { "-infinity" }.to_owned();
    }
    let (year, month, day) = civil_from_days(days + EPOCH_DAYS);
    format!("{year:04}-{month:02}-{day:02}")
}

/// `HH:MM:SS` of a time of day given in microseconds, with the fraction if there is one.
fn time(micros: i64) -> String {
    let seconds = micros / 1_000_000;
    let fraction = micros % 1_000_000;
    let mut out = format!("{:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
    if fraction != 0 {
        out.push_str(format!(".{fraction:06}").trim_end_matches('0'));
    }
    out
}

/// `YYYY-MM-DD HH:MM:SS[.ffffff]` of a timestamp given in microseconds since 2000-01-01.
fn timestamp(micros: i64) -> String {
    if micros == i64::MAX || micros == i64::MIN {
        return if micros > 0 { "infinity" } else { "-infinity" }.to_owned();
    }
    let days = micros.div_euclid(MICROS_PER_DAY);
    format!("{} {}", date(days), time(micros.rem_euclid(MICROS_PER_DAY)))
}

/// The proleptic Gregorian (year, month, day) of a day counted from 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // 1..=12, 1..=31
    (year, month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postgres_server;

    #[test]
    fn days_count_from_1970_in_the_gregorian_calendar() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(EPOCH_DAYS), (2000, 1, 1));
        assert_eq!(civil_from_days(EPOCH_DAYS + 59), (2000, 2, 29));
        assert_eq!(civil_from_days(-719_162), (1, 1, 1));
        assert_eq!(time(0), "00:00:00");
        assert_eq!(time(MICROS_PER_DAY - 1), "23:59:59.999999");
        assert_eq!(time(45_296_250_000), "12:34:56.25");
    }

    /// Every supported type, read from a real server, is the value its text says.
    #[test]
    fn every_supported_type_reads_as_its_sqlite_form() {
        let Some(mut client) = postgres_server::connect() else { return };
        let cases = [
            ("true", "boolean", Value::Integer(1)),
            ("-32768", "smallint", Value::Integer(-32768)),
            ("2147483647", "integer", Value::Integer(2_147_483_647)),
            ("-9223372036854775808", "bigint", Value::Integer(i64::MIN)),
            ("0.5", "real", Value::Real(0.5)),
            ("0.1", "double precision", Value::Real(0.1)),
            ("é'x", "text", Value::Text("é'x".into())),
            ("ab", "char(3)", Value::Text("ab ".into())),
            (r#"{"a": [1, 2]}"#, "jsonb", Value::Text(r#"{"a": [1, 2]}"#.into())),
            (r#"{"a":1}"#, "json", Value::Text(r#"{"a":1}"#.into())),
            ("\\x00ff", "bytea", Value::Blob(vec![0, 255])),
            ("00010203-0405-0607-0809-0a0b0c0d0e0f", "uuid", Value::Blob((0..16).collect())),
            ("12", "numeric", Value::Integer(12)),
            ("-12.500", "numeric", Value::Real(-12.5)),
            ("0.1", "numeric", Value::Real(0.1)),
            ("-0.00012", "numeric", Value::Real(-0.00012)),
            ("123456789.000000001", "numeric", Value::Real(123_456_789.000_000_001)),
            ("100000000", "numeric(20,0)", Value::Integer(100_000_000)),
            ("99999999999999999999", "numeric", Value::Real(1e20)),
            ("0", "numeric", Value::Integer(0)),
            ("NaN", "numeric", Value::Real(f64::NAN)),
            ("2024-02-29", "date", Value::Text("2024-02-29".into())),
            ("1999-12-31", "date", Value::Text("1999-12-31".into())),
            ("0001-01-01", "date", Value::Text("0001-01-01".into())),
            ("infinity", "date", Value::Text("infinity".into())),
            ("13:45:00.25", "time", Value::Text("13:45:00.25".into())),
            ("1969-07-20 20:17:40", "timestamp", Value::Text("1969-07-20 20:17:40".into())),
            (
                "2038-01-19 03:14:08.000001",
                "timestamp",
                Value::Text("2038-01-19 03:14:08.000001".into()),
            ),
            (
                "2024-02-29 13:45:00+02",
                "timestamptz",
                Value::Text("2024-02-29 11:45:00+00:00".into()),
            ),
        ];
        for (text, ty, expected) in cases {
            let row = client.query_one(&format!("SELECT $1::text::{ty}"), &[&text]).unwrap();
            let mut values = Vec::new();
            read_row(&row, "t", &mut values).unwrap();
            assert_eq!(format!("{values:?}"), format!("{:?}", [expected]), "{text} as {ty}");
        }
        let row = client.query_one("SELECT NULL::bigint, '1 day'::interval AS due", &[]).unwrap();
        let error = read_row(&row, "book", &mut Vec::new()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "column `due` of a `book` statement has PostgreSQL type `interval`, which eagerly does not read; select it as a supported type (a cast) or leave it out of the model"
        );
    }
}
