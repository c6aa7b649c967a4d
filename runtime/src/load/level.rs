//! Loading below a JOIN what needs every joined row at once: a prefetch of the joined
//! rows' relations (Django's `select_related("author").prefetch_related("author__tags")`,
//! two statements). A joined row decodes with its parent's result row, as every JOIN
//! does (`decode`); a prefetch below it needs the keys of all of them, so
//! a `Join` also carries a [`LevelLoad`]:
//! once the statement's rows are decoded, it takes the joined rows (one per parent row,
//! in order, a key repeating where parents share a joined row), runs its batched
//! statements over them, and gives them back loaded.
//!
//! A JOIN below a JOIN lends its level load to the one above ([`Beneath`]): the load
//! above empties that slot of each of its rows ([`TakeSlot`]), loads what the slots held,
//! and fills them again. A JOIN with no such load ([`AsDecoded`]) adds nothing: its rows
//! are made whole as the statement's rows stream, as they always were.

use std::marker::PhantomData;
use std::sync::Arc;

use super::flow::{Flow, LoadContext};
use super::prefetch::fetch;
use crate::error::Result;
use crate::query::Query;
use crate::relation::{Joinable, Relation, SlotOf, missing};
use crate::row::{SetSlot, TakeSlot};
use crate::send::MaybeSend;

/// What a JOIN's rows become once every row of the statement is decoded: `In` rows, as
/// decoded, to `Out` rows, through the statements of the prefetches below the JOIN.
///
/// Sealed: `load` takes and gives the crate's own types, which no other crate can name.
#[doc(hidden)]
#[allow(private_interfaces)]
pub trait LevelLoad<In>: Send + Sync + 'static {
    /// The joined rows, loaded.
    type Out: MaybeSend + 'static;
    /// The rows need no load: they are made whole as they stream ([`AsDecoded`] alone).
    const AS_DECODED: bool = false;

    /// A row as decoded, when [`AS_DECODED`](LevelLoad::AS_DECODED): itself. `None`
    /// otherwise (never asked).
    fn as_decoded(row: In) -> Option<Self::Out>;

    /// Loads `rows`, every joined row of a statement.
    fn load(&self, load: LoadContext, rows: Vec<In>) -> Result<Flow<'static, Vec<Self::Out>>>;
}

/// A JOIN's rows as decoded: nothing below it runs on the whole level.
#[doc(hidden)]
#[derive(Clone, Copy, Default)]
pub struct AsDecoded;

impl<In: MaybeSend + 'static> LevelLoad<In> for AsDecoded {
    type Out = In;
    const AS_DECODED: bool = true;

    #[inline]
    fn as_decoded(row: In) -> Option<In> {
        Some(row)
    }

    #[allow(private_interfaces)]
    fn load(&self, _: LoadContext, rows: Vec<In>) -> Result<Flow<'static, Vec<In>>> {
        Ok(Flow::Done(rows))
    }
}

/// What a JOIN's level load makes of the load of the JOIN above it, which reaches this
/// JOIN's rows through the slot of `Rel` (holding `Y` rows as decoded).
#[doc(hidden)]
pub trait Beneath: Sized {
    /// The level load above (`L`), with this one below it.
    type Under<L, Rel, Y>;
    fn beneath<L, Rel, Y>(self, above: L) -> Self::Under<L, Rel, Y>;
}

impl Beneath for AsDecoded {
    type Under<L, Rel, Y> = L;
    fn beneath<L, Rel, Y>(self, above: L) -> L {
        above
    }
}

/// The load `L`, then the prefetch of `Rel` through `related`.
#[doc(hidden)]
pub struct ThenPrefetch<L, Rel: Relation, R2> {
    before: L,
    related: Arc<Query<Rel::To, R2>>,
}

impl<L, Rel: Relation, R2> ThenPrefetch<L, Rel, R2> {
    pub(crate) fn new(before: L, related: Query<Rel::To, R2>) -> Self {
        ThenPrefetch { before, related: Arc::new(related) }
    }
}

impl<In, L, Rel, R2> LevelLoad<In> for ThenPrefetch<L, Rel, R2>
where
    L: LevelLoad<In>,
    Rel: Relation,
    R2: std::ops::Deref<Target = Rel::To> + MaybeSend + 'static,
    L::Out: SetSlot<Rel, SlotOf<Rel, R2>>,
    <L::Out as SetSlot<Rel, SlotOf<Rel, R2>>>::Out: 'static,
{
    type Out = <L::Out as SetSlot<Rel, SlotOf<Rel, R2>>>::Out;

    fn as_decoded(_: In) -> Option<Self::Out> {
        None
    }

    #[allow(private_interfaces)]
    fn load(&self, load: LoadContext, rows: Vec<In>) -> Result<Flow<'static, Vec<Self::Out>>> {
        let related = self.related.clone();
        self.before
            .load(load, rows)?
            .and_then(move |rows| fetch::<Rel, L::Out, R2>(load, rows, &related))
    }
}

impl<L, Rel: Relation, R2> Beneath for ThenPrefetch<L, Rel, R2> {
    type Under<A, Above, Y> = Below<A, Above, Y, Self>;
    fn beneath<A, Above, Y>(self, above: A) -> Below<A, Above, Y, Self> {
        Below::new(above, self)
    }
}

/// The load `L` of a JOIN's rows, whose slot of `Rel` holds rows (`Y`, as decoded) of
/// the JOIN below, loaded by `B`.
#[doc(hidden)]
pub struct Below<L, Rel, Y, B> {
    above: L,
    below: B,
    relation: PhantomData<fn() -> (Rel, Y)>,
}

impl<L, Rel, Y, B> Below<L, Rel, Y, B> {
    fn new(above: L, below: B) -> Self {
        Below { above, below, relation: PhantomData }
    }
}

impl<L, Rel, Y, B> Beneath for Below<L, Rel, Y, B> {
    type Under<A, Above, Y2> = Below<A, Above, Y2, Self>;
    fn beneath<A, Above, Y2>(self, above: A) -> Below<A, Above, Y2, Self> {
        Below::new(above, self)
    }
}

impl<In, L, Rel, Y, B> LevelLoad<In> for Below<L, Rel, Y, B>
where
    Rel: Relation,
    Rel::Card: Joinable,
    In: TakeSlot<Rel, Value = SlotOf<Rel, Y>>,
    L: LevelLoad<In::Rest>,
    B: LevelLoad<Y>,
    Y: MaybeSend + 'static,
    L::Out: SetSlot<Rel, SlotOf<Rel, B::Out>>,
    <L::Out as SetSlot<Rel, SlotOf<Rel, B::Out>>>::Out: 'static,
    Self: Send + Sync + 'static,
{
    type Out = <L::Out as SetSlot<Rel, SlotOf<Rel, B::Out>>>::Out;

    fn as_decoded(_: In) -> Option<Self::Out> {
        None
    }

    #[allow(private_interfaces)]
    fn load(&self, load: LoadContext, rows: Vec<In>) -> Result<Flow<'static, Vec<Self::Out>>> {
        let (rests, joined): (Vec<In::Rest>, Vec<Option<Y>>) = rows
            .into_iter()
            .map(|row| {
                let (rest, slot) = row.take();
                (rest, Rel::Card::into_joined(slot))
            })
            .collect();
        let joined = load_present(joined, |present| self.below.load(load, present))?;
        let rests = self.above.load(load, rests)?;
        joined.and_then(move |joined| {
            rests.map(move |rests| {
                (rests.into_iter().zip(joined))
                    .map(|(rest, row)| Ok(rest.set(Rel::Card::from_joined(row, missing::<Rel>)?)))
                    .collect::<Result<Vec<_>>>()
            })
        })
    }
}

/// Loads the values that are there among `values` (a LEFT JOIN's rows, `None` where it
/// found none) with `load`, and gives them back in their places.
pub(crate) fn load_present<T, U: MaybeSend + 'static>(
    values: Vec<Option<T>>,
    load: impl FnOnce(Vec<T>) -> Result<Flow<'static, Vec<U>>>,
) -> Result<Flow<'static, Vec<Option<U>>>> {
    let places: Vec<bool> = values.iter().map(Option::is_some).collect();
    let loaded = load(values.into_iter().flatten().collect())?;
    loaded.map(move |loaded| {
        let mut loaded = loaded.into_iter();
        Ok(places.into_iter().map(|there| if there { loaded.next() } else { None }).collect())
    })
}
