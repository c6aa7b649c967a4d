//! The same work written by hand with rusqlite: plain (what one writes first: bound `IN`
//! lists, `GROUP BY`, hash-map grouping) and best (the fastest forms found: the parent
//! query as a subquery, correlated `COUNT`, merging sorted rows without hashing, a joined
//! key taken from the foreign key that equals it).

use std::collections::HashMap;

use rusqlite::{Connection, ToSql};

use crate::Workload;
use crate::measure::{author_count, book_author_publisher, keyed, total, with_children};

struct Author {
    id: i64,
    name: String,
    // Loaded because every contender loads whole rows; no checksum needs it.
    #[allow(dead_code)]
    publisher_id: Option<i64>,
}

struct Book {
    id: i64,
    title: String,
    author_id: i64,
}

impl Author {
    /// The author whose columns start at `first`.
    fn read(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Author> {
        Ok(Author { id: r.get(first)?, name: r.get(first + 1)?, publisher_id: r.get(first + 2)? })
    }
}

impl Book {
    /// The book whose columns start at `first`.
    fn read(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Book> {
        Ok(Book { id: r.get(first)?, title: r.get(first + 1)?, author_id: r.get(first + 2)? })
    }
}

/// Authors with their books, hashed.
fn authors_with_books(authors: &[Author], books: &[Vec<Book>]) -> u64 {
    total(
        authors
            .iter()
            .zip(books)
            .map(|(a, bs)| with_children(author_hash(a), bs.iter().map(book_hash))),
    )
}

fn author_hash(a: &Author) -> u64 {
    keyed(a.id, &a.name)
}

fn book_hash(b: &Book) -> u64 {
    keyed(b.id, &b.title)
}

fn err(e: rusqlite::Error) -> String {
    e.to_string()
}

/// SQLite's limit on bound values in one statement.
const MAX_PARAMS: usize = 32_766;

fn authors(conn: &Connection) -> Result<Vec<Author>, String> {
    let mut statement = conn
        .prepare_cached(r#"SELECT "id", "name", "publisher_id" FROM "author" ORDER BY "id""#)
        .map_err(err)?;
    let rows = statement.query_map([], |r| Author::read(r, 0)).map_err(err)?;
    rows.collect::<Result<_, _>>().map_err(err)
}

/// Runs `sql` (with `{keys}` replaced by `?, ?, ..`) over `keys` in chunks SQLite accepts,
/// calling `each` with every row.
fn in_chunks(
    conn: &Connection,
    sql: &str,
    keys: &[i64],
    mut each: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<()>,
) -> Result<(), String> {
    for chunk in keys.chunks(MAX_PARAMS) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let mut statement = conn.prepare_cached(&sql.replace("{keys}", &marks)).map_err(err)?;
        let params: Vec<&dyn ToSql> = chunk.iter().map(|k| k as &dyn ToSql).collect();
        let mut rows = statement.query(params.as_slice()).map_err(err)?;
        while let Some(row) = rows.next().map_err(err)? {
            each(row).map_err(err)?;
        }
    }
    Ok(())
}

struct Publisher {
    id: i64,
    name: String,
}

/// Books with their author and the author's publisher, materialised as a program that
/// goes on to use them would (and as every other contender does), then hashed. The best
/// form does not select the author's key (the join makes it equal to the book's
/// `author_id`: a column fewer per row), and joins the author with a LEFT JOIN: SQLite
/// then reads the books in order and looks each author up by key, where for the INNER
/// JOIN it plans to scan the authors and find their books through the foreign key's
/// index, a fifth slower (eagerly's statement since the fifth session).
fn joined(conn: &Connection, best: bool) -> Result<u64, String> {
    let (author_key, join) = if best { ("", "LEFT") } else { (r#"a."id", "#, "INNER") };
    let mut statement = conn
        .prepare_cached(&format!(
            r#"SELECT b."id", b."title", b."author_id", {author_key}a."name", a."publisher_id", p."id", p."name"
               FROM "book" b {join} JOIN "author" a ON a."id" = b."author_id"
               LEFT JOIN "publisher" p ON p."id" = a."publisher_id""#
        ))
        .map_err(err)?;
    let rows: Vec<(Book, Author, Option<Publisher>)> = statement
        .query_map([], |r| {
            let book = Book::read(r, 0)?;
            let author = if best {
                Author { id: book.author_id, name: r.get(3)?, publisher_id: r.get(4)? }
            } else {
                Author::read(r, 3)?
            };
            let next = if best { 5 } else { 6 };
            let publisher = match r.get::<_, Option<i64>>(next)? {
                Some(id) => Some(Publisher { id, name: r.get(next + 1)? }),
                None => None,
            };
            Ok((book, author, publisher))
        })
        .map_err(err)?
        .collect::<Result<_, _>>()
        .map_err(err)?;
    Ok(total(rows.iter().map(|(b, a, p)| {
        book_author_publisher(
            (b.id, &b.title),
            (a.id, &a.name),
            p.as_ref().map(|p| (p.id, p.name.as_str())),
        )
    })))
}

/// Authors with their counts, materialised, then hashed.
fn counted(conn: &Connection, sql: &str) -> Result<u64, String> {
    let mut statement = conn.prepare_cached(sql).map_err(err)?;
    let rows: Vec<(Author, i64)> = statement
        .query_map([], |r| Ok((Author::read(r, 0)?, r.get(3)?)))
        .map_err(err)?
        .collect::<Result<_, _>>()
        .map_err(err)?;
    Ok(total(rows.iter().map(|(a, count)| author_count(a.id, &a.name, *count as u64))))
}

pub fn plain(conn: &Connection, workload: Workload) -> Result<u64, String> {
    match workload {
        Workload::Prefetch => {
            let authors = authors(conn)?;
            let position: HashMap<i64, usize> =
                authors.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
            let ids: Vec<i64> = authors.iter().map(|a| a.id).collect();
            let mut books: Vec<Vec<Book>> = authors.iter().map(|_| Vec::new()).collect();
            in_chunks(
                conn,
                r#"SELECT "id", "title", "author_id" FROM "book" WHERE "author_id" IN ({keys}) ORDER BY "author_id", "id""#,
                &ids,
                |r| {
                    let book = Book::read(r, 0)?;
                    books[position[&book.author_id]].push(book);
                    Ok(())
                },
            )?;
            Ok(authors_with_books(&authors, &books))
        }
        Workload::Join => joined(conn, false),
        Workload::Count => counted(
            conn,
            r#"SELECT a."id", a."name", a."publisher_id", COUNT(b."id") FROM "author" a LEFT JOIN "book" b ON b."author_id" = a."id" GROUP BY a."id""#,
        ),
        Workload::Chinook => chinook(conn, false),
    }
}

pub fn best(conn: &Connection, workload: Workload) -> Result<u64, String> {
    match workload {
        Workload::Prefetch => {
            // Authors and books both come ordered by author: merge them, no hashing, and
            // no keys to send (the authors' query is the subquery).
            let authors = authors(conn)?;
            let mut statement = conn
                .prepare_cached(
                    r#"SELECT "id", "title", "author_id" FROM "book"
                       WHERE "author_id" IN (SELECT "id" FROM "author") ORDER BY "author_id", "id""#,
                )
                .map_err(err)?;
            let mut rows = statement.query([]).map_err(err)?;
            let mut books: Vec<Vec<Book>> = authors.iter().map(|_| Vec::new()).collect();
            let mut at = 0;
            while let Some(r) = rows.next().map_err(err)? {
                let book = Book::read(r, 0).map_err(err)?;
                while authors[at].id != book.author_id {
                    at += 1;
                }
                books[at].push(book);
            }
            Ok(authors_with_books(&authors, &books))
        }
        Workload::Join => joined(conn, true),
        Workload::Count => counted(
            conn,
            r#"SELECT a."id", a."name", a."publisher_id", (SELECT COUNT(*) FROM "book" b WHERE b."author_id" = a."id") FROM "author" a"#,
        ),
        Workload::Chinook => chinook(conn, true),
    }
}

struct Artist {
    id: i64,
    name: Option<String>,
}

/// Chinook rows as both hand-written contenders (rusqlite, `postgres`) keep them.
pub(crate) struct Album {
    pub(crate) id: i64,
    pub(crate) title: String,
    pub(crate) artist_id: i64,
}

pub(crate) struct Track {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) album_id: i64,
    pub(crate) media_type_id: i64,
    pub(crate) genre_id: Option<i64>,
    pub(crate) composer: Option<String>,
    pub(crate) milliseconds: i64,
    pub(crate) bytes: Option<i64>,
    pub(crate) unit_price: f64,
}

/// Artists, their albums, their tracks: by key lists (plain) or subqueries (best).
fn chinook(conn: &Connection, subqueries: bool) -> Result<u64, String> {
    let mut statement = conn
        .prepare_cached(r#"SELECT "ArtistId", "Name" FROM "Artist" ORDER BY "ArtistId""#)
        .map_err(err)?;
    let artists: Vec<Artist> = statement
        .query_map([], |r| Ok(Artist { id: r.get(0)?, name: r.get(1)? }))
        .map_err(err)?
        .collect::<Result<_, _>>()
        .map_err(err)?;
    let album = |r: &rusqlite::Row<'_>| -> rusqlite::Result<Album> {
        Ok(Album { id: r.get(0)?, title: r.get(1)?, artist_id: r.get(2)? })
    };
    let track = |r: &rusqlite::Row<'_>| -> rusqlite::Result<Track> {
        Ok(Track {
            id: r.get(0)?,
            name: r.get(1)?,
            album_id: r.get(2)?,
            media_type_id: r.get(3)?,
            genre_id: r.get(4)?,
            composer: r.get(5)?,
            milliseconds: r.get(6)?,
            bytes: r.get(7)?,
            unit_price: r.get(8)?,
        })
    };
    let albums_sql = r#"SELECT "AlbumId", "Title", "ArtistId" FROM "Album" WHERE "ArtistId" IN ({keys}) ORDER BY "ArtistId", "AlbumId""#;
    let tracks_sql = r#"SELECT "TrackId", "Name", "AlbumId", "MediaTypeId", "GenreId", "Composer", "Milliseconds", "Bytes", "UnitPrice" FROM "Track" WHERE "AlbumId" IN ({keys}) ORDER BY "AlbumId", "TrackId""#;
    let mut albums = Vec::new();
    let mut tracks = Vec::new();
    if subqueries {
        let artists_keys = r#"SELECT "ArtistId" FROM "Artist""#;
        let albums_keys =
            format!(r#"SELECT "AlbumId" FROM "Album" WHERE "ArtistId" IN ({artists_keys})"#);
        for (sql, out) in [
            (albums_sql.replace("{keys}", artists_keys), 0),
            (tracks_sql.replace("{keys}", &albums_keys), 1),
        ] {
            let mut statement = conn.prepare_cached(&sql).map_err(err)?;
            let mut rows = statement.query([]).map_err(err)?;
            while let Some(r) = rows.next().map_err(err)? {
                if out == 0 {
                    albums.push(album(r).map_err(err)?);
                } else {
                    tracks.push(track(r).map_err(err)?);
                }
            }
        }
    } else {
        let ids: Vec<i64> = artists.iter().map(|a| a.id).collect();
        in_chunks(conn, albums_sql, &ids, |r| {
            albums.push(album(r)?);
            Ok(())
        })?;
        let ids: Vec<i64> = albums.iter().map(|a| a.id).collect();
        in_chunks(conn, tracks_sql, &ids, |r| {
            tracks.push(track(r)?);
            Ok(())
        })?;
    }
    // Grouped as a program keeps them: each album with its tracks, each artist with its
    // albums; then hashed like every contender's rows.
    let album_position: HashMap<i64, usize> =
        albums.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
    let mut album_tracks: Vec<Vec<Track>> = albums.iter().map(|_| Vec::new()).collect();
    for t in tracks {
        album_tracks[album_position[&t.album_id]].push(t);
    }
    let artist_position: HashMap<i64, usize> =
        artists.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
    let mut artist_albums: Vec<Vec<(Album, Vec<Track>)>> =
        artists.iter().map(|_| Vec::new()).collect();
    for (a, ts) in albums.into_iter().zip(album_tracks) {
        artist_albums[artist_position[&a.artist_id]].push((a, ts));
    }
    Ok(total(artists.iter().zip(&artist_albums).map(|(a, albums)| {
        with_children(
            keyed(a.id, a.name.as_deref().unwrap_or_default()),
            albums.iter().map(|(al, ts)| {
                with_children(
                    keyed(al.id, &al.title),
                    ts.iter().map(|t| crate::measure::track_hash!(t, id)),
                )
            }),
        )
    })))
}
