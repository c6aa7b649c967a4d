//! Code generation from a checked model. Each file generates one concept: `row` the row
//! type, `columns` the column constants and the `Model` impl, `relations` the relation
//! markers, `schema` the table definition. Generated code is small trait impls and
//! constants that hand everything else to the runtime, reached through
//! `::eagerly::__private` so users import nothing.
//!
//! What the derive adds to the user's module is what users name: the row type
//! (`AuthorRow`) and the insertable struct (`NewAuthor`). Everything else is inside
//! `const _: () = { .. };` (serde's scope): impls there apply everywhere, and the helper
//! types and traits (relation markers, the traits behind accessors) are defined in a
//! module of that scope, `__eagerly`, so that no generated name can clash with, or hide,
//! a user's item: a link model may be called `AuthorBooks`. Every generated name is made
//! from the user's names without their `r#`, checked to be an identifier, and made unique
//! where two would meet (`books` and `_books`).

mod columns;
mod relations;
mod row;
mod schema;

use std::collections::HashSet;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{DeriveInput, Ident};

use crate::model::ast::{camel_case, unraw};
use crate::model::{self, Model};

pub fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let model = model::parse(input)?;
    let names = Names::new(&model);
    let parts = [
        row::expand(&model, &names),
        columns::expand(&model, &names),
        relations::expand(&model, &names),
    ];
    let public = parts.iter().map(|p| &p.public);
    let hidden = parts.iter().map(|p| &p.hidden);
    let impls = parts.iter().map(|p| &p.impls);
    let module = &names.module;
    Ok(quote! {
        #(#public)*

        #[doc(hidden)]
        const _: () = {
            mod #module {
                #(#hidden)*
            }
            #(#impls)*
        };
    })
}

/// What one concept generates: items in the user's module, definitions in the hidden
/// module, and impls (in the hidden scope, applying everywhere).
#[derive(Default)]
pub struct Generated {
    pub public: TokenStream,
    pub hidden: TokenStream,
    pub impls: TokenStream,
}

/// Path of the runtime as generated code sees it.
fn private() -> TokenStream {
    quote!(::eagerly::__private)
}

/// Names of the generated items and of the row type's slots.
pub struct Names {
    pub row: Ident,
    pub new: Ident,
    /// The module of the hidden scope that holds the helper types and traits.
    pub module: Ident,
    /// The model's own trait for its slot keys: `RelationOfAuthor` (hidden).
    pub relation_of: Ident,
    /// What the model dereferences to, whose methods named like the row's accessors say
    /// that relations are read from rows: `AuthorOnRows` (hidden).
    pub on_rows: Ident,
    /// One per relation, then one per count of a to-many relation.
    pub slots: Vec<Slot>,
    /// Per relation: its marker type (hidden): `AuthorBooks` for `Author::books`.
    pub markers: Vec<Ident>,
}

pub struct Slot {
    /// Private field of the row struct: `__books`, `__books_count`.
    pub field: Ident,
    /// Type parameter of the row struct: `Books`, `BooksCount`.
    pub param: Ident,
    /// The trait bounding the slot's accessor (hidden): `AuthorBooksLoaded`,
    /// `AuthorBooksCounted`.
    pub bound: Ident,
    /// The trait, never implemented, bounding the method of the accessor's name that the
    /// model reaches through `Deref`, whose message says that relations are read from rows
    /// (hidden): `AuthorBooksReadFromRows`, `AuthorBooksCountReadFromRows`.
    pub on_rows: Ident,
    /// The accessor: `books`, `books_count` (the relation's own identifier, `r#` and all,
    /// for the rows).
    pub accessor: Ident,
    /// The accessor's name, without `r#`: the key of the slot in `Debug` and `serde`.
    pub name: String,
    /// Index into `Model::relations`.
    pub relation: usize,
    pub is_count: bool,
}

impl Names {
    fn new(model: &Model) -> Self {
        let model_name = unraw(model.ident);
        // The hidden module's names share one namespace; the row's type parameters share
        // another with the model's name, which the row struct refers to; its fields share
        // one with its model field.
        let mut hidden = Fresh::default();
        let mut params = Fresh::taking([model_name.clone()]);
        let mut fields = Fresh::taking(["__model".to_string()]);
        let relation_of = hidden.ident(format!("RelationOf{model_name}"));
        let on_rows = hidden.ident(format!("{model_name}OnRows"));
        let markers: Vec<Ident> = model
            .relations
            .iter()
            .map(|r| hidden.ident(format!("{model_name}{}", camel_case(&unraw(&r.name)))))
            .collect();
        let mut slots = Vec::new();
        for count in [false, true] {
            for (i, relation) in model.relations.iter().enumerate() {
                if count && !relation.is_to_many() {
                    continue;
                }
                let name = unraw(&relation.name);
                let camel = camel_case(&name);
                let (field, param, bound, on_rows, accessor_name) = if count {
                    (
                        format!("__{name}_count"),
                        format!("{camel}Count"),
                        format!("{model_name}{camel}Counted"),
                        format!("{model_name}{camel}CountReadFromRows"),
                        format!("{name}_count"),
                    )
                } else {
                    (
                        format!("__{name}"),
                        camel.clone(),
                        format!("{model_name}{camel}Loaded"),
                        format!("{model_name}{camel}ReadFromRows"),
                        name,
                    )
                };
                let accessor = if count {
                    Ident::new(&accessor_name, Span::call_site())
                } else {
                    relation.name.clone()
                };
                slots.push(Slot {
                    field: fields.ident(field),
                    param: params.ident(param),
                    bound: hidden.ident(bound),
                    on_rows: hidden.ident(on_rows),
                    accessor,
                    name: accessor_name,
                    relation: i,
                    is_count: count,
                });
            }
        }
        Names {
            row: Ident::new(&format!("{model_name}Row"), Span::call_site()),
            new: Ident::new(&format!("New{model_name}"), Span::call_site()),
            module: Ident::new("__eagerly", Span::call_site()),
            relation_of,
            on_rows,
            slots,
            markers,
        }
    }

    /// A hidden item, as the impls of the hidden scope name it.
    pub fn hidden(&self, item: &Ident) -> TokenStream {
        let module = &self.module;
        quote!(#module::#item)
    }

    /// Generic parameters `__S0, __S1, ..` for impls over every row type of the model.
    /// Impls do not use the slot names, which could shadow a model's name.
    pub fn impl_params(&self) -> Vec<Ident> {
        (0..self.slots.len()).map(|i| Ident::new(&format!("__S{i}"), Span::call_site())).collect()
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

/// Identifiers made from names, each one a valid identifier (not a keyword, not starting
/// with a digit, not empty) and unlike every one made before: `base`, else `base2`,
/// `base3`, .. (an invalid `base` gets a leading `R`).
#[derive(Default)]
struct Fresh {
    taken: HashSet<String>,
}

impl Fresh {
    fn taking(names: impl IntoIterator<Item = String>) -> Self {
        Fresh { taken: names.into_iter().collect() }
    }

    fn ident(&mut self, base: String) -> Ident {
        let base = if is_ident(&base) { base } else { format!("R{base}") };
        let mut name = base.clone();
        let mut n = 1;
        while !is_ident(&name) || self.taken.contains(&name) {
            n += 1;
            name = format!("{base}{n}");
        }
        self.taken.insert(name.clone());
        Ident::new(&name, Span::call_site())
    }
}

/// `name` is an identifier that is not a keyword.
fn is_ident(name: &str) -> bool {
    syn::parse_str::<Ident>(name).is_ok()
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

    #[test]
    fn fresh_names_are_identifiers_and_unique() {
        let mut fresh = Fresh::taking(["Author".to_string()]);
        let made: Vec<String> = ["Books", "Books", "Self", "", "1st", "Author", "Ünïcode"]
            .into_iter()
            .map(|base| fresh.ident(base.to_string()).to_string())
            .collect();
        assert_eq!(made, ["Books", "Books2", "RSelf", "R", "R1st", "Author2", "Ünïcode"]);
    }
}

/// The derive never panics, whatever it is given: every input gives code that parses as
/// Rust, or compile errors. Inputs are made of the names and attributes that tripped it up
/// before (raw identifiers, names that differ by underscores, names of generated items)
/// and malformed ones. `PROPTEST_CASES=100000 cargo test -p eagerly-macros` runs it long.
#[cfg(test)]
mod never_panics {
    use proptest::prelude::*;

    const MODELS: &[&str] =
        &["Author", "r#type", "r#struct", "Bücher", "_Hidden", "AuthorBooks", "X1"];
    const FIELDS: &[&str] = &[
        "name",
        "r#type",
        "r#match",
        "__",
        "_x",
        "get",
        "query",
        "TABLE",
        "insert_all",
        "into_model",
        "key",
        "model",
        "books",
        "books_count",
        "author_id",
        "self_",
        "bücher",
    ];
    const TYPES: &[&str] = &[
        "i64",
        "Option<i64>",
        "String",
        "Vec<u8>",
        "(i64, i64)",
        "crate::Cents",
        "Option<Option<i64>>",
    ];
    const GOOD_FIELD_ATTRS: &[&str] = &[
        "",
        "",
        "",
        "#[model(column = \"x\")]",
        "#[model(index, unique)]",
        "#[model(belongs_to(r#match = Target))]",
        "#[model(belongs_to(author = Author))]",
        "#[model(belongs_to(self_ = Author))]",
        "#[model(belongs_to(__ = Author))]",
        "#[model(belongs_to(r#type = Kind))]",
    ];
    const BAD_FIELD_ATTRS: &[&str] = &[
        "#[model(primary_key = 1)]",
        "#[model(column = \"\")]",
        "#[model(belongs_to())]",
        "#[model(belongs_to(a = B, c = D))]",
        "#[model(sql_type = \" \")]",
        "#[model(indx)]",
        "#[model]",
        "#[model(primary_key, primary_key)]",
        "#[model(belongs_to(= ))]",
    ];
    const GOOD_STRUCT_ATTRS: &[&str] = &[
        "",
        "#[model(has_many(r#match = Game, fk = league_id))]",
        "#[model(has_many(books = Book))]",
        "#[model(has_many(_books = Book), has_many(books = Book))]",
        "#[model(many_to_many(books = Book, through = AuthorBooks))]",
        "#[model(has_many(model = M, fk = r#type))]",
        "#[model(has_many(__ = Game), has_many(___ = Game))]",
        "#[model(has_many(author = Game), many_to_many(r#in = Tag, through = X, from = a, to = r#b))]",
        "#[model(table = \"t0\", rename_all = \"PascalCase\", index(id))]",
    ];
    const BAD_STRUCT_ATTRS: &[&str] = &[
        "#[model(many_to_many(tags = Tag))]",
        "#[model(table = \"\")]",
        "#[model(rename_all = \"x\")]",
        "#[model(index(id, nope))]",
        "#[model(has_many(= =))]",
        "#[model(has_many(get = Book), has_many(into_model = Book))]",
        "#[model(unique())]",
        "#[model(table)]",
        "#[model(has_many(books = Book, fk = a::b))]",
    ];

    fn pick(items: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
        prop::sample::select(items)
    }

    /// A struct with a key, then fields and attributes mostly right, sometimes wrong.
    fn model() -> impl Strategy<Value = String> {
        let attr = |good, bad| prop_oneof![4 => pick(good), 1 => pick(bad)];
        let field = (attr(GOOD_FIELD_ATTRS, BAD_FIELD_ATTRS), pick(FIELDS), pick(TYPES))
            .prop_map(|(attr, name, ty)| format!("{attr} pub {name}: {ty},"));
        let struct_attrs = prop::collection::vec(attr(GOOD_STRUCT_ATTRS, BAD_STRUCT_ATTRS), 0..3);
        (struct_attrs, pick(MODELS), prop::collection::vec(field, 0..6)).prop_map(
            |(attrs, name, fields)| {
                format!(
                    "{} pub struct {name} {{ #[model(primary_key)] pub r#id: i64, {} }}",
                    attrs.join(" "),
                    fields.join(" ")
                )
            },
        )
    }

    fn config() -> ProptestConfig {
        let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok());
        ProptestConfig {
            cases: cases.unwrap_or(512),
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn the_derive_gives_rust_or_errors_and_never_panics(source in model()) {
            // Duplicate field names are Rust's error, before the derive runs.
            let Ok(input) = syn::parse_str::<syn::DeriveInput>(&source) else { return Ok(()) };
            let output = match super::derive(&input) {
                Ok(output) => output,
                Err(errors) => errors.into_compile_error(),
            };
            prop_assert!(syn::parse2::<syn::File>(output).is_ok(), "not Rust, for: {source}");
        }
    }
}
