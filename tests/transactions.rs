//! Nothing lost, and one snapshot where rows must agree: after any error or panic eagerly
//! leaves the connection as it found it (rolled back, in autocommit mode again if it was),
//! and a load whose statements could contradict each other (a count beside the rows a
//! prefetch loads, a `belongs_to` looked up by batch) never mixes rows from before and
//! after another connection's commit, while a load of `has_many` prefetches alone reads
//! each statement as the database is when it runs, as Django does. On SQLite and on
//! PostgreSQL, except where SQLite's own locking is the subject (a commit or a
//! `CREATE TABLE` refused because another connection reads).

#[macro_use]
mod common;
#[path = "common/postgres.rs"]
mod postgres_server;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use common::*;
use eagerly::rusqlite::Connection;
use eagerly::{Error, Executor, Model};

on_every_backend!(
    setup = crate::common::create_seed_tables;
    a_panic_in_the_callers_iterator_undoes_the_rows_before_it,
    inside_the_callers_transaction_only_the_savepoint_is_undone,
);
on_every_backend!(a_load_of_several_statements_reads_in_one_transaction_that_is_not_in_the_log);
on_every_backend!(setup = crate::common::nothing; a_load_that_fails_halfway_ends_its_read_transaction);

/// A database file in a fresh temporary directory, removed on drop.
struct TempFile {
    dir: std::path::PathBuf,
}

impl TempFile {
    fn new(name: &str) -> TempFile {
        let dir = std::env::temp_dir().join(format!("eagerly-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempFile { dir }
    }

    fn path(&self) -> std::path::PathBuf {
        self.dir.join("db.sqlite")
    }

    /// A connection that gives up at once on a lock, so a busy file fails instead of
    /// waiting.
    fn open(&self) -> Connection {
        let conn = Connection::open(self.path()).unwrap();
        conn.busy_timeout(Duration::ZERO).unwrap();
        conn
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn tag_count(file: &TempFile) -> usize {
    Tag::query().count(&file.open()).unwrap()
}

fn tags(names: &[&str]) -> Vec<NewTag> {
    names.iter().map(|n| NewTag { name: n.to_string() }).collect()
}

#[test]
fn a_commit_refused_by_a_reader_rolls_back_and_the_next_write_persists() {
    let file = TempFile::new("busy-release");
    let writer = file.open();
    eagerly::create_tables(&writer, &[Tag::TABLE]).unwrap();
    // Another connection in a read transaction: in the default journal mode its lock
    // lets the writer insert but not commit.
    let reader = file.open();
    reader.execute_batch("BEGIN").unwrap();
    assert_eq!(Tag::query().count(&reader).unwrap(), 0);

    let (result, log) = eagerly::capture(|| Tag::insert_all(&writer, tags(&["a", "b"])));
    match result {
        Err(Error::Database { table: "tag", sql, source }) => {
            assert_eq!(sql, "RELEASE eagerly");
            assert_eq!(
                source.sqlite().and_then(|e| e.sqlite_error_code()),
                Some(eagerly::rusqlite::ErrorCode::DatabaseBusy)
            );
        }
        other => panic!("expected the release to fail as busy, got {other:?}"),
    }
    assert_eq!(
        log.sql()[3..],
        ["RELEASE eagerly", "ROLLBACK"],
        "the refused release is followed by the rollback"
    );
    assert!(writer.is_autocommit(), "the writer's connection is in autocommit mode again");

    // One statement writing many rows is its own transaction: refused, it leaves nothing
    // open either.
    reader.execute_batch("COMMIT").unwrap();
    Tag::insert_all(&writer, tags(&["x", "y"])).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    assert_eq!(Tag::query().count(&reader).unwrap(), 2);
    let renamed = Tag::query().update(&writer, [Tag::name.set("z")]);
    assert!(matches!(renamed, Err(Error::Database { table: "tag", .. })), "{renamed:?}");
    let deleted = Tag::query().filter(Tag::name.eq("x")).limit(1).delete(&writer);
    assert!(matches!(deleted, Err(Error::Database { table: "tag", .. })), "{deleted:?}");
    assert!(writer.is_autocommit());
    reader.execute_batch("COMMIT").unwrap();
    Tag::query().delete(&writer).unwrap();

    NewTag { name: "after".into() }.insert(&writer).unwrap();
    drop(writer);
    assert_eq!(tag_count(&file), 1, "only the write after the failure, committed");
    assert_eq!(Tag::query().one(&file.open()).unwrap().name, "after");
}

#[test]
fn creating_tables_refused_by_a_reader_rolls_back_too() {
    let file = TempFile::new("busy-create");
    let writer = file.open();
    eagerly::create_tables(&writer, &[Publisher::TABLE]).unwrap();
    let reader = file.open();
    reader.execute_batch("BEGIN").unwrap();
    assert_eq!(Publisher::query().count(&reader).unwrap(), 0);

    let created = eagerly::create_tables(&writer, &[Author::TABLE, Book::TABLE]);
    assert!(matches!(created, Err(Error::Database { .. })), "{created:?}");
    assert!(writer.is_autocommit());
    reader.execute_batch("COMMIT").unwrap();
    eagerly::create_tables(&writer, &[Tag::TABLE]).unwrap();
    drop(writer);
    let tables: Vec<String> = file
        .open()
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(tables, ["publisher", "sqlite_sequence", "tag"], "author and book were undone");
}

/// An iterator that panics when asked for its item number `at`.
fn panicking_after(at: usize) -> impl Iterator<Item = NewTag> {
    (0..).map(move |i| {
        assert!(i < at, "the caller's iterator fails at item {i}");
        NewTag { name: format!("tag {i}") }
    })
}

fn a_panic_in_the_callers_iterator_undoes_the_rows_before_it<C: ?Sized + RawSql>(
    db: &mut C,
    _: Backend,
) where
    for<'a> &'a mut C: Executor,
{
    let panicked = catch_unwind(AssertUnwindSafe(|| Tag::insert_all(&mut *db, panicking_after(5))));
    assert!(panicked.is_err());
    assert!(!db.in_transaction(), "no transaction left open by the panic");
    assert_eq!(Tag::query().count(&mut *db).unwrap(), 0, "the 5 rows before the panic are undone");

    // Outside any transaction, the next write is committed at once.
    NewTag { name: "after".into() }.insert(&mut *db).unwrap();
    assert!(!db.in_transaction());
    assert_eq!(Tag::query().count(&mut *db).unwrap(), 1);
}

fn inside_the_callers_transaction_only_the_savepoint_is_undone<C: ?Sized + Transact>(
    db: &mut C,
    backend: Backend,
) where
    for<'a> &'a mut C: Executor,
{
    let mut tx = db.begin();
    NewTag { name: "mine".into() }.insert(tx.db()).unwrap();

    // A failure: the unique name repeats.
    let (result, log) = eagerly::capture(|| Tag::insert_all(tx.db(), tags(&["x", "mine"])));
    assert!(matches!(result, Err(Error::Database { table: "tag", .. })), "{result:?}");
    let undone: &[&str] = match backend {
        Backend::Sqlite => {
            &["SAVEPOINT eagerly", "INSERT", "INSERT", "ROLLBACK TO eagerly", "RELEASE eagerly"]
        }
        Backend::Postgres => {
            &["SAVEPOINT eagerly", "INSERT", "ROLLBACK TO eagerly", "RELEASE eagerly"]
        }
    };
    let statements: Vec<&str> = log
        .sql()
        .iter()
        .map(|sql| if sql.starts_with("INSERT") { "INSERT" } else { sql })
        .collect();
    assert_eq!(statements, undone);
    // A panic.
    let panicked = catch_unwind(AssertUnwindSafe(|| Tag::insert_all(tx.db(), panicking_after(3))));
    assert!(panicked.is_err());

    let names: Vec<String> =
        Tag::query().all(tx.db()).unwrap().into_iter().map(|t| t.name.clone()).collect();
    assert_eq!(names, ["mine"], "the caller's own write stays, eagerly's are undone");
    tx.commit();
    assert_eq!(Tag::query().count(&mut *db).unwrap(), 1);
}

fn a_load_of_several_statements_reads_in_one_transaction_that_is_not_in_the_log<
    C: ?Sized + RawSql + Transact,
>(
    db: &mut C,
    _: Backend,
) where
    for<'a> &'a mut C: Executor,
{
    let (authors, log) = eagerly::capture(|| {
        Author::query().prefetch(Author::books).with_count(Author::books).all(&mut *db)
    });
    assert_eq!(authors.unwrap().len(), 3);
    assert_eq!(log.len(), 2, "BEGIN and COMMIT read nothing and are not counted");
    assert!(log.sql().iter().all(|sql| sql.starts_with("SELECT")), "{:?}", log.sql());
    assert!(!db.in_transaction(), "the read transaction is over");

    // Inside the caller's transaction, that one is the snapshot: nothing is begun, and the
    // transaction is still the caller's to end.
    let mut tx = db.begin();
    let (authors, log) =
        eagerly::capture(|| Author::query().prefetch(Author::books).all(tx.db()).unwrap());
    assert_eq!(authors.len(), 3);
    assert_eq!(log.len(), 2);
    NewTag { name: "in the caller's transaction".into() }.insert(tx.db()).unwrap();
    tx.rollback();
    assert_eq!(Tag::query().count(&mut *db).unwrap(), 3, "the caller rolled back its own write");
}

fn a_load_that_fails_halfway_ends_its_read_transaction<C: ?Sized + RawSql>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    // The books' table is missing: the authors load, the batch of books fails.
    eagerly::create_tables(&mut *db, &[Publisher::TABLE, Author::TABLE]).unwrap();
    NewAuthor { name: "Ann".into(), publisher_id: None }.insert(&mut *db).unwrap();
    let failed = Author::query().prefetch(Author::books).all(&mut *db);
    assert!(matches!(failed, Err(Error::Database { table: "books", .. })), "{failed:?}");
    assert!(!db.in_transaction());

    // A forbidden load is refused at its first statement that reads rows.
    let forbidden =
        eagerly::forbid_queries(|| Author::query().prefetch(Author::books).all(&mut *db));
    match forbidden {
        Err(Error::QueryForbidden { sql, .. }) => assert!(sql.starts_with("SELECT"), "{sql}"),
        other => panic!("expected QueryForbidden, got {other:?}"),
    }
    assert!(!db.in_transaction());
    // The connection works as before.
    assert_eq!(Author::query().count(&mut *db).unwrap(), 1);
}

/// Parents whose children other connections keep adding and removing while loads run.
mod concurrent {
    use std::sync::atomic::{AtomicBool, Ordering};

    use eagerly::Model;

    use super::*;

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(has_many(children = Child))]
    pub struct Parent {
        #[model(primary_key)]
        pub id: i64,
        pub name: String,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(has_many(toys = Toy))]
    pub struct Child {
        #[model(primary_key)]
        pub id: i64,
        #[model(belongs_to(parent = Parent))]
        pub parent_id: i64,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Toy {
        #[model(primary_key)]
        pub id: i64,
        #[model(belongs_to(child = Child))]
        pub child_id: i64,
    }

    const PARENTS: i64 = 8;
    /// Loads checked; each sees the writers' commits of the one before.
    const LOADS: usize = 300;
    const WRITERS: usize = 2;

    fn open(file: &TempFile) -> Connection {
        let conn = Connection::open(file.path()).unwrap();
        // Writers wait for each other; readers of a WAL file never wait.
        conn.busy_timeout(Duration::from_secs(30)).unwrap();
        conn
    }

    /// Adds a child with a toy to one of its parents and removes another one's oldest
    /// child, each write committed on its own, until told to stop. Each writer has its own
    /// parents, so the writers never remove each other's children.
    fn write_until<C>(mut db: C, stop: &AtomicBool, writer: i64)
    where
        for<'a> &'a mut C: Executor,
    {
        let own: Vec<i64> = (1..=PARENTS).filter(|p| p % WRITERS as i64 == writer).collect();
        let mut turn = 0;
        while !stop.load(Ordering::Relaxed) {
            turn += 1;
            let child = NewChild { parent_id: own[turn % own.len()] }.insert(&mut db).unwrap();
            NewToy { child_id: child.id }.insert(&mut db).unwrap();
            let oldest = Child::query()
                .filter(Child::parent_id.eq(own[(turn * 7 + 1) % own.len()]))
                .order_by(Child::id.asc())
                .first(&mut db)
                .unwrap();
            if let Some(oldest) = oldest {
                Toy::query().filter(Toy::child_id.eq(oldest.id)).delete(&mut db).unwrap();
                oldest.delete(&mut db).unwrap();
            }
        }
    }

    /// Loads on one connection while writers commit on others (each from `open`), checking
    /// that each load's children agree with their counts at every level.
    fn loads_see_one_snapshot<C: Send>(open: impl Fn() -> C + Sync)
    where
        for<'a> &'a mut C: Executor,
    {
        let mut setup = open();
        eagerly::create_tables(&mut setup, &[Parent::TABLE, Child::TABLE, Toy::TABLE]).unwrap();
        Parent::insert_all(&mut setup, (1..=PARENTS).map(|i| NewParent { name: format!("p{i}") }))
            .unwrap();

        let stop = AtomicBool::new(false);
        std::thread::scope(|scope| {
            for writer in 0..WRITERS {
                let (open, stop) = (&open, &stop);
                scope.spawn(move || write_until(open(), stop, writer as i64));
            }
            let mut reader = open();
            let checked = std::panic::catch_unwind(AssertUnwindSafe(|| {
                for load in 0..LOADS {
                    let parents = Parent::query()
                        .prefetch_with(Parent::children, |children| {
                            children.prefetch(Child::toys).with_count(Child::toys)
                        })
                        .with_count(Parent::children)
                        .all(&mut reader)
                        .unwrap();
                    for parent in &parents {
                        assert_eq!(
                            parent.children().len(),
                            parent.children_count(),
                            "load {load}: parent {}'s children and their count",
                            parent.id
                        );
                        for child in parent.children() {
                            assert_eq!(child.toys().len(), child.toys_count(), "load {load}");
                        }
                    }
                }
            }));
            stop.store(true, Ordering::Relaxed);
            if let Err(panic) = checked {
                std::panic::resume_unwind(panic);
            }
        });
    }

    #[test]
    fn a_load_never_mixes_rows_from_before_and_after_a_commit_sqlite() {
        let file = TempFile::new("snapshot");
        open(&file).pragma_update(None, "journal_mode", "WAL").unwrap();
        loads_see_one_snapshot(|| open(&file));
    }

    #[test]
    fn a_load_never_mixes_rows_from_before_and_after_a_commit_postgres() {
        let Some(mut first) = crate::postgres_server::isolated() else { return };
        let schema = crate::postgres_server::schema_of(&mut first);
        let first = std::sync::Mutex::new(Some(first));
        loads_see_one_snapshot(|| {
            let first = first.lock().unwrap().take();
            first.unwrap_or_else(|| crate::postgres_server::connect_to(&schema))
        });
    }
}

/// The transaction each statement of a load runs in, as PostgreSQL itself says (a view
/// whose rows hold `current_setting('transaction_isolation')`): a load of one statement
/// (rows, their JOINs, their counts), or of several that cannot contradict each other
/// (`has_many` prefetches), runs as any statement of the caller's does, with no `BEGIN`
/// and `COMMIT` of its own (two round trips a load saved); a load of several that must
/// agree (a count beside a prefetch, a `belongs_to` by batch) reads one repeatable-read
/// snapshot; inside the caller's transaction, every statement runs in that one.
mod isolation {
    use eagerly::Model;

    #[derive(Model, Debug)]
    #[model(table = "seen_parent", has_many(children = SeenChild, fk = parent_id))]
    pub struct SeenParent {
        #[model(primary_key)]
        pub id: i64,
        pub isolation: String,
    }

    #[derive(Model, Debug)]
    #[model(table = "seen_child")]
    pub struct SeenChild {
        #[model(primary_key)]
        pub id: i64,
        #[model(belongs_to(parent = SeenParent))]
        pub parent_id: i64,
        pub isolation: String,
    }

    const VIEWS: &str = "
        CREATE VIEW seen_parent AS SELECT g::bigint AS id,
            current_setting('transaction_isolation') AS isolation FROM generate_series(1, 2) g;
        CREATE VIEW seen_child AS SELECT g::bigint AS id, g::bigint AS parent_id,
            current_setting('transaction_isolation') AS isolation FROM generate_series(1, 2) g;";

    #[test]
    fn only_a_load_whose_rows_must_agree_begins_a_transaction_on_postgresql() {
        let Some(mut client) = crate::postgres_server::isolated() else { return };
        client.batch_execute(VIEWS).unwrap();
        let committed = "read committed";

        let (parents, log) = eagerly::capture(|| {
            SeenParent::query().with_count(SeenParent::children).all(&mut client).unwrap()
        });
        assert_eq!(log.len(), 1);
        let levels: Vec<&str> = parents.iter().map(|p| p.isolation.as_str()).collect();
        assert_eq!(levels, [committed; 2], "the server's default: no transaction of eagerly's");
        assert_eq!(parents.iter().map(|p| p.children_count()).collect::<Vec<_>>(), [1, 1]);

        let children = SeenChild::query()
            .select_related(SeenChild::parent)
            .order_by(SeenChild::id.asc())
            .all(&mut client)
            .unwrap();
        let levels: Vec<&str> = children
            .iter()
            .flat_map(|c| [c.isolation.as_str(), c.parent().isolation.as_str()])
            .collect();
        assert_eq!(levels, [committed; 4]);
        assert_eq!(SeenParent::get(&mut client, 2).unwrap().isolation, committed);

        // Two statements whose rows cannot contradict each other (each child is found by
        // its parent's key): no transaction either.
        // Each parent's level, then its children's (the rows' types differ by what they load).
        macro_rules! levels {
            ($parents:expr) => {
                $parents
                    .iter()
                    .flat_map(|p| {
                        let children = p.children().iter().map(|c| c.isolation.clone());
                        std::iter::once(p.isolation.clone()).chain(children)
                    })
                    .collect::<Vec<String>>()
            };
        }
        let (parents, log) = eagerly::capture(|| {
            SeenParent::query().prefetch(SeenParent::children).all(&mut client).unwrap()
        });
        assert_eq!(log.len(), 2);
        assert_eq!(levels!(parents), [committed; 4], "two parents, each with its child");

        // Two statements that must agree (a count and the rows counted): one snapshot.
        let (parents, log) = eagerly::capture(|| {
            let children = SeenParent::children;
            SeenParent::query().with_count(children).prefetch(children).all(&mut client).unwrap()
        });
        assert_eq!(log.len(), 2, "BEGIN and COMMIT are not in the log");
        assert_eq!(levels!(parents), ["repeatable read"; 4]);
        assert!(parents.iter().all(|p| p.children_count() == p.children().len()));

        // A `belongs_to` by batch, whose targets the first statement's rows name: the same.
        let children = SeenChild::query().prefetch(SeenChild::parent).all(&mut client).unwrap();
        let levels: Vec<&str> = children
            .iter()
            .flat_map(|c| [c.isolation.as_str(), c.parent().isolation.as_str()])
            .collect();
        assert_eq!(levels, ["repeatable read"; 4]);

        // The caller's transaction is every statement's, whatever its level.
        let mut tx = client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::Serializable)
            .start()
            .unwrap();
        let parents = SeenParent::query().prefetch(SeenParent::children).all(&mut tx).unwrap();
        assert_eq!(parents[0].isolation, "serializable");
        assert_eq!(parents[1].children()[0].isolation, "serializable");
        assert_eq!(SeenChild::get(&mut tx, 1).unwrap().isolation, "serializable");
        tx.rollback().unwrap();
    }
}

/// Another connection commits between a load's first statement and its second
/// (`common::with_a_commit_between`): what each kind of load reads then, on a database
/// file of SQLite's (in WAL mode, where a writer commits while a reader reads) and on
/// PostgreSQL.
mod between {
    use std::sync::{Arc, Mutex};

    use super::*;

    fn each_load_reads_as_its_kind_needs<C>(mut reader: C, writer: C)
    where
        C: RawSql + Send + 'static,
        for<'a> &'a mut C: Executor,
    {
        let writer = Arc::new(Mutex::new(writer));
        let authors = || Author::query().order_by(Author::id.asc());

        // `has_many` alone: each statement reads what is committed when it runs, so a book
        // added between them is there, under its author (the batch found it by its key).
        let late = "INSERT INTO books (id, title, author_id) VALUES (7, 'Late', 1)";
        let (loaded, statements) = with_a_commit_between(&writer, late, || {
            authors().prefetch(Author::books).all(&mut reader).unwrap()
        });
        assert_eq!(statements, 2);
        assert_eq!(ids(loaded[0].books()), [1, 2, 6, 7], "the book committed in between");
        assert!(!reader.in_transaction());

        // A count beside the rows a prefetch loads: one snapshot, so they agree.
        let later = "INSERT INTO books (id, title, author_id) VALUES (8, 'Later', 1)";
        let (loaded, statements) = with_a_commit_between(&writer, later, || {
            authors().with_count(Author::books).prefetch(Author::books).all(&mut reader).unwrap()
        });
        assert_eq!(statements, 2, "BEGIN and COMMIT are not counted");
        assert_eq!((loaded[0].books_count(), ids(loaded[0].books())), (4, vec![1, 2, 6, 7]));
        assert!(!reader.in_transaction());

        // A count at a level below: the same.
        let tagged = "INSERT INTO book_tag (book_id, tag_id) VALUES (7, 1)";
        let (loaded, statements) = with_a_commit_between(&writer, tagged, || {
            authors()
                .prefetch_with(Author::books, |books| {
                    books.with_count(Book::tags).prefetch(Book::tags)
                })
                .all(&mut reader)
                .unwrap()
        });
        assert_eq!(statements, 3);
        let late = loaded[0].books().iter().find(|b| b.id == 7).unwrap();
        assert_eq!((late.tags_count(), late.tags().len()), (0, 0), "the tag committed later");

        // A `belongs_to` by batch: the books name authors that must be there, so their
        // author is read from the books' snapshot, though deleted in between.
        let gone = "DELETE FROM book_tag WHERE book_id IN (3, 4, 5);
            DELETE FROM books WHERE author_id = 2; DELETE FROM author WHERE id = 2";
        let (loaded, statements) = with_a_commit_between(&writer, gone, || {
            Book::query()
                .filter(Book::author_id.eq(2))
                .order_by(Book::id.asc())
                .prefetch(Book::author)
                .all(&mut reader)
        });
        let loaded = loaded.unwrap();
        assert_eq!(statements, 2);
        assert_eq!(ids(&loaded), [3, 4, 5]);
        assert!(loaded.iter().all(|book| book.author().name == "Brandon Sanderson"));
        assert!(!reader.in_transaction());
        // Read now, the author is gone with the books.
        assert_eq!(Book::query().filter(Book::author_id.eq(2)).count(&mut reader).unwrap(), 0);
    }

    #[test]
    fn each_load_reads_as_its_kind_needs_sqlite() {
        let file = TempFile::new("between");
        let mut setup = file.open();
        setup.pragma_update(None, "journal_mode", "WAL").unwrap();
        crate::common::create_seed_tables(&mut setup);
        crate::common::seed(&mut setup);
        each_load_reads_as_its_kind_needs(file.open(), file.open());
    }

    #[test]
    fn each_load_reads_as_its_kind_needs_postgres() {
        let Some(mut reader) = crate::postgres_server::isolated() else { return };
        crate::common::create_seed_tables(&mut reader);
        crate::common::seed(&mut reader);
        let writer =
            crate::postgres_server::connect_to(&crate::postgres_server::schema_of(&mut reader));
        each_load_reads_as_its_kind_needs(reader, writer);
    }
}
