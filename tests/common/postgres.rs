//! A real PostgreSQL for the tests, started by the tests themselves.
//!
//! [`server`] gives the server a test binary shares: the one named by
//! `EAGERLY_POSTGRES_URL` (a libpq connection string or URL, for a server you run), or
//! else a throwaway one made from the PostgreSQL binaries on this machine (`initdb` on the
//! `PATH` or under `/usr/lib/postgresql/*/bin`): a new cluster in a temporary directory,
//! listening only on a socket in that directory (no TCP port), run as the `postgres` user
//! when the tests run as root (PostgreSQL refuses root). It is stopped and its directory
//! removed when the test binary exits, also after failed or panicking tests; and should
//! the test process die without exiting (killed, aborted), a watchdog process does the
//! same within a second.
//!
//! With neither, [`server`] returns `None` and says so on the terminal, past the test
//! harness's capture: the PostgreSQL tests are skipped loudly, never silently passed. With
//! `EAGERLY_REQUIRE_POSTGRES` set (`.ci/run` sets it), a missing server fails them instead.
#![allow(dead_code)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// A PostgreSQL server the tests can connect to.
#[derive(Debug)]
pub struct Server {
    /// The connection string (`host=/tmp/.. user=postgres`).
    config: String,
    /// The cluster this process made and runs; `None` for a server given from outside.
    cluster: Option<Cluster>,
}

/// A throwaway cluster: its directory (data, socket, log), and how to run its tools.
#[derive(Debug)]
struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    /// Run the tools as `postgres` (the tests run as root).
    as_postgres: bool,
}

static SHARED: OnceLock<Option<Server>> = OnceLock::new();

/// The server this test binary shares, started on first use; `None` (said on the terminal)
/// when there is none to use.
pub fn server() -> Option<&'static Server> {
    SHARED
        .get_or_init(|| {
            let server = Server::from_env().or_else(|| match Server::start() {
                Ok(server) => Some(server),
                Err(why) if std::env::var_os("EAGERLY_REQUIRE_POSTGRES").is_some() => {
                    panic!("EAGERLY_REQUIRE_POSTGRES is set, and there is no PostgreSQL: {why}")
                }
                Err(why) => {
                    skipped(&why);
                    None
                }
            });
            if server.as_ref().is_some_and(|s| s.cluster.is_some()) {
                stop_at_exit();
            }
            server
        })
        .as_ref()
}

/// A new connection to the shared server, or `None` when there is no server (see
/// [`server`]).
pub fn connect() -> Option<postgres::Client> {
    Some(server()?.connect())
}

/// A new connection to the shared server whose tables are its own (tests run in parallel
/// on one server): a new schema, alone on its search path, and UTC as its time zone.
/// `None` when there is no server (see [`server`]).
pub fn isolated() -> Option<postgres::Client> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let mut client = connect()?;
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let schema = format!("test_{}_{n}", std::process::id());
    client
        .batch_execute(&format!(
            // A schema of that name is a finished process's (process ids are reused, and a
            // server given by `EAGERLY_POSTGRES_URL` outlives the runs).
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; SET search_path TO {schema}; SET TimeZone TO 'UTC'"
        ))
        .unwrap_or_else(|e| panic!("making schema {schema}: {e}"));
    Some(client)
}

/// The schema a client works in: an [`isolated`] one's own.
pub fn schema_of(client: &mut postgres::Client) -> String {
    client.query_one("SELECT current_schema()", &[]).unwrap().get(0)
}

/// Another connection to the tables of `schema`, as an [`isolated`] client has them.
pub fn connect_to(schema: &str) -> postgres::Client {
    let mut client = connect().expect("a server");
    client.batch_execute(&format!("SET search_path TO {schema}; SET TimeZone TO 'UTC'")).unwrap();
    client
}

/// An async connection to the tables of `schema`; its connection task runs on the tokio
/// runtime that awaits this.
pub async fn connect_async(schema: &str) -> tokio_postgres::Client {
    let config = server().expect("a server").config().to_owned();
    let (client, connection) =
        tokio_postgres::connect(&config, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
        .batch_execute(&format!("SET search_path TO {schema}; SET TimeZone TO 'UTC'"))
        .await
        .unwrap();
    client
}

/// Values as the `postgres` crate binds them.
pub fn params<T: postgres::types::ToSql + Sync>(
    values: &[T],
) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    values.iter().map(|value| value as &(dyn postgres::types::ToSql + Sync)).collect()
}

impl Server {
    fn from_env() -> Option<Server> {
        let config = std::env::var("EAGERLY_POSTGRES_URL").ok().filter(|u| !u.is_empty())?;
        Some(Server { config, cluster: None })
    }

    /// Makes and starts a new cluster of its own; stopped and removed when dropped.
    pub fn start() -> Result<Server, String> {
        let bin = binaries().ok_or(
            "no PostgreSQL binaries (`initdb`, `pg_ctl`) on the PATH or under /usr/lib/postgresql; \
             install PostgreSQL (`apt-get install postgresql`) or set EAGERLY_POSTGRES_URL",
        )?;
        let as_postgres = is_root();
        let dir = temporary_dir()?;
        let config = format!("host={} user=postgres dbname=postgres", path(&dir));
        // Owned from here on: a failed step below drops it, which removes the directory.
        let server = Server { config, cluster: Some(Cluster { dir, bin, as_postgres }) };
        let cluster = server.cluster.as_ref().unwrap();
        // Before anything runs in it: the directory goes, whenever this process does.
        watch_over(cluster);
        if as_postgres {
            run(Command::new("chown").arg("postgres:").arg(&cluster.dir))?;
        }
        let data = cluster.dir.join("data");
        cluster.tool(
            "initdb",
            &["-D", path(&data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"],
        )?;
        let options = format!(
            "-k {} -c listen_addresses='' -c TimeZone=UTC -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            path(&cluster.dir)
        );
        let log = cluster.dir.join("log");
        cluster.tool(
            "pg_ctl",
            &["-D", path(&data), "-o", &options, "-l", path(&log), "-w", "start"],
        )?;
        Ok(server)
    }

    /// A new connection.
    pub fn connect(&self) -> postgres::Client {
        postgres::Client::connect(&self.config, postgres::NoTls)
            .unwrap_or_else(|e| panic!("connecting to PostgreSQL ({}): {e}", self.config))
    }

    /// The connection string.
    pub fn config(&self) -> &str {
        &self.config
    }

    /// The directory of a cluster this process made.
    pub fn dir(&self) -> Option<&Path> {
        self.cluster.as_ref().map(|c| c.dir.as_path())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(cluster) = &self.cluster {
            cluster.stop();
        }
    }
}

impl Cluster {
    /// Runs one of PostgreSQL's programs, as `postgres` when we are root.
    fn tool(&self, name: &str, args: &[&str]) -> Result<(), String> {
        let program = self.bin.join(name);
        let mut command = if self.as_postgres {
            let mut command = Command::new(runuser());
            command.args(["-u", "postgres", "--"]).arg(&program);
            command
        } else {
            Command::new(&program)
        };
        run(command.args(args).current_dir(&self.dir))
    }

    /// Stops the server at once and removes its directory.
    fn stop(&self) {
        let data = self.dir.join("data");
        let _ = self.tool("pg_ctl", &["-D", path(&data), "-m", "immediate", "-w", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The directory holding `initdb` and `pg_ctl`: on the `PATH`, or the newest under
/// `/usr/lib/postgresql` (where Debian's package puts them).
fn binaries() -> Option<PathBuf> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    if let Some(dir) = on_path.into_iter().find(|d| has_tools(d)) {
        return Some(dir);
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|d| has_tools(d))
        .collect();
    versions.sort();
    versions.pop()
}

/// `runuser`, which is in `/usr/sbin`: not on every user's `PATH`.
fn runuser() -> String {
    ["/usr/sbin/runuser", "/sbin/runuser"]
        .into_iter()
        .find(|p| Path::new(p).is_file())
        .unwrap_or("runuser")
        .to_owned()
}

/// Whether this process runs as root (its effective user id is 0).
fn is_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let uid = status.lines().find_map(|l| l.strip_prefix("Uid:"));
    uid.and_then(|ids| ids.split_whitespace().nth(1)) == Some("0")
}

/// A new, empty directory under the system's temporary directory, short enough for a
/// socket path.
fn temporary_dir() -> Result<PathBuf, String> {
    let base = std::env::temp_dir();
    for attempt in 0..100u32 {
        let dir = base.join(format!("eagerly-pg-{}-{attempt}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("creating {}: {e}", dir.display())),
        }
    }
    Err("no free temporary directory name".into())
}

fn run(command: &mut Command) -> Result<(), String> {
    let output =
        command.stdin(Stdio::null()).output().map_err(|e| format!("running {command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn path(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// Says on the terminal, past the test harness's capture (which takes only `print!` and
/// `eprint!`), that the PostgreSQL tests are skipped and why.
fn skipped(why: &str) {
    let _ = writeln!(std::io::stderr(), "\n*** PostgreSQL tests SKIPPED: {why} ***\n");
}

/// A process that stops the cluster and removes its directory once this process is gone,
/// however it ended; it ends itself then.
fn watch_over(cluster: &Cluster) {
    let data = cluster.dir.join("data");
    let pg_ctl = cluster.bin.join("pg_ctl");
    let stop = if cluster.as_postgres {
        let runuser = runuser();
        format!(
            "'{runuser}' -u postgres -- '{}' -D '{}' -m immediate stop",
            path(&pg_ctl),
            path(&data)
        )
    } else {
        format!("'{}' -D '{}' -m immediate stop", path(&pg_ctl), path(&data))
    };
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
         if [ -d '{dir}' ]; then {stop} >/dev/null 2>&1; rm -rf '{dir}'; fi",
        pid = std::process::id(),
        dir = path(&cluster.dir),
    );
    let _ = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
}

/// Stops the shared cluster when the test binary exits: statics are never dropped, and
/// the test harness ends the process with `exit`, which runs `atexit` handlers.
#[allow(unsafe_code)]
fn stop_at_exit() {
    unsafe extern "C" {
        fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
    }
    extern "C" fn stop_shared() {
        if let Some(Some(Server { cluster: Some(cluster), .. })) = SHARED.get().map(|s| s.as_ref())
        {
            cluster.stop();
        }
    }
    // SAFETY: `atexit` only records the function; `stop_shared` touches only the static.
    unsafe {
        atexit(stop_shared);
    }
}
