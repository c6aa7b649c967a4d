//! eagerly, and the naive N+1 loop written with eagerly's queries.

use eagerly::Model;
use eagerly::rusqlite::Connection;

use crate::Workload;
use crate::measure::{keyed, total, with_children};

#[path = "../../tests/common/chinook.rs"]
pub mod chinook;

use chinook::{Album, Artist, Track};

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Publisher {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(has_many(books = Book))]
pub struct Author {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
    #[model(belongs_to(publisher = Publisher))]
    pub publisher_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Book {
    #[model(primary_key)]
    pub id: i64,
    pub title: String,
    #[model(belongs_to(author = Author))]
    pub author_id: i64,
}

fn err(e: eagerly::Error) -> String {
    e.to_string()
}

pub fn book(b: &Book) -> u64 {
    keyed(b.id, &b.title)
}

pub fn author(a: &Author) -> u64 {
    keyed(a.id, &a.name)
}

/// A book with its author and the author's publisher.
pub fn book_author_publisher(b: &Book, a: &Author, p: Option<&Publisher>) -> u64 {
    crate::measure::book_author_publisher(
        (b.id, &b.title),
        (a.id, &a.name),
        p.map(|p| (p.id, p.name.as_str())),
    )
}

pub fn author_count(a: &Author, count: u64) -> u64 {
    crate::measure::author_count(a.id, &a.name, count)
}

pub fn artist(a: &Artist) -> u64 {
    keyed(a.artist_id, a.name.as_deref().unwrap_or_default())
}

pub fn album(a: &Album) -> u64 {
    keyed(a.album_id, &a.title)
}

pub fn track(t: &Track) -> u64 {
    crate::measure::track_hash!(t, track_id)
}

/// The workload's query, run by `$run` (with the query as `$query`), and the checksum of
/// its rows: written once for the blocking and the async driver.
macro_rules! workload {
    ($workload:expr, |$query:ident| $run:expr) => {
        Ok(match $workload {
            Workload::Prefetch => {
                let $query = Author::query().prefetch(Author::books);
                let authors = $run.map_err(err)?;
                total(
                    authors
                        .iter()
                        .map(|a| with_children(author(a), a.books().iter().map(|b| book(b)))),
                )
            }
            Workload::Join => {
                let $query = Book::query()
                    .select_related_with(Book::author, |a| a.select_related(Author::publisher));
                let books = $run.map_err(err)?;
                total(books.iter().map(|b| {
                    let a = b.author();
                    book_author_publisher(b, a, a.publisher().map(|p| &**p))
                }))
            }
            Workload::Count => {
                let $query = Author::query().with_count(Author::books);
                let authors = $run.map_err(err)?;
                total(authors.iter().map(|a| author_count(a, a.books_count() as u64)))
            }
            Workload::Chinook => {
                let $query = Artist::query()
                    .prefetch_with(Artist::albums, |albums| albums.prefetch(Album::tracks));
                let artists = $run.map_err(err)?;
                total(artists.iter().map(|ar| {
                    with_children(
                        artist(ar),
                        ar.albums().iter().map(|al| {
                            with_children(album(al), al.tracks().iter().map(|t| track(t)))
                        }),
                    )
                }))
            }
        })
    };
}

pub fn eagerly<E: eagerly::Executor>(conn: E, workload: Workload) -> Result<u64, String> {
    workload!(workload, |query| query.all(conn))
}

/// [`eagerly`] on the async driver (`tokio-postgres`).
pub async fn eagerly_async<E>(client: &mut E, workload: Workload) -> Result<u64, String>
where
    for<'e> &'e mut E: eagerly::AsyncExecutor,
{
    workload!(workload, |query| query.all_async(&mut *client).await)
}

/// One query per parent (and per parent's parent): what an ORM with lazy relations runs.
pub fn naive(conn: &Connection, workload: Workload) -> Result<u64, String> {
    Ok(match workload {
        Workload::Prefetch => {
            let mut sum = Vec::new();
            for a in Author::query().all(conn).map_err(err)? {
                let books =
                    Book::query().filter(Book::author_id.eq(a.id)).all(conn).map_err(err)?;
                sum.push(with_children(author(&a), books.iter().map(|b| book(b))));
            }
            total(sum)
        }
        Workload::Join => {
            let mut sum = Vec::new();
            for b in Book::query().all(conn).map_err(err)? {
                let a = Author::get(conn, b.author_id).map_err(err)?;
                let p = match a.publisher_id {
                    Some(id) => Some(Publisher::get(conn, id).map_err(err)?.into_model()),
                    None => None,
                };
                sum.push(book_author_publisher(&b, &a, p.as_ref()));
            }
            total(sum)
        }
        Workload::Count => {
            let mut sum = Vec::new();
            for a in Author::query().all(conn).map_err(err)? {
                let count =
                    Book::query().filter(Book::author_id.eq(a.id)).count(conn).map_err(err)?;
                sum.push(author_count(&a, count as u64));
            }
            total(sum)
        }
        Workload::Chinook => {
            let mut sum = Vec::new();
            for ar in Artist::query().all(conn).map_err(err)? {
                let mut albums = Vec::new();
                for al in Album::query()
                    .filter(Album::artist_id.eq(ar.artist_id))
                    .all(conn)
                    .map_err(err)?
                {
                    let tracks = Track::query()
                        .filter(Track::album_id.eq(al.album_id))
                        .all(conn)
                        .map_err(err)?;
                    albums.push(with_children(album(&al), tracks.iter().map(|t| track(t))));
                }
                sum.push(with_children(artist(&ar), albums));
            }
            total(sum)
        }
    })
}
