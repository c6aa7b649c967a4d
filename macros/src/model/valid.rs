//! The rules a model must follow that can be checked without type information. Rules that
//! need types (a foreign key's type, whether a target is a model, whether a field exists
//! on another model) are trait bounds in the generated code instead.

use std::collections::HashSet;

use super::ast::{Model, camel_case};
use super::ctxt::Ctxt;

/// Names the derive generates in the model's namespace or on its row type.
const RESERVED: &[&str] = &["query", "into_model"];

pub fn check(ctxt: &Ctxt, model: &Model) {
    check_keys(ctxt, model);
    check_names(ctxt, model);
    check_relations(ctxt, model);
}

fn check_keys(ctxt: &Ctxt, model: &Model) {
    if model.key_fields().next().is_none() {
        ctxt.error_spanned_by(
            model.ident,
            format!(
                "model `{}` has no primary key; mark its key field (or fields) with `#[model(primary_key)]`",
                model.ident
            ),
        );
    }
    for (_, field) in model.key_fields() {
        if field.nullable {
            ctxt.error_spanned_by(
                field.ty,
                "a primary key cannot be an `Option`: every row has a key",
            );
        }
    }
}

fn check_names(ctxt: &Ctxt, model: &Model) {
    if model.table.is_empty() {
        if let Some(table) = &model.attrs.table {
            ctxt.error_spanned_by(table, "the table name cannot be empty");
        }
    }
    let mut columns = HashSet::new();
    for field in &model.fields {
        if let Some(column) = &field.attrs.column {
            if field.column.is_empty() {
                ctxt.error_spanned_by(column, "the column name cannot be empty");
            }
        }
        if !columns.insert(field.column.as_str()) {
            let message =
                format!("two fields of `{}` map to the column `{}`", model.ident, field.column);
            match &field.attrs.column {
                Some(column) => ctxt.error_spanned_by(column, message),
                None => ctxt.error_spanned_by(field.ident, message),
            }
        }
        if let Some(sql_type) = &field.attrs.sql_type {
            if sql_type.value().trim().is_empty() {
                ctxt.error_spanned_by(
                    sql_type,
                    "`sql_type` cannot be empty; omit it to use the field type's default",
                );
            }
        }
        if RESERVED.contains(&field.ident.to_string().as_str()) {
            ctxt.error_spanned_by(
                field.ident,
                format!(
                    "a field cannot be named `{}`: the derive generates `{}::{}`",
                    field.ident, model.ident, field.ident
                ),
            );
        }
    }
}

fn check_relations(ctxt: &Ctxt, model: &Model) {
    // Every name a relation puts on the model (`Author::books`) and on its rows
    // (`row.books()`, `row.books_count()`) must be free.
    let mut taken: HashSet<String> = model.fields.iter().map(|f| f.ident.to_string()).collect();
    taken.extend(RESERVED.iter().map(|r| r.to_string()));
    for relation in &model.relations {
        let name = relation.name.to_string();
        let mut names = vec![name.clone()];
        if relation.is_to_many() {
            names.push(format!("{name}_count"));
        }
        for generated in names {
            if !taken.insert(generated.clone()) {
                ctxt.error_spanned_by(
                    &relation.name,
                    format!(
                        "`{generated}` is already taken on `{}` (by a field, another relation or a generated name); give the relation another name",
                        model.ident
                    ),
                );
            }
        }
        if *model.ident == camel_case(&name) {
            ctxt.error_spanned_by(
                &relation.name,
                format!("a relation of `{}` cannot be named `{name}`: its row type uses `{}` for the relation's slot", model.ident, model.ident),
            );
        }
    }
}
