//! What a query is, as data no backend wrote: the rows it selects ([`Select`]: filter,
//! order, limit, joins, counted relations), how a batch of related rows finds its parents
//! ([`BatchKey`]), and what a statement does ([`statement`]). The query builder and the
//! loaders fill these in; each backend's SQL writer (`sql` for SQLite) turns them into text.
//! Nothing here knows a backend, runs a statement or decodes a row.

pub(crate) mod alias;
pub(crate) mod layout;
pub(crate) mod statement;

use crate::column::OrderTerm;
use crate::filter::Expr;
use crate::plan::alias::Alias;
use crate::schema::{Link, Table};

/// What the `SELECT` asks for, as data for the SQL writer.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Select {
    pub filter: Option<Expr>,
    pub order: Vec<OrderTerm>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    /// Number of columns of the queried table, selected first.
    pub base_width: usize,
    /// `select_related` JOINs.
    pub joins: Vec<JoinClause>,
    /// Values selected after the queried table's columns: joined columns, counts.
    pub extras: Vec<Extra>,
    /// Aliases handed out so far to joins and counts.
    pub aliases: u16,
    /// Only rows among those this query selects (its filter, order, limit and offset):
    /// how a sliced query is narrowed further (`get`) or written (`update`, `delete`).
    pub within: Option<Box<Select>>,
    /// The limit only asks whether more rows match than wanted (`one`'s `LIMIT 2`): it may
    /// take them in any order.
    pub limit_probes: bool,
    /// A load of these rows that takes several statements must read them all from one
    /// snapshot, since rows read after another connection's commit could contradict rows
    /// read before it: this select counts related rows (which a prefetch of them must
    /// match), or a prefetch below it looks up rows a foreign key names (a `belongs_to`
    /// target, which must still be there).
    pub one_snapshot: bool,
}

impl Select {
    /// Number of selected values.
    pub(crate) fn width(&self) -> usize {
        self.base_width + self.extras.len()
    }

    /// Nothing narrows the rows to fewer than the table's (joins aside): no filter, limit,
    /// offset or slice.
    pub(crate) fn is_whole_table(&self) -> bool {
        self.filter.is_none()
            && self.limit.is_none()
            && self.offset.is_none()
            && self.within.is_none()
    }

    /// Adds a prefetch of a relation of kind `link` whose rows `related` selects: the load
    /// then needs [`one_snapshot`](Select::one_snapshot) if `related` does, or if `link`'s
    /// rows are named by the rows above them.
    pub(crate) fn prefetch(&mut self, link: Link, related: &Select) {
        self.one_snapshot |= related.one_snapshot || link.is_named_by_source();
    }

    /// A new alias of the kind `make` builds: `j1`, `c2`, ...
    pub(crate) fn next_alias(&mut self, make: fn(u16) -> Alias) -> Alias {
        self.aliases += 1;
        make(self.aliases)
    }

    /// The same rows, as a select without limit or offset that a filter can narrow
    /// further: a limited or offset select becomes "among the rows of that select"
    /// ([`within`](Select::within)), so that a filter added later applies to the slice's
    /// rows, not before the slice is taken.
    pub(crate) fn sliced(&self) -> Select {
        if !self.is_sliced() {
            return self.clone();
        }
        let slice = Select {
            filter: self.filter.clone(),
            order: self.order.clone(),
            limit: self.limit,
            offset: self.offset,
            within: self.within.clone(),
            ..Select::default()
        };
        Select {
            filter: None,
            order: Vec::new(),
            limit: None,
            offset: None,
            within: Some(Box::new(slice)),
            ..self.clone()
        }
    }

    /// At most `n` rows of those this select returns.
    pub(crate) fn at_most(&mut self, n: i64) {
        self.limit = Some(self.limit.map_or(n, |limit| limit.min(n)));
    }

    /// A limit or offset of the query's own: which rows it returns depends on its order.
    pub(crate) fn is_sliced(&self) -> bool {
        (self.limit.is_some() && !self.limit_probes) || self.offset.is_some()
    }
}

/// `LEFT JOIN "table" alias ON alias."column" = parent."parent_column"`: the joined
/// table's key and the parent's foreign key (`belongs_to`), or the joined table's unique
/// foreign key and the parent's key (`has_one`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JoinClause {
    /// The relation joined, as `Book::author`.
    pub relation: &'static str,
    pub table: &'static Table,
    pub alias: Alias,
    pub column: &'static str,
    pub parent: Alias,
    pub parent_column: &'static str,
}

/// A value selected after the queried table's own columns.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Extra {
    /// A joined table's column.
    Column { alias: Alias, name: &'static str },
    /// `(SELECT COUNT(*) FROM "table" alias [INNER JOIN ..] WHERE alias."fk" =
    /// parent."key")`.
    Count {
        table: &'static Table,
        alias: Alias,
        fk: &'static str,
        parent: Alias,
        key: &'static str,
        /// For a many-to-many relation, the related table joined to its table of pairs, so
        /// that a pair whose row is missing is not counted (a prefetch would not load it).
        target: Option<CountedTarget>,
    },
}

/// `INNER JOIN "table" alias ON alias."key" = link."to"` inside a count's subquery.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CountedTarget {
    pub table: &'static Table,
    pub alias: Alias,
    pub key: &'static str,
    /// The column of the table of pairs holding the related row's key.
    pub to: &'static str,
}

impl Extra {
    /// The name SQLite gives the value in a subquery's result, if it is a column.
    pub(crate) fn name(&self) -> Option<&'static str> {
        match *self {
            Extra::Column { name, .. } => Some(name),
            Extra::Count { .. } => None,
        }
    }
}

/// How the batched statement reaches the parent key: a column of the related table, or of
/// the link table of a many-to-many relation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BatchKey {
    /// The relation loaded, as `Author::books`.
    pub relation: &'static str,
    pub alias: Alias,
    pub column: &'static str,
    /// For many-to-many: `JOIN "through" l0 ON l0."to" = t0."key"`.
    pub through: Option<(&'static Table, &'static str, &'static str)>,
}

impl BatchKey {
    /// The related table's own column holding the key, if it is one (`has_many`,
    /// `belongs_to`): the batch reads the key there rather than selecting it twice.
    pub(crate) fn own_column(&self, table: &Table) -> Option<usize> {
        match self.alias {
            Alias::Base => table.columns.iter().position(|c| c.name == self.column),
            _ => None,
        }
    }
}
