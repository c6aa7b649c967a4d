//! Everything per relation. `Author::books` is the constant of the unit struct
//! `AuthorBooks` (hidden), which implements the runtime's `Relation` (the SQL shape and the
//! key it is loaded by) and fills the `Books` slot of `AuthorRow`; the accessor
//! `row.books()` exists only when that slot is loaded. Type checks the parser cannot make
//! (is the target a model, does the foreign key exist and fit the key) are bounds, spanned
//! at the user's tokens.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

use super::{Generated, Names, private};
use crate::model::ast::{Reads, unraw};
use crate::model::{Model, RelationKind};

pub fn expand(model: &Model, names: &Names) -> Generated {
    let mut out =
        if model.relations.is_empty() { Generated::default() } else { on_rows(model, names) };
    for (i, relation) in model.relations.iter().enumerate() {
        let slots = [Some(false), relation.is_to_many().then_some(true)];
        for part in std::iter::once(marker(model, names, i))
            .chain(slots.into_iter().flatten().map(|count| slot(model, names, i, count)))
        {
            out.hidden.extend(part.hidden);
            out.impls.extend(part.impls);
        }
    }
    out
}

/// The marker type, its `Relation` impl, the `Author::books` constant, the name lookup
/// for `row!`, and the compile-time checks of the relation's types.
fn marker(model: &Model, names: &Names, index: usize) -> Generated {
    let p = private();
    let ident = model.ident;
    let vis = model.vis;
    let relation = &model.relations[index];
    let name = &relation.name;
    let target = &relation.target;
    let marker = names.hidden(&names.markers[index]);
    let marker_ident = &names.markers[index];
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
        RelationKind::HasOne { fk } => {
            // The column must be unique: its `FieldNamed` says so, checked where `fk` is.
            // The path is written out, not `#p`, so that every token of the call carries
            // `fk`'s span and an unmet bound points at `fk` alone.
            let fk_name = unraw(fk);
            let column = quote_spanned! {fk.span()=>
                ::eagerly::__private::has_one_fk::<#ident, #target, _, {
                    ::eagerly::__private::name(#fk_name)
                }>(<#target>::#fk)
            };
            let related_key = quote!(#p::Option::Some(|to: &Self::To| #column.of(to)));
            let description =
                format!("the `{target_text}` whose `{fk}` refers to this `{ident}`, if any");
            (
                quote!(ToOptional),
                quote!(#p::Link::HasOne { fk: #column.name() }),
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
    let name_text = unraw(name);

    let hidden = quote! {
        #[doc = #marker_doc]
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug, ::core::default::Default)]
        pub struct #marker_ident;
    };
    // `do_not_recommend`: a value that is not a relation gets the message of `Relation`,
    // not a list of every relation in scope (which would also list other crates').
    let impls = quote! {
        #[automatically_derived]
        #[diagnostic::do_not_recommend]
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
    };
    Generated { public: TokenStream::new(), hidden, impls }
}

/// The relation's (or its count's) slot of the row type: the impl that fills it and the
/// accessor that reads it, bounded by a trait whose message says what to add to the query.
fn slot(model: &Model, names: &Names, relation_index: usize, count: bool) -> Generated {
    let p = private();
    let ident = model.ident;
    let vis = model.vis;
    let row = &names.row;
    let relation_of = names.hidden(&names.relation_of);
    let relation = &model.relations[relation_index];
    let marker = names.hidden(&names.markers[relation_index]);
    let index = names.slot(relation_index, count);
    let slot = &names.slots[index];
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
    let unloaded = Ident::new("__Unloaded", proc_macro2::Span::call_site());
    let value = Ident::new("__Value", proc_macro2::Span::call_site());
    let before = with(&unloaded);
    let after = with(&value);
    let field = &slot.field;
    let other_fields: Vec<&Ident> = names
        .slots
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != index)
        .map(|(_, s)| &s.field)
        .collect();
    let param = &params[index];
    let generics = Names::generics(&params);
    let bound_ident = &slot.bound;
    let bound = names.hidden(bound_ident);
    let accessor = &slot.accessor;

    let name = &relation.name;
    let full_name = format!("{ident}::{name}");
    let (slot_key, key_body, hidden, accessor_impl) = if count {
        let message = format!("count of `{full_name}` was not loaded");
        let label = format!("`{accessor}()` needs the count in the query");
        let note =
            format!("add `.with_count({full_name})` to the query that produced this `{ident}` row");
        let doc = format!(
            "The number of rows of `{full_name}`, counted by the query (`.with_count({full_name})`)."
        );
        let hidden = quote! {
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            pub trait #bound_ident<T> {
                fn get(&self) -> T;
            }

            #[diagnostic::do_not_recommend]
            impl #bound_ident<usize> for #p::Loaded<usize> {
                fn get(&self) -> usize {
                    *self.read()
                }
            }
        };
        let accessor_impl = quote! {
            impl #generics #row #generics {
                #[doc = #doc]
                #vis fn #accessor<T>(&self) -> T
                where
                    #param: #bound<T>,
                {
                    #bound::get(&self.#field)
                }
            }
        };
        (quote!(#p::CountOf<#marker>), quote!(#p::Option::None), hidden, accessor_impl)
    } else {
        let message = format!("relation `{full_name}` was not loaded");
        let label =
            format!("`{full_name}` is not loaded by the query that produced this `{ident}` row");
        let (returns, slot_type, get, hint) = match relation.reads(model) {
            Reads::OneOrNone => (
                quote!(#p::Option<&T>),
                quote!(#p::Loaded<#p::Option<T>>),
                quote!(self.read().as_ref()),
                format!("`.select_related({full_name})` or `.prefetch({full_name})`"),
            ),
            Reads::One => (
                quote!(&T),
                quote!(#p::Loaded<T>),
                quote!(self.read()),
                format!("`.select_related({full_name})` or `.prefetch({full_name})`"),
            ),
            Reads::Many => (
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
        let hidden = quote! {
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            pub trait #bound_ident<T> {
                fn get(&self) -> #returns;
            }

            #[diagnostic::do_not_recommend]
            impl<T> #bound_ident<T> for #slot_type {
                fn get(&self) -> #returns {
                    #get
                }
            }
        };
        let accessor_impl = quote! {
            impl #generics #row #generics {
                #[doc = #doc]
                #vis fn #accessor<T>(&self) -> #returns
                where
                    #param: #bound<T>,
                {
                    #bound::get(&self.#field)
                }
            }
        };
        let key = quote!(<#marker as #p::Relation>::key_of(&row.__model));
        (quote!(#marker), key, hidden, accessor_impl)
    };

    let row_param = if count { quote!(_) } else { quote!(row) };
    // Spanned at the target, like the relation's own `key_of` (see `marker`).
    let target = &relation.target;
    let key_fn = quote_spanned! {target.span()=>
        fn key(#row_param: &#row<#(#before),*>) -> ::core::option::Option<<Self as ::eagerly::__private::SlotKey>::Key> {
            #key_body
        }
    };
    // A relation's slot (not a count's) can be emptied again, for a load below a JOIN.
    let take_impl = (!count).then(|| {
        let emptied = params.iter().enumerate().map(|(i, other)| {
            if i == index { quote!(#p::NotLoaded) } else { quote!(#other) }
        });
        quote! {
            #[automatically_derived]
            impl<#(#others,)* #value> #p::TakeSlot<#slot_key> for #row<#(#after),*> {
                type Rest = #row<#(#emptied),*>;
                type Value = #value;
                fn take(self) -> (Self::Rest, #value) {
                    let rest = #row { __model: self.__model, #field: #p::NotLoaded, #(#other_fields: self.#other_fields,)* };
                    (rest, self.#field)
                }
            }
        }
    });
    let impls = quote! {
        #[automatically_derived]
        impl<#(#others,)* #unloaded: #p::Unloaded, #value> #relation_of<#row<#(#before),*>, #value> for #slot_key {
            type Out = #row<#(#after),*>;
            const SLOT: usize = #index;
            fn set(row: #row<#(#before),*>, value: #value) -> Self::Out {
                #row { __model: row.__model, #field: value, #(#other_fields: row.#other_fields,)* }
            }
            #key_fn
        }

        #take_impl

        #accessor_impl
    };
    let Generated { hidden: model_hidden, impls: model_impls, .. } =
        on_model(model, names, relation_index, count);
    let hidden = quote!(#hidden #model_hidden);
    let impls = quote!(#impls #model_impls);
    Generated { public: TokenStream::new(), hidden, impls }
}

/// What the model dereferences to: a unit type whose methods, named like the row's
/// accessors ([`on_model`]), tell a user who reads a relation from the model (`fn show(a:
/// &Author) { a.books() }`, a first function everyone writes) where relations are read.
/// A `Deref`, because the model's own namespace has the relation constants of the same
/// names (`Author::books`), and a method found through it comes after the model's own.
fn on_rows(model: &Model, names: &Names) -> Generated {
    let ident = model.ident;
    let on_rows_ident = &names.on_rows;
    let on_rows = names.hidden(on_rows_ident);
    let doc = format!(
        "`{ident}`'s relations, which are read from rows (`{}`) and not from the model.",
        names.row
    );
    let hidden = quote! {
        #[doc = #doc]
        pub struct #on_rows_ident;
    };
    let impls = quote! {
        #[automatically_derived]
        #[doc(hidden)]
        impl ::core::ops::Deref for #ident {
            type Target = #on_rows;
            fn deref(&self) -> &#on_rows {
                &#on_rows
            }
        }
    };
    Generated { public: TokenStream::new(), hidden, impls }
}

/// The slot's accessor as the model reaches it ([`on_rows`]), which never compiles: its
/// bound is a trait nothing implements, whose message says that a relation is read from
/// the rows of a query that loaded it, and how. Without it, that first mistake is a bare
/// "no method named `books`".
fn on_model(model: &Model, names: &Names, relation_index: usize, count: bool) -> Generated {
    let ident = model.ident;
    let vis = model.vis;
    let relation = &model.relations[relation_index];
    let slot = &names.slots[names.slot(relation_index, count)];
    let (trait_ident, accessor) = (&slot.on_rows, &slot.accessor);
    let on_rows = names.hidden(trait_ident);
    let name = &relation.name;
    let full_name = format!("{ident}::{name}");
    let target = &relation.target;
    let row = &names.row;
    let lifetime = syn::Lifetime::new("'__row", proc_macro2::Span::call_site());
    let (what, load, returns) = if count {
        (
            format!("the count of `{full_name}`"),
            format!("`.with_count({full_name})`"),
            quote!(usize),
        )
    } else {
        let joined = format!("`.select_related({full_name})` or `.prefetch({full_name})`");
        let (load, returns) = match relation.reads(model) {
            Reads::One => (joined, quote!(&#lifetime #target)),
            Reads::OneOrNone => (joined, quote!(::core::option::Option<&#lifetime #target>)),
            Reads::Many => (format!("`.prefetch({full_name})`"), quote!(&#lifetime [#target])),
        };
        (format!("relation `{full_name}`"), load, returns)
    };
    let named = if count { format!("count({})", unraw(name)) } else { unraw(name) };
    let message = format!("{what} is read from a row, not from the model `{ident}`");
    let label = format!("`{ident}` holds its columns only: its relations are on `{row}`");
    let note = format!(
        "take the row the query returned, `&{row}<..>` (or name its type: `eagerly::row!({ident} {{ {named} }})`), and load it in that query with {load}"
    );
    let doc = format!(
        "Not on the model: {what} is read from the rows of a query that loaded it (see `{row}`)."
    );
    // Implemented for `Infallible` alone, and not recommended: without an impl, the
    // compiler would suggest adding one.
    let hidden = quote! {
        #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
        pub trait #trait_ident {
            fn on_rows(self) -> !;
        }

        #[diagnostic::do_not_recommend]
        impl #trait_ident for ::core::convert::Infallible {
            fn on_rows(self) -> ! {
                match self {}
            }
        }
    };
    let holder = names.hidden(&names.on_rows);
    let impls = quote! {
        impl #holder {
            #[doc = #doc]
            #vis fn #accessor<#lifetime>(&#lifetime self) -> #returns
            where
                &#lifetime Self: #on_rows,
            {
                #on_rows::on_rows(self)
            }
        }
    };
    Generated { public: TokenStream::new(), hidden, impls }
}
