//! The row type: `AuthorRow<Books = NotLoaded, Publisher = NotLoaded, BooksCount = NotLoaded>`,
//! the model plus one slot per relation and per count, dereferencing to the model.

use quote::quote;

use super::{Generated, Names, private};
use crate::model::Model;

pub fn expand(model: &Model, names: &Names) -> Generated {
    let p = private();
    let ident = model.ident;
    let vis = model.vis;
    let row = &names.row;
    let fields: Vec<_> = names.slots.iter().map(|s| &s.field).collect();
    let slot_names: Vec<&str> = names.slots.iter().map(|s| s.name.as_str()).collect();
    let slot_params: Vec<_> = names.slots.iter().map(|s| &s.param).collect();
    let declared =
        if slot_params.is_empty() { quote!() } else { quote!(<#(#slot_params = #p::NotLoaded),*>) };
    let params = names.impl_params();
    let generics = Names::generics(&params);
    let markers: Vec<_> =
        names.slots.iter().map(|s| names.hidden(&names.markers[s.relation])).collect();
    let indexes = 0..names.slots.len();
    let doc = format!(
        "A row of [`{ident}`] as a query returns it: the model (through `Deref`) plus, in its \
         type parameters, the relations and counts the query loaded (`NotLoaded` for the others)."
    );
    let into_model_doc = format!("The [`{ident}`], without what was loaded with it.");
    let relation_of = &names.relation_of;
    let relation_of_path = names.hidden(relation_of);
    let slot_list = if model.relations.is_empty() {
        format!("`{ident}` declares no relations")
    } else {
        let relations: Vec<String> =
            model.relations.iter().map(|r| format!("`{ident}::{}`", r.name)).collect();
        let counts: Vec<String> = model
            .relations
            .iter()
            .filter(|r| r.is_to_many())
            .map(|r| format!("`{ident}::{}`", r.name))
            .collect();
        let mut list = format!("relations of `{ident}`: {}", relations.join(", "));
        if !counts.is_empty() {
            list.push_str(&format!("; `with_count` takes {}", counts.join(", ")));
        }
        list
    };
    let not_a_relation = format!("this is not a relation of `{ident}`");
    let not_a_relation_label = format!("not a relation of `{ident}`");

    let public = quote! {
        #[doc = #doc]
        #vis struct #row #declared {
            __model: #ident,
            #(#fields: #slot_params,)*
        }
    };

    // The relations of the model (and their counts) that can fill a slot of its row,
    // implemented by the relation markers.
    let hidden = quote! {
        #[diagnostic::on_unimplemented(
            message = #not_a_relation,
            label = #not_a_relation_label,
            note = #slot_list
        )]
        pub trait #relation_of<Row, V> {
            /// The row type with the slot filled.
            type Out;
            /// The slot's index in the row struct.
            const SLOT: usize;
            /// Fills the slot.
            fn set(row: Row, value: V) -> Self::Out;
            /// The key the related rows of `row` are grouped by.
            fn key(row: &Row) -> #p::Option<<Self as #p::SlotKey>::Key>
            where
                Self: #p::SlotKey;
        }
    };

    // One impl for every slot key: a relation of another model then fails on
    // `RelationOfAuthor`, whose message names this model (see the design note, 9.4).
    let impls = quote! {
        #[automatically_derived]
        impl<__Slot, __Value, #(#params),*> #p::SetSlot<__Slot, __Value> for #row #generics
        where
            __Slot: #relation_of_path<Self, __Value>,
            Self: #p::MaybeSend,
            <__Slot as #relation_of_path<Self, __Value>>::Out: #p::MaybeSend,
        {
            type Out = <__Slot as #relation_of_path<Self, __Value>>::Out;
            const SLOT: usize = <__Slot as #relation_of_path<Self, __Value>>::SLOT;
            fn set(self, value: __Value) -> Self::Out {
                <__Slot as #relation_of_path<Self, __Value>>::set(self, value)
            }
            fn key(&self) -> #p::Option<<__Slot as #p::SlotKey>::Key>
            where
                __Slot: #p::SlotKey,
            {
                <__Slot as #relation_of_path<Self, __Value>>::key(self)
            }
        }

        // Made from one result row in one struct expression (see `load::decode`).
        #[automatically_derived]
        impl #generics #p::DecodeRow for #row #generics
        where
            #(#params: #p::DecodeSlot,)*
        {
            type Model = #ident;
            #[inline(always)]
            fn from_parts(model: #ident, parts: &#p::Parts<'_>) -> #p::Result<Self> {
                let _ = parts;
                // The slots first, while they may borrow the model (for a foreign key).
                #p::Ok(#row {
                    #(#fields: <#params as #p::DecodeSlot>::decode::<#markers>(parts, #indexes, &model)?,)*
                    __model: model,
                })
            }
        }

        #[automatically_derived]
        impl #generics #p::Deref for #row #generics {
            type Target = #ident;
            fn deref(&self) -> &#ident {
                &self.__model
            }
        }

        impl #generics #row #generics {
            #[doc = #into_model_doc]
            #vis fn into_model(self) -> #ident {
                self.__model
            }
        }

        #[automatically_derived]
        impl #generics ::core::clone::Clone for #row #generics
        where
            for<'__eagerly> #ident: ::core::clone::Clone,
            #(#params: ::core::clone::Clone,)*
        {
            fn clone(&self) -> Self {
                #row {
                    __model: ::core::clone::Clone::clone(&self.__model),
                    #(#fields: ::core::clone::Clone::clone(&self.#fields),)*
                }
            }
        }

        #[automatically_derived]
        impl #generics ::core::cmp::PartialEq for #row #generics
        where
            for<'__eagerly> #ident: ::core::cmp::PartialEq,
            #(#params: ::core::cmp::PartialEq,)*
        {
            fn eq(&self, other: &Self) -> bool {
                self.__model == other.__model #(&& self.#fields == other.#fields)*
            }
        }

        #p::serialize_row! { #row, #ident, [#(#params),*], [#(#fields => #slot_names),*] }

        #[automatically_derived]
        impl #generics ::core::fmt::Debug for #row #generics
        where
            for<'__eagerly> #ident: ::core::fmt::Debug,
            #(#params: #p::SlotDebug,)*
        {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                let mut row = f.debug_struct(::core::stringify!(#row));
                row.field("model", &self.__model);
                #(
                    if let #p::Option::Some(loaded) = #p::SlotDebug::as_debug(&self.#fields) {
                        row.field(#slot_names, loaded);
                    }
                )*
                row.finish()
            }
        }
    };
    Generated { public, hidden, impls }
}
