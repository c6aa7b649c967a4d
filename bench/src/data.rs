//! The databases every contender loads: a synthetic one (N authors x 10 books, one
//! publisher per 10 authors, every 5th author without one) and Chinook. The driver writes
//! the SQL that builds them once; each contender runs it on its own connection, so all of
//! them read the same rows through the same schema (eagerly's `create_tables`).

use std::path::{Path, PathBuf};

use crate::eagerly_side::{Author, Book, Publisher};
use eagerly::Model;

pub const BOOKS_PER_AUTHOR: u64 = 10;

/// The schema and rows of the synthetic database with `authors` authors, as one SQL
/// script.
pub fn synthetic_sql(authors: u64) -> String {
    let scratch = rusqlite::Connection::open_in_memory().expect("an in-memory database");
    let (created, log) = eagerly::capture(|| {
        eagerly::create_tables(&scratch, &[Publisher::TABLE, Author::TABLE, Book::TABLE])
    });
    created.expect("the schema is created");
    let mut sql: String = log
        .sql()
        .iter()
        .filter(|s| !s.contains("SAVEPOINT") && !s.contains("RELEASE"))
        .map(|s| format!("{s};\n"))
        .collect();
    let publishers = (authors / 10).max(1);
    let books = authors * BOOKS_PER_AUTHOR;
    sql.push_str(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {publishers})
           INSERT INTO publisher (id, name) SELECT i, 'publisher ' || i FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {authors})
           INSERT INTO author (id, name, publisher_id)
           SELECT i, 'author ' || i, CASE WHEN i % 5 = 0 THEN NULL ELSE i % {publishers} + 1 END FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {books})
           INSERT INTO book (id, title, author_id) SELECT i, 'book number ' || i, (i - 1) % {authors} + 1 FROM n;
         ANALYZE;\n"
    ));
    sql
}

/// A copy of Chinook's schema and rows from `source`, as one self-contained SQL script
/// (values written as SQL literals by SQLite's own `quote`, as `.dump` does), so every
/// contender's driver can run it on a fresh connection.
pub fn chinook_sql(source: &Path) -> String {
    let conn =
        rusqlite::Connection::open_with_flags(source, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("Chinook opens");
    let strings = |sql: &str| -> Vec<Vec<String>> {
        let mut statement = conn.prepare(sql).expect("Chinook reads");
        let width = statement.column_count();
        statement
            .query_map([], |r| (0..width).map(|i| r.get(i)).collect())
            .expect("Chinook reads")
            .map(|row| row.expect("Chinook reads"))
            .collect()
    };
    let objects = strings(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type DESC, rowid",
    );
    // Rows are inserted table by table, not in the order of their foreign keys.
    let mut sql = String::from("PRAGMA foreign_keys = OFF;\nBEGIN;\n");
    for object in objects.iter().filter(|o| o[0] == "table") {
        let (name, create) = (&object[1], &object[2]);
        sql.push_str(&format!("{create};\n"));
        let columns = strings(&format!("SELECT name FROM pragma_table_info('{name}')"));
        let values: Vec<String> = columns.iter().map(|c| format!("quote(\"{}\")", c[0])).collect();
        let rows = strings(&format!("SELECT {} FROM \"{name}\"", values.join(" || ',' || ")));
        for row in rows {
            sql.push_str(&format!("INSERT INTO \"{name}\" VALUES ({});\n", row[0]));
        }
    }
    for object in objects.iter().filter(|o| o[0] == "index") {
        sql.push_str(&format!("{};\n", object[2]));
    }
    sql.push_str("COMMIT;\nPRAGMA foreign_keys = ON;\nANALYZE;\n");
    sql
}

/// Where the contenders find a database: built in memory from a script, or a file.
#[derive(Clone, Debug)]
pub enum Storage {
    Memory { script: PathBuf },
    Disk { file: PathBuf },
}

impl Storage {
    /// The argument the driver passes: `mem:<script>` or `disk:<file>`.
    pub fn to_arg(&self) -> String {
        match self {
            Storage::Memory { script } => format!("mem:{}", script.display()),
            Storage::Disk { file } => format!("disk:{}", file.display()),
        }
    }

    pub fn from_arg(arg: &str) -> Storage {
        match arg.split_once(':') {
            Some(("mem", script)) => Storage::Memory { script: script.into() },
            Some(("disk", file)) => Storage::Disk { file: file.into() },
            _ => panic!("storage is mem:<script> or disk:<file>, not {arg}"),
        }
    }

    /// The script to run on a fresh in-memory connection, if any.
    pub fn script(&self) -> Option<String> {
        match self {
            Storage::Memory { script } => {
                Some(std::fs::read_to_string(script).expect("the script reads"))
            }
            Storage::Disk { .. } => None,
        }
    }
}

/// Writes a database file from a script, in WAL mode.
pub fn write_file(file: &Path, script: &str) {
    let _ = std::fs::remove_file(file);
    let conn = rusqlite::Connection::open(file).expect("the database file opens");
    conn.execute_batch("PRAGMA journal_mode = WAL;").expect("WAL");
    conn.execute_batch(script).expect("the database is written");
}
