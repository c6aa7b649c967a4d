//! Every filter operator, checked for the rows it selects and the SQL it runs.

mod common;

use common::*;
use eagerly::rusqlite::types::Value;

/// Runs `query` and returns the ids of the rows, the SQL and the bound values.
fn run(query: &eagerly::Query<Book>) -> (Vec<i64>, String, Vec<Value>) {
    let conn = seeded_db();
    let (rows, log) =
        eagerly::capture(|| query.clone().order_by(Book::id.asc()).all(&conn).unwrap());
    assert_eq!(log.len(), 1, "one query per `all`:\n{log}");
    let record = &log.records()[0];
    (ids(&rows), record.sql.clone(), record.params.clone())
}

/// The WHERE clause of the SQL `run` returns.
fn where_clause(sql: &str) -> &str {
    let start = sql.find(" WHERE ").map_or(sql.len(), |i| i + 7);
    let end = sql.find(" ORDER BY").unwrap_or(sql.len());
    &sql[start..end]
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

#[test]
fn comparisons() {
    let (rows, sql, params) = run(&Book::query().filter(Book::author_id.eq(2)));
    assert_eq!(rows, [3, 4, 5]);
    assert_eq!(
        sql,
        r#"SELECT t0."id", t0."title", t0."author_id" FROM "books" t0 WHERE t0."author_id" = ? ORDER BY t0."id" ASC"#
    );
    assert_eq!(params, [Value::Integer(2)]);

    let cases: [(eagerly::Cond<Book>, &[i64], &str); 5] = [
        (Book::author_id.ne(2), &[1, 2, 6], r#"t0."author_id" IS NOT ?"#),
        (Book::id.lt(3), &[1, 2], r#"t0."id" < ?"#),
        (Book::id.le(3), &[1, 2, 3], r#"t0."id" <= ?"#),
        (Book::id.gt(4), &[5, 6], r#"t0."id" > ?"#),
        (Book::id.ge(4), &[4, 5, 6], r#"t0."id" >= ?"#),
    ];
    for (cond, expected, clause) in cases {
        let (rows, sql, _) = run(&Book::query().filter(cond));
        assert_eq!(rows, expected, "{sql}");
        assert_eq!(where_clause(&sql), clause);
    }
    let (rows, sql, params) = run(&Book::query().filter(Book::title.eq("100% Rust")));
    assert_eq!((rows, where_clause(&sql)), (vec![2], r#"t0."title" = ?"#));
    assert_eq!(params, [text("100% Rust")]);
}

#[test]
fn in_lists() {
    let (rows, sql, params) = run(&Book::query().filter(Book::id.is_in([5, 1, 9])));
    assert_eq!(rows, [1, 5]);
    assert_eq!(where_clause(&sql), r#"t0."id" IN (?, ?, ?)"#);
    assert_eq!(params, [Value::Integer(5), Value::Integer(1), Value::Integer(9)]);

    let titles = vec![String::from("Ancillary Justice"), String::from("nope")];
    let (rows, _, _) = run(&Book::query().filter(Book::title.is_in(&titles)));
    assert_eq!(rows, [1]);

    let (rows, sql, params) = run(&Book::query().filter(Book::id.is_in(Vec::<i64>::new())));
    assert_eq!((rows, where_clause(&sql), params), (vec![], "FALSE", vec![]));
}

#[test]
fn nullable_columns() {
    let conn = seeded_db();
    let ((), log) = eagerly::capture(|| {
        let without = Author::query().filter(Author::publisher_id.is_null()).all(&conn).unwrap();
        assert_eq!(ids(&without), [3]);
        let with = Author::query().filter(Author::publisher_id.is_not_null()).all(&conn).unwrap();
        assert_eq!(ids(&with), [1, 2]);
        // `eq(None)` means IS NULL, as in Django; `ne` keeps rows whose column is NULL.
        let none = Author::query().filter(Author::publisher_id.eq(None)).all(&conn).unwrap();
        assert_eq!(ids(&none), [3]);
        let not_tor = Author::query().filter(Author::publisher_id.ne(1)).all(&conn).unwrap();
        assert_eq!(ids(&not_tor), [3]);
        let tor = Author::query().filter(Author::publisher_id.eq(1)).all(&conn).unwrap();
        assert_eq!(ids(&tor), [1, 2]);
        let listed =
            Author::query().filter(Author::publisher_id.is_in([Some(2), None])).all(&conn).unwrap();
        assert_eq!(ids(&listed), [3]);
    });
    assert_eq!(
        log.sql().iter().map(|s| where_clause(s)).collect::<Vec<_>>(),
        [
            r#"t0."publisher_id" IS NULL"#,
            r#"t0."publisher_id" IS NOT NULL"#,
            r#"t0."publisher_id" IS NULL"#,
            r#"t0."publisher_id" IS NOT ?"#,
            r#"t0."publisher_id" = ?"#,
            r#"(t0."publisher_id" IN (?) OR t0."publisher_id" IS NULL)"#,
        ]
    );
}

#[test]
fn text_matching_is_literal_and_as_case_sensitive_as_its_name() {
    let cases: [(eagerly::Cond<Book>, &[i64]); 14] = [
        (Book::title.contains("Rust"), &[2, 6]),
        (Book::title.contains("rust"), &[5]),
        (Book::title.icontains("rust"), &[2, 5, 6]),
        // Wildcards of LIKE and GLOB in the value are plain characters.
        (Book::title.contains("%"), &[2]),
        (Book::title.icontains("0%"), &[2]),
        (Book::title.icontains("_"), &[3]),
        (Book::title.contains("*"), &[3]),
        (Book::title.contains("?"), &[3]),
        (Book::title.contains("[draft]"), &[4]),
        (Book::title.icontains(r"\books\"), &[4]),
        (Book::title.starts_with("100"), &[2, 6]),
        (Book::title.istarts_with("THE "), &[5]),
        (Book::title.ends_with("*?"), &[3]),
        (Book::title.iends_with("NAILS"), &[6]),
    ];
    for (cond, expected) in cases {
        let description = format!("{cond:?}");
        let (rows, _, _) = run(&Book::query().filter(cond));
        assert_eq!(rows, expected, "{description}");
    }
    let (rows, sql, params) = run(&Book::query().filter(Book::title.iexact("100% rust")));
    assert_eq!(rows, [2]);
    assert_eq!(where_clause(&sql), r#"t0."title" LIKE ? ESCAPE '\'"#);
    assert_eq!(params, [text(r"100\% rust")]);
    let (_, sql, params) = run(&Book::query().filter(Book::title.starts_with("C:\\[")));
    assert_eq!(where_clause(&sql), r#"t0."title" GLOB ?"#);
    assert_eq!(params, [text(r"C:\[[]*")]);
}

#[test]
fn conditions_combine_with_operators_and_methods() {
    let a = || Book::author_id.eq(1);
    let b = || Book::title.icontains("rust");
    let (rows, sql, _) = run(&Book::query().filter(a() & b()));
    assert_eq!(rows, [2, 6]);
    assert_eq!(where_clause(&sql), r#"(t0."author_id" = ? AND t0."title" LIKE ? ESCAPE '\')"#);
    assert_eq!(run(&Book::query().filter(a().and(b()))).0, [2, 6]);

    let (rows, sql, _) = run(&Book::query().filter(a() | b()));
    assert_eq!(rows, [1, 2, 5, 6]);
    assert_eq!(where_clause(&sql), r#"(t0."author_id" = ? OR t0."title" LIKE ? ESCAPE '\')"#);
    assert_eq!(run(&Book::query().filter(a().or(b()))).0, [1, 2, 5, 6]);

    let (rows, sql, _) = run(&Book::query().filter(!a()));
    assert_eq!(rows, [3, 4, 5]);
    assert_eq!(where_clause(&sql), r#"(t0."author_id" = ?) IS NOT TRUE"#);
    assert_eq!(run(&Book::query().filter(a().not())).0, [3, 4, 5]);
    assert_eq!(run(&Book::query().filter(!!a())).0, [1, 2, 6]);

    // Several filters all apply; and, or and not nest.
    let (rows, sql, _) =
        run(&Book::query().filter(a() | Book::id.eq(3)).filter(!(b() & Book::id.gt(5))));
    assert_eq!(rows, [1, 2, 3]);
    assert_eq!(
        where_clause(&sql),
        r#"((t0."author_id" = ? OR t0."id" = ?) AND ((t0."title" LIKE ? ESCAPE '\' AND t0."id" > ?)) IS NOT TRUE)"#
    );
}

#[test]
fn negation_keeps_rows_whose_column_is_null() {
    let conn = seeded_db();
    // In SQL, NOT (publisher_id = 1) is NULL for Carol (no publisher) and drops her; eagerly's
    // filters are two-valued, as Django's `exclude` is.
    let others = Author::query().filter(!Author::publisher_id.eq(1)).all(&conn).unwrap();
    assert_eq!(ids(&others), [3]);
    let not_later = Author::query().filter(!Author::publisher_id.gt(1)).all(&conn).unwrap();
    assert_eq!(ids(&not_later), [1, 2, 3]);
}
