//! Advice that can be followed, against the real ClickHouse engine (chfront): the drift
//! refusal names the commands that bring the database back in line, and following them
//! works, with and without pending plans; `plan --url` says the live database matches.

mod support;

use std::path::Path;

use support::Project;
use support::cli::{chplan_with, fails, ok, text};

const EVENTS: &str = "table events {\n    column id String\n    order-by id\n}\n";

fn q(sql: &str) -> String {
    support::clickhouse().exec(sql).trim().to_owned()
}

fn columns(db: &str) -> String {
    q(&format!(
        "SELECT groupArray(name) FROM (SELECT name FROM system.columns \
         WHERE database = '{db}' AND table = 'events' ORDER BY position)"
    ))
}

/// The two commands of the refusal, for `url`.
fn advice(url: &str) -> String {
    format!("  chplan plan --url {url} --name fix_drift\n  chplan apply --url {url}\n")
}

/// Runs the advice as printed: `chplan plan --url URL --name fix_drift` (the drop of the
/// column added by hand approved, as a person at the terminal would), then `chplan apply`.
fn follow(dir: &Path, url: &str) -> String {
    let o = chplan_with(
        dir,
        &["plan", "--url", url, "--name", "fix_drift"],
        &[("CHPLAN_ACCEPT_DESTRUCTIVE", "1")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = chplan_with(
        dir,
        &["apply", "--url", url],
        &[("CHPLAN_ACCEPT_DESTRUCTIVE", "1")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    text(&o)
}

#[test]
fn following_the_refusal_fixes_drift_when_nothing_is_pending() {
    let url = support::clickhouse().url();
    let p = Project::fresh("advice_done")
        .schema("events.kdl", EVENTS)
        .plan("init");
    let db = p.database();
    ok(p.path(), &["apply", "--url", url]);
    q(&format!("ALTER TABLE {db}.events ADD COLUMN hand UInt8"));

    let out = fails(p.path(), &["apply", "--url", url]);
    assert!(out.contains(&advice(url)), "{out}");
    assert!(!out.contains("supersedes"), "{out}");
    assert!(!out.contains("once the pending ones are applied"), "{out}");

    follow(p.path(), url);
    assert_eq!(columns(db), "['id']");
    let status = ok(p.path(), &["status", "--url", url]);
    assert!(status.contains("drift: up to date, no drift"), "{status}");
    ok(p.path(), &["check"]);
}

#[test]
fn following_the_refusal_fixes_drift_before_a_pending_plan() {
    let url = support::clickhouse().url();
    let p = Project::fresh("advice_pending")
        .schema("events.kdl", EVENTS)
        .plan("init");
    let db = p.database().to_owned();
    ok(p.path(), &["apply", "--url", url]);
    q(&format!("ALTER TABLE {db}.events ADD COLUMN hand UInt8"));
    p.write(
        "events.kdl",
        &EVENTS.replace("String\n", "String\n    column name String\n"),
    );
    ok(p.path(), &["plan", "--name", "add_name"]);

    let out = fails(p.path(), &["apply", "--url", url]);
    assert!(out.contains(&advice(url)), "{out}");
    assert!(out.contains("supersedes the pending plans"), "{out}");

    let out = follow(p.path(), url);
    assert!(
        out.contains(&format!(
            "superseded: 0003_fix_drift was planned against {db} as it is: 0002_add_name will \
             not run here (recorded as skipped)"
        )),
        "{out}"
    );
    assert_eq!(columns(&db), "['id','name']");
    let status = ok(p.path(), &["status", "--url", url]);
    assert!(status.contains("applied  0002_add_name"), "{status}");
    assert!(status.contains("applied  0003_fix_drift"), "{status}");
    assert!(status.contains("drift: up to date, no drift"), "{status}");
    ok(p.path(), &["check"]);

    // A database that never drifted (here: the same one, new) runs the pending plan, and the
    // fix is skipped there: it already holds the fix's end state.
    // (Its drop of `hand` is approved: approval comes before the skip is known.)
    q(&format!("DROP DATABASE {db}"));
    let out = ok(p.path(), &["apply", "--url", url, "--yes-destructive"]);
    assert!(out.contains("applying 0002_add_name"), "{out}");
    assert!(out.contains("skipping 0003_fix_drift"), "{out}");
    assert_eq!(columns(&db), "['id','name']");
}

#[test]
fn plan_url_says_the_live_database_matches_the_schemas() {
    let url = support::clickhouse().url();
    let p = Project::fresh("advice_match")
        .schema("events.kdl", EVENTS)
        .plan("init");
    ok(p.path(), &["apply", "--url", url]);
    let stdout = |args: &[&str]| {
        let o = chplan_with(p.path(), args, &[]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        String::from_utf8(o.stdout).unwrap()
    };
    assert_eq!(
        stdout(&["plan", "--url", url, "--name", "again"]),
        "No changes: the live database matches the schemas.\n"
    );
    assert_eq!(
        stdout(&["plan", "--name", "again"]),
        "No changes: the schemas match the last plan.\n"
    );
}
