//! The models map onto a real schema nobody here designed: every Chinook table reads
//! whole, and typed filters give the known answers.

#[path = "common/chinook.rs"]
mod chinook;

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
    let conn = open();
    let ((), log) = eagerly::capture(|| {
        // Tracks by AC/DC's "For Those About To Rock We Salute You" (album 1): 10 tracks.
        assert_eq!(Track::query().filter(Track::album_id.eq(1)).count(&conn).unwrap(), 10);
        // Tracks without an album or without a genre: none in this database.
        assert_eq!(Track::query().filter(Track::album_id.is_null()).count(&conn).unwrap(), 0);
        // Customers without a company: 49 of 59.
        assert_eq!(Customer::query().filter(Customer::company.is_null()).count(&conn).unwrap(), 49);
        // Employees reporting to Nancy Edwards (2): Jane, Margaret and Steve.
        let names: Vec<String> = Employee::query()
            .filter(Employee::reports_to.eq(2))
            .order_by(Employee::first_name.asc())
            .all(&conn)
            .unwrap()
            .iter()
            .map(|e| e.first_name.clone())
            .collect();
        assert_eq!(names, ["Jane", "Margaret", "Steve"]);
        // The priciest invoice, 25.86.
        let top = Invoice::query().order_by(Invoice::total.desc()).first(&conn).unwrap().unwrap();
        assert_eq!((top.invoice_id, top.total), (404, 25.86));
        // Artists whose name starts with "Iron": Iron Maiden.
        let iron = Artist::query().filter(Artist::name.starts_with("Iron")).all(&conn).unwrap();
        assert_eq!(iron.len(), 1);
        assert_eq!(iron[0].name.as_deref(), Some("Iron Maiden"));
        // Tracks over 20 minutes (212) are video content priced 1.99, all but one.
        let long_video = Track::query()
            .filter(Track::milliseconds.gt(20 * 60 * 1000) & Track::unit_price.eq(1.99))
            .count(&conn)
            .unwrap();
        assert_eq!(long_video, 211);
        // Case: 111 track names contain "Love", 3 contain "love", 114 either.
        assert_eq!(Track::query().filter(Track::name.contains("Love")).count(&conn).unwrap(), 111);
        assert_eq!(Track::query().filter(Track::name.contains("love")).count(&conn).unwrap(), 3);
        assert_eq!(Track::query().filter(Track::name.icontains("love")).count(&conn).unwrap(), 114);
    });
    assert_eq!(log.len(), 10, "{log}");
    assert_eq!(
        log.sql()[3],
        r#"SELECT t0."EmployeeId", t0."LastName", t0."FirstName", t0."Title", t0."ReportsTo", t0."BirthDate", t0."HireDate", t0."Address", t0."City", t0."State", t0."Country", t0."PostalCode", t0."Phone", t0."Fax", t0."Email" FROM "Employee" t0 WHERE t0."ReportsTo" = ? ORDER BY t0."FirstName" ASC"#
    );
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
