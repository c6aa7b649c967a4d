//! Eager loading against the naive way: random data (fixed seeds) loaded eagerly in every
//! combination of the loading methods, and again row by row with one query per relation
//! and row (the N+1 loops eager loading replaces). The results must be identical, and the
//! number of eager queries must not depend on the number of rows. The fixed-seed
//! comparison runs on SQLite and on PostgreSQL, through the blocking and the async driver;
//! the generated one (foreign keys turned off, NUL in text) on SQLite.

mod common;
#[path = "common/postgres.rs"]
mod postgres_server;

use common::*;
use eagerly::rusqlite::Connection;
use eagerly::{Executor, MaybeSend, Model, Query};

/// What the eager loads run on: a blocking connection, or the async driver, awaited.
trait Loader {
    fn all<M: Model, R: MaybeSend + 'static>(&mut self, query: &Query<M, R>) -> Vec<R>;
}

impl<C: ?Sized> Loader for C
where
    for<'a> &'a mut C: Executor,
{
    fn all<M: Model, R: MaybeSend + 'static>(&mut self, query: &Query<M, R>) -> Vec<R> {
        query.all(self).unwrap()
    }
}

/// The async driver, each load awaited on a runtime of its own.
struct Awaited {
    runtime: tokio::runtime::Runtime,
    client: tokio_postgres::Client,
}

impl Loader for Awaited {
    fn all<M: Model, R: MaybeSend + 'static>(&mut self, query: &Query<M, R>) -> Vec<R> {
        self.runtime.block_on(query.all_async(&mut self.client)).unwrap()
    }
}

/// SplitMix64: a small deterministic generator, so the data is the same on every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// A database with `authors` authors: some without a publisher (NULL foreign key), some
/// without books, books with duplicate titles, and tags shared across books.
fn random_db(seed: u64, authors: i64) -> Connection {
    let mut conn = empty_db();
    fill_random(&mut conn, seed, authors);
    conn
}

/// Fills the seed's tables of any backend as [`random_db`] does.
fn fill_random<C: ?Sized>(db: &mut C, seed: u64, authors: i64)
where
    for<'a> &'a mut C: Executor,
{
    let mut random = Random(seed);
    let publishers: Vec<Publisher> = (1..=4)
        .map(|id| Publisher { id, name: format!("Publisher {}", random.below(3)) })
        .collect();
    Publisher::insert_all(&mut *db, publishers).unwrap();
    let tags: Vec<Tag> = (1..=6).map(|id| Tag { id, name: format!("tag {id}") }).collect();
    Tag::insert_all(&mut *db, tags).unwrap();
    let titles = ["Rust", "rust in action", "Dune", "Dune", "The RUST Book", "Emma", "100% Rust"];
    let (mut books, mut links) = (Vec::new(), Vec::new());
    for id in 1..=authors {
        let publisher_id = (!random.chance(30)).then(|| 1 + random.below(4) as i64);
        Author { id, name: format!("Author {}", random.below(authors as u64)), publisher_id }
            .insert(&mut *db)
            .unwrap();
        let count = if random.chance(25) { 0 } else { random.below(6) };
        for _ in 0..count {
            let book_id = books.len() as i64 + 1;
            let title = titles[random.below(titles.len() as u64) as usize].to_string();
            books.push(Book { id: book_id, title, author_id: id });
            for tag_id in 1..=6 {
                if random.chance(30) {
                    links.push(BookTag { book_id, tag_id });
                }
            }
        }
    }
    Book::insert_all(&mut *db, books).unwrap();
    BookTag::insert_all(&mut *db, links).unwrap();
}

/// Plain values to compare: what a row holds, with what was loaded for it.
#[derive(Debug, PartialEq)]
struct AuthorView {
    author: Author,
    publisher: Option<Publisher>,
    books: Vec<(Book, Vec<Tag>)>,
    books_count: usize,
}

/// The [`AuthorView`] of an eagerly loaded author row (of any query that joined the
/// publisher, prefetched the books with their tags and counted the books).
macro_rules! author_view {
    ($row:expr) => {{
        let a = $row;
        AuthorView {
            author: (*a).clone(),
            publisher: a.publisher().map(|p| (**p).clone()),
            books: a
                .books()
                .iter()
                .map(|b| ((**b).clone(), b.tags().iter().map(|t| (**t).clone()).collect()))
                .collect(),
            books_count: a.books_count(),
        }
    }};
}

fn eager_authors(db: &mut (impl Loader + ?Sized)) -> Vec<AuthorView> {
    db.all(
        &Author::query()
            .select_related(Author::publisher)
            .prefetch_with(Author::books, |books| {
                books
                    .filter(Book::title.icontains("rust"))
                    .order_by(Book::title.asc())
                    .prefetch(Book::tags)
            })
            .with_count(Author::books)
            .order_by(Author::id.asc()),
    )
    .into_iter()
    .map(|a| author_view!(a))
    .collect()
}

fn naive_authors<C: ?Sized>(db: &mut C) -> Vec<AuthorView>
where
    for<'a> &'a mut C: Executor,
{
    fn tags_of<C: ?Sized>(db: &mut C, book: &Book) -> Vec<Tag>
    where
        for<'a> &'a mut C: Executor,
    {
        let mut links =
            BookTag::query().filter(BookTag::book_id.eq(book.id)).all(&mut *db).unwrap();
        links.sort_by_key(|l| l.tag_id);
        links.iter().map(|l| Tag::get(&mut *db, l.tag_id).unwrap().into_model()).collect()
    }
    Author::query()
        .order_by(Author::id.asc())
        .all(&mut *db)
        .unwrap()
        .into_iter()
        .map(|a| {
            let author = a.into_model();
            let publisher =
                author.publisher_id.map(|id| Publisher::get(&mut *db, id).unwrap().into_model());
            let books = Book::query()
                .filter(Book::author_id.eq(author.id) & Book::title.icontains("rust"))
                .order_by(Book::title.asc())
                .order_by(Book::id.asc())
                .all(&mut *db)
                .unwrap()
                .into_iter()
                .map(|b| {
                    let tags = tags_of(&mut *db, &b);
                    (b.into_model(), tags)
                })
                .collect();
            let books_count =
                Book::query().filter(Book::author_id.eq(author.id)).count(&mut *db).unwrap();
            AuthorView { author, publisher, books, books_count }
        })
        .collect()
}

#[derive(Debug, PartialEq)]
struct BookView {
    book: Book,
    author: Author,
    publisher: Option<Publisher>,
    /// The author's books, prefetched below a prefetch of the author.
    author_books: Vec<i64>,
    /// The same, prefetched below a JOIN of the author.
    joined_author_books: Vec<i64>,
    /// The authors of the author's publisher, prefetched below two JOINs.
    publisher_authors: Option<Vec<i64>>,
    tags: Vec<(Tag, Vec<i64>)>,
    tags_count: usize,
}

fn eager_books(db: &mut (impl Loader + ?Sized)) -> Vec<BookView> {
    // Joined author and publisher, the author again batched with their books, tags
    // (many-to-many) with their own books (many-to-many below many-to-many), and a count.
    let joined = db.all(
        &Book::query()
            .select_related_with(Book::author, |author| author.select_related(Author::publisher))
            .with_count(Book::tags)
            .prefetch_with(Book::tags, |tags| tags.prefetch(Tag::books))
            .order_by(Book::id.asc()),
    );
    let batched: Vec<_> = db.all(
        &Book::query()
            .prefetch_with(Book::author, |author| author.prefetch(Author::books))
            .order_by(Book::id.asc()),
    );
    // Prefetches below JOINs, at two depths: batched over joined rows whose keys repeat.
    let below_joins: Vec<_> = db.all(
        &Book::query()
            .select_related_with(Book::author, |author| {
                author
                    .prefetch(Author::books)
                    .select_related_with(Author::publisher, |p| p.prefetch(Publisher::authors))
            })
            .order_by(Book::id.asc()),
    );
    joined
        .iter()
        .zip(&batched)
        .zip(&below_joins)
        .map(|((b, with_books), below)| BookView {
            book: (**b).clone(),
            author: (**b.author()).clone(),
            publisher: b.author().publisher().map(|p| (**p).clone()),
            author_books: ids(with_books.author().books()),
            joined_author_books: ids(below.author().books()),
            publisher_authors: below.author().publisher().map(|p| ids(p.authors())),
            tags: b.tags().iter().map(|t| ((**t).clone(), ids(t.books()))).collect(),
            tags_count: b.tags_count(),
        })
        .collect()
}

fn naive_books<C: ?Sized>(db: &mut C) -> Vec<BookView>
where
    for<'a> &'a mut C: Executor,
{
    Book::query()
        .order_by(Book::id.asc())
        .all(&mut *db)
        .unwrap()
        .into_iter()
        .map(|b| {
            let book = b.into_model();
            let author = Author::get(&mut *db, book.author_id).unwrap().into_model();
            let publisher =
                author.publisher_id.map(|id| Publisher::get(&mut *db, id).unwrap().into_model());
            let author_books = ids(&Book::query()
                .filter(Book::author_id.eq(author.id))
                .order_by(Book::id.asc())
                .all(&mut *db)
                .unwrap());
            let publisher_authors = publisher.as_ref().map(|p| {
                ids(&Author::query()
                    .filter(Author::publisher_id.eq(p.id))
                    .order_by(Author::id.asc())
                    .all(&mut *db)
                    .unwrap())
            });
            let mut links =
                BookTag::query().filter(BookTag::book_id.eq(book.id)).all(&mut *db).unwrap();
            links.sort_by_key(|l| l.tag_id);
            let tags = links
                .iter()
                .map(|l| {
                    let tag = Tag::get(&mut *db, l.tag_id).unwrap().into_model();
                    let mut books: Vec<i64> = BookTag::query()
                        .filter(BookTag::tag_id.eq(tag.id))
                        .all(&mut *db)
                        .unwrap()
                        .iter()
                        .map(|l| l.book_id)
                        .collect();
                    books.sort();
                    (tag, books)
                })
                .collect::<Vec<_>>();
            let tags_count = tags.len();
            let joined_author_books = author_books.clone();
            BookView {
                book,
                author,
                publisher,
                author_books,
                joined_author_books,
                publisher_authors,
                tags,
                tags_count,
            }
        })
        .collect()
}

/// Each author's two latest books, by a per-parent limit.
fn eager_latest_books(db: &mut (impl Loader + ?Sized)) -> Vec<Vec<i64>> {
    db.all(
        &Author::query()
            .prefetch_with(Author::books, |books| books.order_by(Book::id.desc()).limit(2))
            .order_by(Author::id.asc()),
    )
    .iter()
    .map(|a| ids(a.books()))
    .collect()
}

/// Each author's two latest books, one query per author.
fn naive_latest_books<C: ?Sized>(db: &mut C) -> Vec<Vec<i64>>
where
    for<'a> &'a mut C: Executor,
{
    Author::query()
        .order_by(Author::id.asc())
        .all(&mut *db)
        .unwrap()
        .iter()
        .map(|a| {
            ids(&Book::query()
                .filter(Book::author_id.eq(a.id))
                .order_by(Book::id.desc())
                .limit(2)
                .all(&mut *db)
                .unwrap())
        })
        .collect()
}

/// Per publisher, its authors as (id, number of books, book ids).
type PublisherAuthors = Vec<Vec<(i64, usize, Vec<i64>)>>;

/// Publishers with their authors, each with a count and their books, loaded onto rows the
/// application already has, and by hand.
fn publishers<C: ?Sized>(db: &mut C) -> (PublisherAuthors, PublisherAuthors)
where
    for<'a> &'a mut C: Executor,
{
    let rows = Publisher::query().order_by(Publisher::id.asc()).all(&mut *db).unwrap();
    let eager = eagerly::prefetch_with(&mut *db, rows, Publisher::authors, |authors| {
        authors.with_count(Author::books).prefetch(Author::books)
    })
    .unwrap()
    .iter()
    .map(|p| p.authors().iter().map(|a| (a.id, a.books_count(), ids(a.books()))).collect())
    .collect();
    let naive = Publisher::query()
        .order_by(Publisher::id.asc())
        .all(&mut *db)
        .unwrap()
        .iter()
        .map(|p| {
            Author::query()
                .filter(Author::publisher_id.eq(p.id))
                .order_by(Author::id.asc())
                .all(&mut *db)
                .unwrap()
                .iter()
                .map(|a| {
                    let books = Book::query()
                        .filter(Book::author_id.eq(a.id))
                        .order_by(Book::id.asc())
                        .all(&mut *db)
                        .unwrap();
                    (a.id, books.len(), ids(&books))
                })
                .collect()
        })
        .collect();
    (eager, naive)
}

#[test]
fn eager_loading_matches_loading_row_by_row() {
    for seed in [1, 2, 3] {
        let mut conn = random_db(seed, 40);
        matches_row_by_row(&mut conn, seed);
    }
}

/// The same comparison on PostgreSQL, on the same data.
#[test]
fn eager_loading_matches_loading_row_by_row_on_postgresql() {
    for seed in [1, 2, 3] {
        let Some(mut client) = postgres_server::isolated() else { return };
        create_seed_tables(&mut client);
        fill_random(&mut client, seed, 40);
        matches_row_by_row(&mut client, seed);
    }
}

/// The same comparison through the async driver: its eager loads against the row-by-row
/// loads of a blocking connection to the same tables.
#[test]
fn eager_loading_on_the_async_driver_matches_loading_row_by_row() {
    for seed in [1, 2, 3] {
        let Some(mut blocking) = postgres_server::isolated() else { return };
        create_seed_tables(&mut blocking);
        fill_random(&mut blocking, seed, 40);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let schema = postgres_server::schema_of(&mut blocking);
        let client = runtime.block_on(postgres_server::connect_async(&schema));
        let mut awaited = Awaited { runtime, client };
        assert_eq!(eager_authors(&mut awaited), naive_authors(&mut blocking), "seed {seed}");
        assert_eq!(eager_books(&mut awaited), naive_books(&mut blocking), "seed {seed}");
        let latest = eager_latest_books(&mut awaited);
        assert_eq!(latest, naive_latest_books(&mut blocking), "seed {seed}");
    }
}

/// Every eager load of the random data of `seed` against the same load row by row.
fn matches_row_by_row<C: ?Sized>(db: &mut C, seed: u64)
where
    for<'a> &'a mut C: Executor,
{
    let eager = eager_authors(&mut *db);
    assert_eq!(eager, naive_authors(&mut *db), "authors, seed {seed}");
    assert!(eager.iter().any(|a| a.publisher.is_none()), "some NULL foreign keys");
    assert!(eager.iter().any(|a| a.books_count == 0), "some authors without books");
    let books = eager_books(&mut *db);
    assert_eq!(books, naive_books(&mut *db), "books, seed {seed}");
    assert!(
        books.iter().flat_map(|b| &b.tags).any(|(_, books)| books.len() > 1),
        "tags shared across books"
    );
    assert!(books.iter().filter(|b| b.book.title == "Dune").count() > 1, "duplicate titles");
    assert_eq!(
        eager_latest_books(&mut *db),
        naive_latest_books(&mut *db),
        "per-parent limit, seed {seed}"
    );
    let (eager, naive) = publishers(&mut *db);
    assert_eq!(eager, naive, "loading onto existing rows, seed {seed}");
}

#[test]
fn the_number_of_eager_queries_does_not_grow_with_the_rows() {
    let count = |authors: i64| {
        let mut conn = random_db(7, authors);
        let (_, authors_log) = eagerly::capture(|| eager_authors(&mut conn));
        let (_, latest_log) = eagerly::capture(|| eager_latest_books(&mut conn));
        let (_, naive_log) = eagerly::capture(|| naive_authors(&mut conn));
        (authors_log.len(), latest_log.len(), naive_log.len())
    };
    let (small, large) = (count(10), count(200));
    assert_eq!((small.0, small.1), (3, 2));
    assert_eq!((large.0, large.1), (3, 2), "eager: the same statements for 10 and 200 authors");
    assert!(
        large.2 > 20 * small.2 / 2,
        "the naive way grows with the rows: {} then {}",
        small.2,
        large.2
    );
}

/// Eager loading against the naive loop on generated data, with Rust as the oracle for
/// what the naive side does not ask of SQL (text matching, order, per-parent slices):
/// any number of rows of each table, NULL and dangling foreign keys (written with foreign
/// keys off), titles holding wildcards and NUL, and generated filters, orders, limits
/// and offsets. Short in CI; `PROPTEST_CASES=5000 cargo test --test differential` runs
/// it long.
mod generated {
    use eagerly::rusqlite::Connection;
    use eagerly::{Error, Model};
    use proptest::prelude::*;

    use super::AuthorView;
    use super::common::*;

    #[derive(Debug, Clone)]
    struct Data {
        publishers: usize,
        /// Publisher of each author: `None`, or an id that may be one past the last.
        authors: Vec<Option<i64>>,
        /// Title and author of each book (an author id that may be one past the last).
        books: Vec<(String, i64)>,
        tags: usize,
        /// Book and tag of each pair (a tag id that may be one past the last).
        links: Vec<(i64, i64)>,
    }

    /// What a query asks of each author's books.
    #[derive(Debug, Clone)]
    struct Ask {
        contains: String,
        descending: bool,
        offset: Option<usize>,
        limit: Option<usize>,
    }

    fn title() -> impl Strategy<Value = String> {
        let chars = prop::sample::select(vec!['a', 'B', 'b', '%', '_', '*', '\0', 'é', ' ']);
        prop::collection::vec(chars, 0..5).prop_map(|c| c.into_iter().collect())
    }

    fn data() -> impl Strategy<Value = Data> {
        (0..4usize, 0..8usize, 0..5usize).prop_flat_map(|(publishers, authors, tags)| {
            let publisher = prop::option::of(1..=publishers as i64 + 1);
            let author = 1..=authors as i64 + 1;
            let books = prop::collection::vec((title(), author), 0..20);
            (Just(publishers), prop::collection::vec(publisher, authors), books, Just(tags))
                .prop_flat_map(|(publishers, authors, books, tags)| {
                    let pair = (1..=books.len().max(1) as i64, 1..=tags as i64 + 1);
                    let links = prop::collection::btree_set(pair, 0..25)
                        .prop_map(|links| links.into_iter().collect::<Vec<_>>());
                    (Just(publishers), Just(authors), Just(books), Just(tags), links)
                })
                .prop_map(|(publishers, authors, books, tags, links)| Data {
                    publishers,
                    authors,
                    books,
                    tags,
                    links,
                })
        })
    }

    fn ask() -> impl Strategy<Value = Ask> {
        (title(), any::<bool>(), prop::option::of(0..3usize), prop::option::of(0..4usize)).prop_map(
            |(contains, descending, offset, limit)| Ask { contains, descending, offset, limit },
        )
    }

    /// The data, written as it is: foreign keys off, so some may dangle.
    fn db(data: &Data) -> Connection {
        let conn = empty_db();
        conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        Publisher::insert_all(
            &conn,
            (1..=data.publishers as i64).map(|id| Publisher { id, name: format!("p{id}") }),
        )
        .unwrap();
        Author::insert_all(
            &conn,
            data.authors.iter().enumerate().map(|(i, &publisher_id)| Author {
                id: i as i64 + 1,
                name: format!("a{i}"),
                publisher_id,
            }),
        )
        .unwrap();
        Book::insert_all(
            &conn,
            data.books.iter().enumerate().map(|(i, (title, author_id))| Book {
                id: i as i64 + 1,
                title: title.clone(),
                author_id: *author_id,
            }),
        )
        .unwrap();
        Tag::insert_all(&conn, (1..=data.tags as i64).map(|id| Tag { id, name: format!("t{id}") }))
            .unwrap();
        let links = data.links.iter().filter(|(book, _)| *book as usize <= data.books.len());
        BookTag::insert_all(&conn, links.map(|&(book_id, tag_id)| BookTag { book_id, tag_id }))
            .unwrap();
        conn
    }

    /// The model of a row `first` found.
    fn row_of<M: Model + Clone>(found: eagerly::Result<Option<M::Row>>) -> Option<M> {
        found.unwrap().map(|row| (*row).clone())
    }

    fn eager_authors(conn: &Connection, ask: &Ask) -> (Vec<AuthorView>, usize) {
        let (authors, log) = eagerly::capture(|| {
            Author::query()
                .select_related(Author::publisher)
                .prefetch_with(Author::books, |books| {
                    let order = if ask.descending { Book::title.desc() } else { Book::title.asc() };
                    let mut books =
                        books.filter(Book::title.contains(&ask.contains)).order_by(order);
                    if let Some(offset) = ask.offset {
                        books = books.offset(offset);
                    }
                    if let Some(limit) = ask.limit {
                        books = books.limit(limit);
                    }
                    books.prefetch(Book::tags)
                })
                .with_count(Author::books)
                .order_by(Author::id.asc())
                .all(conn)
                .unwrap()
        });
        let views = authors.into_iter().map(|a| author_view!(a)).collect();
        (views, log.len())
    }

    /// The tags of a book that are there, in key order: one query per pair.
    fn naive_tags(conn: &Connection, book: i64) -> Vec<Tag> {
        let mut links = BookTag::query().filter(BookTag::book_id.eq(book)).all(conn).unwrap();
        links.sort_by_key(|l| l.tag_id);
        links
            .iter()
            .filter_map(|l| row_of::<Tag>(Tag::query().filter(Tag::id.eq(l.tag_id)).first(conn)))
            .collect()
    }

    fn naive_authors(conn: &Connection, ask: &Ask) -> Vec<AuthorView> {
        let authors = Author::query().order_by(Author::id.asc()).all(conn).unwrap();
        authors
            .into_iter()
            .map(|a| {
                let author = a.into_model();
                let publisher = author.publisher_id.and_then(|id| {
                    row_of::<Publisher>(Publisher::query().filter(Publisher::id.eq(id)).first(conn))
                });
                let all = Book::query().filter(Book::author_id.eq(author.id)).all(conn).unwrap();
                let books_count = all.len();
                let mut books: Vec<Book> = all
                    .into_iter()
                    .map(|b| b.into_model())
                    .filter(|b| b.title.contains(ask.contains.as_str()))
                    .collect();
                books.sort_by(|x, y| {
                    let by_title =
                        if ask.descending { y.title.cmp(&x.title) } else { x.title.cmp(&y.title) };
                    by_title.then(x.id.cmp(&y.id))
                });
                let books = books
                    .into_iter()
                    .skip(ask.offset.unwrap_or(0))
                    .take(ask.limit.unwrap_or(usize::MAX))
                    .map(|b| {
                        let tags = naive_tags(conn, b.id);
                        (b, tags)
                    })
                    .collect();
                AuthorView { author, publisher, books, books_count }
            })
            .collect()
    }

    #[derive(Debug, Clone, PartialEq)]
    struct BookView {
        book: Book,
        author: Author,
        publisher: Option<Publisher>,
        /// The author's books, prefetched below the author.
        author_books: Vec<i64>,
        /// The authors of the author's publisher, prefetched below it.
        publisher_authors: Option<Vec<i64>>,
        tags_count: usize,
    }

    /// Books with their author (and below it the author's books, the publisher and its
    /// authors), joined or prefetched; `Err` where an author is missing.
    fn eager_books(conn: &Connection, joined: bool) -> Result<Vec<BookView>, &'static str> {
        // The two loads give different row types with the same accessors.
        macro_rules! views {
            ($books:expr) => {
                $books.map(|books| {
                    books
                        .iter()
                        .map(|b| BookView {
                            book: (**b).clone(),
                            author: (**b.author()).clone(),
                            publisher: b.author().publisher().map(|p| (**p).clone()),
                            author_books: super::ids(b.author().books()),
                            publisher_authors: b
                                .author()
                                .publisher()
                                .map(|p| super::ids(p.authors())),
                            tags_count: b.tags_count(),
                        })
                        .collect::<Vec<_>>()
                })
            };
        }
        let books = Book::query().with_count(Book::tags).order_by(Book::id.asc());
        let result = if joined {
            views!(
                books
                    .select_related_with(Book::author, |a| {
                        a.select_related_with(Author::publisher, |p| p.prefetch(Publisher::authors))
                            .prefetch(Author::books)
                    })
                    .all(conn)
            )
        } else {
            views!(
                books
                    .prefetch_with(Book::author, |a| {
                        a.select_related_with(Author::publisher, |p| p.prefetch(Publisher::authors))
                            .prefetch(Author::books)
                    })
                    .all(conn)
            )
        };
        match result {
            Ok(views) => Ok(views),
            Err(Error::MissingRelated {
                relation: "Book::author",
                table: "books",
                column: "author_id",
                target: "author",
            }) => Err("missing author"),
            Err(other) => panic!("{other:?}"),
        }
    }

    fn naive_books(conn: &Connection) -> Result<Vec<BookView>, &'static str> {
        let books = Book::query().order_by(Book::id.asc()).all(conn).unwrap();
        books
            .into_iter()
            .map(|b| {
                let book = b.into_model();
                let author = row_of::<Author>(
                    Author::query().filter(Author::id.eq(book.author_id)).first(conn),
                )
                .ok_or("missing author")?;
                let publisher = author.publisher_id.and_then(|id| {
                    row_of::<Publisher>(Publisher::query().filter(Publisher::id.eq(id)).first(conn))
                });
                let of = |books: Vec<BookRow>| books.iter().map(|b| b.id).collect();
                let author_books = of(Book::query()
                    .filter(Book::author_id.eq(author.id))
                    .order_by(Book::id.asc())
                    .all(conn)
                    .unwrap());
                let publisher_authors = publisher.as_ref().map(|p| {
                    let authors = Author::query()
                        .filter(Author::publisher_id.eq(p.id))
                        .order_by(Author::id.asc())
                        .all(conn)
                        .unwrap();
                    authors.iter().map(|a| a.id).collect()
                });
                let tags_count = naive_tags(conn, book.id).len();
                Ok(BookView {
                    book,
                    author,
                    publisher,
                    author_books,
                    publisher_authors,
                    tags_count,
                })
            })
            .collect()
    }

    /// Per tag: its id, its books' ids and their count.
    type TagBooks = Vec<(i64, Vec<i64>, usize)>;

    /// Each tag's books, by many-to-many, and their count: eager, then naive.
    fn tags_both_ways(conn: &Connection) -> (TagBooks, TagBooks) {
        let eager = Tag::query()
            .prefetch(Tag::books)
            .with_count(Tag::books)
            .order_by(Tag::id.asc())
            .all(conn)
            .unwrap()
            .iter()
            .map(|t| (t.id, ids(t.books()), t.books_count()))
            .collect();
        let naive = Tag::query()
            .order_by(Tag::id.asc())
            .all(conn)
            .unwrap()
            .iter()
            .map(|t| {
                let mut books: Vec<i64> = BookTag::query()
                    .filter(BookTag::tag_id.eq(t.id))
                    .all(conn)
                    .unwrap()
                    .iter()
                    .filter(|l| Book::query().filter(Book::id.eq(l.book_id)).exists(conn).unwrap())
                    .map(|l| l.book_id)
                    .collect();
                books.sort();
                let count = books.len();
                (t.id, books, count)
            })
            .collect();
        (eager, naive)
    }

    proptest! {
        #![proptest_config(property_config(64))]

        #[test]
        fn eager_loading_matches_the_naive_loop_on_generated_data(data in data(), ask in ask()) {
            let conn = db(&data);
            let (eager, statements) = eager_authors(&conn, &ask);
            // Authors with publishers and counts; their books, if there are authors; the
            // books' tags, if there are books: never more, whatever the rows.
            let levels = 1 + usize::from(!eager.is_empty()) + usize::from(eager.iter().any(|a| !a.books.is_empty()));
            prop_assert_eq!(statements, levels);
            prop_assert_eq!(eager, naive_authors(&conn, &ask), "authors, asked {:?}, data {:?}", ask, data);

            let naive = naive_books(&conn);
            prop_assert_eq!(eager_books(&conn, true), naive.clone(), "books joined, data {:?}", data);
            prop_assert_eq!(eager_books(&conn, false), naive, "books prefetched, data {:?}", data);

            let (eager, naive) = tags_both_ways(&conn);
            prop_assert_eq!(eager, naive, "tags, data {:?}", data);

            // A slice of the books: `all`, `first` and `get` agree with Rust's slice.
            let mut sorted: Vec<(String, i64)> = data.books.iter().enumerate().map(|(i, (t, _))| (t.clone(), i as i64 + 1)).collect();
            sorted.sort();
            let window: Vec<i64> = sorted.iter().map(|(_, id)| *id).skip(ask.offset.unwrap_or(0)).take(ask.limit.unwrap_or(usize::MAX)).collect();
            let mut slice = Book::query().order_by(Book::title.asc());
            if let Some(offset) = ask.offset {
                slice = slice.offset(offset);
            }
            if let Some(limit) = ask.limit {
                slice = slice.limit(limit);
            }
            prop_assert_eq!(ids(&slice.all(&conn).unwrap()), window.clone());
            prop_assert_eq!(slice.first(&conn).unwrap().map(|b| b.id), window.first().copied());
            prop_assert_eq!(slice.count(&conn).unwrap(), window.len());
            for id in 1..=data.books.len() as i64 + 1 {
                let got = slice.get(&conn, id);
                prop_assert_eq!(got.is_ok(), window.contains(&id), "get({}) of {:?}", id, window);
            }
        }
    }
}
