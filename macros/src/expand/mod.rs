//! Code generation from a checked model. Each file generates one concept: `row` the row
//! type, `columns` the column constants and the `Model` impl, `relations` the relation
//! markers, `schema` the table definition. Generated code is small trait impls and
//! constants that hand everything else to the runtime, reached through
//! `::eagerly::__private` so users import nothing.

mod columns;
mod relations;
mod row;
mod schema;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{DeriveInput, Ident};

use crate::model::{self, Model, Relation, ast::camel_case};

pub fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let model = model::parse(input)?;
    let names = Names::new(&model);
    let row = row::expand(&model, &names);
    let columns = columns::expand(&model, &names);
    let relations = relations::expand(&model, &names);
    Ok(quote! {
        #row
        #columns
        #relations
    })
}

/// Path of the runtime as generated code sees it.
fn private() -> TokenStream {
    quote!(::eagerly::__private)
}

/// Names of the generated items and of the row type's slots.
pub struct Names {
    pub row: Ident,
    pub new: Ident,
    /// The model's own trait for its slot keys: `RelationOfAuthor`.
    pub relation_of: Ident,
    /// One per relation, then one per count of a to-many relation.
    pub slots: Vec<Slot>,
}

pub struct Slot {
    /// Private field of the row struct: `__books`, `__books_count`.
    pub field: Ident,
    /// Type parameter of the row struct: `Books`, `BooksCount`.
    pub param: Ident,
    /// Index into `Model::relations`.
    pub relation: usize,
    pub is_count: bool,
}

impl Names {
    fn new(model: &Model) -> Self {
        let mut slots = Vec::new();
        for (i, relation) in model.relations.iter().enumerate() {
            let name = relation.name.to_string();
            slots.push(Slot {
                field: format_ident!("__{}", name),
                param: format_ident!("{}", camel_case(&name)),
                relation: i,
                is_count: false,
            });
        }
        for (i, relation) in model.relations.iter().enumerate().filter(|(_, r)| r.is_to_many()) {
            let name = relation.name.to_string();
            slots.push(Slot {
                field: format_ident!("__{}_count", name),
                param: format_ident!("{}Count", camel_case(&name)),
                relation: i,
                is_count: true,
            });
        }
        Names {
            row: format_ident!("{}Row", model.ident),
            new: format_ident!("New{}", model.ident),
            relation_of: format_ident!("RelationOf{}", model.ident),
            slots,
        }
    }

    /// The marker type of a relation: `AuthorBooks` for `Author::books`.
    pub fn marker(model: &Model, relation: &Relation) -> Ident {
        format_ident!("{}{}", model.ident, camel_case(&relation.name.to_string()))
    }

    /// Generic parameters `__S0, __S1, ..` for impls over every row type of the model.
    /// Impls do not use the slot names, which could shadow a model's name.
    pub fn impl_params(&self) -> Vec<Ident> {
        (0..self.slots.len()).map(|i| format_ident!("__S{}", i)).collect()
    }

    /// The slot of relation `relation` (its count slot if `count`).
    pub fn slot(&self, relation: usize, count: bool) -> usize {
        self.slots
            .iter()
            .position(|s| s.relation == relation && s.is_count == count)
            .expect("every relation has a slot, every to-many relation a count slot")
    }

    /// `<__S0, __S1>`, or nothing for a model without relations.
    pub fn generics(params: &[Ident]) -> TokenStream {
        if params.is_empty() { quote!() } else { quote!(<#(#params),*>) }
    }
}

/// A type as written, for messages: `Option<i64>`, not `Option < i64 >`.
pub fn type_text(ty: &syn::Type) -> String {
    let mut text = quote!(#ty).to_string();
    for (from, to) in [
        (" < ", "<"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        (" :: ", "::"),
        (":: ", "::"),
        (" ,", ","),
        ("& ", "&"),
    ] {
        text = text.replace(from, to);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_print_as_written() {
        let ty: syn::Type = syn::parse_quote!(Option<std::collections::HashMap<i64, &'static str>>);
        assert_eq!(type_text(&ty), "Option<std::collections::HashMap<i64, &'static str>>");
    }
}
