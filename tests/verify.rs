//! `chplan verify` on real ClickHouse 26.9 (chfront): a good migration directory passes, a
//! broken one is reported, and the scratch database never outlives the run.

mod support;

use support::Project;
use support::cli::{fails, ok};

use std::path::Path;

fn url_args<'a>(command: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![command, "--url", support::clickhouse().url()];
    v.extend_from_slice(extra);
    v
}

fn q(sql: &str) -> String {
    support::clickhouse().exec(sql).trim().to_owned()
}

/// The repository's example project (several plans' worth of schema), copied.
fn example() -> Project {
    Project::copy_of(Path::new(env!("CARGO_MANIFEST_DIR")))
}

fn scratch_databases() -> String {
    q("SELECT groupArray(name) FROM system.databases WHERE name LIKE '%chplan_verify%'")
}

fn add_to_events(dir: &Path, column: &str) {
    let path = dir.join("schemas/events.kdl");
    let text = std::fs::read_to_string(&path).unwrap();
    let at = text.find("    column").unwrap();
    let text = format!("{}{column}\n{}", &text[..at], &text[at..]);
    std::fs::write(&path, text).unwrap();
}

#[test]
fn verify_checks_good_and_broken_migration_directories() {
    // Good: the example's committed migrations, plus a second plan.
    let p = example();
    let out = ok(p.path(), &url_args("verify", &[]));
    assert!(out.contains("verify: ok"), "{out}");
    add_to_events(p.path(), "    column verified_at \"Nullable(DateTime)\"");
    ok(p.path(), &["plan", "--name", "verified"]);
    let out = ok(p.path(), &url_args("verify", &[]));
    assert!(out.contains("verify: ok"), "{out}");
    assert_eq!(scratch_databases(), "[]");

    // A change to the schemas nobody planned: the plans build something else.
    add_to_events(p.path(), "    column unplanned UInt8");
    let out = fails(p.path(), &url_args("verify", &[]));
    assert!(out.contains("verify: FAILED"), "{out}");
    assert!(
        out.contains(": column unplanned: missing (expected UInt8)"),
        "{out}"
    );
    assert_eq!(scratch_databases(), "[]");

    // A plan edited by hand (and resealed) into SQL that does not run.
    let p = example();
    let plan = p.path().join("migrations/0001_init/plan.yaml");
    let text = std::fs::read_to_string(&plan).unwrap();
    let broken = text.replacen("CREATE TABLE IF NOT EXISTS", "CREATE TABLE IF NOT EXIST", 1);
    assert_ne!(broken, text);
    std::fs::write(&plan, broken).unwrap();
    ok(p.path(), &["reseal"]);
    let out = fails(p.path(), &url_args("verify", &[]));
    assert!(out.contains("SYNTAX_ERROR"), "{out}");
    assert!(out.contains("do not apply cleanly"), "{out}");
    assert_eq!(scratch_databases(), "[]");
}

#[test]
fn a_plan_that_builds_another_shape_than_it_claims_is_caught() {
    let p = example();
    add_to_events(p.path(), "    column checked UInt8");
    ok(p.path(), &["plan", "--name", "checked"]);
    // Hand-edit the new plan's SQL to add another type than its state says.
    let dir = std::fs::read_dir(p.path().join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .max()
        .unwrap();
    let plan = dir.join("plan.yaml");
    let text = std::fs::read_to_string(&plan).unwrap();
    let edited = text.replace("`checked` UInt8", "`checked` UInt16");
    assert_ne!(edited, text);
    std::fs::write(&plan, edited).unwrap();
    ok(p.path(), &["reseal"]);
    let out = fails(p.path(), &url_args("verify", &["--keep"]));
    assert!(
        out.contains(": column checked: expected UInt8, found UInt16"),
        "{out}"
    );
    let kept = out
        .lines()
        .find_map(|l| l.strip_prefix("verify: kept scratch database "))
        .unwrap()
        .to_owned();
    assert!(q(&format!("EXISTS DATABASE {kept}")) == "1");
    q(&format!("DROP DATABASE {kept}"));
}

#[test]
fn externally_managed_tables_get_stand_ins() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/plan/010-externally-managed");
    let dir = Project::copy_of(&root.join("before"));
    ok(dir.path(), &["plan", "--name", "before"]);
    dir.replace_schemas(&root.join("after/schemas"));
    ok(dir.path(), &["plan", "--name", "after"]);
    let out = ok(dir.path(), &url_args("verify", &[]));
    assert!(
        out.contains("stand-in for externally-managed table ext_orders"),
        "{out}"
    );
    assert!(out.contains("verify: ok"), "{out}");
}
