//! The runtime of [eagerly](https://docs.rs/eagerly): everything `#[derive(Model)]`
//! plugs into. Use it through the `eagerly` crate, which re-exports it with the derive.
//!
//! # Layers
//!
//! Each module uses only modules listed before it; no two modules use each other, doc
//! links included (`tests/layers.rs` checks it):
//!
//! 1. **Values and errors**: `value` (eagerly's own [`Value`], what statements bind on any
//!    backend, and Rust values on their way to it), `text` (text values read into
//!    `String` fields, ASCII checked a word at a time), `error`, `send` ([`MaybeSend`]:
//!    what a load holds between statements is `Send` when an async driver is built).
//! 2. **Vocabulary**: `filter` (conditions), `plan::alias` (the names of a statement's
//!    tables), `column` (typed columns and what they build), `schema` (a model's table,
//!    and [`Link`], how each kind of relation reaches its rows: the one place that knows
//!    the kinds).
//! 3. **Plan**: `plan` (what a query is: selected columns, filter, joins, counts, limits,
//!    batch keys), `plan::layout` (where a query's rows' values are in a result row) and
//!    `plan::statement` (what a statement does, for the inspector). No backend, no SQL
//!    text.
//! 4. **Observation**: `usage` (was a loaded relation read), `trace` (`tracing` spans),
//!    `log` (captures, `forbid_queries`, the records every statement leaves).
//! 5. **Dialect**: `sql`, the only code that writes SQL text; each statement in one
//!    dialect, `sql::dialect` listing where SQLite's and PostgreSQL's differ (placeholders,
//!    NULL-safe comparison, offsets, case folding, text filters, lists of values, column
//!    types and keys, query plans).
//! 6. **Rows**: `row` (decoding a result row, whichever backend gave it; the slots of
//!    generated row types).
//! 7. **Driver**: `driver` (the [`Executor`]s a call runs on, and the watching every
//!    statement gets: forbidding, recording, plans), `driver::sqlite` (rusqlite: runs,
//!    binds, reads rows in place), `driver::postgres` with the `postgres` feature (the
//!    `postgres` crate's `Client` and `Transaction`: binds a [`Value`] as the parameter
//!    type the server asks for, reads rows into values), `driver::postgres::asynchronous`
//!    with the `tokio-postgres` feature (the same binding and decoding, awaited; its
//!    transactions roll back when a future is dropped).
//! 8. **Models**: `model` (the [`Model`] trait, and the row types' decoding, which the
//!    derive implements), `relation` (the relation traits and their type-level
//!    cardinality).
//! 9. **Loading and writing**: `load` (row plans; `load::decode`: a row, its joined rows
//!    and counts, made from one result row by its layout; batched prefetch levels;
//!    `load::flow`: a load as the statements it asks for, which a driver's loop runs),
//!    `transaction`, `write`, `query` (the builder and its terminal methods), with
//!    `load::{join, count, prefetch}` adding the loading calls to [`Query`].
//! 10. **Tools**: `inspect` (the query inspector), `serialize`, and `__private` (what the
//!     derive's code calls: [`Model`]'s methods are filled in by the derive with calls to
//!     it, so that the trait, low in this list, never names the code that runs queries).

#![warn(missing_docs)]
// `unsafe` is allowed where it is used: `text` (ASCII is UTF-8), and the test harness's
// `atexit`.
#![deny(unsafe_code)]

pub mod column;
mod driver;
pub mod error;
pub mod filter;
pub mod inspect;
mod load;
pub mod log;
pub mod model;
mod plan;
/// The PostgreSQL the integration tests start (a real server, from the binaries on the
/// machine), for the tests of the PostgreSQL dialect and driver.
#[cfg(test)]
#[path = "../../tests/common/postgres.rs"]
mod postgres_server;
pub mod query;
pub mod relation;
pub mod row;
pub mod schema;
mod send;
#[cfg(feature = "serde")]
mod serialize;
mod sql;
mod text;
mod trace;
mod transaction;
mod usage;
mod value;
mod write;

/// The property tests' configuration, as the integration tests' `property_config`: a fixed
/// seed and no files written, so a run is repeatable; `PROPTEST_CASES` (and
/// `PROPTEST_RNG_SEED`) run them long.
#[cfg(test)]
fn property_config() -> proptest::prelude::ProptestConfig {
    let mut config = proptest::prelude::ProptestConfig::default();
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = proptest::test_runner::RngSeed::Fixed(0xEA6E_2713);
    }
    config.failure_persistence = None;
    config
}

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

/// Without the `serde` feature, rows get no `Serialize` impl.
#[cfg(not(feature = "serde"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __serialize_row {
    ($($ignored:tt)*) => {};
}

pub use column::{Assignment, Column, Order};
pub use driver::Executor;
#[cfg(feature = "tokio-postgres")]
pub use driver::{AsyncCachedClient, AsyncCachedTransaction, AsyncExecutor};
#[cfg(feature = "postgres")]
pub use driver::{CachedClient, CachedTransaction};
pub use error::{DatabaseError, DecodeProblem, Error, Result};
pub use filter::Cond;
pub use inspect::{Inspector, Report, inspect, inspect_async};
pub use load::join::Join;
#[cfg(feature = "tokio-postgres")]
pub use load::prefetch::prefetch_async;
pub use load::prefetch::{prefetch, prefetch_with};
pub use load::related::{RelatedQueryFor, ToOneQuery};
pub use log::{
    Counters, QueryLog, QueryRecord, capture, capture_async, forbid_queries, forbid_queries_async,
};
pub use model::{Insertable, Model};
pub use query::Query;
pub use relation::{
    Card, CountKey, CountOf, Countable, DefaultSlot, Joinable, RelNamed, Relation, SlotOf, ToMany,
    ToOne, ToOptional,
};
pub use row::{Counted, Loaded, Many, NotLoaded, One, Opt, SetSlot, SlotKey, Unloaded};
pub use schema::{Link, SqlType, Table};
pub use send::MaybeSend;
pub use value::{Value, ValueFor};
pub use write::create_tables;
#[cfg(feature = "tokio-postgres")]
pub use write::{AsyncInsert, AsyncModel, create_tables_async};

/// The rusqlite this build of eagerly uses: its `Connection` is an [`Executor`].
pub use rusqlite;
