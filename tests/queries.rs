//! Ordering, slicing and the terminal methods of a query, on SQLite and on PostgreSQL
//! (`on_every_backend!`, `common/mod.rs`).

#[macro_use]
mod common;
#[path = "common/postgres.rs"]
mod postgres_server;

use common::*;
use eagerly::{Executor, Model, Value};

const BOOK_COLUMNS: &str = r#"SELECT t0."id", t0."title", t0."author_id" FROM "books" t0"#;

on_every_backend!(
    order_limit_and_offset,
    first_one_and_get,
    count_and_exists_run_in_the_database,
    a_query_is_a_reusable_value,
    rows_dereference_to_the_model,
    first_one_and_get_see_the_rows_all_returns,
);

fn order_limit_and_offset<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let query = Book::query().order_by(Book::author_id.desc()).order_by(Book::title.asc());
    let (rows, log) = eagerly::capture(|| query.clone().limit(3).offset(1).all(&mut *db).unwrap());
    // author 2: "C:\Books..", "snake_case..", "the rust.."; author 1: "100% Rust", ..
    assert_eq!(ids(&rows), [3, 5, 2]);
    assert_eq!(
        log.sql(),
        [backend.sql(&format!(
            r#"{BOOK_COLUMNS} ORDER BY t0."author_id" DESC, t0."title" ASC LIMIT ? OFFSET ?"#
        ))]
    );
    assert_eq!(log.records()[0].params, [Value::Integer(3), Value::Integer(1)]);
    assert_eq!(log.records()[0].rows, 3);

    let (rows, log) = eagerly::capture(|| query.clone().offset(5).all(&mut *db).unwrap());
    assert_eq!(ids(&rows), [1]);
    // An offset without a limit: SQLite needs a LIMIT before it, and -1 means none.
    let (no_limit, params) = match backend {
        Backend::Sqlite => ("LIMIT ? OFFSET ?", vec![Value::Integer(-1), Value::Integer(5)]),
        Backend::Postgres => ("OFFSET $1", vec![Value::Integer(5)]),
    };
    assert!(log.sql()[0].ends_with(no_limit), "{log}");
    assert_eq!(log.records()[0].params, params);

    let nulls_last = Author::query()
        .order_by(Author::publisher_id.asc().nulls_last())
        .order_by(Author::id.desc());
    let (rows, log) = eagerly::capture(|| nulls_last.all(&mut *db).unwrap());
    assert_eq!(ids(&rows), [2, 1, 3]);
    assert!(log.sql()[0].ends_with(r#"ORDER BY t0."publisher_id" ASC NULLS LAST, t0."id" DESC"#));
    let nulls_first = Author::query().order_by(Author::publisher_id.desc().nulls_first());
    assert_eq!(nulls_first.all(&mut *db).unwrap()[0].id, 3);
}

fn first_one_and_get<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let ((), log) = eagerly::capture(|| {
        // `first` orders an unordered query by primary key.
        let first = Book::query().filter(Book::author_id.eq(2)).first(&mut *db).unwrap().unwrap();
        assert_eq!(first.id, 3);
        let last = Book::query().order_by(Book::id.desc()).first(&mut *db).unwrap().unwrap();
        assert_eq!(last.id, 6);
        assert!(Book::query().filter(Book::id.gt(100)).first(&mut *db).unwrap().is_none());

        let only =
            Book::query().filter(Book::title.starts_with("Ancillary")).one(&mut *db).unwrap();
        assert_eq!(
            only.into_model(),
            Book { id: 1, title: "Ancillary Justice".into(), author_id: 1 }
        );
        assert!(matches!(
            Book::query().filter(Book::author_id.eq(1)).one(&mut *db),
            Err(eagerly::Error::MultipleRows { table: "books" })
        ));
        assert!(matches!(
            Book::query().filter(Book::author_id.eq(9)).one(&mut *db),
            Err(eagerly::Error::NotFound { table: "books" })
        ));

        let by_key = Book::get(&mut *db, 4).unwrap();
        assert_eq!(by_key.title, r"C:\Books\[draft]");
        // `get` on a query keeps its filters.
        assert!(matches!(
            Book::query().filter(Book::author_id.eq(1)).get(&mut *db, 4),
            Err(eagerly::Error::NotFound { table: "books" })
        ));
        let link = BookTag::get(&mut *db, (6, 2)).unwrap();
        assert_eq!((link.book_id, link.tag_id), (6, 2));
    });
    let sql = log.sql();
    assert_eq!(log.len(), 9, "{log}");
    let expected = |sqlite: String| backend.sql(&sqlite);
    assert_eq!(
        sql[0],
        expected(format!(
            r#"{BOOK_COLUMNS} WHERE t0."author_id" = ? ORDER BY t0."id" ASC LIMIT ?"#
        ))
    );
    assert_eq!(sql[1], expected(format!(r#"{BOOK_COLUMNS} ORDER BY t0."id" DESC LIMIT ?"#)));
    // `one` asks for two rows, enough to tell one from many.
    let (starts_with, pattern) = backend.pick(
        (r#"t0."title" GLOB ?"#, "Ancillary*"),
        (r#"t0."title" LIKE ? ESCAPE '\'"#, "Ancillary%"),
    );
    assert_eq!(sql[3], expected(format!(r#"{BOOK_COLUMNS} WHERE {starts_with} LIMIT ?"#)));
    assert_eq!(log.records()[3].params, [Value::Text(pattern.into()), Value::Integer(2)]);
    assert_eq!(sql[6], expected(format!(r#"{BOOK_COLUMNS} WHERE t0."id" = ? LIMIT ?"#)));
    assert_eq!(
        sql[7],
        expected(format!(r#"{BOOK_COLUMNS} WHERE (t0."author_id" = ? AND t0."id" = ?) LIMIT ?"#))
    );
    assert_eq!(
        sql[8],
        expected(r#"SELECT t0."book_id", t0."tag_id" FROM "book_tag" t0 WHERE (t0."book_id" = ? AND t0."tag_id" = ?) LIMIT ?"#.into())
    );
}

fn count_and_exists_run_in_the_database<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let ((), log) = eagerly::capture(|| {
        assert_eq!(Book::query().count(&mut *db).unwrap(), 6);
        assert_eq!(Book::query().filter(Book::author_id.eq(1)).count(&mut *db).unwrap(), 3);
        assert_eq!(Book::query().limit(4).offset(3).count(&mut *db).unwrap(), 3);
        assert!(Book::query().filter(Book::title.contains("Rust")).exists(&mut *db).unwrap());
        assert!(!Book::query().filter(Book::title.contains("Python")).exists(&mut *db).unwrap());
    });
    let contains = backend.pick(r#"instr(t0."title", ?) > 0"#, r#"position($1 IN t0."title") > 0"#);
    assert_eq!(
        log.sql(),
        [
            r#"SELECT COUNT(*) FROM "books" t0"#.into(),
            backend.sql(r#"SELECT COUNT(*) FROM "books" t0 WHERE t0."author_id" = ?"#),
            backend.sql(
                r#"SELECT COUNT(*) FROM (SELECT 1 FROM "books" t0 ORDER BY t0."id" ASC LIMIT ? OFFSET ?) AS q0"#
            ),
            format!(r#"SELECT EXISTS (SELECT 1 FROM "books" t0 WHERE {contains})"#),
            format!(r#"SELECT EXISTS (SELECT 1 FROM "books" t0 WHERE {contains})"#),
        ]
    );
    assert!(log.records().iter().all(|r| r.rows == 1), "each returns one value:\n{log}");
}

fn a_query_is_a_reusable_value<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let rusty = Book::query().filter(Book::title.icontains("rust"));
    let sorted = rusty.clone().order_by(Book::title.desc());
    assert_eq!(ids(&sorted.all(&mut *db).unwrap()), [5, 6, 2], "'1000' sorts after '100%'");
    assert_eq!(rusty.count(&mut *db).unwrap(), 3);
    assert_eq!(sorted.all(&mut *db).unwrap().len(), 3, "running a query twice gives the same rows");
    fn send_sync<T: Send + Sync>(_: &T) {}
    send_sync(&sorted);
    let handle = std::thread::spawn(move || format!("{sorted:?}"));
    assert!(handle.join().unwrap().contains("books"));
}

fn rows_dereference_to_the_model<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let row = Author::get(&mut *db, 1).unwrap();
    assert_eq!(row.name, "Ann Leckie");
    assert_eq!(*row, Author { id: 1, name: "Ann Leckie".into(), publisher_id: Some(1) });
    let copy = row.clone();
    assert_eq!(copy, row);
    assert_eq!(
        format!("{row:?}"),
        r#"AuthorRow { model: Author { id: 1, name: "Ann Leckie", publisher_id: Some(1) } }"#
    );
    let model: Author = row.into_model();
    assert_eq!(model.publisher_id, Some(1));
}

fn first_one_and_get_see_the_rows_all_returns<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    // Every slice of the six books, with and without an order: `first`, `one` and `get`
    // answer from exactly the rows `all` returns.
    for ordered in [false, true] {
        for offset in [None, Some(0), Some(1), Some(4), Some(6)] {
            for limit in [None, Some(0), Some(1), Some(2), Some(9)] {
                let mut query = Book::query();
                if ordered {
                    query = query.order_by(Book::title.desc());
                }
                if let Some(offset) = offset {
                    query = query.offset(offset);
                }
                if let Some(limit) = limit {
                    query = query.limit(limit);
                }
                let all = ids(&query.all(&mut *db).unwrap());
                let case =
                    format!("ordered {ordered}, offset {offset:?}, limit {limit:?}: {all:?}");
                if ordered {
                    let first = query.first(&mut *db).unwrap().map(|b| b.id);
                    assert_eq!(first, all.first().copied(), "first, {case}");
                }
                match (query.one(&mut *db), all.len()) {
                    (Ok(one), 1) => assert_eq!(one.id, all[0], "{case}"),
                    (Err(eagerly::Error::NotFound { .. }), 0) => {}
                    (Err(eagerly::Error::MultipleRows { .. }), n) if n > 1 => {}
                    (other, _) => panic!("one, {case}: {other:?}"),
                }
                for id in 1..=6 {
                    let got = query.get(&mut *db, id).map(|b| b.id);
                    if all.contains(&id) {
                        assert_eq!(got.unwrap(), id, "get({id}), {case}");
                    } else {
                        assert!(
                            matches!(got, Err(eagerly::Error::NotFound { .. })),
                            "get({id}), {case}"
                        );
                    }
                }
            }
        }
    }
    let (book, log) = eagerly::capture(|| {
        Book::query().order_by(Book::id.asc()).offset(1).limit(2).get(&mut *db, 3).unwrap()
    });
    assert_eq!(book.id, 3);
    assert_eq!(
        log.sql(),
        [backend.sql(&format!(
            r#"{BOOK_COLUMNS} WHERE t0."id" = ? AND (t0."id") IN (SELECT t0."id" FROM "books" t0 ORDER BY t0."id" ASC LIMIT ? OFFSET ?) LIMIT ?"#
        ))]
    );
    assert!(Book::query().limit(0).first(&mut *db).unwrap().is_none());
    assert_eq!(Book::query().limit(1).one(&mut *db).unwrap().id, 1);
}
