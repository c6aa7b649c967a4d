#![doc = include_str!("../README.md")]

// Lets the derive's `::eagerly::..` paths resolve inside this crate too (for the
// documentation's models).
extern crate self as eagerly;

pub use eagerly_macros::Model;
pub use eagerly_runtime::*;

#[cfg(feature = "doc-models")]
#[doc(hidden)]
#[path = "doc_models.rs"]
pub mod __doc;
