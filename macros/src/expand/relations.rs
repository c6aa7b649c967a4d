//! Relation markers: `Author::books` is the constant of the unit struct `AuthorBooks`,
//! which implements the runtime's `Relation` with the relation's SQL shape. Type checks
//! the parser cannot make (is the target a model, does the foreign key exist and fit the
//! key) are bounds here, spanned at the user's tokens.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::{Names, private};
use crate::model::{Model, Relation, RelationKind};

pub fn expand(model: &Model, _names: &Names) -> TokenStream {
    model.relations.iter().map(|relation| marker(model, relation)).collect()
}

fn marker(model: &Model, relation: &Relation) -> TokenStream {
    let p = private();
    let ident = model.ident;
    let vis = model.vis;
    let name = &relation.name;
    let target = &relation.target;
    let marker = Names::marker(model, relation);
    let full_name = format!("{ident}::{name}");
    let target_text = quote!(#target).to_string().replace(' ', "");

    let (card, link, checks, description) = match &relation.kind {
        RelationKind::BelongsTo { field } => {
            let field = &model.fields[*field];
            let (fk, ty) = (&field.column, field.ty);
            let card = if field.nullable { quote!(ToOptional) } else { quote!(ToOne) };
            // Spelled out (not `#p`) so the tokens carry the target's span: a target that is
            // not a model fails this check too, and that should point at the target. The
            // field type keeps its own span for the foreign-key type error.
            let check = quote_spanned! {target.span()=>
                const _: () = ::eagerly::__private::belongs_to::<#marker, #ty>();
            };
            let description = format!(
                "the `{target_text}` that `{ident}.{}` refers to{}",
                field.ident,
                if field.nullable { ", if any" } else { "" }
            );
            (card, quote!(#p::Link::BelongsTo { fk: #fk }), check, description)
        }
        RelationKind::HasMany { fk } => {
            let column =
                quote_spanned!(fk.span()=> #p::has_many_fk::<#ident, #target, _>(<#target>::#fk));
            let description =
                format!("the `{target_text}` rows whose `{fk}` refers to this `{ident}`");
            (quote!(ToMany), quote!(#p::Link::HasMany { fk: #column }), quote!(), description)
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
                #p::Link::ManyToMany { through: #through_table, from: #from_column, to: #to_column }
            };
            (quote!(ToMany), link, quote!(), description)
        }
    };
    let marker_doc = format!("The relation `{full_name}`: {description}.");
    let target_is_model = quote_spanned!(target.span()=> #target);

    quote! {
        #[doc = #marker_doc]
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug, ::core::default::Default)]
        #vis struct #marker;

        #[automatically_derived]
        impl #p::Relation for #marker {
            type From = #ident;
            type To = #target_is_model;
            type Card = #p::#card;
            const NAME: &'static str = #full_name;
            const LINK: #p::Link = #link;
        }

        #[allow(non_upper_case_globals)]
        impl #ident {
            #[doc = #marker_doc]
            #vis const #name: #marker = #marker;
        }

        #checks
    }
}
