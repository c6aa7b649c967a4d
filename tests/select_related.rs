//! `select_related`: belongs-to relations loaded by JOINs in the query's own statement; on
//! SQLite and on PostgreSQL (`on_every_backend!`, `common/mod.rs`), including tables
//! written by hand as another program would (bad NULLs, dangling keys).

#[path = "common/chinook.rs"]
mod chinook;
#[macro_use]
mod common;
#[path = "common/postgres.rs"]
mod postgres_server;

use common::*;
use eagerly::Executor;

on_every_backend!(
    a_not_null_foreign_key_is_joined_without_selecting_the_key,
    a_nullable_foreign_key_is_a_left_join_read_as_an_option,
    chains_join_in_one_statement,
    a_dangling_not_null_foreign_key_is_an_error_however_it_is_loaded,
    a_prefetch_below_a_join_batches_over_the_joined_rows,
    prefetches_below_joins_at_any_depth_and_inside_prefetches,
);
on_every_backend!(
    setup = crate::chinook::copied;
    a_self_reference_and_the_same_table_twice_use_aliases,
    a_join_below_a_left_join_is_left_too,
    inner_joins_below_inner_joins_take_each_key_from_the_foreign_key_before_it,
);
on_every_backend!(
    setup = crate::common::nothing;
    a_left_joined_row_that_is_there_but_holds_a_bad_null_is_an_error_not_a_missing_row,
    a_joined_row_that_is_there_but_holds_a_bad_null_is_a_decode_error_not_a_missing_row,
);

fn a_not_null_foreign_key_is_joined_without_selecting_the_key<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (books, log) = eagerly::capture(|| {
        Book::query().select_related(Book::author).order_by(Book::id.asc()).all(&mut *db).unwrap()
    });
    assert_eq!(
        log.sql(),
        [
            r#"SELECT t0."id", t0."title", t0."author_id", j1."name", j1."publisher_id" FROM "books" t0 LEFT JOIN "author" j1 ON j1."id" = t0."author_id" ORDER BY t0."id" ASC"#
        ]
    );
    let pairs: Vec<(i64, &str)> = books.iter().map(|b| (b.id, b.author().name.as_str())).collect();
    assert_eq!(
        pairs,
        [
            (1, "Ann Leckie"),
            (2, "Ann Leckie"),
            (3, "Brandon Sanderson"),
            (4, "Brandon Sanderson"),
            (5, "Brandon Sanderson"),
            (6, "Ann Leckie")
        ]
    );
    // The joined row is a full row of its model.
    assert_eq!(
        **books[0].author(),
        Author { id: 1, name: "Ann Leckie".into(), publisher_id: Some(1) }
    );
}

fn a_nullable_foreign_key_is_a_left_join_read_as_an_option<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (authors, log) = eagerly::capture(|| {
        Author::query()
            .select_related(Author::publisher)
            .order_by(Author::id.asc())
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(
        log.sql(),
        [
            r#"SELECT t0."id", t0."name", t0."publisher_id", j1."id", j1."name" FROM "author" t0 LEFT JOIN "publisher" j1 ON j1."id" = t0."publisher_id" ORDER BY t0."id" ASC"#
        ]
    );
    let publishers: Vec<Option<&str>> =
        authors.iter().map(|a| a.publisher().map(|p| p.name.as_str())).collect();
    assert_eq!(publishers, [Some("Tor"), Some("Tor"), None]);
}

fn chains_join_in_one_statement<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    // Django's select_related("author__publisher").
    let (books, log) = eagerly::capture(|| {
        Book::query()
            .select_related_with(Book::author, |author| author.select_related(Author::publisher))
            .filter(Book::id.is_in([1, 3]))
            .order_by(Book::id.asc())
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(
        log.sql(),
        [
            backend.sql(&format!(r#"SELECT t0."id", t0."title", t0."author_id", j1."name", j1."publisher_id", j2."id", j2."name" FROM "books" t0 LEFT JOIN "author" j1 ON j1."id" = t0."author_id" LEFT JOIN "publisher" j2 ON j2."id" = j1."publisher_id" WHERE t0."id" {} ORDER BY t0."id" ASC"#, backend.in_list(2)))
        ]
    );
    let publishers: Vec<(&str, Option<&str>)> = books
        .iter()
        .map(|b| (b.author().name.as_str(), b.author().publisher().map(|p| p.name.as_str())))
        .collect();
    assert_eq!(publishers, [("Ann Leckie", Some("Tor")), ("Brandon Sanderson", Some("Tor"))]);
}

fn a_self_reference_and_the_same_table_twice_use_aliases<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    use chinook::*;
    // Every employee with their manager and their manager's manager: Employee three times.
    let (employees, log) = eagerly::capture(|| {
        Employee::query()
            .select_related_with(Employee::manager, |manager| {
                manager.select_related(Employee::manager)
            })
            .order_by(Employee::employee_id.asc())
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(log.len(), 1);
    let sql = log.sql()[0];
    assert!(sql.contains(r#" FROM "Employee" t0 LEFT JOIN "Employee" j1 ON j1."EmployeeId" = t0."ReportsTo" LEFT JOIN "Employee" j2 ON j2."EmployeeId" = j1."ReportsTo""#), "{sql}");
    let chains: Vec<(&str, Option<&str>, Option<&str>)> = employees
        .iter()
        .map(|e| {
            let manager = e.manager();
            (
                e.first_name.as_str(),
                manager.map(|m| m.first_name.as_str()),
                manager.and_then(|m| m.manager()).map(|m| m.first_name.as_str()),
            )
        })
        .collect();
    assert_eq!(
        chains,
        [
            ("Andrew", None, None),
            ("Nancy", Some("Andrew"), None),
            ("Jane", Some("Nancy"), Some("Andrew")),
            ("Margaret", Some("Nancy"), Some("Andrew")),
            ("Steve", Some("Nancy"), Some("Andrew")),
            ("Michael", Some("Andrew"), None),
            ("Robert", Some("Michael"), Some("Andrew")),
            ("Laura", Some("Michael"), Some("Andrew")),
        ]
    );
}

fn a_join_below_a_left_join_is_left_too<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    use chinook::*;
    // Track.AlbumId is nullable, Album.ArtistId is not: an LEFT JOIN to Artist would
    // drop tracks without an album, so it is promoted to LEFT.
    let (tracks, log) = eagerly::capture(|| {
        Track::query()
            .select_related_with(Track::album, |album| album.select_related(Album::artist))
            .select_related(Track::genre)
            .select_related(Track::media_type)
            .filter(Track::track_id.le(3))
            .all(&mut *db)
            .unwrap()
    });
    let sql = log.sql()[0];
    assert!(
        sql.contains(r#" FROM "Track" t0 LEFT JOIN "Album" j1 ON j1."AlbumId" = t0."AlbumId" LEFT JOIN "Artist" j2 ON j2."ArtistId" = j1."ArtistId" LEFT JOIN "Genre" j3 ON j3."GenreId" = t0."GenreId" LEFT JOIN "MediaType" j4 ON j4."MediaTypeId" = t0."MediaTypeId""#),
        "{sql}"
    );
    let described: Vec<String> = tracks
        .iter()
        .map(|t| {
            let album = t.album().unwrap();
            format!(
                "{} / {} / {} / {} / {}",
                t.name,
                album.title,
                album.artist().name.as_deref().unwrap_or("?"),
                t.genre().and_then(|g| g.name.as_deref()).unwrap_or("?"),
                t.media_type().name.as_deref().unwrap_or("?")
            )
        })
        .collect();
    assert_eq!(
        described,
        [
            "For Those About To Rock (We Salute You) / For Those About To Rock We Salute You / AC/DC / Rock / MPEG audio file",
            "Balls to the Wall / Balls to the Wall / Accept / Rock / Protected AAC audio file",
            "Fast As a Shark / Restless and Wild / Accept / Rock / Protected AAC audio file",
        ]
    );
}

/// Django's `Book.objects.select_related("author").prefetch_related("author__books")`:
/// two statements, the second batched over the joined authors' keys (each once, though
/// several books share an author, and so not grouped by them in SQL: each book gets its
/// own copy of its author's books).
fn a_prefetch_below_a_join_batches_over_the_joined_rows<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (books, log) = eagerly::capture(|| {
        Book::query()
            .select_related_with(Book::author, |author| {
                author.prefetch_with(Author::books, |books| books.order_by(Book::title.asc()))
            })
            .order_by(Book::id.asc())
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(
        log.sql(),
        [
            r#"SELECT t0."id", t0."title", t0."author_id", j1."name", j1."publisher_id" FROM "books" t0 LEFT JOIN "author" j1 ON j1."id" = t0."author_id" ORDER BY t0."id" ASC"#.to_string(),
            backend.sql(&format!(
                r#"SELECT t0."id", t0."title", t0."author_id" FROM "books" t0 WHERE t0."author_id" {} ORDER BY t0."title" ASC, t0."id" ASC"#,
                backend.in_list(2)
            )),
        ]
    );
    let shelf: Vec<(i64, &str, Vec<i64>)> =
        books.iter().map(|b| (b.id, b.author().name.as_str(), ids(b.author().books()))).collect();
    let (ann, brandon) = (vec![2, 6, 1], vec![4, 3, 5]);
    assert_eq!(
        shelf,
        [
            (1, "Ann Leckie", ann.clone()),
            (2, "Ann Leckie", ann.clone()),
            (3, "Brandon Sanderson", brandon.clone()),
            (4, "Brandon Sanderson", brandon.clone()),
            (5, "Brandon Sanderson", brandon),
            (6, "Ann Leckie", ann),
        ]
    );
    // A count and a JOIN beside the prefetch, in either order, stay in the first statement.
    let (books, log) = eagerly::capture(|| {
        Book::query()
            .select_related_with(Book::author, |author| {
                author
                    .prefetch(Author::books)
                    .with_count(Author::books)
                    .select_related(Author::publisher)
            })
            .filter(Book::id.eq(3))
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(log.len(), 2, "{log}");
    let author = books[0].author();
    assert_eq!((author.books().len(), author.books_count()), (3, 3));
    assert_eq!(author.publisher().unwrap().name, "Tor");
}

/// A prefetch below a JOIN below a JOIN (a nullable one, whose absent rows stay `None`),
/// prefetches below each of two JOINs, and a JOIN with a prefetch below it inside a
/// prefetch: one statement per prefetch, whatever the depth.
fn prefetches_below_joins_at_any_depth_and_inside_prefetches<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (authors, log) = eagerly::capture(|| {
        Author::query()
            .select_related_with(Author::publisher, |p| {
                p.prefetch_with(Publisher::authors, |a| a.order_by(Author::name.desc()))
            })
            .order_by(Author::id.asc())
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(log.len(), 2, "{log}");
    let colleagues: Vec<Option<Vec<i64>>> =
        authors.iter().map(|a| a.publisher().map(|p| ids(p.authors()))).collect();
    assert_eq!(colleagues, [Some(vec![2, 1]), Some(vec![2, 1]), None]);

    let (books, log) = eagerly::capture(|| {
        Book::query()
            .select_related_with(Book::author, |author| {
                author.prefetch(Author::books).select_related_with(Author::publisher, |p| {
                    p.prefetch(Publisher::authors).with_count(Publisher::authors)
                })
            })
            .order_by(Book::id.asc())
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(log.len(), 3, "{log}");
    let seen: Vec<(usize, Vec<i64>, usize)> = books
        .iter()
        .map(|b| {
            let publisher = b.author().publisher().unwrap();
            (b.author().books().len(), ids(publisher.authors()), publisher.authors_count())
        })
        .collect();
    assert_eq!(seen.len(), 6);
    assert!(seen.iter().all(|(_, authors, count)| *authors == [1, 2] && *count == 2), "{seen:?}");

    let (tags, log) = eagerly::capture(|| {
        Tag::query()
            .prefetch_with(Tag::books, |books| {
                books.select_related_with(Book::author, |a| a.prefetch(Author::books))
            })
            .order_by(Tag::id.asc())
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(log.len(), 3, "{log}");
    let shelves: Vec<Vec<(i64, usize)>> = tags
        .iter()
        .map(|t| t.books().iter().map(|b| (b.id, b.author().books().len())).collect())
        .collect();
    assert_eq!(shelves, [vec![(1, 3), (6, 3)], vec![(2, 3), (5, 3), (6, 3)], vec![]]);
}

fn a_dangling_not_null_foreign_key_is_an_error_however_it_is_loaded<C: ?Sized + RawSql>(
    db: &mut C,
    _: Backend,
) where
    for<'a> &'a mut C: Executor,
{
    db.allow_dangling("books", "author_id");
    db.raw("INSERT INTO books (id, title, author_id) VALUES (7, 'Orphan', 99)");
    let missing = |result: eagerly::Result<usize>, how: &str| match result {
        Err(eagerly::Error::MissingRelated {
            relation: "Book::author",
            table: "books",
            column: "author_id",
            target: "author",
        }) => {}
        other => panic!("{how}: expected MissingRelated, got {other:?}"),
    };
    // The row is there: counted, and loading its author is an error, never a dropped row.
    assert_eq!(Book::query().count(&mut *db).unwrap(), 7);
    assert_eq!(Book::query().all(&mut *db).unwrap().len(), 7);
    let joined = Book::query().select_related(Book::author);
    missing(joined.all(&mut *db).map(|b| b.len()), "select_related");
    missing(joined.get(&mut *db, 7).map(|_| 1), "select_related, get");
    assert_eq!(joined.get(&mut *db, 6).unwrap().author().name, "Ann Leckie", "other rows load");
    assert_eq!(joined.count(&mut *db).unwrap(), 7);
    missing(Book::query().prefetch(Book::author).all(&mut *db).map(|b| b.len()), "prefetch");
    let rows = Book::query().all(&mut *db).unwrap();
    missing(eagerly::prefetch(&mut *db, rows, Book::author).map(|b| b.len()), "eagerly::prefetch");
    // Below another join, and inside a prefetch.
    db.raw("INSERT INTO book_tag VALUES (7, 1)");
    let nested = Tag::query().prefetch_with(Tag::books, |books| books.select_related(Book::author));
    missing(nested.all(&mut *db).map(|t| t.len()), "select_related inside a prefetch");
    // With a prefetch below the JOIN, decoded whole only once the statement's rows are in.
    let below = Book::query().select_related_with(Book::author, |a| a.prefetch(Author::books));
    missing(below.all(&mut *db).map(|b| b.len()), "select_related with a prefetch below");
}

fn a_left_joined_row_that_is_there_but_holds_a_bad_null_is_an_error_not_a_missing_row<
    C: ?Sized + RawSql,
>(
    db: &mut C,
    _: Backend,
) where
    for<'a> &'a mut C: Executor,
{
    // A database written by another program: a publisher whose name is NULL.
    db.raw(
        "CREATE TABLE publisher (id INTEGER PRIMARY KEY, name TEXT);
         CREATE TABLE author (id INTEGER PRIMARY KEY, name TEXT NOT NULL, publisher_id INTEGER);
         INSERT INTO publisher VALUES (1, NULL), (2, 'Tor');
         INSERT INTO author VALUES (1, 'Ann', 2), (2, 'Bo', NULL);",
    );
    let authors = Author::query().select_related(Author::publisher).all(&mut *db).unwrap();
    let publishers: Vec<Option<&str>> =
        authors.iter().map(|a| a.publisher().map(|p| p.name.as_str())).collect();
    assert_eq!(publishers, [Some("Tor"), None], "no publisher is a LEFT JOIN's all-NULL row");

    db.raw("INSERT INTO author VALUES (3, 'Cy', 1)");
    let error = Author::query().select_related(Author::publisher).all(&mut *db).unwrap_err();
    assert!(
        matches!(
            error,
            eagerly::Error::Decode {
                table: "publisher",
                column: "name",
                problem: eagerly::DecodeProblem::Null,
                ..
            }
        ),
        "publisher 1 is there (its key is not NULL), so its NULL name is an error: {error:?}"
    );
}

mod key_that_decodes_from_null {
    use crate::common::*;
    use eagerly::{Executor, Model};

    on_every_backend!(
        setup = crate::common::nothing;
        an_absent_row_of_a_model_whose_key_decodes_from_null_is_none,
    );
    use eagerly::rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

    /// A key type that reads NULL as 0, as a hand-written `FromSql` might.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct LabelId(i64);

    impl FromSql for LabelId {
        fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
            match value {
                ValueRef::Null => Ok(LabelId(0)),
                other => i64::column_result(other).map(LabelId),
            }
        }
    }

    impl ToSql for LabelId {
        fn to_sql(&self) -> eagerly::rusqlite::Result<ToSqlOutput<'_>> {
            self.0.to_sql()
        }
    }

    impl eagerly::SqlType for LabelId {
        const SQL_TYPE: &'static str = "INTEGER";
    }

    /// Every field of it decodes from NULL: an absent LEFT JOIN row decodes without
    /// error, so it is told apart by its key.
    #[derive(Model, Debug)]
    pub struct Label {
        #[model(primary_key)]
        pub id: LabelId,
        pub name: Option<String>,
    }

    #[derive(Model, Debug)]
    pub struct Record {
        #[model(primary_key)]
        pub id: i64,
        #[model(belongs_to(label = Label))]
        pub label_id: Option<LabelId>,
    }

    fn an_absent_row_of_a_model_whose_key_decodes_from_null_is_none<C: ?Sized + RawSql>(
        db: &mut C,
        _: Backend,
    ) where
        for<'a> &'a mut C: Executor,
    {
        db.raw(
            "CREATE TABLE label (id INTEGER PRIMARY KEY, name TEXT);
             CREATE TABLE record (id INTEGER PRIMARY KEY, label_id INTEGER);
             INSERT INTO label VALUES (1, NULL), (2, 'Blue Note');
             INSERT INTO record VALUES (1, 1), (2, 2), (3, NULL);",
        );
        let records = Record::query().select_related(Record::label).all(&mut *db).unwrap();
        let labels: Vec<Option<(i64, Option<&str>)>> =
            records.iter().map(|r| r.label().map(|l| (l.id.0, l.name.as_deref()))).collect();
        assert_eq!(labels, [Some((1, None)), Some((2, Some("Blue Note"))), None]);
    }
}

mod key_after_other_fields {
    use crate::common::*;
    use eagerly::{Executor, Model};

    on_every_backend!(
        setup = crate::common::nothing;
        an_absent_row_is_none_and_a_bad_one_is_an_error,
    );

    /// The key is not the first field: decoding an absent row stops at `name`, so the
    /// key's column is read to tell an absent row from a bad one.
    #[derive(Model, Debug)]
    pub struct Studio {
        pub name: String,
        #[model(primary_key)]
        pub id: i64,
    }

    #[derive(Model, Debug)]
    pub struct Film {
        #[model(primary_key)]
        pub id: i64,
        #[model(belongs_to(studio = Studio))]
        pub studio_id: Option<i64>,
    }

    fn an_absent_row_is_none_and_a_bad_one_is_an_error<C: ?Sized + RawSql>(db: &mut C, _: Backend)
    where
        for<'a> &'a mut C: Executor,
    {
        db.raw(
            "CREATE TABLE studio (name TEXT, id INTEGER PRIMARY KEY);
             CREATE TABLE film (id INTEGER PRIMARY KEY, studio_id INTEGER);
             INSERT INTO studio VALUES ('Ghibli', 1), (NULL, 2);
             INSERT INTO film VALUES (1, 1), (2, NULL);",
        );
        let films = Film::query().select_related(Film::studio).all(&mut *db).unwrap();
        let studios: Vec<Option<&str>> =
            films.iter().map(|f| f.studio().map(|s| s.name.as_str())).collect();
        assert_eq!(studios, [Some("Ghibli"), None]);

        db.raw("INSERT INTO film VALUES (3, 2)");
        let error = Film::query().select_related(Film::studio).all(&mut *db).unwrap_err();
        assert!(
            matches!(
                error,
                eagerly::Error::Decode {
                    table: "studio",
                    column: "name",
                    problem: eagerly::DecodeProblem::Null,
                    ..
                }
            ),
            "studio 2 is there, so its NULL name is an error: {error:?}"
        );
    }
}

fn inner_joins_below_inner_joins_take_each_key_from_the_foreign_key_before_it<C: ?Sized + RawSql>(
    db: &mut C,
    _: Backend,
) where
    for<'a> &'a mut C: Executor,
{
    use chinook::*;
    use eagerly::Model;
    let (lines, log) = eagerly::capture(|| {
        InvoiceLine::query()
            .select_related_with(InvoiceLine::invoice, |invoice| {
                invoice.select_related(Invoice::customer)
            })
            .filter(InvoiceLine::invoice_line_id.le(3))
            .all(&mut *db)
            .unwrap()
    });
    let sql = log.sql()[0];
    // The joined keys equal the foreign keys already selected: neither is selected again.
    assert!(
        sql.starts_with(r#"SELECT t0."InvoiceLineId", t0."InvoiceId", t0."TrackId", t0."UnitPrice", t0."Quantity", j1."CustomerId", j1."InvoiceDate", "#),
        "{sql}"
    );
    let (columns, _) = sql.split_once(" FROM ").unwrap();
    assert!(!columns.contains(r#"j1."InvoiceId""#) && !columns.contains(r#"j2."CustomerId""#));
    assert!(sql.contains(r#" LEFT JOIN "Customer" j2 ON j2."CustomerId" = j1."CustomerId""#));
    let joined: Vec<(i64, i64, i64, &str, &str)> = lines
        .iter()
        .map(|l| {
            let invoice = l.invoice();
            let customer = invoice.customer();
            (
                l.invoice_line_id,
                invoice.invoice_id,
                customer.customer_id,
                &*customer.first_name,
                &*customer.last_name,
            )
        })
        .collect();
    assert_eq!(
        joined,
        [
            (1, 1, 2, "Leonie", "Köhler"),
            (2, 1, 2, "Leonie", "Köhler"),
            (3, 2, 4, "Bjørn", "Hansen")
        ]
    );
    // The same rows as loading each one by its key.
    for line in &lines {
        let invoice = Invoice::get(&mut *db, line.invoice_id).unwrap();
        assert_eq!(**line.invoice(), *invoice);
        assert_eq!(
            **line.invoice().customer(),
            *Customer::get(&mut *db, invoice.customer_id).unwrap()
        );
    }
}

mod inner_join_key_between_other_fields {
    use crate::common::*;
    use eagerly::{Executor, Model};

    on_every_backend!(
        setup = super::create;
        the_key_comes_from_the_foreign_key_and_the_fields_after_it_from_their_columns,
        after_a_prefetch_the_key_is_read_from_the_foreign_keys_column,
        a_bad_value_after_the_key_is_an_error_naming_its_column,
    );

    /// The key sits between two fields: with its column not selected, the field after it
    /// reads the column the key would have had.
    #[derive(Model, Debug, PartialEq)]
    pub struct Shelf {
        pub room: String,
        #[model(primary_key)]
        pub id: i64,
        pub label: String,
    }

    #[derive(Model, Debug)]
    #[model(has_many(notes = Note))]
    pub struct Item {
        #[model(primary_key)]
        pub id: i64,
        pub name: String,
        #[model(belongs_to(shelf = Shelf))]
        pub shelf_id: i64,
    }

    #[derive(Model, Debug)]
    pub struct Note {
        #[model(primary_key)]
        pub id: i64,
        #[model(belongs_to(item = Item))]
        pub item_id: i64,
        pub text: String,
    }

    /// Written by hand, as another program might: `label` may be NULL.
    pub fn create<C: ?Sized + RawSql>(db: &mut C) {
        db.raw("CREATE TABLE shelf (room TEXT NOT NULL, id INTEGER PRIMARY KEY, label TEXT);
             CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, shelf_id INTEGER NOT NULL);
             CREATE TABLE note (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL, text TEXT NOT NULL);
             INSERT INTO shelf VALUES ('attic', 10, 'A1'), ('cellar', 20, 'C7');
             INSERT INTO item VALUES (1, 'lamp', 20), (2, 'globe', 10), (3, 'clock', 20);
             INSERT INTO note VALUES (1, 3, 'slow'), (2, 1, 'no bulb'), (3, 3, 'chimes');");
    }

    type Placed<'a> = Vec<(&'a str, &'a Shelf)>;

    fn placed<'a, R>(items: &'a [R], shelf: impl Fn(&'a R) -> (&'a str, &'a Shelf)) -> Placed<'a> {
        items.iter().map(shelf).collect()
    }

    fn expected() -> [(&'static str, Shelf); 3] {
        let shelf =
            |room: &str, id, label: &str| Shelf { room: room.into(), id, label: label.into() };
        [
            ("lamp", shelf("cellar", 20, "C7")),
            ("globe", shelf("attic", 10, "A1")),
            ("clock", shelf("cellar", 20, "C7")),
        ]
    }

    fn the_key_comes_from_the_foreign_key_and_the_fields_after_it_from_their_columns<C: ?Sized>(
        db: &mut C,
        _: Backend,
    ) where
        for<'a> &'a mut C: Executor,
    {
        let (items, log) =
            eagerly::capture(|| Item::query().select_related(Item::shelf).all(&mut *db).unwrap());
        assert_eq!(
            log.sql(),
            [
                r#"SELECT t0."id", t0."name", t0."shelf_id", j1."room", j1."label" FROM "item" t0 LEFT JOIN "shelf" j1 ON j1."id" = t0."shelf_id""#
            ]
        );
        let expected = expected();
        let expected: Placed<'_> = expected.iter().map(|(n, s)| (*n, s)).collect();
        assert_eq!(placed(&items, |i| (i.name.as_str(), &**i.shelf())), expected);
    }

    fn after_a_prefetch_the_key_is_read_from_the_foreign_keys_column<C: ?Sized>(
        db: &mut C,
        _: Backend,
    ) where
        for<'a> &'a mut C: Executor,
    {
        // The prefetch needs the whole level, so the joined rows are made apart from
        // the items they belong to, without the item at hand.
        let (items, log) = eagerly::capture(|| {
            Item::query().prefetch(Item::notes).select_related(Item::shelf).all(&mut *db).unwrap()
        });
        assert_eq!(log.len(), 2);
        assert_eq!(
            log.sql()[0],
            r#"SELECT t0."id", t0."name", t0."shelf_id", j1."room", j1."label" FROM "item" t0 LEFT JOIN "shelf" j1 ON j1."id" = t0."shelf_id""#
        );
        let expected = expected();
        let expected: Placed<'_> = expected.iter().map(|(n, s)| (*n, s)).collect();
        assert_eq!(placed(&items, |i| (i.name.as_str(), &**i.shelf())), expected);
        let notes: Vec<usize> = items.iter().map(|i| i.notes().len()).collect();
        assert_eq!(notes, [1, 0, 2]);
    }

    fn a_bad_value_after_the_key_is_an_error_naming_its_column<C: ?Sized + RawSql>(
        db: &mut C,
        _: Backend,
    ) where
        for<'a> &'a mut C: Executor,
    {
        db.raw("UPDATE shelf SET label = NULL WHERE id = 10");
        let error = Item::query().select_related(Item::shelf).all(&mut *db).unwrap_err();
        assert!(
            matches!(
                error,
                eagerly::Error::Decode {
                    table: "shelf",
                    column: "label",
                    rust_type: "String",
                    problem: eagerly::DecodeProblem::Null,
                }
            ),
            "{error:?}"
        );
    }
}

mod inner_join_through_a_key_that_is_a_foreign_key {
    use crate::common::*;
    use eagerly::{Executor, Model};

    on_every_backend!(
        setup = crate::common::nothing;
        a_join_below_a_row_whose_key_was_not_selected_selects_its_own_key,
    );

    #[derive(Model, Debug)]
    pub struct Account {
        #[model(primary_key)]
        pub id: i64,
        pub email: String,
    }

    /// One-to-one with `Account`: its key is the account's.
    #[derive(Model, Debug)]
    pub struct Profile {
        #[model(primary_key, belongs_to(account = Account))]
        pub account_id: i64,
        pub bio: String,
    }

    #[derive(Model, Debug)]
    pub struct Post {
        #[model(primary_key)]
        pub id: i64,
        #[model(belongs_to(profile = Profile))]
        pub profile_id: i64,
    }

    fn a_join_below_a_row_whose_key_was_not_selected_selects_its_own_key<C: ?Sized + RawSql>(
        db: &mut C,
        _: Backend,
    ) where
        for<'a> &'a mut C: Executor,
    {
        eagerly::create_tables(&mut *db, &[Account::TABLE, Profile::TABLE, Post::TABLE]).unwrap();
        db.raw(
            "INSERT INTO account VALUES (1, 'a@x.org'), (2, 'b@x.org');
             INSERT INTO profile VALUES (2, 'second'), (1, 'first');
             INSERT INTO post VALUES (10, 2), (11, 1);",
        );
        let (posts, log) = eagerly::capture(|| {
            Post::query()
                .select_related_with(Post::profile, |profile| {
                    profile.select_related(Profile::account)
                })
                .all(&mut *db)
                .unwrap()
        });
        // The profile's key is the post's `profile_id`; the account's would be the
        // profile's `account_id`, which is not selected, so the account's key is.
        assert_eq!(
            log.sql(),
            [
                r#"SELECT t0."id", t0."profile_id", j1."bio", j2."id", j2."email" FROM "post" t0 LEFT JOIN "profile" j1 ON j1."account_id" = t0."profile_id" LEFT JOIN "account" j2 ON j2."id" = j1."account_id""#
            ]
        );
        let rows: Vec<(i64, i64, &str, i64, &str)> = posts
            .iter()
            .map(|p| {
                let profile = p.profile();
                let account = profile.account();
                (p.id, profile.account_id, &*profile.bio, account.id, &*account.email)
            })
            .collect();
        assert_eq!(rows, [(10, 2, "second", 2, "b@x.org"), (11, 1, "first", 1, "a@x.org")]);
    }
}

fn a_joined_row_that_is_there_but_holds_a_bad_null_is_a_decode_error_not_a_missing_row<
    C: ?Sized + RawSql,
>(
    db: &mut C,
    _: Backend,
) where
    for<'a> &'a mut C: Executor,
{
    // A database written by another program: an author whose name is NULL.
    db.raw("CREATE TABLE author (id INTEGER PRIMARY KEY, name TEXT, publisher_id INTEGER);
         CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, author_id INTEGER NOT NULL);
         INSERT INTO author VALUES (1, 'Ann', NULL), (2, NULL, 7);
         INSERT INTO books VALUES (1, 'One', 1), (2, 'Two', 2);");
    let joined = Book::query().select_related(Book::author);
    assert_eq!(joined.get(&mut *db, 1).unwrap().author().name, "Ann");
    let error = joined.get(&mut *db, 2).unwrap_err();
    assert!(
        matches!(
            error,
            eagerly::Error::Decode {
                table: "author",
                column: "name",
                problem: eagerly::DecodeProblem::Null,
                ..
            }
        ),
        "author 2 is there (not every column of it is NULL): {error:?}"
    );
}

/// A joined model whose first field reads NULL as a value (`serde_json::Value` does): the
/// absent row is told by a field that refuses NULL, or by its selected key where no field
/// does.
mod fields_that_read_null {
    use crate::common::*;
    use eagerly::{Executor, Model};

    on_every_backend!(
        setup = crate::common::nothing;
        a_missing_row_is_missing_whatever_its_fields_read,
    );

    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Profile {
        #[model(primary_key)]
        pub id: i64,
        pub settings: serde_json::Value,
        pub handle: String,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Note {
        #[model(primary_key)]
        pub id: i64,
        pub body: serde_json::Value,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Post {
        #[model(primary_key)]
        pub id: i64,
        #[model(belongs_to(profile = Profile))]
        pub profile_id: i64,
        #[model(belongs_to(note = Note))]
        pub note_id: i64,
    }

    fn a_missing_row_is_missing_whatever_its_fields_read<C: ?Sized + RawSql>(db: &mut C, _: Backend)
    where
        for<'a> &'a mut C: Executor,
    {
        eagerly::create_tables(&mut *db, &[Profile::TABLE, Note::TABLE, Post::TABLE]).unwrap();
        let profile = Profile { id: 1, settings: serde_json::json!([]), handle: "ann".into() };
        profile.insert(&mut *db).unwrap();
        Note { id: 1, body: serde_json::json!({"a": 1}) }.insert(&mut *db).unwrap();
        Post { id: 1, profile_id: 1, note_id: 1 }.insert(&mut *db).unwrap();
        db.allow_dangling("post", "profile_id");
        db.allow_dangling("post", "note_id");
        db.raw("INSERT INTO post VALUES (2, 9, 1), (3, 1, 9)");

        let (posts, log) = eagerly::capture(|| {
            Post::query()
                .select_related(Post::profile)
                .select_related(Post::note)
                .filter(Post::id.eq(1))
                .all(&mut *db)
                .unwrap()
        });
        assert_eq!(**posts[0].profile(), profile);
        assert_eq!(posts[0].note().body, serde_json::json!({"a": 1}));
        // The profile's key comes from the foreign key (`handle` refuses NULL); the note's
        // is selected (its one field reads NULL as a value).
        assert!(
            log.sql()[0].contains(r#"j1."settings", j1."handle", j2."id", j2."body""#),
            "{}",
            log.sql()[0]
        );

        for (post, relation) in [(2, "Post::profile"), (3, "Post::note")] {
            let loaded = Post::query()
                .select_related(Post::profile)
                .select_related(Post::note)
                .get(&mut *db, post);
            assert!(
                matches!(loaded, Err(eagerly::Error::MissingRelated { relation: r, .. }) if r == relation),
                "post {post}: {loaded:?}"
            );
        }
    }
}
