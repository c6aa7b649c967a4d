//! What a model's table looks like: its columns, keys, indexes and relations, as
//! `#[derive(Model)]` declares them in a [`Table`] constant (`Author::TABLE`), and how each
//! kind of relation reaches its rows ([`Link`]). Plain data: the SQL writers, the loaders
//! and the inspector read it; nothing here runs or writes SQL.

use crate::plan::alias::Alias;

/// A model's table, as declared by `#[derive(Model)]`. Read it through `Model::TABLE`.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let table = Book::TABLE;
/// assert_eq!((table.name, table.model), ("book", "Book"));
/// assert_eq!(table.key_columns().collect::<Vec<_>>(), ["id"]);
/// assert_eq!((table.foreign_keys[0].target)().name, "author");
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct Table {
    /// Table name in the database.
    pub name: &'static str,
    /// Rust name of the model.
    pub model: &'static str,
    /// Columns in field declaration order.
    pub columns: &'static [ColumnDef],
    /// Indices into `columns` of the primary key, in key order.
    pub primary_key: &'static [usize],
    /// Whether the database assigns the key (a single integer primary key).
    pub auto_key: bool,
    /// Indexes and unique constraints declared on the model.
    pub indexes: &'static [IndexDef],
    /// Foreign keys declared with `belongs_to`.
    pub foreign_keys: &'static [ForeignKey],
    /// Every relation declared on the model, by name.
    pub relations: &'static [RelationDef],
}

/// A relation of a [`Table`]'s model, for tools that work from tables (the inspector's
/// advice names the relation to load).
///
/// ```
/// # use eagerly::__doc::*;
/// let books = &Author::TABLE.relations[0];
/// assert_eq!(books.name, "Author::books");
/// assert!(matches!((books.link)(), eagerly::Link::HasMany { fk: "author_id" }));
/// assert_eq!((books.target)().name, "book");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct RelationDef {
    /// `Author::books`.
    pub name: &'static str,
    /// How it is stored (a function, so that tables may refer to each other).
    pub link: fn() -> Link,
    /// The related model's table.
    pub target: fn() -> &'static Table,
}

/// How a relation is stored.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// use eagerly::{Link, Relation};
/// fn link<R: Relation>(_: R) -> Link { R::LINK }
/// assert!(matches!(link(Author::books), Link::HasMany { fk: "author_id" }));
/// assert!(matches!(link(Book::author), Link::BelongsTo { fk: "author_id" }));
/// assert!(matches!(link(Book::tags), Link::ManyToMany { from: "book_id", to: "tag_id", .. }));
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Link {
    /// The target's `fk` column holds the source's primary key (`Author::books`:
    /// `book.author_id = author.id`).
    HasMany {
        /// Foreign-key column of the target table.
        fk: &'static str,
    },
    /// The target's `fk` column, unique, holds the source's primary key: at most one row
    /// (`User::profile`: `profile.user_id = user.id`, the reverse of a one-to-one
    /// `belongs_to`).
    HasOne {
        /// Foreign-key column of the target table.
        fk: &'static str,
    },
    /// The source's `fk` column holds the target's primary key (`Book::author`:
    /// `book.author_id = author.id`).
    BelongsTo {
        /// Foreign-key column of the source table.
        fk: &'static str,
    },
    /// A table of pairs links the two (`Book::tags` through `book_tag`).
    ManyToMany {
        /// The table of pairs.
        through: &'static Table,
        /// Its column holding the source's primary key.
        from: &'static str,
        /// Its column holding the target's primary key.
        to: &'static str,
    },
}

/// Every question the loaders, the SQL writers and the inspector ask of a kind of relation
/// is answered here, so that a new kind is added in this one place.
impl Link {
    /// The source's foreign key a JOIN follows (`book.author_id` of `Book::author`):
    /// `Some` only for `belongs_to`, whose joined key is the foreign key's value.
    pub(crate) fn joined_fk(self) -> Option<&'static str> {
        match self {
            Link::BelongsTo { fk } => Some(fk),
            Link::HasMany { .. } | Link::HasOne { .. } | Link::ManyToMany { .. } => None,
        }
    }

    /// The columns a JOIN of the target (`to`) below the source (`from`) matches: the
    /// target's and the source's (`ON j."id" = t."author_id"` for `Book::author`,
    /// `ON j."user_id" = t."id"` for `User::profile`). `Some` for the kinds
    /// `select_related` loads: one row at most.
    pub(crate) fn join_on(
        self,
        from: &'static Table,
        to: &'static Table,
    ) -> Option<(&'static str, &'static str)> {
        match self {
            Link::BelongsTo { fk } => Some((to.key_column(), fk)),
            Link::HasOne { fk } => Some((fk, from.key_column())),
            Link::HasMany { .. } | Link::ManyToMany { .. } => None,
        }
    }

    /// Where a batch of related rows (of table `to`) finds its parent's key: a column of
    /// the related table itself (`Alias::Base`) or of the table of pairs joined to it
    /// (`Alias::Link`), with that table and its column holding the related row's key.
    pub(crate) fn batch_key(
        self,
        to: &'static Table,
    ) -> (Alias, &'static str, Option<(&'static Table, &'static str)>) {
        match self {
            Link::HasMany { fk } | Link::HasOne { fk } => (Alias::Base, fk, None),
            Link::BelongsTo { .. } => (Alias::Base, to.key_column(), None),
            Link::ManyToMany { through, from, to: pair_to } => {
                (Alias::Link, from, Some((through, pair_to)))
            }
        }
    }

    /// The table whose column holds a batch's keys (the related table, or the table of
    /// pairs), for messages.
    pub(crate) fn key_table(self, to: &'static Table) -> &'static Table {
        match self {
            Link::ManyToMany { through, .. } => through,
            Link::HasMany { .. } | Link::HasOne { .. } | Link::BelongsTo { .. } => to,
        }
    }

    /// The column of the source table (`from`) holding the keys a batch looks up.
    pub(crate) fn source_column(self, from: &'static Table) -> &'static str {
        match self {
            Link::BelongsTo { fk } => fk,
            Link::HasMany { .. } | Link::HasOne { .. } | Link::ManyToMany { .. } => {
                from.key_column()
            }
        }
    }

    /// Whether a batch finds at most one related row per key (a `belongs_to` looks its
    /// target up by primary key, a `has_one` by a unique foreign key), so that the order
    /// of its rows cannot matter.
    pub(crate) fn one_row_per_key(self) -> bool {
        matches!(self, Link::BelongsTo { .. } | Link::HasOne { .. })
    }

    /// Whether the source row names its related row (a `belongs_to`'s foreign key holds its
    /// target's key), so that a batch must find the row as it was when the source row was
    /// read: gone since, the source row would name nothing (`MissingRelated`). The rows of
    /// the other kinds are looked up by the source row's own key: whatever a batch finds
    /// belongs to a source row loaded.
    pub(crate) fn is_named_by_source(self) -> bool {
        matches!(self, Link::BelongsTo { .. })
    }

    /// Whether every row of the related table has a source row (a `has_many`'s or a
    /// `has_one`'s rows all have a parent; a `belongs_to` or `many_to_many` reaches only
    /// the rows some source row refers to).
    pub(crate) fn reaches_every_related_row(self) -> bool {
        matches!(self, Link::HasMany { .. } | Link::HasOne { .. })
    }

    /// What `with_count` counts for each source row: the rows of a table whose `fk`
    /// column holds the source's key, and for a many-to-many the related table those pairs
    /// must reach (a pair whose row is missing is not counted, as a prefetch would not load
    /// it). `None` for a to-one relation, which has nothing to count.
    pub(crate) fn counted(self, to: &'static Table) -> Option<Counted> {
        match self {
            Link::HasMany { fk } => Some(Counted { table: to, fk, pair_to: None }),
            Link::ManyToMany { through, from, to: pair_to } => {
                Some(Counted { table: through, fk: from, pair_to: Some(pair_to) })
            }
            Link::BelongsTo { .. } | Link::HasOne { .. } => None,
        }
    }

    /// Whether a statement on `table` that tests `column` for equality is the lookup one
    /// batch of this relation (to `to`) replaces, run once per source row.
    pub(crate) fn is_batched_as(self, to: &Table, table: &Table, column: &str) -> bool {
        match self {
            Link::HasMany { fk } | Link::HasOne { fk } => fk == column && to == table,
            Link::ManyToMany { through, from, .. } => from == column && through == table,
            Link::BelongsTo { .. } => false,
        }
    }
}

/// What `with_count` counts (see [`Link::counted`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Counted {
    /// The table whose rows are counted.
    pub table: &'static Table,
    /// Its column holding the source row's key.
    pub fk: &'static str,
    /// For a many-to-many relation (`table` is its table of pairs), the column holding
    /// the related row's key: a pair counts only if that row is there.
    pub pair_to: Option<&'static str>,
}

/// Tables are told apart by name: a schema has one table of each name.
impl PartialEq for Table {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other) || self.name == other.name
    }
}

/// One column of a [`Table`].
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let year = Book::TABLE.column("year").unwrap();
/// assert_eq!((year.field, year.rust_type, year.nullable), ("year", "Option<i64>", true));
/// assert_eq!((year.sql_type)(), "INTEGER");
/// assert_eq!((year.postgres_type)(), "BIGINT");
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct ColumnDef {
    /// Column name in the database.
    pub name: &'static str,
    /// Rust field name.
    pub field: &'static str,
    /// The field's Rust type as written in the model (for messages).
    pub rust_type: &'static str,
    /// Declared SQL type on SQLite, from [`SqlType`] or `#[model(sql_type = "..")]`.
    pub sql_type: fn() -> &'static str,
    /// Declared SQL type on PostgreSQL, from [`SqlType::POSTGRES_TYPE`] or
    /// `#[model(sql_type = "..")]`; empty if the field type has none.
    pub postgres_type: fn() -> &'static str,
    /// Whether the column accepts NULL (the field is an `Option`).
    pub nullable: bool,
    /// Whether reading NULL into the field is an error (its type's `FromSql` refuses
    /// NULL, as `i64` and `String` do): such a column tells a row that a LEFT JOIN did not
    /// find.
    pub refuses_null: fn() -> bool,
}

/// An index, or a unique constraint, over one or more columns of a [`Table`].
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let unique = &Tag::TABLE.indexes[0];
/// assert!(unique.unique);
/// assert_eq!(unique.columns, [1]);
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct IndexDef {
    /// Indices into the table's columns.
    pub columns: &'static [usize],
    /// A unique index rejects duplicate values.
    pub unique: bool,
}

/// A foreign key declared with `belongs_to`: `column` refers to the target's primary key.
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let fk = &Author::TABLE.foreign_keys[0];
/// assert_eq!(Author::TABLE.columns[fk.column].name, "publisher_id");
/// assert_eq!((fk.target)().name, "publisher");
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct ForeignKey {
    /// Index into the table's columns.
    pub column: usize,
    /// The target model's table (a function, so that tables may refer to each other).
    pub target: fn() -> &'static Table,
}

impl Table {
    /// The column with this database name.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// assert_eq!(Author::TABLE.column("name").unwrap().rust_type, "String");
    /// assert!(Author::TABLE.column("nope").is_none());
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn column(&self, name: &str) -> Option<&'static ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Names of the primary key columns.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// assert_eq!(BookTag::TABLE.key_columns().collect::<Vec<_>>(), ["book_id", "tag_id"]);
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn key_columns(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.primary_key.iter().map(|&i| self.columns[i].name)
    }

    /// The (first) primary key column: the one relations point at.
    pub(crate) fn key_column(&self) -> &'static str {
        self.columns[self.primary_key[0]].name
    }

    /// Every index `create_tables` creates or relies on: the declared ones, plus one per
    /// foreign-key column that no other index (or the primary key) starts with, because
    /// batched loading filters on foreign keys.
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let names: Vec<String> = Book::TABLE.indexes().iter().map(|i| Book::TABLE.index_name(i)).collect();
    /// assert_eq!(names, ["book_author_id_idx"]); // the foreign key's, added by default
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn indexes(&self) -> Vec<Index> {
        let mut all: Vec<Index> = self
            .indexes
            .iter()
            .map(|i| Index { columns: i.columns.to_vec(), unique: i.unique })
            .collect();
        for fk in self.foreign_keys {
            let covered = self.primary_key.first() == Some(&fk.column)
                || all.iter().any(|i| i.columns.first() == Some(&fk.column));
            if !covered {
                all.push(Index { columns: vec![fk.column], unique: false });
            }
        }
        all
    }

    /// The name eagerly gives an index over these columns: `{table}_{col}_..._idx`
    /// (`_key` for unique indexes).
    ///
    /// ```
    /// # use eagerly::__doc::*;
    /// # let conn = seeded();
    /// let index = &Author::TABLE.indexes()[0];
    /// assert_eq!(Author::TABLE.index_name(index), "author_name_idx");
    /// # Ok::<(), eagerly::Error>(())
    /// ```
    pub fn index_name(&self, index: &Index) -> String {
        let mut name = self.name.to_owned();
        for &c in &index.columns {
            name.push('_');
            name.push_str(self.columns[c].name);
        }
        name.push_str(if index.unique { "_key" } else { "_idx" });
        name
    }
}

/// An index of a table, declared or implied by a foreign key; see [`Table::indexes`].
///
/// ```
/// # use eagerly::__doc::*;
/// # let conn = seeded();
/// let indexes = BookTag::TABLE.indexes();
/// // The key (book_id, tag_id) covers book_id; tag_id gets its own index.
/// assert_eq!(indexes, [eagerly::schema::Index { columns: vec![1], unique: false }]);
/// # Ok::<(), eagerly::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// Indices into the table's columns.
    pub columns: Vec<usize>,
    /// Whether the index is unique.
    pub unique: bool,
}

/// The SQL type a field type is declared with in `CREATE TABLE`.
///
/// SQLite stores any value in any column, so the declared type only sets the column's
/// affinity; a field type without an implementation gets no declared type and is stored as
/// its `ToSql` gives it. Implement this for your own types to choose their declared type,
/// or write `#[model(sql_type = "..")]` on the field.
///
/// PostgreSQL checks every value against its column's type, so there each type has its
/// own: `i64` is `BIGINT`, `i32` `INTEGER`, `bool` `BOOLEAN`, `Vec<u8>` `BYTEA`, chrono's
/// types `DATE`, `TIME`, `TIMESTAMP` and `TIMESTAMPTZ`, `uuid::Uuid` `UUID` and
/// `serde_json::Value` `JSONB`. [`POSTGRES_TYPE`](SqlType::POSTGRES_TYPE) says it for your
/// own types; it defaults to `SQL_TYPE`. With the `postgres` feature, a field whose type
/// has no `SqlType` (and no `#[model(sql_type = "..")]`) does not compile: its message
/// names the type and PostgreSQL.
///
/// ```
/// struct Cents(i64);
/// impl eagerly::SqlType for Cents {
///     const SQL_TYPE: &'static str = "INTEGER";
///     const POSTGRES_TYPE: &'static str = "BIGINT";
/// }
/// ```
pub trait SqlType {
    /// The declared type on SQLite, such as `INTEGER` or `TEXT`.
    const SQL_TYPE: &'static str;
    /// The declared type on PostgreSQL, such as `BIGINT` or `TEXT`.
    const POSTGRES_TYPE: &'static str = Self::SQL_TYPE;
}

/// A field type PostgreSQL has a column type for: every [`SqlType`]. With the `postgres`
/// feature, the derive asks it of each field that has no `#[model(sql_type = "..")]`,
/// so that a model whose table PostgreSQL cannot hold does not compile.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no PostgreSQL column type",
    label = "a field of this type has no column on PostgreSQL, which the `postgres` feature enables",
    note = "implement `eagerly::SqlType` for `{Self}` (its `POSTGRES_TYPE`), or write `#[model(sql_type = \"..\")]` on the field"
)]
#[doc(hidden)]
pub trait PostgresColumn {}

impl<T: SqlType + ?Sized> PostgresColumn for T {}

macro_rules! sql_types {
    ($($sql:literal, $postgres:literal: $($t:ty),+;)+) => {
        $($(impl SqlType for $t {
            const SQL_TYPE: &'static str = $sql;
            const POSTGRES_TYPE: &'static str = $postgres;
        })+)+
    };
}

// Integer types PostgreSQL has no exact column for (`i8`, `u16`, `u32`, `isize`) take
// the next wider one that holds every value.
sql_types! {
    "INTEGER", "SMALLINT": i8, i16, u8;
    "INTEGER", "INTEGER": i32, u16;
    "INTEGER", "BIGINT": i64, isize, u32;
    "INTEGER", "BOOLEAN": bool;
    "REAL", "REAL": f32;
    "REAL", "DOUBLE PRECISION": f64;
    "TEXT", "TEXT": String, Box<str>, std::rc::Rc<str>, std::sync::Arc<str>;
    "BLOB", "BYTEA": Vec<u8>, Box<[u8]>;
}

#[cfg(feature = "chrono")]
sql_types! {
    "TEXT", "DATE": chrono::NaiveDate;
    "TEXT", "TIME": chrono::NaiveTime;
    "TEXT", "TIMESTAMP": chrono::NaiveDateTime;
    "TEXT", "TIMESTAMPTZ": chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::FixedOffset>,
        chrono::DateTime<chrono::Local>;
}

#[cfg(feature = "uuid")]
sql_types! { "BLOB", "UUID": uuid::Uuid; }

#[cfg(feature = "serde_json")]
sql_types! { "TEXT", "JSONB": serde_json::Value; }

impl<T: SqlType> SqlType for Option<T> {
    const SQL_TYPE: &'static str = T::SQL_TYPE;
    const POSTGRES_TYPE: &'static str = T::POSTGRES_TYPE;
}

/// Orders tables so that each comes after the tables its foreign keys refer to. Tables
/// outside the set and references to the table itself are ignored; a cycle keeps the
/// given order for the tables in it (SQLite checks foreign keys when rows are written, not
/// when tables are created).
pub(crate) fn in_foreign_key_order(tables: &[&'static Table]) -> Vec<&'static Table> {
    fn visit(
        table: &'static Table,
        tables: &[&'static Table],
        visiting: &mut Vec<&'static str>,
        out: &mut Vec<&'static Table>,
    ) {
        if out.iter().any(|t| t.name == table.name) || visiting.contains(&table.name) {
            return;
        }
        visiting.push(table.name);
        for fk in table.foreign_keys {
            let target = (fk.target)();
            if let Some(&known) = tables.iter().find(|t| t.name == target.name) {
                visit(known, tables, visiting, out);
            }
        }
        visiting.pop();
        out.push(table);
    }
    let mut out = Vec::with_capacity(tables.len());
    for &table in tables {
        visit(table, tables, &mut Vec::new(), &mut out);
    }
    out
}

/// Hand-built tables and columns for the runtime's own tests, which cannot use the derive.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::{ColumnDef, Table};

    /// A table whose first column is a database-assigned key, without indexes, foreign keys
    /// or relations.
    pub(crate) const fn table(name: &'static str, columns: &'static [ColumnDef]) -> Table {
        Table {
            name,
            model: name,
            columns,
            primary_key: &[0],
            auto_key: true,
            indexes: &[],
            foreign_keys: &[],
            relations: &[],
        }
    }

    /// An `i64` column, or `Option<i64>` if `nullable`.
    pub(crate) const fn integer(name: &'static str, nullable: bool) -> ColumnDef {
        ColumnDef {
            name,
            field: name,
            rust_type: if nullable { "Option<i64>" } else { "i64" },
            sql_type: || "INTEGER",
            postgres_type: || "BIGINT",
            nullable,
            refuses_null: if nullable { || false } else { || true },
        }
    }

    /// A `String` column.
    pub(crate) const fn text(name: &'static str) -> ColumnDef {
        ColumnDef {
            name,
            field: name,
            rust_type: "String",
            sql_type: || "TEXT",
            postgres_type: || "TEXT",
            nullable: false,
            refuses_null: || true,
        }
    }

    /// A column of a type without `SqlType`: no declared type on any backend.
    pub(crate) const fn untyped(name: &'static str) -> ColumnDef {
        ColumnDef {
            name,
            field: name,
            rust_type: "Custom",
            sql_type: || "",
            postgres_type: || "",
            nullable: false,
            refuses_null: || true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn column(name: &'static str) -> ColumnDef {
        fixtures::integer(name, false)
    }

    static PARENT: Table = Table {
        name: "parent",
        model: "Parent",
        columns: &[column("id")],
        primary_key: &[0],
        auto_key: true,
        indexes: &[],
        foreign_keys: &[],
        relations: &[],
    };

    static CHILD: Table = Table {
        name: "child",
        model: "Child",
        columns: &[column("id"), column("parent_id"), column("other_id")],
        primary_key: &[0],
        auto_key: true,
        indexes: &[IndexDef { columns: &[2, 1], unique: true }],
        foreign_keys: &[
            ForeignKey { column: 1, target: || &PARENT },
            ForeignKey { column: 2, target: || &PARENT },
            ForeignKey { column: 0, target: || &CHILD },
        ],
        relations: &[],
    };

    #[test]
    fn tables_come_after_the_tables_they_refer_to() {
        let names: Vec<_> =
            in_foreign_key_order(&[&CHILD, &PARENT]).iter().map(|t| t.name).collect();
        assert_eq!(names, ["parent", "child"]);
    }

    #[test]
    fn every_foreign_key_gets_an_index_unless_one_starts_with_it() {
        let indexes = CHILD.indexes();
        // other_id leads the declared unique index and id is the primary key; only
        // parent_id needs its own index.
        assert_eq!(
            indexes,
            [
                Index { columns: vec![2, 1], unique: true },
                Index { columns: vec![1], unique: false }
            ]
        );
        assert_eq!(CHILD.index_name(&indexes[0]), "child_other_id_parent_id_key");
        assert_eq!(CHILD.index_name(&indexes[1]), "child_parent_id_idx");
    }
}
