//! Inserting, updating and deleting: single rows, many rows all-or-nothing, and bulk
//! writes through a filtered query, on a connection or inside a transaction.

mod common;

use common::*;
use eagerly::Model;
use eagerly::Value;

#[test]
fn insert_lets_sqlite_assign_the_key_and_returns_the_stored_row() {
    let conn = empty_db();
    let (stored, log) = eagerly::capture(|| {
        NewPublisher { name: "Tor".into() }.insert(&conn).unwrap();
        NewAuthor { name: "Ann".into(), publisher_id: Some(1) }.insert(&conn).unwrap()
    });
    assert_eq!(stored, Author { id: 1, name: "Ann".into(), publisher_id: Some(1) });
    assert_eq!(
        log.sql()[1],
        r#"INSERT INTO "author" ("name", "publisher_id") VALUES (?, ?) RETURNING "id", "name", "publisher_id""#
    );
    assert_eq!(log.records()[1].params, [Value::Text("Ann".into()), Value::Integer(1)]);
    assert_eq!(log.records()[1].rows, 1);
    assert_eq!(Author::get(&conn, 1).unwrap().into_model(), stored);

    let second = NewAuthor { name: "Bo".into(), publisher_id: None }.insert(&conn).unwrap();
    assert_eq!(second.id, 2);
    // AUTOINCREMENT, as Django: a deleted key is never handed out again.
    second.delete(&conn).unwrap();
    let third = NewAuthor { name: "Cy".into(), publisher_id: None }.insert(&conn).unwrap();
    assert_eq!(third.id, 3);
}

#[test]
fn a_model_inserts_with_the_key_it_has() {
    let conn = empty_db();
    let (stored, log) =
        eagerly::capture(|| Publisher { id: 40, name: "Orbit".into() }.insert(&conn).unwrap());
    assert_eq!(stored, Publisher { id: 40, name: "Orbit".into() });
    assert_eq!(
        log.sql(),
        [r#"INSERT INTO "publisher" ("id", "name") VALUES (?, ?) RETURNING "id", "name""#]
    );
    let duplicate = Publisher { id: 40, name: "Again".into() }.insert(&conn);
    assert!(
        matches!(duplicate, Err(eagerly::Error::Database { table: "publisher", .. })),
        "{duplicate:?}"
    );
}

#[test]
fn insert_all_returns_every_stored_row_in_order() {
    let conn = empty_db();
    let (stored, log) = eagerly::capture(|| {
        Tag::insert_all(&conn, (1..=3).map(|i| NewTag { name: format!("tag {i}") })).unwrap()
    });
    assert_eq!(
        stored.iter().map(|t| (t.id, t.name.as_str())).collect::<Vec<_>>(),
        [(1, "tag 1"), (2, "tag 2"), (3, "tag 3")]
    );
    assert_eq!(
        log.sql(),
        [
            "SAVEPOINT eagerly",
            r#"INSERT INTO "tag" ("name") VALUES (?) RETURNING "id", "name""#,
            r#"INSERT INTO "tag" ("name") VALUES (?) RETURNING "id", "name""#,
            r#"INSERT INTO "tag" ("name") VALUES (?) RETURNING "id", "name""#,
            "RELEASE eagerly",
        ]
    );
    assert_eq!(Tag::query().count(&conn).unwrap(), 3);
}

#[test]
fn insert_all_is_all_or_nothing() {
    let conn = empty_db();
    NewTag { name: "kept".into() }.insert(&conn).unwrap();
    // Row 500 of 1000 repeats a unique name: nothing of the 1000 may stay.
    let tags =
        (1..=1000).map(|i| NewTag { name: if i == 500 { "kept".into() } else { format!("t{i}") } });
    let (result, log) = eagerly::capture(|| Tag::insert_all(&conn, tags));
    match result {
        Err(eagerly::Error::Database { table: "tag", source, .. }) => {
            assert!(source.to_string().contains("UNIQUE constraint failed: tag.name"), "{source}")
        }
        other => panic!("expected a unique violation, got {other:?}"),
    }
    assert_eq!(Tag::query().count(&conn).unwrap(), 1, "the 499 rows before the failure are undone");
    // The savepoint began the transaction: ROLLBACK ends it, and the connection is in
    // autocommit mode again.
    assert_eq!(log.len(), 1 + 500 + 1, "savepoint, 500 inserts, rollback");
    assert_eq!(log.sql()[501..], ["ROLLBACK"]);
    assert!(conn.is_autocommit());
    assert!(log.records()[500].error.as_deref().is_some_and(|e| e.contains("UNIQUE")));
}

#[test]
fn update_and_delete_one_row_by_key() {
    let conn = seeded_db();
    let mut book = Book::get(&conn, 2).unwrap().into_model();
    book.title = "101% Rust".into();
    let ((), log) = eagerly::capture(|| book.update(&conn).unwrap());
    assert_eq!(log.sql(), [r#"UPDATE "books" SET "title" = ?, "author_id" = ? WHERE "id" = ?"#]);
    assert_eq!(
        log.records()[0].params,
        [Value::Text("101% Rust".into()), Value::Integer(1), Value::Integer(2)]
    );
    assert_eq!(Book::get(&conn, 2).unwrap().title, "101% Rust");

    let link = BookTag { book_id: 6, tag_id: 2 };
    let ((), log) = eagerly::capture(|| link.delete(&conn).unwrap());
    assert_eq!(log.sql(), [r#"DELETE FROM "book_tag" WHERE "book_id" = ? AND "tag_id" = ?"#]);
    assert!(matches!(link.delete(&conn), Err(eagerly::Error::NotFound { table: "book_tag" })));
    assert!(matches!(link.update(&conn), Err(eagerly::Error::NotFound { table: "book_tag" })));
    let gone = Book { id: 99, title: "x".into(), author_id: 1 };
    assert!(matches!(gone.update(&conn), Err(eagerly::Error::NotFound { table: "books" })));
    assert_eq!(BookTag::query().count(&conn).unwrap(), 4);
}

#[test]
fn bulk_update_and_delete_through_a_query() {
    let conn = seeded_db();
    let (changed, log) = eagerly::capture(|| {
        Book::query().filter(Book::author_id.eq(2)).update(&conn, [Book::author_id.set(3)]).unwrap()
    });
    assert_eq!(changed, 3);
    assert_eq!(log.sql(), [r#"UPDATE "books" AS t0 SET "author_id" = ? WHERE t0."author_id" = ?"#]);
    assert_eq!(log.records()[0].params, [Value::Integer(3), Value::Integer(2)]);
    assert_eq!(ids(&Book::query().filter(Book::author_id.eq(3)).all(&conn).unwrap()), [3, 4, 5]);

    // Limited and ordered: the two books with the highest ids.
    let (changed, log) = eagerly::capture(|| {
        Book::query()
            .order_by(Book::id.desc())
            .limit(2)
            .update(&conn, [Book::title.set("Renamed")])
            .unwrap()
    });
    assert_eq!(changed, 2);
    assert_eq!(
        log.sql(),
        [
            r#"UPDATE "books" AS t0 SET "title" = ? WHERE (t0."id") IN (SELECT t0."id" FROM "books" t0 ORDER BY t0."id" DESC LIMIT ?)"#
        ]
    );
    assert_eq!(ids(&Book::query().filter(Book::title.eq("Renamed")).all(&conn).unwrap()), [5, 6]);
    assert_eq!(Book::query().update(&conn, []).unwrap(), 0, "nothing to set, nothing run");

    let (deleted, log) = eagerly::capture(|| {
        BookTag::query().filter(BookTag::tag_id.eq(2)).limit(2).delete(&conn).unwrap()
    });
    assert_eq!(deleted, 2);
    assert_eq!(
        log.sql(),
        [
            r#"DELETE FROM "book_tag" AS t0 WHERE (t0."book_id", t0."tag_id") IN (SELECT t0."book_id", t0."tag_id" FROM "book_tag" t0 WHERE t0."tag_id" = ? ORDER BY t0."book_id" ASC, t0."tag_id" ASC LIMIT ?)"#
        ]
    );
    // Without an order of its own, the slice is taken in key order: the first two links.
    let left: Vec<i64> = BookTag::query()
        .filter(BookTag::tag_id.eq(2))
        .all(&conn)
        .unwrap()
        .iter()
        .map(|l| l.book_id)
        .collect();
    assert_eq!(left, [6]);
    let (deleted, log) = eagerly::capture(|| BookTag::query().delete(&conn).unwrap());
    assert_eq!(deleted, 3);
    assert_eq!(log.sql(), [r#"DELETE FROM "book_tag" AS t0"#]);
}

#[test]
fn writes_work_inside_a_transaction() {
    let mut conn = empty_db();
    {
        let tx = conn.transaction().unwrap();
        NewPublisher { name: "Rolled back".into() }.insert(&tx).unwrap();
        Publisher::insert_all(&tx, [NewPublisher { name: "Also".into() }]).unwrap();
        assert_eq!(Publisher::query().count(&tx).unwrap(), 2);
        tx.rollback().unwrap();
    }
    assert_eq!(Publisher::query().count(&conn).unwrap(), 0);
    {
        let tx = conn.transaction().unwrap();
        NewPublisher { name: "Kept".into() }.insert(&tx).unwrap();
        // A failing insert_all undoes its own rows, not the transaction's earlier ones.
        let failed = Publisher::insert_all(
            &tx,
            [Publisher { id: 7, name: "a".into() }, Publisher { id: 7, name: "b".into() }],
        );
        assert!(failed.is_err());
        tx.commit().unwrap();
    }
    let names: Vec<String> =
        Publisher::query().all(&conn).unwrap().iter().map(|p| p.name.clone()).collect();
    assert_eq!(names, ["Kept"]);
}
