//! Seeing the queries eagerly runs.
//!
//! Every statement goes through one function of the runtime (`exec`), which hands a
//! [`QueryRecord`] to this module while a [`capture`] is active on the thread. When nothing
//! captures, that costs one thread-local read per statement: no clock, no allocation.

use std::cell::RefCell;
use std::fmt;
use std::time::Duration;

use rusqlite::types::Value;

/// One statement eagerly ran.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let (_, log) = eagerly::capture(|| Book::query().filter(Book::id.eq(1)).all(&conn));
/// let record = &log.records()[0];
/// assert_eq!((record.table, record.rows), ("book", 1));
/// assert_eq!(record.params, [eagerly::rusqlite::types::Value::Integer(1)]);
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
}

impl<'a> IntoIterator for &'a QueryLog {
    type Item = &'a QueryRecord;
    type IntoIter = std::slice::Iter<'a, QueryRecord>;
    fn into_iter(self) -> Self::IntoIter {
        self.records.iter()
    }
}

/// A numbered list: `1. [3 rows, 12µs] SELECT ... -- [Integer(1)]`.
impl fmt::Display for QueryLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.records.iter().enumerate() {
            write!(f, "{:>3}. [{} rows, {:?}] {}", i + 1, r.rows, r.duration, r.sql)?;
            if !r.params.is_empty() {
                write!(f, " -- {:?}", r.params)?;
            }
            if let Some(error) = &r.error {
                write!(f, " -- failed: {error}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

thread_local! {
    /// One frame per active `capture` on this thread, innermost last.
    static FRAMES: RefCell<Vec<Vec<QueryRecord>>> = const { RefCell::new(Vec::new()) };
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
/// # Ok::<(), eagerly::Error>(())
/// ```
pub fn capture<T>(f: impl FnOnce() -> T) -> (T, QueryLog) {
    struct Frame;
    impl Drop for Frame {
        fn drop(&mut self) {
            // Also runs when `f` panics, so a failed test does not leave a frame behind.
            FRAMES.with(|frames| frames.borrow_mut().pop());
        }
    }
    FRAMES.with(|frames| frames.borrow_mut().push(Vec::new()));
    let frame = Frame;
    let result = f();
    let records = FRAMES.with(|frames| frames.borrow_mut().last_mut().map(std::mem::take));
    drop(frame);
    (result, QueryLog { records: records.unwrap_or_default() })
}

/// Whether a capture is active on this thread.
pub(crate) fn is_capturing() -> bool {
    FRAMES.with(|frames| !frames.borrow().is_empty())
}

/// Hands a record to every active capture on this thread.
pub(crate) fn record(record: QueryRecord) {
    FRAMES.with(|frames| {
        let mut frames = frames.borrow_mut();
        if let Some((innermost, outer)) = frames.split_last_mut() {
            for frame in outer {
                frame.push(record.clone());
            }
            innermost.push(record);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record_named(sql: &str) {
        record(QueryRecord {
            sql: sql.into(),
            params: vec![],
            rows: 0,
            duration: Duration::ZERO,
            table: "t",
            error: None,
        });
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
}
