//! `#[derive(Model)]` for [eagerly](https://docs.rs/eagerly). Use it through the `eagerly`
//! crate; the attribute reference is on [`Model`].

mod expand;
mod model;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Makes a struct a model: a row of a table, with typed columns, relations and queries.
///
/// See the `eagerly` crate's documentation for the full attribute reference.
#[proc_macro_derive(Model, attributes(model))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).unwrap_or_else(syn::Error::into_compile_error).into()
}
