//! Creating tables: foreign-key order, NOT NULL, keys, references, unique constraints and
//! indexes (declared, composite, and one per foreign key by default).

mod common;

use common::*;
use eagerly::Model;
use eagerly::rusqlite::Connection;

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "loan", index(member, due), unique(book_id, member))]
pub struct Loan {
    #[model(primary_key)]
    pub id: i64,
    #[model(belongs_to(book = Book))]
    pub book_id: i64,
    pub member: String,
    #[model(column = "due_on", index)]
    pub due: Option<String>,
    #[model(unique)]
    pub ticket: Vec<u8>,
}

fn objects(conn: &Connection, kind: &str) -> Vec<(String, String)> {
    let mut statement = conn
        .prepare("SELECT name, sql FROM sqlite_master WHERE type = ?1 AND sql IS NOT NULL ORDER BY rowid")
        .unwrap();
    statement
        .query_map([kind], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn tables_are_created_in_foreign_key_order_whatever_the_order_given() {
    let conn = Connection::open_in_memory().unwrap();
    let ((), log) = eagerly::capture(|| {
        eagerly::create_tables(
            &conn,
            &[
                Loan::TABLE,
                BookTag::TABLE,
                Book::TABLE,
                Tag::TABLE,
                Author::TABLE,
                Publisher::TABLE,
            ],
        )
        .unwrap()
    });
    let tables: Vec<String> = objects(&conn, "table")
        .into_iter()
        .map(|(name, _)| name)
        .filter(|n| n != "sqlite_sequence")
        .collect();
    // Each table right after what it refers to, depth first from the order given.
    assert_eq!(tables, ["publisher", "author", "books", "loan", "tag", "book_tag"]);
    for table in [Loan::TABLE, BookTag::TABLE, Book::TABLE, Author::TABLE] {
        let position = |name: &str| tables.iter().position(|t| t == name).unwrap();
        for fk in table.foreign_keys {
            assert!(
                position((fk.target)().name) < position(table.name),
                "{} before {}",
                (fk.target)().name,
                table.name
            );
        }
    }
    assert_eq!(log.sql().first(), Some(&"SAVEPOINT eagerly"));
    assert_eq!(log.sql().last(), Some(&"RELEASE eagerly"));
    // Creating again is harmless.
    eagerly::create_tables(&conn, &[Publisher::TABLE]).unwrap();
}

#[test]
fn columns_keys_and_references_are_declared() {
    let conn = empty_db();
    let tables: std::collections::HashMap<String, String> =
        objects(&conn, "table").into_iter().collect();
    assert_eq!(
        tables["author"],
        "CREATE TABLE \"author\" (\n  \"id\" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,\n  \"name\" TEXT NOT NULL,\n  \"publisher_id\" INTEGER,\n  FOREIGN KEY (\"publisher_id\") REFERENCES \"publisher\" (\"id\")\n)"
    );
    assert_eq!(
        tables["book_tag"],
        "CREATE TABLE \"book_tag\" (\n  \"book_id\" INTEGER NOT NULL,\n  \"tag_id\" INTEGER NOT NULL,\n  PRIMARY KEY (\"book_id\", \"tag_id\"),\n  FOREIGN KEY (\"book_id\") REFERENCES \"books\" (\"id\"),\n  FOREIGN KEY (\"tag_id\") REFERENCES \"tag\" (\"id\")\n)"
    );
    assert_eq!(
        tables["books"],
        "CREATE TABLE \"books\" (\n  \"id\" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,\n  \"title\" TEXT NOT NULL,\n  \"author_id\" INTEGER NOT NULL,\n  FOREIGN KEY (\"author_id\") REFERENCES \"author\" (\"id\")\n)"
    );
}

#[test]
fn declared_indexes_and_one_per_foreign_key() {
    let conn = empty_db();
    eagerly::create_tables(&conn, &[Loan::TABLE]).unwrap();
    let indexes: Vec<(String, String)> = objects(&conn, "index");
    let sql: Vec<&str> = indexes.iter().map(|(_, sql)| sql.as_str()).collect();
    assert_eq!(
        sql,
        [
            r#"CREATE INDEX "author_name_idx" ON "author" ("name")"#,
            r#"CREATE INDEX "author_publisher_id_idx" ON "author" ("publisher_id")"#,
            r#"CREATE INDEX "books_author_id_idx" ON "books" ("author_id")"#,
            r#"CREATE UNIQUE INDEX "tag_name_key" ON "tag" ("name")"#,
            // book_tag's key starts with book_id, so only tag_id needs an index.
            r#"CREATE INDEX "book_tag_tag_id_idx" ON "book_tag" ("tag_id")"#,
            r#"CREATE INDEX "loan_due_on_idx" ON "loan" ("due_on")"#,
            r#"CREATE UNIQUE INDEX "loan_ticket_key" ON "loan" ("ticket")"#,
            r#"CREATE INDEX "loan_member_due_on_idx" ON "loan" ("member", "due_on")"#,
            // the unique (book_id, member) index starts with the foreign key: no extra index.
            r#"CREATE UNIQUE INDEX "loan_book_id_member_key" ON "loan" ("book_id", "member")"#,
        ]
    );
}

#[test]
fn the_database_enforces_what_the_models_declare() {
    let conn = seeded_db();
    // NOT NULL: a raw insert without a title fails.
    let missing = conn.execute("INSERT INTO books (author_id) VALUES (1)", []);
    assert!(missing.unwrap_err().to_string().contains("NOT NULL constraint failed: books.title"));
    // FOREIGN KEY: no book of a missing author.
    let orphan = NewBook { title: "Orphan".into(), author_id: 99 }.insert(&conn);
    match orphan {
        Err(eagerly::Error::Database { table: "books", source, .. }) => {
            assert!(source.to_string().contains("FOREIGN KEY constraint failed"), "{source}")
        }
        other => panic!("expected a foreign key violation, got {other:?}"),
    }
    // UNIQUE on a field and on a pair of fields.
    assert!(NewTag { name: "sf".into() }.insert(&conn).is_err());
    eagerly::create_tables(&conn, &[Loan::TABLE]).unwrap();
    let loan = |ticket: u8, member: &str| NewLoan {
        book_id: 1,
        member: member.into(),
        due: None,
        ticket: vec![ticket],
    };
    loan(1, "ann").insert(&conn).unwrap();
    assert!(loan(2, "ann").insert(&conn).is_err(), "same book and member");
    assert!(loan(1, "bo").insert(&conn).is_err(), "same ticket");
    loan(2, "bo").insert(&conn).unwrap();
}

#[test]
fn foreign_keys_are_enforced_on_a_new_connection_unless_turned_off() {
    // What the README says: the bundled SQLite turns foreign keys on for every connection,
    // without a PRAGMA.
    let conn = eagerly::rusqlite::Connection::open_in_memory().unwrap();
    let on: i64 = conn.query_row("PRAGMA foreign_keys", [], |row| row.get(0)).unwrap();
    assert_eq!(on, 1);
    eagerly::create_tables(&conn, &[Publisher::TABLE, Author::TABLE, Book::TABLE]).unwrap();
    let orphan = NewBook { title: "Orphan".into(), author_id: 99 }.insert(&conn);
    assert!(
        matches!(&orphan, Err(eagerly::Error::Database { table: "books", source, .. })
            if source.to_string().contains("FOREIGN KEY constraint failed")),
        "{orphan:?}"
    );
    // Turned off, the row goes in; loading its author says what is wrong.
    conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
    NewBook { title: "Orphan".into(), author_id: 99 }.insert(&conn).unwrap();
    assert_eq!(Book::query().count(&conn).unwrap(), 1);
    let joined = Book::query().select_related(Book::author).all(&conn);
    assert!(matches!(joined, Err(eagerly::Error::MissingRelated { .. })), "{joined:?}");
}

#[test]
fn table_definitions_describe_the_model() {
    let table = Loan::TABLE;
    assert_eq!((table.name, table.model), ("loan", "Loan"));
    let columns: Vec<(&str, &str, &str, bool)> =
        table.columns.iter().map(|c| (c.name, c.field, c.rust_type, c.nullable)).collect();
    assert_eq!(
        columns,
        [
            ("id", "id", "i64", false),
            ("book_id", "book_id", "i64", false),
            ("member", "member", "String", false),
            ("due_on", "due", "Option<String>", true),
            ("ticket", "ticket", "Vec<u8>", false),
        ]
    );
    assert_eq!(
        table.columns.iter().map(|c| (c.sql_type)()).collect::<Vec<_>>(),
        ["INTEGER", "INTEGER", "TEXT", "TEXT", "BLOB"]
    );
    assert!(table.auto_key);
    assert_eq!((table.foreign_keys[0].target)().name, "books");
}
