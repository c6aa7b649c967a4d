//! The query inspector: runs a block and reports what its statements did wrong, the way
//! django-debug-toolbar and Bullet do: N+1 patterns, duplicate and similar statements,
//! table scans and sorts an index would avoid, and eager loads nobody read.

use std::collections::HashMap;
use std::fmt;
use std::panic::Location;
use std::sync::Arc;

use crate::value::Value;

use crate::log::{self, Frame, QueryLog, QueryRecord};
use crate::plan::alias::Alias;
use crate::plan::statement::{PlanStep, Shape, StatementKind, Test};
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
}

impl Default for Inspector {
    fn default() -> Self {
        Inspector { repeats: 2, scanned_rows: 100 }
    }
}

impl Inspector {
    /// Defaults: N+1 from 2 repeats, scans from 100 rows.
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

    /// Full scans and sorts of at least this many rows per run are reported.
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
        Report {
            n_plus_one: n_plus_one(records, self.repeats),
            duplicates: duplicates(records),
            similar: similar(records),
            scans: scans(records, self.scanned_rows),
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
        self.n_plus_one.is_empty()
            && self.duplicates.is_empty()
            && self.scans.is_empty()
            && self.unused.is_empty()
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
    /// What to change, where eagerly knows the relation.
    pub fix: Option<String>,
}

/// A statement run `count` times with the same values: its result could be kept.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let (_, report) = eagerly::inspect(|| (Tag::get(&conn, 1), Tag::get(&conn, 1)));
/// let duplicate = &report.duplicates()[0];
/// // The key, and the `LIMIT 2` with which `get` checks that one row matches.
/// use eagerly::Value;
/// assert_eq!(duplicate.params, [Value::Integer(1), Value::Integer(2)]);
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
    /// Rows stepped through in full scans, per run (`SQLITE_STMTSTATUS_FULLSCAN_STEP`).
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
/// let (_, report) = eagerly::Inspector::new().scanned_rows(1).run(|| Book::query().order_by(Book::title.asc()).all(&conn));
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
    matches!(shape.kind, StatementKind::Select | StatementKind::Count | StatementKind::Exists)
}

fn n_plus_one(records: &[QueryRecord], repeats: usize) -> Vec<NPlusOne> {
    let mut groups: Vec<((String, &'static Location<'static>), Vec<&QueryRecord>)> = Vec::new();
    for record in records.iter().filter(|r| r.shape.as_deref().is_some_and(is_read)) {
        let key = (normalized(&record.sql), record.location);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, runs)) => runs.push(record),
            None => groups.push((key, vec![record])),
        }
    }
    groups
        .into_iter()
        .filter(|(_, runs)| runs.len() >= repeats)
        .map(|((sql, location), runs)| NPlusOne {
            fix: runs[0].shape.as_deref().and_then(|shape| fix(shape, records)),
            sql,
            count: runs.len(),
            location,
        })
        .collect()
}

/// The load that replaces a statement run once per row, if the statement filters on a
/// declared relation: equality on a foreign key (a has-many or many-to-many read row by
/// row), or on the primary key (a belongs-to read row by row).
fn fix(shape: &Shape, records: &[QueryRecord]) -> Option<String> {
    let table = base(shape)?;
    let equal = |column: &str| {
        shape
            .filters
            .iter()
            .any(|f| f.alias == Alias::Base && f.column == column && f.test == Test::Equal)
    };
    let count = matches!(shape.kind, StatementKind::Count | StatementKind::Exists);
    for fk in table.foreign_keys.iter().filter(|fk| equal(table.columns[fk.column].name)) {
        let column = table.columns[fk.column].name;
        let parent = (fk.target)();
        for relation in parent.relations {
            let (link, target) = ((relation.link)(), (relation.target)());
            if link.is_batched_as(target, table, column) {
                // A `has_one` is not counted: its row, loaded, says whether there is one.
                let counted = count && link.counted(target).is_some();
                let load = if counted { "with_count" } else { "prefetch" };
                return Some(format!(
                    "add `.{load}({})` to the query that loads the `{}` rows",
                    relation.name, parent.model
                ));
            }
        }
    }
    if table.primary_key.iter().all(|&c| equal(table.columns[c].name)) {
        // Rows fetched one by one by key: some other table's `belongs_to` leads here.
        let seen = records.iter().filter_map(|r| r.shape.as_deref()).flat_map(|s| &s.tables);
        for (_, other) in seen {
            for relation in other.relations {
                if (relation.link)().joined_fk().is_some() && (relation.target)() == table {
                    return Some(format!(
                        "add `.select_related({})` (or `.prefetch(..)` of it) to the query that loads the `{}` rows",
                        relation.name, other.model
                    ));
                }
            }
        }
    }
    None
}

fn base(shape: &Shape) -> Option<&'static Table> {
    shape.tables.iter().find(|(alias, _)| *alias == Alias::Base).map(|(_, table)| *table)
}

fn duplicates(records: &[QueryRecord]) -> Vec<Duplicate> {
    let mut groups: Vec<Duplicate> = Vec::new();
    for record in
        records.iter().filter(|r| r.shape.as_deref().is_some_and(|s| s.kind.touches_rows()))
    {
        match groups.iter_mut().find(|d| d.sql == record.sql && d.params == record.params) {
            Some(duplicate) => {
                duplicate.count += 1;
                if !duplicate.locations.contains(&record.location) {
                    duplicate.locations.push(record.location);
                }
            }
            None => groups.push(Duplicate {
                sql: record.sql.clone(),
                params: record.params.clone(),
                count: 1,
                locations: vec![record.location],
            }),
        }
    }
    groups.retain(|d| d.count > 1);
    groups
}

fn similar(records: &[QueryRecord]) -> Vec<Similar> {
    let mut groups: Vec<(Similar, Vec<&[Value]>)> = Vec::new();
    for record in
        records.iter().filter(|r| r.shape.as_deref().is_some_and(|s| s.kind.touches_rows()))
    {
        let sql = normalized(&record.sql);
        match groups.iter_mut().find(|(s, _)| s.sql == sql) {
            Some((similar, params)) => {
                similar.count += 1;
                params.push(&record.params);
                if !similar.locations.contains(&record.location) {
                    similar.locations.push(record.location);
                }
            }
            None => groups.push((
                Similar { sql, count: 1, locations: vec![record.location] },
                vec![&record.params],
            )),
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

fn scans(records: &[QueryRecord], threshold: u64) -> Vec<Scan> {
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
                    for filtered in shape.filters.iter().filter(|f| f.alias == *alias) {
                        let test = filtered.test;
                        if let Some(advice) = scan_advice(table, filtered.column, test, backend) {
                            found.push(Scan {
                                rows: scanned,
                                ..scan(ScanKind::FullScan, table, advice)
                            });
                        }
                    }
                }
                PlanStep::Sort => {
                    if per_run.max(returned) < threshold {
                        continue;
                    }
                    let Some((alias, column)) = shape.order.first() else { continue };
                    let Some(table) = table_of(alias) else { continue };
                    let field = field_of(table, column);
                    let advice = format!(
                        "add `#[model(index)]` to `{}::{field}`, so that rows can be read in order instead of sorted",
                        table.model
                    );
                    found.push(scan(ScanKind::Sort, table, advice));
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

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "eagerly report: {} queries in {:?}{}",
            self.log.len(),
            self.log.duration(),
            if self.is_clean() { ", nothing to fix" } else { "" }
        )?;
        write!(f, "{}", self.log)?;
        section(f, "N+1 queries", &self.n_plus_one, |f, n| {
            writeln!(f, "  {} ran {} times from {}", n.sql, n.count, n.location)?;
            match &n.fix {
                Some(fix) => writeln!(f, "    fix: {fix}"),
                None => writeln!(f, "    fix: load the rows of all the iterations in one query"),
            }
        })?;
        section(f, "Duplicate queries", &self.duplicates, |f, d| {
            let at = places(&d.locations);
            writeln!(f, "  {} with {:?} ran {} times, from {at}", d.sql, d.params, d.count)
        })?;
        section(f, "Similar queries", &self.similar, |f, s| {
            let at = places(&s.locations);
            writeln!(f, "  {} ran {} times with different values, from {at}", s.sql, s.count)
        })?;
        section(f, "Scans", &self.scans, |f, s| {
            let what = match s.kind {
                ScanKind::FullScan => {
                    format!("full scan of `{}` ({} rows per run)", s.table, s.rows)
                }
                ScanKind::Sort => format!("sort of `{}` rows in a temporary B-tree", s.table),
                ScanKind::AutomaticIndex => format!("automatic index on `{}`", s.table),
            };
            writeln!(f, "  {what} at {}: {}", s.location, s.sql)?;
            writeln!(f, "    fix: {}", s.advice)
        })?;
        section(f, "Unused eager loads", &self.unused, |f, u| {
            let what = if u.count { "the count of " } else { "" };
            writeln!(f, "  {what}`{}`, loaded at {}, was never read", u.relation, u.location)
        })
    }
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
