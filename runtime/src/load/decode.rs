//! Making a row from one result row: where its values are ([`RowLayout`]: the model's
//! columns, and each slot's, a JOIN's joined row or a count), and the one function per row
//! type that reads them ([`DecodeRow`], which the derive implements for every row struct
//! over its slot types, each a [`DecodeSlot`]). A query whose loading calls all read
//! values of the row itself (JOINs, counts) keeps one layout and makes each row in one
//! call: the model decoded inline, then the slots and the model in one struct expression.
//! (A closure per loading call, each wrapping the one before, moved the row out of each
//! call's `Result` into the next, per row: measured, most of eagerly's own work on a JOIN
//! chain.)
//!
//! The layout (`plan::layout`) is data, built by `join` and `count` as the query is
//! built; the row type says which slots are loaded, so the two agree by construction: a
//! slot the type says is loaded has its layout, and no other is read.

use std::sync::Arc;

use rusqlite::ToSql;
use rusqlite::types::{FromSqlError, ToSqlOutput, Value, ValueRef};

use crate::error::{DecodeProblem, Error, Result};
use crate::model::{DecodeRow, Model};
use crate::plan::layout::{JoinedKey, ModelAt, RowLayout, SlotLayout};
use crate::relation::{Relation, missing};
use crate::row::{Loaded, NotLoaded, Parts, Reader, Source};
use crate::usage::Usage;

/// A slot type of a row struct: made from its layout in a result row. `Rel` is its
/// relation (the marker, also for a count), `from` the model of the row it is in.
#[doc(hidden)]
pub trait DecodeSlot: Sized {
    fn decode<Rel: Relation>(parts: &Parts<'_>, index: usize, from: &Rel::From) -> Result<Self>;
}

impl DecodeSlot for NotLoaded {
    #[inline(always)]
    fn decode<Rel: Relation>(_: &Parts<'_>, _: usize, _: &Rel::From) -> Result<Self> {
        Ok(NotLoaded)
    }
}

impl<T: SlotValue> DecodeSlot for Loaded<T> {
    #[inline(always)]
    fn decode<Rel: Relation>(parts: &Parts<'_>, index: usize, from: &Rel::From) -> Result<Self> {
        let mut slot = Loaded::new(T::decode::<Rel>(parts, index, from)?);
        if let Some(usage) = parts.usages.get(index) {
            slot.watch(usage);
        }
        Ok(slot)
    }
}

/// What a loaded slot holds, made from its layout: a count, a joined row (`Option` of one
/// through a nullable foreign key), or rows of a prefetch (which a row made from one result
/// row never has: a prefetch makes its query's rows in a chain, see `load`).
#[doc(hidden)]
pub trait SlotValue: Sized {
    fn decode<Rel: Relation>(parts: &Parts<'_>, index: usize, from: &Rel::From) -> Result<Self>;
}

impl SlotValue for usize {
    #[inline]
    fn decode<Rel: Relation>(parts: &Parts<'_>, index: usize, _: &Rel::From) -> Result<Self> {
        match parts.slots.get(index) {
            Some(SlotLayout::Count { offset, relation }) => {
                read_count(parts.source, *offset, relation)
            }
            _ => unreachable!("a count's slot has a count's layout ({})", Rel::NAME),
        }
    }
}

impl<R: DecodeRow> SlotValue for Option<R> {
    #[inline(always)]
    fn decode<Rel: Relation>(parts: &Parts<'_>, index: usize, from: &Rel::From) -> Result<Self> {
        match parts.slots.get(index) {
            Some(SlotLayout::Joined(joined)) => {
                decode_joined(parts.source, joined, || Rel::key_of(from))
            }
            _ => unreachable!("a joined slot has a JOIN's layout ({})", Rel::NAME),
        }
    }
}

impl<R: DecodeRow> SlotValue for R {
    #[inline(always)]
    fn decode<Rel: Relation>(parts: &Parts<'_>, index: usize, from: &Rel::From) -> Result<Self> {
        Option::<R>::decode::<Rel>(parts, index, from)?.ok_or_else(missing::<Rel>)
    }
}

impl<R> SlotValue for Vec<R> {
    fn decode<Rel: Relation>(_: &Parts<'_>, _: usize, _: &Rel::From) -> Result<Self> {
        unreachable!("a prefetched slot is never made from one result row ({})", Rel::NAME)
    }
}

/// The row of the queried table, with the slots `layout` loads, watched as `usages` says
/// (by slot).
#[inline(always)]
pub(crate) fn decode_base<R: DecodeRow>(
    row: Source<'_>,
    layout: &RowLayout,
    usages: &[Option<Arc<Usage>>],
) -> Result<R> {
    let model = <R::Model as Model>::decode(&mut Reader::new(row, <R::Model as Model>::TABLE, 0))?;
    R::from_parts(model, &Parts { source: row, slots: &layout.slots, usages })
}

/// A joined row, with the slots `layout` loads: `None` where the LEFT JOIN found nothing.
/// `fk` gives the parent row's foreign key, when there is a parent row.
#[inline(always)]
pub(crate) fn decode_joined<R: DecodeRow, K: ToSql>(
    row: Source<'_>,
    layout: &RowLayout,
    fk: impl FnOnce() -> Option<K>,
) -> Result<Option<R>> {
    let ModelAt::Joined { offset, key } = layout.model else {
        return decode_base(row, layout, &[]).map(Some);
    };
    let Some(model) = joined_model::<R::Model, K>(row, offset, key, fk)? else {
        return Ok(None);
    };
    R::from_parts(model, &Parts { source: row, slots: &layout.slots, usages: &[] }).map(Some)
}

/// A joined model, its columns from `offset`: `None` where the LEFT JOIN found nothing.
#[inline(always)]
fn joined_model<M: Model, K: ToSql>(
    row: Source<'_>,
    offset: usize,
    key: JoinedKey,
    fk: impl FnOnce() -> Option<K>,
) -> Result<Option<M>> {
    match key {
        JoinedKey::FromParent { fk_column, witness } => {
            let key = match fk().and_then(|key| integer(&key)) {
                Some(key) => key,
                None => row.get(fk_column).map_err(key_unreadable::<M>)?,
            };
            let mut reader = Reader::with_key(row, M::TABLE, offset, key, false);
            // Decoded first, at no cost where the row is there: the witness's NULL, an
            // error to its field's type, is the sign of an absent row.
            match M::decode(&mut reader) {
                Ok(model) => Ok(Some(model)),
                Err(error) if is_absent::<M>(row, offset, &error, witness) => Ok(None),
                Err(error) => Err(error),
            }
        }
        JoinedKey::Selected { column } => {
            // A primary key is never NULL: where it is, the LEFT JOIN found nothing
            // (whatever the key's `FromSql` makes of NULL). Read here, it is not read
            // again, and a NULL elsewhere in a row that is there is an error.
            let key = row.get(column).map_err(key_unreadable::<M>)?;
            if key == ValueRef::Null {
                return Ok(None);
            }
            let mut reader = Reader::with_key(row, M::TABLE, offset, key, true);
            Ok(Some(M::decode(&mut reader)?))
        }
    }
}

/// Decoding failed as where the LEFT JOIN found nothing: on the NULL of the `witness`
/// column, and every selected column of the row is NULL. A row that is there and holds a
/// bad NULL in its witness column is reported as such.
#[cold]
fn is_absent<M: Model>(row: Source<'_>, offset: usize, error: &Error, witness: usize) -> bool {
    let selected = M::TABLE.columns.len() - 1;
    let witness_name = (M::TABLE.columns.iter().map(|c| c.name))
        .filter(|&name| name != M::TABLE.key_column())
        .nth(witness - offset);
    matches!(error, Error::Decode { table, column, problem: DecodeProblem::Null, .. }
            if *table == M::TABLE.name && Some(*column) == witness_name)
        && (offset..offset + selected).all(|c| matches!(row.get(c), Ok(ValueRef::Null)))
}

/// The column read for a joined row's key is not in the result row.
#[cold]
fn key_unreadable<M: Model>(error: rusqlite::Error) -> Error {
    let key = &M::TABLE.columns[M::TABLE.primary_key[0]];
    Error::Decode {
        table: M::TABLE.name,
        column: key.name,
        rust_type: key.rust_type,
        problem: DecodeProblem::Other(FromSqlError::Other(Box::new(error))),
    }
}

/// An integer key as SQLite holds it (`None` for anything else: the caller reads the
/// foreign key's column instead).
#[inline]
fn integer<K: ToSql>(key: &K) -> Option<ValueRef<'static>> {
    match key.to_sql() {
        Ok(ToSqlOutput::Owned(Value::Integer(i)) | ToSqlOutput::Borrowed(ValueRef::Integer(i))) => {
            Some(ValueRef::Integer(i))
        }
        _ => None,
    }
}

/// Reads a count (see `count::add`).
pub(crate) fn read_count(row: Source<'_>, offset: usize, relation: &'static str) -> Result<usize> {
    use rusqlite::types::FromSql;
    let value = row.get(offset).map_err(|e| {
        count_error(relation, DecodeProblem::Other(FromSqlError::Other(Box::new(e))))
    })?;
    let count =
        i64::column_result(value).map_err(|e| count_error(relation, DecodeProblem::Other(e)))?;
    Ok(usize::try_from(count).unwrap_or(0))
}

#[cold]
fn count_error(relation: &'static str, problem: DecodeProblem) -> Error {
    Error::Decode { table: relation, column: "COUNT(*)", rust_type: "usize", problem }
}
