//! Loading relations. `join` adds `select_related` JOINs, `count` adds `with_count`
//! subqueries, `prefetch` runs one batched query per relation and level; this module holds
//! what they share: the extra SQL of a statement, the per-row decoders of joined and
//! counted values, and decoding a level of rows.
//!
//! A query's row type changes with every loading call, in the order the calls are made,
//! while joined and counted values arrive with the base row. So each call adds one step to
//! the query's chain (`Vec<Before> -> Vec<After>`), and values that come with the base row
//! are decoded while streaming into side columns, one per call, that its step takes.
//!
//! `typestate.md` (section 6) reads every result row into a `Vec<Value>` first and decodes
//! from there. Here rows decode straight from SQLite; values are kept aside only when a
//! batch's rows must be decoded once per parent that shares them (`prefetch`), which
//! keeps the common case (a has-many below distinct parents) as fast as hand-written code.

pub(crate) mod count;
pub(crate) mod join;
pub(crate) mod prefetch;

use std::any::Any;
use std::panic::Location;
use std::sync::Arc;

use rusqlite::Connection;

use crate::error::Result;
use crate::model::Model;
use crate::query::Query;
use crate::row::{Reader, Source};
use crate::schema::Table;
pub(crate) use crate::sql::Alias;

/// One execution of a query: the connection, and the user's line that asked for it (every
/// statement of the execution is reported at that line).
#[derive(Clone, Copy)]
pub(crate) struct Run<'c> {
    pub conn: &'c Connection,
    pub caller: &'static Location<'static>,
}

/// `[LEFT] JOIN "table" alias ON alias."key" = parent."fk"`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JoinClause {
    pub table: &'static Table,
    pub alias: Alias,
    pub key: &'static str,
    pub parent: Alias,
    pub fk: &'static str,
    /// LEFT JOIN: the foreign key is nullable, or a join on the way here is.
    pub optional: bool,
}

/// A value selected after the queried table's own columns.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Extra {
    /// A joined table's column.
    Column { alias: Alias, name: &'static str },
    /// `(SELECT COUNT(*) FROM "table" alias WHERE alias."fk" = parent."key")`.
    Count {
        table: &'static Table,
        alias: Alias,
        fk: &'static str,
        parent: Alias,
        key: &'static str,
    },
}

/// Decodes one value per result row for a step of the chain: a joined row, a count.
pub(crate) struct Side<T> {
    decode: Arc<dyn Fn(Source<'_>) -> Result<T> + Send + Sync>,
}

impl<T> Side<T> {
    pub(crate) fn new(decode: impl Fn(Source<'_>) -> Result<T> + Send + Sync + 'static) -> Self {
        Side { decode: Arc::new(decode) }
    }
}

/// A [`Side`] with its value type erased, so a query can hold several.
pub(crate) trait AnySide: Send + Sync {
    /// An empty column to decode one execution's values into.
    fn column(&self) -> Box<dyn SideColumn>;
}

/// One execution's values of a [`Side`].
pub(crate) trait SideColumn {
    fn push(&mut self, row: Source<'_>) -> Result<()>;
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

impl<T: 'static> AnySide for Side<T> {
    fn column(&self) -> Box<dyn SideColumn> {
        Box::new(Column { decode: self.decode.clone(), values: Vec::new() })
    }
}

struct Column<T> {
    decode: Arc<dyn Fn(Source<'_>) -> Result<T> + Send + Sync>,
    values: Vec<T>,
}

impl<T: 'static> SideColumn for Column<T> {
    fn push(&mut self, row: Source<'_>) -> Result<()> {
        self.values.push((self.decode)(row)?);
        Ok(())
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        Box::new(self.values)
    }
}

/// The side columns of one execution, for the chain's steps to take.
pub(crate) struct Sides {
    columns: Vec<Option<Box<dyn Any>>>,
}

impl Sides {
    /// The values of side `index`, one per row, in row order. Each step takes its own
    /// column once; the column's type is the one the step registered with it.
    pub(crate) fn take<T: 'static>(&mut self, index: usize) -> Vec<T> {
        let column = self.columns.get_mut(index).and_then(Option::take);
        *column
            .and_then(|c| c.downcast::<Vec<T>>().ok())
            .expect("each step takes the side column it registered, once")
    }
}

/// Decodes the rows of one level of a query (the queried table, its joins and counts)
/// from result rows, then runs the query's chain on them.
pub(crate) struct LevelDecoder<'q, M: Model, R> {
    query: &'q Query<M, R>,
    bases: Vec<M::Row>,
    sides: Vec<Box<dyn SideColumn>>,
}

impl<'q, M: Model, R> LevelDecoder<'q, M, R> {
    pub(crate) fn new(query: &'q Query<M, R>) -> Self {
        LevelDecoder {
            query,
            bases: Vec::new(),
            sides: query.sides().iter().map(|s| s.column()).collect(),
        }
    }

    pub(crate) fn push(&mut self, row: Source<'_>) -> Result<()> {
        let model = M::decode(&mut Reader::new(row, M::TABLE, 0))?;
        self.bases.push(model.into_row());
        for side in &mut self.sides {
            side.push(row)?;
        }
        Ok(())
    }

    pub(crate) fn finish(self, run: Run<'_>) -> Result<Vec<R>> {
        let mut sides =
            Sides { columns: self.sides.into_iter().map(|c| Some(c.into_any())).collect() };
        self.query.run_chain(run, self.bases, &mut sides)
    }
}
