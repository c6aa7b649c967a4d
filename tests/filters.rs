//! Every filter operator, checked for the rows it selects and the SQL it runs, on SQLite
//! and on PostgreSQL (`on_every_backend!`, `common/mod.rs`).

#[macro_use]
mod common;
#[path = "common/postgres.rs"]
mod postgres_server;

use common::*;
use eagerly::{Executor, Value};

/// Runs `query` and returns the ids of the rows, the SQL and the bound values.
fn run<C: ?Sized>(db: &mut C, query: &eagerly::Query<Book>) -> (Vec<i64>, String, Vec<Value>)
where
    for<'a> &'a mut C: Executor,
{
    let (rows, log) =
        eagerly::capture(|| query.clone().order_by(Book::id.asc()).all(&mut *db).unwrap());
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

/// PostgreSQL's ASCII-only folding of `column` (`lower` on SQLite).
fn folded(column: &str) -> String {
    format!("translate({column}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')")
}

on_every_backend!(
    comparisons,
    in_lists,
    nullable_columns,
    text_matching_is_literal_and_as_case_sensitive_as_its_name,
    conditions_combine_with_operators_and_methods,
    negation_keeps_rows_whose_column_is_null,
);

on_every_backend!(setup = crate::sizes::many_items; is_in_takes_any_number_of_values_of_any_type);
on_every_backend!(setup = crate::sizes::some_items; wide_filters_are_fine_and_deep_ones_a_clear_error);

fn comparisons<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (rows, sql, params) = run(db, &Book::query().filter(Book::author_id.eq(2)));
    assert_eq!(rows, [3, 4, 5]);
    let p = backend.pick("?", "$1");
    assert_eq!(
        sql,
        format!(
            r#"SELECT t0."id", t0."title", t0."author_id" FROM "books" t0 WHERE t0."author_id" = {p} ORDER BY t0."id" ASC"#
        )
    );
    assert_eq!(params, [Value::Integer(2)]);

    let not_equal = backend.pick("IS NOT", "IS DISTINCT FROM");
    let cases: [(eagerly::Cond<Book>, &[i64], String); 5] = [
        (Book::author_id.ne(2), &[1, 2, 6], format!(r#"t0."author_id" {not_equal} {p}"#)),
        (Book::id.lt(3), &[1, 2], format!(r#"t0."id" < {p}"#)),
        (Book::id.le(3), &[1, 2, 3], format!(r#"t0."id" <= {p}"#)),
        (Book::id.gt(4), &[5, 6], format!(r#"t0."id" > {p}"#)),
        (Book::id.ge(4), &[4, 5, 6], format!(r#"t0."id" >= {p}"#)),
    ];
    for (cond, expected, clause) in cases {
        let (rows, sql, _) = run(db, &Book::query().filter(cond));
        assert_eq!(rows, expected, "{sql}");
        assert_eq!(where_clause(&sql), clause);
    }
    let (rows, sql, params) = run(db, &Book::query().filter(Book::title.eq("100% Rust")));
    assert_eq!((rows, where_clause(&sql)), (vec![2], &*format!(r#"t0."title" = {p}"#)));
    assert_eq!(params, [text("100% Rust")]);
}

fn in_lists<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (rows, sql, params) = run(db, &Book::query().filter(Book::id.is_in([5, 1, 9])));
    assert_eq!(rows, [1, 5]);
    let listed = [Value::Integer(5), Value::Integer(1), Value::Integer(9)];
    match backend {
        Backend::Sqlite => {
            assert_eq!(where_clause(&sql), r#"t0."id" IN (?, ?, ?)"#);
            assert_eq!(params, listed);
        }
        Backend::Postgres => {
            assert_eq!(where_clause(&sql), r#"t0."id" = ANY($1)"#);
            assert_eq!(params, [Value::List(listed.to_vec())]);
        }
    }

    let titles = vec![String::from("Ancillary Justice"), String::from("nope")];
    let (rows, _, _) = run(db, &Book::query().filter(Book::title.is_in(&titles)));
    assert_eq!(rows, [1]);

    let (rows, sql, params) = run(db, &Book::query().filter(Book::id.is_in(Vec::<i64>::new())));
    assert_eq!((rows, where_clause(&sql), params), (vec![], "FALSE", vec![]));
}

fn nullable_columns<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let conn = &mut *db;
    let ((), log) = eagerly::capture(|| {
        let without =
            Author::query().filter(Author::publisher_id.is_null()).all(&mut *conn).unwrap();
        assert_eq!(ids(&without), [3]);
        let with =
            Author::query().filter(Author::publisher_id.is_not_null()).all(&mut *conn).unwrap();
        assert_eq!(ids(&with), [1, 2]);
        // `eq(None)` means IS NULL, as in Django; `ne` keeps rows whose column is NULL.
        let none = Author::query().filter(Author::publisher_id.eq(None)).all(&mut *conn).unwrap();
        assert_eq!(ids(&none), [3]);
        let not_tor = Author::query().filter(Author::publisher_id.ne(1)).all(&mut *conn).unwrap();
        assert_eq!(ids(&not_tor), [3]);
        let tor = Author::query().filter(Author::publisher_id.eq(1)).all(&mut *conn).unwrap();
        assert_eq!(ids(&tor), [1, 2]);
        let listed =
            Author::query().filter(Author::publisher_id.is_in([Some(2), None])).all(&mut *conn);
        assert_eq!(ids(&listed.unwrap()), [3]);
    });
    let (p, not_equal) = (backend.pick("?", "$1"), backend.pick("IS NOT", "IS DISTINCT FROM"));
    let listed = backend.pick("IN (?)", "= ANY($1)");
    assert_eq!(
        log.sql().iter().map(|s| where_clause(s)).collect::<Vec<_>>(),
        [
            r#"t0."publisher_id" IS NULL"#.to_owned(),
            r#"t0."publisher_id" IS NOT NULL"#.to_owned(),
            r#"t0."publisher_id" IS NULL"#.to_owned(),
            format!(r#"t0."publisher_id" {not_equal} {p}"#),
            format!(r#"t0."publisher_id" = {p}"#),
            format!(r#"(t0."publisher_id" {listed} OR t0."publisher_id" IS NULL)"#),
        ]
    );
}

fn text_matching_is_literal_and_as_case_sensitive_as_its_name<C: ?Sized>(
    db: &mut C,
    backend: Backend,
) where
    for<'a> &'a mut C: Executor,
{
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
        let (rows, _, _) = run(db, &Book::query().filter(cond));
        assert_eq!(rows, expected, "{description}");
    }
    let (rows, sql, params) = run(db, &Book::query().filter(Book::title.iexact("100% rust")));
    assert_eq!(rows, [2]);
    let title = r#"t0."title""#;
    let iexact = match backend {
        Backend::Sqlite => r#"lower(t0."title") = ?"#.to_owned(),
        Backend::Postgres => format!("{} = $1", folded(title)),
    };
    assert_eq!(where_clause(&sql), iexact);
    assert_eq!(params, [text("100% rust")]);
    // `[` is GLOB's, `\` LIKE's escape: both plain characters here.
    let (rows, sql, params) =
        run(db, &Book::query().filter(Book::title.starts_with("C:\\Books\\[")));
    assert_eq!(rows, [4]);
    match backend {
        Backend::Sqlite => {
            assert_eq!(where_clause(&sql), r#"t0."title" GLOB ?"#);
            assert_eq!(params, [text(r"C:\Books\[[]*")]);
        }
        Backend::Postgres => {
            assert_eq!(where_clause(&sql), r#"t0."title" LIKE $1 ESCAPE '\'"#);
            assert_eq!(params, [text(r"C:\\Books\\[%")]);
        }
    }
}

fn conditions_combine_with_operators_and_methods<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let a = || Book::author_id.eq(1);
    let b = || Book::title.icontains("rust");
    // `icontains` with the n-th placeholder.
    let contains = |n: usize| match backend {
        Backend::Sqlite => r#"instr(lower(t0."title"), ?) > 0"#.to_owned(),
        Backend::Postgres => format!(r#"position(${n} IN {}) > 0"#, folded(r#"t0."title""#)),
    };
    let p = |n: usize| backend.pick("?", ["", "$1", "$2", "$3", "$4"][n]).to_owned();
    let (rows, sql, _) = run(db, &Book::query().filter(a() & b()));
    assert_eq!(rows, [2, 6]);
    assert_eq!(where_clause(&sql), format!(r#"(t0."author_id" = {} AND {})"#, p(1), contains(2)));
    assert_eq!(run(db, &Book::query().filter(a().and(b()))).0, [2, 6]);

    let (rows, sql, _) = run(db, &Book::query().filter(a() | b()));
    assert_eq!(rows, [1, 2, 5, 6]);
    assert_eq!(where_clause(&sql), format!(r#"(t0."author_id" = {} OR {})"#, p(1), contains(2)));
    assert_eq!(run(db, &Book::query().filter(a().or(b()))).0, [1, 2, 5, 6]);

    let (rows, sql, _) = run(db, &Book::query().filter(!a()));
    assert_eq!(rows, [3, 4, 5]);
    assert_eq!(where_clause(&sql), format!(r#"(t0."author_id" = {}) IS NOT TRUE"#, p(1)));
    assert_eq!(run(db, &Book::query().filter(a().not())).0, [3, 4, 5]);
    assert_eq!(run(db, &Book::query().filter(!!a())).0, [1, 2, 6]);

    // Several filters all apply; and, or and not nest.
    let (rows, sql, _) =
        run(db, &Book::query().filter(a() | Book::id.eq(3)).filter(!(b() & Book::id.gt(5))));
    assert_eq!(rows, [1, 2, 3]);
    assert_eq!(
        where_clause(&sql),
        format!(
            r#"((t0."author_id" = {} OR t0."id" = {}) AND (({} AND t0."id" > {})) IS NOT TRUE)"#,
            p(1),
            p(2),
            contains(3),
            p(4)
        )
    );
}

fn negation_keeps_rows_whose_column_is_null<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let conn = &mut *db;
    // In SQL, NOT (publisher_id = 1) is NULL for Carol (no publisher) and drops her; eagerly's
    // filters are two-valued, as Django's `exclude` is.
    let others = Author::query().filter(!Author::publisher_id.eq(1)).all(&mut *conn).unwrap();
    assert_eq!(ids(&others), [3]);
    let not_later = Author::query().filter(!Author::publisher_id.gt(1)).all(&mut *conn).unwrap();
    assert_eq!(ids(&not_later), [1, 2, 3]);
}

mod sizes {
    use eagerly::{Executor, Model};

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(has_many(parts = Part))]
    pub struct Item {
        #[model(primary_key)]
        pub id: i64,
        pub name: String,
        pub weight: f64,
        pub code: Vec<u8>,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Part {
        #[model(primary_key)]
        pub id: i64,
        #[model(belongs_to(item = Item))]
        pub item_id: i64,
    }

    /// More items than SQLite binds values in one statement.
    pub const ITEMS: i64 = 50_000;

    /// Items 1..=`items` with a name, a weight and a code that each identify them, and
    /// one part each.
    pub fn fill<C: ?Sized>(db: &mut C, items: i64)
    where
        for<'a> &'a mut C: Executor,
    {
        eagerly::create_tables(&mut *db, &[Item::TABLE, Part::TABLE]).unwrap();
        Item::insert_all(&mut *db, (1..=items).map(item)).unwrap();
        Part::insert_all(&mut *db, (1..=items).map(|id| Part { id, item_id: id })).unwrap();
    }

    /// [`ITEMS`] items.
    pub fn many_items<C: ?Sized>(db: &mut C)
    where
        for<'a> &'a mut C: Executor,
    {
        fill(db, ITEMS);
    }

    /// 2,000 items.
    pub fn some_items<C: ?Sized>(db: &mut C)
    where
        for<'a> &'a mut C: Executor,
    {
        fill(db, 2_000);
    }

    pub fn item(id: i64) -> Item {
        Item {
            id,
            name: format!("item {id}"),
            weight: id as f64 / 3.0,
            code: id.to_be_bytes().to_vec(),
        }
    }
}

fn is_in_takes_any_number_of_values_of_any_type<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    use sizes::*;
    let conn = &mut *db;
    // Every third item, more than SQLite binds in one statement (32,766).
    let wanted: Vec<i64> = (1..=ITEMS).filter(|i| i % 3 != 0).collect();
    assert!(wanted.len() > 32_766);
    let mut by = |cond: eagerly::Cond<Item>| {
        let (rows, log) = eagerly::capture(|| {
            let query = Item::query().filter(cond).prefetch(Item::parts);
            query.order_by(Item::id.asc()).all(&mut *conn)
        });
        let rows = rows.unwrap();
        assert!(rows.iter().all(|i| i.parts().len() == 1));
        assert!(log.records().iter().all(|r| r.params.len() <= 32_766), "{log}");
        rows.iter().map(|i| i.id).collect::<Vec<i64>>()
    };
    assert_eq!(by(Item::id.is_in(wanted.clone())), wanted);
    assert_eq!(by(Item::name.is_in(wanted.iter().map(|&i| item(i).name))), wanted);
    assert_eq!(by(Item::weight.is_in(wanted.iter().map(|&i| item(i).weight))), wanted);
    assert_eq!(by(Item::code.is_in(wanted.iter().map(|&i| item(i).code))), wanted);
    // Text JSON cannot carry (NUL): bound one by one on SQLite, and too many for one
    // statement; PostgreSQL's text holds no NUL at all.
    let nul = Item::name.is_in((0..40_000).map(|i| format!("\0{i}")));
    let error = Item::query().filter(nul).count(&mut *conn).unwrap_err();
    let expected = backend.pick("too many SQL variables", "invalid byte sequence");
    assert!(error.to_string().contains(expected), "{error}");
    assert!(matches!(error, eagerly::Error::Database { table: "item", .. }), "{error}");

    // Forty short lists, 39,960 values in all: sent as JSON arrays once they do not fit.
    let mut cond = Item::id.lt(0);
    for chunk in 0..40 {
        cond = cond | Item::id.is_in((0..999).map(|i| chunk * 1000 + i + 1));
    }
    let (count, log) = eagerly::capture(|| Item::query().filter(cond).count(&mut *conn));
    assert_eq!(count.unwrap(), 39_960);
    // One array per list on PostgreSQL, from the first.
    assert_eq!(log.records()[0].params.len(), 41);
}

/// The deepest filter eagerly writes on an integer column (`and` inside `or` inside
/// `not`, over and over), and its number of levels.
fn deepest<M>(column: eagerly::Column<M, i64>) -> (eagerly::Cond<M>, i64) {
    let mut deep = column.gt(10);
    let mut levels = 0;
    loop {
        let deeper = !(deep.clone() & column.ne(levels) | column.eq(-1));
        if format!("{deeper:?}") == "TooDeep" {
            return (deep, levels);
        }
        deep = deeper;
        levels += 1;
    }
}

fn wide_filters_are_fine_and_deep_ones_a_clear_error<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    use sizes::*;
    let conn = &mut *db;
    // An `or` of 5,000 conditions, built in a loop (SQLite alone refuses more than 999).
    let mut wide = Item::id.eq(0);
    for i in 1..5_000 {
        wide = wide | Item::id.eq(i * 7);
    }
    assert_eq!(Item::query().filter(wide).count(&mut *conn).unwrap(), 2_000 / 7);

    // `and` inside `or` inside `not`, as deep as eagerly writes: both backends evaluate it
    // in every kind of statement.
    let (deep, levels) = deepest(Item::id);
    assert!(levels > 150, "{levels} levels");
    let query = Item::query().filter(deep.clone());
    let expected = query.count(&mut *conn).unwrap();
    assert!(expected > 100, "{expected}");
    assert_eq!(query.all(&mut *conn).unwrap().len(), expected);
    assert!(query.exists(&mut *conn).unwrap());
    assert_eq!(query.clone().limit(5).count(&mut *conn).unwrap(), 5);
    let rows = query.clone().order_by(Item::id.asc()).all(&mut *conn).unwrap();
    assert_eq!(query.first(&mut *conn).unwrap().unwrap().id, rows[0].id);
    let sliced = query.clone().order_by(Item::id.asc()).offset(1).limit(3);
    assert_eq!(sliced.get(&mut *conn, rows[1].id).unwrap().id, rows[1].id);
    assert!(matches!(sliced.get(&mut *conn, rows[0].id), Err(eagerly::Error::NotFound { .. })));
    let (deep_parts, _) = deepest(Part::id);
    let expected_parts = Part::query().filter(deep_parts.clone()).count(&mut *conn).unwrap();
    let items = Item::query()
        .prefetch_with(Item::parts, |parts| parts.filter(deep_parts.clone()))
        .all(&mut *conn)
        .unwrap();
    assert_eq!(items.iter().map(|i| i.parts().len()).sum::<usize>(), expected_parts);
    let items = Item::query()
        .prefetch_with(Item::parts, |parts| parts.filter(deep_parts).limit(1))
        .all(&mut *conn)
        .unwrap();
    assert_eq!(items.iter().map(|i| i.parts().len()).sum::<usize>(), expected_parts);
    assert_eq!(query.clone().limit(2).update(&mut *conn, [Item::name.set("renamed")]).unwrap(), 2);
    Part::query().delete(&mut *conn).unwrap();
    assert_eq!(query.clone().limit(2).delete(&mut *conn).unwrap(), 2);
    assert_eq!(query.delete(&mut *conn).unwrap(), expected - 2);

    // Built 200,000 levels deep: one small value, and an error when it runs.
    let mut deeper = Item::id.eq(0);
    for i in 0..200_000 {
        deeper = !(deeper & Item::id.ne(i)) | Item::id.eq(i);
    }
    let error = Item::query().filter(deeper.clone()).all(&mut *conn).unwrap_err();
    assert!(matches!(error, eagerly::Error::FilterTooDeep { table: "item" }), "{error}");
    assert!(error.to_string().contains("more deeply than eagerly writes"), "{error}");
    drop(deeper);
}
