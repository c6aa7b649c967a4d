//! Seeing the queries eagerly runs.
//!
//! Every statement goes through one function of the runtime (`exec`), which asks this
//! module whether anyone is watching the thread: a [`capture`], an
//! `inspect`, a [`forbid_queries`] scope. When nobody is, that costs one
//! thread-local read per statement: no clock, no allocation, no lock.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use rusqlite::types::ValueRef;

use crate::value::Value;

use crate::error::{Error, Result, abbreviated};
use crate::plan::alias::Alias;
use crate::plan::statement::{PlanStep, Shape, StatementKind};
use crate::schema::Table;
use crate::usage::Usage;

/// One statement eagerly ran.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let (_, log) = eagerly::capture(|| Book::query().filter(Book::id.eq(1)).all(&conn));
/// let record = &log.records()[0];
/// assert_eq!((record.table, record.rows), ("book", 1));
/// assert_eq!(record.params, [eagerly::Value::Integer(1)]);
/// assert_eq!(record.location.file(), file!());
/// assert!(record.error.is_none());
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct QueryRecord {
    /// The SQL text, with `?` for each bound value.
    pub sql: String,
    /// The bound values, in order.
    pub params: Vec<Value>,
    /// Rows returned (for a `SELECT` or `RETURNING`) or changed (for other writes).
    pub rows: usize,
    /// Time from preparing the statement to reading its last row.
    pub duration: Duration,
    /// The table the statement is about.
    pub table: &'static str,
    /// The error message, if the statement failed.
    pub error: Option<String>,
    /// The line of the application that ran the query (through `#[track_caller]`), also
    /// for the batched statements of its prefetches.
    pub location: &'static Location<'static>,
    /// The backend that ran it: `SQLite` or `PostgreSQL`.
    pub backend: &'static str,
    /// SQLite's counters for this execution (zero on other backends).
    pub counters: Counters,
    /// The backend's plan, when an inspection asked for it, once per distinct statement:
    /// SQLite's `EXPLAIN QUERY PLAN`, one line per step, or PostgreSQL's
    /// `EXPLAIN (FORMAT JSON)`, one line per node (`Seq Scan on book t0 (filter: .., 12
    /// rows)`).
    pub plan: Option<Vec<String>>,
    /// What the statement does, for the inspector.
    pub(crate) shape: Option<Arc<Shape>>,
    /// The steps of `plan` the inspector reports.
    pub(crate) steps: Vec<PlanStep>,
    /// While an inspection runs, the values the rows held in each table column the
    /// statement selected: where the values of later statements came from.
    pub(crate) returned: Vec<Returned>,
}

/// The values a statement's rows held in one table column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Returned {
    /// The alias of the column's table in the statement (`t0`, or a join's `j1`).
    pub alias: Alias,
    pub table: &'static Table,
    pub column: &'static str,
    pub values: HashSet<Key>,
}

/// A value as the inspector compares values across statements: integers, and text and
/// bytes short enough to be keys. Other values (reals, long text) link nothing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    Integer(i64),
    Text(Box<str>),
    Blob(Box<[u8]>),
}

impl Key {
    /// Text and bytes longer than this are not keys.
    const LONGEST: usize = 64;

    pub(crate) fn of(value: ValueRef<'_>) -> Option<Key> {
        match value {
            ValueRef::Integer(i) => Some(Key::Integer(i)),
            ValueRef::Text(t) if t.len() <= Self::LONGEST => {
                Some(Key::Text(String::from_utf8_lossy(t).into()))
            }
            ValueRef::Blob(b) if b.len() <= Self::LONGEST => Some(Key::Blob(b.into())),
            _ => None,
        }
    }

    /// The keys of a bound value (a list's, one per item).
    pub(crate) fn of_value(value: &Value) -> Vec<Key> {
        match value {
            Value::List(items) => items.iter().flat_map(Key::of_value).collect(),
            value => value.as_sqlite().and_then(Key::of).into_iter().collect(),
        }
    }
}

/// Notes the values of a statement's rows, column by column, for [`QueryRecord::returned`].
pub(crate) struct Returning {
    /// The result column of each table column noted, and its values so far.
    columns: Vec<(usize, Returned)>,
    /// Values noted so far.
    noted: usize,
}

impl Returning {
    /// The most values noted of one statement's rows.
    const MOST: usize = 1 << 20;

    /// Notes the table columns `shape` says the statement selects; `None` if it selects none.
    pub(crate) fn of(shape: &Shape) -> Option<Returning> {
        let columns: Vec<(usize, Returned)> = (shape.selected.iter().enumerate())
            .filter_map(|(index, selected)| {
                let (alias, column) = (*selected)?;
                let (_, table) = shape.tables.iter().find(|(a, _)| *a == alias)?;
                Some((index, Returned { alias, table, column, values: HashSet::new() }))
            })
            .collect();
        (!columns.is_empty()).then_some(Returning { columns, noted: 0 })
    }

    /// Notes one row, whose result column `i` is `value(i)`, until the statement's rows
    /// held [`Returning::MOST`] values: the inspector then links later statements to the
    /// values seen so far (an inspected bulk job keeps a bounded memory).
    pub(crate) fn saw<'r>(&mut self, value: impl Fn(usize) -> Option<ValueRef<'r>>) {
        if self.noted >= Self::MOST {
            return;
        }
        self.noted += self.columns.len();
        for (index, returned) in &mut self.columns {
            if let Some(key) = value(*index).and_then(Key::of) {
                returned.values.insert(key);
            }
        }
    }

    pub(crate) fn into_returned(self) -> Vec<Returned> {
        self.columns.into_iter().map(|(_, returned)| returned).collect()
    }
}

/// SQLite's counters of one execution of a statement (`sqlite3_stmt_status`).
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let (_, log) = eagerly::capture(|| Book::query().filter(Book::title.eq("Mistborn")).all(&conn));
/// // No index on `title`: SQLite stepped through the whole table.
/// assert_eq!(log.records()[0].counters.fullscan_steps, 3);
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counters {
    /// Rows stepped through in full table scans: large means a missing index.
    pub fullscan_steps: u64,
    /// Sorts the statement did: an `ORDER BY` no index provided.
    pub sorts: u64,
    /// Rows put into automatic (temporary) indexes.
    pub auto_indexes: u64,
    /// Virtual machine steps: the statement's total work.
    pub vm_steps: u64,
}

/// The statements run during a [`capture`], in order.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let (_, log) = eagerly::capture(|| Author::query().prefetch(Author::books).all(&conn));
/// assert_eq!(log.len(), 2);
/// assert!(log.sql()[1].contains("IN (?, ?, ?)"));
/// println!("{log}"); // one numbered line per statement
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryLog {
    records: Vec<QueryRecord>,
}

impl QueryLog {
    /// Number of statements.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let (_, log) = eagerly::capture(|| Author::query().count(&conn));
    /// assert_eq!(log.len(), 1);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether no statement ran.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let (_, log) = eagerly::capture(|| 1 + 1);
    /// assert!(log.is_empty());
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The records, in the order the statements ran.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let (_, log) = eagerly::capture(|| Author::query().all(&conn));
    /// assert_eq!(log.records()[0].rows, 3);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn records(&self) -> &[QueryRecord] {
        &self.records
    }

    /// The SQL text of each statement, in order.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let (_, log) = eagerly::capture(|| Tag::query().count(&conn));
    /// assert_eq!(log.sql(), [r#"SELECT COUNT(*) FROM "tag" t0"#]);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn sql(&self) -> Vec<&str> {
        self.records.iter().map(|r| r.sql.as_str()).collect()
    }

    /// Total time spent in the statements.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let (_, log) = eagerly::capture(|| Author::query().all(&conn));
    /// assert_eq!(log.duration(), log.records()[0].duration);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn duration(&self) -> Duration {
        self.records.iter().map(|r| r.duration).sum()
    }

    /// The same log with every bound value replaced by `'?'`, for logs that leave the
    /// machine; so are the values a plan's filter shows (PostgreSQL plans a statement for
    /// the values bound: `filter: (name = 'Ann Leckie'::text)`).
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let (_, log) = eagerly::capture(|| Author::query().filter(Author::name.eq("Ann Leckie")).all(&conn));
    /// assert!(log.to_string().contains("Ann Leckie"));
    /// assert!(!log.redacted().to_string().contains("Ann Leckie"));
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn redacted(&self) -> QueryLog {
        let mut log = self.clone();
        for record in &mut log.records {
            for param in &mut record.params {
                *param = Value::Text("?".into());
            }
            for line in record.plan.iter_mut().flatten() {
                if let Some(at) = line.find(FILTER) {
                    let start = at + FILTER.len();
                    *line = format!("{}{}", &line[..start], without_literals(&line[start..]));
                }
            }
        }
        log
    }
}

/// Where a plan line's filter begins: the filter is the last thing on its line.
pub(crate) const FILTER: &str = "filter: ";

/// `text` with each quoted literal as `'?'` and each number an operator or a bracket
/// leads to as `?`: `(n = 5) AND (name = 'x''y'::text)` becomes
/// `(n = ?) AND (name = '?'::text)`.
fn without_literals(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut last = ' '; // the last character written that is not a space
    while let Some(c) = chars.next() {
        if c == '\'' {
            // A quoted literal, its quotes doubled inside.
            while let Some(q) = chars.next() {
                if q == '\'' && chars.next_if_eq(&'\'').is_none() {
                    break;
                }
            }
            out.push_str("'?'");
            last = '\'';
        } else if (c.is_ascii_digit() || c == '-') && "=<>(,".contains(last) {
            while chars.next_if(|d| d.is_ascii_alphanumeric() || *d == '.').is_some() {}
            out.push('?');
            last = '?';
        } else {
            out.push(c);
            if !c.is_whitespace() {
                last = c;
            }
        }
    }
    out
}

impl<'a> IntoIterator for &'a QueryLog {
    type Item = &'a QueryRecord;
    type IntoIter = std::slice::Iter<'a, QueryRecord>;
    fn into_iter(self) -> Self::IntoIter {
        self.records.iter()
    }
}

/// A numbered list: `  1. [3 rows, 12µs] SELECT ... -- [1] (at src/main.rs:9:5)`.
impl fmt::Display for QueryLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.records.iter().enumerate() {
            write!(f, "{:>3}. [{} rows, {:?}] {}", i + 1, r.rows, r.duration, r.sql)?;
            if !r.params.is_empty() {
                write!(f, " -- {}", Values(&r.params))?;
            }
            write!(f, " (at {})", r.location)?;
            if let Some(error) = &r.error {
                write!(f, " -- failed: {error}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// Bound values as SQL literals: `[1, 'Ann']`.
pub(crate) struct Values<'a>(pub &'a [Value]);

impl fmt::Display for Values<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::value::write_list(f, self.0, "[", "]")
    }
}

/// What watches this thread's statements.
#[derive(Default)]
struct State {
    /// One frame per active `capture` or `inspect`, innermost last.
    frames: Vec<Frame>,
    /// Active `forbid_queries` scopes.
    forbidden: usize,
}

#[derive(Default)]
pub(crate) struct Frame {
    records: Vec<QueryRecord>,
    /// An inspection: explain each distinct statement, track the use of loaded rows.
    inspecting: bool,
    explained: HashSet<String>,
    usage: Vec<Arc<Usage>>,
}

thread_local! {
    static STATE: RefCell<State> = const { RefCell::new(State { frames: Vec::new(), forbidden: 0 }) };
}

/// Runs `f` and returns its result with every statement eagerly ran on this thread
/// meanwhile, like Django's `CaptureQueriesContext`. Captures nest: an outer capture also
/// sees the statements of an inner one.
///
/// ```
/// # use eagerly::Model;
/// # #[derive(Model, Debug)]
/// # pub struct Author { #[model(primary_key)] pub id: i64, pub name: String }
/// # let conn = eagerly::rusqlite::Connection::open_in_memory()?;
/// # eagerly::create_tables(&conn, &[Author::TABLE])?;
/// let (authors, log) = eagerly::capture(|| Author::query().filter(Author::name.eq("Le Guin")).all(&conn));
/// assert!(authors?.is_empty());
/// assert_eq!(log.len(), 1);
/// assert_eq!(
///     log.sql(),
///     [r#"SELECT t0."id", t0."name" FROM "author" t0 WHERE t0."name" = ?"#]
/// );
/// assert_eq!(log.records()[0].location.line(), line!() - 7);
/// # Ok::<(), eagerly::Error>(())
/// ```
pub fn capture<T>(f: impl FnOnce() -> T) -> (T, QueryLog) {
    let (value, frame) = within(Frame::default(), f);
    (value, QueryLog { records: frame.records })
}

/// [`capture`] for a future: every statement eagerly runs while `future` is polled, on
/// whichever thread polls it (so a task's statements, also on a multi-threaded runtime,
/// which may move it between threads at each await). The capture is installed around
/// each poll, as `tracing`'s `Instrument` does with a span.
///
/// ```no_run
/// # use eagerly::__doc::*;
/// # async fn page(client: &mut tokio_postgres::Client) -> eagerly::Result<()> {
/// let (authors, log) =
///     eagerly::capture_async(Author::query().prefetch(Author::books).all_async(client)).await;
/// assert_eq!(log.len(), 2);
/// # Ok(()) }
/// ```
pub fn capture_async<F: Future>(future: F) -> impl Future<Output = (F::Output, QueryLog)> {
    let captured = within_async(Frame::default(), future);
    async move {
        let (value, frame) = captured.await;
        (value, QueryLog { records: frame.records })
    }
}

/// Polls `future` with `frame` on the stack around each poll, on whichever thread polls
/// it; gives the future's output and the frame as the future left it.
pub(crate) fn within_async<F: Future>(
    frame: Frame,
    future: F,
) -> impl Future<Output = (F::Output, Frame)> {
    let mut future = Box::pin(future);
    let mut frame = Some(frame);
    std::future::poll_fn(move |cx| {
        let (polled, left) = within(frame.take().unwrap_or_default(), || future.as_mut().poll(cx));
        match polled {
            std::task::Poll::Ready(value) => std::task::Poll::Ready((value, left)),
            std::task::Poll::Pending => {
                frame = Some(left);
                std::task::Poll::Pending
            }
        }
    })
}

/// Runs `f` with `frame` on the stack; returns the frame as `f` left it.
pub(crate) fn within<T>(frame: Frame, f: impl FnOnce() -> T) -> (T, Frame) {
    struct PopOnPanic;
    impl Drop for PopOnPanic {
        fn drop(&mut self) {
            // Runs only when `f` panics (see `forget` below), so that a failed test does
            // not leave its frame on the thread.
            STATE.with(|state| state.borrow_mut().frames.pop());
        }
    }
    STATE.with(|state| state.borrow_mut().frames.push(frame));
    let guard = PopOnPanic;
    let value = f();
    std::mem::forget(guard);
    let frame = STATE.with(|state| state.borrow_mut().frames.pop()).unwrap_or_default();
    (value, frame)
}

/// Runs `f`, in which every statement eagerly would run fails instead with
/// [`Error::QueryForbidden`], naming the statement and the line that asked for it
/// (django-zen-queries): for code that must only read what is already loaded, such as
/// the rendering of a template.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let authors = Author::query().prefetch(Author::books).all(&conn)?;
/// let page = eagerly::forbid_queries(|| {
///     authors.iter().map(|a| format!("{}: {}", a.name, a.books().len())).collect::<Vec<_>>()
/// });
/// assert_eq!(page[0], "Ann Leckie: 2");
/// let sneaky = eagerly::forbid_queries(|| Book::query().count(&conn));
/// assert!(matches!(sneaky, Err(eagerly::Error::QueryForbidden { .. })));
/// # Ok::<(), eagerly::Error>(())
/// ```
pub fn forbid_queries<T>(f: impl FnOnce() -> T) -> T {
    struct Allow;
    impl Drop for Allow {
        fn drop(&mut self) {
            STATE.with(|state| state.borrow_mut().forbidden -= 1);
        }
    }
    STATE.with(|state| state.borrow_mut().forbidden += 1);
    let _allow = Allow;
    f()
}

/// [`forbid_queries`] for a future: every statement eagerly would run while `future` is
/// polled fails with [`Error::QueryForbidden`], on whichever thread polls it.
///
/// ```no_run
/// # use eagerly::__doc::*;
/// # async fn page(client: &mut tokio_postgres::Client) -> eagerly::Result<()> {
/// let authors = Author::query().prefetch(Author::books).all_async(&mut *client).await?;
/// let sneaky = eagerly::forbid_queries_async(Book::query().count_async(client)).await;
/// assert!(matches!(sneaky, Err(eagerly::Error::QueryForbidden { .. })));
/// # Ok(()) }
/// ```
pub fn forbid_queries_async<F: Future>(future: F) -> impl Future<Output = F::Output> {
    let mut future = Box::pin(future);
    std::future::poll_fn(move |cx| forbid_queries(|| future.as_mut().poll(cx)))
}

/// Runs a block and checks how many statements eagerly ran in it, like Django's
/// `assertNumQueries`; returns the block's value. On a different number it panics with
/// every statement that ran, numbered, with its SQL, values and the line that ran it.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let authors = eagerly::assert_queries!(2, {
///     Author::query().prefetch(Author::books).all(&conn)?
/// });
/// assert_eq!(authors.len(), 3);
/// # Ok::<(), eagerly::Error>(())
/// ```
#[macro_export]
macro_rules! assert_queries {
    ($expected:expr, $block:block) => {{
        // A guard rather than a closure, so that `?` in the block leaves the enclosing
        // function as it would without the macro.
        let capturing = $crate::log::Capturing::begin();
        let value = $block;
        $crate::log::expect_count($expected, &capturing.finish());
        value
    }};
}

/// A capture that lasts until [`finish`](Capturing::finish) (or drop), for
/// [`assert_queries!`].
#[doc(hidden)]
pub struct Capturing {
    finished: bool,
}

impl Capturing {
    pub fn begin() -> Capturing {
        STATE.with(|state| state.borrow_mut().frames.push(Frame::default()));
        Capturing { finished: false }
    }

    pub fn finish(mut self) -> QueryLog {
        self.finished = true;
        let frame = STATE.with(|state| state.borrow_mut().frames.pop()).unwrap_or_default();
        QueryLog { records: frame.records }
    }
}

impl Drop for Capturing {
    fn drop(&mut self) {
        if !self.finished {
            STATE.with(|state| state.borrow_mut().frames.pop());
        }
    }
}

/// The check of [`assert_queries!`].
#[doc(hidden)]
#[track_caller]
pub fn expect_count(expected: usize, log: &QueryLog) {
    if log.len() != expected {
        panic!("expected {expected} queries, {} ran:\n{log}", log.len());
    }
}

/// How a statement about to run is watched.
pub(crate) struct Watch {
    /// Run `EXPLAIN QUERY PLAN` for it.
    pub explain: bool,
}

/// Whether (and how) the statement about to run is watched; an error if statements are
/// forbidden here. Transaction control is never forbidden (undoing must always be
/// possible), and a read transaction's `BEGIN` and `COMMIT` are not watched at all: they
/// read nothing, and a load counts as the statements that read its rows.
pub(crate) fn watch(
    caller: &'static Location<'static>,
    kind: StatementKind,
    sql: &str,
) -> Result<Option<Watch>> {
    let control = kind.control().is_some();
    if matches!(kind, StatementKind::Snapshot(_)) {
        return Ok(None);
    }
    STATE.with(|state| {
        let mut state = state.borrow_mut();
        if state.forbidden > 0 && !control {
            return Err(Error::QueryForbidden { sql: abbreviated(sql), location: caller });
        }
        if state.frames.is_empty() && !crate::trace::enabled() {
            return Ok(None);
        }
        let mut explain = false;
        for frame in state.frames.iter_mut().filter(|f| f.inspecting) {
            explain |= frame.explained.insert(sql.to_owned());
        }
        Ok(Some(Watch { explain }))
    })
}

/// Hands a record to every active capture and inspection on this thread, and to
/// `tracing`.
pub(crate) fn record(_watch: Watch, record: QueryRecord) {
    crate::trace::statement(
        &record.sql,
        record.table,
        record.rows,
        record.duration,
        record.location,
        record.error.as_deref(),
    );
    STATE.with(|state| {
        let mut state = state.borrow_mut();
        if let Some((innermost, outer)) = state.frames.split_last_mut() {
            for frame in outer {
                frame.records.push(record.clone());
            }
            innermost.records.push(record);
        }
    });
}

/// Whether an inspection is active on this thread (it wants statements' shapes and which
/// loaded relations are read).
pub(crate) fn inspecting() -> bool {
    STATE.with(|state| state.borrow().frames.iter().any(|f| f.inspecting))
}

/// A flag for one loading step, given to every active inspection; `None` when nothing
/// inspects.
pub(crate) fn start_usage(
    relation: &'static str,
    count: bool,
    location: &'static Location<'static>,
) -> Option<Arc<Usage>> {
    STATE.with(|state| {
        let mut state = state.borrow_mut();
        let mut inspections = state.frames.iter_mut().filter(|f| f.inspecting).peekable();
        inspections.peek()?;
        let usage = Arc::new(Usage::new(relation, count, location));
        for frame in inspections {
            frame.usage.push(usage.clone());
        }
        Some(usage)
    })
}

impl Frame {
    /// A frame for an inspection.
    pub(crate) fn inspecting() -> Frame {
        Frame { inspecting: true, ..Frame::default() }
    }

    pub(crate) fn into_parts(self) -> (QueryLog, Vec<Arc<Usage>>) {
        (QueryLog { records: self.records }, self.usage)
    }
}

#[cfg(test)]
pub(crate) fn is_capturing() -> bool {
    STATE.with(|state| !state.borrow().frames.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record_named(sql: &str) {
        record(
            Watch { explain: false },
            QueryRecord {
                sql: sql.into(),
                params: vec![],
                rows: 0,
                duration: Duration::ZERO,
                table: "t",
                error: None,
                location: Location::caller(),
                backend: "SQLite",
                counters: Counters::default(),
                plan: None,
                shape: None,
                steps: Vec::new(),
                returned: Vec::new(),
            },
        );
    }

    #[test]
    fn plan_filters_lose_their_literals() {
        assert_eq!(
            without_literals(
                "((n = 5) AND (name = 'x''y'::text) AND (big >= -1.5e3) AND t0 <> 'a')"
            ),
            "((n = ?) AND (name = '?'::text) AND (big >= ?) AND t0 <> '?')"
        );
        assert_eq!(
            without_literals("(id = ANY ('{1,2}'::bigint[]))"),
            "(id = ANY ('?'::bigint[]))"
        );
        assert_eq!(without_literals("(t0.n2 IN (3, 4))"), "(t0.n2 IN (?, ?))");
    }

    #[test]
    fn nothing_is_recorded_outside_a_capture() {
        assert!(!is_capturing());
        record_named("lost");
        let ((), log) = capture(|| ());
        assert!(log.is_empty());
    }

    #[test]
    fn captures_nest_and_the_outer_one_sees_everything() {
        let (inner, outer) = capture(|| {
            record_named("a");
            let ((), inner) = capture(|| record_named("b"));
            record_named("c");
            inner
        });
        assert_eq!(inner.sql(), ["b"]);
        assert_eq!(outer.sql(), ["a", "b", "c"]);
        assert!(!is_capturing());
    }

    #[test]
    fn a_panicking_block_does_not_leave_the_capture_on() {
        let result = std::panic::catch_unwind(|| capture(|| panic!("boom")));
        assert!(result.is_err());
        assert!(!is_capturing());
    }

    #[test]
    fn redaction_hides_every_bound_value() {
        let ((), log) = capture(|| record_named("x"));
        let mut with_values = log.clone();
        with_values.records[0].params = vec![Value::Integer(42), Value::Text("secret".into())];
        let redacted = with_values.redacted();
        assert_eq!(redacted.records[0].params, [Value::Text("?".into()), Value::Text("?".into())]);
        assert!(!redacted.to_string().contains("secret"));
    }
}
