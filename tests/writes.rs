//! Inserting, updating and deleting: single rows, many rows all-or-nothing, and bulk
//! writes through a filtered query, on a connection or inside a transaction; on SQLite and
//! on PostgreSQL (`on_every_backend!`, `common/mod.rs`).

#[macro_use]
mod common;
#[path = "common/postgres.rs"]
mod postgres_server;

use common::*;
use eagerly::{Executor, Model, Value};

on_every_backend!(
    setup = crate::common::create_seed_tables;
    insert_lets_the_database_assign_the_key_and_returns_the_stored_row,
    a_model_inserts_with_the_key_it_has,
    insert_all_returns_every_stored_row_in_order,
    insert_all_is_all_or_nothing,
    writes_work_inside_a_transaction,
);
on_every_backend!(update_and_delete_one_row_by_key, bulk_update_and_delete_through_a_query);

fn insert_lets_the_database_assign_the_key_and_returns_the_stored_row<C: ?Sized>(
    db: &mut C,
    backend: Backend,
) where
    for<'a> &'a mut C: Executor,
{
    let (stored, log) = eagerly::capture(|| {
        NewPublisher { name: "Tor".into() }.insert(&mut *db).unwrap();
        NewAuthor { name: "Ann".into(), publisher_id: Some(1) }.insert(&mut *db).unwrap()
    });
    assert_eq!(stored, Author { id: 1, name: "Ann".into(), publisher_id: Some(1) });
    assert_eq!(
        log.sql()[1],
        backend.sql(
            r#"INSERT INTO "author" ("name", "publisher_id") VALUES (?, ?) RETURNING "id", "name", "publisher_id""#
        )
    );
    assert_eq!(log.records()[1].params, [Value::Text("Ann".into()), Value::Integer(1)]);
    assert_eq!(log.records()[1].rows, 1);
    assert_eq!(Author::get(&mut *db, 1).unwrap().into_model(), stored);

    let second = NewAuthor { name: "Bo".into(), publisher_id: None }.insert(&mut *db).unwrap();
    assert_eq!(second.id, 2);
    // AUTOINCREMENT or an identity column, as Django: a deleted key is never handed out
    // again.
    second.delete(&mut *db).unwrap();
    let third = NewAuthor { name: "Cy".into(), publisher_id: None }.insert(&mut *db).unwrap();
    assert_eq!(third.id, 3);
}

fn a_model_inserts_with_the_key_it_has<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (stored, log) =
        eagerly::capture(|| Publisher { id: 40, name: "Orbit".into() }.insert(&mut *db).unwrap());
    assert_eq!(stored, Publisher { id: 40, name: "Orbit".into() });
    let insert = backend
        .sql(r#"INSERT INTO "publisher" ("id", "name") VALUES (?, ?) RETURNING "id", "name""#);
    match backend {
        Backend::Sqlite => assert_eq!(log.sql(), [insert]),
        // A key given by the caller does not advance the identity's sequence: eagerly moves
        // it past the largest key, so that the next insert without a key gets a free one.
        Backend::Postgres => assert_eq!(
            log.sql(),
            [
                insert,
                r#"SELECT setval(pg_get_serial_sequence($1, $2), (SELECT COALESCE(max("id"), 0) + 1 FROM "publisher"), false)"#.into()
            ]
        ),
    }
    let next = NewPublisher { name: "Next".into() }.insert(&mut *db).unwrap();
    assert_eq!(next.id, 41);
    let duplicate = Publisher { id: 40, name: "Again".into() }.insert(&mut *db);
    assert!(
        matches!(duplicate, Err(eagerly::Error::Database { table: "publisher", .. })),
        "{duplicate:?}"
    );
}

fn insert_all_returns_every_stored_row_in_order<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (stored, log) = eagerly::capture(|| {
        Tag::insert_all(&mut *db, (1..=3).map(|i| NewTag { name: format!("tag {i}") })).unwrap()
    });
    assert_eq!(
        stored.iter().map(|t| (t.id, t.name.as_str())).collect::<Vec<_>>(),
        [(1, "tag 1"), (2, "tag 2"), (3, "tag 3")]
    );
    // A prepared one-row statement per row in SQLite's process; on PostgreSQL, a round
    // trip per statement, so rows go in chunks (of up to 1,000 rows).
    let one_row = r#"INSERT INTO "tag" ("name") VALUES (?) RETURNING "id", "name""#;
    let expected: Vec<String> = match backend {
        Backend::Sqlite => ["SAVEPOINT eagerly", one_row, one_row, one_row, "RELEASE eagerly"]
            .map(Into::into)
            .into(),
        Backend::Postgres => vec![
            "BEGIN".into(),
            r#"INSERT INTO "tag" ("name") VALUES ($1), ($2), ($3) RETURNING "id", "name""#.into(),
            "COMMIT".into(),
        ],
    };
    assert_eq!(log.sql(), expected);
    assert_eq!(Tag::query().count(&mut *db).unwrap(), 3);
}

fn insert_all_is_all_or_nothing<C: ?Sized + RawSql>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    NewTag { name: "kept".into() }.insert(&mut *db).unwrap();
    // Row 1,500 of 2,500 repeats a unique name: nothing of the 2,500 may stay, neither the
    // rows before it in its own statement nor PostgreSQL's first chunk of 1,000.
    let tags = (1..=2500)
        .map(|i| NewTag { name: if i == 1500 { "kept".into() } else { format!("t{i}") } });
    let (result, log) = eagerly::capture(|| Tag::insert_all(&mut *db, tags));
    match result {
        Err(eagerly::Error::Database { table: "tag", source, .. }) => {
            let says = backend.pick("UNIQUE constraint failed: tag.name", "tag_name_key");
            assert!(source.to_string().contains(says), "{source}")
        }
        other => panic!("expected a unique violation, got {other:?}"),
    }
    assert_eq!(
        Tag::query().count(&mut *db).unwrap(),
        1,
        "the 1,499 rows before the failure are undone"
    );
    // eagerly's transaction (on SQLite, its savepoint began one) ends with ROLLBACK, and
    // the connection is in autocommit mode again.
    let (statements, failed) = match backend {
        Backend::Sqlite => (1 + 1500 + 1, "UNIQUE"),
        Backend::Postgres => (1 + 2 + 1, "duplicate key"),
    };
    assert_eq!(log.len(), statements, "open, the inserts up to the failure, rollback");
    assert_eq!(log.sql()[statements - 1], "ROLLBACK");
    assert!(!db.in_transaction());
    let failing = &log.records()[statements - 2];
    assert!(failing.error.as_deref().is_some_and(|e| e.contains(failed)), "{failing:?}");
}

fn update_and_delete_one_row_by_key<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let mut book = Book::get(&mut *db, 2).unwrap().into_model();
    book.title = "101% Rust".into();
    let ((), log) = eagerly::capture(|| book.update(&mut *db).unwrap());
    assert_eq!(
        log.sql(),
        [backend.sql(r#"UPDATE "books" SET "title" = ?, "author_id" = ? WHERE "id" = ?"#)]
    );
    assert_eq!(
        log.records()[0].params,
        [Value::Text("101% Rust".into()), Value::Integer(1), Value::Integer(2)]
    );
    assert_eq!(Book::get(&mut *db, 2).unwrap().title, "101% Rust");

    let link = BookTag { book_id: 6, tag_id: 2 };
    let ((), log) = eagerly::capture(|| link.delete(&mut *db).unwrap());
    assert_eq!(
        log.sql(),
        [backend.sql(r#"DELETE FROM "book_tag" WHERE "book_id" = ? AND "tag_id" = ?"#)]
    );
    assert!(matches!(link.delete(&mut *db), Err(eagerly::Error::NotFound { table: "book_tag" })));
    assert!(matches!(link.update(&mut *db), Err(eagerly::Error::NotFound { table: "book_tag" })));
    let gone = Book { id: 99, title: "x".into(), author_id: 1 };
    assert!(matches!(gone.update(&mut *db), Err(eagerly::Error::NotFound { table: "books" })));
    assert_eq!(BookTag::query().count(&mut *db).unwrap(), 4);
}

fn bulk_update_and_delete_through_a_query<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (changed, log) = eagerly::capture(|| {
        Book::query()
            .filter(Book::author_id.eq(2))
            .update(&mut *db, [Book::author_id.set(3)])
            .unwrap()
    });
    assert_eq!(changed, 3);
    assert_eq!(
        log.sql(),
        [backend.sql(r#"UPDATE "books" AS t0 SET "author_id" = ? WHERE t0."author_id" = ?"#)]
    );
    assert_eq!(log.records()[0].params, [Value::Integer(3), Value::Integer(2)]);
    assert_eq!(ids(&Book::query().filter(Book::author_id.eq(3)).all(&mut *db).unwrap()), [3, 4, 5]);

    // Limited and ordered: the two books with the highest ids.
    let (changed, log) = eagerly::capture(|| {
        Book::query()
            .order_by(Book::id.desc())
            .limit(2)
            .update(&mut *db, [Book::title.set("Renamed")])
            .unwrap()
    });
    assert_eq!(changed, 2);
    assert_eq!(
        log.sql(),
        [
            backend.sql(r#"UPDATE "books" AS t0 SET "title" = ? WHERE (t0."id") IN (SELECT t0."id" FROM "books" t0 ORDER BY t0."id" DESC LIMIT ?)"#)
        ]
    );
    assert_eq!(
        ids(&Book::query().filter(Book::title.eq("Renamed")).all(&mut *db).unwrap()),
        [5, 6]
    );
    assert_eq!(Book::query().update(&mut *db, []).unwrap(), 0, "nothing to set, nothing run");

    let (deleted, log) = eagerly::capture(|| {
        BookTag::query().filter(BookTag::tag_id.eq(2)).limit(2).delete(&mut *db).unwrap()
    });
    assert_eq!(deleted, 2);
    assert_eq!(
        log.sql(),
        [
            backend.sql(r#"DELETE FROM "book_tag" AS t0 WHERE (t0."book_id", t0."tag_id") IN (SELECT t0."book_id", t0."tag_id" FROM "book_tag" t0 WHERE t0."tag_id" = ? ORDER BY t0."book_id" ASC, t0."tag_id" ASC LIMIT ?)"#)
        ]
    );
    // Without an order of its own, the slice is taken in key order: the first two links.
    let left: Vec<i64> = BookTag::query()
        .filter(BookTag::tag_id.eq(2))
        .all(&mut *db)
        .unwrap()
        .iter()
        .map(|l| l.book_id)
        .collect();
    assert_eq!(left, [6]);
    let (deleted, log) = eagerly::capture(|| BookTag::query().delete(&mut *db).unwrap());
    assert_eq!(deleted, 3);
    assert_eq!(log.sql(), [r#"DELETE FROM "book_tag" AS t0"#]);
}

fn writes_work_inside_a_transaction<C: ?Sized + Transact>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    {
        let mut tx = db.begin();
        NewPublisher { name: "Rolled back".into() }.insert(tx.db()).unwrap();
        Publisher::insert_all(tx.db(), [NewPublisher { name: "Also".into() }]).unwrap();
        assert_eq!(Publisher::query().count(tx.db()).unwrap(), 2);
        tx.rollback();
    }
    assert_eq!(Publisher::query().count(&mut *db).unwrap(), 0);
    {
        let mut tx = db.begin();
        NewPublisher { name: "Kept".into() }.insert(tx.db()).unwrap();
        // A failing insert_all undoes its own rows, not the transaction's earlier ones.
        let failed = Publisher::insert_all(
            tx.db(),
            [Publisher { id: 7, name: "a".into() }, Publisher { id: 7, name: "b".into() }],
        );
        assert!(failed.is_err());
        tx.commit();
    }
    let names: Vec<String> =
        Publisher::query().all(&mut *db).unwrap().iter().map(|p| p.name.clone()).collect();
    assert_eq!(names, ["Kept"]);
}
