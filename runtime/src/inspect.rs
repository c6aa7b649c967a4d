//! The query inspector: runs a block and reports what its statements did wrong, the way
//! django-debug-toolbar and Bullet do: N+1 patterns, duplicate and similar statements,
//! table scans and sorts an index would avoid, and eager loads nobody read.
//!
//! A finding must be right, or the tool gets switched off. So an N+1 is not "a statement
//! run twice from one line" but a loop over rows: while an inspection runs, each
//! statement's shape (`plan::statement`) says which table column each result column reads and which
//! values its equality conditions look up, the driver notes the values the rows held
//! (`log::Returned`), and a repeated statement is an N+1 only when the rows of one earlier
//! query (one statement from one line, run once or in an outer loop) held the values of
//! every run. That query is the one the fix names, and the fix carries the loop's own
//! filter, order and slice, so that it loads what the loop loaded
//! (`tests/inspect_corpus.rs` runs each fix and compares). Duplicates are reads repeated
//! while no write touched their tables; sorts are measured by the rows sorted
//! (the plan step's count or estimate), not the rows returned.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::panic::Location;
use std::sync::Arc;

use crate::value::Value;

use crate::log::{self, Frame, Key, QueryLog, QueryRecord, Returned, Values};
use crate::plan::alias::Alias;
use crate::plan::statement::{LookedUp, PlanStep, Shape, StatementKind, Test};
use crate::schema::Table;
use crate::usage::Usage;

/// Runs `f` and reports what its statements did wrong, with the default thresholds of
/// [`Inspector`].
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let (_, report) = eagerly::inspect(|| {
///     for author in Author::query().all(&conn)? {
///         // One query per author: the N+1 pattern.
///         Book::query().filter(Book::author_id.eq(author.id)).all(&conn)?;
///     }
///     Ok::<_, eagerly::Error>(())
/// });
/// assert_eq!(report.n_plus_one().len(), 1);
/// assert_eq!(report.n_plus_one()[0].fix.as_deref(), Some("add `.prefetch(Author::books)` to the query that loads the `Author` rows"));
/// println!("{report}");
/// # Ok::<(), eagerly::Error>(())
/// ```
pub fn inspect<T>(f: impl FnOnce() -> T) -> (T, Report) {
    Inspector::new().run(f)
}

/// [`inspect`] for a future: its statements are watched on whichever thread polls it.
///
/// ```no_run
/// # use eagerly::__doc::*;
/// # async fn page(client: &mut tokio_postgres::Client) -> eagerly::Result<()> {
/// let (_, report) = eagerly::inspect_async(async {
///     for author in Author::query().all_async(&mut *client).await? {
///         Book::query().filter(Book::author_id.eq(author.id)).all_async(&mut *client).await?;
///     }
///     Ok::<_, eagerly::Error>(())
/// })
/// .await;
/// assert_eq!(report.n_plus_one().len(), 1);
/// # Ok(()) }
/// ```
pub fn inspect_async<F: Future>(future: F) -> impl Future<Output = (F::Output, Report)> {
    Inspector::new().run_async(future)
}

/// Thresholds of an inspection; [`inspect`] uses the defaults.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let (_, report) = eagerly::Inspector::new()
///     .repeats(3)       // N+1: the same statement 3 times from one line
///     .scanned_rows(1)  // scans of tables of 1 row and more
///     .run(|| Book::query().filter(Book::title.eq("Mistborn")).all(&conn));
/// assert_eq!(report.scans()[0].advice, "add `#[model(index)]` to `Book::title`");
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Inspector {
    repeats: usize,
    scanned_rows: u64,
    sorted_rows: u64,
}

impl Default for Inspector {
    fn default() -> Self {
        Inspector { repeats: 2, scanned_rows: 100, sorted_rows: 1000 }
    }
}

impl Inspector {
    /// Defaults: N+1 from 2 repeats, scans from 100 rows, sorts from 1,000 rows (sorting
    /// fewer in memory costs less than reading them).
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let (_, report) = eagerly::Inspector::new().run(|| Author::query().count(&conn));
    /// assert!(report.is_clean());
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// A statement run this many times from one line of the application is an N+1.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let (_, report) = eagerly::Inspector::new().repeats(4).run(|| {
    ///     for author in Author::query().all(&conn)? {
    ///         Book::query().filter(Book::author_id.eq(author.id)).count(&conn)?;
    ///     }
    ///     Ok::<_, eagerly::Error>(())
    /// });
    /// assert!(report.n_plus_one().is_empty(), "3 authors: fewer than 4 repeats");
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn repeats(mut self, times: usize) -> Self {
        self.repeats = times.max(2);
        self
    }

    /// Full scans (and automatic indexes) of at least this many rows per run are reported.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let (_, report) = eagerly::Inspector::new().scanned_rows(1000).run(|| Book::query().filter(Book::title.eq("x")).all(&conn));
    /// assert!(report.scans().is_empty(), "4 books: below the threshold");
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn scanned_rows(mut self, rows: u64) -> Self {
        self.scanned_rows = rows;
        self
    }

    /// Sorts of at least this many rows per run are reported (the rows sorted, however
    /// few a limit keeps).
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let (_, report) = eagerly::Inspector::new().sorted_rows(2).run(|| Book::query().order_by(Book::title.asc()).limit(1).all(&conn));
    /// assert_eq!(report.scans()[0].rows, 4, "4 books sorted to return one");
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn sorted_rows(mut self, rows: u64) -> Self {
        self.sorted_rows = rows;
        self
    }

    /// Runs `f` and reports on its statements.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let (count, report) = eagerly::Inspector::new().run(|| Book::query().count(&conn));
    /// assert_eq!(count?, 4);
    /// assert_eq!(report.log().len(), 1);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn run<T>(&self, f: impl FnOnce() -> T) -> (T, Report) {
        let (value, frame) = log::within(Frame::inspecting(), f);
        let (log, usage) = frame.into_parts();
        (value, self.report(log, &usage))
    }

    /// Runs `future` and reports what its statements did wrong: [`run`](Self::run) for a
    /// future, watching its statements on whichever thread polls it.
    ///
    /// ```no_run
    /// # use eagerly::__doc::*;
    /// # async fn page(client: &mut tokio_postgres::Client) -> eagerly::Result<()> {
    /// let load = Author::query().prefetch(Author::books).all_async(client);
    /// let (authors, report) = eagerly::Inspector::new().repeats(3).run_async(load).await;
    /// assert!(report.n_plus_one().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn run_async<F: Future>(
        &self,
        future: F,
    ) -> impl Future<Output = (F::Output, Report)> + use<F> {
        let inspector = self.clone();
        let inspected = log::within_async(Frame::inspecting(), future);
        async move {
            let (value, frame) = inspected.await;
            let (log, usage) = frame.into_parts();
            (value, inspector.report(log, &usage))
        }
    }

    fn report(&self, log: QueryLog, usage: &[Arc<Usage>]) -> Report {
        let records = log.records();
        let statements = statements(records);
        let loops = loops(records, &statements, self.repeats);
        let in_a_loop = in_loops(records, &loops);
        Report {
            n_plus_one: n_plus_one(records, &loops),
            duplicates: duplicates(records, &in_a_loop),
            similar: similar(records, &in_a_loop),
            scans: scans(records, self.scanned_rows, self.sorted_rows),
            unused: unused(usage),
            log,
        }
    }
}

/// What an inspection found; `Display` renders it for a person.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let (_, report) = eagerly::inspect(|| {
///     let authors = Author::query().prefetch(Author::books).all(&conn)?;
///     Ok::<_, eagerly::Error>(authors.len()) // the books are never read
/// });
/// assert_eq!(report.unused()[0].relation, "Author::books");
/// assert!(!report.is_clean());
/// println!("{report}");
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Report {
    log: QueryLog,
    n_plus_one: Vec<NPlusOne>,
    duplicates: Vec<Duplicate>,
    similar: Vec<Similar>,
    scans: Vec<Scan>,
    unused: Vec<UnusedLoad>,
}

impl Report {
    /// Every statement that ran.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let (_, report) = eagerly::inspect(|| Author::query().all(&conn));
    /// assert_eq!(report.log().len(), 1);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn log(&self) -> &QueryLog {
        &self.log
    }

    /// Statements run again and again from one line of the application.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let (_, report) = eagerly::inspect(|| {
    ///     for book in Book::query().all(&conn)? {
    ///         Author::get(&conn, book.author_id)?;
    ///     }
    ///     Ok::<_, eagerly::Error>(())
    /// });
    /// let found = &report.n_plus_one()[0];
    /// assert_eq!(found.count, 4);
    /// assert_eq!(found.fix.as_deref(), Some("add `.select_related(Book::author)` (or `.prefetch(..)` of it) to the query that loads the `Book` rows"));
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn n_plus_one(&self) -> &[NPlusOne] {
        &self.n_plus_one
    }

    /// Statements run more than once with the same values.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let (_, report) = eagerly::inspect(|| {
    ///     Author::get(&conn, 1)?;
    ///     Author::get(&conn, 1)
    /// });
    /// assert_eq!(report.duplicates()[0].count, 2);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn duplicates(&self) -> &[Duplicate] {
        &self.duplicates
    }

    /// Statements run more than once with different values.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let (_, report) = eagerly::inspect(|| {
    ///     Author::get(&conn, 1)?;
    ///     Author::get(&conn, 2)
    /// });
    /// assert_eq!(report.similar()[0].count, 2);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn similar(&self) -> &[Similar] {
        &self.similar
    }

    /// Scans, sorts and automatic indexes a permanent index would avoid.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let (_, report) = eagerly::Inspector::new().scanned_rows(1).run(|| Book::query().filter(Book::title.icontains("rust")).all(&conn));
    /// assert_eq!(report.scans()[0].kind, eagerly::inspect::ScanKind::FullScan);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn scans(&self) -> &[Scan] {
        &self.scans
    }

    /// Relations (and counts) loaded but not read by the end of the block.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let (_, report) = eagerly::inspect(|| Author::query().with_count(Author::books).all(&conn));
    /// assert!(report.unused()[0].count);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn unused(&self) -> &[UnusedLoad] {
        &self.unused
    }

    /// Whether nothing needs attention (similar statements alone do not).
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let (_, report) = eagerly::inspect(|| {
    ///     let authors = Author::query().prefetch(Author::books).all(&conn)?;
    ///     Ok::<_, eagerly::Error>(authors.iter().map(|a| a.books().len()).sum::<usize>())
    /// });
    /// assert!(report.is_clean(), "{report}");
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn is_clean(&self) -> bool {
        self.to_fix() == 0
    }

    /// The number of findings to fix: N+1s, duplicates, scans an index would spare, unused
    /// loads.
    fn to_fix(&self) -> usize {
        self.n_plus_one.len()
            + self.duplicates.len()
            + self.scans.iter().filter(|s| s.kind.is_to_fix()).count()
            + self.unused.len()
    }
}

/// A statement run `count` times from one line: one per row of an earlier query.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let (_, report) = eagerly::inspect(|| {
///     for author in Author::query().all(&conn)? {
///         Book::query().filter(Book::author_id.eq(author.id)).all(&conn)?;
///     }
///     Ok::<_, eagerly::Error>(())
/// });
/// let found = &report.n_plus_one()[0];
/// assert_eq!((found.count, found.location.file()), (3, file!()));
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct NPlusOne {
    /// The statement (its values aside).
    pub sql: String,
    /// How many times it ran.
    pub count: usize,
    /// The line that ran it.
    pub location: &'static Location<'static>,
    /// The model of the rows whose values the loop looked up (`Author` for a loop over
    /// authors).
    pub rows_of: &'static str,
    /// The line of the query that loaded those rows.
    pub fed_by: &'static Location<'static>,
    /// Runs that repeated the values of an earlier run (a duplicate inside the loop).
    pub repeated: usize,
    /// What to change, where eagerly knows the relation: a load of the same rows.
    pub fix: Option<String>,
}

/// A statement run `count` times with the same values: its result could be kept.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let (_, report) = eagerly::inspect(|| (Tag::get(&conn, 1), Tag::get(&conn, 1)));
/// let duplicate = &report.duplicates()[0];
/// // The key (the `LIMIT 2` with which `get` checks that one row matches is eagerly's own:
/// // neither shown nor listed).
/// use eagerly::Value;
/// assert_eq!(duplicate.params, [Value::Integer(1)]);
/// assert!(!duplicate.sql.contains("LIMIT"));
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Duplicate {
    /// The statement.
    pub sql: String,
    /// Its values.
    pub params: Vec<Value>,
    /// How many times it ran.
    pub count: usize,
    /// The lines that ran it.
    pub locations: Vec<&'static Location<'static>>,
}

/// A statement run `count` times with different values.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let (_, report) = eagerly::inspect(|| (Tag::get(&conn, 1), Tag::get(&conn, 2)));
/// let similar = &report.similar()[0];
/// assert_eq!((similar.count, similar.locations.len()), (2, 2)); // two calls, two places
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Similar {
    /// The statement (its values aside).
    pub sql: String,
    /// How many times it ran.
    pub count: usize,
    /// The lines that ran it.
    pub locations: Vec<&'static Location<'static>>,
}

/// Work SQLite did that an index would spare it.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let (_, report) = eagerly::Inspector::new().scanned_rows(1).run(|| Book::query().filter(Book::year.eq(2006)).all(&conn));
/// let scan = &report.scans()[0];
/// assert_eq!((scan.table, scan.rows), ("book", 3));
/// assert_eq!(scan.advice, "add `#[model(index)]` to `Book::year`");
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Scan {
    /// What SQLite did.
    pub kind: ScanKind,
    /// The table.
    pub table: &'static str,
    /// Rows per run: stepped through in a full scan (`SQLITE_STMTSTATUS_FULLSCAN_STEP`, or
    /// PostgreSQL's table size), or sorted.
    pub rows: u64,
    /// The statement.
    pub sql: String,
    /// The line that ran it.
    pub location: &'static Location<'static>,
    /// What to change.
    pub advice: String,
}

/// What SQLite did, in [`Scan`].
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let (_, report) = eagerly::Inspector::new().sorted_rows(1).run(|| Book::query().order_by(Book::title.asc()).all(&conn));
/// assert_eq!(report.scans()[0].kind, eagerly::inspect::ScanKind::Sort);
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScanKind {
    /// Read the whole table to find the rows a filter wants.
    FullScan,
    /// Sorted the rows in a temporary B-tree for `ORDER BY`.
    Sort,
    /// Built a temporary index for the statement.
    AutomaticIndex,
    /// Read the whole table for a filter that keeps most of its rows (three quarters or
    /// more): no index would read fewer. Reported so that the scan is known, not as
    /// something to fix.
    MostOfTable,
}

impl ScanKind {
    /// Whether an index (or another change) would spare the work.
    ///
    /// ```
    /// use eagerly::inspect::ScanKind;
    /// assert!(ScanKind::FullScan.is_to_fix());
    /// assert!(!ScanKind::MostOfTable.is_to_fix());
    /// ```
    pub fn is_to_fix(self) -> bool {
        self != ScanKind::MostOfTable
    }
}

/// A relation (or count) loaded by a query and never read.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let (_, report) = eagerly::inspect(|| Book::query().select_related(Book::author).all(&conn));
/// let unused = &report.unused()[0];
/// assert_eq!((unused.relation, unused.count), ("Book::author", false));
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UnusedLoad {
    /// The relation, as `Author::books`.
    pub relation: &'static str,
    /// Its count (`with_count`) rather than its rows.
    pub count: bool,
    /// The line of the query that loaded it.
    pub location: &'static Location<'static>,
}

/// The statement without the number of values of its `IN` lists, so that runs with
/// lists of different lengths count as the same statement.
fn normalized(sql: &str) -> String {
    let single = sql.replace("IN (?)", "IN (?, ?)");
    let mut out = String::with_capacity(sql.len());
    let mut rest = single.as_str();
    while let Some(start) = rest.find("?, ?") {
        out.push_str(&rest[..start]);
        out.push_str("?, ...");
        rest = rest[start..].trim_start_matches(['?', ',', ' ']);
        if !rest.starts_with(')') {
            out.push(' ');
        }
    }
    out.push_str(rest);
    out
}

fn is_read(shape: &Shape) -> bool {
    matches!(
        shape.kind,
        StatementKind::Select
            | StatementKind::Count
            | StatementKind::Exists
            | StatementKind::Batch(_)
    )
}

fn shape(record: &QueryRecord) -> Option<&Shape> {
    record.shape.as_deref()
}

/// A statement run again and again from one line, each run looking rows up by values an
/// earlier query's rows held: the rows of one query feeding a loop of others.
struct Loop<'r> {
    /// Indices of the runs in the log.
    runs: Vec<usize>,
    /// The record whose rows fed the loop.
    fed_by: &'r QueryRecord,
    /// The column of those rows the loop's values came from.
    returned: &'r Returned,
    /// The condition of the loop's statement those values went to.
    looked_up: &'r LookedUp,
    /// The load that replaces the loop, where eagerly knows one ([`fix`]).
    fix: Option<String>,
}

/// Each record's statement, as a number: the records of one statement (the same SQL,
/// lists of any length, from one line) share it.
fn statements(records: &[QueryRecord]) -> Vec<usize> {
    let mut seen: HashMap<(String, &'static Location<'static>), usize> = HashMap::new();
    records
        .iter()
        .map(|record| {
            let next = seen.len();
            *seen.entry((normalized(&record.sql), record.location)).or_insert(next)
        })
        .collect()
}

/// The statements run `repeats` times or more from one line whose values came from an
/// earlier query's rows. A statement repeated with values of no earlier row (a helper
/// called with constants, pages of a table) is not a loop over rows: at most similar.
fn loops<'r>(records: &'r [QueryRecord], statements: &[usize], repeats: usize) -> Vec<Loop<'r>> {
    let mut runs_of: Vec<Vec<usize>> = Vec::new();
    for (index, record) in records.iter().enumerate() {
        if !shape(record).is_some_and(is_read) {
            continue;
        }
        let statement = statements[index];
        if runs_of.len() <= statement {
            runs_of.resize(statement + 1, Vec::new());
        }
        runs_of[statement].push(index);
    }
    let mut found: Vec<Loop> = runs_of
        .into_iter()
        .filter(|runs| runs.len() >= repeats)
        .filter_map(|runs| fed(records, statements, runs))
        .collect();
    // A prefetch inside a loop's query runs once per iteration too, fed by that query's
    // rows, at the same line: the loop's fix (nesting it) covers it.
    let inside_another = |l: &Loop| {
        found.iter().any(|other| {
            other.runs[0] != l.runs[0]
                && other.fed_by.location != l.fed_by.location
                && records[other.runs[0]].location == records[l.runs[0]].location
                && other.runs.iter().any(|&r| std::ptr::eq(&records[r], l.fed_by))
        })
    };
    let folded: Vec<bool> = found.iter().map(inside_another).collect();
    let mut folded = folded.into_iter();
    found.retain(|_| !folded.next().unwrap_or(false));
    found
}

/// An equality condition of a run, and the keys it looks up (`None` where a value is no
/// key: a real, long text).
type KeyedCondition<'r> = (&'r LookedUp, Option<Vec<Key>>);

/// The loop `runs` make, if the rows of one earlier query (one statement from one line,
/// run once or, in an outer loop, many times) held the values every run looks rows up by:
/// the latest such query.
fn fed<'r>(records: &'r [QueryRecord], statements: &[usize], runs: Vec<usize>) -> Option<Loop<'r>> {
    let first = shape(&records[runs[0]])?;
    // Each run's conditions with the keys they look up, made once: every candidate column
    // of every earlier statement is checked against them.
    let looked_up_by_run: Vec<Vec<KeyedCondition>> = (runs.iter())
        .map(|&run| {
            let conditions = shape(&records[run]).map(|s| &s.looked_up[..]).unwrap_or_default();
            (conditions.iter())
                .map(|l| {
                    let keys: Vec<Key> = l.values.iter().flat_map(Key::of_value).collect();
                    let whole = !keys.is_empty() && keys.len() == l.values.len();
                    (l, whole.then_some(keys))
                })
                .collect()
        })
        .collect();
    // A prefetch nested in itself, one batch per level, is not a loop: a batch's own
    // returned rows do not feed it.
    let batches = matches!(first.kind, StatementKind::Batch(_));
    let looped = statements[runs[0]];
    let mut tried: HashSet<usize> = HashSet::new();
    for (at, earlier) in records[..runs[0]].iter().enumerate().rev() {
        let statement = statements[at];
        if earlier.returned.is_empty() || statement == looped || !tried.insert(statement) {
            continue;
        }
        // Every column of its rows (of all its runs) that held the values: a key may
        // equal a foreign key by chance, so the one a relation links to the loop's column
        // is preferred.
        let mut candidates = Vec::new();
        for (column, returned) in earlier.returned.iter().enumerate() {
            // Where each value first appeared in the column, over the statement's runs,
            // and over the loop's own runs where they return the same column (not for
            // batches): a walk down a tree looks up each level by the keys of the level
            // above.
            let own = (records[runs[0]].returned.iter())
                .position(|r| r.table == returned.table && r.column == returned.column)
                .filter(|_| !batches);
            let mut first_seen: HashMap<&Key, usize> = HashMap::new();
            for (i, record) in records.iter().enumerate() {
                let column = match statements[i] {
                    s if s == statement => Some(column),
                    s if s == looped => own,
                    _ => None,
                };
                let values = column.and_then(|c| record.returned.get(c));
                for key in values.into_iter().flat_map(|c| &c.values) {
                    first_seen.entry(key).or_insert(i);
                }
            }
            let held = |run: usize, key: &Key| first_seen.get(key).is_some_and(|&i| i < run);
            for looked_up in &first.looked_up {
                let every_run = runs.iter().zip(&looked_up_by_run).all(|(&run, conditions)| {
                    conditions.iter().any(|(l, keys)| {
                        l.alias == looked_up.alias
                            && l.column == looked_up.column
                            && keys.as_ref().is_some_and(|keys| keys.iter().all(|k| held(run, k)))
                    })
                });
                if every_run {
                    candidates.push((returned, looked_up));
                }
            }
        }
        let make = |(returned, looked_up)| {
            let mut found =
                Loop { runs: runs.clone(), fed_by: earlier, returned, looked_up, fix: None };
            found.fix = fix(&found, records);
            found
        };
        let linked = candidates.iter().copied().map(make).find(|l| l.fix.is_some());
        if let Some(found) = linked.or_else(|| candidates.first().copied().map(make)) {
            return Some(found);
        }
    }
    None
}

fn n_plus_one(records: &[QueryRecord], loops: &[Loop]) -> Vec<NPlusOne> {
    loops
        .iter()
        .map(|l| {
            let first = &records[l.runs[0]];
            let seen: HashSet<String> =
                l.runs.iter().map(|&run| format!("{:?}", records[run].params)).collect();
            NPlusOne {
                sql: normalized(&as_asked(first).0),
                count: l.runs.len(),
                location: first.location,
                rows_of: l.returned.table.model,
                fed_by: l.fed_by.location,
                repeated: l.runs.len() - seen.len(),
                fix: l.fix.clone(),
            }
        })
        .collect()
}

/// The load that replaces a loop: one that loads the same rows the loop did, for every
/// row of the query that fed it at once.
fn fix(l: &Loop, records: &[QueryRecord]) -> Option<String> {
    let shape = shape(&records[l.runs[0]])?;
    let parent = l.returned.table;
    let table = shape.tables.iter().find(|(alias, _)| *alias == l.looked_up.alias)?.1;
    // Where the load goes: on the query of the rows, or on the JOIN that brought them.
    let joined = (l.fed_by.shape.as_deref())
        .and_then(|s| s.joined.iter().find(|(alias, _)| *alias == l.returned.alias))
        .map(|&(_, relation)| relation);
    let place = |load: &str, aside: &str| match joined {
        None => format!("add `{load}`{aside} to the query that loads the `{}` rows", parent.model),
        Some(join) => format!(
            "load it with the `{}` rows the query at {} joins: write `.select_related_with({join}, |q| q{load})`{aside} where it says `.select_related({join})`",
            parent.model, l.fed_by.location
        ),
    };
    if let StatementKind::Batch(relation) = shape.kind {
        return Some(format!(
            "{} (or pass all those rows to one `eagerly::prefetch(..)` call): one batch for every row, not one per row",
            place(&format!(".prefetch({relation})"), "")
        ));
    }
    let column = l.looked_up.column;
    let single_key = |t: &Table| t.primary_key.len() == 1;
    for relation in parent.relations {
        let (link, target) = ((relation.link)(), (relation.target)());
        if single_key(table)
            && column == table.key_column()
            && target == table
            && link.joined_fk() == Some(l.returned.column)
        {
            let load = format!(".select_related({})", relation.name);
            return Some(place(&load, " (or `.prefetch(..)` of it)"));
        }
        if single_key(parent)
            && l.returned.column == parent.key_column()
            && link.is_batched_as(target, table, column)
        {
            let to_many = link.counted(target).is_some();
            return Some(to_many_fix(relation.name, to_many, shape, table, column, &place));
        }
    }
    None
}

/// The fix of a loop over a has-many, many-to-many or has-one relation: the loop's own
/// filter, order, limit and offset go into `prefetch_with`, so the load gets the rows
/// the loop got; a count or an existence test then reads the loaded rows (`with_count`
/// counts every related row, so it fits only a count without conditions).
fn to_many_fix(
    relation: &str,
    to_many: bool,
    shape: &Shape,
    table: &'static Table,
    column: &str,
    place: &dyn Fn(&str, &str) -> String,
) -> String {
    let mut own: Vec<String> = Vec::new();
    for filtered in shape.filters.iter().filter(|f| f.alias == Alias::Base && f.column != column) {
        let field = format!("`{}::{}`", table.model, field_of(table, filtered.column));
        if !own.contains(&field) {
            own.push(field);
        }
    }
    let order: Vec<String> = (shape.order.iter())
        .filter(|(alias, _)| *alias == Alias::Base)
        .map(|(_, c)| format!("`{}::{}`", table.model, field_of(table, c)))
        .collect();
    let mut closure = String::new();
    let mut keeps = Vec::new();
    if !own.is_empty() {
        closure.push_str(".filter(..)");
        keeps.push(format!("filter on {}", own.join(", ")));
    }
    if !order.is_empty() {
        closure.push_str(".order_by(..)");
        keeps.push(format!("order by {}", order.join(", ")));
    }
    if shape.limit.is_some() {
        closure.push_str(".limit(..)");
        keeps.push("limit".to_string());
    }
    if shape.offset.is_some() {
        closure.push_str(".offset(..)");
        keeps.push("offset".to_string());
    }
    let accessor = relation.rsplit("::").next().unwrap_or(relation);
    let read = match shape.kind {
        StatementKind::Count if to_many => format!(", then count `row.{accessor}().len()`"),
        StatementKind::Exists if to_many => format!(", then test `!row.{accessor}().is_empty()`"),
        StatementKind::Count | StatementKind::Exists => {
            format!(", then test `row.{accessor}().is_some()`")
        }
        _ => String::new(),
    };
    if closure.is_empty() && read.is_empty() {
        return place(&format!(".prefetch({relation})"), "");
    }
    if closure.is_empty() && shape.kind == StatementKind::Count && to_many {
        return place(&format!(".with_count({relation})"), "");
    }
    let load = if closure.is_empty() {
        format!(".prefetch({relation})")
    } else {
        format!(".prefetch_with({relation}, |q| q{closure})")
    };
    let keeps = match keeps.len() {
        0 => String::new(),
        _ => format!(" with the loop's own {}", keeps.join(", ")),
    };
    format!("{}{keeps}{read}", place(&load, ""))
}

/// The statement and its values as the user's code asked for them: without eagerly's
/// probe (the `LIMIT 2` with which `get` and `one` tell one row from several).
fn as_asked(record: &QueryRecord) -> (String, Vec<Value>) {
    let (sql, mut params) = (record.sql.clone(), record.params.clone());
    if shape(record).is_some_and(|s| s.probe) {
        if let Some(at) = sql.rfind(" LIMIT ") {
            let rest = &sql[at + " LIMIT ".len()..];
            if rest == "?" || rest.strip_prefix('$').is_some_and(|n| n.parse::<usize>().is_ok()) {
                params.pop();
                return (sql[..at].to_owned(), params);
            }
        }
    }
    (sql, params)
}

/// For each record, whether it is one of a loop's runs.
fn in_loops(records: &[QueryRecord], loops: &[Loop]) -> Vec<bool> {
    let mut in_a_loop = vec![false; records.len()];
    for run in loops.iter().flat_map(|l| &l.runs) {
        in_a_loop[*run] = true;
    }
    in_a_loop
}

/// Reads run again with the same values while no write changed the tables they read:
/// their result could have been kept. Runs of a loop are counted in its finding.
fn duplicates(records: &[QueryRecord], in_a_loop: &[bool]) -> Vec<Duplicate> {
    let mut writes: HashMap<&'static str, usize> = HashMap::new();
    let mut groups: Vec<(Duplicate, Vec<usize>)> = Vec::new();
    // By the writes seen to its tables, its SQL and its values (as text: a `Value` is no
    // hash key).
    let mut group_of: HashMap<(Vec<usize>, String, String), usize> = HashMap::new();
    for (index, record) in records.iter().enumerate() {
        let Some(shape) = shape(record) else { continue };
        if matches!(
            shape.kind,
            StatementKind::Insert
                | StatementKind::Update
                | StatementKind::Delete
                | StatementKind::Other
        ) {
            for (_, table) in &shape.tables {
                *writes.entry(table.name).or_default() += 1;
            }
            continue;
        }
        if !is_read(shape) {
            continue;
        }
        let seen: Vec<usize> =
            shape.tables.iter().map(|(_, t)| writes.get(t.name).copied().unwrap_or(0)).collect();
        let (sql, params) = as_asked(record);
        let key = (seen, sql, format!("{params:?}"));
        match group_of.get(&key) {
            Some(&group) => {
                let (duplicate, runs) = &mut groups[group];
                duplicate.count += 1;
                runs.push(index);
                if !duplicate.locations.contains(&record.location) {
                    duplicate.locations.push(record.location);
                }
            }
            None => {
                let duplicate = Duplicate {
                    sql: key.1.clone(),
                    params,
                    count: 1,
                    locations: vec![record.location],
                };
                group_of.insert(key, groups.len());
                groups.push((duplicate, vec![index]));
            }
        }
    }
    groups
        .into_iter()
        .filter(|(d, runs)| d.count > 1 && !runs.iter().all(|&r| in_a_loop[r]))
        .map(|(d, _)| d)
        .collect()
}

fn similar(records: &[QueryRecord], in_a_loop: &[bool]) -> Vec<Similar> {
    let mut groups: Vec<(Similar, Vec<&[Value]>)> = Vec::new();
    let mut group_of: HashMap<String, usize> = HashMap::new();
    for (index, record) in records.iter().enumerate() {
        if !shape(record).is_some_and(|s| s.kind.touches_rows()) || in_a_loop[index] {
            continue;
        }
        let sql = normalized(&as_asked(record).0);
        match group_of.get(&sql) {
            Some(&group) => {
                let (similar, params) = &mut groups[group];
                similar.count += 1;
                params.push(&record.params);
                if !similar.locations.contains(&record.location) {
                    similar.locations.push(record.location);
                }
            }
            None => {
                group_of.insert(sql.clone(), groups.len());
                groups.push((
                    Similar { sql, count: 1, locations: vec![record.location] },
                    vec![&record.params],
                ));
            }
        }
    }
    groups
        .into_iter()
        .filter(|(s, params)| s.count > 1 && params.iter().any(|p| *p != params[0]))
        .map(|(s, _)| s)
        .collect()
}

/// The runs of one distinct statement.
struct Runs<'a> {
    first: &'a QueryRecord,
    /// The plan's steps, from the run that explained it.
    steps: Option<&'a [PlanStep]>,
    runs: u64,
    fullscan_steps: u64,
    rows: u64,
}

fn scans(records: &[QueryRecord], threshold: u64, sort_threshold: u64) -> Vec<Scan> {
    let mut statements: Vec<Runs> = Vec::new();
    let mut by_sql: HashMap<&str, usize> = HashMap::new();
    for record in records {
        let index = *by_sql.entry(&record.sql).or_insert_with(|| {
            statements.push(Runs {
                first: record,
                steps: None,
                runs: 0,
                fullscan_steps: 0,
                rows: 0,
            });
            statements.len() - 1
        });
        let runs = &mut statements[index];
        if runs.steps.is_none() && record.plan.is_some() {
            runs.steps = Some(&record.steps);
        }
        runs.runs += 1;
        runs.fullscan_steps += record.counters.fullscan_steps;
        runs.rows += record.rows as u64;
    }
    let mut found = Vec::new();
    for Runs { first: record, steps, runs, fullscan_steps, rows } in statements {
        let (Some(steps), Some(shape)) = (steps, record.shape.as_deref()) else { continue };
        let backend = record.backend;
        let per_run = fullscan_steps / runs.max(1);
        let returned = rows / runs.max(1);
        let scan = |kind, table: &'static Table, advice: String| Scan {
            kind,
            table: table.name,
            rows: per_run,
            sql: record.sql.clone(),
            location: record.location,
            advice,
        };
        let table_of = |alias: &Alias| shape.tables.iter().find(|(a, _)| a == alias).map(|t| t.1);
        for step in steps {
            match step {
                PlanStep::FullScan { alias, rows } => {
                    let Some(table) = table_of(alias) else { continue };
                    let scanned = rows.unwrap_or(per_run);
                    if scanned < threshold {
                        continue;
                    }
                    // The rows of a statement on one table are the rows its filter kept.
                    let single = shape.tables.len() == 1 && shape.kind == StatementKind::Select;
                    // Three quarters and more: an index search then costs more than the scan.
                    let kept_most =
                        single && returned.saturating_mul(4) >= scanned.saturating_mul(3);
                    for filtered in shape.filters.iter().filter(|f| f.alias == *alias) {
                        let test = filtered.test;
                        let Some(advice) = scan_advice(table, filtered.column, test, backend)
                        else {
                            continue;
                        };
                        let found_scan = if kept_most {
                            let percent =
                                ((returned * 100 + scanned / 2) / scanned.max(1)).min(100);
                            let advice = format!(
                                "the filter on `{}::{}` keeps {percent}% of the rows ({returned} of {scanned}): an index would not help, reading the whole table is the cheapest way to get most of it",
                                table.model,
                                field_of(table, filtered.column)
                            );
                            scan(ScanKind::MostOfTable, table, advice)
                        } else {
                            scan(ScanKind::FullScan, table, advice)
                        };
                        found.push(Scan { rows: scanned, ..found_scan });
                    }
                }
                PlanStep::Sort { rows } => {
                    // The rows sorted, not those returned: a limit keeps a few of many.
                    let sorted = rows.unwrap_or(per_run.max(returned));
                    if sorted < sort_threshold {
                        continue;
                    }
                    let Some((alias, column)) = shape.order.first() else { continue };
                    let Some(table) = table_of(alias) else { continue };
                    found.push(Scan {
                        rows: sorted,
                        ..scan(ScanKind::Sort, table, sort_advice(shape, *alias, table, column))
                    });
                }
                PlanStep::TemporaryIndex { alias, column } => {
                    let Some(table) = table_of(alias) else { continue };
                    let advice = format!(
                        "SQLite built a temporary index on `{}.{column}` for this statement: add `#[model(index)]` to `{}::{}`",
                        table.name,
                        table.model,
                        field_of(table, column)
                    );
                    found.push(scan(ScanKind::AutomaticIndex, table, advice));
                }
            }
        }
    }
    found.dedup();
    found
}

/// The index that gives `table`'s rows in the order of `column`: after the columns an
/// equality condition finds them by, if any (`index(genre_id, name)`), so that the rows
/// it finds are already in order.
fn sort_advice(shape: &Shape, alias: Alias, table: &'static Table, column: &str) -> String {
    let mut fields: Vec<String> = Vec::new();
    for filtered in shape.filters.iter().filter(|f| f.alias == alias && f.test == Test::Equal) {
        let field = field_of(table, filtered.column);
        if filtered.column != column && !fields.contains(&field) {
            fields.push(field);
        }
    }
    let order = field_of(table, column);
    if fields.is_empty() {
        return format!(
            "add `#[model(index)]` to `{}::{order}`, so that rows can be read in order instead of sorted",
            table.model
        );
    }
    fields.push(order);
    format!(
        "add `#[model(index({}))]` to `{}`, so that the rows it finds come in order instead of sorted",
        fields.join(", "),
        table.model
    )
}

/// What to do about a full scan of `table` for a condition on `column`; `None` when the
/// condition cannot narrow the scan anyway.
fn scan_advice(
    table: &'static Table,
    column: &str,
    test: Test,
    backend: &'static str,
) -> Option<String> {
    let field = field_of(table, column);
    let model = table.model;
    let indexed = table.indexes().iter().any(|i| table.columns[i.columns[0]].name == column)
        || table.key_column() == column;
    match test {
        Test::Prefix if !indexed && backend == POSTGRES => Some(format!(
            "add `#[model(index)]` to `{model}::{field}` (PostgreSQL serves a prefix match from it under the C collation; under another, create the index with `text_pattern_ops`)"
        )),
        Test::Equal | Test::Range | Test::Prefix if !indexed => {
            Some(format!("add `#[model(index)]` to `{model}::{field}`"))
        }
        Test::IgnoringCase if indexed => Some(format!(
            "an ordinary index does not serve a case-insensitive match on `{model}::{field}`: match case (`eq`, `starts_with`), which its index can serve"
        )),
        Test::IgnoringCase => Some(format!(
            "add `#[model(index)]` to `{model}::{field}` and match case (`eq`, `starts_with`), which an ordinary index can serve"
        )),
        Test::Inside if backend == POSTGRES => Some(format!(
            "no B-tree index can find `{model}::{field}` values by what they contain or end with: match a prefix (`starts_with`), or add a trigram index (`CREATE EXTENSION pg_trgm; CREATE INDEX ON \"{table}\" USING gin (\"{column}\" gin_trgm_ops)`), which serves `LIKE '%x%'`",
            table = table.name
        )),
        Test::Inside => Some(format!(
            "no index can find `{model}::{field}` values by what they contain or end with: match a prefix (`starts_with`), or search text with SQLite's FTS5"
        )),
        _ => None,
    }
}

/// [`QueryRecord::backend`] of PostgreSQL's statements.
const POSTGRES: &str = "PostgreSQL";

/// The Rust field of a column, for advice.
fn field_of(table: &Table, column: &str) -> String {
    table.column(column).map_or_else(|| column.to_string(), |c| c.field.to_string())
}

fn unused(usage: &[Arc<Usage>]) -> Vec<UnusedLoad> {
    let mut found: Vec<UnusedLoad> = Vec::new();
    for usage in usage.iter().filter(|u| !u.was_read()) {
        let load =
            UnusedLoad { relation: usage.relation, count: usage.count, location: usage.location };
        if !found.contains(&load) {
            found.push(load);
        }
    }
    found
}

/// Findings first, each once with its fix; then similar statements (not a problem by
/// themselves), then the statements, a run of one statement from one line folded into
/// one line ([`Report::findings`] leaves them out).
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.findings())?;
        self.fmt_statements(f)
    }
}

/// [`Report::findings`].
struct Findings<'a>(&'a Report);

impl fmt::Display for Findings<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_findings(f)
    }
}

impl Report {
    /// The report without its statements: the findings, each with its fix (and similar
    /// statements), for a log line or a page's footer.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let (_, report) = eagerly::inspect(|| Author::query().prefetch(Author::books).all(&conn));
    /// let text = report.findings().to_string();
    /// assert!(text.starts_with("eagerly report: 2 queries in "));
    /// assert!(text.contains("`Author::books`, loaded at ") && !text.contains("SELECT"));
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn findings(&self) -> impl fmt::Display + '_ {
        Findings(self)
    }

    fn fmt_findings(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let findings = self.to_fix();
        writeln!(
            f,
            "eagerly report: {} queries in {:?}, {}",
            self.log.len(),
            self.log.duration(),
            match findings {
                0 => "nothing to fix".to_string(),
                1 => "1 thing to fix".to_string(),
                n => format!("{n} things to fix"),
            }
        )?;
        section(f, "N+1 queries", &self.n_plus_one, |f, n| {
            writeln!(
                f,
                "  ran {} times from {}, once per `{}` row loaded at {}:\n    {}",
                n.count,
                n.location,
                n.rows_of,
                n.fed_by,
                folded(&n.sql)
            )?;
            if n.repeated > 0 {
                writeln!(f, "    ({} of the runs repeated an earlier run's values)", n.repeated)?;
            }
            match &n.fix {
                Some(fix) => writeln!(f, "    fix: {fix}"),
                None => writeln!(f, "    fix: load the rows of all the iterations in one query"),
            }
        })?;
        section(f, "Duplicate queries", &self.duplicates, |f, d| {
            let at = places(&d.locations);
            let values = if d.params.is_empty() {
                String::new()
            } else {
                format!(" with {}", Values(&d.params))
            };
            writeln!(f, "  ran {} times{values}, from {at}:\n    {}", d.count, folded(&d.sql))?;
            writeln!(f, "    fix: keep the first result")
        })?;
        section(f, "Scans", &self.scans, |f, s| {
            let what = match s.kind {
                ScanKind::FullScan => {
                    format!("full scan of `{}` ({} rows per run)", s.table, s.rows)
                }
                ScanKind::Sort => format!("sort of {} `{}` rows per run", s.rows, s.table),
                ScanKind::AutomaticIndex => format!("automatic index on `{}`", s.table),
                ScanKind::MostOfTable => {
                    format!("full scan of `{}` ({} rows per run), nothing to fix", s.table, s.rows)
                }
            };
            writeln!(f, "  {what} at {}:\n    {}", s.location, folded(&s.sql))?;
            let label = if s.kind.is_to_fix() { "fix" } else { "note" };
            writeln!(f, "    {label}: {}", s.advice)
        })?;
        section(f, "Unused eager loads", &self.unused, |f, u| {
            let what = if u.count { "the count of " } else { "" };
            writeln!(f, "  {what}`{}`, loaded at {}, was never read", u.relation, u.location)
        })?;
        section(f, "Similar queries (not a problem by themselves)", &self.similar, |f, s| {
            let at = places(&s.locations);
            writeln!(
                f,
                "  ran {} times with different values, from {at}:\n    {}",
                s.count,
                folded(&s.sql)
            )
        })?;
        Ok(())
    }

    fn fmt_statements(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Statements ({}):", self.log.len())?;
        let records = self.log.records();
        let mut at = 0;
        while at < records.len() {
            let record = &records[at];
            let statement = normalized(&record.sql);
            let same =
                |r: &QueryRecord| r.location == record.location && normalized(&r.sql) == statement;
            let run = records[at..].iter().take_while(|r| same(r)).count();
            let (sql, params) = as_asked(record);
            if run == 1 {
                write!(
                    f,
                    "{:>5}. [{}, {:?}] {}",
                    at + 1,
                    rows(record.rows),
                    record.duration,
                    folded(&sql)
                )?;
                if !params.is_empty() {
                    write!(f, " -- {}", Values(&params))?;
                }
            } else {
                let returned: usize = records[at..at + run].iter().map(|r| r.rows).sum();
                let time: std::time::Duration =
                    records[at..at + run].iter().map(|r| r.duration).sum();
                write!(
                    f,
                    "{:>5}. {run} times [{}, {time:?}] {}",
                    format!("{}-{}", at + 1, at + run),
                    rows(returned),
                    folded(&normalized(&sql))
                )?;
            }
            write!(f, " (at {})", record.location)?;
            if let Some(error) = &record.error {
                write!(f, " -- failed: {error}")?;
            }
            writeln!(f)?;
            at += run;
        }
        Ok(())
    }
}

/// `1 row`, `3 rows`.
fn rows(n: usize) -> String {
    if n == 1 { "1 row".to_owned() } else { format!("{n} rows") }
}

/// A statement with a long select list shortened: `SELECT t0."id", t0."name", … (12
/// values) FROM ..`.
fn folded(sql: &str) -> String {
    /// Characters of a select list shown whole.
    const SHOWN: usize = 60;
    let Some(rest) = sql.strip_prefix("SELECT ") else { return sql.to_owned() };
    let Some(end) = rest.find(" FROM ") else { return sql.to_owned() };
    let list = &rest[..end];
    if list.len() <= SHOWN || list.contains('(') {
        return sql.to_owned();
    }
    let values = list.split(", ").count();
    let mut shown = String::new();
    for item in list.split(", ") {
        if shown.len() + item.len() > SHOWN {
            break;
        }
        shown.push_str(item);
        shown.push_str(", ");
    }
    format!("SELECT {shown}… ({values} values){}", &rest[end..])
}

/// `file.rs:1:2, file.rs:3:4`.
fn places(locations: &[&'static Location<'static>]) -> String {
    let places: Vec<String> = locations.iter().map(ToString::to_string).collect();
    places.join(", ")
}

fn section<T>(
    f: &mut fmt::Formatter<'_>,
    title: &str,
    items: &[T],
    mut each: impl FnMut(&mut fmt::Formatter<'_>, &T) -> fmt::Result,
) -> fmt::Result {
    if items.is_empty() {
        return Ok(());
    }
    writeln!(f, "{title} ({}):", items.len())?;
    for item in items {
        each(f, item)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_lists_of_any_length_normalize_alike() {
        assert_eq!(normalized("a IN (?, ?, ?) AND b = ?"), "a IN (?, ...) AND b = ?");
        assert_eq!(normalized("a IN (?, ?)"), normalized("a IN (?, ?, ?, ?)"));
        assert_eq!(normalized("a = ? AND b = ?"), "a = ? AND b = ?");
        assert_eq!(normalized("a IN (?)"), normalized("a IN (?, ?)"));
    }
}
