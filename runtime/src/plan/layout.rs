//! Where a query's rows are in its result rows: the queried model's columns, and for each
//! slot of the row type that a loading call fills from the same result row, where its
//! value is (a JOIN's joined row, itself laid out the same way, or a count). The loaders
//! build it as the query is built (`load::join`, `load::count`); `load::decode` reads
//! rows by it.

/// Where one row's values are in a result row: its model's, and its loaded slots'.
#[derive(Clone, Debug)]
pub(crate) struct RowLayout {
    pub model: ModelAt,
    /// By the row type's slot index; a slot not loaded here has none (or `Empty`).
    pub slots: Vec<SlotLayout>,
}

/// Where a model's columns are.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ModelAt {
    /// The queried table's, from the first column.
    Base,
    /// A joined table's, from `offset`, its key as `key` says.
    Joined { offset: usize, key: JoinedKey },
}

/// Where a slot's value is.
#[derive(Clone, Debug)]
pub(crate) enum SlotLayout {
    /// Not loaded from the result row.
    Empty,
    /// A `with_count`: the count at `offset`.
    Count { offset: usize, relation: &'static str },
    /// A `select_related`: the joined row.
    Joined(RowLayout),
}

/// Where a joined row's key comes from, and how its absence shows (chosen by the JOIN's loader).
#[derive(Clone, Copy, Debug)]
pub(crate) enum JoinedKey {
    /// The key's column is not selected: its value is the foreign key's (the parent row's,
    /// or read from `fk_column` without one). Where the `witness` column, NOT NULL, is
    /// NULL, the LEFT JOIN found nothing.
    FromParent { fk_column: usize, witness: usize },
    /// The key's `column` is selected: NULL where the LEFT JOIN found nothing.
    Selected { column: usize },
}

impl RowLayout {
    /// The queried table's row, nothing loaded.
    pub(crate) fn base() -> Self {
        RowLayout { model: ModelAt::Base, slots: Vec::new() }
    }

    /// A joined table's row, its columns from `offset`, nothing loaded.
    pub(crate) fn joined(offset: usize, key: JoinedKey) -> Self {
        RowLayout { model: ModelAt::Joined { offset, key }, slots: Vec::new() }
    }

    /// Loads slot `index` as `slot` says.
    pub(crate) fn set(&mut self, index: usize, slot: SlotLayout) {
        if self.slots.len() <= index {
            self.slots.resize(index + 1, SlotLayout::Empty);
        }
        self.slots[index] = slot;
    }
}
