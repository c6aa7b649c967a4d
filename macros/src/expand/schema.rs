//! The table definition (`Author::TABLE`): columns, key, indexes and foreign keys, as data
//! for the runtime's SQL writer.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::{Names, private, type_text};
use crate::model::{Model, RelationKind, option_inner};

/// With the runtime's `postgres` feature, every field type must have a PostgreSQL column
/// type, or the field a declared one: `#[model(sql_type = "..")]`. The runtime's
/// `postgres_column` checks it (or nothing, without the feature), each call spanned at
/// the field's type.
pub fn postgres_columns(model: &Model) -> TokenStream {
    let p = private();
    let checks = model.fields.iter().filter(|field| field.attrs.sql_type.is_none()).map(|field| {
        // An `Option`'s column is its value type's, and the error names that type.
        let ty = option_inner(field.ty).unwrap_or(field.ty);
        quote_spanned!(ty.span()=> #p::postgres_column::<#ty>();)
    });
    quote!(const _: () = { #(#checks)* };)
}

pub fn table(model: &Model, names: &Names) -> TokenStream {
    let p = private();
    let ident = model.ident;
    let name = &model.table;
    let columns = model.fields.iter().map(|field| {
        let (column, ty) = (&field.column, field.ty);
        let field_name = field.ident.to_string();
        let rust_type = type_text(ty);
        let nullable = field.nullable;
        // A declared type is the column's on every backend.
        let declared_type = |backend: Ident| match &field.attrs.sql_type {
            Some(declared) => quote!(|| #declared),
            // Autoref picks `HasSqlType` when `#ty: SqlType`, else the untyped fallback.
            None => {
                let probe = quote_spanned!(ty.span()=> (&#p::SqlTypeOf::<#ty>::NEW).#backend());
                quote! {|| {
                    #[allow(unused_imports)]
                    use #p::{HasSqlType as _, NoSqlType as _};
                    #probe
                }}
            }
        };
        let sql_type = declared_type(Ident::new("sql_type", Span::call_site()));
        let postgres_type = declared_type(Ident::new("postgres_type", Span::call_site()));
        // Spanned at the type, like `decode`'s reads: a type that is not `FromSql` is one
        // error there.
        let refuses_null = quote_spanned!(ty.span()=> #p::refuses_null::<#ty>);
        quote! {
            #p::column(
                #column, #field_name, #rust_type, #sql_type, #postgres_type, #nullable,
                #refuses_null,
            )
        }
    });
    let key = model.key_fields().map(|(i, _)| i);
    let auto_key = model.auto_key().is_some();
    let indexes = model.indexes.iter().map(|index| {
        let (fields, unique) = (&index.fields, index.unique);
        quote!(#p::index(&[#(#fields),*], #unique))
    });
    // One constraint per field, however many names its relation has.
    let mut constrained = Vec::new();
    let foreign_keys =
        model.relations.iter().enumerate().filter_map(|(i, relation)| match relation.kind {
            RelationKind::BelongsTo { field } if !constrained.contains(&field) => {
                constrained.push(field);
                let marker = names.hidden(&names.markers[i]);
                Some(quote!(#p::foreign_key(#field, #p::relation_target::<#marker>)))
            }
            _ => None,
        });
    let relations = model.relations.iter().enumerate().map(|(i, relation)| {
        let marker = names.hidden(&names.markers[i]);
        let name = format!("{ident}::{}", relation.name);
        quote! {
            #p::relation(#name, || <#marker as #p::Relation>::LINK, #p::relation_target::<#marker>)
        }
    });
    quote! {
        #p::table(
            #name,
            ::core::stringify!(#ident),
            &[#(#columns),*],
            &[#(#key),*],
            #auto_key,
            &[#(#indexes),*],
            &[#(#foreign_keys),*],
            &[#(#relations),*],
        )
    }
}
