//! `INSERT`, and `UPDATE` / `DELETE` of one row by primary key.

use crate::value::Value;

use super::select::where_clause;
use super::{Dialect, Statement, push_ident};
use crate::error::Result;
use crate::plan::Select;
use crate::plan::alias::Alias;
use crate::plan::statement::{StatementKind, Test};
use crate::schema::Table;

/// `INSERT INTO "t" ("a", "b") VALUES (?, ?) RETURNING "id", "a", "b"`: binds the values of
/// `columns` in order and returns every column of the stored row.
pub(crate) fn insert(dialect: Dialect, table: &'static Table, columns: &[usize]) -> Statement {
    insert_rows(dialect, table, columns, 1)
}

/// [`insert`] of `rows` rows in one statement (`VALUES ($1, $2), ($3, $4)`): binds the
/// values of `columns` of each row in turn, and returns the stored rows in that order.
/// With no columns, one row (`DEFAULT VALUES`), whatever `rows`.
pub(crate) fn insert_rows(
    dialect: Dialect,
    table: &'static Table,
    columns: &[usize],
    rows: usize,
) -> Statement {
    let mut out = Statement::new(dialect, StatementKind::Insert);
    out.push("INSERT INTO ");
    out.bare_table(table);
    if columns.is_empty() {
        out.push(" DEFAULT VALUES");
    } else {
        out.push(" (");
        out.list(columns, |out, &c| out.ident(table.columns[c].name));
        out.push(") VALUES ");
        out.list(0..rows, |out, _| {
            out.push("(");
            out.list(columns, |out, _| out.placeholder());
            out.push(")");
        });
    }
    out.push(" RETURNING ");
    out.list(table.columns, |out, c| out.ident(c.name));
    out
}

/// After rows were inserted with keys of their own into a table whose key the database
/// assigns: the statement that moves the next assigned key past them, where the database
/// does not do so itself. SQLite's `AUTOINCREMENT` always assigns above the largest key;
/// PostgreSQL's identity takes the next value of its sequence, which such an insert does
/// not advance, so the next assigned key would collide with one given:
/// `SELECT setval(pg_get_serial_sequence($1, $2), (SELECT COALESCE(max("id"), 0) + 1 FROM "t"), false)`.
pub(crate) fn follow_given_keys(dialect: Dialect, table: &'static Table) -> Option<Statement> {
    let key = match (dialect, table.primary_key) {
        (Dialect::Postgres, &[key]) if table.auto_key => table.columns[key].name,
        _ => return None,
    };
    let mut out = Statement::new(dialect, StatementKind::Other);
    out.push("SELECT setval(pg_get_serial_sequence(");
    let mut quoted = String::new();
    push_ident(&mut quoted, table.name);
    out.param(Value::Text(quoted));
    out.push(", ");
    out.param(Value::Text(key.to_owned()));
    out.push("), (SELECT COALESCE(max(");
    out.ident(key);
    out.push("), 0) + 1 FROM ");
    out.bare_table(table);
    out.push("), false)");
    Some(out)
}

/// `UPDATE "t" SET "a" = ?, "b" = ? WHERE "id" = ?`, and the columns whose values it binds,
/// in order. A table whose columns are all key columns sets the key to itself, so the
/// statement still tells whether the row exists.
pub(crate) fn update_by_key(dialect: Dialect, table: &'static Table) -> (Statement, Vec<usize>) {
    let is_key = |c: &usize| table.primary_key.contains(c);
    let mut set: Vec<usize> = (0..table.columns.len()).filter(|c| !is_key(c)).collect();
    if set.is_empty() {
        set = table.primary_key.to_vec();
    }
    let mut out = Statement::new(dialect, StatementKind::Update);
    out.push("UPDATE ");
    out.bare_table(table);
    out.push(" SET ");
    out.list(&set, |out, &c| {
        out.ident(table.columns[c].name);
        out.push(" = ");
        out.placeholder();
    });
    where_key(&mut out, table);
    set.extend_from_slice(table.primary_key);
    (out, set)
}

/// `DELETE FROM "t" WHERE "id" = ?`, binding the key columns in key order.
pub(crate) fn delete_by_key(dialect: Dialect, table: &'static Table) -> Statement {
    let mut out = Statement::new(dialect, StatementKind::Delete);
    out.push("DELETE FROM ");
    out.bare_table(table);
    where_key(&mut out, table);
    out
}

/// `UPDATE "t" AS t0 SET "a" = ? WHERE ..` for the rows a query selects.
pub(crate) fn update_where(
    dialect: Dialect,
    table: &'static Table,
    select: &Select,
    assignments: &[(&'static str, Value)],
) -> Result<Statement> {
    Statement::fitted(dialect, StatementKind::Update, |out| {
        out.push("UPDATE ");
        out.ident(table.name);
        out.push(" AS ");
        out.table_alias(table, Alias::Base);
        out.push(" SET ");
        out.list(assignments, |out, (column, value)| {
            out.ident(column);
            out.push(" = ");
            out.param(value.clone());
        });
        rows_of(out, table, select)
    })
}

/// `DELETE FROM "t" AS t0 WHERE ..` for the rows a query selects.
pub(crate) fn delete_where(
    dialect: Dialect,
    table: &'static Table,
    select: &Select,
) -> Result<Statement> {
    Statement::fitted(dialect, StatementKind::Delete, |out| {
        out.push("DELETE FROM ");
        out.ident(table.name);
        out.push(" AS ");
        out.table_alias(table, Alias::Base);
        rows_of(out, table, select)
    })
}

/// The `WHERE` of a bulk write. SQLite's `UPDATE` and `DELETE` take no `LIMIT` (in the
/// bundled build), so a limited or ordered query's rows are those of a subquery
/// ([`Select::sliced`]).
fn rows_of(out: &mut Statement, table: &'static Table, select: &Select) -> Result<()> {
    where_clause(out, table, &select.sliced())
}

fn where_key(out: &mut Statement, table: &'static Table) {
    out.push(" WHERE ");
    for (i, name) in table.key_columns().enumerate() {
        if i > 0 {
            out.push(" AND ");
        }
        out.note_filter(Alias::Base, name, Test::Equal);
        push_ident(&mut out.text, name);
        out.push(" = ");
        out.placeholder();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::fixtures::text as column;

    static LINK: Table = Table {
        name: "book_tag",
        model: "BookTag",
        columns: &[column("book_id"), column("tag_id"), column("note")],
        primary_key: &[0, 1],
        auto_key: false,
        indexes: &[],
        foreign_keys: &[],
        relations: &[],
    };

    #[test]
    fn insert_returns_the_stored_row() {
        assert_eq!(
            insert(Dialect::Sqlite, &LINK, &[0, 1, 2]).text,
            r#"INSERT INTO "book_tag" ("book_id", "tag_id", "note") VALUES (?, ?, ?) RETURNING "book_id", "tag_id", "note""#
        );
        assert_eq!(
            insert(Dialect::Sqlite, &LINK, &[]).text,
            r#"INSERT INTO "book_tag" DEFAULT VALUES RETURNING "book_id", "tag_id", "note""#
        );
    }

    #[test]
    fn several_rows_go_in_one_statement_below_the_parameter_limit() {
        assert_eq!(
            insert_rows(Dialect::Postgres, &LINK, &[0, 1], 3).text,
            r#"INSERT INTO "book_tag" ("book_id", "tag_id") VALUES ($1, $2), ($3, $4), ($5, $6) RETURNING "book_id", "tag_id", "note""#
        );
        assert_eq!(Dialect::Postgres.rows_per_insert(3), 1_000);
        assert_eq!(Dialect::Postgres.rows_per_insert(100), 655, "65,500 values");
        assert_eq!(Dialect::Postgres.rows_per_insert(70_000), 1, "a row, even past the limit");
        assert_eq!(Dialect::Postgres.rows_per_insert(0), 1, "DEFAULT VALUES is one row");
        assert_eq!(Dialect::Sqlite.rows_per_insert(3), 1);
    }

    #[test]
    fn update_and_delete_address_the_composite_key() {
        let (sql, columns) = update_by_key(Dialect::Sqlite, &LINK);
        assert_eq!(
            sql.text,
            r#"UPDATE "book_tag" SET "note" = ? WHERE "book_id" = ? AND "tag_id" = ?"#
        );
        assert_eq!(columns, [2, 0, 1]);
        assert_eq!(
            delete_by_key(Dialect::Sqlite, &LINK).text,
            r#"DELETE FROM "book_tag" WHERE "book_id" = ? AND "tag_id" = ?"#
        );
    }
}
