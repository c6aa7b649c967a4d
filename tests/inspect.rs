//! The inspector: each detector fires on the bad form and stays silent on the good form.
//! Captures, `assert_queries!`, `forbid_queries`, the N+1, duplicate and unused-load
//! detectors run on SQLite and on PostgreSQL (`on_every_backend!`, `common/mod.rs`); the
//! scan detector reads each backend's own plans, so SQLite's are tested here and
//! PostgreSQL's in `backends.rs`.

#[macro_use]
mod common;
#[path = "common/postgres.rs"]
mod postgres_server;

use common::*;
use eagerly::inspect::ScanKind;
use eagerly::rusqlite::Connection;
use eagerly::{Executor, Inspector, Model};

on_every_backend!(
    records_carry_the_callers_line_also_for_batched_statements,
    assert_queries_passes_on_the_count_and_lists_every_query_otherwise,
    a_forbidden_query_is_an_error_naming_it_and_its_line,
    an_explicit_loop_is_an_n_plus_one_with_the_exact_fix,
    counts_lookups_and_links_in_loops_get_their_fix_too,
    loads_nobody_reads_are_reported,
    repeated_reads_that_are_no_loop_are_no_n_plus_one,
);
on_every_backend!(setup = crate::common::nothing; assert_queries_lets_question_marks_leave_the_function);

/// Books whose title is indexed, to compare with `Book` (title not indexed).
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Shelf {
    #[model(primary_key)]
    pub id: i64,
    #[model(index)]
    pub title: String,
}

/// The seed's data plus 500 more books (by author 3) and 500 shelves: enough rows for
/// scans to matter.
fn big_db() -> Connection {
    let conn = seeded_db();
    eagerly::create_tables(&conn, &[Shelf::TABLE]).unwrap();
    conn.execute_batch(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
         INSERT INTO books (title, author_id) SELECT 'the volume ' || i, 3 FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
         INSERT INTO shelf (title) SELECT 'the volume ' || i FROM n;",
    )
    .unwrap();
    conn
}

fn records_carry_the_callers_line_also_for_batched_statements<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (first, log) = eagerly::capture(|| {
        let first = line!() + 1;
        Author::query().prefetch(Author::books).all(&mut *db).unwrap();
        Book::query().count(&mut *db).unwrap();
        Publisher::get(&mut *db, 1).unwrap();
        NewTag { name: "new".into() }.insert(&mut *db).unwrap();
        first
    });
    let lines: Vec<(u32, &str)> =
        log.records().iter().map(|r| (r.location.line(), r.location.file())).collect();
    let file = "tests/inspect.rs";
    assert_eq!(
        lines,
        [(first, file), (first, file), (first + 1, file), (first + 2, file), (first + 3, file)]
    );
}

fn assert_queries_passes_on_the_count_and_lists_every_query_otherwise<C: ?Sized>(
    db: &mut C,
    backend: Backend,
) where
    for<'a> &'a mut C: Executor,
{
    let authors = eagerly::assert_queries!(2, {
        Author::query().prefetch(Author::books).all(&mut *db).unwrap()
    });
    assert_eq!(authors.len(), 3);

    let failure = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        eagerly::assert_queries!(1, {
            for author in Author::query().all(&mut *db).unwrap() {
                Book::query().filter(Book::author_id.eq(author.id)).count(&mut *db).unwrap();
            }
        })
    }))
    .unwrap_err();
    let message = failure.downcast_ref::<String>().unwrap();
    assert!(message.starts_with("expected 1 queries, 4 ran:\n"), "{message}");
    assert!(message.contains(r#"  1. [3 rows, "#), "{message}");
    let count = backend.sql(r#"SELECT COUNT(*) FROM "books" t0 WHERE t0."author_id" = ?"#);
    let third = format!("] {count} -- [3] (at tests/inspect.rs:");
    assert!(message.contains(&third), "{message}");
    assert_eq!(message.matches("\n").count(), 5, "a line per query: {message}");
}

fn assert_queries_lets_question_marks_leave_the_function<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    fn load(db: impl Executor) -> eagerly::Result<usize> {
        let authors = eagerly::assert_queries!(1, { Author::query().all(db)? });
        Ok(authors.len())
    }
    assert!(load(&mut *db).is_err(), "no tables yet: the error, not a panic about the count");
    seeded(db);
    assert_eq!(load(&mut *db).unwrap(), 3);
}

fn a_forbidden_query_is_an_error_naming_it_and_its_line<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let authors = Author::query().prefetch(Author::books).all(&mut *db).unwrap();
    let (rendered, log) = eagerly::capture(|| {
        eagerly::forbid_queries(|| {
            let lines: Vec<String> =
                authors.iter().map(|a| format!("{}: {}", a.name, a.books().len())).collect();
            let (sneaky, line) = (Book::query().count(&mut *db), line!());
            (lines, (sneaky, line))
        })
    });
    let (lines, (sneaky, line)) = rendered;
    assert_eq!(lines.len(), 3);
    match sneaky {
        Err(eagerly::Error::QueryForbidden { sql, location }) => {
            assert_eq!(sql, r#"SELECT COUNT(*) FROM "books" t0"#);
            assert_eq!(location.line(), line);
        }
        other => panic!("expected QueryForbidden, got {other:?}"),
    }
    assert!(log.is_empty(), "nothing ran");
    assert_eq!(Book::query().count(&mut *db).unwrap(), 6, "allowed again after the scope");
}

fn an_explicit_loop_is_an_n_plus_one_with_the_exact_fix<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (line, report) = eagerly::inspect(|| {
        let mut line = 0;
        for author in Author::query().all(&mut *db).unwrap() {
            let books = Book::query().filter(Book::author_id.eq(author.id));
            (_, line) = (books.all(&mut *db).unwrap(), line!());
        }
        line
    });
    assert_eq!(report.n_plus_one().len(), 1, "{report}");
    let found = &report.n_plus_one()[0];
    assert_eq!(
        found.sql,
        backend.sql(
            r#"SELECT t0."id", t0."title", t0."author_id" FROM "books" t0 WHERE t0."author_id" = ?"#
        )
    );
    assert_eq!((found.count, found.location.line()), (3, line));
    assert_eq!(
        found.fix.as_deref(),
        Some("add `.prefetch(Author::books)` to the query that loads the `Author` rows")
    );
    assert_eq!((found.rows_of, found.repeated), ("Author", 0));
    // Its runs are part of the finding, not also "similar".
    assert!(report.similar().is_empty() && report.duplicates().is_empty(), "{report}");

    // The good form: two statements, nothing to report.
    let (_, report) = eagerly::inspect(|| {
        let authors = Author::query().prefetch(Author::books).all(&mut *db).unwrap();
        authors.iter().map(|a| a.books().len()).sum::<usize>()
    });
    assert!(report.is_clean(), "{report}");
    assert!(report.n_plus_one().is_empty() && report.similar().is_empty());
}

fn counts_lookups_and_links_in_loops_get_their_fix_too<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let ((), report) = eagerly::inspect(|| {
        for author in Author::query().all(&mut *db).unwrap() {
            Book::query().filter(Book::author_id.eq(author.id)).count(&mut *db).unwrap();
            if let Some(publisher) = author.publisher_id {
                Publisher::get(&mut *db, publisher).unwrap();
            }
        }
        for book in Book::query().all(&mut *db).unwrap() {
            BookTag::query().filter(BookTag::book_id.eq(book.id)).all(&mut *db).unwrap();
        }
    });
    let fixes: Vec<(usize, Option<&str>)> =
        report.n_plus_one().iter().map(|n| (n.count, n.fix.as_deref())).collect();
    assert_eq!(
        fixes,
        [
            (3, Some("add `.with_count(Author::books)` to the query that loads the `Author` rows")),
            (
                2,
                Some(
                    "add `.select_related(Author::publisher)` (or `.prefetch(..)` of it) to the query that loads the `Author` rows"
                )
            ),
            (6, Some("add `.prefetch(Book::tags)` to the query that loads the `Book` rows")),
        ]
    );
    // The same publisher twice, with the same key: counted in the loop's finding, not
    // again as a duplicate.
    assert_eq!(report.n_plus_one()[1].repeated, 1);
    assert!(report.duplicates().is_empty(), "{report}");

    // Fewer repeats than the threshold: silent.
    let ((), report) = Inspector::new().repeats(4).run(|| {
        for author in Author::query().all(&mut *db).unwrap() {
            Book::query().filter(Book::author_id.eq(author.id)).count(&mut *db).unwrap();
        }
    });
    assert!(report.n_plus_one().is_empty(), "{report}");
}

#[test]
fn a_filter_on_an_unindexed_column_is_a_scan_to_index() {
    let conn = big_db();
    let ((_, line), report) = eagerly::inspect(|| {
        (Book::query().filter(Book::title.eq("the volume 7")).all(&conn).unwrap(), line!())
    });
    assert_eq!(report.scans().len(), 1, "{report}");
    let scan = &report.scans()[0];
    assert_eq!((scan.kind, scan.table, scan.location.line()), (ScanKind::FullScan, "books", line));
    assert_eq!(scan.rows, 505, "506 rows: a scan steps forward 505 times");
    assert_eq!(scan.advice, "add `#[model(index)]` to `Book::title`");
    let plan = report.log().records()[0].plan.as_ref().unwrap();
    assert_eq!(plan, &["SCAN t0"]);

    // Indexed: SQLite searches the index, nothing to report.
    let (_, report) = eagerly::inspect(|| {
        Shelf::query().filter(Shelf::title.eq("the volume 7")).all(&conn).unwrap()
    });
    assert!(report.is_clean(), "{report}");
    assert_eq!(
        report.log().records()[0].plan.as_ref().unwrap(),
        &["SEARCH t0 USING COVERING INDEX shelf_title_idx (title=?)"]
    );
}

#[test]
fn an_index_does_not_help_contains_but_helps_starts_with() {
    let conn = big_db();
    // `icontains("VOLUME 77")` is `instr(lower(title), 'volume 77') > 0`: a scan even
    // though `title` is indexed.
    let (rows, report) = eagerly::inspect(|| {
        Shelf::query().filter(Shelf::title.icontains("VOLUME 77")).all(&conn).unwrap()
    });
    assert_eq!(rows.len(), 1);
    assert_eq!(report.log().records()[0].plan.as_ref().unwrap(), &["SCAN t0"]);
    assert_eq!(report.scans().len(), 1, "{report}");
    assert_eq!(
        report.scans()[0].advice,
        "no index can find `Shelf::title` values by what they contain or end with: match a prefix (`starts_with`), or search text with SQLite's FTS5"
    );

    // `starts_with` is `GLOB 'the volume 1*'`: the ordinary index serves it.
    let (rows, report) = eagerly::inspect(|| {
        Shelf::query().filter(Shelf::title.starts_with("the volume 1")).all(&conn).unwrap()
    });
    assert_eq!(rows.len(), 111);
    assert_eq!(
        report.log().records()[0].plan.as_ref().unwrap(),
        &["SEARCH t0 USING COVERING INDEX shelf_title_idx (title>? AND title<?)"]
    );
    assert!(report.is_clean(), "{report}");

    // `istarts_with` compares `lower(title)`, which an ordinary index cannot serve.
    let (_, report) = eagerly::inspect(|| {
        Shelf::query().filter(Shelf::title.istarts_with("THE volume 1")).all(&conn).unwrap()
    });
    assert_eq!(report.scans().len(), 1, "{report}");
    assert!(
        report.scans()[0]
            .advice
            .starts_with("an ordinary index does not serve a case-insensitive match")
    );

    // A filter that keeps most rows: the scan is the cheapest plan, and said so.
    let (rows, report) = eagerly::inspect(|| {
        Shelf::query().filter(Shelf::title.icontains("the")).all(&conn).unwrap()
    });
    assert_eq!(rows.len(), 500);
    assert_eq!(report.scans()[0].kind, ScanKind::MostOfTable);
    assert!(report.scans()[0].advice.contains("an index would not help"), "{report}");
    assert!(report.is_clean(), "{report}");
    assert!(report.to_string().contains("nothing to fix"), "{report}");
}

#[test]
fn sorting_without_an_index_is_reported() {
    let conn = big_db();
    let inspector = Inspector::new().sorted_rows(100);
    let (_, report) =
        inspector.run(|| Book::query().order_by(Book::title.asc()).all(&conn).unwrap());
    assert_eq!(report.scans().len(), 1, "{report}");
    assert_eq!((report.scans()[0].kind, report.scans()[0].rows), (ScanKind::Sort, 506));
    assert_eq!(
        report.scans()[0].advice,
        "add `#[model(index)]` to `Book::title`, so that rows can be read in order instead of sorted"
    );
    // A limit keeps two rows of the 506 sorted: the sort is as large.
    let (_, report) =
        inspector.run(|| Book::query().order_by(Book::title.asc()).limit(2).all(&conn).unwrap());
    assert_eq!((report.scans()[0].kind, report.scans()[0].rows), (ScanKind::Sort, 506));
    // Sorted after finding the rows by an index: the index to add leads with its column.
    let (_, report) = inspector.run(|| {
        let by_author = Book::query().filter(Book::author_id.eq(3));
        by_author.order_by(Book::title.asc()).limit(2).all(&conn).unwrap()
    });
    assert_eq!(report.scans()[0].rows, 500, "{report}");
    assert_eq!(
        report.scans()[0].advice,
        "add `#[model(index(author_id, title))]` to `Book`, so that the rows it finds come in order instead of sorted"
    );
    // Below the default threshold of 1,000 rows sorted: nothing to fix.
    let (_, report) =
        eagerly::inspect(|| Book::query().order_by(Book::title.asc()).all(&conn).unwrap());
    assert!(report.is_clean(), "{report}");
    let (_, report) =
        inspector.run(|| Shelf::query().order_by(Shelf::title.asc()).all(&conn).unwrap());
    assert!(report.is_clean(), "{report}");
    // Few rows: sorting them is nothing to fix.
    let (_, report) = eagerly::inspect(|| {
        Tag::query().order_by(Tag::id.desc()).order_by(Tag::name.asc()).all(&conn).unwrap()
    });
    assert!(report.scans().is_empty(), "{report}");
}

#[test]
fn an_automatic_index_is_reported() {
    // A schema made elsewhere, where `author.id` has no index: the JOIN builds one per run.
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE author (id INTEGER, name TEXT, publisher_id INTEGER);
         CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT, author_id INTEGER);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
         INSERT INTO author SELECT i, 'a' || i, NULL FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
         INSERT INTO books SELECT i, 'b' || i, i FROM n;",
    )
    .unwrap();
    let (books, report) =
        eagerly::inspect(|| Book::query().select_related(Book::author).all(&conn).unwrap());
    assert_eq!(books.len(), 200);
    let automatic: Vec<&str> = report
        .scans()
        .iter()
        .filter(|s| s.kind == ScanKind::AutomaticIndex)
        .map(|s| s.advice.as_str())
        .collect();
    assert_eq!(
        automatic,
        [
            "SQLite built a temporary index on `author.id` for this statement: add `#[model(index)]` to `Author::id`"
        ],
        "{report}"
    );
}

/// What the inspector must not call an N+1 or a duplicate, on every backend: a helper
/// called with constants, pages of a table, a read again after a write; and what stays a
/// duplicate: the same read twice with nothing written between.
fn repeated_reads_that_are_no_loop_are_no_n_plus_one<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let ((), report) = eagerly::inspect(|| {
        let total = Book::query().count(&mut *db).unwrap();
        for key in [1, 3] {
            Author::get(&mut *db, key).unwrap();
        }
        for page in 0..total.div_ceil(2) {
            Book::query().limit(2).offset(page * 2).all(&mut *db).unwrap();
        }
        let mut last = 0;
        while let Some(book) = Book::query()
            .filter(Book::id.gt(last))
            .order_by(Book::id.asc())
            .first(&mut *db)
            .unwrap()
        {
            last = book.id;
        }
    });
    assert!(report.n_plus_one().is_empty() && report.duplicates().is_empty(), "{report}");
    assert_eq!(report.similar().len(), 3, "{report}");
    assert!(report.is_clean(), "{report}");

    let ((), report) = eagerly::inspect(|| {
        let before = Author::get(&mut *db, 3).unwrap().into_model();
        Author { name: "Carol Ann Shields".into(), ..before }.update(&mut *db).unwrap();
        Author::get(&mut *db, 3).unwrap();
        Author::get(&mut *db, 3).unwrap();
    });
    assert!(report.n_plus_one().is_empty(), "{report}");
    // The read after the write is new; the one after it repeats it.
    assert_eq!(report.duplicates().len(), 1, "{report}");
    assert_eq!(report.duplicates()[0].count, 2, "{report}");
    assert_eq!(report.duplicates()[0].params, [eagerly::Value::Integer(3)]);
}

fn loads_nobody_reads_are_reported<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (line, report) = eagerly::inspect(|| {
        let query = Author::query()
            .prefetch(Author::books)
            .select_related(Author::publisher)
            .with_count(Author::books);
        let (authors, line) = (query.all(&mut *db).unwrap(), line!());
        // Only the publishers are read.
        assert_eq!(authors.iter().filter(|a| a.publisher().is_some()).count(), 2);
        line
    });
    let unused: Vec<(&str, bool, u32)> =
        report.unused().iter().map(|u| (u.relation, u.count, u.location.line())).collect();
    assert_eq!(unused, [("Author::books", false, line), ("Author::books", true, line)]);
    let text = report.to_string();
    assert!(
        text.contains(&format!(
            "Unused eager loads (2):\n  `Author::books`, loaded at tests/inspect.rs:{line}:"
        )),
        "{text}"
    );
    assert!(text.contains("  the count of `Author::books`, loaded at"), "{text}");

    let (_, report) = eagerly::inspect(|| {
        let authors = Author::query()
            .prefetch(Author::books)
            .with_count(Author::books)
            .all(&mut *db)
            .unwrap();
        authors.iter().map(|a| a.books().len() + a.books_count()).sum::<usize>()
    });
    assert!(report.unused().is_empty(), "{report}");
    // Nested loads are watched as well.
    let (_, report) = eagerly::inspect(|| {
        let authors = Author::query()
            .prefetch_with(Author::books, |b| b.prefetch(Book::tags))
            .all(&mut *db)
            .unwrap();
        authors.iter().map(|a| a.books().len()).sum::<usize>()
    });
    assert_eq!(report.unused().iter().map(|u| u.relation).collect::<Vec<_>>(), ["Book::tags"]);
}

#[test]
fn the_report_reads_at_a_glance() {
    let conn = big_db();
    let (lines, report) = eagerly::inspect(|| {
        let books = (Book::query().all(&conn).unwrap(), line!()).1;
        let mut looked_up = 0;
        for book in Book::query().all(&conn).unwrap() {
            // 506 books, 3 authors: 503 of the lookups repeat an earlier one.
            (_, looked_up) = (Author::get(&conn, book.author_id).unwrap(), line!());
        }
        Book::query().filter(Book::title.icontains("volume 9")).count(&conn).unwrap();
        (books, looked_up)
    });
    let text = report.to_string();
    let shown: Vec<&str> = text.lines().collect();
    // Findings first, each once with its fix; the 505 lookups are one finding and one
    // line of the log; eagerly's own `LIMIT 2` (which tells one row from several) is not
    // shown; values are SQL literals.
    assert!(shown[0].starts_with("eagerly report: 509 queries in "), "{text}");
    assert!(shown[0].ends_with(", 3 things to fix"), "{text}");
    let at = |line: u32| format!("tests/inspect.rs:{line}:");
    assert_eq!(shown[1], "N+1 queries (1):", "{text}");
    assert!(shown[2].starts_with(&format!("  ran 506 times from {}", at(lines.1))), "{text}");
    assert!(
        shown[2].contains(&format!(", once per `Book` row loaded at {}", at(lines.1 - 2))),
        "{text}"
    );
    assert_eq!(
        shown[3],
        r#"    SELECT t0."id", t0."name", t0."publisher_id" FROM "author" t0 WHERE t0."id" = ?"#
    );
    assert_eq!(shown[4], "    (503 of the runs repeated an earlier run's values)");
    assert_eq!(
        shown[5],
        "    fix: add `.select_related(Book::author)` (or `.prefetch(..)` of it) to the query that loads the `Book` rows"
    );
    // The books read twice with nothing written between: the second read could reuse the
    // first.
    assert_eq!(shown[6], "Duplicate queries (1):");
    assert!(shown[7].starts_with(&format!("  ran 2 times, from {}", at(lines.0))), "{text}");
    assert!(shown[7].contains(&format!(", {}", at(lines.1 - 2))), "{text}");
    assert_eq!(shown[9], "    fix: keep the first result");
    assert_eq!(shown[10], "Scans (1):");
    assert!(shown[11].starts_with("  full scan of `books` (505 rows per run) at "), "{text}");
    assert_eq!(
        shown[12],
        r#"    SELECT COUNT(*) FROM "books" t0 WHERE instr(lower(t0."title"), ?) > 0"#
    );
    assert!(shown[13].starts_with("    fix: no index can find `Book::title` values"), "{text}");
    assert_eq!(shown[14], "Statements (509):");
    assert!(shown[15].starts_with("    1. [506 rows, "), "{text}");
    assert!(shown[16].starts_with("    2. [506 rows, "), "{text}");
    assert!(shown[17].starts_with("3-508. 506 times [506 rows, "), "{text}");
    assert!(shown[17].contains(&format!(r#"WHERE t0."id" = ? (at {}"#, at(lines.1))), "{text}");
    assert!(shown[18].starts_with("  509. [1 row, "), "{text}");
    assert!(shown[18].contains(r#"> 0 -- ['volume 9'] (at "#), "{text}");
    assert_eq!(shown.len(), 19, "{text}");
    assert!(!text.contains("LIMIT") && !text.contains("Integer("), "{text}");
}
