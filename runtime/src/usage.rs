//! Whether loaded relations are read, for the inspector's "unused eager loads" (Bullet's
//! unused eager loading detection).
//!
//! While an inspection is active, each loading step of a query execution makes one
//! [`Usage`] flag, and every slot it fills holds a handle to it; the slot's accessor sets
//! the flag. Outside inspections slots hold no handle, and reading one costs a branch.

use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the rows (or count) one loading step filled were read.
#[derive(Debug)]
#[doc(hidden)]
pub struct Usage {
    pub relation: &'static str,
    pub count: bool,
    pub location: &'static Location<'static>,
    read: AtomicBool,
}

impl Usage {
    /// A flag for one loading step, not read yet (see `log::start_usage`).
    pub(crate) fn new(
        relation: &'static str,
        count: bool,
        location: &'static Location<'static>,
    ) -> Self {
        Usage { relation, count, location, read: AtomicBool::new(false) }
    }

    pub(crate) fn mark(&self) {
        self.read.store(true, Ordering::Relaxed);
    }

    pub(crate) fn was_read(&self) -> bool {
        self.read.load(Ordering::Relaxed)
    }
}
