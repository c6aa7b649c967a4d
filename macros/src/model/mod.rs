//! From the derive's input to a checked [`ast::Model`]: `attr` reads `#[model(..)]`,
//! `ast` resolves names and defaults, `valid` checks the rules. No code is generated here.

pub mod ast;
pub mod attr;
mod ctxt;
mod valid;

pub use ast::{Field, Model, RelationKind, option_inner};

/// Parses and checks the input, reporting every error found at once.
pub fn parse(input: &syn::DeriveInput) -> syn::Result<Model<'_>> {
    let ctxt = ctxt::Ctxt::default();
    let model = Model::from_syn(&ctxt, input);
    if let Some(model) = &model {
        valid::check(&ctxt, model);
    }
    ctxt.check()?;
    // `from_syn` returns `None` only after reporting why.
    model.ok_or_else(|| {
        syn::Error::new_spanned(&input.ident, "`#[derive(Model)]` cannot read this struct")
    })
}
