#![doc = include_str!("../README.md")]

pub use eagerly_macros::Model;
pub use eagerly_runtime::*;
