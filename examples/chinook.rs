//! A report on the real Chinook database (`data/chinook/`, opened read-only): artists
//! with their albums and tracks, top customers with their support rep and the rep's
//! manager, and playlists with their track counts. Each part runs a fixed number of
//! queries, printed after it, whatever the number of rows.
//!
//! Run with `cargo run --example chinook`.

#[path = "../tests/common/chinook.rs"]
mod chinook;

use chinook::*;
use eagerly::QueryLog;

fn main() -> eagerly::Result<()> {
    let conn = open();

    // Artists -> albums -> tracks (3 latest per album) with genre and media type.
    let (artists, log) = eagerly::capture(|| {
        Artist::query()
            .filter(Artist::name.is_in(["AC/DC", "Led Zeppelin", "Iron Maiden"]))
            .order_by(Artist::name.asc())
            .with_count(Artist::albums)
            .prefetch_with(Artist::albums, |albums| {
                albums.order_by(Album::title.asc()).with_count(Album::tracks).prefetch_with(
                    Album::tracks,
                    |tracks| {
                        tracks
                            .select_related(Track::genre)
                            .select_related(Track::media_type)
                            .order_by(Track::track_id.asc())
                            .limit(3)
                    },
                )
            })
            .all(&conn)
    });
    println!("== Artists, albums and their first tracks");
    for artist in artists? {
        println!("{} ({} albums)", artist.name.as_deref().unwrap_or("?"), artist.albums_count());
        for album in artist.albums().iter().take(3) {
            println!("  {} ({} tracks)", album.title, album.tracks_count());
            for track in album.tracks() {
                let genre = track.genre().and_then(|g| g.name.as_deref()).unwrap_or("-");
                let media = track.media_type().name.as_deref().unwrap_or("-");
                println!("    {:<45} {:>5.2}  {genre}, {media}", track.name, track.unit_price);
            }
        }
    }
    queries(&log);

    // Customers by total spent, with their support rep and the rep's manager (the
    // employee table refers to itself).
    let (customers, log) = eagerly::capture(|| {
        Customer::query()
            .select_related_with(Customer::support_rep, |rep| rep.select_related(Employee::manager))
            .prefetch(Customer::invoices)
            .all(&conn)
    });
    let mut customers = customers?;
    let spent = |c: &CustomerWithRep| -> f64 { c.invoices().iter().map(|i| i.total).sum() };
    customers.sort_by(|a, b| spent(b).total_cmp(&spent(a)));
    println!("\n== Top customers");
    for customer in customers.iter().take(5) {
        let rep = customer.support_rep();
        let rep_name = rep.map_or("-".to_string(), |r| format!("{} {}", r.first_name, r.last_name));
        let manager = rep.and_then(|r| r.manager()).map_or("-", |m| m.first_name.as_str());
        println!(
            "  {:<25} {:>7.2} over {:>2} invoices   rep: {rep_name} (reports to {manager})",
            format!("{} {}", customer.first_name, customer.last_name),
            spent(customer),
            customer.invoices().len()
        );
    }
    queries(&log);

    // Playlists with their track counts, computed by SQLite.
    let (playlists, log) = eagerly::capture(|| {
        Playlist::query()
            .with_count(Playlist::tracks)
            .order_by(Playlist::playlist_id.asc())
            .all(&conn)
    });
    println!("\n== Playlists");
    for playlist in playlists? {
        println!(
            "  {:<28} {:>5} tracks",
            playlist.name.as_deref().unwrap_or("?"),
            playlist.tracks_count()
        );
    }
    queries(&log);
    Ok(())
}

/// The row type of the customers query, named for the closure above.
type CustomerWithRep = eagerly::row!(Customer { support_rep { manager }, invoices });

fn queries(log: &QueryLog) {
    println!("-- {} queries, {:?}:", log.len(), log.duration());
    for (i, record) in log.records().iter().enumerate() {
        println!("   {}. [{} rows] {}", i + 1, record.rows, record.sql);
    }
}
