//! Hand-written `postgres` code for the PostgreSQL workloads, as the peers of eagerly on
//! PostgreSQL: plain (each statement prepared where it runs, as `client.query(sql, ..)`
//! does: a round trip to prepare, one to run) and best (every statement prepared once,
//! before the timing, and reused; keys sent as one array, which PostgreSQL probes an index
//! with faster than it joins the parent table; counts aggregated once over the book
//! table, then joined). The same two on `tokio-postgres`, async: plain awaits
//! `client.query(sql, ..)`; best runs the prepared statements and reads each row as it
//! arrives (`query_raw`), while the server sends the next.

use std::collections::HashMap;

use futures_core::Stream;
use postgres::{Client, Statement};

use crate::Workload;
use crate::hand::{Album, Track};
use crate::measure::{author_count, book_author_publisher, keyed, total, with_children};

fn err(e: postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_owned(),
        None => e.to_string(),
    }
}

pub(crate) const AUTHORS: &str =
    r#"SELECT "id", "name", "publisher_id" FROM "author" ORDER BY "id""#;
pub(crate) const BOOKS_OF: &str = r#"SELECT "id", "title", "author_id" FROM "book" WHERE "author_id" = ANY($1) ORDER BY "author_id", "id""#;
pub(crate) const JOINED: &str = r#"SELECT b."id", b."title", b."author_id", a."name", a."publisher_id", p."id", p."name"
    FROM "book" b JOIN "author" a ON a."id" = b."author_id" LEFT JOIN "publisher" p ON p."id" = a."publisher_id""#;
const COUNTED_PREAGGREGATED: &str = r#"SELECT a."id", a."name", a."publisher_id", COALESCE(c."count", 0) FROM "author" a LEFT JOIN (SELECT "author_id", COUNT(*) AS "count" FROM "book" GROUP BY "author_id") c ON c."author_id" = a."id""#;
pub(crate) const COUNTED_GROUPED: &str = r#"SELECT a."id", a."name", a."publisher_id", COUNT(b."id") FROM "author" a LEFT JOIN "book" b ON b."author_id" = a."id" GROUP BY a."id""#;
const COUNTED_CORRELATED: &str = r#"SELECT a."id", a."name", a."publisher_id", (SELECT COUNT(*) FROM "book" b WHERE b."author_id" = a."id") FROM "author" a"#;
pub(crate) const ARTISTS: &str = r#"SELECT "ArtistId", "Name" FROM "Artist" ORDER BY "ArtistId""#;
pub(crate) const ALBUMS_OF: &str = r#"SELECT "AlbumId", "Title", "ArtistId" FROM "Album" WHERE "ArtistId" = ANY($1) ORDER BY "ArtistId", "AlbumId""#;
pub(crate) const TRACKS_OF: &str = r#"SELECT "TrackId", "Name", "AlbumId", "MediaTypeId", "GenreId", "Composer", "Milliseconds", "Bytes", "UnitPrice"::float8 FROM "Track" WHERE "AlbumId" = ANY($1) ORDER BY "AlbumId", "TrackId""#;

/// The statements of the best variant for one workload, prepared on its connection.
pub struct Prepared(Vec<Statement>);

impl Prepared {
    pub fn new(client: &mut Client, workload: Workload) -> Result<Prepared, String> {
        let prepared =
            statements_of_best(workload).iter().map(|sql| client.prepare(sql).map_err(err));
        Ok(Prepared(prepared.collect::<Result<_, _>>()?))
    }
}

/// The statements the best variant runs for `workload`, in order.
fn statements_of_best(workload: Workload) -> &'static [&'static str] {
    match workload {
        Workload::Prefetch => &[AUTHORS, BOOKS_OF],
        Workload::Join => &[JOINED],
        Workload::Count => &[COUNTED_PREAGGREGATED],
        Workload::Chinook => &[ARTISTS, ALBUMS_OF, TRACKS_OF],
    }
}

// Rows are read into owned structs, as a program that goes on to use them would (and as
// every other contender does), then hashed.

pub(crate) struct Author {
    pub(crate) id: i64,
    pub(crate) name: String,
    #[allow(dead_code)] // read, as every contender reads it
    pub(crate) publisher_id: Option<i64>,
}

pub(crate) struct Book {
    pub(crate) id: i64,
    pub(crate) title: String,
    pub(crate) author_id: i64,
}

pub(crate) struct Publisher {
    pub(crate) id: i64,
    pub(crate) name: String,
}

fn authors(rows: Vec<postgres::Row>) -> Vec<Author> {
    rows.iter().map(author).collect()
}

/// Authors and their books (in author order), grouped by merging, then hashed.
fn authors_with_books(authors: &[Author], rows: &[postgres::Row]) -> u64 {
    group_books(authors, rows.iter().map(book))
}

/// Authors and their books (in author order), grouped by merging, then hashed.
pub(crate) fn group_books(authors: &[Author], rows: impl IntoIterator<Item = Book>) -> u64 {
    let mut books: Vec<Vec<Book>> = authors.iter().map(|_| Vec::new()).collect();
    let mut at = 0;
    for book in rows {
        while authors[at].id != book.author_id {
            at += 1;
        }
        books[at].push(book);
    }
    total(authors.iter().zip(&books).map(|(a, books)| {
        with_children(keyed(a.id, &a.name), books.iter().map(|b| keyed(b.id, &b.title)))
    }))
}

fn joined(rows: &[postgres::Row]) -> u64 {
    joined_hash(rows.iter().map(joined_row))
}

/// Books with their authors and publishers, kept, then hashed.
pub(crate) fn joined_hash(rows: impl Iterator<Item = (Book, Author, Option<Publisher>)>) -> u64 {
    let rows: Vec<(Book, Author, Option<Publisher>)> = rows.collect();
    total(rows.iter().map(|(b, a, p)| {
        book_author_publisher(
            (b.id, &b.title),
            (a.id, &a.name),
            p.as_ref().map(|p| (p.id, p.name.as_str())),
        )
    }))
}

fn counted(rows: &[postgres::Row]) -> u64 {
    counted_hash(rows.iter().map(|r| (author(r), r.get(3))))
}

/// Authors with their counts, kept, then hashed.
pub(crate) fn counted_hash(rows: impl Iterator<Item = (Author, i64)>) -> u64 {
    let rows: Vec<(Author, i64)> = rows.collect();
    total(rows.iter().map(|(a, count)| author_count(a.id, &a.name, *count as u64)))
}

/// A `Track` of a row of `TRACKS_OF`, from any client library whose rows read a column
/// with `row.get(index)`.
macro_rules! track_row {
    ($t:expr) => {
        $crate::hand::Track {
            id: $t.get(0),
            name: $t.get(1),
            album_id: $t.get(2),
            media_type_id: $t.get(3),
            genre_id: $t.get(4),
            composer: $t.get(5),
            milliseconds: $t.get(6),
            bytes: $t.get(7),
            unit_price: $t.get(8),
        }
    };
}

/// An `Album` of a row of `ALBUMS_OF`, as [`track_row`] reads it.
macro_rules! album_row {
    ($r:expr) => {
        $crate::hand::Album { id: $r.get(0), title: $r.get(1), artist_id: $r.get(2) }
    };
}

/// [`chinook_hash`] of the rows of `ARTISTS`, `ALBUMS_OF` and `TRACKS_OF`, from any client
/// library whose rows read a column with `row.get(index)`.
macro_rules! chinook_rows {
    ($artists:expr, $albums:expr, $tracks:expr) => {
        $crate::hand_pg::chinook_hash(
            $artists.iter().map(|r| (r.get(0), r.get(1))).collect(),
            $albums.iter().map(|r| $crate::hand_pg::album_row!(r)).collect(),
            $tracks.iter().map(|t| $crate::hand_pg::track_row!(t)),
        )
    };
}
pub(crate) use {album_row, chinook_rows, track_row};

/// Artists, their albums, their tracks, grouped as a program keeps them, then hashed.
fn chinook(artists: &[postgres::Row], albums: &[postgres::Row], tracks: &[postgres::Row]) -> u64 {
    chinook_rows!(artists, albums, tracks)
}

/// Artists, their albums, their tracks, grouped as a program keeps them, then hashed.
pub(crate) fn chinook_hash(
    artists: Vec<(i64, Option<String>)>,
    albums: Vec<Album>,
    tracks: impl Iterator<Item = Track>,
) -> u64 {
    let album_position: HashMap<i64, usize> =
        albums.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
    let mut album_tracks: Vec<Vec<Track>> = albums.iter().map(|_| Vec::new()).collect();
    for track in tracks {
        album_tracks[album_position[&track.album_id]].push(track);
    }
    let artist_position: HashMap<i64, usize> =
        artists.iter().enumerate().map(|(i, a)| (a.0, i)).collect();
    let mut artist_albums: Vec<Vec<(Album, Vec<Track>)>> =
        artists.iter().map(|_| Vec::new()).collect();
    for (a, ts) in albums.into_iter().zip(album_tracks) {
        artist_albums[artist_position[&a.artist_id]].push((a, ts));
    }
    total(artists.iter().zip(&artist_albums).map(|((id, name), albums)| {
        with_children(
            keyed(*id, name.as_deref().unwrap_or_default()),
            albums.iter().map(|(al, ts)| {
                with_children(
                    keyed(al.id, &al.title),
                    ts.iter().map(|t| crate::measure::track_hash!(t, id)),
                )
            }),
        )
    }))
}

pub fn plain(client: &mut Client, workload: Workload) -> Result<u64, String> {
    Ok(match workload {
        Workload::Prefetch => {
            let authors = authors(client.query(AUTHORS, &[]).map_err(err)?);
            let ids: Vec<i64> = authors.iter().map(|a| a.id).collect();
            let books = client.query(BOOKS_OF, &[&ids]).map_err(err)?;
            authors_with_books(&authors, &books)
        }
        Workload::Join => joined(&client.query(JOINED, &[]).map_err(err)?),
        Workload::Count => counted(&client.query(COUNTED_CORRELATED, &[]).map_err(err)?),
        Workload::Chinook => {
            let artists = client.query(ARTISTS, &[]).map_err(err)?;
            let ids: Vec<i64> = artists.iter().map(|a| a.get(0)).collect();
            let albums = client.query(ALBUMS_OF, &[&ids]).map_err(err)?;
            let ids: Vec<i64> = albums.iter().map(|a| a.get(0)).collect();
            let tracks = client.query(TRACKS_OF, &[&ids]).map_err(err)?;
            chinook(&artists, &albums, &tracks)
        }
    })
}

pub fn best(client: &mut Client, prepared: &Prepared, workload: Workload) -> Result<u64, String> {
    Ok(match workload {
        Workload::Prefetch => {
            let authors = authors(client.query(&prepared.0[0], &[]).map_err(err)?);
            let ids: Vec<i64> = authors.iter().map(|a| a.id).collect();
            let books = client.query(&prepared.0[1], &[&ids]).map_err(err)?;
            authors_with_books(&authors, &books)
        }
        Workload::Join => joined(&client.query(&prepared.0[0], &[]).map_err(err)?),
        Workload::Count => counted(&client.query(&prepared.0[0], &[]).map_err(err)?),
        Workload::Chinook => {
            let artists = client.query(&prepared.0[0], &[]).map_err(err)?;
            let ids: Vec<i64> = artists.iter().map(|a| a.get(0)).collect();
            let albums = client.query(&prepared.0[1], &[&ids]).map_err(err)?;
            let ids: Vec<i64> = albums.iter().map(|a| a.get(0)).collect();
            let tracks = client.query(&prepared.0[2], &[&ids]).map_err(err)?;
            chinook(&artists, &albums, &tracks)
        }
    })
}

/// The statements of the async best variant for one workload, prepared on its connection.
pub struct AsyncPrepared(Vec<tokio_postgres::Statement>);

impl AsyncPrepared {
    pub async fn new(client: &tokio_postgres::Client, workload: Workload) -> Result<Self, String> {
        let mut prepared = Vec::new();
        for sql in statements_of_best(workload) {
            prepared.push(client.prepare(sql).await.map_err(err)?);
        }
        Ok(AsyncPrepared(prepared))
    }
}

/// [`plain`] on `tokio-postgres`.
pub async fn async_plain(
    client: &tokio_postgres::Client,
    workload: Workload,
) -> Result<u64, String> {
    Ok(match workload {
        Workload::Prefetch => {
            let authors = authors(client.query(AUTHORS, &[]).await.map_err(err)?);
            let ids: Vec<i64> = authors.iter().map(|a| a.id).collect();
            let books = client.query(BOOKS_OF, &[&ids]).await.map_err(err)?;
            authors_with_books(&authors, &books)
        }
        Workload::Join => joined(&client.query(JOINED, &[]).await.map_err(err)?),
        Workload::Count => counted(&client.query(COUNTED_CORRELATED, &[]).await.map_err(err)?),
        Workload::Chinook => {
            let artists = client.query(ARTISTS, &[]).await.map_err(err)?;
            let ids: Vec<i64> = artists.iter().map(|a| a.get(0)).collect();
            let albums = client.query(ALBUMS_OF, &[&ids]).await.map_err(err)?;
            let ids: Vec<i64> = albums.iter().map(|a| a.get(0)).collect();
            let tracks = client.query(TRACKS_OF, &[&ids]).await.map_err(err)?;
            chinook(&artists, &albums, &tracks)
        }
    })
}

/// [`best`] on `tokio-postgres`, each row read as it arrives.
pub async fn async_best(
    client: &tokio_postgres::Client,
    prepared: &AsyncPrepared,
    workload: Workload,
) -> Result<u64, String> {
    let run = |at: usize| &prepared.0[at];
    Ok(match workload {
        Workload::Prefetch => {
            let authors = streamed(client, run(0), &[], author).await?;
            let ids: Vec<i64> = authors.iter().map(|a| a.id).collect();
            group_books(&authors, streamed(client, run(1), &[&ids], book).await?)
        }
        Workload::Join => joined_hash(streamed(client, run(0), &[], joined_row).await?.into_iter()),
        Workload::Count => {
            let rows = streamed(client, run(0), &[], |r| (author(r), r.get(3))).await?;
            counted_hash(rows.into_iter())
        }
        Workload::Chinook => {
            let artists = streamed(client, run(0), &[], |r| (r.get(0), r.get(1))).await?;
            let ids: Vec<i64> = artists.iter().map(|a| a.0).collect();
            let albums = streamed(client, run(1), &[&ids], |r| album_row!(r)).await?;
            let ids: Vec<i64> = albums.iter().map(|a| a.id).collect();
            let tracks = streamed(client, run(2), &[&ids], track).await?;
            chinook_hash(artists, albums, tracks.into_iter())
        }
    })
}

/// Each row of `statement`, made by `make` as it arrives.
async fn streamed<T>(
    client: &tokio_postgres::Client,
    statement: &tokio_postgres::Statement,
    params: &[&(dyn postgres::types::ToSql + Sync)],
    mut make: impl FnMut(&postgres::Row) -> T,
) -> Result<Vec<T>, String> {
    let rows = client.query_raw(statement, params.iter().copied()).await.map_err(err)?;
    let mut rows = std::pin::pin!(rows);
    let mut made = Vec::new();
    while let Some(row) = std::future::poll_fn(|cx| rows.as_mut().poll_next(cx)).await {
        made.push(make(&row.map_err(err)?));
    }
    Ok(made)
}

fn author(r: &postgres::Row) -> Author {
    Author { id: r.get(0), name: r.get(1), publisher_id: r.get(2) }
}

fn book(r: &postgres::Row) -> Book {
    Book { id: r.get(0), title: r.get(1), author_id: r.get(2) }
}

fn joined_row(r: &postgres::Row) -> (Book, Author, Option<Publisher>) {
    let book = book(r);
    let author = Author { id: book.author_id, name: r.get(3), publisher_id: r.get(4) };
    let publisher = r.get::<_, Option<i64>>(5).map(|id| Publisher { id, name: r.get(6) });
    (book, author, publisher)
}

fn track(t: &postgres::Row) -> Track {
    track_row!(t)
}
