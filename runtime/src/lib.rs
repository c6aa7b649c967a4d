//! The runtime of [eagerly](https://docs.rs/eagerly): everything `#[derive(Model)]`
//! plugs into. Use it through the `eagerly` crate, which re-exports it with the derive.

#![warn(missing_docs)]

pub mod column;
pub mod error;
mod exec;
pub mod filter;
pub mod inspect;
mod load;
pub mod log;
pub mod model;
pub mod query;
pub mod relation;
pub mod row;
pub mod schema;
#[cfg(feature = "serde")]
mod serialize;
mod sql;
mod trace;
mod transaction;
mod usage;
mod value;
mod write;

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
pub use error::{DecodeProblem, Error, Result};
pub use filter::Cond;
pub use inspect::{Inspector, Report, inspect};
pub use load::join::Join;
pub use load::prefetch::{prefetch, prefetch_with};
pub use log::{Counters, QueryLog, QueryRecord, capture, forbid_queries};
pub use model::{Insertable, Model};
pub use query::Query;
pub use relation::{
    Card, CountKey, CountOf, Countable, DefaultSlot, Joinable, Link, RelNamed, Relation, SlotKey,
    SlotOf, ToMany, ToOne, ToOptional,
};
pub use row::{Counted, Loaded, Many, NotLoaded, One, Opt, Reader, SetSlot, Unloaded};
pub use schema::{SqlType, Table, create_tables};
pub use value::ValueFor;

/// The rusqlite this build of eagerly uses; every API takes its `Connection`.
pub use rusqlite;
