//! The PostgreSQL the tests start for themselves (`tests/common/postgres.rs`): a real
//! PostgreSQL 15, reached through a socket in its own directory, gone when dropped.

#[path = "common/postgres.rs"]
mod postgres_server;

use postgres_server::{Server, connect, server};

#[test]
fn the_shared_server_is_a_real_postgresql_15() {
    let Some(mut client) = connect() else { return };
    let version: String = client.query_one("SHOW server_version", &[]).unwrap().get(0);
    assert!(version.starts_with("15."), "PostgreSQL {version}");
    let encoding: String = client.query_one("SHOW server_encoding", &[]).unwrap().get(0);
    assert_eq!(encoding, "UTF8");
    client
        .batch_execute("CREATE TEMP TABLE t (id BIGINT PRIMARY KEY, name TEXT NOT NULL)")
        .unwrap();
    client.execute("INSERT INTO t VALUES ($1, $2), ($3, $4)", &[&1i64, &"a", &2i64, &"b"]).unwrap();
    let names: Vec<String> = client
        .query("SELECT name FROM t ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(names, ["a", "b"]);
}

#[test]
fn the_shared_server_listens_on_no_tcp_port() {
    let Some(server) = server() else { return };
    if server.dir().is_none() {
        return; // a server given by EAGERLY_POSTGRES_URL is yours to configure
    }
    let mut client = server.connect();
    let listening: String = client.query_one("SHOW listen_addresses", &[]).unwrap().get(0);
    assert_eq!(listening, "");
    assert!(server.config().contains(&format!("host={}", server.dir().unwrap().display())));
}

#[test]
fn a_server_of_its_own_is_stopped_and_removed_when_dropped() {
    if server().is_none_or(|s| s.dir().is_none()) {
        return; // no PostgreSQL binaries here (said loudly), or a server from outside
    }
    let own = Server::start().unwrap();
    let dir = own.dir().unwrap().to_path_buf();
    let config = own.config().to_owned();
    let mut client = own.connect();
    assert_eq!(client.query_one("SELECT 1 + 1", &[]).unwrap().get::<_, i32>(0), 2);
    drop(client);
    assert!(dir.join("data").is_dir());
    drop(own);
    assert!(!dir.exists(), "{} is left behind", dir.display());
    assert!(postgres::Client::connect(&config, postgres::NoTls).is_err());
}
