//! `prefetch`: one batched statement per relation and level, children grouped to their
//! parents, for every kind of relation and key; on SQLite and on PostgreSQL
//! (`on_every_backend!`, `common/mod.rs`). How SQLite sends batches too large to list
//! (`json_each`, or the parent table's own keys) is tested on SQLite alone at the end.

#[path = "common/chinook.rs"]
mod chinook;
#[macro_use]
mod common;
#[path = "common/postgres.rs"]
mod postgres_server;

use common::*;
use eagerly::{Executor, Model, Value};

on_every_backend!(
    has_many_loads_in_one_more_statement_grouped_by_parent,
    related_rows_keep_the_order_of_the_related_query,
    no_parents_no_statement,
    belongs_to_can_be_batched_instead_of_joined,
    to_one_batches_are_not_ordered_and_to_many_batches_are,
    a_filtered_to_one_prefetch_leaves_a_nullable_relation_empty,
    many_to_many_joins_the_link_table,
    nested_loads_to_any_depth_carry_their_types,
    a_limit_in_a_prefetch_applies_to_each_parent,
    loading_onto_rows_you_already_have,
);
on_every_backend!(
    setup = crate::chinook::copied;
    playlists_and_tracks_through_a_composite_key_table,
    rows_with_a_composite_key_load_their_relations,
);
on_every_backend!(setup = crate::keys::create; text_and_uuid_keys_batch_like_integers);
on_every_backend!(
    setup = crate::common::create_seed_tables;
    a_hundred_thousand_parents_in_one_batched_statement,
    batches_of_a_hundred_keys_or_more_below_every_row,
);

const BOOKS: &str = r#"SELECT t0."id", t0."title", t0."author_id" FROM "books" t0"#;

fn titles<B: std::ops::Deref<Target = Book>>(books: &[B]) -> Vec<&str> {
    books.iter().map(|b| b.title.as_str()).collect()
}

fn has_many_loads_in_one_more_statement_grouped_by_parent<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (authors, log) = eagerly::capture(|| {
        Author::query().prefetch(Author::books).order_by(Author::id.asc()).all(&mut *db).unwrap()
    });
    assert_eq!(
        log.sql(),
        [
            r#"SELECT t0."id", t0."name", t0."publisher_id" FROM "author" t0 ORDER BY t0."id" ASC"#
                .to_string(),
            backend.sql(&format!(
                r#"{BOOKS} WHERE t0."author_id" {} ORDER BY t0."author_id" ASC, t0."id" ASC"#,
                backend.in_list(3)
            )),
        ]
    );
    assert_eq!(
        log.records()[1].params,
        backend.list_params(vec![Value::Integer(1), Value::Integer(2), Value::Integer(3)])
    );
    let books: Vec<Vec<i64>> = authors.iter().map(|a| ids(a.books())).collect();
    assert_eq!(books, [vec![1, 2, 6], vec![3, 4, 5], vec![]], "primary key order by default");
}

fn related_rows_keep_the_order_of_the_related_query<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (authors, log) = eagerly::capture(|| {
        Author::query()
            .prefetch_with(Author::books, |books| books.order_by(Book::title.desc()))
            .order_by(Author::id.asc())
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(
        log.sql()[1],
        backend.sql(&format!(
            r#"{BOOKS} WHERE t0."author_id" {} ORDER BY t0."title" DESC, t0."id" ASC"#,
            backend.in_list(3)
        ))
    );
    assert_eq!(titles(authors[0].books()), ["Ancillary Justice", "1000 Rusty Nails", "100% Rust"]);
    assert_eq!(
        titles(authors[1].books()),
        ["the rust programming language", "snake_case for *everyone*?", r"C:\Books\[draft]"]
    );
}

fn no_parents_no_statement<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (authors, log) = eagerly::capture(|| {
        Author::query().filter(Author::id.gt(100)).prefetch(Author::books).all(&mut *db).unwrap()
    });
    assert!(authors.is_empty());
    assert_eq!(log.len(), 1, "{log}");
    // Parents whose foreign key is NULL have nothing to fetch either.
    let (authors, log) = eagerly::capture(|| {
        Author::query()
            .filter(Author::publisher_id.is_null())
            .prefetch(Author::publisher)
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(authors.len(), 1);
    assert!(authors[0].publisher().is_none());
    assert_eq!(log.len(), 1, "{log}");
}

fn belongs_to_can_be_batched_instead_of_joined<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (books, log) = eagerly::capture(|| {
        Book::query()
            .prefetch_with(Book::author, |author| author.prefetch(Author::publisher))
            .order_by(Book::id.asc())
            .all(&mut *db)
            .unwrap()
    });
    // One row per key: no ORDER BY, which would only make the database sort.
    assert_eq!(
        log.sql()[1..],
        [
            backend.sql(&format!(
                r#"SELECT t0."id", t0."name", t0."publisher_id" FROM "author" t0 WHERE t0."id" {}"#,
                backend.in_list(2)
            )),
            backend.sql(&format!(
                r#"SELECT t0."id", t0."name" FROM "publisher" t0 WHERE t0."id" {}"#,
                backend.in_list(1)
            )),
        ]
    );
    assert_eq!(
        log.records()[1].params,
        backend.list_params(vec![Value::Integer(1), Value::Integer(2)]),
        "distinct keys"
    );
    let authors: Vec<(&str, &str)> = books
        .iter()
        .map(|b| (b.author().name.as_str(), b.author().publisher().unwrap().name.as_str()))
        .collect();
    assert_eq!(
        authors[..3],
        [("Ann Leckie", "Tor"), ("Ann Leckie", "Tor"), ("Brandon Sanderson", "Tor")]
    );
}

/// A to-one batch's rows are one per key: it is not ordered (an order asked of a nullable
/// one changes nothing and is not sent; a NOT NULL one has no `order_by`), while a to-many
/// batch keeps its order (each parent's rows come in it).
fn to_one_batches_are_not_ordered_and_to_many_batches_are<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (books, log) = eagerly::capture(|| {
        Book::query()
            .order_by(Book::id.asc())
            .prefetch_with(Book::author, |author| {
                author.prefetch_with(Author::books, |books| books.order_by(Book::title.asc()))
            })
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(log.len(), 3, "{log}");
    assert!(!log.sql()[1].contains("ORDER BY"), "{}", log.sql()[1]);
    assert!(log.sql()[2].ends_with(r#"ORDER BY t0."title" ASC, t0."id" ASC"#), "{}", log.sql()[2]);
    let shelf: Vec<(i64, &str, Vec<&str>)> = books
        .iter()
        .map(|b| (b.id, b.author().name.as_str(), titles(b.author().books())))
        .collect();
    let ann = vec!["100% Rust", "1000 Rusty Nails", "Ancillary Justice"];
    let brandon =
        vec![r"C:\Books\[draft]", "snake_case for *everyone*?", "the rust programming language"];
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
    let (authors, log) = eagerly::capture(|| {
        Author::query()
            .order_by(Author::id.asc())
            .prefetch_with(Author::publisher, |publisher| {
                publisher.order_by(Publisher::name.desc())
            })
            .all(&mut *db)
            .unwrap()
    });
    assert!(!log.sql()[1].contains("ORDER BY"), "{}", log.sql()[1]);
    let publishers: Vec<Option<&str>> =
        authors.iter().map(|a| a.publisher().map(|p| p.name.as_str())).collect();
    assert_eq!(publishers, [Some("Tor"), Some("Tor"), None]);
    // A slice per parent keeps its order, which ranks the rows.
    let (_, log) = eagerly::capture(|| {
        Author::query()
            .prefetch_with(Author::publisher, |p| p.order_by(Publisher::name.desc()).limit(1))
            .all(&mut *db)
            .unwrap()
    });
    assert!(log.sql()[1].contains(r#"ORDER BY t0."name" DESC"#), "{}", log.sql()[1]);
}

/// Django's `Prefetch("publisher", queryset=Publisher.objects.filter(..))`: where the
/// filter leaves a nullable relation's row out, the slot is `None`, as for a NULL foreign
/// key, and nothing fails. (A NOT NULL one cannot be filtered: `ui/eager/filtered_to_one`.)
fn a_filtered_to_one_prefetch_leaves_a_nullable_relation_empty<C: ?Sized>(
    db: &mut C,
    backend: Backend,
) where
    for<'a> &'a mut C: Executor,
{
    let (books, log) = eagerly::capture(|| {
        Book::query()
            .order_by(Book::id.asc())
            .prefetch_with(Book::author, |author| {
                author.prefetch_with(Author::publisher, |p| p.filter(Publisher::name.eq("Penguin")))
            })
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(
        log.sql()[2],
        backend.sql(&format!(
            r#"SELECT t0."id", t0."name" FROM "publisher" t0 WHERE t0."name" = ? AND t0."id" {}"#,
            backend.in_list(1)
        ))
    );
    assert_eq!(log.len(), 3, "{log}");
    let publishers: Vec<(i64, &str, Option<&str>)> = books
        .iter()
        .map(|b| (b.id, b.author().name.as_str(), b.author().publisher().map(|p| p.name.as_str())))
        .collect();
    assert_eq!(
        publishers,
        [
            (1, "Ann Leckie", None),
            (2, "Ann Leckie", None),
            (3, "Brandon Sanderson", None),
            (4, "Brandon Sanderson", None),
            (5, "Brandon Sanderson", None),
            (6, "Ann Leckie", None),
        ]
    );
    let (authors, log) = eagerly::capture(|| {
        Author::query()
            .order_by(Author::id.asc())
            .prefetch_with(Author::publisher, |p| p.filter(Publisher::name.eq("Tor")))
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(log.len(), 2, "{log}");
    let publishers: Vec<Option<&str>> =
        authors.iter().map(|a| a.publisher().map(|p| p.name.as_str())).collect();
    assert_eq!(publishers, [Some("Tor"), Some("Tor"), None]);
}

fn many_to_many_joins_the_link_table<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (books, log) = eagerly::capture(|| {
        Book::query().prefetch(Book::tags).order_by(Book::id.asc()).all(&mut *db).unwrap()
    });
    // Ordered by the link table's key, `("book_id", "tag_id")`: its index order, no sort.
    assert_eq!(
        log.sql()[1],
        backend.sql(&format!(r#"SELECT t0."id", t0."name", l0."book_id" FROM "tag" t0 INNER JOIN "book_tag" l0 ON l0."tag_id" = t0."id" WHERE l0."book_id" {} ORDER BY l0."book_id" ASC, l0."tag_id" ASC"#, backend.in_list(6)))
    );
    let tags: Vec<Vec<&str>> =
        books.iter().map(|b| b.tags().iter().map(|t| t.name.as_str()).collect()).collect();
    assert_eq!(
        tags,
        [
            vec!["sf"],
            vec!["programming"],
            vec![],
            vec![],
            vec!["programming"],
            vec!["sf", "programming"]
        ]
    );

    // Both directions, and many-to-many below many-to-many: every tag instance gets all
    // of its books, though tags repeat across books.
    let (books, log) = eagerly::capture(|| {
        Book::query()
            .filter(Book::id.eq(6))
            .prefetch_with(Book::tags, |tags| tags.prefetch(Tag::books))
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(log.len(), 3);
    let nested: Vec<(&str, Vec<i64>)> =
        books[0].tags().iter().map(|t| (t.name.as_str(), ids(t.books()))).collect();
    assert_eq!(nested, [("sf", vec![1, 6]), ("programming", vec![2, 5, 6])]);
}

fn nested_loads_to_any_depth_carry_their_types<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (publishers, log) = eagerly::capture(|| {
        Publisher::query()
            .prefetch_with(Publisher::authors, |authors| {
                authors.order_by(Author::name.desc()).with_count(Author::books).prefetch_with(
                    Author::books,
                    |books| {
                        books.filter(Book::title.icontains("rust")).prefetch_with(
                            Book::tags,
                            |tags| {
                                tags.prefetch_with(Tag::books, |books| {
                                    books.select_related(Book::author)
                                })
                            },
                        )
                    },
                )
            })
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(log.len(), 5, "one statement per relation and level:\n{log}");
    let tor = &publishers[0];
    let report: Vec<String> = tor
        .authors()
        .iter()
        .map(|a| {
            let books: Vec<String> = a
                .books()
                .iter()
                .map(|b| {
                    let tags: Vec<String> = b
                        .tags()
                        .iter()
                        .map(|t| {
                            let authors: Vec<&str> =
                                t.books().iter().map(|b| b.author().name.as_str()).collect();
                            format!("{} by {}", t.name, authors.join("+"))
                        })
                        .collect();
                    format!("{} [{}]", b.title, tags.join(", "))
                })
                .collect();
            format!("{} ({} books): {}", a.name, a.books_count(), books.join("; "))
        })
        .collect();
    assert_eq!(
        report,
        [
            "Brandon Sanderson (3 books): the rust programming language [programming by Ann Leckie+Brandon Sanderson+Ann Leckie]",
            "Ann Leckie (3 books): 100% Rust [programming by Ann Leckie+Brandon Sanderson+Ann Leckie]; 1000 Rusty Nails [sf by Ann Leckie+Ann Leckie, programming by Ann Leckie+Brandon Sanderson+Ann Leckie]",
        ]
    );
    assert!(publishers[1].authors().is_empty());
}

fn a_limit_in_a_prefetch_applies_to_each_parent<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (authors, log) = eagerly::capture(|| {
        Author::query()
            .prefetch_with(Author::books, |books| books.order_by(Book::id.desc()).limit(2))
            .order_by(Author::id.asc())
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(
        log.sql()[1],
        backend.sql(&format!(r#"SELECT * FROM (SELECT t0."id", t0."title", t0."author_id", ROW_NUMBER() OVER (PARTITION BY t0."author_id" ORDER BY t0."id" DESC) AS "__rank" FROM "books" t0 WHERE t0."author_id" {}) AS q0 WHERE "__rank" > ? AND "__rank" <= ? ORDER BY "__rank""#, backend.in_list(3)))
    );
    let ranks = &log.records()[1].params;
    assert_eq!(ranks[ranks.len() - 2..], [Value::Integer(0), Value::Integer(2)]);
    let latest: Vec<Vec<i64>> = authors.iter().map(|a| ids(a.books())).collect();
    assert_eq!(
        latest,
        [vec![6, 2], vec![5, 4], vec![]],
        "each author's two latest, not two in all"
    );

    let second: Vec<Vec<i64>> = Author::query()
        .prefetch_with(Author::books, |books| books.order_by(Book::id.asc()).offset(1).limit(1))
        .order_by(Author::id.asc())
        .all(&mut *db)
        .unwrap()
        .iter()
        .map(|a| ids(a.books()))
        .collect();
    assert_eq!(second, [vec![2], vec![4], vec![]]);
}

fn loading_onto_rows_you_already_have<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let authors = Author::query().order_by(Author::id.asc()).all(&mut *db).unwrap();
    let (authors, log) = eagerly::capture(|| {
        let authors = eagerly::prefetch(&mut *db, authors, Author::books).unwrap();
        eagerly::prefetch_with(&mut *db, authors, Author::publisher, |p| {
            p.filter(Publisher::name.ne("Penguin"))
        })
        .unwrap()
    });
    assert_eq!(
        log.sql(),
        [
            backend.sql(&format!(r#"{BOOKS} WHERE t0."author_id" {} ORDER BY t0."author_id" ASC, t0."id" ASC"#, backend.in_list(3))),
            backend.sql(&format!(r#"SELECT t0."id", t0."name" FROM "publisher" t0 WHERE t0."name" {} ? AND t0."id" {}"#, backend.pick("IS NOT", "IS DISTINCT FROM"), backend.in_list(1))),
        ]
    );
    assert_eq!(authors.iter().map(|a| a.books().len()).collect::<Vec<_>>(), [3, 3, 0]);
    assert_eq!(authors[0].publisher().unwrap().name, "Tor");
    // Rows of a query that loaded something else already keep it.
    let books =
        Book::query().select_related(Book::author).filter(Book::id.le(2)).all(&mut *db).unwrap();
    let books = eagerly::prefetch(&mut *db, books, Book::tags).unwrap();
    assert_eq!(
        (books[0].author().name.as_str(), books[0].tags()[0].name.as_str()),
        ("Ann Leckie", "sf")
    );
}

fn playlists_and_tracks_through_a_composite_key_table<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    use chinook::*;
    let (playlists, log) = eagerly::capture(|| {
        Playlist::query()
            .filter(Playlist::playlist_id.is_in([9, 16, 18]))
            .with_count(Playlist::tracks)
            .prefetch_with(Playlist::tracks, |tracks| {
                tracks.select_related(Track::genre).order_by(Track::name.asc())
            })
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(log.len(), 2);
    assert_eq!(
        log.sql()[1],
        backend.sql(&format!(r#"SELECT t0."TrackId", t0."Name", t0."AlbumId", t0."MediaTypeId", t0."GenreId", t0."Composer", t0."Milliseconds", t0."Bytes", t0."UnitPrice", j1."GenreId", j1."Name", l0."PlaylistId" FROM "Track" t0 LEFT JOIN "Genre" j1 ON j1."GenreId" = t0."GenreId" INNER JOIN "PlaylistTrack" l0 ON l0."TrackId" = t0."TrackId" WHERE l0."PlaylistId" {} ORDER BY t0."Name" ASC, t0."TrackId" ASC"#, backend.in_list(3)))
    );
    let summary: Vec<(&str, usize, usize, &str)> = playlists
        .iter()
        .map(|p| {
            let first = &p.tracks()[0];
            (
                p.name.as_deref().unwrap(),
                p.tracks_count(),
                p.tracks().len(),
                first.genre().unwrap().name.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("Music Videos", 1, 1, "Alternative"),
            ("Grunge", 15, 15, "Rock"),
            ("On-The-Go 1", 1, 1, "Jazz")
        ]
    );
    assert_eq!(playlists[1].tracks()[0].name, "Alive");
}

fn rows_with_a_composite_key_load_their_relations<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    use chinook::*;
    let (links, log) = eagerly::capture(|| {
        PlaylistTrack::query()
            .filter(PlaylistTrack::playlist_id.eq(16))
            .select_related(PlaylistTrack::playlist)
            .prefetch_with(PlaylistTrack::track, |track| track.select_related(Track::genre))
            .order_by(PlaylistTrack::track_id.asc())
            .limit(3)
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(log.len(), 2);
    let rows: Vec<(i64, &str, &str, &str)> = links
        .iter()
        .map(|l| {
            (
                l.track_id,
                l.playlist().name.as_deref().unwrap(),
                l.track().name.as_str(),
                l.track().genre().unwrap().name.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (52, "Grunge", "Man In The Box", "Rock"),
            (2003, "Grunge", "Smells Like Teen Spirit", "Rock"),
            (2004, "Grunge", "In Bloom", "Rock")
        ]
    );
}

/// Keys that are not integers: text and UUID.
mod keys {
    use eagerly::Model;
    use uuid::Uuid;

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(has_many(posts = Post, fk = user_name))]
    pub struct User {
        #[model(primary_key)]
        pub name: String,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(has_many(comments = Comment))]
    pub struct Post {
        #[model(primary_key)]
        pub id: Uuid,
        #[model(belongs_to(user = User))]
        pub user_name: String,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Comment {
        #[model(primary_key)]
        pub id: i64,
        #[model(belongs_to(post = Post))]
        pub post_id: Option<Uuid>,
        pub text: String,
    }

    /// Their tables, on any backend.
    pub fn create<C: ?Sized>(db: &mut C)
    where
        for<'a> &'a mut C: eagerly::Executor,
    {
        eagerly::create_tables(db, &[User::TABLE, Post::TABLE, Comment::TABLE]).unwrap();
    }
}

fn text_and_uuid_keys_batch_like_integers<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    use keys::*;
    use uuid::Uuid;
    User::insert_all(&mut *db, ["ann", "bo", "cy"].map(|n| User { name: n.into() })).unwrap();
    let post = |n: u8| Uuid::from_bytes([n; 16]);
    Post::insert_all(
        &mut *db,
        [(1, "ann"), (2, "ann"), (3, "bo")].map(|(n, u)| Post { id: post(n), user_name: u.into() }),
    )
    .unwrap();
    Comment::insert_all(
        &mut *db,
        [(Some(1), "first"), (Some(1), "second"), (Some(3), "third"), (None, "orphan")]
            .map(|(p, text)| NewComment { post_id: p.map(post), text: text.into() }),
    )
    .unwrap();

    let (users, log) = eagerly::capture(|| {
        User::query()
            .order_by(User::name.asc())
            .prefetch_with(User::posts, |posts| posts.prefetch(Post::comments))
            .all(&mut *db)
            .unwrap()
    });
    assert_eq!(log.len(), 3);
    let names = ["ann", "bo", "cy"].map(|n| Value::Text(n.into())).to_vec();
    assert_eq!(log.records()[1].params, backend.list_params(names));
    let uuid = match &log.records()[2].params[..] {
        [Value::List(keys), ..] => keys[0].clone(),
        keys => keys[0].clone(),
    };
    assert!(matches!(uuid, Value::Blob(_)), "UUIDs bind as blobs: {uuid:?}");
    let shape: Vec<(&str, Vec<usize>)> = users
        .iter()
        .map(|u| (u.name.as_str(), u.posts().iter().map(|p| p.comments().len()).collect()))
        .collect();
    assert_eq!(shape, [("ann", vec![2, 0]), ("bo", vec![1]), ("cy", vec![])]);

    let comments =
        Comment::query().prefetch(Comment::post).order_by(Comment::id.asc()).all(&mut *db).unwrap();
    let posts: Vec<Option<&str>> =
        comments.iter().map(|c| c.post().map(|p| p.user_name.as_str())).collect();
    assert_eq!(posts, [Some("ann"), Some("ann"), Some("bo"), None]);
}

fn a_hundred_thousand_parents_in_one_batched_statement<C: ?Sized + RawSql>(
    db: &mut C,
    backend: Backend,
) where
    for<'a> &'a mut C: Executor,
{
    db.raw(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
         INSERT INTO author (id, name) SELECT i, 'author ' || i FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
         INSERT INTO books (id, title, author_id) SELECT i, 'book ' || i, (i * 7) % 100000 + 1 FROM n;",
    );
    // A filter (even one that keeps every row) makes eagerly send the keys: on SQLite as
    // one JSON array, past its limit of 32,766 bound values; on PostgreSQL as one array,
    // as any batch.
    let (authors, log) = eagerly::capture(|| {
        Author::query().filter(Author::id.gt(0)).prefetch(Author::books).all(&mut *db).unwrap()
    });
    assert_eq!(authors.len(), 100_000);
    assert_eq!(log.len(), 2, "past the limit of bound values, still one statement");
    let keys = backend.pick("IN (SELECT value FROM json_each(?))", "= ANY($1)");
    let batch =
        format!(r#"{BOOKS} WHERE t0."author_id" {keys} ORDER BY t0."author_id" ASC, t0."id" ASC"#);
    assert_eq!(log.sql()[1], batch);
    assert_eq!(log.records()[1].params.len(), 1);
    assert!(authors.iter().all(|a| a.books().len() == 1));
    assert!(authors.iter().all(|a| a.books()[0].author_id == a.id));

    // Every author: on SQLite, the batch reads the keys from the author table itself; on
    // PostgreSQL, where the array is faster, it sends them still.
    let (every, log) =
        eagerly::capture(|| Author::query().prefetch(Author::books).all(&mut *db).unwrap());
    match backend {
        Backend::Sqlite => {
            assert_eq!(
                log.sql()[1],
                format!(
                    r#"{BOOKS} WHERE t0."author_id" IN (SELECT t0."id" FROM "author" t0) ORDER BY t0."author_id" ASC, t0."id" ASC"#
                )
            );
            assert!(log.records()[1].params.is_empty());
        }
        Backend::Postgres => assert_eq!(log.sql()[1], batch),
    }
    // Without an order, the rows come in any order on PostgreSQL.
    let mut every = every;
    every.sort_by_key(|a| a.id);
    assert_eq!(format!("{every:?}"), format!("{authors:?}"));
}

/// Publishers -> authors -> books -> (tags -> their books, and each book's author again),
/// over a thousand rows at every level, with dangling and NULL foreign keys; loaded once
/// from every row of the publisher table and once through a filter that keeps them all.
fn large_tree() -> eagerly::rusqlite::Connection {
    let conn = empty_db();
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200)
         INSERT INTO publisher (id, name) SELECT i, 'publisher ' || i FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
         INSERT INTO author (id, name, publisher_id)
             SELECT i, 'author ' || i, CASE WHEN i % 1300 = 0 THEN NULL ELSE i % 1300 END FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9000)
         INSERT INTO books (id, title, author_id) SELECT i, 'book ' || i, (i * 7) % 3100 + 1 FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1100)
         INSERT INTO tag (id, name) SELECT i, 'tag ' || i FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9000)
         INSERT INTO book_tag (book_id, tag_id)
             SELECT i, i % 1100 + 1 FROM n UNION SELECT i, (i * 13) % 1150 + 1 FROM n;",
    )
    .unwrap();
    conn
}

#[test]
fn large_batches_below_every_row_of_a_table_select_their_keys_from_it() {
    let conn = large_tree();
    let load = |publishers: eagerly::Query<Publisher>| {
        eagerly::capture(|| {
            publishers
                .prefetch_with(Publisher::authors, |authors| {
                    authors.prefetch_with(Author::books, |books| {
                        books
                            .prefetch_with(Book::tags, |tags| tags.prefetch(Tag::books))
                            .prefetch(Book::author)
                    })
                })
                .all(&conn)
                .unwrap()
        })
    };
    let (every, log) = load(Publisher::query());
    let (filtered, filtered_log) = load(Publisher::query().filter(Publisher::id.ge(0)));
    assert_eq!(format!("{every:?}"), format!("{filtered:?}"), "the same rows either way");

    let keys: Vec<String> = log.sql()[1..]
        .iter()
        .map(|sql| {
            let at = sql.find(" IN (").unwrap();
            sql[at..at + sql[at..].find(')').unwrap() + 1].to_string()
        })
        .collect();
    assert_eq!(
        keys,
        [
            r#" IN (SELECT t0."id" FROM "publisher" t0)"#,
            r#" IN (SELECT t0."id" FROM "author" t0)"#,
            r#" IN (SELECT t0."id" FROM "books" t0)"#,
            // The tags are only those some book links to: their keys are sent.
            r#" IN (SELECT value FROM json_each(?)"#,
            // A belongs-to reads the parents' foreign keys.
            r#" IN (SELECT t0."author_id" FROM "books" t0)"#,
        ]
    );
    let sent: Vec<usize> = log.records().iter().map(|r| r.params.len()).collect();
    assert_eq!(sent, [0, 0, 0, 0, 1, 0]);
    assert!(filtered_log.sql()[1..].iter().all(|sql| sql.contains("json_each(?)")));

    let books: usize = every.iter().flat_map(|p| p.authors().iter()).map(|a| a.books().len()).sum();
    assert!(books > 1000 && books < 9000, "books of dangling authors are not anyone's: {books}");
    for author in every.iter().flat_map(|p| p.authors().iter()) {
        for book in author.books() {
            assert_eq!(book.author().id, author.id);
            assert!(book.tags().iter().all(|t| t.books().iter().any(|b| b.id == book.id)));
        }
    }
}

#[test]
fn blob_keys_travel_as_hex_json_and_keys_json_cannot_carry_are_bound_in_chunks() {
    use keys::*;
    use uuid::Uuid;
    let conn = eagerly::rusqlite::Connection::open_in_memory().unwrap();
    eagerly::create_tables(&conn, &[User::TABLE, Post::TABLE, Comment::TABLE]).unwrap();
    // Names holding NUL, which JSON text cannot carry exactly.
    let users: Vec<User> = (0..40_000).map(|i| User { name: format!("user\0{i}") }).collect();
    User::insert_all(&conn, users).unwrap();
    let posts: Vec<Post> = (0..40_000u32)
        .map(|i| Post { id: Uuid::from_u128(u128::from(i) + 1), user_name: format!("user\0{i}") })
        .collect();
    Post::insert_all(&conn, posts).unwrap();
    let comment = |id, post: u128| Comment {
        id,
        post_id: Some(Uuid::from_u128(post)),
        text: format!("c{id}"),
    };
    Comment::insert_all(&conn, [comment(1, 7), comment(2, 7), comment(3, 39_999)]).unwrap();

    let (posts, log) = eagerly::capture(|| {
        Post::query()
            .filter(Post::user_name.ne("nobody"))
            .prefetch(Post::comments)
            .all(&conn)
            .unwrap()
    });
    assert_eq!(posts.len(), 40_000);
    // UUIDs are blobs: one JSON array of hex strings, read back with `unhex`.
    assert_eq!(log.len(), 2);
    assert!(
        log.sql()[1].contains("IN (SELECT unhex(value) FROM json_each(?))"),
        "{}",
        log.sql()[1]
    );
    let texts = |id: u128| -> Vec<String> {
        let post = posts.iter().find(|p| p.id == Uuid::from_u128(id)).unwrap();
        post.comments().iter().map(|c| c.text.clone()).collect()
    };
    assert_eq!(
        (texts(7), texts(39_999), texts(8)),
        (vec!["c1".into(), "c2".into()], vec!["c3".into()], vec![])
    );

    let (users, log) = eagerly::capture(|| {
        User::query().filter(User::name.ne("nobody")).prefetch(User::posts).all(&conn).unwrap()
    });
    assert_eq!(users.len(), 40_000);
    assert!(users.iter().all(|u| u.posts().len() == 1 && u.posts()[0].user_name == u.name));
    // Keys holding NUL: two statements of at most 32,766 keys, one after the other in one
    // read transaction.
    assert_eq!(log.len(), 3, "{:?}", log.sql().len());
    assert_eq!(log.records()[1].params.len(), 32_766);
    assert_eq!(log.records()[2].params.len(), 40_000 - 32_766);
    // Below every post, the keys need not travel at all.
    let (_, log) = eagerly::capture(|| Post::query().prefetch(Post::comments).all(&conn).unwrap());
    assert_eq!(log.len(), 2);
    assert!(log.records()[1].params.is_empty());
}

fn batches_of_a_hundred_keys_or_more_below_every_row<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let authors =
        |n: i64| (1..=n).map(|id| Author { id, name: format!("a{id}"), publisher_id: None });
    Author::insert_all(&mut *db, authors(99)).unwrap();
    let (_, log) =
        eagerly::capture(|| Author::query().prefetch(Author::books).all(&mut *db).unwrap());
    let keys = |params: &[Value]| match params {
        [Value::List(keys)] => keys.len(),
        keys => keys.len(),
    };
    assert_eq!(keys(&log.records()[1].params), 99, "{}", log.sql()[1]);
    Author::insert_all(&mut *db, [Author { id: 100, name: "a100".into(), publisher_id: None }])
        .unwrap();
    let (_, log) =
        eagerly::capture(|| Author::query().prefetch(Author::books).all(&mut *db).unwrap());
    match backend {
        // From 100 keys on, SQLite reads the author table itself as the key list.
        Backend::Sqlite => {
            assert!(log.records()[1].params.is_empty());
            let keys = r#"IN (SELECT t0."id" FROM "author" t0)"#;
            assert!(log.sql()[1].contains(keys), "{}", log.sql()[1]);
        }
        // PostgreSQL sends them as one array still, its faster way.
        Backend::Postgres => assert_eq!(keys(&log.records()[1].params), 100),
    }
}
