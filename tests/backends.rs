//! The same scenarios on every backend: each runs on SQLite (in memory) and on a real
//! PostgreSQL 15 (started by the test harness, `common/postgres.rs`; skipped loudly where
//! there is none, failed under `EAGERLY_REQUIRE_POSTGRES`). A scenario is written once,
//! against any connection eagerly runs on, and pins the rows, the statements and their
//! number; where the SQL differs by backend, both texts are given.

#[macro_use]
mod common;
#[path = "common/postgres.rs"]
mod postgres_server;

use common::{Author, Backend, Book, BookTag, NewTag, Publisher, Tag, ids};
use eagerly::{Error, Executor, Model, capture};

on_every_backend!(
    prefetch_loads_each_level_in_one_statement,
    select_related_joins_in_one_statement,
    counts_and_exists_are_computed_by_the_database,
    text_filters_match_literally,
    slices_and_per_parent_limits,
    lookups_find_one_row_or_say_why_not,
    writes_by_key_and_by_filter,
    a_failed_multi_row_write_leaves_nothing,
    forbidden_and_inspected_statements,
    a_large_batch_over_a_whole_table,
);

fn prefetch_loads_each_level_in_one_statement<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (authors, log) = capture(|| {
        Author::query()
            .order_by(Author::id.asc())
            .prefetch_with(Author::books, |q| q.order_by(Book::id.asc()).prefetch(Book::tags))
            .all(&mut *db)
    });
    let authors = authors.unwrap();
    assert_eq!(ids(&authors), [1, 2, 3]);
    let books: Vec<Vec<i64>> = authors.iter().map(|a| ids(a.books())).collect();
    assert_eq!(books, [vec![1, 2, 6], vec![3, 4, 5], vec![]]);
    let tags: Vec<Vec<&str>> = authors[0]
        .books()
        .iter()
        .map(|b| b.tags().iter().map(|t| t.name.as_str()).collect())
        .collect();
    assert_eq!(tags, [vec!["sf"], vec!["programming"], vec!["sf", "programming"]]);
    assert_eq!(log.len(), 3, "authors, their books, the books' tags: {:#?}", log.sql());
    // A batch of keys: listed on SQLite, one array on PostgreSQL.
    let batch = log.sql()[1];
    let keys = backend.pick(r#""author_id" IN (?, ?, ?)"#, r#""author_id" = ANY($1)"#);
    assert!(batch.contains(keys), "{batch}");
    assert_eq!(log.records()[1].rows, 6);
}

fn select_related_joins_in_one_statement<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (authors, log) = capture(|| {
        Author::query().order_by(Author::id.asc()).select_related(Author::publisher).all(&mut *db)
    });
    let authors = authors.unwrap();
    let publishers: Vec<Option<&str>> =
        authors.iter().map(|a| a.publisher().map(|p| p.name.as_str())).collect();
    assert_eq!(publishers, [Some("Tor"), Some("Tor"), None]);
    assert_eq!(log.len(), 1);
    assert!(log.sql()[0].contains(r#"LEFT JOIN "publisher""#), "{}", log.sql()[0]);

    let (books, log) = capture(|| {
        Book::query()
            .filter(Book::id.le(3))
            .order_by(Book::id.desc())
            .select_related_with(Book::author, |q| q.select_related(Author::publisher))
            .all(&mut *db)
    });
    let books = books.unwrap();
    let authors: Vec<(&str, Option<&str>)> = books
        .iter()
        .map(|b| (b.author().name.as_str(), b.author().publisher().map(|p| p.name.as_str())))
        .collect();
    assert_eq!(
        authors,
        [
            ("Brandon Sanderson", Some("Tor")),
            ("Ann Leckie", Some("Tor")),
            ("Ann Leckie", Some("Tor"))
        ]
    );
    assert_eq!(log.len(), 1);
    assert_eq!(log.records()[0].params, [eagerly::Value::Integer(3)]);
    assert!(log.sql()[0].contains(backend.pick("<= ?", "<= $1")), "{}", log.sql()[0]);
}

fn counts_and_exists_are_computed_by_the_database<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    // Every author: PostgreSQL counts in one grouped pass, SQLite per row (module docs of
    // `sql::dialect`); an author without books counts 0 either way.
    let (authors, log) = capture(|| {
        Author::query().order_by(Author::id.asc()).with_count(Author::books).all(&mut *db)
    });
    let counts: Vec<usize> = authors.unwrap().iter().map(|a| a.books_count()).collect();
    assert_eq!(counts, [3, 3, 0]);
    assert_eq!(log.len(), 1, "counted in the same statement");
    let counted = backend.pick(
        r#"(SELECT COUNT(*) FROM "books" c1 WHERE c1."author_id" = t0."id")"#,
        r#"LEFT JOIN (SELECT c1."author_id", COUNT(*) FROM "books" c1 GROUP BY c1."author_id") c1 ("key", "count") ON c1."key" = t0."id""#,
    );
    assert!(log.sql()[0].contains(counted), "{}", log.sql()[0]);

    // Some authors: a subquery per row on both, which reads only theirs.
    let (authors, log) = capture(|| {
        Author::query().filter(Author::id.ge(2)).with_count(Author::books).all(&mut *db)
    });
    let counts: Vec<usize> = authors.unwrap().iter().map(|a| a.books_count()).collect();
    assert_eq!(counts, [3, 0]);
    assert!(log.sql()[0].contains("(SELECT COUNT(*)"), "{}", log.sql()[0]);

    // A many-to-many counts pairs whose row is there; counts of joined rows.
    let (tags, log) =
        capture(|| Tag::query().order_by(Tag::id.asc()).with_count(Tag::books).all(&mut *db));
    let counts: Vec<usize> = tags.unwrap().iter().map(|t| t.books_count()).collect();
    assert_eq!(counts, [2, 3, 0]);
    assert_eq!(log.len(), 1);
    let (books, log) = capture(|| {
        Book::query()
            .order_by(Book::id.asc())
            .select_related_with(Book::author, |a| a.with_count(Author::books))
            .with_count(Book::tags)
            .all(&mut *db)
    });
    let counts: Vec<(usize, usize)> =
        books.unwrap().iter().map(|b| (b.tags_count(), b.author().books_count())).collect();
    assert_eq!(counts, [(1, 3), (1, 3), (0, 3), (0, 3), (1, 3), (2, 3)]);
    assert_eq!(log.len(), 1);

    assert_eq!(Book::query().filter(Book::author_id.eq(2)).count(&mut *db).unwrap(), 3);
    assert_eq!(Book::query().limit(2).offset(5).count(&mut *db).unwrap(), 1);
    assert!(Author::query().filter(Author::publisher_id.is_null()).exists(&mut *db).unwrap());
    assert!(!Author::query().filter(Author::name.eq("nobody")).exists(&mut *db).unwrap());
}

fn text_filters_match_literally<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let mut matching = |filter: eagerly::Cond<Book>| -> Vec<i64> {
        ids(&Book::query().filter(filter).order_by(Book::id.asc()).all(&mut *db).unwrap())
    };
    assert_eq!(matching(Book::title.icontains("RUST")), [2, 5, 6]);
    assert_eq!(matching(Book::title.contains("Rust")), [2, 6]);
    assert_eq!(matching(Book::title.contains("%")), [2]);
    assert_eq!(matching(Book::title.contains("_")), [3]);
    assert_eq!(matching(Book::title.contains("*")), [3]);
    assert_eq!(matching(Book::title.starts_with(r"C:\")), [4]);
    assert_eq!(matching(Book::title.ends_with("]")), [4]);
    assert_eq!(matching(Book::title.istarts_with("THE")), [5]);
    assert_eq!(matching(Book::title.iexact("ancillary justice")), [1]);
    assert_eq!(matching(Book::id.is_in([6, 1, 99])), [1, 6]);
    assert_eq!(matching(Book::id.is_in(Vec::<i64>::new())), Vec::<i64>::new());
    assert_eq!(matching(Book::author_id.ne(1) & !Book::title.contains("rust")), [3, 4]);
}

fn slices_and_per_parent_limits<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let page = Book::query().order_by(Book::id.desc()).limit(2).offset(1).all(&mut *db).unwrap();
    assert_eq!(ids(&page), [5, 4]);
    let rest = Book::query().order_by(Book::id.asc()).offset(4).all(&mut *db).unwrap();
    assert_eq!(ids(&rest), [5, 6]);

    // The newest book of each author: one statement for all of them, limited per author.
    let (authors, log) = capture(|| {
        Author::query()
            .order_by(Author::id.asc())
            .prefetch_with(Author::books, |q| q.order_by(Book::id.desc()).limit(1))
            .all(&mut *db)
    });
    let newest: Vec<Vec<i64>> = authors.unwrap().iter().map(|a| ids(a.books())).collect();
    assert_eq!(newest, [vec![6], vec![5], vec![]]);
    assert_eq!(log.len(), 2);
    assert!(log.sql()[1].contains("ROW_NUMBER() OVER (PARTITION BY"), "{}", log.sql()[1]);
    let keys = backend.pick("IN (?, ?, ?)", "= ANY($1)");
    assert!(log.sql()[1].contains(keys), "{}", log.sql()[1]);
}

fn lookups_find_one_row_or_say_why_not<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    assert_eq!(Author::get(&mut *db, 2).unwrap().name, "Brandon Sanderson");
    assert!(matches!(Author::get(&mut *db, 99), Err(Error::NotFound { table: "author" })));
    let link = BookTag::query().get(&mut *db, (6, 2)).unwrap();
    assert_eq!((link.book_id, link.tag_id), (6, 2));
    let first = Book::query().filter(Book::author_id.eq(2)).first(&mut *db).unwrap();
    assert_eq!(first.map(|b| b.id), Some(3));
    let one = Author::query().filter(Author::publisher_id.eq(1)).one(&mut *db);
    assert!(matches!(one, Err(Error::MultipleRows { table: "author" })), "{one:?}");
    let carol = Author::query().filter(Author::publisher_id.is_null()).one(&mut *db).unwrap();
    assert_eq!(carol.name, "Carol Shields");
    let ann = Author::get(&mut *db, 1).unwrap();
    let later = eagerly::prefetch(&mut *db, vec![carol, ann], Author::books).unwrap();
    assert_eq!(later.iter().map(|a| a.books().len()).collect::<Vec<_>>(), [0, 3]);
}

fn writes_by_key_and_by_filter<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    // Tags 1 to 3 were inserted with their keys: the next assigned key is above them.
    let (added, log) = capture(|| NewTag { name: "fantasy".into() }.insert(&mut *db));
    assert_eq!(added.unwrap(), Tag { id: 4, name: "fantasy".into() });
    assert!(log.sql()[0].starts_with(r#"INSERT INTO "tag" ("name") VALUES ("#), "{}", log.sql()[0]);
    assert!(log.sql()[0].ends_with(r#" RETURNING "id", "name""#), "{}", log.sql()[0]);
    let more =
        Tag::insert_all(&mut *db, [NewTag { name: "a".into() }, NewTag { name: "b".into() }])
            .unwrap();
    assert_eq!(more.iter().map(|t| t.id).collect::<Vec<_>>(), [5, 6]);
    Tag { id: 10, name: "given".into() }.insert(&mut *db).unwrap();
    assert_eq!(NewTag { name: "after".into() }.insert(&mut *db).unwrap().id, 11);

    let mut book = Book::get(&mut *db, 4).unwrap().into_model();
    book.title = "Renamed".into();
    book.update(&mut *db).unwrap();
    assert_eq!(Book::get(&mut *db, 4).unwrap().title, "Renamed");
    let changed = Book::query()
        .filter(Book::author_id.eq(2))
        .update(&mut *db, [Book::title.set("Sanderson")])
        .unwrap();
    assert_eq!(changed, 3);
    let deleted = BookTag::query().filter(BookTag::tag_id.eq(2)).delete(&mut *db).unwrap();
    assert_eq!(deleted, 3);
    BookTag { book_id: 6, tag_id: 1 }.delete(&mut *db).unwrap();
    assert!(matches!(
        BookTag { book_id: 6, tag_id: 1 }.delete(&mut *db),
        Err(Error::NotFound { table: "book_tag" })
    ));
    assert_eq!(BookTag::query().count(&mut *db).unwrap(), 1);
    let sliced = Book::query().order_by(Book::id.desc()).limit(2).delete(&mut *db);
    // Books 5 and 6 have no tags left; deleting them leaves 4 books.
    assert_eq!(sliced.unwrap(), 2);
    assert_eq!(ids(&Book::query().order_by(Book::id.asc()).all(&mut *db).unwrap()), [1, 2, 3, 4]);
}

fn a_failed_multi_row_write_leaves_nothing<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    // Row 50 of 100 repeats a unique name: none of the 100 may stay.
    let tags =
        (1..=100).map(|i| NewTag { name: if i == 50 { "sf".into() } else { format!("t{i}") } });
    let (result, log) = capture(|| Tag::insert_all(&mut *db, tags));
    match result {
        Err(Error::Database { table: "tag", source, .. }) => {
            let message = source.to_string();
            let expected =
                backend.pick("UNIQUE constraint failed: tag.name", "duplicate key value");
            assert!(message.contains(expected), "{message}");
        }
        other => panic!("expected a unique violation, got {other:?}"),
    }
    // SQLite runs its one-row statement again for each row, up to the failing one;
    // PostgreSQL sends the 100 rows in one statement (a round trip per statement).
    let inserts = match backend {
        Backend::Sqlite => 50,
        Backend::Postgres => 1,
    };
    assert_eq!(log.len(), 1 + inserts + 1, "{:#?}", log.sql());
    assert_eq!(log.sql()[0], backend.pick("SAVEPOINT eagerly", "BEGIN"));
    assert!(log.sql()[1..=inserts].iter().all(|s| s.starts_with(r#"INSERT INTO "tag""#)));
    assert_eq!(log.sql()[inserts + 1..], ["ROLLBACK"]);
    assert_eq!(Tag::query().count(&mut *db).unwrap(), 3, "nothing of the batch stayed");
    // The connection is usable, in autocommit mode: the next write is kept.
    NewTag { name: "kept".into() }.insert(&mut *db).unwrap();
    assert_eq!(Tag::query().count(&mut *db).unwrap(), 4);
    assert!(matches!(
        Publisher::insert_all(&mut *db, [Publisher { id: 1, name: "again".into() }]),
        Err(Error::Database { table: "publisher", .. })
    ));
}

fn forbidden_and_inspected_statements<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let authors = Author::query().order_by(Author::id.asc()).all(&mut *db).unwrap();
    let forbidden = eagerly::forbid_queries(|| Book::query().count(&mut *db));
    assert!(matches!(forbidden, Err(Error::QueryForbidden { .. })), "{forbidden:?}");

    // The classic N+1: a query per author, found and fixed.
    let (_, report) = eagerly::inspect(|| {
        for author in Author::query().all(&mut *db).unwrap() {
            Book::query().filter(Book::author_id.eq(author.id)).all(&mut *db).unwrap();
        }
    });
    let found = &report.n_plus_one()[0];
    assert_eq!((found.count, found.rows_of), (3, "Author"));
    assert_eq!(found.location.file(), file!());
    assert_eq!(report.log().len(), 4);
    // Rows loaded before the inspection: nothing tells where the values came from, so the
    // same statements are only similar.
    let (_, report) = eagerly::inspect(|| {
        for author in &authors {
            Book::query().filter(Book::author_id.eq(author.id)).all(&mut *db).unwrap();
        }
    });
    assert!(report.n_plus_one().is_empty(), "{report}");
    assert_eq!(report.similar()[0].count, 3);
    let fixed =
        eagerly::inspect(|| Author::query().prefetch(Author::books).all(&mut *db).unwrap().len());
    assert_eq!(fixed.0, 3);
    assert!(fixed.1.n_plus_one().is_empty());
    assert_eq!(fixed.1.log().len(), 2);
    assert!(fixed.1.log().records().iter().all(|r| r.plan.as_ref().is_some_and(|p| !p.is_empty())));
}

/// PostgreSQL only: a write inside the caller's own transaction nests in a savepoint; a
/// failure undoes only the write, and the caller's transaction goes on.
fn a_large_batch_over_a_whole_table<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let more = (4..=150).map(|id| Author { id, name: format!("author {id}"), publisher_id: None });
    Author::insert_all(&mut *db, more.collect::<Vec<_>>()).unwrap();
    let (authors, log) = capture(|| Author::query().prefetch(Author::books).all(&mut *db));
    let authors = authors.unwrap();
    assert_eq!(authors.len(), 150);
    assert_eq!(authors.iter().map(|a| a.books().len()).sum::<usize>(), 6);
    assert_eq!(log.len(), 2);
    // SQLite reads every author's key from the author table; PostgreSQL is sent the keys
    // (`sql::dialect`: it probes the index with an array faster than it joins the table).
    let keys = backend.pick(r#"IN (SELECT t0."id" FROM "author" t0)"#, r#"= ANY($1)"#);
    assert!(log.sql()[1].contains(keys), "{}", log.sql()[1]);
    assert_eq!(log.records()[1].params.len(), if backend == Backend::Sqlite { 0 } else { 1 });
}

#[test]
fn postgres_writes_nest_in_the_callers_transaction() {
    let Some(mut client) = postgres_server::isolated() else { return };
    common::create_seed_tables(&mut client);
    common::seed(&mut client);
    let mut transaction = client.transaction().unwrap();
    NewTag { name: "in the transaction".into() }.insert(&mut transaction).unwrap();
    let (failed, log) = capture(|| {
        Tag::insert_all(
            &mut transaction,
            [NewTag { name: "x".into() }, NewTag { name: "sf".into() }],
        )
    });
    assert!(matches!(failed, Err(Error::Database { table: "tag", .. })), "{failed:?}");
    assert_eq!(log.sql()[0], "SAVEPOINT eagerly");
    assert!(log.sql()[1].starts_with("INSERT"), "both rows in one statement");
    assert_eq!(log.sql()[2..], ["ROLLBACK TO eagerly", "RELEASE eagerly"]);
    // The caller's transaction is not aborted: it reads, and sees its own insert only.
    let names: Vec<String> = Tag::query()
        .order_by(Tag::id.asc())
        .all(&mut transaction)
        .unwrap()
        .into_iter()
        .map(|t| t.into_model().name)
        .collect();
    assert_eq!(names, ["sf", "programming", "unused", "in the transaction"]);
    transaction.rollback().unwrap();
    assert_eq!(Tag::query().count(&mut client).unwrap(), 3);
}

/// PostgreSQL only: a column of a type eagerly does not read, or of a type the field does
/// not read, is an error naming it.
#[test]
fn postgres_unsupported_column_types_are_named() {
    let Some(mut client) = postgres_server::isolated() else { return };
    client
        .batch_execute("CREATE TABLE tag (id BIGINT PRIMARY KEY, name INTERVAL); INSERT INTO tag VALUES (1, '1 day')")
        .unwrap();
    let error = Tag::get(&mut client, 1).unwrap_err();
    assert!(
        matches!(&error, Error::UnsupportedType { table: "tag", column, type_name, backend: "PostgreSQL" }
            if column == "name" && type_name == "interval"),
        "{error:?}"
    );
    // A value of a type the field does not read: the field's error, naming the column.
    client.batch_execute("DROP TABLE tag; CREATE TABLE tag (id BIGINT PRIMARY KEY, name BIGINT); INSERT INTO tag VALUES (1, 7)").unwrap();
    assert_eq!(
        Tag::get(&mut client, 1).unwrap_err().to_string(),
        "cannot read column `tag`.`name` into `String`: found a value of type Integer, which the field's type does not read"
    );
}

/// PostgreSQL only: the scan detector reads PostgreSQL's plan and the table's size, and
/// gives PostgreSQL's advice; a redacted log shows neither values nor the plan's literals.
#[test]
fn postgres_scans_are_found_with_the_fix_for_postgresql() {
    let Some(mut client) = postgres_server::isolated() else { return };
    common::create_seed_tables(&mut client);
    client
        .batch_execute(
            "INSERT INTO author (name) VALUES ('Ann');
             INSERT INTO books (title, author_id) SELECT 'title ' || g, 1 FROM generate_series(1, 20000) g",
        )
        .unwrap();
    // Not analyzed yet: the table's rows are counted.
    let (found, report) =
        eagerly::inspect(|| Book::query().filter(Book::title.eq("title 7")).all(&mut client));
    assert_eq!(ids(&found.unwrap()), [7]);
    let scan = &report.scans()[0];
    assert_eq!(
        (scan.kind, scan.table, scan.rows),
        (eagerly::inspect::ScanKind::FullScan, "books", 20_000)
    );
    assert_eq!(scan.advice, "add `#[model(index)]` to `Book::title`");
    let plan = report.log().records()[0].plan.clone().unwrap();
    assert!(plan[0].starts_with("Seq Scan on books t0 ("), "{plan:?}");
    assert!(plan[0].contains("'title 7'"), "{plan:?}");
    let redacted = report.log().redacted();
    assert!(!redacted.to_string().contains("title 7"), "{redacted}");
    let plan = redacted.records()[0].plan.clone().unwrap();
    assert!(plan[0].ends_with("filter: (title = '?'::text))"), "{plan:?}");

    let (_, report) =
        eagerly::inspect(|| Book::query().filter(Book::title.contains("77")).count(&mut client));
    assert!(
        report.scans()[0].advice.contains("USING gin (\"title\" gin_trgm_ops)"),
        "{:?}",
        report.scans()
    );

    // Indexed and analyzed: the filter is served, nothing to report.
    client.batch_execute("CREATE INDEX ON books (title); ANALYZE books").unwrap();
    let (_, report) =
        eagerly::inspect(|| Book::query().filter(Book::title.eq("title 7")).all(&mut client));
    assert!(report.scans().is_empty(), "{:?}", report.scans());
    // A small table is not worth reporting, scanned or not.
    let (_, report) =
        eagerly::inspect(|| Author::query().filter(Author::publisher_id.eq(1)).all(&mut client));
    assert!(report.scans().is_empty(), "{:?}", report.scans());
}

/// PostgreSQL only: a `CachedClient` prepares each statement once per connection, its
/// transactions too; a plain client prepares a call's statements for that call only.
#[test]
fn postgres_a_cached_client_prepares_each_statement_once() {
    let Some(mut client) = postgres_server::isolated() else { return };
    common::create_seed_tables(&mut client);
    common::seed(&mut client);
    // Asked in the simple protocol, which prepares nothing itself.
    let prepared = |client: &mut postgres::Client| -> String {
        let messages = client.simple_query("SELECT count(*) FROM pg_prepared_statements").unwrap();
        match &messages[1] {
            postgres::SimpleQueryMessage::Row(row) => row.get(0).unwrap().to_owned(),
            other => panic!("{other:?}"),
        }
    };
    let by_name = || Tag::query().filter(Tag::name.eq("sf"));
    by_name().all(&mut client).unwrap();
    assert_eq!(prepared(&mut client), "0", "a plain client's statements last one call");

    let mut cached = eagerly::CachedClient::new(client);
    for _ in 0..3 {
        assert_eq!(ids(&by_name().all(&mut cached).unwrap()), [1]);
    }
    assert_eq!(prepared(&mut cached), "1");
    Author::query().prefetch(Author::books).all(&mut cached).unwrap();
    Author::query().prefetch(Author::books).all(&mut cached).unwrap();
    assert_eq!(prepared(&mut cached), "3", "the authors' statement and the books' batch");

    let mut transaction = cached.transaction().unwrap();
    assert_eq!(ids(&by_name().all(&mut transaction).unwrap()), [1]);
    NewTag { name: "in a transaction".into() }.insert(&mut transaction).unwrap();
    transaction.commit().unwrap();
    NewTag { name: "after it".into() }.insert(&mut cached).unwrap();
    assert_eq!(prepared(&mut cached), "4", "the insert, prepared once for both");
    assert_eq!(Tag::query().count(&mut cached).unwrap(), 5);
}

/// PostgreSQL only: within a call on a plain client, a query is run unprepared (one round
/// trip) when its values are integers or text (filters, limits, a batch's keys), whatever
/// the type the server reads them as, and prepared when one is a real; a `CachedClient`
/// prepares every query, to keep it. The server says which, as the statement runs.
#[test]
fn postgres_a_plain_client_runs_a_query_of_integers_and_text_unprepared() {
    use common::{PREPARED_NOW, PreparedNow, PreparedNowPart};
    let Some(mut client) = postgres_server::isolated() else { return };
    client.batch_execute(PREPARED_NOW).unwrap();
    let (seen, log) = capture(|| PreparedNow::query().all(&mut client).unwrap());
    assert_eq!(seen.iter().map(|row| (**row).clone()).collect::<Vec<_>>(), [PreparedNow::row(0)]);
    assert_eq!(
        log.sql(),
        [
            r#"SELECT t0."id", t0."name", t0."day", t0."weight", t0."statements" FROM "prepared_now" t0"#
        ]
    );
    let mut prepared_while = |query: eagerly::Query<PreparedNow>| {
        let rows = query.all(&mut client).unwrap();
        assert_eq!(rows.len(), 1);
        rows[0].statements
    };
    let query = PreparedNow::query;
    assert_eq!(prepared_while(query().filter(PreparedNow::id.eq(1))), 0, "an integer");
    assert_eq!(prepared_while(query().filter(PreparedNow::id.is_in([1, 2]))), 0, "a list");
    assert_eq!(prepared_while(query().filter(PreparedNow::name.eq("now"))), 0, "text");
    assert_eq!(prepared_while(query().filter(PreparedNow::name.icontains("O"))), 0, "a pattern");
    assert_eq!(prepared_while(query().filter(PreparedNow::day.eq("2024-02-29"))), 0, "a date");
    assert_eq!(prepared_while(query().limit(1).offset(0)), 0, "a limit and an offset");
    assert_eq!(prepared_while(query().filter(PreparedNow::weight.gt(1.0))), 1, "a real");

    let (loaded, log) =
        capture(|| PreparedNow::query().prefetch(PreparedNow::parts).all(&mut client).unwrap());
    assert_eq!(loaded[0].statements, 0);
    assert_eq!(
        loaded[0].parts().iter().map(|part| (**part).clone()).collect::<Vec<_>>(),
        [PreparedNowPart { id: 1, owner_id: 1, statements: 0 }],
        "the batch's keys, a list of integers"
    );
    assert_eq!(
        log.sql()[1],
        r#"SELECT t0."id", t0."owner_id", t0."statements" FROM "prepared_now_part" t0 WHERE t0."owner_id" = ANY($1) ORDER BY t0."owner_id" ASC, t0."id" ASC"#
    );

    let mut cached = eagerly::CachedClient::new(client);
    assert_eq!(PreparedNow::query().all(&mut cached).unwrap()[0].statements, 1);
    assert_eq!(PreparedNow::query().all(&mut cached).unwrap()[0].statements, 1, "kept");
    let by_id = || PreparedNow::query().filter(PreparedNow::id.eq(1));
    assert_eq!(by_id().all(&mut cached).unwrap()[0].statements, 2);
}

/// PostgreSQL only: on a plain client, writes of integers and text run unprepared too (an
/// insert, an update and a delete by key, an update of the rows a query selects), and the
/// rows they changed are counted as when prepared; a `CachedClient` prepares them. A
/// trigger writes what the server says into the row as the statement runs.
#[test]
fn postgres_a_plain_client_writes_integers_and_text_unprepared() {
    use common::{NewPreparedNowWritten, PREPARED_NOW_WRITTEN, PreparedNowWritten};
    let Some(mut client) = postgres_server::isolated() else { return };
    client.batch_execute(PREPARED_NOW_WRITTEN).unwrap();
    let new = || NewPreparedNowWritten { name: "a".into(), statements: -1 };
    let mut row = new().insert(&mut client).unwrap();
    assert_eq!((row.id, row.name.as_str(), row.statements), (1, "a", 0), "an insert");
    row.name = "b".into();
    row.update(&mut client).unwrap();
    let stored = |client: &mut postgres::Client| {
        (*PreparedNowWritten::query().get(client, 1).unwrap()).clone()
    };
    let b = PreparedNowWritten { id: 1, name: "b".into(), statements: 0 };
    assert_eq!(stored(&mut client), b, "an update");
    let named_b = PreparedNowWritten::query().filter(PreparedNowWritten::name.eq("b"));
    let changed = named_b.update(&mut client, [PreparedNowWritten::name.set("c")]).unwrap();
    assert_eq!(changed, 1, "the rows an update changed, counted");
    assert_eq!(stored(&mut client), PreparedNowWritten { name: "c".into(), ..b });
    row.delete(&mut client).unwrap();
    assert!(matches!(
        row.delete(&mut client),
        Err(Error::NotFound { table: "prepared_now_written" })
    ));
    assert!(matches!(row.update(&mut client), Err(Error::NotFound { .. })), "no row changed");

    // A statement that runs again in the call is prepared then, and parsed no more: the
    // first chunk of 1,000 rows runs unprepared, the second prepared (and so counted,
    // until the call ends), the last, shorter, unprepared.
    let rows = (0..2_500).map(|i| NewPreparedNowWritten { name: format!("{i}"), statements: -1 });
    let stored = PreparedNowWritten::insert_all(&mut client, rows).unwrap();
    let by_chunk: Vec<i64> = stored.chunks(1_000).map(|chunk| chunk[0].statements).collect();
    assert_eq!(by_chunk, [0, 1, 1]);
    assert!(
        stored.chunks(1_000).all(|chunk| chunk.iter().all(|r| r.statements == chunk[0].statements))
    );

    let mut cached = eagerly::CachedClient::new(client);
    assert_eq!(new().insert(&mut cached).unwrap().statements, 1);
}

/// PostgreSQL only: `insert_all` sends as many rows per statement as the parameter limit
/// allows, up to 1,000, and gives back every stored row in order.
#[test]
fn postgres_insert_all_sends_rows_in_chunks() {
    let Some(mut client) = postgres_server::isolated() else { return };
    common::create_seed_tables(&mut client);
    let tags = (1..=2_500).map(|i| NewTag { name: format!("tag {i}") });
    let (stored, log) = capture(|| Tag::insert_all(&mut client, tags));
    let stored = stored.unwrap();
    assert_eq!(stored.len(), 2_500);
    assert!(
        stored
            .iter()
            .enumerate()
            .all(|(i, t)| t.id == i as i64 + 1 && t.name == format!("tag {}", i + 1))
    );
    let inserted: Vec<usize> =
        log.records().iter().filter(|r| r.sql.starts_with("INSERT")).map(|r| r.rows).collect();
    assert_eq!(inserted, [1_000, 1_000, 500]);
    assert_eq!(log.records()[1].params.len(), 1_000);
    assert!(
        log.sql()[1].ends_with(r#"($999), ($1000) RETURNING "id", "name""#),
        "{}",
        &log.sql()[1][log.sql()[1].len() - 60..]
    );
    assert_eq!(Tag::query().count(&mut client).unwrap(), 2_500);
}
