//! Parsing `#[model(..)]` attributes into plain data. Nothing here generates code or knows
//! about other fields; `ast` resolves names and `valid` checks the rules.

use proc_macro2::TokenTree;
use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, LitStr, Path, Token};

use super::ctxt::Ctxt;

pub const STRUCT_KEYS: &[&str] = &[
    "table",
    "rename_all",
    "has_many",
    "has_one",
    "many_to_many",
    "belongs_to",
    "index",
    "unique",
];
pub const FIELD_KEYS: &[&str] =
    &["primary_key", "column", "index", "unique", "belongs_to", "sql_type"];
const HAS_MANY_OPTIONS: &[&str] = &["fk"];
const MANY_TO_MANY_OPTIONS: &[&str] = &["through", "from", "to"];

/// `#[model(..)]` on the struct.
#[derive(Default)]
pub struct StructAttrs {
    pub table: Option<LitStr>,
    /// `rename_all = "PascalCase"`: how field names become column names.
    pub rename_all: Option<LitStr>,
    /// `has_many`, `has_one`, `many_to_many` and `belongs_to`, in the order written.
    pub relations: Vec<RelationAttr>,
    /// `index(..)` and `unique(..)`, in the order written.
    pub indexes: Vec<IndexAttr>,
}

/// `has_many(books = Book, fk = author_id)`, `has_one(profile = Profile, fk = user_id)`,
/// `many_to_many(tags = Tag, through = BookTag, from = book_id, to = tag_id)` or, on the
/// struct, `belongs_to(writer = Author, fk = author_id)`.
pub struct RelationAttr {
    /// `has_many`, `has_one` or `many_to_many`, for spans.
    pub keyword: Ident,
    pub name: Ident,
    pub target: Path,
    /// Options by name (`fk`, `through`, `from`, `to`).
    pub options: Vec<(Ident, Path)>,
}

impl RelationAttr {
    pub fn option(&self, name: &str) -> Option<&Path> {
        self.options.iter().find(|(key, _)| key == name).map(|(_, value)| value)
    }

    pub fn is_many_to_many(&self) -> bool {
        self.keyword == "many_to_many"
    }

    pub fn is_has_one(&self) -> bool {
        self.keyword == "has_one"
    }

    pub fn is_belongs_to(&self) -> bool {
        self.keyword == "belongs_to"
    }
}

/// `index(a, b)` or `unique(a, b)` on the struct.
pub struct IndexAttr {
    pub fields: Vec<Ident>,
    pub unique: bool,
}

/// `#[model(..)]` on a field.
#[derive(Default)]
pub struct FieldAttrs {
    pub primary_key: Option<Ident>,
    pub column: Option<LitStr>,
    pub index: Option<Ident>,
    pub unique: Option<Ident>,
    pub belongs_to: Option<BelongsToAttr>,
    pub sql_type: Option<LitStr>,
}

/// `belongs_to(publisher = Publisher)` on a foreign-key field.
pub struct BelongsToAttr {
    pub name: Ident,
    pub target: Path,
}

pub fn struct_attrs(ctxt: &Ctxt, attrs: &[Attribute]) -> StructAttrs {
    let mut out = StructAttrs::default();
    for_each_key(ctxt, attrs, |meta, key| {
        match key.to_string().as_str() {
            "table" => {
                let value = string(&meta, &key, "authors")?;
                set_once(ctxt, &mut out.table, value, &key);
            }
            "rename_all" => {
                let value = string(&meta, &key, "PascalCase")?;
                set_once(ctxt, &mut out.rename_all, value, &key);
            }
            "has_many" | "has_one" | "many_to_many" | "belongs_to" => {
                let options =
                    if key == "many_to_many" { MANY_TO_MANY_OPTIONS } else { HAS_MANY_OPTIONS };
                if let Some(relation) = relation(ctxt, &meta, &key, options)? {
                    out.relations.push(relation);
                }
            }
            "index" | "unique" => {
                let unique = key == "unique";
                out.indexes.push(IndexAttr { fields: field_list(&meta, &key)?, unique });
            }
            _ => unknown_key(ctxt, &meta, &key, "struct", STRUCT_KEYS)?,
        }
        Ok(())
    });
    out
}

pub fn field_attrs(ctxt: &Ctxt, attrs: &[Attribute]) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for_each_key(ctxt, attrs, |meta, key| {
        match key.to_string().as_str() {
            "primary_key" => flag(ctxt, &meta, &mut out.primary_key, key)?,
            "index" => flag(ctxt, &meta, &mut out.index, key)?,
            "unique" => flag(ctxt, &meta, &mut out.unique, key)?,
            "column" => {
                let value = string(&meta, &key, "AuthorName")?;
                set_once(ctxt, &mut out.column, value, &key);
            }
            "sql_type" => {
                let value = string(&meta, &key, "NUMERIC(10,2)")?;
                set_once(ctxt, &mut out.sql_type, value, &key);
            }
            "belongs_to" => {
                if let Some(RelationAttr { name, target, .. }) = relation(ctxt, &meta, &key, &[])? {
                    set_once(ctxt, &mut out.belongs_to, BelongsToAttr { name, target }, &key);
                }
            }
            _ => unknown_key(ctxt, &meta, &key, "field", FIELD_KEYS)?,
        }
        Ok(())
    });
    out
}

/// Calls `each` for every key of every `#[model(..)]` attribute. A key whose value does not
/// parse is reported and skipped, so the keys after it are still read.
fn for_each_key(
    ctxt: &Ctxt,
    attrs: &[Attribute],
    mut each: impl FnMut(ParseNestedMeta, Ident) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("model")) {
        if let Err(error) = attr.meta.require_list() {
            ctxt.error_spanned_by(
                attr,
                format!("expected `#[model(..)]` with keys inside; {error}"),
            );
            continue;
        }
        let parsed = attr.parse_nested_meta(|meta| {
            let Some(key) = meta.path.get_ident().cloned() else {
                ctxt.error_spanned_by(
                    &meta.path,
                    "expected a key such as `table` or `primary_key`",
                );
                return skip_value(meta.input);
            };
            let input = meta.input;
            if let Err(error) = each(meta, key) {
                ctxt.syn_error(error);
                skip_value(input)?;
            }
            Ok(())
        });
        if let Err(error) = parsed {
            ctxt.syn_error(error);
        }
    }
}

/// Skips the rest of a key's value, up to the comma before the next key.
fn skip_value(input: ParseStream) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(Token![,]) {
        input.parse::<TokenTree>()?;
    }
    Ok(())
}

/// `key = "text"`.
fn string(meta: &ParseNestedMeta, key: &Ident, example: &str) -> syn::Result<LitStr> {
    let usage = || format!("`{key}` takes a string, as in `{key} = \"{example}\"`");
    if !meta.input.peek(Token![=]) {
        return Err(syn::Error::new(key.span(), usage()));
    }
    meta.value()?.parse::<LitStr>().map_err(|e| syn::Error::new(e.span(), usage()))
}

fn set_once<T>(ctxt: &Ctxt, slot: &mut Option<T>, value: T, key: &Ident) {
    if slot.is_some() {
        ctxt.error_spanned_by(key, format!("duplicate `{key}` in `#[model(..)]`; give it once"));
    } else {
        *slot = Some(value);
    }
}

/// A key without a value, such as `primary_key`. Given a value anyway, the flag is still
/// set, so the error does not cascade into "no primary key".
fn flag(
    ctxt: &Ctxt,
    meta: &ParseNestedMeta,
    slot: &mut Option<Ident>,
    key: Ident,
) -> syn::Result<()> {
    set_once(ctxt, slot, key.clone(), &key);
    if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
        return Err(syn::Error::new(
            key.span(),
            format!("`{key}` takes no value: write `#[model({key})]`"),
        ));
    }
    Ok(())
}

/// `(a, b, c)`: field names for a composite index.
fn field_list(meta: &ParseNestedMeta, key: &Ident) -> syn::Result<Vec<Ident>> {
    let usage = || format!("expected field names, as in `{key}(first_field, second_field)`");
    if !meta.input.peek(syn::token::Paren) {
        return Err(syn::Error::new(key.span(), usage()));
    }
    let content;
    syn::parenthesized!(content in meta.input);
    let fields = Punctuated::<Ident, Token![,]>::parse_terminated(&content)
        .map_err(|e| syn::Error::new(e.span(), usage()))?;
    if fields.is_empty() {
        return Err(syn::Error::new(key.span(), usage()));
    }
    Ok(fields.into_iter().collect())
}

/// `(name = Target, option = value, ..)`. Returns `None` when the error is already
/// reported.
fn relation(
    ctxt: &Ctxt,
    meta: &ParseNestedMeta,
    keyword: &Ident,
    options: &[&str],
) -> syn::Result<Option<RelationAttr>> {
    let usage = match keyword.to_string().as_str() {
        "has_many" => "`has_many(books = Book, fk = author_id)`",
        "has_one" => "`has_one(profile = Profile, fk = user_id)`",
        "belongs_to" if !options.is_empty() => "`belongs_to(writer = Author, fk = author_id)`",
        "many_to_many" => {
            "`many_to_many(tags = Tag, through = BookTag, from = book_id, to = tag_id)`"
        }
        _ => "`belongs_to(author = Author)`",
    };
    if !meta.input.peek(syn::token::Paren) {
        return Err(syn::Error::new(
            keyword.span(),
            format!("`{keyword}` needs a relation name and a model, as in {usage}"),
        ));
    }
    let mut name: Option<(Ident, Path)> = None;
    let mut given: Vec<(Ident, Path)> = Vec::new();
    meta.parse_nested_meta(|inner| {
        let Some(key) = inner.path.get_ident().cloned() else {
            return Err(syn::Error::new_spanned(&inner.path, format!("expected {usage}")));
        };
        let value: Path = inner.value()?.parse()?;
        if options.iter().any(|o| key == o) {
            if given.iter().any(|(k, _)| *k == key) {
                ctxt.error_spanned_by(&key, format!("duplicate `{key}` in `{keyword}(..)`; give it once"));
            } else {
                given.push((key, value));
            }
        } else if let Some((first, _)) = &name {
            let options = if options.is_empty() {
                String::from("it takes no options")
            } else {
                format!("its options are {}", quoted_list(options))
            };
            ctxt.error_spanned_by(
                &key,
                format!(
                    "`{keyword}` declares one relation, already named `{first}`; {options} (declare another relation in its own `{keyword}(..)`)"
                ),
            );
        } else {
            name = Some((key, value));
        }
        Ok(())
    })?;
    match name {
        Some((name, target)) => {
            Ok(Some(RelationAttr { keyword: keyword.clone(), name, target, options: given }))
        }
        None => {
            ctxt.error_at(
                keyword.span(),
                format!("`{keyword}` needs a relation name and a model, as in {usage}"),
            );
            Ok(None)
        }
    }
}

fn unknown_key(
    ctxt: &Ctxt,
    meta: &ParseNestedMeta,
    key: &Ident,
    place: &str,
    known: &[&str],
) -> syn::Result<()> {
    let mut message = format!(
        "unknown `#[model(..)]` key `{key}` on a {place}; expected one of {}",
        quoted_list(known)
    );
    let other = if place == "struct" { FIELD_KEYS } else { STRUCT_KEYS };
    if let Some(hint) = did_you_mean(&key.to_string(), known) {
        message.push_str(&hint);
    } else if other.contains(&key.to_string().as_str()) {
        message.push_str(&format!(
            " (`{key}` belongs on the {})",
            if place == "struct" { "field" } else { "struct" }
        ));
    }
    ctxt.error_spanned_by(key, message);
    skip_value(meta.input)
}

pub fn quoted_list(items: &[&str]) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

/// ` (did you mean `close`?)`, where a known name is close to `name` ([`closest`]).
pub fn did_you_mean(name: &str, known: &[&str]) -> Option<String> {
    closest(name, known).map(|close| format!(" (did you mean `{close}`?)"))
}

/// The known name closest to `name`: within edit distance 2, or starting with it.
pub fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(name, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
        .or_else(|| known.iter().copied().find(|k| name.len() >= 3 && k.starts_with(name)))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_keys_are_suggested() {
        assert_eq!(closest("tabel", STRUCT_KEYS), Some("table"));
        assert_eq!(closest("primary", FIELD_KEYS), Some("primary_key"));
        assert_eq!(closest("owner", FIELD_KEYS), None);
        assert_eq!(closest("primarykey", FIELD_KEYS), Some("primary_key"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
