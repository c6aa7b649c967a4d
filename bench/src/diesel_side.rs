//! Diesel 2.3, as its guide writes each load: `belonging_to` + `grouped_by` for children,
//! joins for parents, `group_by` + `count` for counts. The same code on SQLite and on
//! PostgreSQL (`run_pg`).

use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use crate::Workload;
use crate::measure::{author_count, book_author_publisher, keyed, total, with_children};

mod schema {
    diesel::table! {
        publisher (id) {
            id -> BigInt,
            name -> Text,
        }
    }

    diesel::table! {
        author (id) {
            id -> BigInt,
            name -> Text,
            publisher_id -> Nullable<BigInt>,
        }
    }

    diesel::table! {
        book (id) {
            id -> BigInt,
            title -> Text,
            author_id -> BigInt,
        }
    }

    diesel::joinable!(author -> publisher (publisher_id));
    diesel::joinable!(book -> author (author_id));
    diesel::allow_tables_to_appear_in_same_query!(publisher, author, book);

    diesel::table! {
        #[sql_name = "Artist"]
        artist (artist_id) {
            #[sql_name = "ArtistId"]
            artist_id -> BigInt,
            #[sql_name = "Name"]
            name -> Nullable<Text>,
        }
    }

    diesel::table! {
        #[sql_name = "Album"]
        album (album_id) {
            #[sql_name = "AlbumId"]
            album_id -> BigInt,
            #[sql_name = "Title"]
            title -> Text,
            #[sql_name = "ArtistId"]
            artist_id -> BigInt,
        }
    }

    diesel::table! {
        #[sql_name = "Track"]
        track (track_id) {
            #[sql_name = "TrackId"]
            track_id -> BigInt,
            #[sql_name = "Name"]
            name -> Text,
            #[sql_name = "AlbumId"]
            album_id -> Nullable<BigInt>,
            #[sql_name = "MediaTypeId"]
            media_type_id -> BigInt,
            #[sql_name = "GenreId"]
            genre_id -> Nullable<BigInt>,
            #[sql_name = "Composer"]
            composer -> Nullable<Text>,
            #[sql_name = "Milliseconds"]
            milliseconds -> BigInt,
            #[sql_name = "Bytes"]
            bytes -> Nullable<BigInt>,
            #[sql_name = "UnitPrice"]
            unit_price -> Double,
        }
    }

    diesel::joinable!(album -> artist (artist_id));
    diesel::joinable!(track -> album (album_id));
    diesel::allow_tables_to_appear_in_same_query!(artist, album, track);
}

use schema::{album, artist, author, book, publisher, track};

#[derive(Queryable, Selectable, Identifiable, Debug)]
#[diesel(table_name = publisher)]
pub struct Publisher {
    pub id: i64,
    pub name: String,
}

#[derive(Queryable, Selectable, Identifiable, Associations, Debug)]
#[diesel(table_name = author, belongs_to(Publisher))]
pub struct Author {
    pub id: i64,
    pub name: String,
    pub publisher_id: Option<i64>,
}

#[derive(Queryable, Selectable, Identifiable, Associations, Debug)]
#[diesel(table_name = book, belongs_to(Author))]
pub struct Book {
    pub id: i64,
    pub title: String,
    pub author_id: i64,
}

#[derive(Queryable, Selectable, Identifiable, Debug)]
#[diesel(table_name = artist, primary_key(artist_id))]
pub struct Artist {
    pub artist_id: i64,
    pub name: Option<String>,
}

#[derive(Queryable, Selectable, Identifiable, Associations, Debug)]
#[diesel(table_name = album, primary_key(album_id), belongs_to(Artist))]
pub struct Album {
    pub album_id: i64,
    pub title: String,
    pub artist_id: i64,
}

#[derive(Queryable, Selectable, Identifiable, Associations, Debug)]
#[diesel(table_name = track, primary_key(track_id), belongs_to(Album))]
pub struct Track {
    pub track_id: i64,
    pub name: String,
    pub album_id: Option<i64>,
    pub media_type_id: i64,
    pub genre_id: Option<i64>,
    pub composer: Option<String>,
    pub milliseconds: i64,
    pub bytes: Option<i64>,
    pub unit_price: f64,
}

fn err(e: diesel::result::Error) -> String {
    e.to_string()
}

macro_rules! run_on {
    ($name:ident, $connection:ty) => {
        pub fn $name(conn: &mut $connection, workload: Workload) -> Result<u64, String> {
            Ok(match workload {
                Workload::Prefetch => {
                    let authors =
                        author::table.select(Author::as_select()).load(conn).map_err(err)?;
                    let books = Book::belonging_to(&authors)
                        .select(Book::as_select())
                        .order((book::author_id, book::id))
                        .load(conn)
                        .map_err(err)?;
                    let grouped = books.grouped_by(&authors);
                    total(authors.iter().zip(grouped).map(|(a, bs)| {
                        with_children(
                            keyed(a.id, &a.name),
                            bs.iter().map(|b| keyed(b.id, &b.title)),
                        )
                    }))
                }
                Workload::Join => {
                    let rows: Vec<(Book, Author, Option<Publisher>)> = book::table
                        .inner_join(author::table.left_join(publisher::table))
                        .select((
                            Book::as_select(),
                            Author::as_select(),
                            Option::<Publisher>::as_select(),
                        ))
                        .load(conn)
                        .map_err(err)?;
                    total(rows.iter().map(|(b, a, p)| {
                        book_author_publisher(
                            (b.id, &b.title),
                            (a.id, &a.name),
                            p.as_ref().map(|p| (p.id, p.name.as_str())),
                        )
                    }))
                }
                Workload::Count => {
                    let rows: Vec<(Author, i64)> = author::table
                        .left_join(book::table)
                        .group_by(author::id)
                        .select((Author::as_select(), diesel::dsl::count(book::id.nullable())))
                        .load(conn)
                        .map_err(err)?;
                    total(rows.iter().map(|(a, count)| author_count(a.id, &a.name, *count as u64)))
                }
                Workload::Chinook => {
                    let artists =
                        artist::table.select(Artist::as_select()).load(conn).map_err(err)?;
                    let albums = Album::belonging_to(&artists)
                        .select(Album::as_select())
                        .order((album::artist_id, album::album_id))
                        .load(conn)
                        .map_err(err)?;
                    let tracks = Track::belonging_to(&albums)
                        .select(Track::as_select())
                        .order((track::album_id, track::track_id))
                        .load(conn)
                        .map_err(err)?;
                    let tracks = tracks.grouped_by(&albums);
                    let albums: Vec<(Album, Vec<Track>)> = albums.into_iter().zip(tracks).collect();
                    let albums = albums.grouped_by(&artists);
                    total(artists.iter().zip(albums).map(|(ar, albums)| {
                        with_children(
                            keyed(ar.artist_id, ar.name.as_deref().unwrap_or_default()),
                            albums.iter().map(|(al, ts)| {
                                with_children(
                                    keyed(al.album_id, &al.title),
                                    ts.iter().map(|t| crate::measure::track_hash!(t, track_id)),
                                )
                            }),
                        )
                    }))
                }
            })
        }
    };
}

run_on!(run, SqliteConnection);
run_on!(run_pg, PgConnection);
