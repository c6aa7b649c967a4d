//! The runtime's modules form layers: no module uses one that uses it back, directly or
//! through others. A module uses another when it names it through a `crate::` (or
//! `super::`) path anywhere in its file: a `use`, code, or a doc link. The layers are
//! described at the top of `runtime/src/lib.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The module of each `.rs` file under `src`, as its path segments (`["load", "join"]`).
fn modules(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut found = BTreeMap::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(src).unwrap().with_extension("");
                let mut segments: Vec<String> =
                    relative.iter().map(|s| s.to_string_lossy().into_owned()).collect();
                if matches!(segments.last().map(String::as_str), Some("mod" | "lib")) {
                    segments.pop();
                }
                found.insert(segments, path);
            }
        }
    }
    found
}

/// Every path a file names, as segments after `crate` (or resolved from `super`),
/// including the items of `use crate::a::{b, c::d}` groups.
fn named_paths(text: &str, module: &[String]) -> Vec<Vec<String>> {
    let words = |s: &str| -> Vec<String> {
        s.split("::").map(|w| w.trim().to_owned()).filter(|w| !w.is_empty()).collect()
    };
    let base = |root: &str| -> Vec<String> {
        if root == "crate" { Vec::new() } else { module[..module.len().saturating_sub(1)].to_vec() }
    };
    let mut paths = Vec::new();
    for root in ["crate", "super"] {
        let mut rest = text;
        while let Some(at) = rest.find(&format!("{root}::")) {
            let before = rest[..at].chars().next_back();
            let after = &rest[at + root.len()..];
            rest = after;
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let end = after
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(after.len());
            let path = &after[..end];
            if words(path).is_empty() && !after[end..].starts_with('{') {
                continue; // `use super::*;` in a file's own test module
            }
            let mut segments = base(root);
            segments.extend(words(path));
            // `use crate::a::{b, c::d};`: each item extends the prefix.
            if path.ends_with("::") && after[end..].starts_with('{') {
                let group = &after[end + 1..after[end..].find('}').map_or(end, |i| end + i)];
                for item in group.split(',') {
                    let mut item_path = segments.clone();
                    item_path.extend(words(item.split_whitespace().next().unwrap_or("")));
                    paths.push(item_path);
                }
            }
            paths.push(segments);
        }
    }
    paths
}

/// The longest prefix of `path` that is a module.
fn resolve<'m>(
    path: &[String],
    modules: &'m BTreeMap<Vec<String>, PathBuf>,
) -> Option<&'m Vec<String>> {
    (1..=path.len()).rev().find_map(|k| modules.get_key_value(&path[..k]).map(|(m, _)| m))
}

#[test]
fn no_runtime_module_uses_one_that_uses_it_back() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime/src");
    let modules = modules(&src);
    assert!(modules.len() > 20, "found the runtime's modules: {:?}", modules.keys());
    let mut uses: BTreeMap<&Vec<String>, BTreeSet<&Vec<String>>> = BTreeMap::new();
    for (module, file) in &modules {
        let text = std::fs::read_to_string(file).unwrap();
        let targets = named_paths(&text, module)
            .into_iter()
            .filter_map(|path| resolve(&path, &modules))
            .filter(|target| *target != module && !target.is_empty());
        uses.entry(module).or_default().extend(targets);
    }
    // Every module reachable from each module; a module that reaches itself is in a cycle.
    let mut cycles = Vec::new();
    for &start in uses.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&Vec<String>> = uses[start].iter().copied().collect();
        while let Some(next) = stack.pop() {
            if seen.insert(next) {
                stack.extend(uses.get(next).into_iter().flatten().copied());
            }
        }
        if seen.contains(start) {
            let back: Vec<String> = (uses[start].iter())
                .filter(|m| {
                    let mut reached = BTreeSet::new();
                    let mut stack = vec![**m];
                    while let Some(n) = stack.pop() {
                        if reached.insert(n) {
                            stack.extend(uses.get(n).into_iter().flatten().copied());
                        }
                    }
                    reached.contains(start)
                })
                .map(|m| m.join("/"))
                .collect();
            cycles.push(format!("{} -> {}", start.join("/"), back.join(", ")));
        }
    }
    assert!(cycles.is_empty(), "modules that use one that uses them back:\n{}", cycles.join("\n"));
}

#[test]
fn a_cycle_is_found() {
    let module = |name: &str| vec![name.to_owned()];
    let paths = named_paths("use crate::b::{X, c::Y};\n/// [`Z`](crate::a::Z)", &module("a"));
    let segments: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert!(segments.contains(&"b::X".to_owned()), "{segments:?}");
    assert!(segments.contains(&"b::c::Y".to_owned()), "{segments:?}");
    assert!(segments.contains(&"a::Z".to_owned()), "{segments:?}");
    let nested = named_paths("use super::Alias;", &["load".to_owned(), "join".to_owned()]);
    assert_eq!(nested, [vec!["load".to_owned(), "Alias".to_owned()]]);
}
