//! The typed model the rest of the macro works from: fields with their columns, relations
//! and indexes, with every name resolved and every default filled in.

use syn::{
    Attribute, Data, DeriveInput, Fields, GenericArgument, Ident, Path, PathArguments, Type,
    Visibility,
};

use super::attr::{self, FieldAttrs, RelationAttr, StructAttrs};
use super::ctxt::Ctxt;

pub struct Model<'a> {
    pub ident: &'a Ident,
    pub vis: &'a Visibility,
    pub table: String,
    pub fields: Vec<Field<'a>>,
    /// Struct-level relations in the order written, then `belongs_to` fields in field order.
    pub relations: Vec<Relation>,
    /// Field-level and struct-level indexes and unique constraints.
    pub indexes: Vec<Index>,
    pub attrs: StructAttrs,
}

pub struct Field<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub vis: &'a Visibility,
    /// `#[doc]` attributes, copied onto the generated column constant.
    pub docs: Vec<&'a Attribute>,
    pub attrs: FieldAttrs,
    /// Column name in the database.
    pub column: String,
    /// The field is an `Option`, so the column is nullable.
    pub nullable: bool,
}

pub struct Relation {
    pub name: Ident,
    pub target: Path,
    pub kind: RelationKind,
}

pub enum RelationKind {
    /// The field at this index holds the target's key.
    BelongsTo { field: usize },
    /// The target's field `fk` holds this model's key.
    HasMany { fk: Ident },
    /// The target's field `fk`, unique, holds this model's key: one row at most.
    HasOne { fk: Ident },
    /// `through`'s fields `from` and `to` hold this model's and the target's keys.
    ManyToMany { through: Path, from: Ident, to: Ident },
}

pub struct Index {
    /// Indices into `Model::fields`.
    pub fields: Vec<usize>,
    pub unique: bool,
}

impl Model<'_> {
    pub fn key_fields(&self) -> impl Iterator<Item = (usize, &Field<'_>)> {
        self.fields.iter().enumerate().filter(|(_, f)| f.attrs.primary_key.is_some())
    }

    /// Whether field `index` is unique on its own: marked `unique` (on the field, or as a
    /// one-field `unique(..)` on the struct), or the sole primary key.
    pub fn is_unique(&self, index: usize) -> bool {
        let mut keys = self.key_fields();
        let sole_key = matches!((keys.next(), keys.next()), (Some((i, _)), None) if i == index);
        sole_key || self.indexes.iter().any(|ix| ix.unique && ix.fields == [index])
    }

    /// A single primary key of an integer type: SQLite assigns it (`INTEGER PRIMARY KEY`).
    pub fn auto_key(&self) -> Option<usize> {
        let mut keys = self.key_fields();
        match (keys.next(), keys.next()) {
            (Some((i, field)), None) if is_integer(field.ty) => Some(i),
            _ => None,
        }
    }
}

/// What a loaded relation is read as.
#[derive(Clone, Copy, PartialEq)]
pub enum Reads {
    /// A slice: `has_many`, `many_to_many`.
    Many,
    /// A row: `belongs_to` through a NOT NULL foreign key.
    One,
    /// An optional row: `belongs_to` through a nullable foreign key, `has_one`.
    OneOrNone,
}

impl Relation {
    /// What the relation's accessor reads, given the model that declares it.
    pub fn reads(&self, model: &Model<'_>) -> Reads {
        match self.kind {
            RelationKind::BelongsTo { field } if model.fields[field].nullable => Reads::OneOrNone,
            RelationKind::BelongsTo { .. } => Reads::One,
            RelationKind::HasOne { .. } => Reads::OneOrNone,
            RelationKind::HasMany { .. } | RelationKind::ManyToMany { .. } => Reads::Many,
        }
    }

    /// To-many relations can be counted and get a count slot.
    pub fn is_to_many(&self) -> bool {
        matches!(self.kind, RelationKind::HasMany { .. } | RelationKind::ManyToMany { .. })
    }
}

impl<'a> Model<'a> {
    pub fn from_syn(ctxt: &Ctxt, input: &'a DeriveInput) -> Option<Self> {
        let named = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => Some(named),
                Fields::Unnamed(fields) => {
                    ctxt.error_spanned_by(
                        fields,
                        "`#[derive(Model)]` needs named fields, one per column; a tuple struct has none",
                    );
                    None
                }
                Fields::Unit => {
                    ctxt.error_spanned_by(
                        &input.ident,
                        "`#[derive(Model)]` needs a struct with named fields, one per column",
                    );
                    None
                }
            },
            Data::Enum(data) => {
                ctxt.error_spanned_by(
                    data.enum_token,
                    "`#[derive(Model)]` works on structs with named fields, not enums: a row has every column",
                );
                None
            }
            Data::Union(data) => {
                ctxt.error_spanned_by(
                    data.union_token,
                    "`#[derive(Model)]` works on structs with named fields, not unions",
                );
                None
            }
        };
        if !input.generics.params.is_empty() || input.generics.where_clause.is_some() {
            ctxt.error_spanned_by(&input.generics, "a model cannot have generic parameters");
        }
        let attrs = attr::struct_attrs(ctxt, &input.attrs);
        let rename_all = attrs.rename_all.as_ref().and_then(|lit| {
            let rule = RenameRule::from_str(&lit.value());
            if rule.is_none() {
                let mut message = format!(
                    "unknown `rename_all` rule; expected one of {}",
                    attr::quoted_list(RenameRule::NAMES)
                );
                message.push_str(
                    &attr::did_you_mean(&lit.value(), RenameRule::NAMES).unwrap_or_default(),
                );
                ctxt.error_spanned_by(lit, message);
            }
            rule
        });
        let named = named?;

        let fields: Vec<Field> = named
            .named
            .iter()
            .map(|field| {
                let ident = field.ident.as_ref().expect("named fields have names");
                let attrs = attr::field_attrs(ctxt, &field.attrs);
                let column = match (&attrs.column, rename_all) {
                    (Some(column), _) => column.value(),
                    (None, Some(rule)) => rule.apply(&unraw(ident)),
                    (None, None) => unraw(ident),
                };
                Field {
                    ident,
                    ty: &field.ty,
                    vis: &field.vis,
                    docs: field.attrs.iter().filter(|a| a.path().is_ident("doc")).collect(),
                    nullable: option_inner(&field.ty).is_some(),
                    attrs,
                    column,
                }
            })
            .collect();

        let snake = snake_case(&unraw(&input.ident));
        let table = attrs.table.as_ref().map_or_else(|| snake.clone(), syn::LitStr::value);
        let mut relations: Vec<Relation> = attrs
            .relations
            .iter()
            .filter_map(|r| struct_relation(ctxt, r, &snake, input, &fields))
            .collect();
        let mut indexes = Vec::new();
        for (i, field) in fields.iter().enumerate() {
            if let Some(belongs_to) = &field.attrs.belongs_to {
                relations.push(Relation {
                    name: belongs_to.name.clone(),
                    target: belongs_to.target.clone(),
                    kind: RelationKind::BelongsTo { field: i },
                });
            }
            for (flag, unique) in [(&field.attrs.index, false), (&field.attrs.unique, true)] {
                if flag.is_some() {
                    indexes.push(Index { fields: vec![i], unique });
                }
            }
        }
        for index in &attrs.indexes {
            let resolved: Vec<usize> = index
                .fields
                .iter()
                .filter_map(|name| {
                    let found = fields.iter().position(|f| f.ident == name);
                    if found.is_none() {
                        ctxt.error_spanned_by(
                            name,
                            format!("`{}` has no field `{name}` to index", input.ident),
                        );
                    }
                    found
                })
                .collect();
            if resolved.len() == index.fields.len() {
                indexes.push(Index { fields: resolved, unique: index.unique });
            }
        }

        Some(Model {
            ident: &input.ident,
            vis: &input.vis,
            table,
            fields,
            relations,
            indexes,
            attrs,
        })
    }
}

/// Resolves a `has_many`, `has_one`, `many_to_many` or struct-level `belongs_to` attribute,
/// filling in Rails-style defaults: `fk` / `from` is `<this model>_id` (for `belongs_to`,
/// `<relation>_id`, a field of this model), `to` is `<target model>_id`.
fn struct_relation(
    ctxt: &Ctxt,
    attr: &RelationAttr,
    snake: &str,
    input: &DeriveInput,
    fields: &[Field],
) -> Option<Relation> {
    let ident_option = |name: &str, default: String| -> Option<Ident> {
        match attr.option(name) {
            None => Some(Ident::new(&default, attr.name.span())),
            Some(path) => match path.get_ident() {
                Some(ident) => Some(ident.clone()),
                None => {
                    ctxt.error_spanned_by(
                        path,
                        format!("`{name}` takes a field name, such as `{default}`"),
                    );
                    None
                }
            },
        }
    };
    let own_key = format!("{snake}_id");
    let kind = if attr.is_many_to_many() {
        let Some(through) = attr.option("through") else {
            ctxt.error_spanned_by(
                &attr.keyword,
                "`many_to_many` needs `through = <Model>`: the model of the table that links the two",
            );
            return None;
        };
        let target = attr.target.segments.last().map(|s| snake_case(&unraw(&s.ident)));
        RelationKind::ManyToMany {
            through: through.clone(),
            from: ident_option("from", own_key)?,
            to: ident_option("to", format!("{}_id", target.unwrap_or_default()))?,
        }
    } else if attr.is_belongs_to() {
        // A second name for a foreign key that a field already holds (or the only one, for
        // a model that keeps its relations together on the struct).
        let fk = ident_option("fk", format!("{}_id", unraw(&attr.name)))?;
        let Some(field) = fields.iter().position(|f| *f.ident == fk) else {
            let message = match attr.option("fk") {
                Some(_) => format!("`{}` has no field `{fk}` to hold the foreign key", input.ident),
                None => format!(
                    "`{}` has no field `{fk}` for `belongs_to({} = ..)`; name the field that holds the foreign key with `fk = <field>`",
                    input.ident, attr.name
                ),
            };
            let names: Vec<String> = fields.iter().map(|f| unraw(f.ident)).collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let hint = attr::did_you_mean(&unraw(&fk), &names).unwrap_or_default();
            ctxt.error_spanned_by(&fk, message + &hint);
            return None;
        };
        RelationKind::BelongsTo { field }
    } else if attr.is_has_one() {
        RelationKind::HasOne { fk: ident_option("fk", own_key)? }
    } else {
        RelationKind::HasMany { fk: ident_option("fk", own_key)? }
    };
    Some(Relation { name: attr.name.clone(), target: attr.target.clone(), kind })
}

/// How `rename_all` turns a snake_case field name into a column name (serde's rules).
#[derive(Clone, Copy)]
pub enum RenameRule {
    Pascal,
    Camel,
    ScreamingSnake,
    Lower,
    Upper,
}

impl RenameRule {
    pub const NAMES: &[&str] =
        &["PascalCase", "camelCase", "SCREAMING_SNAKE_CASE", "lowercase", "UPPERCASE"];

    fn from_str(name: &str) -> Option<Self> {
        Some(match name {
            "PascalCase" => RenameRule::Pascal,
            "camelCase" => RenameRule::Camel,
            "SCREAMING_SNAKE_CASE" => RenameRule::ScreamingSnake,
            "lowercase" => RenameRule::Lower,
            "UPPERCASE" => RenameRule::Upper,
            _ => return None,
        })
    }

    fn apply(self, field: &str) -> String {
        match self {
            RenameRule::Pascal => camel_case(field),
            RenameRule::Camel => {
                let pascal = camel_case(field);
                let mut chars = pascal.chars();
                chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default()
            }
            RenameRule::ScreamingSnake => field.to_uppercase(),
            RenameRule::Lower => field.to_lowercase(),
            RenameRule::Upper => field.to_uppercase(),
        }
    }
}

/// `T` of `Option<T>` (also written `std::option::Option<T>`), if `ty` is one.
pub fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    match &last.arguments {
        PathArguments::AngleBracketed(args) if args.args.len() == 1 => match args.args.first()? {
            GenericArgument::Type(inner) => Some(inner),
            _ => None,
        },
        _ => None,
    }
}

fn is_integer(ty: &Type) -> bool {
    const INTEGERS: &[&str] = &["i64", "i32", "i16", "i8", "u32", "u16", "u8", "isize"];
    matches!(ty, Type::Path(p) if p.qself.is_none()
        && p.path.segments.last().is_some_and(|s| INTEGERS.iter().any(|i| s.ident == i)))
}

/// The identifier without a raw `r#` prefix.
pub fn unraw(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map_or_else(|| s.clone(), str::to_owned)
}

/// `PlaylistTrack` -> `playlist_track`, `HTTPLog` -> `http_log`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let after_lower =
                i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let ends_acronym = i > 0
                && chars[i - 1].is_uppercase()
                && chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if after_lower || ends_acronym {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `books` -> `Books`, `reports_to` -> `ReportsTo`.
pub fn camel_case(name: &str) -> String {
    name.split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_convert_between_cases() {
        assert_eq!(snake_case("PlaylistTrack"), "playlist_track");
        assert_eq!(snake_case("HTTPLog"), "http_log");
        assert_eq!(snake_case("Author"), "author");
        assert_eq!(snake_case("Track2Go"), "track2_go");
        assert_eq!(camel_case("reports_to"), "ReportsTo");
        assert_eq!(camel_case("books"), "Books");
        assert_eq!(RenameRule::Pascal.apply("support_rep_id"), "SupportRepId");
        assert_eq!(RenameRule::Camel.apply("support_rep_id"), "supportRepId");
        assert_eq!(RenameRule::ScreamingSnake.apply("rep_id"), "REP_ID");
    }

    #[test]
    fn option_types_are_recognised() {
        let ty: Type = syn::parse_quote!(std::option::Option<i64>);
        assert!(option_inner(&ty).is_some());
        let ty: Type = syn::parse_quote!(Vec<i64>);
        assert!(option_inner(&ty).is_none());
        assert!(is_integer(&syn::parse_quote!(i64)));
        assert!(!is_integer(&syn::parse_quote!(String)));
    }
}
