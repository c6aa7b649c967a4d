//! The inspector's corpus: realistic programs on the Chinook database (correct pages,
//! legitimate repeated reads, real N+1s of each kind, scans, sorts, unused loads), each
//! with the exact findings it must produce. Every N+1 case also carries the program with
//! the suggested fix applied: it must load the same data and inspect clean.
//!
//! The test prints the corpus's precision (findings reported that were expected) and
//! recall (expected findings reported); the README's "Seeing every query" quotes them.
//! A finding the inspector is known to miss is listed as `missed`: it counts against
//! recall, and the test fails when it starts being found, so the numbers stay true.

#[path = "common/chinook.rs"]
mod chinook;

use chinook::*;
use eagerly::Model;
use eagerly::rusqlite::Connection;

type Program = fn(&Connection) -> eagerly::Result<Vec<String>>;

struct Case {
    name: &'static str,
    program: Program,
    /// The findings, as [`findings`] writes them.
    expected: &'static [&'static str],
    /// Expected findings the inspector does not report yet.
    missed: &'static [&'static str],
    /// The program with the suggested fix applied.
    fixed: Option<Program>,
    /// The database: Chinook read-only, unless the program writes.
    db: fn() -> Connection,
}

const CASE: Case = Case {
    name: "",
    program: |_| Ok(Vec::new()),
    expected: &[],
    missed: &[],
    fixed: None,
    db: open,
};

/// The report's findings, one line each.
fn findings(report: &eagerly::Report) -> Vec<String> {
    let mut out = Vec::new();
    for n in report.n_plus_one() {
        let mut fix = n.fix.clone().unwrap_or_else(|| "(no fix)".into());
        // The line of the query named in a fix, which moves as the corpus is edited.
        let query_at = format!("the query at {}", n.fed_by);
        fix = fix.replace(&query_at, "the query at <line>");
        out.push(format!("N+1 over `{}` rows: {fix}", n.rows_of));
    }
    for d in report.duplicates() {
        out.push(format!("duplicate, {} times: {}", d.count, d.sql));
    }
    for s in report.scans() {
        out.push(format!("{:?} of `{}`: {}", s.kind, s.table, s.advice));
    }
    for u in report.unused() {
        out.push(format!("unused: {}", u.relation));
    }
    out
}

fn shown<T: std::fmt::Debug>(items: impl IntoIterator<Item = T>) -> Vec<String> {
    items.into_iter().map(|item| format!("{item:?}")).collect()
}

/// Five artists, writable: for the programs that write.
fn writable() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    eagerly::create_tables(&conn, &[Artist::TABLE]).unwrap();
    let artists = Artist::query().filter(Artist::artist_id.le(5)).all(&open()).unwrap();
    Artist::insert_all(&conn, artists.into_iter().map(|a| a.into_model())).unwrap();
    conn
}

/// Track names, as one line.
fn names<'a, T: std::ops::Deref<Target = Track> + 'a>(
    tracks: impl IntoIterator<Item = &'a T>,
) -> String {
    shown(tracks.into_iter().map(|t| &t.name)).join(", ")
}

fn artist(conn: &Connection, id: i64) -> eagerly::Result<String> {
    Ok(Artist::get(conn, id)?.name.clone().unwrap_or_default())
}

const CORPUS: &[Case] = &[
    // Correct pages: nothing to report.
    Case {
        name: "album page: artist joined, tracks prefetched",
        program: |conn| {
            let albums = Album::query()
                .filter(Album::artist_id.eq(90))
                .select_related(Album::artist)
                .prefetch(Album::tracks)
                .all(conn)?;
            Ok(shown(albums.iter().map(|a| (&a.title, &a.artist().name, a.tracks().len()))))
        },
        ..CASE
    },
    Case {
        name: "playlist page: tracks through the link table",
        program: |conn| {
            let playlists = Playlist::query()
                .filter(Playlist::playlist_id.ge(10))
                .prefetch(Playlist::tracks)
                .all(conn)?;
            Ok(shown(playlists.iter().map(|p| (&p.name, p.tracks().len()))))
        },
        ..CASE
    },
    Case {
        name: "genres with their track counts",
        program: |conn| {
            let genres = Genre::query().with_count(Genre::tracks).all(conn)?;
            Ok(shown(genres.iter().map(|g| (&g.name, g.tracks_count()))))
        },
        ..CASE
    },
    Case {
        name: "a customer's invoices with lines and tracks",
        program: |conn| {
            let customer = Customer::get(conn, 2)?;
            let invoices = Invoice::query()
                .filter(Invoice::customer_id.eq(customer.customer_id))
                .prefetch_with(Invoice::lines, |q| q.select_related(InvoiceLine::track))
                .all(conn)?;
            Ok(shown(invoices.iter().flat_map(|i| i.lines().iter().map(|l| &l.track().name))))
        },
        ..CASE
    },
    // Repeated statements that are not a loop over rows.
    Case {
        name: "three featured artists through a helper",
        program: |conn| {
            let total = Artist::query().count(conn)?;
            let featured = [1, 50, 90].map(|id| artist(conn, id));
            Ok(shown([total])
                .into_iter()
                .chain(featured.into_iter().collect::<Result<Vec<_>, _>>()?)
                .collect())
        },
        ..CASE
    },
    Case {
        name: "an artist's albums, then three featured artists",
        program: |conn| {
            let albums = Album::query().filter(Album::artist_id.eq(90)).all(conn)?;
            let featured = [1, 50, 90].map(|id| artist(conn, id));
            let featured: Vec<String> = featured.into_iter().collect::<Result<_, _>>()?;
            Ok(shown(albums.iter().map(|a| &a.title)).into_iter().chain(featured).collect())
        },
        ..CASE
    },
    Case {
        name: "every track in pages of 1,000 (limit and offset)",
        program: |conn| {
            let (mut names, mut page) = (Vec::new(), 0);
            loop {
                let rows = Track::query()
                    .order_by(Track::track_id.asc())
                    .limit(1000)
                    .offset(page * 1000)
                    .all(conn)?;
                names.extend(rows.iter().map(|t| t.name.clone()));
                if rows.len() < 1000 {
                    return Ok(names);
                }
                page += 1;
            }
        },
        ..CASE
    },
    Case {
        name: "every track in keyset pages of 1,000",
        program: |conn| {
            let (mut names, mut last) = (Vec::new(), 0);
            loop {
                let rows = Track::query()
                    .filter(Track::track_id.gt(last))
                    .order_by(Track::track_id.asc())
                    .limit(1000)
                    .all(conn)?;
                names.extend(rows.iter().map(|t| t.name.clone()));
                match rows.last() {
                    Some(row) if rows.len() == 1000 => last = row.track_id,
                    _ => return Ok(names),
                }
            }
        },
        ..CASE
    },
    Case {
        name: "an artist read again after it was renamed",
        program: |conn| {
            let before = Artist::get(conn, 1)?.into_model();
            Artist { name: Some("AC-DC".into()), ..before.clone() }.update(conn)?;
            let after = Artist::get(conn, 1)?;
            Ok(shown([before.name, after.name.clone()]))
        },
        db: writable,
        ..CASE
    },
    Case {
        name: "the same artist read for the header and the sidebar",
        program: |conn| Ok(vec![artist(conn, 1)?, artist(conn, 1)?]),
        expected: &[
            r#"duplicate, 2 times: SELECT t0."ArtistId", t0."Name" FROM "Artist" t0 WHERE t0."ArtistId" = ?"#,
        ],
        db: writable,
        ..CASE
    },
    // N+1s of each kind.
    Case {
        name: "albums looked up per artist (has-many)",
        program: |conn| {
            let mut out = Vec::new();
            for artist in Artist::query().filter(Artist::artist_id.le(10)).all(conn)? {
                let albums =
                    Album::query().filter(Album::artist_id.eq(artist.artist_id)).all(conn)?;
                out.push(format!("{:?}: {}", artist.name, albums.len()));
            }
            Ok(out)
        },
        expected: &[
            "N+1 over `Artist` rows: add `.prefetch(Artist::albums)` to the query that loads the `Artist` rows",
        ],
        fixed: Some(|conn| {
            let artists = Artist::query()
                .filter(Artist::artist_id.le(10))
                .prefetch(Artist::albums)
                .all(conn)?;
            Ok(artists.iter().map(|a| format!("{:?}: {}", a.name, a.albums().len())).collect())
        }),
        ..CASE
    },
    Case {
        name: "the track of each invoice line, after an unrelated query (belongs-to)",
        program: |conn| {
            let on_playlist =
                PlaylistTrack::query().filter(PlaylistTrack::playlist_id.eq(18)).all(conn)?;
            let mut out = shown([on_playlist.len()]);
            for line in InvoiceLine::query().filter(InvoiceLine::invoice_id.le(10)).all(conn)? {
                out.push(Track::get(conn, line.track_id)?.name.clone());
            }
            Ok(out)
        },
        expected: &[
            "N+1 over `InvoiceLine` rows: add `.select_related(InvoiceLine::track)` (or `.prefetch(..)` of it) to the query that loads the `InvoiceLine` rows",
        ],
        fixed: Some(|conn| {
            let on_playlist =
                PlaylistTrack::query().filter(PlaylistTrack::playlist_id.eq(18)).all(conn)?;
            let lines = InvoiceLine::query()
                .filter(InvoiceLine::invoice_id.le(10))
                .select_related(InvoiceLine::track)
                .all(conn)?;
            Ok(shown([on_playlist.len()])
                .into_iter()
                .chain(lines.iter().map(|l| l.track().name.clone()))
                .collect())
        }),
        ..CASE
    },
    Case {
        name: "the artist of each track's album, the album joined (belongs-to of a joined row)",
        program: |conn| {
            let tracks = Track::query()
                .filter(Track::genre_id.eq(24))
                .select_related(Track::album)
                .all(conn)?;
            let mut out = Vec::new();
            for track in &tracks {
                let album = track.album().expect("every classical track has an album");
                out.push(format!("{}: {}", track.name, artist(conn, album.artist_id)?));
            }
            Ok(out)
        },
        expected: &[
            "N+1 over `Album` rows: load it with the `Album` rows the query at <line> joins: write `.select_related_with(Track::album, |q| q.select_related(Album::artist))` (or `.prefetch(..)` of it) where it says `.select_related(Track::album)`",
        ],
        fixed: Some(|conn| {
            let tracks = Track::query()
                .filter(Track::genre_id.eq(24))
                .select_related_with(Track::album, |album| album.select_related(Album::artist))
                .all(conn)?;
            Ok(tracks
                .iter()
                .map(|t| {
                    let artist =
                        t.album().and_then(|a| a.artist().name.clone()).unwrap_or_default();
                    format!("{}: {artist}", t.name)
                })
                .collect())
        }),
        ..CASE
    },
    Case {
        name: "the org chart, walked down level by level (a recursive loop)",
        program: |conn| {
            fn walk(
                conn: &Connection,
                id: i64,
                depth: usize,
                out: &mut Vec<String>,
            ) -> eagerly::Result<()> {
                for report in Employee::query().filter(Employee::reports_to.eq(id)).all(conn)? {
                    out.push(format!("{}{}", "  ".repeat(depth), report.last_name));
                    walk(conn, report.employee_id, depth + 1, out)?;
                }
                Ok(())
            }
            let boss = Employee::get(conn, 1)?;
            let mut out = vec![boss.last_name.clone()];
            walk(conn, boss.employee_id, 1, &mut out)?;
            Ok(out)
        },
        expected: &[
            "N+1 over `Employee` rows: add `.prefetch(Employee::reports)` to the query that loads the `Employee` rows",
        ],
        fixed: Some(|conn| {
            // Chinook's chart is three levels deep: one nested prefetch per level.
            let boss = Employee::query()
                .prefetch_with(Employee::reports, |q| {
                    q.prefetch_with(Employee::reports, |q| q.prefetch(Employee::reports))
                })
                .get(conn, 1)?;
            let mut out = vec![boss.last_name.clone()];
            for report in boss.reports() {
                out.push(format!("  {}", report.last_name));
                for below in report.reports() {
                    out.push(format!("    {}", below.last_name));
                    assert!(below.reports().is_empty(), "three levels");
                }
            }
            Ok(out)
        }),
        ..CASE
    },
    Case {
        name: "tracks counted per genre",
        program: |conn| {
            let mut out = Vec::new();
            for genre in Genre::query().all(conn)? {
                out.push(Track::query().filter(Track::genre_id.eq(genre.genre_id)).count(conn)?);
            }
            Ok(shown(out))
        },
        expected: &[
            "N+1 over `Genre` rows: add `.with_count(Genre::tracks)` to the query that loads the `Genre` rows",
        ],
        fixed: Some(|conn| {
            let genres = Genre::query().with_count(Genre::tracks).all(conn)?;
            Ok(shown(genres.iter().map(|g| g.tracks_count())))
        }),
        ..CASE
    },
    Case {
        name: "long tracks of each album, by name (a filtered, ordered loop)",
        program: |conn| {
            let mut out = Vec::new();
            for album in Album::query().filter(Album::artist_id.eq(90)).all(conn)? {
                let tracks = Track::query()
                    .filter(Track::album_id.eq(album.album_id))
                    .filter(Track::milliseconds.gt(300_000))
                    .order_by(Track::name.asc())
                    .all(conn)?;
                out.push(names(&tracks));
            }
            Ok(out)
        },
        expected: &[
            "N+1 over `Album` rows: add `.prefetch_with(Album::tracks, |q| q.filter(..).order_by(..))` to the query that loads the `Album` rows with the loop's own filter on `Track::milliseconds`, order by `Track::name`",
        ],
        fixed: Some(|conn| {
            let albums = Album::query()
                .filter(Album::artist_id.eq(90))
                .prefetch_with(Album::tracks, |q| {
                    q.filter(Track::milliseconds.gt(300_000)).order_by(Track::name.asc())
                })
                .all(conn)?;
            Ok(albums.iter().map(|a| names(a.tracks())).collect())
        }),
        ..CASE
    },
    Case {
        name: "whether each artist has an album (exists per row)",
        program: |conn| {
            let mut out = Vec::new();
            for artist in Artist::query().filter(Artist::artist_id.le(30)).all(conn)? {
                out.push(
                    Album::query().filter(Album::artist_id.eq(artist.artist_id)).exists(conn)?,
                );
            }
            Ok(shown(out))
        },
        expected: &[
            "N+1 over `Artist` rows: add `.prefetch(Artist::albums)` to the query that loads the `Artist` rows, then test `!row.albums().is_empty()`",
        ],
        fixed: Some(|conn| {
            let artists = Artist::query()
                .filter(Artist::artist_id.le(30))
                .prefetch(Artist::albums)
                .all(conn)?;
            Ok(shown(artists.iter().map(|a| !a.albums().is_empty())))
        }),
        ..CASE
    },
    Case {
        name: "the three longest tracks of each album (a limited loop)",
        program: |conn| {
            let mut out = Vec::new();
            for album in Album::query().filter(Album::artist_id.eq(90)).all(conn)? {
                let tracks = Track::query()
                    .filter(Track::album_id.eq(album.album_id))
                    .order_by(Track::milliseconds.desc())
                    .limit(3)
                    .all(conn)?;
                out.push(names(&tracks));
            }
            Ok(out)
        },
        expected: &[
            "N+1 over `Album` rows: add `.prefetch_with(Album::tracks, |q| q.order_by(..).limit(..))` to the query that loads the `Album` rows with the loop's own order by `Track::milliseconds`, limit",
        ],
        fixed: Some(|conn| {
            let albums = Album::query()
                .filter(Album::artist_id.eq(90))
                .prefetch_with(Album::tracks, |q| q.order_by(Track::milliseconds.desc()).limit(3))
                .all(conn)?;
            Ok(albums.iter().map(|a| names(a.tracks())).collect())
        }),
        ..CASE
    },
    Case {
        name: "eagerly::prefetch called with one row at a time",
        program: |conn| {
            let mut out = Vec::new();
            for album in Album::query().filter(Album::artist_id.eq(90)).all(conn)? {
                let loaded = eagerly::prefetch(conn, vec![album], Album::tracks)?;
                out.extend(loaded.iter().map(|album| album.tracks().len()));
            }
            Ok(shown(out))
        },
        expected: &[
            "N+1 over `Album` rows: add `.prefetch(Album::tracks)` to the query that loads the `Album` rows (or pass all those rows to one `eagerly::prefetch(..)` call): one batch for every row, not one per row",
        ],
        fixed: Some(|conn| {
            let albums = Album::query().filter(Album::artist_id.eq(90)).all(conn)?;
            let albums = eagerly::prefetch(conn, albums, Album::tracks)?;
            Ok(shown(albums.iter().map(|a| a.tracks().len())))
        }),
        ..CASE
    },
    Case {
        name: "tracks counted per album per artist (nested loops)",
        program: |conn| {
            let mut out = Vec::new();
            for artist in Artist::query().filter(Artist::artist_id.le(8)).all(conn)? {
                for album in
                    Album::query().filter(Album::artist_id.eq(artist.artist_id)).all(conn)?
                {
                    out.push(
                        Track::query().filter(Track::album_id.eq(album.album_id)).count(conn)?,
                    );
                }
            }
            Ok(shown(out))
        },
        expected: &[
            "N+1 over `Artist` rows: add `.prefetch(Artist::albums)` to the query that loads the `Artist` rows",
            "N+1 over `Album` rows: add `.with_count(Album::tracks)` to the query that loads the `Album` rows",
        ],
        fixed: Some(|conn| {
            let artists = Artist::query()
                .filter(Artist::artist_id.le(8))
                .prefetch_with(Artist::albums, |q| q.with_count(Album::tracks))
                .all(conn)?;
            Ok(shown(artists.iter().flat_map(|a| a.albums().iter().map(|al| al.tracks_count()))))
        }),
        ..CASE
    },
    // Scans and sorts.
    Case {
        name: "tracks by composer (no index)",
        program: |conn| {
            Ok(shown(
                Track::query()
                    .filter(Track::composer.eq("AC/DC"))
                    .all(conn)?
                    .iter()
                    .map(|t| &t.name),
            ))
        },
        expected: &["FullScan of `Track`: add `#[model(index)]` to `Track::composer`"],
        ..CASE
    },
    Case {
        name: "tracks by a word of their name",
        program: |conn| {
            Ok(shown(
                Track::query()
                    .filter(Track::name.contains("Love"))
                    .all(conn)?
                    .iter()
                    .map(|t| &t.name),
            ))
        },
        expected: &[
            "FullScan of `Track`: no index can find `Track::name` values by what they contain or end with: match a prefix (`starts_with`), or search text with SQLite's FTS5",
        ],
        ..CASE
    },
    Case {
        name: "tracks under a dollar (94% of the table)",
        program: |conn| {
            Ok(shown([Track::query().filter(Track::unit_price.lt(1.0)).all(conn)?.len()]))
        },
        expected: &[
            "MostOfTable of `Track`: the filter on `Track::unit_price` keeps 94% of the rows (3290 of 3502): an index would not help, reading the whole table is the cheapest way to get most of it",
        ],
        ..CASE
    },
    Case {
        name: "the first ten rock tracks by name (a sort after an index search)",
        program: |conn| {
            let tracks = Track::query()
                .filter(Track::genre_id.eq(1))
                .order_by(Track::name.asc())
                .limit(10)
                .all(conn)?;
            Ok(shown(tracks.iter().map(|t| &t.name)))
        },
        expected: &[
            "Sort of `Track`: add `#[model(index(genre_id, name))]` to `Track`, so that the rows it finds come in order instead of sorted",
        ],
        ..CASE
    },
    Case {
        name: "each genre's first five tracks by name (a window per parent)",
        program: |conn| {
            let genres = Genre::query()
                .filter(Genre::genre_id.le(3))
                .prefetch_with(Genre::tracks, |q| q.order_by(Track::name.asc()).limit(5))
                .all(conn)?;
            Ok(shown(
                genres
                    .iter()
                    .map(|g| g.tracks().iter().map(|t| t.name.clone()).collect::<Vec<_>>()),
            ))
        },
        expected: &[
            "Sort of `Track`: add `#[model(index(genre_id, name))]` to `Track`, so that the rows it finds come in order instead of sorted",
        ],
        ..CASE
    },
    Case {
        name: "album titles, tracks loaded and never read",
        program: |conn| {
            let albums =
                Album::query().filter(Album::artist_id.eq(90)).prefetch(Album::tracks).all(conn)?;
            Ok(shown(albums.iter().map(|a| &a.title)))
        },
        expected: &["unused: Album::tracks"],
        ..CASE
    },
];

#[test]
fn the_corpus_gets_its_exact_findings() {
    let (mut right, mut wrong, mut expected_total) = (0usize, 0usize, 0usize);
    let mut problems = Vec::new();
    for case in CORPUS {
        let conn = (case.db)();
        let (data, report) = eagerly::inspect(|| (case.program)(&conn));
        let data = data.unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let found = findings(&report);
        let wanted: Vec<&str> =
            case.expected.iter().filter(|e| !case.missed.contains(e)).copied().collect();
        expected_total += case.expected.len();
        for finding in &found {
            if case.expected.contains(&finding.as_str()) {
                right += 1;
            } else {
                wrong += 1;
            }
        }
        if found != wanted {
            problems.push(format!(
                "{}:\n  expected {wanted:#?}\n  found {found:#?}\n{report}",
                case.name
            ));
        }
        if let Some(fixed) = case.fixed {
            let conn = (case.db)();
            let (fixed_data, fixed_report) = eagerly::inspect(|| fixed(&conn));
            let fixed_data = fixed_data.unwrap_or_else(|e| panic!("{} (fixed): {e}", case.name));
            if fixed_data != data {
                problems.push(format!("{}: the fix loads other data than the loop", case.name));
            }
            if !fixed_report.is_clean() {
                problems.push(format!("{} (fixed) is not clean:\n{fixed_report}", case.name));
            }
            if fixed_report.log().len() >= report.log().len() {
                problems.push(format!("{}: the fix runs as many statements", case.name));
            }
        }
    }
    let precision = right as f64 / (right + wrong).max(1) as f64;
    let recall = right as f64 / expected_total.max(1) as f64;
    println!(
        "inspector corpus: {} programs, {expected_total} expected findings, {} reported: precision {precision:.2}, recall {recall:.2}",
        CORPUS.len(),
        right + wrong
    );
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    // The README's "Seeing every query" quotes these.
    assert_eq!((CORPUS.len(), expected_total, right, wrong), (26, 18, 18, 0));
}
