//! The layer rules of ARCHITECTURE.md, checked on the source: each top-level module of a crate
//! may name (`crate::x`) only itself and the modules listed before it. Between crates the
//! workspace enforces the rest: `chplan_clickhouse` depends on no other crate of ours, and
//! `chplan_runner` only on it, so the runner cannot reach a compiler pass.

use std::fs;
use std::path::{Path, PathBuf};

/// Each crate's source directory and its top-level modules, lowest layer first.
const CRATES: &[(&str, &[&str])] = &[
    (
        "crates/clickhouse/src",
        &[
            "sqltext",
            "databases",
            "chtype",
            "casts",
            "engines",
            "sql",
            "features",
        ],
    ),
    (
        "crates/runner/src",
        &["artifacts", "migrations", "client", "live", "runner"],
    ),
    ("src", &["front", "back", "db", "cli"]),
];

/// Cargo manifests and the workspace crates each one may depend on.
const MANIFESTS: &[(&str, &[&str])] = &[
    ("crates/clickhouse/Cargo.toml", &[]),
    ("crates/runner/Cargo.toml", &["chplan-clickhouse"]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
}

/// The names `x` of every `crate::x` in the code of a line (comments left out).
fn crate_refs(line: &str) -> Vec<&str> {
    let code = line.split("//").next().unwrap_or("");
    code.match_indices("crate::")
        .filter(|(i, _)| {
            // `chplan_runner::...` is another crate's path, not `crate::`.
            !code[..*i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
        })
        .map(|(i, m)| {
            let rest = &code[i + m.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

#[test]
fn modules_name_only_their_own_layer_and_those_below() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut violations = Vec::new();
    let mut checked = 0;
    for (dir, layers) in CRATES {
        let src = root.join(dir);
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        for file in files {
            let rel = file.strip_prefix(&src).unwrap();
            let first = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy();
            let module = first.trim_end_matches(".rs");
            if module == "lib" || module == "main" {
                continue;
            }
            let Some(rank) = layers.iter().position(|l| *l == module) else {
                violations.push(format!(
                    "{dir}/{}: module `{module}` is in no layer of this test",
                    rel.display()
                ));
                continue;
            };
            let text = fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                for target in crate_refs(line) {
                    checked += 1;
                    match layers.iter().position(|l| *l == target) {
                        Some(t) if t <= rank => {}
                        Some(_) => violations.push(format!(
                            "{dir}/{}:{}: `{module}` names `crate::{target}`, a layer above it",
                            rel.display(),
                            n + 1
                        )),
                        None => violations.push(format!(
                            "{dir}/{}:{}: `crate::{target}` is in no layer of this test",
                            rel.display(),
                            n + 1
                        )),
                    }
                }
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} crate:: paths found: is the scan broken?"
    );
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn lower_crates_depend_on_no_higher_one() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (manifest, allowed) in MANIFESTS {
        let text = fs::read_to_string(root.join(manifest)).unwrap();
        for line in text.lines() {
            let name = line.split('=').next().unwrap_or("").trim();
            if name.starts_with("chplan") {
                assert!(
                    allowed.contains(&name),
                    "{manifest}: depends on `{name}`, which is not below it"
                );
            }
        }
    }
}

#[test]
fn the_scan_sees_paths_and_not_other_crates() {
    assert_eq!(
        crate_refs("use crate::front::ir::{Table}; let x = crate::back::steps(a);"),
        ["front", "back"]
    );
    assert!(crate_refs("use chplan_runner::artifacts; // crate::back").is_empty());
}
