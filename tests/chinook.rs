//! The models map onto a real schema nobody here designed: every Chinook table reads
//! whole, and typed filters give the known answers.

#[path = "common/chinook.rs"]
mod chinook;
#[path = "common/postgres.rs"]
mod postgres_server;

use chinook::*;
use chrono::NaiveDate;
use eagerly::Model;

#[test]
fn every_table_reads_whole_with_the_documented_row_counts() {
    let conn = open();
    let (counts, log) = eagerly::capture(|| {
        [
            ("Artist", Artist::query().all(&conn).unwrap().len()),
            ("Album", Album::query().all(&conn).unwrap().len()),
            ("Track", Track::query().all(&conn).unwrap().len()),
            ("Genre", Genre::query().all(&conn).unwrap().len()),
            ("MediaType", MediaType::query().all(&conn).unwrap().len()),
            ("Playlist", Playlist::query().all(&conn).unwrap().len()),
            ("PlaylistTrack", PlaylistTrack::query().all(&conn).unwrap().len()),
            ("Customer", Customer::query().all(&conn).unwrap().len()),
            ("Employee", Employee::query().all(&conn).unwrap().len()),
            ("Invoice", Invoice::query().all(&conn).unwrap().len()),
            ("InvoiceLine", InvoiceLine::query().all(&conn).unwrap().len()),
        ]
    });
    assert_eq!(
        counts,
        [
            ("Artist", 275),
            ("Album", 347),
            ("Track", 3503),
            ("Genre", 25),
            ("MediaType", 5),
            ("Playlist", 18),
            ("PlaylistTrack", 8715),
            ("Customer", 59),
            ("Employee", 8),
            ("Invoice", 412),
            ("InvoiceLine", 2240),
        ]
    );
    assert_eq!(log.len(), 11, "one query per table:\n{log}");
    assert_eq!(log.sql()[0], r#"SELECT t0."ArtistId", t0."Name" FROM "Artist" t0"#);
    assert_eq!(log.records()[2].rows, 3503);
}

#[test]
fn renamed_columns_and_special_types_decode() {
    let conn = open();
    let andrew = Employee::get(&conn, 1).unwrap();
    assert_eq!((andrew.first_name.as_str(), andrew.last_name.as_str()), ("Andrew", "Adams"));
    assert_eq!(andrew.reports_to, None, "the general manager reports to nobody");
    assert_eq!(
        andrew.birth_date,
        Some(NaiveDate::from_ymd_opt(1962, 2, 18).unwrap().and_hms_opt(0, 0, 0).unwrap())
    );
    let nancy = Employee::get(&conn, 2).unwrap();
    assert_eq!(nancy.reports_to, Some(1));

    let first = Invoice::get(&conn, 1).unwrap();
    assert_eq!(first.total, 1.98);
    assert_eq!(first.invoice_date.to_string(), "2021-01-01 00:00:00");

    let link = PlaylistTrack::get(&conn, (1, 3402)).unwrap();
    assert_eq!(link.into_model(), PlaylistTrack { playlist_id: 1, track_id: 3402 });
    assert!(matches!(
        PlaylistTrack::get(&conn, (2, 1)),
        Err(eagerly::Error::NotFound { table: "PlaylistTrack" })
    ));
}

#[test]
fn typed_filters_give_the_known_answers() {
    let mut conn = open();
    known_answers(&mut conn, r#"WHERE t0."ReportsTo" = ? ORDER BY"#);
}

/// Chinook read from SQLite with the models, and written with the same models into a
/// PostgreSQL database they created: every row arrives as it was, and the known answers
/// are the same there.
#[test]
fn chinook_copies_into_postgresql_through_the_same_models() {
    let Some(mut client) = postgres_server::isolated() else { return };
    let copied = copy_into(&mut client);
    assert_eq!(copied, [275, 347, 25, 5, 3503, 18, 8715, 8, 59, 412, 2240]);
    // Compared as sets: without an ORDER BY, PostgreSQL returns rows in any order.
    fn same_rows<M: Model + Clone + std::fmt::Debug>(
        sqlite: &eagerly::rusqlite::Connection,
        client: &mut postgres::Client,
    ) {
        let sorted = |rows: Vec<M::Row>| {
            let mut texts: Vec<String> = rows.iter().map(|r| format!("{:?}", **r)).collect();
            texts.sort();
            texts
        };
        let read = sorted(eagerly::Query::<M>::new().all(&mut *client).unwrap());
        assert!(
            read == sorted(eagerly::Query::<M>::new().all(sqlite).unwrap()),
            "{}",
            M::TABLE.name
        );
    }
    let sqlite = open();
    same_rows::<Artist>(&sqlite, &mut client);
    same_rows::<Album>(&sqlite, &mut client);
    same_rows::<Genre>(&sqlite, &mut client);
    same_rows::<MediaType>(&sqlite, &mut client);
    same_rows::<Track>(&sqlite, &mut client);
    same_rows::<Playlist>(&sqlite, &mut client);
    same_rows::<PlaylistTrack>(&sqlite, &mut client);
    same_rows::<Employee>(&sqlite, &mut client);
    same_rows::<Customer>(&sqlite, &mut client);
    same_rows::<Invoice>(&sqlite, &mut client);
    same_rows::<InvoiceLine>(&sqlite, &mut client);
    known_answers(&mut client, r#"WHERE t0."ReportsTo" = $1 ORDER BY"#);
}

/// The answers Chinook is known to give, on any backend; `reports_to_sql` is the part of
/// the employees query that differs by backend.
fn known_answers<C: ?Sized>(db: &mut C, reports_to_sql: &str)
where
    for<'a> &'a mut C: eagerly::Executor,
{
    let ((), log) = eagerly::capture(|| {
        // Tracks by AC/DC's "For Those About To Rock We Salute You" (album 1): 10 tracks.
        assert_eq!(Track::query().filter(Track::album_id.eq(1)).count(&mut *db).unwrap(), 10);
        // Tracks without an album or without a genre: none in this database.
        assert_eq!(Track::query().filter(Track::album_id.is_null()).count(&mut *db).unwrap(), 0);
        // Customers without a company: 49 of 59.
        assert_eq!(
            Customer::query().filter(Customer::company.is_null()).count(&mut *db).unwrap(),
            49
        );
        // Employees reporting to Nancy Edwards (2): Jane, Margaret and Steve.
        let names: Vec<String> = Employee::query()
            .filter(Employee::reports_to.eq(2))
            .order_by(Employee::first_name.asc())
            .all(&mut *db)
            .unwrap()
            .iter()
            .map(|e| e.first_name.clone())
            .collect();
        assert_eq!(names, ["Jane", "Margaret", "Steve"]);
        // The priciest invoice, 25.86.
        let top =
            Invoice::query().order_by(Invoice::total.desc()).first(&mut *db).unwrap().unwrap();
        assert_eq!((top.invoice_id, top.total), (404, 25.86));
        // Artists whose name starts with "Iron": Iron Maiden.
        let iron = Artist::query().filter(Artist::name.starts_with("Iron")).all(&mut *db).unwrap();
        assert_eq!(iron.len(), 1);
        assert_eq!(iron[0].name.as_deref(), Some("Iron Maiden"));
        // Tracks over 20 minutes (212) are video content priced 1.99, all but one.
        let long_video = Track::query()
            .filter(Track::milliseconds.gt(20 * 60 * 1000) & Track::unit_price.eq(1.99))
            .count(&mut *db)
            .unwrap();
        assert_eq!(long_video, 211);
        // Case: 111 track names contain "Love", 3 contain "love", 114 either.
        let named = |text: &str, db: &mut C| {
            Track::query().filter(Track::name.contains(text)).count(db).unwrap()
        };
        assert_eq!(named("Love", db), 111);
        assert_eq!(named("love", db), 3);
        assert_eq!(
            Track::query().filter(Track::name.icontains("love")).count(&mut *db).unwrap(),
            114
        );
        // An invoice's lines, prefetched: invoice 1 has 2, for 1.98 in all.
        let first = Invoice::query().prefetch(Invoice::lines).get(&mut *db, 1).unwrap();
        let total: f64 = first.lines().iter().map(|l| l.unit_price * l.quantity as f64).sum();
        assert_eq!((first.lines().len(), total), (2, first.total));
    });
    assert_eq!(log.len(), 12, "{log}");
    assert!(log.sql()[3].contains(reports_to_sql), "{}", log.sql()[3]);
}

#[test]
fn relations_are_declared_with_their_sql_shape() {
    use eagerly::{Link, Relation};
    fn link<R: Relation>(_: R) -> Link {
        R::LINK
    }
    assert!(matches!(link(Employee::manager), Link::BelongsTo { fk: "ReportsTo" }));
    assert!(matches!(link(Employee::reports), Link::HasMany { fk: "ReportsTo" }));
    assert!(matches!(link(Customer::support_rep), Link::BelongsTo { fk: "SupportRepId" }));
    match link(Playlist::tracks) {
        Link::ManyToMany { through, from, to } => {
            assert_eq!((through.name, from, to), ("PlaylistTrack", "PlaylistId", "TrackId"));
        }
        other => panic!("expected many-to-many, got {other:?}"),
    }
    assert_eq!(PlaylistTrack::TABLE.primary_key, [0, 1]);
    assert!(!PlaylistTrack::TABLE.auto_key);
}
