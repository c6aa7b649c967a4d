//! eagerly on PostgreSQL against hand-written `postgres` and `tokio-postgres` code
//! (`hand_pg`: plain and best, blocking and async),
//! Diesel, SeaORM and sqlx (each as its documentation writes the load),
//! on a throwaway PostgreSQL 15 that this program starts as the tests do
//! (`tests/common/postgres.rs`: a cluster in a temporary directory, a Unix socket, stopped
//! on exit), or the server `EAGERLY_POSTGRES_URL` names; eagerly both on a plain client
//! (statements prepared per call) and on a `CachedClient` (once per connection), both
//! blocking and async. One
//! process times them all round-robin, each on its own connection, after one untimed run;
//! the same rows on every contender (checked by checksum).
//!
//! ```sh
//! bench/run postgres                                  # every workload, 1k/10k/100k
//! bench/run postgres --sizes 1000 --workloads prefetch
//! ```

#[path = "../../tests/common/postgres.rs"]
#[allow(dead_code, clippy::all)]
mod postgres_server;

use std::path::Path;

use eagerly::Model;
use postgres::Client;

use crate::eagerly_side::chinook::{Album, Artist, Genre, MediaType, Track};
use crate::eagerly_side::{Author, Book, Publisher};
use crate::measure::{Work, time_together};
use crate::{Workload, data, diesel_side, eagerly_side, hand_pg, seaorm_side, sqlx_side};

pub fn run(args: &[String]) {
    let mut sizes = vec![1_000, 10_000, 100_000];
    let mut workloads = Workload::ALL.to_vec();
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let values: Vec<&str> = args.next().map(|v| v.split(',').collect()).unwrap_or_default();
        match flag.as_str() {
            "--sizes" => sizes = values.iter().map(|v| v.parse().expect("a size")).collect(),
            "--workloads" => workloads = values.iter().map(|w| Workload::parse(w)).collect(),
            other => panic!("unknown flag {other}"),
        }
    }
    let server = postgres_server::server()
        .expect("a PostgreSQL: its binaries (initdb) on the machine, or EAGERLY_POSTGRES_URL");
    println!("eagerly on PostgreSQL {}, medians (ratio to plain hand-written)\n", version(server));
    for workload in workloads {
        println!("## {}", workload.title());
        println!(
            "| size | hand-written plain | hand-written best | hand-written async plain | hand-written async best | eagerly | eagerly, `CachedClient` | eagerly, async | eagerly, `AsyncCachedClient` | Diesel | SeaORM | sqlx |"
        );
        println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        let sizes = if workload == Workload::Chinook { vec![0] } else { sizes.clone() };
        for size in sizes {
            let schema = format!("bench_{}_{size}", workload.name());
            let mut setup = connect(server, &schema, true);
            load(&mut setup, workload, size);
            println!("{}", measure(server, &schema, workload, size));
        }
        println!();
    }
}

/// For profiling one contender by hand, on tables an earlier `postgres` run left on the
/// server `EAGERLY_POSTGRES_URL` names: `peers postgres-one eagerly join 100000 3`.
pub fn one(args: &[String]) {
    let [contender, workload, size, runs] = args else {
        panic!(
            "postgres-one <plain|best|eagerly|async-best|eagerly-async> <workload> <size> <runs>"
        )
    };
    let workload = Workload::parse(workload);
    let server = postgres_server::server().expect("a PostgreSQL");
    let schema = format!("bench_{}_{size}", workload.name());
    let mut client = connect(server, &schema, false);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
    let runtime = runtime.expect("a runtime");
    let mut async_client = runtime.block_on(connect_async(server, &schema));
    let prepared = runtime.block_on(hand_pg::AsyncPrepared::new(&async_client, workload));
    let prepared = prepared.expect("the async best variant's statements");
    let blocking_prepared = hand_pg::Prepared::new(&mut client, workload);
    let blocking_prepared = blocking_prepared.expect("the best variant's statements");
    for _ in 0..runs.parse::<usize>().expect("a number of runs") {
        let checksum = match contender.as_str() {
            "plain" => hand_pg::plain(&mut client, workload),
            "best" => hand_pg::best(&mut client, &blocking_prepared, workload),
            "eagerly" => eagerly_side::eagerly(&mut client, workload),
            "async-best" => {
                runtime.block_on(hand_pg::async_best(&async_client, &prepared, workload))
            }
            "eagerly-async" => {
                runtime.block_on(eagerly_side::eagerly_async(&mut async_client, workload))
            }
            other => panic!("unknown contender {other}"),
        };
        checksum.expect("the workload runs");
    }
}

/// An async connection (its task spawned on the current runtime) whose tables are
/// `schema`'s.
async fn connect_async(server: &postgres_server::Server, schema: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(server.config(), tokio_postgres::NoTls)
        .await
        .expect("an async connection");
    tokio::spawn(connection);
    client.batch_execute(&format!("SET search_path TO {schema}")).await.expect("the schema");
    client
}

fn version(server: &postgres_server::Server) -> String {
    let mut client = server.connect();
    client.query_one("SHOW server_version", &[]).map(|r| r.get(0)).unwrap_or_default()
}

/// A connection whose tables are `schema`'s (made anew when `fresh`).
fn connect(server: &postgres_server::Server, schema: &str, fresh: bool) -> Client {
    let mut client = server.connect();
    if fresh {
        client
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
            ))
            .expect("the schema is made");
    }
    client.batch_execute(&format!("SET search_path TO {schema}")).expect("the schema is used");
    client
}

/// The workload's tables and rows: made by eagerly's `create_tables`, filled by the same
/// rows as the SQLite benchmark (N authors x 10 books; Chinook copied through its models).
fn load(client: &mut Client, workload: Workload, authors: u64) {
    if workload == Workload::Chinook {
        let tables = [Artist::TABLE, Album::TABLE, Genre::TABLE, MediaType::TABLE, Track::TABLE];
        eagerly::create_tables(&mut *client, &tables).expect("Chinook's tables");
        let source =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/chinook/Chinook_Sqlite.sqlite");
        let sqlite = rusqlite::Connection::open_with_flags(
            source,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("Chinook opens");
        fn copy<M: Model + eagerly::Insertable<Model = M> + Clone>(
            sqlite: &rusqlite::Connection,
            client: &mut Client,
        ) {
            let rows: Vec<M> = eagerly::Query::<M>::new()
                .all(sqlite)
                .expect("Chinook reads")
                .into_iter()
                .map(|r| (*r).clone())
                .collect();
            M::insert_all(&mut *client, rows).expect("Chinook is copied");
        }
        copy::<Artist>(&sqlite, client);
        copy::<Album>(&sqlite, client);
        copy::<Genre>(&sqlite, client);
        copy::<MediaType>(&sqlite, client);
        copy::<Track>(&sqlite, client);
        // Stored as a float, as every contender reads it: Diesel and SeaORM read NUMERIC
        // only through a decimal crate.
        client
            .batch_execute(r#"ALTER TABLE "Track" ALTER COLUMN "UnitPrice" TYPE float8"#)
            .expect("UnitPrice as float8");
    } else {
        eagerly::create_tables(&mut *client, &[Publisher::TABLE, Author::TABLE, Book::TABLE])
            .expect("the schema");
        let publishers = (authors / 10).max(1);
        let books = authors * data::BOOKS_PER_AUTHOR;
        client
            .batch_execute(&format!(
                "INSERT INTO publisher (id, name) SELECT i, 'publisher ' || i FROM generate_series(1, {publishers}) i;
                 INSERT INTO author (id, name, publisher_id)
                   SELECT i, 'author ' || i, CASE WHEN i % 5 = 0 THEN NULL ELSE i % {publishers} + 1 END
                   FROM generate_series(1, {authors}) i;
                 INSERT INTO book (id, title, author_id)
                   SELECT i, 'book number ' || i, (i - 1) % {authors} + 1 FROM generate_series(1, {books}) i"
            ))
            .expect("the rows");
    }
    client.batch_execute("VACUUM ANALYZE").expect("statistics");
}

/// One table row: the medians of the three contenders on `workload`.
fn measure(
    server: &postgres_server::Server,
    schema: &str,
    workload: Workload,
    size: u64,
) -> String {
    let mut plain = connect(server, schema, false);
    let mut best = connect(server, schema, false);
    let mut eagerly = connect(server, schema, false);
    let mut cached = eagerly::CachedClient::new(connect(server, schema, false));
    let prepared =
        hand_pg::Prepared::new(&mut best, workload).expect("the best variant's statements");
    let runtime =
        || tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let (async_runtime, seaorm_runtime, sqlx_runtime) = (runtime(), runtime(), runtime());
    let url = url(server.config(), schema);
    let connect_async = || async_runtime.block_on(connect_async(server, schema));
    let (async_plain, async_best, mut async_client) =
        (connect_async(), connect_async(), connect_async());
    let mut async_cached = eagerly::AsyncCachedClient::new(connect_async());
    let async_prepared = async_runtime
        .block_on(hand_pg::AsyncPrepared::new(&async_best, workload))
        .expect("the async best variant's statements");
    let mut diesel = {
        use diesel::{Connection, RunQueryDsl};
        let mut conn = diesel::PgConnection::establish(server.config()).expect("Diesel connects");
        diesel::sql_query(format!("SET search_path TO {schema}"))
            .execute(&mut conn)
            .expect("the schema");
        conn
    };
    let seaorm = seaorm_runtime.block_on(async {
        let mut options = sea_orm::ConnectOptions::new(url.clone());
        options.max_connections(1).min_connections(1).sqlx_logging(false);
        sea_orm::Database::connect(options).await.expect("SeaORM connects")
    });
    let mut sqlx = sqlx_runtime.block_on(async {
        use sqlx::Connection;
        sqlx::PgConnection::connect(&url).await.expect("sqlx connects")
    });
    let mut works: Vec<(String, Work<'_>)> = vec![
        ("plain".into(), Box::new(|| hand_pg::plain(&mut plain, workload))),
        ("best".into(), Box::new(|| hand_pg::best(&mut best, &prepared, workload))),
        (
            "async plain".into(),
            Box::new(|| async_runtime.block_on(hand_pg::async_plain(&async_plain, workload))),
        ),
        (
            "async best".into(),
            Box::new(|| {
                async_runtime.block_on(hand_pg::async_best(&async_best, &async_prepared, workload))
            }),
        ),
        ("eagerly".into(), Box::new(|| eagerly_side::eagerly(&mut eagerly, workload))),
        ("cached".into(), Box::new(|| eagerly_side::eagerly(&mut cached, workload))),
        (
            "async".into(),
            Box::new(|| {
                async_runtime.block_on(eagerly_side::eagerly_async(&mut async_client, workload))
            }),
        ),
        (
            "async cached".into(),
            Box::new(|| {
                async_runtime.block_on(eagerly_side::eagerly_async(&mut async_cached, workload))
            }),
        ),
        ("diesel".into(), Box::new(|| diesel_side::run_pg(&mut diesel, workload))),
        (
            "seaorm".into(),
            Box::new(|| seaorm_runtime.block_on(seaorm_side::run(&seaorm, workload))),
        ),
        ("sqlx".into(), Box::new(|| sqlx_runtime.block_on(sqlx_side::run(&mut sqlx, workload)))),
    ];
    let results = time_together(5, &mut works);
    let checksum = results[0].1.as_ref().map(|m| m.checksum).ok();
    let plain_median = results[0].1.as_ref().map(|m| m.median.as_secs_f64()).unwrap_or(f64::NAN);
    let cells: Vec<String> = results
        .iter()
        .map(|(_, outcome)| match outcome {
            Ok(m) if Some(m.checksum) != checksum => "DIFFERENT ROWS".to_owned(),
            Ok(m) => {
                let ms = m.median.as_secs_f64() * 1e3;
                format!("{ms:.2} ms ({:.2}x)", m.median.as_secs_f64() / plain_median)
            }
            Err(e) => format!("failed: {e}"),
        })
        .collect();
    let size = if workload == Workload::Chinook { "Chinook".to_owned() } else { size.to_string() };
    format!("| {size} | {} |", cells.join(" | "))
}

/// A `postgres://` address for `config` (libpq's `key=value` form, as the test harness
/// gives it, or already an address), whose tables are `schema`'s: what sqlx (and so
/// SeaORM) takes.
fn url(config: &str, schema: &str) -> String {
    let search_path = format!("options=-csearch_path%3D{schema}");
    if config.starts_with("postgres") {
        let joiner = if config.contains('?') { '&' } else { '?' };
        return format!("{config}{joiner}{search_path}");
    }
    let part = |key: &str| {
        config.split_whitespace().find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
    };
    let user = part("user").unwrap_or("postgres");
    let dbname = part("dbname").unwrap_or("postgres");
    let mut url = format!("postgres://{user}@localhost/{dbname}?{search_path}");
    if let Some(host) = part("host") {
        url.push_str(&format!("&host={host}"));
    }
    if let Some(port) = part("port") {
        url.push_str(&format!("&port={port}"));
    }
    url
}
