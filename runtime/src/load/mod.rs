//! Loading relations. `join` adds `select_related` JOINs, `count` adds `with_count`
//! subqueries, `prefetch` runs one batched query per relation and level (shaped by
//! `related`: a NOT NULL `belongs_to`'s query cannot be filtered), and `level` runs the
//! prefetches below a JOIN over its joined rows; this module holds what they share: the
//! extra SQL of a statement, the per-row decoders of joined and counted values, and
//! decoding a level of rows.
//!
//! A query's row type changes with every loading call, in the order the calls are made,
//! while joined and counted values arrive with the base row. A query's [`RowPlan`] says how
//! its rows are made: while every call so far reads values of the row itself (JOINs,
//! counts), each row is made whole as it streams (`Before -> After`, per row). Once a call
//! needs the whole level (a prefetch), the rows as streamed so far and the values of later
//! JOINs and counts stream into side columns, and the calls become steps of a chain
//! (`Vec<Before> -> Vec<After>`), each taking its own column.
//!
//! The plan's makers are boxed closures, one per loading call, each calling the one
//! before it: a query's type names its model and its row type only
//! (`Query<Author, row!(Author { books })>` can be written in a signature), so the makers
//! cannot be in it. The price is not the dynamic calls (measured: next to nothing) but a
//! move of the row out of each loading call's `Result` into the next, per row (a few
//! percent of the client's work on a JOIN of a million rows).
//!
//! No loader runs a statement: a level's chain gives a [`Flow`], the next
//! statement to run and what to do with its rows, and the driver runs it ([`flow`]). So
//! the same loading code serves every driver; a driver is the loop in `flow::drive`.
//!
//! Rows are not read into a `Vec<Value>` first and decoded from there (the first sketch of
//! the row types did that): they decode straight from SQLite; values are kept aside only when a
//! batch's rows must be decoded once per parent that shares them (`prefetch`), which
//! keeps the common case (a has-many below distinct parents) as fast as hand-written code.

pub(crate) mod count;
pub(crate) mod flow;
pub(crate) mod join;
pub(crate) mod level;
pub(crate) mod prefetch;
pub(crate) mod related;

use std::any::Any;
use std::sync::Arc;

use self::flow::{Flow, LoadContext};
use crate::error::Result;
use crate::model::Model;
use crate::row::{Reader, Rows, Source};
use crate::send::{Boxed, MaybeSend};
use crate::usage::Usage;

/// How a query makes its rows from result rows.
pub(crate) enum RowPlan<R> {
    /// Every loading call so far reads values that arrive with the row (JOINs, counts):
    /// each row is made whole as it streams, and nothing is kept aside.
    Streamed(Stream<R>),
    /// Some loading call runs on the whole level (prefetch): result rows stream into side
    /// columns, the first of which holds the rows as streamed so far, and the chain's
    /// steps, one per loading call, take them.
    Chained { sides: Vec<Arc<dyn AnySide>>, chain: Arc<Chain<R>> },
}

/// Turns one execution's side columns into the query's rows.
pub(crate) type Chain<R> =
    dyn Fn(LoadContext, &mut Sides) -> Result<Flow<'static, Vec<R>>> + Send + Sync;

/// Makes one row from a result row, with the inspector's watch of each relation loaded.
type Make<R> = dyn Fn(Source<'_>, &[Option<Arc<Usage>>]) -> Result<R> + Send + Sync;

/// [`Make`], pushing the row onto a vector: the last loading call's row is written once,
/// where it stays.
type Push<R> = dyn Fn(Source<'_>, &[Option<Arc<Usage>>], &mut Vec<R>) -> Result<()> + Send + Sync;

/// A [`RowPlan::Streamed`] plan.
pub(crate) struct Stream<R> {
    make: Arc<Make<R>>,
    push: Arc<Push<R>>,
    /// The relations (and counts, `true`) loaded with the row, watched for the inspector.
    watched: Vec<(&'static str, bool)>,
}

impl<R> Clone for Stream<R> {
    fn clone(&self) -> Self {
        Stream { make: self.make.clone(), push: self.push.clone(), watched: self.watched.clone() }
    }
}

impl<R> Clone for RowPlan<R> {
    fn clone(&self) -> Self {
        match self {
            RowPlan::Streamed(stream) => RowPlan::Streamed(stream.clone()),
            RowPlan::Chained { sides, chain } => {
                RowPlan::Chained { sides: sides.clone(), chain: chain.clone() }
            }
        }
    }
}

impl<R: 'static> Stream<R> {
    /// A plan that makes each row with `make`, watching `watched`.
    fn new(
        make: impl Fn(Source<'_>, &[Option<Arc<Usage>>]) -> Result<R> + Clone + Send + Sync + 'static,
        watched: Vec<(&'static str, bool)>,
    ) -> Self {
        let pushing = make.clone();
        let push: Arc<Push<R>> = Arc::new(move |row, usages, out| {
            out.push(pushing(row, usages)?);
            Ok(())
        });
        Stream { make: Arc::new(make), push, watched }
    }
}

impl<R> Stream<R> {
    /// One execution's watches, one per relation loaded (none unless an inspection runs).
    fn usages(&self, load: LoadContext) -> Vec<Option<Arc<Usage>>> {
        self.watched
            .iter()
            .map(|&(relation, count)| crate::log::start_usage(relation, count, load.caller))
            .collect()
    }

    /// Makes this plan's rows for one execution.
    fn maker(&self, load: LoadContext) -> RowMaker<R> {
        RowMaker { make: self.make.clone(), push: self.push.clone(), usages: self.usages(load) }
    }
}

impl<R> RowPlan<R> {
    /// Whether some loading call runs statements of its own (a prefetch).
    pub(crate) fn is_chained(&self) -> bool {
        matches!(self, RowPlan::Chained { .. })
    }
}

impl<R: MaybeSend + 'static> RowPlan<R> {
    /// The rows of `M`, nothing loaded.
    pub(crate) fn rows_of<M: Model<Row = R>>() -> Self {
        RowPlan::Streamed(Stream::new(|row, _| decode_row::<M>(row), Vec::new()))
    }

    /// Adds a loading call whose value arrives with each row: `value` decodes it (given
    /// the row made so far, unless the row is made later, from a side column), `set` puts
    /// it into the row, watched for the inspector as `relation` (a count if `count`).
    pub(crate) fn with_value<T: MaybeSend + 'static, R2: 'static>(
        self,
        relation: &'static str,
        count: bool,
        value: impl Fn(Source<'_>, Option<&R>) -> Result<T> + Send + Sync + 'static,
        set: impl Fn(R, T, &Option<Arc<Usage>>) -> R2 + Send + Sync + 'static,
    ) -> RowPlan<R2> {
        match self {
            RowPlan::Streamed(Stream { make, push: _, mut watched }) => {
                let at = watched.len();
                watched.push((relation, count));
                let (value, set) = (Arc::new(value), Arc::new(set));
                // Written out twice: pushed where it is made, the row is not moved again.
                let (make_, value_, set_) = (make.clone(), value.clone(), set.clone());
                let push: Arc<Push<R2>> = Arc::new(move |row, usages, out| {
                    let before = make_(row, usages)?;
                    let value = value_(row, Some(&before))?;
                    out.push(set_(before, value, &usages[at]));
                    Ok(())
                });
                let make: Arc<Make<R2>> = Arc::new(move |row, usages| {
                    let before = make(row, usages)?;
                    let value = value(row, Some(&before))?;
                    Ok(set(before, value, &usages[at]))
                });
                RowPlan::Streamed(Stream { make, push, watched })
            }
            chained => chained.with_level_value(
                relation,
                count,
                move |row| value(row, None),
                |_, values| Ok(Flow::Done(values)),
                set,
            ),
        }
    }

    /// Adds a loading call whose value arrives with each row (`value` decodes it) and is
    /// then loaded on the whole level (`level`: the prefetches below a JOIN), before `set`
    /// puts it into the row, watched for the inspector as `relation` (a count if `count`).
    pub(crate) fn with_level_value<T: MaybeSend + 'static, T2: MaybeSend + 'static, R2: 'static>(
        self,
        relation: &'static str,
        count: bool,
        value: impl Fn(Source<'_>) -> Result<T> + Send + Sync + 'static,
        level: impl Fn(LoadContext, Vec<T>) -> Result<Flow<'static, Vec<T2>>> + Send + Sync + 'static,
        set: impl Fn(R, T2, &Option<Arc<Usage>>) -> R2 + Send + Sync + 'static,
    ) -> RowPlan<R2> {
        let (mut sides, chain) = self.into_chained();
        // The value's own column: a stream that watches nothing.
        let value = Arc::new(value);
        sides.push(Arc::new(Stream::new(move |row, _| value(row), Vec::new())));
        let side = sides.len() - 1;
        let (level, set) = (Arc::new(level), Arc::new(set));
        let chain: Arc<Chain<R2>> = Arc::new(move |load, columns| {
            let values = columns.take::<T>(side);
            let (level, set) = (level.clone(), set.clone());
            chain(load, columns)?.and_then(move |rows| {
                level(load, values)?.map(move |values| {
                    let usage = crate::log::start_usage(relation, count, load.caller);
                    Ok(rows.into_iter().zip(values).map(|(row, v)| set(row, v, &usage)).collect())
                })
            })
        });
        RowPlan::Chained { sides, chain }
    }

    /// The plan's side columns and chain: a streamed plan's rows become the first column.
    fn into_chained(self) -> (Vec<Arc<dyn AnySide>>, Arc<Chain<R>>) {
        match self {
            RowPlan::Streamed(stream) => (
                vec![Arc::new(stream)],
                Arc::new(|_, columns| Ok(Flow::Done(columns.take::<R>(0)))),
            ),
            RowPlan::Chained { sides, chain } => (sides, chain),
        }
    }

    /// Adds a loading call that runs once the whole level is decoded.
    pub(crate) fn then<R2>(
        self,
        step: impl Fn(LoadContext, Vec<R>) -> Result<Flow<'static, Vec<R2>>> + Send + Sync + 'static,
    ) -> RowPlan<R2>
    where
        R2: 'static,
    {
        let (sides, before) = self.into_chained();
        let step = Arc::new(step);
        let chain: Arc<Chain<R2>> = Arc::new(move |load, columns| {
            let step = step.clone();
            before(load, columns)?.and_then(move |rows| step(load, rows))
        });
        RowPlan::Chained { sides, chain }
    }
}

/// A column of values decoded from each result row (a [`Stream`]: the rows as streamed
/// so far, or a joined row or count for a step of the chain), with its value type erased,
/// so a query can hold several.
pub(crate) trait AnySide: Send + Sync {
    /// An empty column to decode one execution's values into.
    fn column(&self, load: LoadContext) -> Boxed!(dyn SideColumn);
}

/// One execution's values of an [`AnySide`].
pub(crate) trait SideColumn {
    #[cfg_attr(not(feature = "postgres"), allow(dead_code, reason = "SQLite's rows stream"))]
    fn reserve(&mut self, rows: usize);
    fn push(&mut self, row: Source<'_>) -> Result<()>;
    fn into_any(self: Box<Self>) -> Boxed!(dyn Any);
}

impl<R: MaybeSend + 'static> AnySide for Stream<R> {
    fn column(&self, load: LoadContext) -> Boxed!(dyn SideColumn) {
        Box::new(Column { push: self.push.clone(), usages: self.usages(load), values: Vec::new() })
    }
}

struct Column<T> {
    push: Arc<Push<T>>,
    usages: Vec<Option<Arc<Usage>>>,
    values: Vec<T>,
}

impl<T: MaybeSend + 'static> SideColumn for Column<T> {
    fn reserve(&mut self, rows: usize) {
        self.values.reserve(rows);
    }

    fn push(&mut self, row: Source<'_>) -> Result<()> {
        (self.push)(row, &self.usages, &mut self.values)
    }

    fn into_any(self: Box<Self>) -> Boxed!(dyn Any) {
        Box::new(self.values)
    }
}

/// The side columns of one execution, for the chain's steps to take.
pub(crate) struct Sides {
    columns: Vec<Option<Boxed!(dyn Any)>>,
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

/// The row of `M` at the start of a result row, nothing loaded yet.
pub(crate) fn decode_row<M: Model>(row: Source<'_>) -> Result<M::Row> {
    Ok(M::decode(&mut Reader::new(row, M::TABLE, 0))?.into_row())
}

/// Makes rows one at a time, for a plan that makes them whole as they stream.
pub(crate) struct RowMaker<R> {
    make: Arc<Make<R>>,
    push: Arc<Push<R>>,
    usages: Vec<Option<Arc<Usage>>>,
}

impl<R> RowMaker<R> {
    /// `None` for a [`RowPlan::Chained`] plan.
    pub(crate) fn new(plan: &RowPlan<R>, load: LoadContext) -> Option<Self> {
        match plan {
            RowPlan::Streamed(stream) => Some(stream.maker(load)),
            RowPlan::Chained { .. } => None,
        }
    }

    pub(crate) fn make(&self, row: Source<'_>) -> Result<R> {
        (self.make)(row, &self.usages)
    }

    /// Makes a row and pushes it onto `out`.
    pub(crate) fn push(&self, row: Source<'_>, out: &mut Vec<R>) -> Result<()> {
        (self.push)(row, &self.usages, out)
    }
}

impl<R> Rows for LevelDecoder<R> {
    fn reserve(&mut self, rows: usize) {
        match self {
            LevelDecoder::Streamed { rows: made, .. } => made.reserve(rows),
            LevelDecoder::Chained { columns, .. } => {
                columns.iter_mut().for_each(|column| column.reserve(rows))
            }
        }
    }

    fn push(&mut self, row: Source<'_>) -> Result<()> {
        LevelDecoder::push(self, row)
    }
}

/// Makes the rows of one level of a query (the queried table, its joins and counts) from
/// result rows, then runs the query's chain on them.
pub(crate) enum LevelDecoder<R> {
    Streamed { maker: RowMaker<R>, rows: Vec<R> },
    Chained { chain: Arc<Chain<R>>, columns: Vec<Boxed!(dyn SideColumn)> },
}

impl<R> LevelDecoder<R> {
    pub(crate) fn new(plan: &RowPlan<R>, load: LoadContext) -> Self {
        match plan {
            RowPlan::Streamed(stream) => {
                LevelDecoder::Streamed { maker: stream.maker(load), rows: Vec::new() }
            }
            RowPlan::Chained { sides, chain } => LevelDecoder::Chained {
                chain: chain.clone(),
                columns: sides.iter().map(|s| s.column(load)).collect(),
            },
        }
    }

    pub(crate) fn push(&mut self, row: Source<'_>) -> Result<()> {
        match self {
            LevelDecoder::Streamed { maker, rows } => maker.push(row, rows)?,
            LevelDecoder::Chained { columns, .. } => {
                for column in columns {
                    column.push(row)?;
                }
            }
        }
        Ok(())
    }

    /// The level's rows, once the loading calls that run on the whole level (its chain)
    /// have run.
    pub(crate) fn finish(self, load: LoadContext) -> Result<Flow<'static, Vec<R>>> {
        match self {
            LevelDecoder::Streamed { rows, .. } => Ok(Flow::Done(rows)),
            LevelDecoder::Chained { chain, columns } => {
                let mut sides =
                    Sides { columns: columns.into_iter().map(|c| Some(c.into_any())).collect() };
                chain(load, &mut sides)
            }
        }
    }
}
