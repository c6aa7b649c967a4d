//! Text filters match exactly what Rust's `str` methods match: a property test with Rust as
//! the oracle, over strings made of the characters that trip SQL up (NUL, the wildcards of
//! `LIKE` and `GLOB`, the escape character, non-ASCII letters whose case is not ASCII's),
//! on a `String` column and on an `Option<String>` one, whose NULL matches no text filter;
//! on SQLite, and on PostgreSQL (without NUL).
//!
//! `PROPTEST_CASES=20000 cargo test --test text_filters` runs it long.

mod common;
#[path = "common/postgres.rs"]
mod postgres_server;

use common::property_config;
use eagerly::rusqlite::Connection;
use eagerly::{Cond, Model};
use proptest::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Doc {
    #[model(primary_key)]
    pub id: i64,
    #[model(index)]
    pub body: String,
    pub note: Option<String>,
}

/// NUL; the wildcards and escapes of LIKE and GLOB; letters in both cases; letters whose
/// case folding is not ASCII's (`é`/`É`, `ß`, dotted and dotless i, the Kelvin sign); a
/// four-byte character.
const ALPHABET: &[char] = &[
    'a', 'A', 'b', 'B', 'k', 'K', '\0', '%', '_', '\\', '*', '?', '[', ']', '^', '-', ' ', 'é',
    'É', 'ß', 'İ', 'ı', '\u{212A}', '😀',
];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(ALPHABET), 0..7)
        .prop_map(|chars| chars.into_iter().collect())
}

type Rows = Vec<(String, Option<String>)>;

/// Rows, and a pattern: a piece of some row's text (so that filters match something),
/// maybe in other case, or any text.
fn rows_and_pattern() -> impl Strategy<Value = (Rows, String)> {
    prop::collection::vec((text(), prop::option::of(text())), 0..10).prop_flat_map(|rows| {
        let mut pieces = Vec::new();
        for (body, note) in &rows {
            for text in std::iter::once(body).chain(note) {
                let chars: Vec<char> = text.chars().collect();
                for start in 0..chars.len() {
                    for end in start + 1..=chars.len() {
                        pieces.push(chars[start..end].iter().collect::<String>());
                    }
                }
            }
        }
        let pattern = if pieces.is_empty() {
            text().boxed()
        } else {
            prop_oneof![
                text(),
                prop::sample::select(pieces.clone()),
                prop::sample::select(pieces).prop_map(|p| p.to_ascii_uppercase()),
            ]
            .boxed()
        };
        (Just(rows), pattern)
    })
}

fn db(rows: &Rows) -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    eagerly::create_tables(&conn, &[Doc::TABLE]).unwrap();
    let docs = rows.iter().enumerate().map(|(i, (body, note))| Doc {
        id: i as i64,
        body: body.clone(),
        note: note.clone(),
    });
    Doc::insert_all(&conn, docs).unwrap();
    conn
}

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// Every filter on text, on column `$column` with `$pattern`, with what Rust says of a
/// value and the pattern.
macro_rules! text_filters {
    ($column:expr, $pattern:expr) => {{
        let (c, p): (_, &str) = ($column, $pattern);
        let oracles: [(&str, Cond<Doc>, fn(&str, &str) -> bool); 12] = [
            ("contains", c.contains(p), |s, p| s.contains(p)),
            ("starts_with", c.starts_with(p), |s, p| s.starts_with(p)),
            ("ends_with", c.ends_with(p), |s, p| s.ends_with(p)),
            ("iexact", c.iexact(p), |s, p| s.eq_ignore_ascii_case(p)),
            ("icontains", c.icontains(p), |s, p| lower(s).contains(&lower(p))),
            ("istarts_with", c.istarts_with(p), |s, p| lower(s).starts_with(&lower(p))),
            ("iends_with", c.iends_with(p), |s, p| lower(s).ends_with(&lower(p))),
            ("eq", c.eq(p), |s, p| s == p),
            ("lt", c.lt(p), |s, p| s < p),
            ("ge", c.ge(p), |s, p| s >= p),
            ("is_in", c.is_in([p, "%"]), |s, p| s == p || s == "%"),
            ("not contains", !c.contains(p), |s, p| !s.contains(p)),
        ];
        oracles
    }};
}

/// The ids of the rows whose text (`None`: NULL) `oracle` matches with `pattern`. A NULL
/// matches no filter, and so matches the negation of every one.
fn expected(
    texts: impl Iterator<Item = Option<String>>,
    name: &str,
    oracle: fn(&str, &str) -> bool,
    pattern: &str,
) -> Vec<i64> {
    let negated = name.starts_with("not ");
    (texts.enumerate())
        .filter(|(_, text)| match text {
            Some(text) => oracle(text, pattern),
            None => negated,
        })
        .map(|(i, _)| i as i64)
        .collect()
}

fn found(conn: &Connection, cond: Cond<Doc>) -> Vec<i64> {
    let rows = Doc::query().filter(cond).order_by(Doc::id.asc()).all(conn).unwrap();
    rows.iter().map(|d| d.id).collect()
}

/// `rows` and `pattern` with NUL as `a`: PostgreSQL's text cannot hold NUL.
fn without_nul((rows, pattern): (Rows, String)) -> (Rows, String) {
    let strip = |s: &String| s.replace('\0', "a");
    let rows = rows.iter().map(|(b, n)| (strip(b), n.as_ref().map(strip))).collect();
    (rows, strip(&pattern))
}

/// A PostgreSQL connection with the `doc` table, shared by the cases of a run.
fn postgres() -> Option<&'static std::sync::Mutex<postgres::Client>> {
    static CLIENT: std::sync::OnceLock<Option<std::sync::Mutex<postgres::Client>>> =
        std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            let mut client = postgres_server::isolated()?;
            eagerly::create_tables(&mut client, &[Doc::TABLE]).unwrap();
            Some(std::sync::Mutex::new(client))
        })
        .as_ref()
}

proptest! {
    #![proptest_config(property_config(256))]

    /// The same on PostgreSQL (with no NUL, which its text cannot hold; in the C collation
    /// the test server uses, where `lt` and `ge` compare bytes, as Rust's `str` does).
    #[test]
    fn text_filters_match_what_rust_matches_on_postgresql((rows, pattern) in rows_and_pattern().prop_map(without_nul)) {
        let Some(client) = postgres() else { return Ok(()) };
        let mut client = client.lock().unwrap();
        Doc::query().delete(&mut *client).unwrap();
        let docs = rows.iter().enumerate().map(|(i, (body, note))| Doc {
            id: i as i64,
            body: body.clone(),
            note: note.clone(),
        });
        Doc::insert_all(&mut *client, docs).unwrap();
        let mut found = |cond: Cond<Doc>| -> Vec<i64> {
            let rows = Doc::query().filter(cond).order_by(Doc::id.asc()).all(&mut *client).unwrap();
            rows.iter().map(|d| d.id).collect()
        };
        for (name, cond, oracle) in text_filters!(Doc::body, &pattern) {
            let want = expected(rows.iter().map(|(b, _)| Some(b.clone())), name, oracle, &pattern);
            prop_assert_eq!(found(cond), want, "body.{}({:?}) over {:?}", name, pattern, rows);
        }
        for (name, cond, oracle) in text_filters!(Doc::note, &pattern) {
            let want = expected(rows.iter().map(|(_, n)| n.clone()), name, oracle, &pattern);
            prop_assert_eq!(found(cond), want, "note.{}({:?}) over {:?}", name, pattern, rows);
        }
    }

    #[test]
    fn text_filters_match_what_rust_matches((rows, pattern) in rows_and_pattern()) {
        let conn = db(&rows);
        for (name, cond, oracle) in text_filters!(Doc::body, &pattern) {
            let want = expected(rows.iter().map(|(b, _)| Some(b.clone())), name, oracle, &pattern);
            prop_assert_eq!(found(&conn, cond), want, "body.{}({:?}) over {:?}", name, pattern, rows);
        }
        for (name, cond, oracle) in text_filters!(Doc::note, &pattern) {
            let want = expected(rows.iter().map(|(_, n)| n.clone()), name, oracle, &pattern);
            prop_assert_eq!(found(&conn, cond), want, "note.{}({:?}) over {:?}", name, pattern, rows);
        }
    }
}

#[test]
fn nul_characters_are_characters() {
    let rows = vec![("nul\0byte".to_string(), None), ("nul".to_string(), Some("\0".to_string()))];
    let conn = db(&rows);
    assert_eq!(found(&conn, Doc::body.contains("byte")), [0]);
    assert_eq!(found(&conn, Doc::body.contains("\0")), [0]);
    assert_eq!(found(&conn, Doc::body.eq("nul")), [1]);
    assert_eq!(found(&conn, Doc::body.starts_with("nul\0")), [0]);
    assert_eq!(found(&conn, Doc::body.ends_with("\0byte")), [0]);
    assert_eq!(found(&conn, Doc::body.iexact("NUL")), [1]);
    assert_eq!(found(&conn, Doc::note.contains("\0")), [1]);
}

#[test]
fn patterns_and_values_of_any_length() {
    // SQLite refuses LIKE and GLOB patterns over 50,000 bytes; these are longer.
    let long = "ab*?[".repeat(20_000);
    let rows = vec![(format!("{long}tail"), None), (long.clone(), Some(long.to_uppercase()))];
    let conn = db(&rows);
    assert_eq!(found(&conn, Doc::body.starts_with(&long)), [0, 1]);
    assert_eq!(found(&conn, Doc::body.contains(&long[1..])), [0, 1]);
    assert_eq!(found(&conn, Doc::body.ends_with(&format!("{}tail", &long[5..]))), [0]);
    assert_eq!(found(&conn, Doc::note.iexact(&long)), [1]);
    assert_eq!(found(&conn, Doc::note.istarts_with(&long[..60_000])), [1]);
    assert_eq!(found(&conn, Doc::body.eq(&long)), [1]);
}
