//! Rows: decoding a model from a result row, and the slot types that generated row
//! structs (`AuthorRow<Books, Publisher, ..>`) carry for their relations.

use std::any::type_name;

use rusqlite::types::{FromSql, FromSqlError, ValueRef};

use crate::error::{DecodeProblem, Error, Result};
use crate::schema::Table;

/// The slot of a relation (or count) that the query did not load. Reading it does not
/// compile.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct NotLoaded;

/// Reads one model's columns, left to right, from a result row. Generated `decode`
/// functions call [`read`](Reader::read) once per field, in declaration order.
pub struct Reader<'a> {
    row: &'a rusqlite::Row<'a>,
    table: &'static Table,
    first: usize,
    next: usize,
}

impl<'a> Reader<'a> {
    /// Reads `table`'s columns from `row`, starting at column `first`.
    pub(crate) fn new(row: &'a rusqlite::Row<'a>, table: &'static Table, first: usize) -> Self {
        Reader { row, table, first, next: first }
    }

    /// Reads the next column as a `T`. A value that does not fit is an [`Error::Decode`]
    /// naming the table, the column and the field's type.
    pub fn read<T: FromSql>(&mut self) -> Result<T> {
        let index = self.next;
        self.next += 1;
        let value = self.row.get_ref(index).map_err(|e| {
            self.error(index, DecodeProblem::Other(FromSqlError::Other(Box::new(e))))
        })?;
        T::column_result(value).map_err(|e| {
            let problem = match e {
                FromSqlError::InvalidType if value == ValueRef::Null => DecodeProblem::Null,
                FromSqlError::InvalidType => DecodeProblem::WrongType { found: value.data_type() },
                FromSqlError::OutOfRange(i) => DecodeProblem::OutOfRange(i),
                other => DecodeProblem::Other(other),
            };
            self.error_as::<T>(index, problem)
        })
    }

    fn error(&self, index: usize, problem: DecodeProblem) -> Error {
        self.error_as::<()>(index, problem)
    }

    fn error_as<T>(&self, index: usize, problem: DecodeProblem) -> Error {
        let column = self.table.columns.get(index - self.first);
        Error::Decode {
            table: self.table.name,
            column: column.map_or("?", |c| c.name),
            rust_type: column.map_or(type_name::<T>(), |c| c.rust_type),
            problem,
        }
    }
}

/// How a slot shows in a row's `Debug` output: loaded relations by name, unloaded ones not
/// at all.
#[doc(hidden)]
pub trait SlotDebug {
    fn as_debug(&self) -> Option<&dyn std::fmt::Debug>;
}

impl SlotDebug for NotLoaded {
    fn as_debug(&self) -> Option<&dyn std::fmt::Debug> {
        None
    }
}
