//! Everything per relation. `Author::books` is the constant of the unit struct
//! `AuthorBooks`, which implements the runtime's `Relation` (the SQL shape and the key it
//! is loaded by) and fills the `Books` slot of `AuthorRow`; the accessor `row.books()`
//! exists only when that slot is loaded. Type checks the parser cannot make (is the target
//! a model, does the foreign key exist and fit the key) are bounds, spanned at the user's
//! tokens.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

use super::{Names, private};
use crate::model::{Model, Relation, RelationKind};

pub fn expand(model: &Model, names: &Names) -> TokenStream {
    model
        .relations
        .iter()
        .enumerate()
        .map(|(i, relation)| {
            let marker = marker(model, relation);
            let rows = slot(model, names, i, false);
            let count = relation.is_to_many().then(|| slot(model, names, i, true));
            quote!(#marker #rows #count)
        })
        .collect()
}

/// The marker type, its `Relation` impl, the `Author::books` constant, the name lookup
/// for `row!`, and the compile-time checks of the relation's types.
fn marker(model: &Model, relation: &Relation) -> TokenStream {
    let p = private();
    let ident = model.ident;
    let vis = model.vis;
    let name = &relation.name;
    let target = &relation.target;
    let marker = Names::marker(model, relation);
    let full_name = format!("{ident}::{name}");
    let target_text = quote!(#target).to_string().replace(' ', "");

    // `related_key`: how the batched loader reads a related row's key from the row.
    let (card, link, key, key_of, related_key, description) = match &relation.kind {
        RelationKind::BelongsTo { field } => {
            let field = &model.fields[*field];
            let (fk, ty, fk_field) = (&field.column, field.ty, field.ident);
            let card = if field.nullable { quote!(ToOptional) } else { quote!(ToOne) };
            let description = format!(
                "the `{target_text}` that `{ident}.{fk_field}` refers to{}",
                if field.nullable { ", if any" } else { "" }
            );
            // `key_of` is also the check that the field fits the target's key: spanned at
            // the field type, so a mismatch is reported there. Spelled out (not `#p`) so
            // that every token carries that span.
            let key_of = quote_spanned! {ty.span()=>
                <#ty as ::eagerly::__private::ForeignKeyTo<Self::Key>>::to_key(&from.#fk_field)
            };
            (
                card,
                quote!(#p::Link::BelongsTo { fk: #fk }),
                quote_spanned!(target.span()=> <#target as ::eagerly::__private::Model>::Key),
                key_of,
                // None: its batches read the key's column. A `belongs_to` is batched only
                // when asked to be, and a key reader here (`Model::key` of the target)
                // added two errors to those of a target that is not a model.
                None,
                description,
            )
        }
        RelationKind::HasMany { fk } => {
            let column =
                quote_spanned!(fk.span()=> #p::has_many_fk::<#ident, #target, _>(<#target>::#fk));
            let related_key = quote!(#p::Option::Some(|to: &Self::To| #column.of(to)));
            let description =
                format!("the `{target_text}` rows whose `{fk}` refers to this `{ident}`");
            (
                quote!(ToMany),
                quote!(#p::Link::HasMany { fk: #column.name() }),
                quote!(<#ident as #p::Model>::Key),
                quote!(#p::Option::Some(<#ident as #p::Model>::key(from))),
                Some(related_key),
                description,
            )
        }
        RelationKind::ManyToMany { through, from, to } => {
            let from_column = quote_spanned!(from.span()=> #p::has_many_fk::<#ident, #through, _>(<#through>::#from));
            let to_column = quote_spanned!(to.span()=> #p::has_many_fk::<#target, #through, _>(<#through>::#to));
            let through_table = quote_spanned!(through.span()=> <#through as #p::Model>::TABLE);
            let through_text = quote!(#through).to_string().replace(' ', "");
            let description = format!(
                "the `{target_text}` rows linked to this `{ident}` through `{through_text}`"
            );
            let link = quote! {
                #p::Link::ManyToMany {
                    through: #through_table,
                    from: #from_column.name(),
                    to: #to_column.name(),
                }
            };
            (
                quote!(ToMany),
                link,
                quote!(<#ident as #p::Model>::Key),
                quote!(#p::Option::Some(<#ident as #p::Model>::key(from))),
                None,
                description,
            )
        }
    };
    let related_key = related_key.map(|related_key| {
        quote! {
            const RELATED_KEY: #p::Option<#p::RelatedKey<Self>> = #related_key;
        }
    });
    // Spanned at the target: the key type is the target's, and a target that is not a
    // model should be reported where it is named (once: equal errors at one span merge).
    let key_of_fn = quote_spanned! {target.span()=>
        fn key_of(from: &#ident) -> ::core::option::Option<Self::Key> {
            #key_of
        }
    };
    let marker_doc = format!("The relation `{full_name}`: {description}.");
    let target_is_model = quote_spanned!(target.span()=> #target);
    let name_text = name.to_string();

    quote! {
        #[doc = #marker_doc]
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug, ::core::default::Default)]
        #vis struct #marker;

        #[automatically_derived]
        impl #p::Relation for #marker {
            type From = #ident;
            type To = #target_is_model;
            type Card = #p::#card;
            type Key = #key;
            const NAME: &'static str = #full_name;
            const LINK: #p::Link = #link;
            #key_of_fn
            #related_key
        }

        #[automatically_derived]
        impl #p::RelNamed<{ #p::name(#name_text) }> for #ident {
            type Rel = #marker;
        }

        #[allow(non_upper_case_globals)]
        impl #ident {
            #[doc = #marker_doc]
            #vis const #name: #marker = #marker;
        }
    }
}

/// The relation's (or its count's) slot of the row type: the impl that fills it and the
/// accessor that reads it, bounded by a trait whose message says what to add to the query.
fn slot(model: &Model, names: &Names, relation_index: usize, count: bool) -> TokenStream {
    let p = private();
    let ident = model.ident;
    let vis = model.vis;
    let row = &names.row;
    let relation_of = &names.relation_of;
    let relation = &model.relations[relation_index];
    let marker = Names::marker(model, relation);
    let index = names.slot(relation_index, count);
    let params = names.impl_params();
    let others: Vec<&Ident> =
        params.iter().enumerate().filter(|(i, _)| *i != index).map(|(_, p)| p).collect();
    let with = |replacement: &Ident| -> Vec<Ident> {
        params
            .iter()
            .enumerate()
            .map(|(i, p)| if i == index { replacement.clone() } else { p.clone() })
            .collect()
    };
    let (unloaded, value) = (format_ident!("__Unloaded"), format_ident!("__Value"));
    let before = with(&unloaded);
    let after = with(&value);
    let field = &names.slots[index].field;
    let other_fields: Vec<&Ident> = names
        .slots
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != index)
        .map(|(_, s)| &s.field)
        .collect();
    let param = &params[index];
    let generics = Names::generics(&params);

    let name = &relation.name;
    let full_name = format!("{ident}::{name}");
    let camel = names.slots[index].param.to_string();
    let (slot_key, key_body, accessor) = if count {
        let counted = format_ident!("{}{}Counted", ident, camel.trim_end_matches("Count"));
        let accessor = format_ident!("{}_count", name);
        let message = format!("count of `{full_name}` was not loaded");
        let label = format!("`{accessor}()` needs the count in the query");
        let note =
            format!("add `.with_count({full_name})` to the query that produced this `{ident}` row");
        let doc = format!(
            "The number of rows of `{full_name}`, counted by the query (`.with_count({full_name})`)."
        );
        let accessor = quote! {
            #[doc(hidden)]
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            #vis trait #counted<T> {
                fn get(&self) -> T;
            }

            #[diagnostic::do_not_recommend]
            impl #counted<usize> for #p::Loaded<usize> {
                fn get(&self) -> usize {
                    *self.read()
                }
            }

            impl #generics #row #generics {
                #[doc = #doc]
                #vis fn #accessor<T>(&self) -> T
                where
                    #param: #counted<T>,
                {
                    #counted::get(&self.#field)
                }
            }
        };
        (quote!(#p::CountOf<#marker>), quote!(#p::Option::None), accessor)
    } else {
        let loaded = format_ident!("{}{}Loaded", ident, camel);
        let message = format!("relation `{full_name}` was not loaded");
        let label =
            format!("`{full_name}` is not loaded by the query that produced this `{ident}` row");
        let (returns, slot_type, get, hint) = match &relation.kind {
            RelationKind::BelongsTo { field } if model.fields[*field].nullable => (
                quote!(#p::Option<&T>),
                quote!(#p::Loaded<#p::Option<T>>),
                quote!(self.read().as_ref()),
                format!("`.select_related({full_name})` or `.prefetch({full_name})`"),
            ),
            RelationKind::BelongsTo { .. } => (
                quote!(&T),
                quote!(#p::Loaded<T>),
                quote!(self.read()),
                format!("`.select_related({full_name})` or `.prefetch({full_name})`"),
            ),
            _ => (
                quote!(&[T]),
                quote!(#p::Loaded<::std::vec::Vec<T>>),
                quote!(self.read()),
                format!("`.prefetch({full_name})` or `.prefetch_with({full_name}, |q| ..)`"),
            ),
        };
        let note = format!(
            "add {hint} to the query that loads these `{ident}` rows (inside its `.prefetch_with(..)` or `.select_related_with(..)` if they are a relation themselves)"
        );
        let doc = format!("The rows of `{full_name}` the query loaded.");
        let accessor = quote! {
            #[doc(hidden)]
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            #vis trait #loaded<T> {
                fn get(&self) -> #returns;
            }

            #[diagnostic::do_not_recommend]
            impl<T> #loaded<T> for #slot_type {
                fn get(&self) -> #returns {
                    #get
                }
            }

            impl #generics #row #generics {
                #[doc = #doc]
                #vis fn #name<T>(&self) -> #returns
                where
                    #param: #loaded<T>,
                {
                    #loaded::get(&self.#field)
                }
            }
        };
        let key = quote!(<#marker as #p::Relation>::key_of(model));
        (quote!(#marker), key, accessor)
    };

    let model_param = if count { quote!(_) } else { quote!(model) };
    // Spanned at the target, like the relation's own `key_of` (see `marker`).
    let target = &relation.target;
    let key_fn = quote_spanned! {target.span()=>
        fn key(#model_param: &#ident) -> ::core::option::Option<<Self as ::eagerly::__private::SlotKey>::Key> {
            #key_body
        }
    };
    quote! {
        #[automatically_derived]
        impl<#(#others,)* #unloaded: #p::Unloaded, #value> #relation_of<#row<#(#before),*>, #value> for #slot_key {
            type Out = #row<#(#after),*>;
            fn set(row: #row<#(#before),*>, value: #value) -> Self::Out {
                #row { __model: row.__model, #field: value, #(#other_fields: row.#other_fields,)* }
            }
            #key_fn
        }

        #accessor
    }
}
