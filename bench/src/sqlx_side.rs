//! sqlx 0.9 on PostgreSQL, as its documentation writes a load: `sqlx::query(..)` with the
//! keys bound as one array, `fetch_all`, rows read with `Row::get` into the same structs and
//! grouped the same way as the hand-written `postgres` code (`hand_pg`). sqlx caches each
//! statement on its connection, so this is its best variant too.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::Workload;
use crate::hand_pg::{self, Author, Book, Publisher};

fn err(e: sqlx::Error) -> String {
    e.to_string()
}

fn author(r: &PgRow) -> Author {
    Author { id: r.get(0), name: r.get(1), publisher_id: r.get(2) }
}

pub async fn run(conn: &mut PgConnection, workload: Workload) -> Result<u64, String> {
    Ok(match workload {
        Workload::Prefetch => {
            let authors = sqlx::query(hand_pg::AUTHORS).fetch_all(&mut *conn).await.map_err(err)?;
            let authors: Vec<Author> = authors.iter().map(author).collect();
            let ids: Vec<i64> = authors.iter().map(|a| a.id).collect();
            let books = sqlx::query(hand_pg::BOOKS_OF)
                .bind(&ids)
                .fetch_all(&mut *conn)
                .await
                .map_err(err)?;
            let books =
                books.iter().map(|r| Book { id: r.get(0), title: r.get(1), author_id: r.get(2) });
            hand_pg::group_books(&authors, books)
        }
        Workload::Join => {
            let rows = sqlx::query(hand_pg::JOINED).fetch_all(&mut *conn).await.map_err(err)?;
            hand_pg::joined_hash(rows.iter().map(|r| {
                let book = Book { id: r.get(0), title: r.get(1), author_id: r.get(2) };
                let author = Author { id: book.author_id, name: r.get(3), publisher_id: r.get(4) };
                let publisher =
                    r.get::<Option<i64>, _>(5).map(|id| Publisher { id, name: r.get(6) });
                (book, author, publisher)
            }))
        }
        Workload::Count => {
            let rows =
                sqlx::query(hand_pg::COUNTED_GROUPED).fetch_all(&mut *conn).await.map_err(err)?;
            hand_pg::counted_hash(rows.iter().map(|r| (author(r), r.get(3))))
        }
        Workload::Chinook => {
            let artists = sqlx::query(hand_pg::ARTISTS).fetch_all(&mut *conn).await.map_err(err)?;
            let ids: Vec<i64> = artists.iter().map(|a| a.get(0)).collect();
            let albums = sqlx::query(hand_pg::ALBUMS_OF)
                .bind(&ids)
                .fetch_all(&mut *conn)
                .await
                .map_err(err)?;
            let ids: Vec<i64> = albums.iter().map(|a| a.get(0)).collect();
            let tracks = sqlx::query(hand_pg::TRACKS_OF)
                .bind(&ids)
                .fetch_all(&mut *conn)
                .await
                .map_err(err)?;
            hand_pg::chinook_rows!(artists, albums, tracks)
        }
    })
}
