//! eagerly against its peers, in one run: hand-written rusqlite (plain and best), the
//! naive N+1 loop, Diesel 2.3 and SeaORM 2.0, on four workloads, three sizes, in memory
//! and on disk. In memory, for each workload and size, one process times the close
//! contenders round-robin, each on its own connection (so the machine's slow spells, which
//! on a shared VM make one process up to 40% slower than the next, hit all alike); the
//! naive loop and SeaORM, several times slower, are timed in a second process. On disk,
//! each contender reads its own copy of the file in a process of its own, in 3 alternating
//! rounds. Peak memory is measured with each contender alone in a process. The driver prints one table per
//! workload and storage, with medians and ratios to the plain hand-written code, and marks
//! any contender whose checksum differs.
//!
//! ```sh
//! bench/run                       # everything (see BENCHMARKS.md)
//! bench/run --sizes 1000 --storage mem --workloads prefetch
//! bench/run compile-cost          # rebuild time of a 50-model schema, eagerly vs Diesel
//! bench/run postgres              # eagerly on PostgreSQL vs hand-written `postgres` code
//! ```

mod compile_cost;
mod data;
mod diesel_side;
mod eagerly_side;
mod hand;
mod hand_pg;
mod measure;
mod postgres;
mod seaorm_side;
mod sqlx_side;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use data::Storage;

#[global_allocator]
static ALLOCATOR: measure::Counting = measure::Counting;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Workload {
    /// Authors with their books: a has-many relation.
    Prefetch,
    /// Books with their author and the author's publisher (nullable): a belongs-to chain.
    Join,
    /// Authors with the number of their books.
    Count,
    /// Chinook: artists, their albums, the albums' tracks.
    Chinook,
}

impl Workload {
    const ALL: [Workload; 4] =
        [Workload::Prefetch, Workload::Join, Workload::Count, Workload::Chinook];

    fn name(self) -> &'static str {
        match self {
            Workload::Prefetch => "prefetch",
            Workload::Join => "join",
            Workload::Count => "count",
            Workload::Chinook => "chinook",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Workload::Prefetch => "authors with their books (prefetch; N authors x 10 books)",
            Workload::Join => {
                "books with author and the author's publisher (select_related chain, nullable FK; 10 x N books)"
            }
            Workload::Count => "authors with their book counts (N authors x 10 books)",
            Workload::Chinook => "Chinook: artists -> albums -> tracks (275 / 347 / 3,503 rows)",
        }
    }

    fn parse(name: &str) -> Workload {
        Workload::ALL
            .into_iter()
            .find(|w| w.name() == name)
            .unwrap_or_else(|| panic!("unknown workload {name}"))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Contender {
    Eagerly,
    HandPlain,
    HandBest,
    Naive,
    Diesel,
    SeaOrm,
}

impl Contender {
    const ALL: [Contender; 6] = [
        Contender::Eagerly,
        Contender::HandPlain,
        Contender::HandBest,
        Contender::Naive,
        Contender::Diesel,
        Contender::SeaOrm,
    ];

    fn name(self) -> &'static str {
        match self {
            Contender::Eagerly => "eagerly",
            Contender::HandPlain => "hand-plain",
            Contender::HandBest => "hand-best",
            Contender::Naive => "naive",
            Contender::Diesel => "diesel",
            Contender::SeaOrm => "seaorm",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Contender::Eagerly => "eagerly",
            Contender::HandPlain => "hand-written rusqlite, plain",
            Contender::HandBest => "hand-written rusqlite, best",
            Contender::Naive => "naive N+1 loop (eagerly queries)",
            Contender::Diesel => "Diesel 2.3",
            Contender::SeaOrm => "SeaORM 2.0",
        }
    }

    /// Several times slower than the others (the N+1 loop, SeaORM): timed apart, with
    /// fewer rounds, so they neither stretch the rounds of the close contenders nor need
    /// their precision.
    fn is_slow(self) -> bool {
        matches!(self, Contender::Naive | Contender::SeaOrm)
    }

    fn parse(name: &str) -> Contender {
        Contender::ALL
            .into_iter()
            .find(|c| c.name() == name)
            .unwrap_or_else(|| panic!("unknown contender {name}"))
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("one") => one(&args[1..]),
        Some("together") => together(&args[1..]),
        Some("compile-cost") => compile_cost::run(),
        Some("postgres") => postgres::run(&args[1..]),
        Some("postgres-one") => postgres::one(&args[1..]),
        // For profiling one contender by hand: `peers script prefetch 10000 /tmp/db.sql`,
        // then `perf record peers one eagerly prefetch mem:/tmp/db.sql 20`.
        Some("script") => {
            let [workload, size, file] = &args[1..] else {
                panic!("usage: peers script <workload> <size> <file>")
            };
            std::fs::write(file, script(Workload::parse(workload), size.parse().expect("a size")))
                .expect("written");
        }
        _ => drive(&args),
    }
}

/// One contender alone in its process, printed as one line for the driver: for its peak
/// memory, which must not be shared with anyone's.
fn one(args: &[String]) {
    let [contender, workload, storage, runs] = args else {
        panic!("usage: peers one <contender> <workload> <storage> <min runs>")
    };
    let (contender, workload) = (Contender::parse(contender), Workload::parse(workload));
    let storage = Storage::from_arg(storage);
    let runs: usize = runs.parse().expect("runs is a number");
    let measured =
        prepare(contender, workload, &storage).and_then(|work| measure::time(runs, work));
    report(contender, measured);
}

/// Several contenders in one process, timed round-robin (see `measure::time_together`),
/// one line each for the driver.
fn together(args: &[String]) {
    let [workload, storage, rounds, contenders] = args else {
        panic!("usage: peers together <workload> <storage> <min rounds> <contender,contender,..>")
    };
    let workload = Workload::parse(workload);
    let storage = Storage::from_arg(storage);
    let rounds: usize = rounds.parse().expect("rounds is a number");
    let mut works = Vec::new();
    for contender in contenders.split(',').map(Contender::parse) {
        match prepare(contender, workload, &storage) {
            Ok(work) => works.push((contender.name().to_string(), work)),
            Err(message) => report(contender, Err(message)),
        }
    }
    for (name, measured) in measure::time_together(rounds, &mut works) {
        report(Contender::parse(&name), measured);
    }
}

fn report(contender: Contender, measured: Result<measure::Measured, String>) {
    match measured {
        Ok(m) => println!(
            "RESULT {} {} {} {} {} {}",
            contender.name(),
            m.median.as_nanos(),
            m.min.as_nanos(),
            m.checksum,
            m.heap,
            measure::max_rss_kib(),
        ),
        Err(message) => println!("FAIL {} {}", contender.name(), message.replace('\n', " ")),
    }
}

/// Opens the contender's connection to the workload's database and returns its load.
fn prepare(
    contender: Contender,
    workload: Workload,
    storage: &Storage,
) -> Result<measure::Work<'static>, String> {
    match contender {
        Contender::Eagerly | Contender::HandPlain | Contender::HandBest | Contender::Naive => {
            let conn = match storage {
                Storage::Memory { .. } => {
                    let conn = rusqlite::Connection::open_in_memory().map_err(|e| e.to_string())?;
                    conn.execute_batch(&storage.script().unwrap_or_default())
                        .map_err(|e| e.to_string())?;
                    conn
                }
                Storage::Disk { file } => rusqlite::Connection::open(own_file(file, contender)?)
                    .map_err(|e| e.to_string())?,
            };
            let work: fn(&rusqlite::Connection, Workload) -> Result<u64, String> = match contender {
                Contender::Eagerly => |conn, workload| eagerly_side::eagerly(conn, workload),
                Contender::HandPlain => hand::plain,
                Contender::HandBest => hand::best,
                _ => eagerly_side::naive,
            };
            Ok(Box::new(move || work(&conn, workload)))
        }
        Contender::Diesel => {
            use diesel::{Connection as _, connection::SimpleConnection as _};
            let mut conn = match storage {
                Storage::Memory { .. } => {
                    let mut conn = diesel::SqliteConnection::establish(":memory:")
                        .map_err(|e| e.to_string())?;
                    conn.batch_execute(&storage.script().unwrap_or_default())
                        .map_err(|e| e.to_string())?;
                    conn
                }
                Storage::Disk { file } => diesel::SqliteConnection::establish(
                    &own_file(file, contender)?.display().to_string(),
                )
                .map_err(|e| e.to_string())?,
            };
            Ok(Box::new(move || diesel_side::run(&mut conn, workload)))
        }
        Contender::SeaOrm => {
            use sea_orm::ConnectionTrait as _;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            let url = match storage {
                Storage::Memory { .. } => "sqlite::memory:".to_string(),
                Storage::Disk { file } => {
                    format!("sqlite://{}", own_file(file, contender)?.display())
                }
            };
            let db = runtime.block_on(async {
                // One connection: each connection to `:memory:` is a database of its own.
                let mut options = sea_orm::ConnectOptions::new(url);
                options.max_connections(1).min_connections(1).sqlx_logging(false);
                let db = sea_orm::Database::connect(options).await.map_err(|e| e.to_string())?;
                if let Some(script) = storage.script() {
                    db.execute_unprepared(&script).await.map_err(|e| e.to_string())?;
                }
                Ok::<_, String>(db)
            })?;
            Ok(Box::new(move || runtime.block_on(seaorm_side::run(&db, workload))))
        }
    }
}

/// The contender's own copy of the database file. Several connections of one process to
/// one file are not what a program has, and share SQLite's per-file state (locks, the
/// WAL index): measured that way, some loads ran 3x slower than alone.
fn own_file(file: &Path, contender: Contender) -> Result<PathBuf, String> {
    let own = file.with_extension(format!("{}.sqlite", contender.name()));
    std::fs::copy(file, &own).map_err(|e| format!("copying {}: {e}", file.display()))?;
    Ok(own)
}

/// The options of a full run.
struct Plan {
    sizes: Vec<u64>,
    storages: Vec<&'static str>,
    workloads: Vec<Workload>,
    contenders: Vec<Contender>,
    rounds: usize,
}

impl Plan {
    fn from_args(args: &[String]) -> Plan {
        let mut plan = Plan {
            sizes: vec![1_000, 10_000, 100_000],
            storages: vec!["mem", "disk"],
            workloads: Workload::ALL.to_vec(),
            contenders: Contender::ALL.to_vec(),
            rounds: 15,
        };
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let values: Vec<&str> = args.next().map(|v| v.split(',').collect()).unwrap_or_default();
            match flag.as_str() {
                "--sizes" => {
                    plan.sizes = values.iter().map(|v| v.parse().expect("a size")).collect()
                }
                "--storage" => {
                    plan.storages =
                        values.iter().map(|v| if *v == "mem" { "mem" } else { "disk" }).collect()
                }
                "--workloads" => {
                    plan.workloads = values.iter().map(|v| Workload::parse(v)).collect()
                }
                "--contenders" => {
                    plan.contenders = values.iter().map(|v| Contender::parse(v)).collect()
                }
                "--rounds" => {
                    plan.rounds =
                        values.first().and_then(|v| v.parse().ok()).expect("a number of rounds")
                }
                other => panic!(
                    "unknown option {other}; options: --sizes, --storage, --workloads, --contenders, --rounds"
                ),
            }
        }
        plan
    }
}

/// What a measurement printed.
#[derive(Clone)]
enum Outcome {
    Measured { median: Duration, checksum: u64, heap: usize, rss_kib: u64 },
    Failed(String),
}

/// Runs every measurement of the plan, each in a process of its own, and prints the tables.
fn drive(args: &[String]) {
    let plan = Plan::from_args(args);
    let me = std::env::current_exe().expect("the program's path");
    let dir = std::env::temp_dir().join(format!("eagerly-peers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");

    println!(
        "eagerly against its peers: medians; ratio = median / hand-written plain. In memory: contenders timed round-robin in one process (the naive loop and SeaORM in a second one). On disk: one process per contender, 3 alternating rounds, median of their medians."
    );
    let mut memory: BTreeMap<(Workload, Contender), Outcome> = BTreeMap::new();
    for &workload in &plan.workloads {
        let sizes: Vec<u64> =
            if workload == Workload::Chinook { vec![275] } else { plan.sizes.clone() };
        for &storage in &plan.storages {
            let mut results: BTreeMap<(Contender, u64), Outcome> = BTreeMap::new();
            for &size in &sizes {
                let script = script(workload, size);
                let script_file = dir.join(format!("{}-{size}.sql", workload.name()));
                std::fs::write(&script_file, &script).expect("the script is written");
                let storage_arg = if storage == "mem" {
                    Storage::Memory { script: script_file }
                } else {
                    let file = dir.join(format!("{}-{size}.sqlite", workload.name()));
                    data::write_file(&file, &script);
                    Storage::Disk { file }
                };
                if storage == "mem" {
                    // The close contenders round-robin in one process; the slow ones in
                    // another, after them.
                    let (slow, close): (Vec<Contender>, Vec<Contender>) =
                        plan.contenders.iter().partition(|c| c.is_slow());
                    let close_rounds = if size >= 100_000 { 7 } else { plan.rounds };
                    for (group, rounds) in [(close, close_rounds), (slow, 3.min(plan.rounds))] {
                        if group.is_empty() {
                            continue;
                        }
                        let names: Vec<&str> = group.iter().map(|c| c.name()).collect();
                        let args = [
                            "together".to_string(),
                            workload.name().to_string(),
                            storage_arg.to_arg(),
                            rounds.to_string(),
                            names.join(","),
                        ];
                        for (contender, outcome) in spawn(&me, &args, &group) {
                            results.insert((contender, size), outcome);
                        }
                    }
                } else {
                    // Files are read one contender per process: several connections of
                    // one process on database files made loads that run the same code
                    // differ by up to 2.7x. Processes alternate, 3 rounds, and the cell
                    // is the median of their medians.
                    let mut rounds: BTreeMap<Contender, Vec<Outcome>> = BTreeMap::new();
                    for round in 0..3 {
                        for &contender in &plan.contenders {
                            if contender.is_slow() && size >= 100_000 && round > 0 {
                                continue;
                            }
                            let outcome = alone(&me, contender, workload, &storage_arg, 3);
                            rounds.entry(contender).or_default().push(outcome);
                        }
                    }
                    for (contender, outcomes) in rounds {
                        results.insert((contender, size), median_outcome(outcomes));
                    }
                }
                // Peak memory: each contender alone in a process of its own.
                if storage == "mem" && (size == 10_000 || workload == Workload::Chinook) {
                    for &contender in &plan.contenders {
                        let outcome = alone(&me, contender, workload, &storage_arg, 1);
                        memory.insert((workload, contender), outcome);
                    }
                }
            }
            print_table(workload, storage, &sizes, &plan.contenders, &results);
        }
    }
    print_memory(&plan.workloads, &plan.contenders, &memory);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The median of several processes' medians; a failure in any of them fails the cell, and
/// so does a checksum that changes between them.
fn median_outcome(mut outcomes: Vec<Outcome>) -> Outcome {
    if let Some(failed) = outcomes.iter().find(|o| matches!(o, Outcome::Failed(_))) {
        return failed.clone();
    }
    let checksums: Vec<u64> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Measured { checksum, .. } => Some(*checksum),
            Outcome::Failed(_) => None,
        })
        .collect();
    outcomes.sort_by_key(|o| match o {
        Outcome::Measured { median, .. } => *median,
        Outcome::Failed(_) => Duration::ZERO,
    });
    match outcomes.swap_remove(outcomes.len() / 2) {
        Outcome::Measured { median, heap, rss_kib, .. }
            if checksums.windows(2).any(|w| w[0] != w[1]) =>
        {
            Outcome::Measured { median, checksum: 0, heap, rss_kib }
        }
        middle => middle,
    }
}

/// The SQL that builds the workload's database.
fn script(workload: Workload, size: u64) -> String {
    if workload == Workload::Chinook {
        data::chinook_sql(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/chinook/Chinook_Sqlite.sqlite"),
        )
    } else {
        data::synthetic_sql(size)
    }
}

/// One contender measured in a process of its own (`peers one ..`).
fn alone(
    me: &PathBuf,
    contender: Contender,
    workload: Workload,
    storage: &Storage,
    runs: usize,
) -> Outcome {
    let args = [
        "one".to_string(),
        contender.name().to_string(),
        workload.name().to_string(),
        storage.to_arg(),
        runs.to_string(),
    ];
    let mut outcomes = spawn(me, &args, &[contender]);
    outcomes.pop().map(|(_, outcome)| outcome).expect("`spawn` reports on every contender")
}

/// Runs the program with `args` and reads one outcome per contender; a contender it did
/// not report on (the process crashed) fails with the process's last words.
fn spawn(me: &PathBuf, args: &[String], contenders: &[Contender]) -> Vec<(Contender, Outcome)> {
    let output = Command::new(me).args(args).output().expect("the measurement starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut outcomes: Vec<(Contender, Outcome)> = stdout
        .lines()
        .filter_map(|line| {
            let (kind, rest) = line.split_once(' ')?;
            let (name, rest) = rest.split_once(' ')?;
            let contender = Contender::parse(name);
            match kind {
                "RESULT" => {
                    let v: Vec<u64> = rest.split(' ').map(|n| n.parse().unwrap_or(0)).collect();
                    let median = Duration::from_nanos(v[0]);
                    let (checksum, heap, rss_kib) = (v[2], v[3] as usize, v[4]);
                    Some((contender, Outcome::Measured { median, checksum, heap, rss_kib }))
                }
                "FAIL" => Some((contender, Outcome::Failed(rest.to_string()))),
                _ => None,
            }
        })
        .collect();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("no output");
    for &contender in contenders {
        if !outcomes.iter().any(|(c, _)| *c == contender) {
            outcomes.push((contender, Outcome::Failed(format!("crashed: {last}"))));
        }
    }
    outcomes
}

fn shorten(message: &str, width: usize) -> String {
    let message = message.trim();
    if message.chars().count() > width {
        format!("{}...", message.chars().take(width - 3).collect::<String>())
    } else {
        message.to_string()
    }
}

fn millis(duration: Duration) -> String {
    let ms = duration.as_secs_f64() * 1e3;
    if ms >= 100.0 { format!("{ms:.0} ms") } else { format!("{ms:.2} ms") }
}

fn print_table(
    workload: Workload,
    storage: &str,
    sizes: &[u64],
    contenders: &[Contender],
    results: &BTreeMap<(Contender, u64), Outcome>,
) {
    println!();
    println!(
        "== {} -- {}",
        workload.title(),
        if storage == "mem" { "in memory" } else { "on disk (WAL)" }
    );
    print!("{:<34}", "contender");
    for size in sizes {
        print!(
            " {:>24}",
            if workload == Workload::Chinook {
                "Chinook".to_string()
            } else {
                format!("{size} parents")
            }
        );
    }
    println!();
    for &contender in contenders {
        print!("{:<34}", contender.label());
        for &size in sizes {
            let reference = results.get(&(Contender::HandPlain, size));
            let cell = match (results.get(&(contender, size)), reference) {
                (
                    Some(Outcome::Measured { median, checksum, .. }),
                    Some(Outcome::Measured { median: plain, checksum: expected, .. }),
                ) => {
                    let ratio = median.as_secs_f64() / plain.as_secs_f64();
                    let wrong = if checksum == expected { "" } else { " WRONG" };
                    format!("{} {:>5.2}x{wrong}", millis(*median), ratio)
                }
                (Some(Outcome::Measured { median, .. }), _) => millis(*median),
                (Some(Outcome::Failed(message)), _) => format!("fails: {}", shorten(message, 16)),
                (None, _) => "-".to_string(),
            };
            print!(" {cell:>24}");
        }
        println!();
    }
    // The targets compare eagerly with the best hand-written form too.
    print!("{:<34}", "eagerly / hand-written best");
    for &size in sizes {
        let cell = match (
            results.get(&(Contender::Eagerly, size)),
            results.get(&(Contender::HandBest, size)),
        ) {
            (
                Some(Outcome::Measured { median, .. }),
                Some(Outcome::Measured { median: best, .. }),
            ) => {
                format!("{:.2}x", median.as_secs_f64() / best.as_secs_f64())
            }
            _ => "-".to_string(),
        };
        print!(" {cell:>24}");
    }
    println!();
    for (contender, size) in results.keys() {
        if let Some(Outcome::Failed(message)) = results.get(&(*contender, *size)) {
            println!("  {} at {size}: {message}", contender.label());
        }
    }
}

fn print_memory(
    workloads: &[Workload],
    contenders: &[Contender],
    memory: &BTreeMap<(Workload, Contender), Outcome>,
) {
    if memory.is_empty() {
        return;
    }
    println!();
    println!(
        "== Memory, in memory, 10,000 parents (Chinook: whole): peak Rust heap during one load / peak RSS of the process"
    );
    print!("{:<34}", "contender");
    for workload in workloads {
        print!(" {:>22}", workload.name());
    }
    println!();
    for &contender in contenders {
        print!("{:<34}", contender.label());
        for &workload in workloads {
            let cell = match memory.get(&(workload, contender)) {
                Some(Outcome::Measured { heap, rss_kib, .. }) => {
                    format!("{:.1} MB / {:.0} MB", *heap as f64 / 1e6, *rss_kib as f64 / 1024.0)
                }
                Some(Outcome::Failed(_)) => "fails".to_string(),
                None => "-".to_string(),
            };
            print!(" {cell:>22}");
        }
        println!();
    }
}
