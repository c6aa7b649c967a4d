//! Loading without a connection: a load in progress is a [`Flow`], either finished or
//! waiting for the rows of its next statement. The loader hands out statements and takes
//! their rows; it never runs one. A driver is the short loop that runs them ([`drive`]
//! for the blocking drivers, rusqlite's and `postgres`'), so the loader (JOIN decoding,
//! batched prefetch levels, grouping) is written once for every driver, blocking or async.
//!
//! A flow is a chain of boxed steps rather than a `Future`: it never waits on anything
//! but the rows it asked for, so it needs no executor, and an async driver awaits its
//! own client between two steps ([`drive_async`], feature `tokio-postgres`). Such a
//! driver's future holds the flow across its awaits, so with that feature the steps are
//! `Send` boxes and everything they hold is `Send` (`crate::send`): a bound the compiler
//! checks where each step is made, never an assertion, and absent without the feature.

use std::panic::Location;
use std::sync::Arc;

use crate::driver::{self, Params, Run};
use crate::error::Result;
use crate::row::{Rows, Source};
use crate::send::{Boxed, MaybeSend};
use crate::sql::{Dialect, Statement};

/// Where a load runs from, and what its loaders need to know of it: no connection.
#[derive(Clone, Copy)]
pub(crate) struct LoadContext {
    /// The user's line that asked for the load: every statement of it is reported there.
    pub caller: &'static Location<'static>,
    /// The SQL the driver's statements are written in.
    pub dialect: Dialect,
    /// The rows of the level being loaded are (nearly) every row of their table: no filter,
    /// limit or offset chose them, at their level or above, and every level above reached
    /// every row of its table (a `has_many`). A large batch below them then selects its
    /// keys from the table itself (`fk IN (SELECT "id" FROM "author")`) rather than
    /// sending them; rows for keys no parent has are skipped, so a superset is harmless.
    pub whole_table: bool,
}

impl LoadContext {
    /// A load run by `run`'s driver; `whole_table` as the field says.
    pub(crate) fn new(run: Run<'_>, whole_table: bool) -> Self {
        LoadContext { caller: run.caller, dialect: run.dialect(), whole_table }
    }
}

/// A load in progress.
pub(crate) enum Flow<'a, T> {
    /// The load is done.
    Done(T),
    /// The load waits for the rows of a statement.
    Next(Boxed!(dyn Step<'a, T> + 'a)),
}

/// A load waiting for the rows of [`statement`](Step::statement): the driver runs it,
/// pushes each of its rows into the step's [`rows`](Step::rows), then
/// [`finish`](Step::finish)es the step, which gives the rest of the load.
pub(crate) trait Step<'a, T> {
    /// The statement whose rows this step waits for.
    fn statement(&self) -> Arc<Statement>;

    /// Whether another statement may follow this one (the driver reads them all in one
    /// snapshot then, if their rows must agree).
    fn more_may_follow(&self) -> bool;

    /// What takes the statement's rows. The driver asks for it once per statement, so
    /// that a row reaches it in one call however many steps wrap it.
    fn rows(&mut self) -> &mut dyn Rows;

    /// Every row was pushed: the rest of the load.
    fn finish(self: Box<Self>) -> Result<Flow<'a, T>>;
}

impl<'a, T: 'a> Flow<'a, T> {
    /// Continues with `then` once this flow is done; `then` may run statements of its own.
    pub(crate) fn and_then<U: 'a>(
        self,
        then: impl FnOnce(T) -> Result<Flow<'a, U>> + MaybeSend + 'a,
    ) -> Result<Flow<'a, U>> {
        match self {
            Flow::Done(value) => then(value),
            Flow::Next(step) => {
                Ok(Flow::Next(Box::new(Then { step, then: Box::new(then), runs_statements: true })))
            }
        }
    }

    /// Turns the result with `map` once this flow is done, running no statement.
    pub(crate) fn map<U: 'a>(
        self,
        map: impl FnOnce(T) -> Result<U> + MaybeSend + 'a,
    ) -> Result<Flow<'a, U>> {
        match self {
            Flow::Done(value) => Ok(Flow::Done(map(value)?)),
            Flow::Next(step) => Ok(Flow::Next(Box::new(Then {
                step,
                then: Box::new(move |value| Ok(Flow::Done(map(value)?))),
                runs_statements: false,
            }))),
        }
    }

    /// The same flow, as one that may borrow for less long (`Step`'s lifetime, in its
    /// methods' signatures, does not shorten by itself).
    pub(crate) fn shorten<'b>(self) -> Flow<'b, T>
    where
        'a: 'b,
    {
        match self {
            Flow::Done(value) => Flow::Done(value),
            Flow::Next(step) => Flow::Next(Box::new(Shortened(step))),
        }
    }

    /// Whether running this flow takes more than one statement (as far as can be told
    /// before the first runs).
    pub(crate) fn takes_several_statements(&self) -> bool {
        match self {
            Flow::Done(_) => false,
            Flow::Next(step) => step.more_may_follow(),
        }
    }
}

impl<'a, T: Rows + MaybeSend + 'a> Flow<'a, T> {
    /// Runs `statement`, pushing its rows into `rows`, then is done with `rows`.
    /// `more_may_follow`: what is done with them next may run statements.
    pub(crate) fn read(statement: Statement, rows: T, more_may_follow: bool) -> Self {
        Flow::Next(Box::new(Read { statement: Arc::new(statement), rows, more_may_follow }))
    }
}

/// The step of [`Flow::read`].
struct Read<T> {
    statement: Arc<Statement>,
    rows: T,
    more_may_follow: bool,
}

impl<'a, T: Rows + 'a> Step<'a, T> for Read<T> {
    fn statement(&self) -> Arc<Statement> {
        self.statement.clone()
    }

    fn more_may_follow(&self) -> bool {
        self.more_may_follow
    }

    fn rows(&mut self) -> &mut dyn Rows {
        self.rows.taker()
    }

    fn finish(self: Box<Self>) -> Result<Flow<'a, T>> {
        Ok(Flow::Done(self.rows))
    }
}

/// Each row made into a `T` by a function, in order: the rows of a [`Flow::read`].
pub(crate) struct Each<T, F> {
    pub made: Vec<T>,
    pub make: F,
}

impl<T, F: FnMut(Source<'_>) -> Result<T>> Each<T, F> {
    pub(crate) fn new(make: F) -> Self {
        Each { made: Vec::new(), make }
    }
}

impl<T, F: FnMut(Source<'_>) -> Result<T>> Rows for Each<T, F> {
    fn reserve(&mut self, rows: usize) {
        self.made.reserve(rows);
    }

    fn push(&mut self, row: Source<'_>) -> Result<()> {
        self.made.push((self.make)(row)?);
        Ok(())
    }
}

/// A step, and what comes after it.
struct Then<'a, T, U> {
    step: Boxed!(dyn Step<'a, T> + 'a),
    then: Boxed!(dyn FnOnce(T) -> Result<Flow<'a, U>> + 'a),
    /// `then` may run statements (rather than only turn the result).
    runs_statements: bool,
}

impl<'a, T: 'a, U: 'a> Step<'a, U> for Then<'a, T, U> {
    fn statement(&self) -> Arc<Statement> {
        self.step.statement()
    }

    fn more_may_follow(&self) -> bool {
        self.runs_statements || self.step.more_may_follow()
    }

    fn rows(&mut self) -> &mut dyn Rows {
        self.step.rows()
    }

    fn finish(self: Box<Self>) -> Result<Flow<'a, U>> {
        let Then { step, then, runs_statements } = *self;
        match step.finish()? {
            Flow::Done(value) => then(value),
            Flow::Next(step) => Ok(Flow::Next(Box::new(Then { step, then, runs_statements }))),
        }
    }
}

/// A step of a flow that borrows for longer than its user needs (see [`Flow::shorten`]).
struct Shortened<'a, T>(Boxed!(dyn Step<'a, T> + 'a));

impl<'a: 'b, 'b, T: 'a> Step<'b, T> for Shortened<'a, T> {
    fn statement(&self) -> Arc<Statement> {
        self.0.statement()
    }

    fn more_may_follow(&self) -> bool {
        self.0.more_may_follow()
    }

    fn rows(&mut self) -> &mut dyn Rows {
        self.0.rows()
    }

    fn finish(self: Box<Self>) -> Result<Flow<'b, T>> {
        Ok(self.0.finish()?.shorten())
    }
}

/// The rows of a step, taken through the step itself (which may be sent between threads,
/// where the `dyn Rows` it lends may not).
#[cfg(feature = "tokio-postgres")]
struct StepRows<'s, 'a, T>(&'s mut Boxed!(dyn Step<'a, T> + 'a));

#[cfg(feature = "tokio-postgres")]
impl<T> Rows for StepRows<'_, '_, T> {
    fn reserve(&mut self, rows: usize) {
        self.0.rows().reserve(rows);
    }

    fn push(&mut self, row: Source<'_>) -> Result<()> {
        self.0.rows().push(row)
    }
}

/// Runs a flow's statements on an async `run`'s connection until it is done: the loop of
/// [`drive`], awaiting each statement's rows.
#[cfg(feature = "tokio-postgres")]
pub(crate) async fn drive_async<T>(
    run: &mut driver::AsyncRun<'_>,
    mut flow: Flow<'_, T>,
) -> Result<T> {
    loop {
        match flow {
            Flow::Done(value) => return Ok(value),
            Flow::Next(mut step) => {
                let statement = step.statement();
                run.query_each(&statement, &statement.params, StepRows(&mut step)).await?;
                flow = step.finish()?;
            }
        }
    }
}

/// Runs a flow's statements on `run`'s connection until it is done.
pub(crate) fn drive<T>(run: Run<'_>, mut flow: Flow<'_, T>) -> Result<T> {
    loop {
        match flow {
            Flow::Done(value) => return Ok(value),
            Flow::Next(mut step) => {
                let statement = step.statement();
                let rows = step.rows();
                driver::query_each(run, &statement, Params::of(&statement), rows)?;
                flow = step.finish()?;
            }
        }
    }
}
