//! Models for all 11 tables of the Chinook sample database (`data/chinook/`), mapped onto
//! its existing schema: PascalCase names, nullable foreign keys, a self-referencing
//! employee hierarchy, a composite-key link table, NUMERIC money and DATETIME text.
#![allow(dead_code)]

use chrono::NaiveDateTime;
use eagerly::Model;
use eagerly::rusqlite::{Connection, OpenFlags};

/// Opens the copy of Chinook in `data/chinook/`, read-only.
pub fn open() -> Connection {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/chinook/Chinook_Sqlite.sqlite");
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("data/chinook/Chinook_Sqlite.sqlite opens")
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "Artist", rename_all = "PascalCase", has_many(albums = Album))]
pub struct Artist {
    #[model(primary_key)]
    pub artist_id: i64,
    pub name: Option<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "Album", rename_all = "PascalCase", has_many(tracks = Track))]
pub struct Album {
    #[model(primary_key)]
    pub album_id: i64,
    pub title: String,
    #[model(belongs_to(artist = Artist))]
    pub artist_id: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(
    table = "Track",
    rename_all = "PascalCase",
    many_to_many(playlists = Playlist, through = PlaylistTrack),
    has_many(invoice_lines = InvoiceLine)
)]
pub struct Track {
    #[model(primary_key)]
    pub track_id: i64,
    pub name: String,
    #[model(belongs_to(album = Album))]
    pub album_id: Option<i64>,
    #[model(belongs_to(media_type = MediaType))]
    pub media_type_id: i64,
    #[model(belongs_to(genre = Genre))]
    pub genre_id: Option<i64>,
    pub composer: Option<String>,
    pub milliseconds: i64,
    pub bytes: Option<i64>,
    #[model(sql_type = "NUMERIC(10,2)")]
    pub unit_price: f64,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "Genre", rename_all = "PascalCase", has_many(tracks = Track))]
pub struct Genre {
    #[model(primary_key)]
    pub genre_id: i64,
    pub name: Option<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "MediaType", rename_all = "PascalCase", has_many(tracks = Track))]
pub struct MediaType {
    #[model(primary_key)]
    pub media_type_id: i64,
    pub name: Option<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "Playlist", rename_all = "PascalCase", many_to_many(tracks = Track, through = PlaylistTrack))]
pub struct Playlist {
    #[model(primary_key)]
    pub playlist_id: i64,
    pub name: Option<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "PlaylistTrack", rename_all = "PascalCase")]
pub struct PlaylistTrack {
    #[model(primary_key, belongs_to(playlist = Playlist))]
    pub playlist_id: i64,
    #[model(primary_key, belongs_to(track = Track))]
    pub track_id: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(
    table = "Employee",
    rename_all = "PascalCase",
    has_many(reports = Employee, fk = reports_to),
    has_many(customers = Customer, fk = support_rep_id)
)]
pub struct Employee {
    #[model(primary_key)]
    pub employee_id: i64,
    pub last_name: String,
    pub first_name: String,
    pub title: Option<String>,
    #[model(belongs_to(manager = Employee))]
    pub reports_to: Option<i64>,
    pub birth_date: Option<NaiveDateTime>,
    pub hire_date: Option<NaiveDateTime>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    pub postal_code: Option<String>,
    pub phone: Option<String>,
    pub fax: Option<String>,
    pub email: Option<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "Customer", rename_all = "PascalCase", has_many(invoices = Invoice))]
pub struct Customer {
    #[model(primary_key)]
    pub customer_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub company: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    pub postal_code: Option<String>,
    pub phone: Option<String>,
    pub fax: Option<String>,
    pub email: String,
    #[model(belongs_to(support_rep = Employee))]
    pub support_rep_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "Invoice", rename_all = "PascalCase", has_many(lines = InvoiceLine))]
pub struct Invoice {
    #[model(primary_key)]
    pub invoice_id: i64,
    #[model(belongs_to(customer = Customer))]
    pub customer_id: i64,
    pub invoice_date: NaiveDateTime,
    pub billing_address: Option<String>,
    pub billing_city: Option<String>,
    pub billing_state: Option<String>,
    pub billing_country: Option<String>,
    pub billing_postal_code: Option<String>,
    #[model(sql_type = "NUMERIC(10,2)")]
    pub total: f64,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "InvoiceLine", rename_all = "PascalCase")]
pub struct InvoiceLine {
    #[model(primary_key)]
    pub invoice_line_id: i64,
    #[model(belongs_to(invoice = Invoice))]
    pub invoice_id: i64,
    #[model(belongs_to(track = Track))]
    pub track_id: i64,
    #[model(sql_type = "NUMERIC(10,2)")]
    pub unit_price: f64,
    pub quantity: i64,
}

/// Every Chinook table, in an order its foreign keys allow.
pub const TABLES: [&eagerly::Table; 11] = [
    Artist::TABLE,
    Album::TABLE,
    Genre::TABLE,
    MediaType::TABLE,
    Track::TABLE,
    Playlist::TABLE,
    PlaylistTrack::TABLE,
    Employee::TABLE,
    Customer::TABLE,
    Invoice::TABLE,
    InvoiceLine::TABLE,
];

/// Chinook read from `data/chinook/` with the models and written with the same models into
/// `db`, whose tables they create; returns how many rows each table of [`TABLES`] got.
/// Every row is stored as it was read.
pub fn copy_into<C: ?Sized>(db: &mut C) -> [usize; 11]
where
    for<'a> &'a mut C: eagerly::Executor,
{
    /// Copies every row of `M`'s table, in SQLite's order (its key's: an employee's
    /// manager comes before them).
    fn copy<M, C: ?Sized>(sqlite: &Connection, db: &mut C) -> usize
    where
        M: Model + eagerly::Insertable<Model = M> + Clone + PartialEq + std::fmt::Debug,
        for<'a> &'a mut C: eagerly::Executor,
    {
        let rows: Vec<M> = eagerly::Query::<M>::new()
            .all(sqlite)
            .unwrap()
            .into_iter()
            .map(|r| (*r).clone())
            .collect();
        let stored = M::insert_all(db, rows.clone()).unwrap();
        assert_eq!(stored, rows, "{} as stored", M::TABLE.name);
        rows.len()
    }
    let sqlite = open();
    eagerly::create_tables(&mut *db, &TABLES).unwrap();
    [
        copy::<Artist, C>(&sqlite, db),
        copy::<Album, C>(&sqlite, db),
        copy::<Genre, C>(&sqlite, db),
        copy::<MediaType, C>(&sqlite, db),
        copy::<Track, C>(&sqlite, db),
        copy::<Playlist, C>(&sqlite, db),
        copy::<PlaylistTrack, C>(&sqlite, db),
        copy::<Employee, C>(&sqlite, db),
        copy::<Customer, C>(&sqlite, db),
        copy::<Invoice, C>(&sqlite, db),
        copy::<InvoiceLine, C>(&sqlite, db),
    ]
}

/// A setup for `on_every_backend!`: Chinook copied into the scenario's database.
pub fn copied<C: ?Sized>(db: &mut C)
where
    for<'a> &'a mut C: eagerly::Executor,
{
    copy_into(db);
}
