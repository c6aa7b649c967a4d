//! Where the SQL of the backends differs, and what each writes there. The rest of `sql`
//! writes the SQL they share and asks the statement's [`Dialect`] at these points.
//!
//! | | SQLite | PostgreSQL |
//! |---|---|---|
//! | placeholder | `?` | `$1`, `$2`, .. |
//! | bound values per statement | 32,766 | 65,535 |
//! | "not equal", NULL-safe | `a IS NOT ?` | `a IS DISTINCT FROM $1` |
//! | an offset without a limit | `LIMIT -1 OFFSET ?` | `OFFSET $1` |
//! | ASCII-only case folding | `lower(a)` | `translate(a, 'AB..', 'ab..')` |
//! | text filters | `instr`, `GLOB`, byte `substr` | `position`, `LIKE .. ESCAPE` |
//! | a list (`is_in`, a batch's keys) | `IN (?, ?)`, or `IN (SELECT value FROM json_each(?))` | `= ANY($1)`, one array |
//!
//! DDL, `EXPLAIN` and savepoints are written for SQLite only so far (issue 14 tracks the
//! rest).

use std::fmt::Write as _;

/// The SQL a statement is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    // No driver speaks it yet: its statements are checked on a real server by the tests.
    #[cfg_attr(not(test), allow(dead_code))]
    Postgres,
}

impl Dialect {
    /// The most values one statement binds.
    pub(crate) fn max_params(self) -> usize {
        match self {
            // `SQLITE_MAX_VARIABLE_NUMBER` of the bundled build.
            Dialect::Sqlite => 32_766,
            // The wire protocol counts parameters in 16 bits.
            Dialect::Postgres => 65_535,
        }
    }

    /// Writes the placeholder of the `number`-th bound value (from 1).
    pub(crate) fn placeholder(self, out: &mut String, number: usize) {
        match self {
            Dialect::Sqlite => out.push('?'),
            Dialect::Postgres => {
                let _ = write!(out, "${number}");
            }
        }
    }

    /// The operator of a "not equal" for which NULL differs from every value, so that a
    /// filter stays two-valued.
    pub(crate) fn null_safe_not_equal(self) -> &'static str {
        match self {
            Dialect::Sqlite => " IS NOT ",
            Dialect::Postgres => " IS DISTINCT FROM ",
        }
    }

    /// What goes before and after a text value to fold its ASCII letters to lower case, and
    /// only those, as Rust's `to_ascii_lowercase` does.
    pub(crate) fn ascii_lowercase(self) -> (&'static str, &'static str) {
        match self {
            // Without the ICU extension, SQLite's `lower()` folds ASCII only.
            Dialect::Sqlite => ("lower(", ")"),
            // `lower()` folds as the database's locale says; `translate` folds what it lists.
            Dialect::Postgres => {
                ("translate(", ", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')")
            }
        }
    }

    /// Whether an `OFFSET` needs a `LIMIT` before it, and the limit that means none.
    pub(crate) fn unlimited_before_offset(self) -> Option<i64> {
        match self {
            // SQLite takes an OFFSET only after a LIMIT; a negative limit means none.
            Dialect::Sqlite => Some(-1),
            Dialect::Postgres => None,
        }
    }
}

/// The PostgreSQL the integration tests start (a real server, from the binaries on the
/// machine), shared with these tests.
#[cfg(test)]
#[path = "../../../tests/common/postgres.rs"]
mod postgres_server;

#[cfg(test)]
mod tests {
    use super::postgres_server;
    use super::*;
    use crate::column::OrderTerm;
    use crate::filter::{CompareOp, Expr, PatternKind};
    use crate::plan::alias::Alias;
    use crate::plan::{BatchKey, Extra, JoinClause, Select};
    use crate::schema::{ColumnDef, Table};
    use crate::sql::{Statement, select, write};
    use crate::value::Value;

    const fn column(name: &'static str, nullable: bool) -> ColumnDef {
        fn untyped() -> &'static str {
            ""
        }
        ColumnDef {
            name,
            field: name,
            rust_type: "i64",
            sql_type: untyped,
            nullable,
            refuses_null: || true,
        }
    }

    static AUTHOR: Table = Table {
        name: "author",
        model: "Author",
        columns: &[column("id", false), column("name", false), column("boss_id", true)],
        primary_key: &[0],
        auto_key: true,
        indexes: &[],
        foreign_keys: &[],
        relations: &[],
    };

    static BOOK: Table = Table {
        name: "book",
        model: "Book",
        columns: &[column("id", false), column("author_id", false), column("title", false)],
        primary_key: &[0],
        auto_key: true,
        indexes: &[],
        foreign_keys: &[],
        relations: &[],
    };

    /// The tables above, as PostgreSQL DDL written by hand (eagerly's own is to come).
    const TABLES: &str = "CREATE TEMP TABLE author (id BIGINT PRIMARY KEY, name TEXT NOT NULL, boss_id BIGINT);
        CREATE TEMP TABLE book (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL, title TEXT NOT NULL);
        INSERT INTO author VALUES (1, 'Ann', NULL), (2, 'Ben', 1), (3, 'Cy', 1), (4, 'Di', NULL);
        INSERT INTO book VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 1, 'c'), (4, 2, 'd'), (5, 3, 'e');";

    /// Authors not named `Cy`, with their boss's name and their number of books, by name,
    /// the second and third of them.
    fn authors_with_boss_and_books() -> Select {
        Select {
            filter: Some(Expr::all([
                Expr::Compare {
                    column: "name",
                    op: CompareOp::Ne,
                    value: Value::Text("Cy".into()),
                },
                Expr::In {
                    column: "id",
                    values: vec![Value::Integer(1), Value::Integer(2), Value::Integer(4)],
                },
            ])),
            order: vec![OrderTerm::ascending("name")],
            limit: Some(2),
            offset: Some(1),
            base_width: 3,
            joins: vec![JoinClause {
                table: &AUTHOR,
                alias: Alias::Join(1),
                key: "id",
                parent: Alias::Base,
                fk: "boss_id",
            }],
            extras: vec![
                Extra::Column { alias: Alias::Join(1), name: "name" },
                Extra::Count {
                    table: &BOOK,
                    alias: Alias::Count(2),
                    fk: "author_id",
                    parent: Alias::Base,
                    key: "id",
                    target: None,
                },
            ],
            aliases: 2,
            ..Select::default()
        }
    }

    /// Each author's first two books by title, after skipping one.
    fn books_per_author() -> (Select, BatchKey) {
        let select = Select {
            order: vec![OrderTerm::ascending("title"), OrderTerm::ascending("id")],
            limit: Some(2),
            offset: Some(1),
            base_width: 3,
            ..Select::default()
        };
        let key = BatchKey {
            relation: "Author::books",
            alias: Alias::Base,
            column: "author_id",
            through: None,
        };
        (select, key)
    }

    /// Every kind of statement eagerly writes for a query or a write, in `dialect`.
    fn statements(dialect: Dialect) -> Vec<Statement> {
        let authors = authors_with_boss_and_books();
        let offset_only = Select { limit: None, ..authors.clone() };
        let (books, by_author) = books_per_author();
        let keys = [Value::Integer(1), Value::Integer(2)];
        let rename = [("name", Value::Text("Dee".into()))];
        let mut out = vec![
            select::rows(dialect, &AUTHOR, &authors).unwrap(),
            select::rows(dialect, &AUTHOR, &offset_only).unwrap(),
            select::count(dialect, &AUTHOR, &authors).unwrap(),
            select::exists(dialect, &AUTHOR, &authors).unwrap(),
            write::update_where(dialect, &AUTHOR, &authors, &rename).unwrap(),
            write::delete_where(dialect, &AUTHOR, &offset_only).unwrap(),
            write::insert(dialect, &AUTHOR, &[1, 2]),
            write::update_by_key(dialect, &AUTHOR).0,
            write::delete_by_key(dialect, &AUTHOR),
        ];
        out.extend(select::batch(dialect, &BOOK, &books, &by_author, &keys, None).unwrap());
        out
    }

    #[test]
    fn postgresql_numbers_its_placeholders_and_says_not_equal_and_offset_its_way() {
        let [rows, offset_only, ..] = &statements(Dialect::Postgres)[..] else { unreachable!() };
        assert_eq!(
            rows.text,
            r#"SELECT t0."id", t0."name", t0."boss_id", j1."name", (SELECT COUNT(*) FROM "book" c2 WHERE c2."author_id" = t0."id") FROM "author" t0 LEFT JOIN "author" j1 ON j1."id" = t0."boss_id" WHERE (t0."name" IS DISTINCT FROM $1 AND t0."id" = ANY($2)) ORDER BY t0."name" ASC LIMIT $3 OFFSET $4"#
        );
        assert!(
            offset_only.text.ends_with(r#"ORDER BY t0."name" ASC OFFSET $3"#),
            "{}",
            offset_only.text
        );
        let sqlite = &statements(Dialect::Sqlite)[1];
        assert!(sqlite.text.ends_with(r#"t0."name" ASC LIMIT ? OFFSET ?"#), "{}", sqlite.text);
        assert_eq!(sqlite.params[4..], [Value::Integer(-1), Value::Integer(1)]);
        // A batch's text is the same for any number of keys: prepared once.
        let (books, by_author) = books_per_author();
        let keys = |n: i64| (1..=n).map(Value::Integer).collect::<Vec<_>>();
        let batch = |keys: &[Value]| {
            let statements =
                select::batch(Dialect::Postgres, &BOOK, &books, &by_author, keys, None);
            let [statement] = &statements.unwrap()[..] else { panic!("one statement") };
            statement.clone()
        };
        let (two, many) = (batch(&keys(2)), batch(&keys(70_000)));
        assert_eq!(two.text, many.text);
        assert!(two.text.contains(r#"WHERE t0."author_id" = ANY($1)) AS q0"#), "{}", two.text);
        assert_eq!(many.params[0], Value::List(keys(70_000)));
        let update = &statements(Dialect::Postgres)[7];
        assert_eq!(
            update.text,
            r#"UPDATE "author" SET "name" = $1, "boss_id" = $2 WHERE "id" = $3"#
        );
    }

    /// A statement's values as the `postgres` crate binds them.
    fn bound(statement: &Statement) -> Vec<Box<dyn postgres::types::ToSql + Sync>> {
        let bind = |value: &Value| -> Box<dyn postgres::types::ToSql + Sync> {
            match value {
                Value::Integer(i) => Box::new(*i),
                Value::Text(s) => Box::new(s.clone()),
                Value::List(list) => Box::new(
                    (list.iter())
                        .map(|v| match v {
                            Value::Integer(i) => *i,
                            other => panic!("not used here: {other:?}"),
                        })
                        .collect::<Vec<i64>>(),
                ),
                other => panic!("not used here: {other:?}"),
            }
        };
        statement.params.iter().map(bind).collect()
    }

    #[test]
    fn postgresql_prepares_every_statement_and_runs_them_to_the_expected_rows() {
        let Some(mut client) = postgres_server::connect() else { return };
        client.batch_execute(TABLES).unwrap();
        let all = statements(Dialect::Postgres);
        for statement in &all {
            let prepared = client.prepare(&statement.text);
            assert!(prepared.is_ok(), "{}: {:?}", statement.text, prepared.err());
        }
        let run = |client: &mut postgres::Client, statement: &Statement| {
            let values = bound(statement);
            let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                values.iter().map(|v| &**v).collect();
            client.query(&statement.text, &refs).unwrap()
        };
        // Ann, Ben and Di are not Cy; by name the second and third are Ben and Di.
        let rows = run(&mut client, &all[0]);
        let authors: Vec<(i64, Option<String>, i64)> =
            rows.iter().map(|r| (r.get(0), r.get(3), r.get(4))).collect();
        assert_eq!(authors, [(2, Some("Ann".into()), 1), (4, None, 0)]);
        assert_eq!(run(&mut client, &all[1]).len(), 2, "Ben, Di: the offset alone");
        assert_eq!(run(&mut client, &all[2])[0].get::<_, i64>(0), 2);
        assert!(run(&mut client, &all[3])[0].get::<_, bool>(0));
        // Ann's books by title are a, b, c: one skipped, two taken; Ben's d is skipped.
        let batch = run(&mut client, all.last().unwrap());
        let books: Vec<(i64, String)> = batch.iter().map(|r| (r.get(1), r.get(2))).collect();
        assert_eq!(books, [(1, "b".into()), (1, "c".into())]);
    }

    static WORD: Table = Table {
        name: "word",
        model: "Word",
        columns: &[column("id", false), column("text", false)],
        primary_key: &[0],
        auto_key: true,
        indexes: &[],
        foreign_keys: &[],
        relations: &[],
    };

    const WORDS: &[&str] = &[
        "",
        "abc",
        "ABC",
        "aBc",
        "a%b",
        "a_b",
        "aXb",
        "x\\y",
        "x\\\\y",
        "%",
        "_",
        "\\",
        "Straße",
        "STRASSE",
        "straße",
        "Ärger",
        "ärger",
        "İstanbul",
        "istanbul",
        "ﬀ",
        "FF",
    ];

    const KINDS: [PatternKind; 7] = [
        PatternKind::Contains,
        PatternKind::StartsWith,
        PatternKind::EndsWith,
        PatternKind::IExact,
        PatternKind::IContains,
        PatternKind::IStartsWith,
        PatternKind::IEndsWith,
    ];

    /// What Rust's `str` methods say: the oracle of every backend's text filters.
    fn matches(kind: PatternKind, word: &str, text: &str) -> bool {
        let (w, t) = (word.to_ascii_lowercase(), text.to_ascii_lowercase());
        match kind {
            PatternKind::Contains => word.contains(text),
            PatternKind::StartsWith => word.starts_with(text),
            PatternKind::EndsWith => word.ends_with(text),
            PatternKind::IExact => w == t,
            PatternKind::IContains => w.contains(&t),
            PatternKind::IStartsWith => w.starts_with(&t),
            PatternKind::IEndsWith => w.ends_with(&t),
        }
    }

    #[test]
    fn postgresql_text_filters_match_what_rusts_str_methods_match() {
        let Some(mut client) = postgres_server::connect() else { return };
        client
            .batch_execute("CREATE TEMP TABLE word (id BIGINT PRIMARY KEY, text TEXT NOT NULL)")
            .unwrap();
        for (id, word) in WORDS.iter().enumerate() {
            client.execute("INSERT INTO word VALUES ($1, $2)", &[&(id as i64), word]).unwrap();
        }
        let patterns = [
            "", "a", "A", "%", "_", "\\", "a_b", "a%b", "b", "BC", "ß", "SS", "ä", "Ä", "İ", "I",
            "x\\y", "ﬀ", "f",
        ];
        for kind in KINDS {
            for text in patterns {
                let filter = Expr::Pattern { column: "text", kind, text: text.into() };
                let select = Select { filter: Some(filter), base_width: 2, ..Select::default() };
                let statement = select::rows(Dialect::Postgres, &WORD, &select).unwrap();
                let values = bound(&statement);
                let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    values.iter().map(|v| &**v).collect();
                let mut found: Vec<i64> = client
                    .query(&statement.text, &refs)
                    .unwrap()
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
                found.sort();
                let expected: Vec<i64> = (WORDS.iter().enumerate())
                    .filter(|(_, word)| matches(kind, word, text))
                    .map(|(id, _)| id as i64)
                    .collect();
                assert_eq!(found, expected, "{kind:?} {text:?}: {}", statement.text);
            }
        }
    }
}
