//! The async driver (feature `tokio-postgres`) on a real PostgreSQL 15 (started by the test
//! harness, `common/postgres.rs`; skipped loudly where there is none): the same rows and
//! the same statements as the blocking driver, writes all or nothing, transactions that
//! roll back when a future is dropped half way, and futures that move between threads.

mod common;
#[path = "common/postgres.rs"]
mod postgres_server;

use std::pin::pin;
use std::task::{Context, Waker};

use common::{Author, Book, NewTag, Tag, ids};
use eagerly::{AsyncInsert, AsyncModel, DecodeProblem, Error, Model, capture};

/// A seeded schema of its own: a blocking client on it, and an async one (on a
/// single-threaded runtime, so that a capture on this thread sees its statements).
struct Db {
    blocking: postgres::Client,
    runtime: tokio::runtime::Runtime,
    client: tokio_postgres::Client,
}

fn seeded() -> Option<Db> {
    let mut blocking = postgres_server::isolated()?;
    common::create_seed_tables(&mut blocking);
    common::seed(&mut blocking);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let client = runtime
        .block_on(postgres_server::connect_async(&postgres_server::schema_of(&mut blocking)));
    Some(Db { blocking, runtime, client })
}

#[test]
fn loads_the_rows_and_statements_of_the_blocking_driver() {
    let Some(mut db) = seeded() else { return };
    let query = Author::query()
        .order_by(Author::id.asc())
        .select_related(Author::publisher)
        .with_count(Author::books)
        .prefetch_with(Author::books, |q| q.order_by(Book::id.asc()).prefetch(Book::tags));
    let (blocking, blocking_log) = capture(|| query.all(&mut db.blocking));
    let (awaited, log) = capture(|| db.runtime.block_on(query.all_async(&mut db.client)));
    let (blocking, awaited) = (blocking.unwrap(), awaited.unwrap());
    assert_eq!(format!("{awaited:?}"), format!("{blocking:?}"));
    assert_eq!(ids(&awaited), [1, 2, 3]);
    let books: Vec<Vec<i64>> = awaited.iter().map(|a| ids(a.books())).collect();
    assert_eq!(books, [vec![1, 2, 6], vec![3, 4, 5], vec![]]);
    assert_eq!(awaited[0].publisher().unwrap().name, "Tor");
    assert_eq!(awaited.iter().map(|a| a.books_count()).collect::<Vec<_>>(), [3, 3, 0]);
    // Authors (joined, counted), their books, the books' tags: the snapshot's own
    // statements are not recorded, on either driver.
    assert_eq!(log.len(), 3, "{:#?}", log.sql());
    assert_eq!(log.sql(), blocking_log.sql());
    assert!(log.sql()[1].contains(r#""author_id" = ANY($1)"#), "{}", log.sql()[1]);
    assert_eq!(log.records()[2].rows, 5);

    // Rows loaded later, onto rows already read.
    let (authors, log) = capture(|| {
        db.runtime.block_on(async {
            let authors =
                Author::query().order_by(Author::id.asc()).all_async(&mut db.client).await?;
            eagerly::prefetch_async(&mut db.client, authors, Author::books).await
        })
    });
    let books: Vec<usize> = authors.unwrap().iter().map(|a| a.books().len()).collect();
    assert_eq!(books, [3, 3, 0]);
    assert_eq!(log.len(), 2);
}

#[test]
fn looks_up_counts_and_finds_nothing_as_the_blocking_driver_does() {
    let Some(mut db) = seeded() else { return };
    let client = &mut db.client;
    db.runtime.block_on(async {
        assert_eq!(Author::get_async(&mut *client, 2).await.unwrap().name, "Brandon Sanderson");
        let missing = Author::get_async(&mut *client, 99).await;
        assert!(matches!(missing, Err(Error::NotFound { table: "author" })), "{missing:?}");
        let first = Book::query().order_by(Book::id.desc()).first_async(&mut *client).await;
        assert_eq!(first.unwrap().unwrap().id, 6);
        let nobody = Author::publisher_id.is_null();
        let carol = Author::query().filter(nobody).one_async(&mut *client).await;
        assert_eq!(carol.unwrap().name, "Carol Shields");
        let tor = Author::query().filter(Author::publisher_id.eq(1)).one_async(&mut *client).await;
        assert!(matches!(tor, Err(Error::MultipleRows { table: "author" })), "{tor:?}");
        let rusty = Book::query().filter(Book::title.icontains("rust"));
        assert_eq!(rusty.count_async(&mut *client).await.unwrap(), 3);
        assert!(rusty.exists_async(&mut *client).await.unwrap());
        let none = Book::query().filter(Book::title.eq("nothing"));
        assert!(!none.exists_async(&mut *client).await.unwrap());
        let ann = Author::query().prefetch(Author::books).get_async(&mut *client, 1).await;
        assert_eq!(ann.unwrap().books().len(), 3);
    });
}

#[test]
fn writes_all_rows_or_none() {
    let Some(mut db) = seeded() else { return };
    let client = &mut db.client;
    let (tags, log) = capture(|| {
        db.runtime.block_on(Tag::insert_all_async(
            &mut *client,
            [NewTag { name: "a".into() }, NewTag { name: "b".into() }],
        ))
    });
    let ids: Vec<i64> = tags.unwrap().iter().map(|t| t.id).collect();
    assert_eq!(ids, [4, 5], "identities assigned after the seeded rows");
    assert_eq!(log.len(), 3, "{:#?}", log.sql());
    assert_eq!((log.sql()[0], log.sql()[2]), ("BEGIN", "COMMIT"));

    let (failed, log) = capture(|| {
        db.runtime.block_on(Tag::insert_all_async(
            &mut *client,
            [NewTag { name: "c".into() }, NewTag { name: "sf".into() }],
        ))
    });
    assert!(matches!(failed, Err(Error::Database { table: "tag", .. })), "{failed:?}");
    assert_eq!(log.sql().last(), Some(&"ROLLBACK"));
    let names = Tag::query().order_by(Tag::id.asc()).all(&mut db.blocking).unwrap();
    let names: Vec<&str> = names.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["sf", "programming", "unused", "a", "b"], "nothing of the failed batch");

    db.runtime.block_on(async {
        let new = NewTag { name: "single".into() }.insert_async(&mut *client).await.unwrap();
        assert!(new.id > 5, "{new:?}");
        let mut stored = Tag::get_async(&mut *client, new.id).await.unwrap().into_model();
        stored.name = "renamed".into();
        stored.update_async(&mut *client).await.unwrap();
        assert_eq!(Tag::get_async(&mut *client, new.id).await.unwrap().name, "renamed");
        stored.delete_async(&mut *client).await.unwrap();
        let again = stored.delete_async(&mut *client).await;
        assert!(matches!(again, Err(Error::NotFound { table: "tag" })), "{again:?}");
        let renamed = Book::query()
            .filter(Book::author_id.eq(2))
            .update_async(&mut *client, [Book::title.set("Untitled")])
            .await;
        assert_eq!(renamed.unwrap(), 3);
        let deleted = Tag::query().filter(Tag::name.eq("a")).delete_async(&mut *client).await;
        assert_eq!(deleted.unwrap(), 1);
    });
    let titles = Book::query().filter(Book::title.eq("Untitled")).count(&mut db.blocking);
    assert_eq!(titles.unwrap(), 3);
}

#[test]
fn nests_in_the_callers_transaction() {
    let Some(mut db) = seeded() else { return };
    let (result, log) = capture(|| {
        db.runtime.block_on(async {
            let mut transaction = db.client.transaction().await.unwrap();
            let taken = [Tag { id: 1, name: "taken key".into() }];
            let failed = Tag::insert_all_async(&mut transaction, taken).await;
            assert!(failed.is_err());
            // The savepoint rolled back: the transaction goes on.
            Tag::insert_all_async(&mut transaction, [NewTag { name: "kept".into() }]).await?;
            transaction.commit().await?;
            Ok::<_, Error>(())
        })
    });
    result.unwrap();
    let sql = log.sql();
    // As the blocking drivers: undone to the savepoint, which is then released.
    assert_eq!(sql[0], "SAVEPOINT eagerly");
    assert_eq!((sql[2], sql[3]), ("ROLLBACK TO eagerly", "RELEASE eagerly"));
    assert_eq!((sql[4], sql[6]), ("SAVEPOINT eagerly", "RELEASE eagerly"));
    assert_eq!(sql.len(), 7, "{log}");
    assert_eq!(Tag::query().filter(Tag::name.eq("kept")).count(&mut db.blocking).unwrap(), 1);
}

#[test]
fn a_load_dropped_half_way_leaves_no_transaction_open() {
    let Some(mut db) = seeded() else { return };
    // A count beside the rows it counts: a load that opens a snapshot.
    let query = Author::query().with_count(Author::books).prefetch(Author::books);
    {
        // Polled once, the load has asked for its snapshot and waits for the server:
        // then it is dropped, as a timeout or a closed request would drop it.
        let mut load = pin!(query.all_async(&mut db.client));
        let polled = load.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        assert!(polled.is_pending());
    }
    db.runtime.block_on(async {
        db.client.batch_execute("INSERT INTO tag (name) VALUES ('after')").await.unwrap();
    });
    // Seen from another connection: committed, so not inside a forgotten transaction.
    let seen = Tag::query().filter(Tag::name.eq("after")).count(&mut db.blocking);
    assert_eq!(seen.unwrap(), 1);
    // And the client works on.
    let authors = db.runtime.block_on(query.all_async(&mut db.client)).unwrap();
    assert_eq!(authors.len(), 3);
}

/// Another connection commits between a load's first statement and the next: a load whose
/// rows must agree reads one snapshot, which ends without leaving the connection in a
/// transaction (a write right after it is committed); a load of `has_many` prefetches
/// alone reads what each statement finds, as on the blocking driver (`transactions.rs`).
#[test]
fn a_load_reads_one_snapshot_only_where_its_rows_must_agree() {
    let Some(Db { blocking, runtime, mut client }) = seeded() else { return };
    let writer = std::sync::Arc::new(std::sync::Mutex::new(blocking));
    let authors = || Author::query().order_by(Author::id.asc());

    let late = "INSERT INTO books (id, title, author_id) VALUES (7, 'Late', 1)";
    let (loaded, statements) = common::with_a_commit_between(&writer, late, || {
        let counted = authors().with_count(Author::books).prefetch(Author::books);
        runtime.block_on(counted.all_async(&mut client)).unwrap()
    });
    assert_eq!(statements, 2);
    assert_eq!((loaded[0].books_count(), ids(loaded[0].books())), (3, vec![1, 2, 6]));

    // The snapshot is over: this write is committed, seen from the other connection.
    runtime.block_on(NewTag { name: "after".into() }.insert_async(&mut client)).unwrap();
    let seen = Tag::query().filter(Tag::name.eq("after")).count(&mut *writer.lock().unwrap());
    assert_eq!(seen.unwrap(), 1);

    let later = "INSERT INTO books (id, title, author_id) VALUES (8, 'Later', 1)";
    let (loaded, statements) = common::with_a_commit_between(&writer, later, || {
        runtime.block_on(authors().prefetch(Author::books).all_async(&mut client)).unwrap()
    });
    assert_eq!(statements, 2);
    assert_eq!(ids(loaded[0].books()), [1, 2, 6, 7, 8], "the book committed in between");
}

/// A reading, as its table stores it.
#[derive(Model, Debug, PartialEq)]
pub struct Reading {
    #[model(primary_key)]
    pub id: i64,
    pub value: i64,
}

/// The same table read with a narrower field, which a large value does not fit.
#[derive(Model, Debug)]
#[model(table = "reading")]
pub struct NarrowReading {
    #[model(primary_key)]
    pub id: i64,
    pub value: i32,
}

#[test]
fn reads_rows_as_they_arrive_and_stops_at_one_that_does_not_decode() {
    let Some(mut db) = seeded() else { return };
    eagerly::create_tables(&mut db.blocking, &[Reading::TABLE]).unwrap();
    // More rows than the driver holds before decoding them, one too large for an i32.
    db.blocking
        .batch_execute(
            "INSERT INTO reading (id, value) SELECT g, g * 10 FROM generate_series(1, 2000) g;
             UPDATE reading SET value = 5000000000 WHERE id = 1500",
        )
        .unwrap();
    let query = Reading::query().order_by(Reading::id.asc());
    let blocking = query.all(&mut db.blocking).unwrap();
    let (awaited, log) = capture(|| db.runtime.block_on(query.all_async(&mut db.client)));
    let awaited = awaited.unwrap();
    assert_eq!(awaited.len(), 2000);
    assert!(awaited.iter().zip(1..).all(|(r, id)| r.id == id), "in the statement's order");
    assert_eq!((awaited[0].value, awaited[1499].value), (10, 5_000_000_000));
    assert!(awaited.iter().zip(&blocking).all(|(a, b)| **a == **b));
    assert_eq!(log.records()[0].rows, 2000);

    let narrow = NarrowReading::query().order_by(NarrowReading::id.asc());
    let (failed, log) = capture(|| db.runtime.block_on(narrow.all_async(&mut db.client)));
    let error = failed.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Decode {
                table: "reading",
                column: "value",
                rust_type: "i32",
                problem: DecodeProblem::OutOfRange(5_000_000_000)
            }
        ),
        "{error:?}"
    );
    assert_eq!(log.len(), 1);
    // The rest of the stream was dropped with the load: the connection reads on.
    db.runtime.block_on(async {
        let first = narrow.clone().filter(NarrowReading::id.lt(1500));
        assert_eq!(first.all_async(&mut db.client).await.unwrap().len(), 1499);
        assert_eq!(Reading::query().count_async(&mut db.client).await.unwrap(), 2000);
    });
}

#[test]
fn futures_move_between_threads() {
    let Some(mut blocking) = postgres_server::isolated() else { return };
    common::create_seed_tables(&mut blocking);
    common::seed(&mut blocking);
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
    let runtime = runtime.unwrap();
    let schema = postgres_server::schema_of(&mut blocking);
    let books = runtime.block_on(async move {
        let mut client = postgres_server::connect_async(&schema).await;
        // `tokio::spawn` takes only `Send` futures; the capture follows the task from
        // thread to thread.
        let task = tokio::spawn(eagerly::capture_async(async move {
            let authors = Author::query()
                .prefetch_with(Author::books, |q| q.prefetch(Book::tags))
                .all_async(&mut client)
                .await?;
            tokio::task::yield_now().await;
            Tag::insert_all_async(&mut client, [NewTag { name: "spawned".into() }]).await?;
            Ok::<_, Error>(authors.iter().map(|a| a.books().len()).sum::<usize>())
        }));
        task.await.unwrap()
    });
    let (books, log) = books;
    assert_eq!(books.unwrap(), 6);
    // Authors, books, tags; then the insert's BEGIN, INSERT, COMMIT.
    assert_eq!(log.len(), 6, "{:#?}", log.sql());
    assert!(log.sql()[3..].starts_with(&["BEGIN"]), "{:#?}", log.sql());
}

/// How many statements are prepared on the connection of `client`, asked in the simple
/// protocol, which prepares nothing itself.
async fn prepared_on(client: &tokio_postgres::Client) -> String {
    let messages = client.simple_query("SELECT count(*) FROM pg_prepared_statements").await;
    match &messages.unwrap()[1] {
        tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).unwrap().to_owned(),
        other => panic!("{other:?}"),
    }
}

/// As on the blocking driver, a plain connection runs a query unprepared where its values
/// are integers or text, and prepared where one is a real; an `AsyncCachedClient`
/// prepares every query to keep it.
#[test]
fn a_plain_client_runs_a_query_of_integers_and_text_unprepared() {
    use common::{PREPARED_NOW, PreparedNow, PreparedNowPart};
    let Some(Db { runtime, client, .. }) = seeded() else { return };
    runtime.block_on(async move {
        let mut client = client;
        client.batch_execute(PREPARED_NOW).await.unwrap();
        let seen = PreparedNow::query().all_async(&mut client).await.unwrap();
        assert_eq!(
            seen.iter().map(|row| (**row).clone()).collect::<Vec<_>>(),
            [PreparedNow::row(0)]
        );
        let query = PreparedNow::query;
        let named = [
            query().filter(PreparedNow::id.eq(1)),
            query().filter(PreparedNow::id.is_in([1, 2])),
            query().filter(PreparedNow::name.icontains("O")),
            query().filter(PreparedNow::day.eq("2024-02-29")),
            query().limit(1).offset(0),
        ];
        for query in named {
            assert_eq!(query.all_async(&mut client).await.unwrap()[0].statements, 0);
        }
        let a_float = query().filter(PreparedNow::weight.gt(1.0));
        assert_eq!(a_float.all_async(&mut client).await.unwrap()[0].statements, 1);
        let loaded = query().prefetch(PreparedNow::parts).all_async(&mut client).await.unwrap();
        assert_eq!(
            loaded[0].parts().iter().map(|part| (**part).clone()).collect::<Vec<_>>(),
            [PreparedNowPart { id: 1, owner_id: 1, statements: 0 }],
            "the batch's keys, a list of integers"
        );

        let mut cached = eagerly::AsyncCachedClient::new(client);
        assert_eq!(PreparedNow::query().all_async(&mut cached).await.unwrap()[0].statements, 1);
    });
}

/// As on the blocking driver, writes of integers and text run unprepared on a plain
/// connection, with the rows they changed counted.
#[test]
fn a_plain_client_writes_integers_and_text_unprepared() {
    use common::{NewPreparedNowWritten, PREPARED_NOW_WRITTEN, PreparedNowWritten};
    let Some(Db { runtime, client, .. }) = seeded() else { return };
    runtime.block_on(async move {
        let mut client = client;
        client.batch_execute(PREPARED_NOW_WRITTEN).await.unwrap();
        let new = NewPreparedNowWritten { name: "a".into(), statements: -1 };
        let mut row = new.insert_async(&mut client).await.unwrap();
        assert_eq!(row.statements, 0, "an insert");
        row.name = "b".into();
        row.update_async(&mut client).await.unwrap();
        let named_b = PreparedNowWritten::query().filter(PreparedNowWritten::name.eq("b"));
        let stored = named_b.all_async(&mut client).await.unwrap();
        assert_eq!((stored.len(), stored[0].statements), (1, 0), "an update");
        let set = [PreparedNowWritten::name.set("c")];
        assert_eq!(named_b.update_async(&mut client, set).await.unwrap(), 1);
        row.delete_async(&mut client).await.unwrap();
        let again = row.delete_async(&mut client).await;
        assert!(matches!(again, Err(Error::NotFound { table: "prepared_now_written" })));
    });
}

#[test]
fn a_cached_client_prepares_each_statement_once() {
    let Some(Db { runtime, client, .. }) = seeded() else { return };
    let by_name = || Tag::query().filter(Tag::name.eq("sf"));
    runtime.block_on(async move {
        let mut client = client;
        by_name().all_async(&mut client).await.unwrap();
        assert_eq!(prepared_on(&client).await, "0", "a plain client's statements last one call");

        let mut cached = eagerly::AsyncCachedClient::new(client);
        for _ in 0..3 {
            assert_eq!(ids(&by_name().all_async(&mut cached).await.unwrap()), [1]);
        }
        assert_eq!(prepared_on(&cached).await, "1");
        let authors = Author::query().prefetch(Author::books);
        authors.all_async(&mut cached).await.unwrap();
        authors.all_async(&mut cached).await.unwrap();
        assert_eq!(prepared_on(&cached).await, "3", "the authors' statement and the books' batch");

        let mut transaction = cached.transaction().await.unwrap();
        assert_eq!(ids(&by_name().all_async(&mut transaction).await.unwrap()), [1]);
        NewTag { name: "in a transaction".into() }.insert_async(&mut transaction).await.unwrap();
        transaction.commit().await.unwrap();
        NewTag { name: "after it".into() }.insert_async(&mut cached).await.unwrap();
        assert_eq!(prepared_on(&cached).await, "4", "the insert, prepared once for both");
        assert_eq!(Tag::query().count_async(&mut cached).await.unwrap(), 5);

        // A transaction dropped without a commit rolls back.
        let mut dropped = cached.transaction().await.unwrap();
        NewTag { name: "dropped".into() }.insert_async(&mut dropped).await.unwrap();
        drop(dropped);
        assert_eq!(Tag::query().count_async(&mut cached).await.unwrap(), 5);
    });
}

/// A deadpool-postgres pool (feature `deadpool-postgres`): its connections and their
/// transactions run eagerly's statements, prepared through the pool's statement cache, so
/// a statement is prepared once per pooled connection, not once per call.
#[test]
fn a_pooled_connection_prepares_through_the_pools_cache() {
    let Some(mut blocking) = postgres_server::isolated() else { return };
    common::create_seed_tables(&mut blocking);
    common::seed(&mut blocking);
    let schema = postgres_server::schema_of(&mut blocking);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let mut config: tokio_postgres::Config =
            postgres_server::server().unwrap().config().parse().unwrap();
        config.options(format!("-c search_path={schema}"));
        let manager = deadpool_postgres::Manager::new(config, tokio_postgres::NoTls);
        let pool = deadpool_postgres::Pool::builder(manager).max_size(1).build().unwrap();

        let by_name = || Tag::query().filter(Tag::name.eq("sf"));
        for _ in 0..3 {
            let mut object = pool.get().await.unwrap();
            assert_eq!(ids(&by_name().all_async(&mut object).await.unwrap()), [1]);
        }
        let mut object = pool.get().await.unwrap();
        assert_eq!(object.statement_cache.size(), 1, "one statement, prepared once");
        assert_eq!(prepared_on(&object).await, "1");

        // A load that opens a snapshot opens it inside the pooled connection.
        let authors = Author::query()
            .order_by(Author::id.asc())
            .with_count(Author::books)
            .prefetch(Author::books);
        let (authors, log) = eagerly::capture_async(authors.all_async(&mut object)).await;
        let authors = authors.unwrap();
        assert_eq!(authors.iter().map(|a| a.books().len()).collect::<Vec<_>>(), [3, 3, 0]);
        assert_eq!(log.len(), 2, "{log}");

        let mut transaction = object.transaction().await.unwrap();
        NewTag { name: "pooled".into() }.insert_async(&mut transaction).await.unwrap();
        let failed = Tag::insert_all_async(
            &mut transaction,
            [NewTag { name: "x".into() }, NewTag { name: "sf".into() }],
        )
        .await;
        assert!(matches!(failed, Err(Error::Database { table: "tag", .. })), "{failed:?}");
        transaction.commit().await.unwrap();
        assert_eq!(Tag::query().count_async(&mut object).await.unwrap(), 4, "only `pooled` added");
        assert_eq!(object.statement_cache.size(), 6, "{}", prepared_on(&object).await);
    });
}

/// `forbid_queries_async` and `inspect_async` watch a future's statements as their blocking
/// namesakes watch a closure's; and an async terminal's future holds the connection only,
/// so the query may be gone before it is awaited.
#[test]
fn futures_are_forbidden_and_inspected_like_closures() {
    let Some(Db { runtime, mut client, .. }) = seeded() else { return };
    runtime.block_on(async {
        let future = {
            let query = Author::query().order_by(Author::id.asc()).prefetch(Author::books);
            query.all_async(&mut client)
        };
        let authors = future.await.unwrap();
        let page = eagerly::forbid_queries_async(async {
            authors.iter().map(|a| a.books().len()).collect::<Vec<_>>()
        })
        .await;
        assert_eq!(page, [3, 3, 0]);
        let sneaky = eagerly::forbid_queries_async(Book::query().count_async(&mut client)).await;
        match sneaky {
            Err(Error::QueryForbidden { sql, .. }) => {
                assert_eq!(sql, r#"SELECT COUNT(*) FROM "books" t0"#)
            }
            other => panic!("expected QueryForbidden, got {other:?}"),
        }
        assert_eq!(Book::query().count_async(&mut client).await.unwrap(), 6, "allowed again");

        let (line, report) = eagerly::inspect_async(async {
            let mut line = 0;
            for author in Author::query().all_async(&mut client).await.unwrap() {
                let books = Book::query().filter(Book::author_id.eq(author.id));
                (_, line) = (books.all_async(&mut client).await.unwrap(), line!());
            }
            line
        })
        .await;
        assert_eq!(report.n_plus_one().len(), 1, "{report}");
        let found = &report.n_plus_one()[0];
        assert_eq!((found.count, found.location.line()), (3, line));
        assert_eq!(
            found.fix.as_deref(),
            Some("add `.prefetch(Author::books)` to the query that loads the `Author` rows")
        );
        // Each distinct statement was explained once, as an inspection asks.
        let explained: Vec<bool> =
            report.log().records().iter().map(|r| r.plan.is_some()).collect();
        assert_eq!(explained, [true, true, false, false], "{report}");

        // The good form: two statements, and the books are read.
        let load = Author::query().prefetch(Author::books).all_async(&mut client);
        let (books, report) = eagerly::Inspector::new()
            .run_async(async {
                load.await.map(|a| a.iter().map(|a| a.books().len()).sum::<usize>())
            })
            .await;
        assert_eq!(books.unwrap(), 6);
        assert!(report.is_clean(), "{report}");
    });
}

/// `create_tables_async` writes the same statements as `create_tables`, in one
/// transaction of its own.
#[test]
fn creates_tables_as_the_blocking_driver_does() {
    let Some(mut blocking) = postgres_server::isolated() else { return };
    let schema = postgres_server::schema_of(&mut blocking);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut client = runtime.block_on(postgres_server::connect_async(&schema));
    use eagerly::Model;
    let tables =
        [Book::TABLE, Author::TABLE, Tag::TABLE, common::BookTag::TABLE, common::Publisher::TABLE];
    let ((), log) =
        capture(|| runtime.block_on(eagerly::create_tables_async(&mut client, &tables)).unwrap());
    let ((), blocking_log) = capture(|| {
        let again = format!("{schema}_again");
        blocking
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {again} CASCADE; CREATE SCHEMA {again}; SET search_path TO {again}"
            ))
            .unwrap();
        eagerly::create_tables(&mut blocking, &tables).unwrap()
    });
    assert_eq!(log.sql(), blocking_log.sql());
    assert_eq!((log.sql()[0], log.sql()[log.len() - 1]), ("BEGIN", "COMMIT"));
    let stored = runtime.block_on(NewTag { name: "sf".into() }.insert_async(&mut client));
    assert_eq!(stored.unwrap().id, 1);
}
