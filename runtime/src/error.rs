//! The one error type of eagerly.

use rusqlite::types::{FromSqlError, Type};

/// Everything that can go wrong at run time.
///
/// Each variant names the table (and, where there is one, the column) it concerns, so a
/// message read in a log says where to look without a backtrace.
///
/// ```
/// # use eagerly::Model;
/// # #[derive(Model, Debug)]
/// # pub struct Author { #[model(primary_key)] pub id: i64, pub name: String }
/// # let conn = eagerly::rusqlite::Connection::open_in_memory()?;
/// # eagerly::create_tables(&conn, &[Author::TABLE])?;
/// match Author::get(&conn, 42) {
///     Err(eagerly::Error::NotFound { table }) => assert_eq!(table, "author"),
///     other => panic!("expected NotFound, got {other:?}"),
/// }
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A lookup that needs a row (by primary key, `one()`, `update` or `delete` of a row)
    /// found none.
    #[error("no row of table `{table}` matches")]
    NotFound {
        /// The table that was searched.
        table: &'static str,
    },

    /// `one()` found more than one row.
    #[error("more than one row of table `{table}` matches, and exactly one was expected")]
    MultipleRows {
        /// The table that was searched.
        table: &'static str,
    },

    /// A `belongs_to` relation through a NOT NULL foreign key found no row, whether it
    /// was loaded by a JOIN or by a prefetch: the foreign key refers to a row that does not
    /// exist (the database did not enforce it: foreign keys turned off, or rows written
    /// before the constraint). Nothing else leaves such a row out: a prefetch of it cannot
    /// be filtered, limited or offset ([`ToOneQuery`](crate::ToOneQuery)). The row holding
    /// the key is not dropped: `count()` counts it, and loading it is this error.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// conn.execute_batch("PRAGMA foreign_keys = OFF; UPDATE book SET author_id = 99 WHERE id = 1")?;
    /// let joined = Book::query().select_related(Book::author).all(&conn);
    /// assert!(matches!(joined, Err(eagerly::Error::MissingRelated { relation: "Book::author", .. })));
    /// assert_eq!(
    ///     joined.unwrap_err().to_string(),
    ///     "relation `Book::author` found no row: no row of `author` has the key in `book`.`author_id` (a foreign key the database did not enforce)"
    /// );
    /// assert_eq!(Book::query().count(&conn)?, 4);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    #[error(
        "relation `{relation}` found no row: no row of `{target}` has the key in `{table}`.`{column}` (a foreign key the database did not enforce)"
    )]
    MissingRelated {
        /// The relation, as `Book::author`.
        relation: &'static str,
        /// The table holding the foreign key.
        table: &'static str,
        /// The foreign key's column.
        column: &'static str,
        /// The table it refers to.
        target: &'static str,
    },

    /// A value read from the database does not fit the field it is decoded into.
    #[error("cannot read column `{table}`.`{column}` into `{rust_type}`: {problem}")]
    Decode {
        /// The table the column belongs to.
        table: &'static str,
        /// The column's name in the database.
        column: &'static str,
        /// The field's Rust type, as written in the model.
        rust_type: &'static str,
        /// What was wrong with the value.
        problem: DecodeProblem,
    },

    /// A Rust value could not be turned into an SQLite value (for example a `u64` above
    /// `i64::MAX`).
    #[error("cannot bind a value for column `{table}`.`{column}`: {source}")]
    Bind {
        /// The table the column belongs to.
        table: &'static str,
        /// The column the value was meant for.
        column: &'static str,
        /// rusqlite's reason.
        #[source]
        source: rusqlite::Error,
    },

    /// The database refused or failed a statement: a missing table, a constraint, a locked
    /// database, a lost connection, ...
    #[error("database error on table `{table}`: {source} (while running `{sql}`)")]
    Database {
        /// The table the statement is about.
        table: &'static str,
        /// The statement's SQL text (values are bound separately and not included). A long
        /// statement is cut short, so that the error stays readable; the whole of it is in
        /// the query log of a [`capture`](crate::capture).
        sql: String,
        /// The driver's error.
        #[source]
        source: DatabaseError,
    },

    /// A column holds values of a type eagerly does not read on this backend.
    #[error(
        "column `{column}` of a `{table}` statement has {backend} type `{type_name}`, which eagerly does not read; select it as a supported type (a cast) or leave it out of the model"
    )]
    UnsupportedType {
        /// The table the statement is about.
        table: &'static str,
        /// The column's name in the result.
        column: String,
        /// The column's type, as the backend names it.
        type_name: String,
        /// The backend, as `PostgreSQL`.
        backend: &'static str,
    },

    /// A filter nests `and`, `or` and `not` more deeply than eagerly writes: SQLite refuses
    /// expressions more than 1,000 levels high, and the limit holds on every backend. Wide
    /// filters are not deep: an `or` of any number of conditions is fine.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let mut deep = Book::id.eq(0);
    /// for i in 1..100_000 {
    ///     deep = (deep | Book::id.eq(i)) & Book::year.ne(i); // one level more each time
    /// }
    /// let refused = Book::query().filter(deep).all(&conn);
    /// assert!(matches!(refused, Err(eagerly::Error::FilterTooDeep { table: "book" })));
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    #[error(
        "the filter on table `{table}` nests `and`, `or` and `not` more deeply than eagerly writes (the depth SQLite evaluates, kept on every backend); flatten it (an `or` of any number of conditions is fine)"
    )]
    FilterTooDeep {
        /// The queried table.
        table: &'static str,
    },

    /// A table cannot be created on a backend: one of its field types has no declared type
    /// there (PostgreSQL gives every column one; SQLite needs none).
    #[error(
        "column `{table}`.`{column}` has no {backend} type: implement `eagerly::SqlType` for `{rust_type}` or write `#[model(sql_type = \"..\")]` on the field"
    )]
    NoColumnType {
        /// The table being created.
        table: &'static str,
        /// The column without a type.
        column: &'static str,
        /// The field's Rust type, as written in the model.
        rust_type: &'static str,
        /// The backend, as `PostgreSQL`.
        backend: &'static str,
    },

    /// A statement was about to run inside [`forbid_queries`](crate::forbid_queries).
    #[error("a query ran where queries are forbidden, at {location}: `{sql}`")]
    QueryForbidden {
        /// The statement's SQL, cut short if long (see [`Error::Database`]).
        sql: String,
        /// The line of the application that asked for it.
        location: &'static std::panic::Location<'static>,
    },

    /// An error of a rusqlite call the application made itself (opening a connection,
    /// running its own SQL), converted by `?`. eagerly's own statements report
    /// [`Error::Database`] instead, with the table and the SQL.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),

    /// An error of a `postgres` call the application made itself (connecting, beginning
    /// a transaction), converted by `?` (feature `postgres`). eagerly's own statements
    /// report [`Error::Database`] instead, with the table and the SQL.
    #[cfg(feature = "postgres")]
    #[error(transparent)]
    Postgres(#[from] postgres::Error),
}

/// The error of the driver that ran a statement, as that driver reports it.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// match (NewTag { name: "sf".into() }.insert(&conn)) {
///     Err(eagerly::Error::Database { source, .. }) => {
///         let sqlite = source.sqlite().expect("an SQLite connection's error");
///         assert_eq!(sqlite.sqlite_error_code(), Some(eagerly::rusqlite::ErrorCode::ConstraintViolation));
///     }
///     other => panic!("expected a unique violation, got {other:?}"),
/// }
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DatabaseError {
    /// rusqlite's error.
    #[error(transparent)]
    Sqlite(rusqlite::Error),
    /// The `postgres` crate's error (feature `postgres`).
    #[cfg(feature = "postgres")]
    #[error("{}", postgres_message(.0))]
    Postgres(postgres::Error),
}

impl DatabaseError {
    /// rusqlite's error, if an SQLite connection ran the statement.
    pub fn sqlite(&self) -> Option<&rusqlite::Error> {
        match self {
            DatabaseError::Sqlite(error) => Some(error),
            #[cfg(feature = "postgres")]
            DatabaseError::Postgres(_) => None,
        }
    }

    /// The `postgres` crate's error, if a PostgreSQL client ran the statement.
    #[cfg(feature = "postgres")]
    pub fn postgres(&self) -> Option<&postgres::Error> {
        match self {
            DatabaseError::Postgres(error) => Some(error),
            DatabaseError::Sqlite(_) => None,
        }
    }
}

impl From<rusqlite::Error> for DatabaseError {
    fn from(error: rusqlite::Error) -> Self {
        DatabaseError::Sqlite(error)
    }
}

#[cfg(feature = "postgres")]
impl From<postgres::Error> for DatabaseError {
    fn from(error: postgres::Error) -> Self {
        DatabaseError::Postgres(error)
    }
}

/// The server's own message (`duplicate key value violates unique constraint ..`) where
/// there is one: the `postgres` crate's `Display` says only `db error`. Not its detail,
/// which shows the values (`Key (name)=(sf) already exists`): messages end up in logs;
/// the detail is in the source, `DbError::detail`.
#[cfg(feature = "postgres")]
fn postgres_message(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => match std::error::Error::source(error) {
            Some(source) => format!("{error}: {source}"),
            None => error.to_string(),
        },
    }
}

/// A statement's SQL for an error: all of a short one, the start of a long one (a
/// statement with a long `IN (..)` list runs to hundreds of kilobytes).
pub(crate) fn abbreviated(sql: &str) -> String {
    /// Characters of a long statement an error keeps.
    const KEPT: usize = 300;
    match sql.char_indices().nth(KEPT) {
        None => sql.to_owned(),
        Some((end, _)) => format!("{}… ({} bytes in all)", &sql[..end], sql.len()),
    }
}

/// Why a stored value could not be decoded; part of [`Error::Decode`].
///
/// ```
/// # use eagerly::__doc::*;
/// // A table written by another program, where a name may be NULL: the model's `String`
/// // cannot hold it.
/// let raw = eagerly::rusqlite::Connection::open_in_memory()?;
/// raw.execute_batch("CREATE TABLE tag (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO tag VALUES (1, NULL);")?;
/// match Tag::get(&raw, 1) {
///     Err(eagerly::Error::Decode { column: "name", problem: eagerly::DecodeProblem::Null, .. }) => {}
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeProblem {
    /// The column holds NULL and the field is not an `Option`.
    #[error("the value is NULL; make the field an `Option` if the column may hold NULL")]
    Null,
    /// The stored value has a storage class the field type does not accept.
    #[error("found a value of type {found}, which the field's type does not read")]
    WrongType {
        /// The value's storage class: SQLite's own, or on PostgreSQL the class of the
        /// value's SQLite form (a `DATE` is text, a `BOOLEAN` an integer).
        found: Type,
    },
    /// An integer does not fit the field type.
    #[error("the integer {0} is out of range")]
    OutOfRange(i64),
    /// Any other conversion failure reported by the type's `FromSql` implementation.
    #[error(transparent)]
    Other(FromSqlError),
}

/// `Result` with [`Error`].
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// fn titles(conn: &eagerly::rusqlite::Connection) -> eagerly::Result<Vec<String>> {
///     Ok(Book::query().all(conn)?.into_iter().map(|b| b.into_model().title).collect())
/// }
/// assert_eq!(titles(&conn)?.len(), 4);
/// # Ok::<(), eagerly::Error>(())
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;
