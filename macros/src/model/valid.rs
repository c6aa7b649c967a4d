//! The rules a model must follow that can be checked without type information. Rules that
//! need types (a foreign key's type, whether a target is a model, whether a field exists
//! on another model) are trait bounds in the generated code instead.

use std::collections::HashSet;

use super::ast::{Model, unraw};
use super::ctxt::Ctxt;

/// What the derive puts on the model that code names with a path (`Author::get(&conn, 1)`):
/// a column or relation constant of the same name would hide it there (an inherent
/// constant wins over a trait's function), so a field or relation may not be named so.
/// The model's other functions are called as methods (`author.insert(&conn)`, which no
/// constant hides) and stay free as names: a field may be called `key` or `insert`.
const ON_THE_MODEL: &[(&str, &str)] = &[
    ("query", "`{model}::query()`"),
    ("get", "`{model}::get(&conn, key)`"),
    ("insert_all", "`{model}::insert_all(&conn, rows)`"),
    ("TABLE", "`{model}::TABLE`"),
];

/// What the derive puts on the model's rows, besides one accessor per relation.
const ON_THE_ROW: &[(&str, &str)] = &[("into_model", "`row.into_model()`")];

/// What the generated item of that name is, for a message; `None` if the name is free.
fn generated(model: &Model, name: &str, on_rows: bool) -> Option<String> {
    let on_rows = if on_rows { ON_THE_ROW } else { &[] };
    (ON_THE_MODEL.iter().chain(on_rows))
        .find(|(reserved, _)| *reserved == name)
        .map(|(_, item)| item.replace("{model}", &model.ident.to_string()))
}

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
        let name = unraw(field.ident);
        if let Some(item) = generated(model, &name, false) {
            ctxt.error_spanned_by(
                field.ident,
                format!(
                    "a field named `{name}` would hide {item}: the derive names each column after its field (`{}::{name}`); rename the field, and keep the column's name with `#[model(column = \"{}\")]`",
                    model.ident, field.column
                ),
            );
        }
    }
}

fn check_relations(ctxt: &Ctxt, model: &Model) {
    // Every name a relation puts on the model (`Author::books`) and on its rows
    // (`row.books()`, `row.books_count()`) must be free.
    let mut taken: HashSet<String> = model.fields.iter().map(|f| unraw(f.ident)).collect();
    for relation in &model.relations {
        let name = unraw(&relation.name);
        if let Some(item) = generated(model, &name, true) {
            ctxt.error_spanned_by(
                &relation.name,
                format!(
                    "a relation named `{name}` would hide {item}; give the relation another name"
                ),
            );
            continue;
        }
        let mut names = vec![name.clone()];
        if relation.is_to_many() {
            names.push(format!("{name}_count"));
        }
        for generated in names {
            if !taken.insert(generated.clone()) {
                ctxt.error_spanned_by(
                    &relation.name,
                    format!(
                        "`{generated}` is already taken on `{}` (by a field, another relation or a relation's count); give the relation another name",
                        model.ident
                    ),
                );
            }
        }
    }
}
