//! What eagerly costs at compile time: the incremental rebuild of a 50-model schema with
//! relations, in eagerly and in Diesel (the schema crate touched, its dependencies
//! prebuilt), and the clean build of eagerly's macros crate.
//!
//! The two schemas are generated into one scratch workspace under `bench/target`, so both
//! build against the versions `bench/Cargo.lock` pins, offline.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Models in each schema.
const MODELS: usize = 50;
/// Timed rebuilds per measurement; the table shows the median.
const REPEATS: usize = 3;

pub fn run() {
    let bench = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = bench.parent().expect("bench/ sits in the project");
    let dir = bench.join("target/compile-cost");
    write_workspace(&dir, root, bench);

    println!("Compile cost (debug profile, {} cores; medians of {REPEATS})", cores());
    // Prebuilds every dependency, untimed.
    cargo(&dir, &["build", "--workspace"]);

    println!();
    println!("== A {MODELS}-model schema with relations: touch the schema crate, rebuild it");
    println!("{:<28} {:>14} {:>14}", "schema", "cargo check", "cargo build");
    for (label, package) in [("eagerly", "schema-eagerly"), ("Diesel 2.3", "schema-diesel")] {
        let lib = dir.join(package).join("src/lib.rs");
        let check = median((0..REPEATS).map(|_| {
            touch(&lib);
            cargo(&dir, &["check", "-p", package])
        }));
        let build = median((0..REPEATS).map(|_| {
            touch(&lib);
            cargo(&dir, &["build", "-p", package])
        }));
        println!("{label:<28} {:>14} {:>14}", seconds(check), seconds(build));
    }

    println!();
    println!("== eagerly's macros crate, clean build");
    let alone = median((0..REPEATS).map(|_| {
        cargo(&dir, &["clean", "-p", "eagerly-macros"]);
        cargo(&dir, &["build", "-p", "eagerly-macros"])
    }));
    println!("{:<44} {:>10}", "eagerly-macros alone (syn etc. prebuilt)", seconds(alone));
    let fresh = dir.join("fresh-target");
    let with_dependencies = median((0..REPEATS).map(|_| {
        let _ = std::fs::remove_dir_all(&fresh);
        cargo_in(&dir, &fresh, &["build", "-p", "eagerly-macros"])
    }));
    let _ = std::fs::remove_dir_all(&fresh);
    println!("{:<44} {:>10}", "eagerly-macros with its dependencies", seconds(with_dependencies));
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn seconds(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

fn median(times: impl Iterator<Item = Duration>) -> Duration {
    let mut times: Vec<Duration> = times.collect();
    times.sort();
    times[times.len() / 2]
}

/// Changes the file's contents (not only its time), so no cache can skip the rebuild.
fn touch(file: &Path) {
    let text = std::fs::read_to_string(file).expect("the schema reads");
    let (body, _) = text.rsplit_once("// edit ").expect("the schema ends with its edit counter");
    let count: u64 = text.rsplit_once("// edit ").map_or(0, |(_, n)| n.trim().parse().unwrap_or(0));
    std::fs::write(file, format!("{body}// edit {}\n", count + 1)).expect("the schema is written");
}

fn cargo(dir: &Path, args: &[&str]) -> Duration {
    cargo_in(dir, &dir.join("target"), args)
}

/// Runs cargo offline in the scratch workspace and returns how long it took; a failed
/// build stops the run with cargo's own message.
fn cargo_in(dir: &Path, target: &Path, args: &[&str]) -> Duration {
    let started = Instant::now();
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .args(["--offline", "--quiet"])
        .env("CARGO_TARGET_DIR", target)
        .current_dir(dir)
        .output()
        .expect("cargo starts");
    let elapsed = started.elapsed();
    if !output.status.success() {
        panic!("cargo {} failed:\n{}", args.join(" "), String::from_utf8_lossy(&output.stderr));
    }
    elapsed
}

fn write_workspace(dir: &Path, root: &Path, bench: &Path) {
    let write = |path: PathBuf, text: String| {
        std::fs::create_dir_all(path.parent().expect("a file in a directory"))
            .expect("the directory is made");
        // Rewriting an unchanged file would only force a rebuild of it.
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&path, text).expect("the file is written");
        }
    };
    write(
        dir.join("Cargo.toml"),
        "[workspace]\nmembers = [\"schema-eagerly\", \"schema-diesel\"]\nresolver = \"3\"\n".into(),
    );
    if !dir.join("Cargo.lock").exists() {
        std::fs::copy(bench.join("Cargo.lock"), dir.join("Cargo.lock"))
            .expect("the lock file is copied");
    }
    let eagerly = root.display().to_string().replace('\\', "/");
    write(
        dir.join("schema-eagerly/Cargo.toml"),
        format!(
            "[package]\nname = \"schema-eagerly\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n\
             [dependencies]\neagerly = {{ path = \"{eagerly}\" }}\n"
        ),
    );
    write(
        dir.join("schema-diesel/Cargo.toml"),
        "[package]\nname = \"schema-diesel\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n\
         [dependencies]\ndiesel = { version = \"2.3\", default-features = false, features = [\"sqlite\"] }\n"
            .into(),
    );
    for (package, schema) in
        [("schema-eagerly", eagerly_schema()), ("schema-diesel", diesel_schema())]
    {
        let lib = dir.join(package).join("src/lib.rs");
        if std::fs::read_to_string(&lib).map_or(true, |text| !text.starts_with(&schema)) {
            write(lib, format!("{schema}// edit 0\n"));
        }
    }
}

/// The model a model belongs to besides its predecessor: a tree over the chain, so some
/// models have several has-many relations and some a nullable foreign key.
fn group_of(i: usize) -> Option<usize> {
    (i >= 3).then_some(i / 2)
}

/// Fifty models in a chain (each belongs to the one before) plus a tree of nullable
/// foreign keys, with indexes: the shape of an application's schema.
fn eagerly_schema() -> String {
    let mut out = String::from(
        "//! A 50-model schema, generated by the benchmark's compile-cost mode.\n\nuse eagerly::Model;\n",
    );
    for i in 0..MODELS {
        let mut relations = Vec::new();
        if i + 1 < MODELS {
            relations.push(format!("has_many(children = Model{}, fk = parent_id)", i + 1));
        }
        for child in (0..MODELS).filter(|&c| group_of(c) == Some(i)) {
            relations.push(format!("has_many(members{child} = Model{child}, fk = group_id)"));
        }
        out.push_str("\n#[derive(Model, Debug, Clone, PartialEq)]\n");
        for relation in relations {
            out.push_str(&format!("#[model({relation})]\n"));
        }
        out.push_str(&format!(
            "pub struct Model{i} {{\n    #[model(primary_key)]\n    pub id: i64,\n"
        ));
        out.push_str("    #[model(index)]\n    pub name: String,\n    pub amount: f64,\n    pub active: bool,\n");
        out.push_str("    pub note: Option<String>,\n");
        if i > 0 {
            out.push_str(&format!(
                "    #[model(belongs_to(parent = Model{}))]\n    pub parent_id: i64,\n",
                i - 1
            ));
        }
        if let Some(group) = group_of(i) {
            out.push_str(&format!(
                "    #[model(belongs_to(group = Model{group}))]\n    pub group_id: Option<i64>,\n"
            ));
        }
        out.push_str("}\n");
    }
    out
}

/// The same schema as Diesel's guide writes it: `table!`, `joinable!`, one
/// `allow_tables_to_appear_in_same_query!`, and a struct per table with the derives that
/// give what eagerly's derive gives (loading, inserting, `belonging_to`).
fn diesel_schema() -> String {
    let mut out = String::from(
        "//! A 50-model schema, generated by the benchmark's compile-cost mode.\n\nuse diesel::prelude::*;\n\npub mod schema {\n",
    );
    for i in 0..MODELS {
        out.push_str(&format!(
            "    diesel::table! {{\n        model{i} (id) {{\n            id -> BigInt,\n"
        ));
        out.push_str("            name -> Text,\n            amount -> Double,\n            active -> Bool,\n");
        out.push_str("            note -> Nullable<Text>,\n");
        if i > 0 {
            out.push_str("            parent_id -> BigInt,\n");
        }
        if group_of(i).is_some() {
            out.push_str("            group_id -> Nullable<BigInt>,\n");
        }
        out.push_str("        }\n    }\n");
    }
    for i in 1..MODELS {
        out.push_str(&format!("    diesel::joinable!(model{i} -> model{} (parent_id));\n", i - 1));
    }
    let tables: Vec<String> = (0..MODELS).map(|i| format!("model{i}")).collect();
    out.push_str(&format!(
        "    diesel::allow_tables_to_appear_in_same_query!({});\n}}\n",
        tables.join(", ")
    ));
    for i in 0..MODELS {
        let mut associations = Vec::new();
        if i > 0 {
            associations.push(format!("belongs_to(Model{}, foreign_key = parent_id)", i - 1));
        }
        if let Some(group) = group_of(i) {
            associations.push(format!("belongs_to(Model{group}, foreign_key = group_id)"));
        }
        let derives = if associations.is_empty() {
            "Queryable, Selectable, Identifiable, Insertable, Debug, Clone, PartialEq"
        } else {
            "Queryable, Selectable, Identifiable, Insertable, Associations, Debug, Clone, PartialEq"
        };
        out.push_str(&format!("\n#[derive({derives})]\n#[diesel(table_name = schema::model{i}"));
        for association in associations {
            out.push_str(&format!(", {association}"));
        }
        out.push_str(")]\n");
        out.push_str(&format!("pub struct Model{i} {{\n    pub id: i64,\n    pub name: String,\n    pub amount: f64,\n"));
        out.push_str("    pub active: bool,\n    pub note: Option<String>,\n");
        if i > 0 {
            out.push_str("    pub parent_id: i64,\n");
        }
        if group_of(i).is_some() {
            out.push_str("    pub group_id: Option<i64>,\n");
        }
        out.push_str("}\n");
    }
    out
}
