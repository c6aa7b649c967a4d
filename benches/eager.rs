//! Eager loading against the same work written by hand with rusqlite, and against the
//! naive N+1 loop, for authors with 10 books each. Run on demand, in release mode:
//!
//! ```sh
//! cargo bench --bench eager                  # 1,000 / 10,000 / 100,000 authors
//! cargo bench --bench eager -- 1000 10000    # chosen sizes
//! ```
//!
//! Prints medians and ratios to the hand-written code (lower is better), then the cost of
//! each way of sending the batch's keys to SQLite, which chose eagerly's strategy. Every
//! contender computes a checksum of what it loaded; a contender whose checksum differs is
//! marked wrong. Nothing here is a test: timings vary by machine, ratios much less.

use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use eagerly::Model;
use eagerly::rusqlite::types::Value;
use eagerly::rusqlite::{Connection, ToSql};

#[derive(Model, Debug, Clone, PartialEq)]
#[model(has_many(books = Book))]
pub struct Author {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Book {
    #[model(primary_key)]
    pub id: i64,
    pub title: String,
    #[model(belongs_to(author = Author))]
    pub author_id: i64,
}

const BOOKS_PER_AUTHOR: i64 = 10;

fn database(authors: i64) -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    eagerly::create_tables(&conn, &[Author::TABLE, Book::TABLE]).unwrap();
    conn.execute_batch(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {authors})
         INSERT INTO author (id, name) SELECT i, 'author ' || i FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {books})
         INSERT INTO book (id, title, author_id) SELECT i, 'book number ' || i, (i - 1) % {authors} + 1 FROM n;",
        books = authors * BOOKS_PER_AUTHOR
    ))
    .unwrap();
    eagerly::rusqlite::vtab::array::load_module(&conn).unwrap();
    conn
}

/// A loaded book: a plain `Book` by hand, a `BookRow` from eagerly.
trait AsBook {
    fn book(&self) -> &Book;
}

impl AsBook for Book {
    fn book(&self) -> &Book {
        self
    }
}

impl AsBook for BookRow {
    fn book(&self) -> &Book {
        self
    }
}

/// What every contender computes from what it loaded, to check they did the same work.
fn checksum<'a, B: AsBook + 'a>(authors: impl Iterator<Item = (&'a Author, &'a [B])>) -> u64 {
    let mut sum = 0u64;
    for (author, books) in authors {
        sum = sum.wrapping_add(author.id as u64 * 31 + author.name.len() as u64);
        for book in books.iter().map(AsBook::book) {
            sum =
                sum.wrapping_mul(1_000_003).wrapping_add(book.id as u64 + book.title.len() as u64);
        }
    }
    sum
}

#[inline(never)]
fn eager(conn: &Connection) -> u64 {
    let authors = Author::query().prefetch(Author::books).all(conn).unwrap();
    checksum(authors.iter().map(|a| (&**a, a.books())))
}

#[inline(never)]
fn hand_written(conn: &Connection, keys: Keys) -> u64 {
    let mut statement =
        conn.prepare_cached(r#"SELECT t0."id", t0."name" FROM "author" t0"#).unwrap();
    let authors: Vec<Author> = statement
        .query_map([], |r| Ok(Author { id: r.get(0)?, name: r.get(1)? }))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let ids: Vec<i64> = authors.iter().map(|a| a.id).collect();
    let mut position: HashMap<i64, usize> = HashMap::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        position.insert(*id, i);
    }
    let mut books: Vec<Vec<Book>> = authors.iter().map(|_| Vec::new()).collect();
    let columns = r#"SELECT t0."id", t0."title", t0."author_id" FROM "book" t0"#;
    let order = r#"ORDER BY t0."author_id" ASC, t0."id" ASC"#;
    let mut each = |sql: &str, params: &[&dyn ToSql]| {
        let mut statement = conn.prepare_cached(sql).unwrap();
        let mut rows = statement.query(params).unwrap();
        while let Some(r) = rows.next().unwrap() {
            let book = Book {
                id: r.get(0).unwrap(),
                title: r.get(1).unwrap(),
                author_id: r.get(2).unwrap(),
            };
            books[position[&book.author_id]].push(book);
        }
    };
    match keys {
        Keys::Json => {
            let json =
                format!("[{}]", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
            each(
                &format!(
                    r#"{columns} WHERE t0."author_id" IN (SELECT value FROM json_each(?)) {order}"#
                ),
                &[&json],
            );
        }
        Keys::Bound => {
            for chunk in ids.chunks(32_766) {
                let marks = vec!["?"; chunk.len()].join(", ");
                let params: Vec<&dyn ToSql> = chunk.iter().map(|k| k as &dyn ToSql).collect();
                each(&format!(r#"{columns} WHERE t0."author_id" IN ({marks}) {order}"#), &params);
            }
        }
        Keys::Rarray => {
            let array: Rc<Vec<Value>> = Rc::new(ids.iter().map(|&k| Value::Integer(k)).collect());
            each(&format!(r#"{columns} WHERE t0."author_id" IN rarray(?) {order}"#), &[&array]);
        }
        Keys::Subquery => {
            each(
                &format!(
                    r#"{columns} WHERE t0."author_id" IN (SELECT t1."id" FROM "author" t1) {order}"#
                ),
                &[],
            );
        }
    }
    checksum(authors.iter().zip(&books).map(|(a, b)| (a, b.as_slice())))
}

#[inline(never)]
fn naive(conn: &Connection) -> u64 {
    let authors = Author::query().all(conn).unwrap();
    let books: Vec<Vec<BookRow>> = authors
        .iter()
        .map(|a| {
            Book::query()
                .filter(Book::author_id.eq(a.id))
                .order_by(Book::id.asc())
                .all(conn)
                .unwrap()
        })
        .collect();
    checksum(authors.iter().map(|a| &**a).zip(books.iter().map(Vec::as_slice)))
}

#[derive(Clone, Copy, Debug)]
enum Keys {
    /// One bound value per key, in chunks of at most 32,766.
    Bound,
    /// One JSON array, `IN (SELECT value FROM json_each(?))`.
    Json,
    /// rusqlite's `rarray` table-valued function.
    Rarray,
    /// The parent query again, as a subquery: no values to send.
    Subquery,
}

type Contender<'a> = (&'static str, Box<dyn FnMut() -> u64 + 'a>);

/// Runs every contender `runs` times, interleaved (so drift in the machine's speed hits
/// all alike), and returns each one's median time and its checksum.
fn medians(runs: usize, contenders: &mut [Contender<'_>]) -> Vec<(Duration, u64)> {
    let mut times: Vec<Vec<Duration>> =
        contenders.iter().map(|_| Vec::with_capacity(runs)).collect();
    let mut sums = vec![0; contenders.len()];
    for _ in 0..runs {
        for (i, (_, work)) in contenders.iter_mut().enumerate() {
            let started = Instant::now();
            sums[i] = work();
            times[i].push(started.elapsed());
        }
    }
    times
        .into_iter()
        .zip(sums)
        .map(|(mut t, sum)| {
            t.sort();
            (t[runs / 2], sum)
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `--only NAME`: run one contender (named by the start of its label) for a profiler.
    let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).cloned();
    let sizes: Vec<i64> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![1_000, 10_000, 100_000] } else { sizes };
    println!(
        "authors x {BOOKS_PER_AUTHOR} books, in-memory SQLite, median of interleaved runs; ratio to hand-written rusqlite (same SQL)"
    );
    println!("{:>9}  {:<36} {:>11} {:>7}  check", "authors", "contender", "median", "ratio");
    for &authors in &sizes {
        let conn = database(authors);
        let runs = match authors {
            100_000.. => 7,
            10_000.. => 21,
            _ => 101,
        };
        // eagerly binds up to 1,000 keys one by one and sends more as one JSON array.
        let same = if authors < 1_000 { Keys::Bound } else { Keys::Json };
        let conn = &conn;
        let mut contenders: Vec<Contender> = vec![
            ("hand-written rusqlite (same SQL)", Box::new(|| hand_written(conn, same))),
            ("eagerly (prefetch)", Box::new(|| eager(conn))),
            ("naive N+1 loop (eagerly queries)", Box::new(|| naive(conn))),
            ("hand-written, keys bound one by one", Box::new(|| hand_written(conn, Keys::Bound))),
            ("hand-written, keys as JSON", Box::new(|| hand_written(conn, Keys::Json))),
            ("hand-written, keys in rarray", Box::new(|| hand_written(conn, Keys::Rarray))),
            ("hand-written, keys by subquery", Box::new(|| hand_written(conn, Keys::Subquery))),
        ];
        if let Some(only) = &only {
            contenders.retain(|(name, _)| name.starts_with(only.as_str()));
            contenders.truncate(1);
        }
        let results = medians(runs, &mut contenders);
        if only.is_some() {
            println!(
                "{authors:>9}  {:<36} {:>9.2}ms",
                contenders[0].0,
                results[0].0.as_secs_f64() * 1e3
            );
            continue;
        }
        let (reference, expected) = results[0];
        for ((name, _), (time, sum)) in contenders.iter().zip(&results) {
            let ratio = time.as_secs_f64() / reference.as_secs_f64();
            let check = if *sum == expected { "ok" } else { "WRONG" };
            println!(
                "{authors:>9}  {name:<36} {:>9.2}ms {ratio:>6.2}x  {check}",
                time.as_secs_f64() * 1e3
            );
        }
    }
}
