//! Column constants (`Author::name`), `Author::query()`, the `Model` impl (decoding and
//! binding fields), and inserting: the model itself, and `NewAuthor` when SQLite assigns
//! the key.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::{Generated, Names, private, schema, type_text};
use crate::model::ast::unraw;
use crate::model::{Field, Model};

pub fn expand(model: &Model, names: &Names) -> Generated {
    let p = private();
    let ident = model.ident;
    let vis = model.vis;
    let row = &names.row;
    let table = schema::table(model, names);
    let postgres_columns = schema::postgres_columns(model);

    let constants = model.fields.iter().map(|field| {
        let (name, ty, docs, field_vis) = (field.ident, field.ty, &field.docs, field.vis);
        let doc = format!(
            "Column `{}` of table `{}`, holding `{}`.",
            field.column,
            model.table,
            type_text(ty)
        );
        let column = &field.column;
        quote! {
            #(#docs)*
            #[doc = #doc]
            #field_vis const #name: #p::Column<#ident, #ty> =
                #p::Column::new(#column, |model: &#ident| &model.#name);
        }
    });
    let query_doc = format!("All rows of [`{ident}`]: filter, order, load relations, then run.");

    let field_names: Vec<_> = model.fields.iter().map(|f| f.ident).collect();
    let key_fields: Vec<_> = model.key_fields().collect();
    // A single key is read with `read_key`: a joined row's may come from the foreign key.
    let single_key = if let [(index, _)] = key_fields.as_slice() { Some(*index) } else { None };
    let reads = model.fields.iter().enumerate().map(|(i, f)| {
        if Some(i) == single_key {
            quote_spanned!(f.ty.span()=> reader.read_key()?)
        } else {
            quote_spanned!(f.ty.span()=> reader.read()?)
        }
    });
    let all_pushes = pushes(model.fields.iter());
    let slot_fields = names.slots.iter().map(|s| &s.field);

    let keys: Vec<_> = key_fields.iter().map(|(_, f)| *f).collect();
    let (key_type, key_value, key_pushes) = if let [key] = keys.as_slice() {
        let (name, ty) = (key.ident, key.ty);
        (quote!(#ty), quote!(::core::clone::Clone::clone(&self.#name)), quote!(out.push(key);))
    } else {
        let types = keys.iter().map(|k| k.ty);
        let names = keys.iter().map(|k| k.ident);
        let indices = (0..keys.len()).map(syn::Index::from);
        (
            quote!((#(#types,)*)),
            quote!((#(::core::clone::Clone::clone(&self.#names),)*)),
            quote!(#(out.push(&key.#indices);)*),
        )
    };
    let all_columns = 0..model.fields.len();

    let (new_struct, new_impls) = model
        .auto_key()
        .map(|auto| {
            let new = &names.new;
            let rest: Vec<_> =
                model.fields.iter().enumerate().filter(|(i, _)| *i != auto).collect();
            let columns = rest.iter().map(|(i, _)| i);
            let fields = rest.iter().map(|(_, f)| {
                let (name, ty, docs, field_vis) = (f.ident, f.ty, &f.docs, f.vis);
                quote!(#(#docs)* #field_vis #name: #ty)
            });
            let new_pushes = pushes(rest.iter().map(|(_, f)| *f));
            let key = model.fields[auto].ident;
            let doc = format!(
                "An [`{ident}`] to insert, without `{key}`: SQLite assigns it, and \
                 [`insert`]({new}::insert) returns the stored row with it."
            );
            let insert_doc =
                format!("Inserts the row and returns it as stored, with its new `{key}`.");
            let new_struct = quote! {
                #[doc = #doc]
                #vis struct #new {
                    #(#fields,)*
                }
            };
            let new_impls = quote! {
                #[automatically_derived]
                impl #p::Insertable for #new {
                    type Model = #ident;
                    const COLUMNS: &'static [usize] = &[#(#columns),*];
                    fn write_fields<'a>(&'a self, out: &mut ::std::vec::Vec<&'a dyn #p::ToSql>) {
                        #(#new_pushes;)*
                    }
                }

                impl #new {
                    #[doc = #insert_doc]
                    #[track_caller]
                    #vis fn insert(&self, conn: impl #p::Executor) -> #p::Result<#ident> {
                        #p::insert_one(conn, self)
                    }
                }
            };
            (new_struct, new_impls)
        })
        .unwrap_or_default();

    // Read by a `has_one` of another model, whose foreign key must be unique.
    let uniqueness = model.fields.iter().enumerate().map(|(i, field)| {
        let (name, field_ty) = (unraw(field.ident), field.ty);
        let unique = if model.is_unique(i) { quote!(#p::Unique) } else { quote!(#p::NotUnique) };
        quote! {
            #[automatically_derived]
            #[diagnostic::do_not_recommend]
            impl #p::FieldNamed<#ident, { #p::name(#name) }> for #field_ty {
                type Unique = #unique;
            }
        }
    });

    let impls = quote! {
        #[allow(non_upper_case_globals)]
        impl #ident {
            #(#constants)*

            #[doc = #query_doc]
            #vis fn query() -> #p::Query<#ident> {
                #p::Query::new()
            }
        }

        #[automatically_derived]
        impl #p::Model for #ident {
            type Row = #row;
            type Key = #key_type;
            const TABLE: &'static #p::Table = &#table;

            // Always inlined: a row is made in one call (`load::decode`), which writes the
            // fields where the row is built instead of moving a decoded model into it.
            #[inline(always)]
            fn decode(reader: &mut #p::Reader<'_>) -> #p::Result<Self> {
                #p::Ok(#ident { #(#field_names: #reads,)* })
            }

            #[inline]
            fn into_row(self) -> #row {
                #row { __model: self, #(#slot_fields: #p::NotLoaded,)* }
            }

            fn key(&self) -> Self::Key {
                #key_value
            }

            fn write_fields<'a>(&'a self, out: &mut ::std::vec::Vec<&'a dyn #p::ToSql>) {
                #(#all_pushes;)*
            }

            fn write_key<'a>(key: &'a Self::Key, out: &mut ::std::vec::Vec<&'a dyn #p::ToSql>) {
                #key_pushes
            }

            fn get(conn: impl #p::Executor, key: Self::Key) -> #p::Result<#row> {
                #p::get::<Self>(conn, key)
            }

            fn insert(&self, conn: impl #p::Executor) -> #p::Result<Self> {
                #p::insert_one(conn, self)
            }

            fn insert_all<I: #p::Insertable<Model = Self>>(
                conn: impl #p::Executor,
                items: impl ::core::iter::IntoIterator<Item = I>,
            ) -> #p::Result<::std::vec::Vec<Self>> {
                #p::insert_all(conn, items)
            }

            fn update(&self, conn: impl #p::Executor) -> #p::Result<()> {
                #p::update_one(conn, self)
            }

            fn delete(&self, conn: impl #p::Executor) -> #p::Result<()> {
                #p::delete_one(conn, self)
            }
        }

        #[automatically_derived]
        impl #p::Insertable for #ident {
            type Model = #ident;
            const COLUMNS: &'static [usize] = &[#(#all_columns),*];
            fn write_fields<'a>(&'a self, out: &mut ::std::vec::Vec<&'a dyn #p::ToSql>) {
                <Self as #p::Model>::write_fields(self, out)
            }
        }

        #new_impls

        #(#uniqueness)*

        #postgres_columns
    };
    Generated { public: new_struct, hidden: TokenStream::new(), impls }
}

/// `out.push(&self.field)` for each field, spanned at its type so a type that cannot be
/// bound is reported there.
fn pushes<'a>(fields: impl Iterator<Item = &'a Field<'a>>) -> Vec<TokenStream> {
    fields
        .map(|f| {
            let name = f.ident;
            quote_spanned!(f.ty.span()=> out.push(&self.#name))
        })
        .collect()
}
