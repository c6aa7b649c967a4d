//! `CREATE TABLE` and `CREATE INDEX`.

use super::{Dialect, Statement};
use crate::error::{Error, Result};
use crate::plan::statement::StatementKind;
use crate::schema::{Index, Table};

/// `CREATE TABLE IF NOT EXISTS` with each column's declared type in the dialect, a
/// `NOT NULL` for every non-`Option` field, the primary key (for a database-assigned key,
/// one never handed out again, see [`Dialect::assigned_key`]) and a `FOREIGN KEY` per
/// `belongs_to`.
pub(crate) fn create_table(dialect: Dialect, table: &'static Table) -> Result<Statement> {
    let mut out = Statement::new(dialect, StatementKind::Other);
    out.push("CREATE TABLE IF NOT EXISTS ");
    out.bare_table(table);
    out.push(" (");
    for (i, column) in table.columns.iter().enumerate() {
        out.push(if i == 0 { "\n  " } else { ",\n  " });
        out.ident(column.name);
        let declared = dialect.declared_type(column);
        if declared.is_empty() && dialect.types_every_column() {
            return Err(Error::NoColumnType {
                table: table.name,
                column: column.name,
                rust_type: column.rust_type,
                backend: dialect.backend(),
            });
        }
        if !declared.is_empty() {
            out.push(" ");
            out.push(declared);
        }
        if !column.nullable {
            out.push(" NOT NULL");
        }
        if table.auto_key && table.primary_key == [i] {
            out.push(dialect.assigned_key());
        }
    }
    if !table.auto_key {
        out.push(",\n  PRIMARY KEY (");
        out.list(table.key_columns(), |out, name| out.ident(name));
        out.push(")");
    }
    for fk in table.foreign_keys {
        let target = (fk.target)();
        out.push(",\n  FOREIGN KEY (");
        out.ident(table.columns[fk.column].name);
        out.push(") REFERENCES ");
        out.ident(target.name);
        out.push(" (");
        out.list(target.key_columns(), |out, name| out.ident(name));
        out.push(")");
    }
    out.push("\n)");
    Ok(out)
}

/// `CREATE [UNIQUE] INDEX IF NOT EXISTS "t_a_b_idx" ON "t" ("a", "b")`.
pub(crate) fn create_index(dialect: Dialect, table: &'static Table, index: &Index) -> Statement {
    let mut out = Statement::new(dialect, StatementKind::Other);
    out.push(if index.unique {
        "CREATE UNIQUE INDEX IF NOT EXISTS "
    } else {
        "CREATE INDEX IF NOT EXISTS "
    });
    out.ident(&table.index_name(index));
    out.push(" ON ");
    out.bare_table(table);
    out.push(" (");
    out.list(&index.columns, |out, &c| out.ident(table.columns[c].name));
    out.push(")");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::fixtures::{integer, untyped};
    use crate::schema::{ForeignKey, IndexDef};

    static AUTHOR: Table = Table {
        name: "author",
        model: "Author",
        columns: &[integer("id", false), integer("boss", true), untyped("blob")],
        primary_key: &[0],
        auto_key: true,
        indexes: &[IndexDef { columns: &[2, 1], unique: true }],
        foreign_keys: &[ForeignKey { column: 1, target: || &AUTHOR }],
        relations: &[],
    };

    #[test]
    fn tables_declare_types_nullability_keys_and_references() {
        assert_eq!(
            create_table(Dialect::Sqlite, &AUTHOR).unwrap().text,
            "CREATE TABLE IF NOT EXISTS \"author\" (\n  \"id\" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,\n  \"boss\" INTEGER,\n  \"blob\" NOT NULL,\n  FOREIGN KEY (\"boss\") REFERENCES \"author\" (\"id\")\n)"
        );
    }

    #[test]
    fn indexes_are_named_after_table_and_columns() {
        let indexes = AUTHOR.indexes();
        assert_eq!(
            create_index(Dialect::Sqlite, &AUTHOR, &indexes[0]).text,
            r#"CREATE UNIQUE INDEX IF NOT EXISTS "author_blob_boss_key" ON "author" ("blob", "boss")"#
        );
        assert_eq!(
            create_index(Dialect::Sqlite, &AUTHOR, &indexes[1]).text,
            r#"CREATE INDEX IF NOT EXISTS "author_boss_idx" ON "author" ("boss")"#
        );
    }
}
