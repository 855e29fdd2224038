//! `chplan status` exit statuses, what CI gates on, against the real ClickHouse engine
//! (chfront): 0 up to date, 1 behind (pending, stopped, failed) or drifted, 2 cannot tell.

mod support;

use std::path::Path;

use support::Project;
use support::cli::{chplan, ok, text};

const EVENTS: &str = "table events {\n    column id String\n    order-by id\n}\n";

/// A view ClickHouse refuses at apply (chplan cannot know every function).
const BROKEN_VIEW: &str =
    "view broken {\n    select \"SELECT nosuchfunc(id) AS x FROM events\"\n}\n";

fn q(sql: &str) -> String {
    support::clickhouse().exec(sql).trim().to_owned()
}

/// `chplan status` on the test server: its exit status and output.
fn status(dir: &Path) -> (i32, String) {
    let o = chplan(dir, &["status", "--url", support::clickhouse().url()]);
    (o.status.code().unwrap_or(-1), text(&o))
}

#[test]
fn the_exit_status_follows_the_database() {
    let url = support::clickhouse().url();
    let p = Project::fresh("status_codes")
        .schema("events.kdl", EVENTS)
        .plan("init");
    let db = p.database().to_owned();

    let (code, out) = status(p.path());
    assert_eq!(
        (code, out.contains("pending  0001_init")),
        (1, true),
        "{out}"
    );

    ok(p.path(), &["apply", "--url", url]);
    let (code, out) = status(p.path());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("applied  0001_init"), "{out}");
    assert!(out.contains("drift: up to date, no drift"), "{out}");

    // Drifted: 1, until it is undone.
    q(&format!("ALTER TABLE {db}.events ADD COLUMN hand UInt8"));
    let (code, out) = status(p.path());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("column hand"), "{out}");
    q(&format!("ALTER TABLE {db}.events DROP COLUMN hand"));
    assert_eq!(status(p.path()).0, 0);

    // A plan that failed mid-way: stopped, 1.
    p.write("broken.kdl", BROKEN_VIEW);
    ok(p.path(), &["plan", "--name", "broken"]);
    assert_eq!(status(p.path()).0, 1);
    let o = chplan(p.path(), &["apply", "--url", url]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let (code, out) = status(p.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("stopped  0002_broken at operation 1 of 1"),
        "{out}"
    );
    assert!(out.contains("failed: ClickHouse error"), "{out}");
}

#[test]
fn it_exits_2_when_it_cannot_tell() {
    let p = Project::fresh("status_unknown")
        .schema("events.kdl", EVENTS)
        .plan("init");
    // No server there.
    let o = chplan(p.path(), &["status", "--url", "http://127.0.0.1:9"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("chplan: cannot read the journal"),
        "{}",
        text(&o)
    );

    // Every plan applied, but a plan's state.json is gone: the drift check cannot be made.
    ok(p.path(), &["apply", "--url", support::clickhouse().url()]);
    std::fs::remove_file(p.path().join("migrations/0001_init/state.json")).unwrap();
    let (code, out) = status(p.path());
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("drift: not checked"), "{out}");
    assert!(
        out.contains("chplan: cannot tell whether the database is up to date"),
        "{out}"
    );
}

#[test]
fn help_documents_the_exit_statuses() {
    let p = Project::new("shop");
    let help = ok(p.path(), &["status", "--help"]);
    for line in [
        "Exit status:",
        "  0  up to date: every plan applied, no drift",
        "  1  behind: a plan pending, partial, stopped mid-way",
        "  2  cannot tell:",
    ] {
        assert!(help.contains(line), "{help}");
    }
    let top = ok(p.path(), &["--help"]);
    assert!(
        top.contains("(exit 0 up to date, 1 behind or drifted, 2 cannot tell)"),
        "{top}"
    );
}

/// `chplan status --format json`: its exit status and the object on stdout.
fn status_json(dir: &Path, url: &str) -> (i32, serde_json::Value) {
    let o = chplan(dir, &["status", "--url", url, "--format", "json"]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    let value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", text(&o)));
    (o.status.code().unwrap_or(-1), value)
}

#[test]
fn json_status_has_the_documented_shape() {
    let url = support::clickhouse().url();
    let p = Project::fresh("status_json")
        .schema("events.kdl", EVENTS)
        .plan("init");
    let db = p.database().to_owned();

    let (code, v) = status_json(p.path(), url);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["version"], 1);
    assert_eq!(v["database"], db.as_str());
    assert_eq!(v["url"], url);
    assert_eq!(v["verdict"], "behind");
    assert_eq!(v["exit"], 1);
    assert_eq!(
        v["plans"],
        serde_json::json!([
            {"id": "0001_init", "operations": 1, "done": 0, "state": "pending"}
        ])
    );
    assert_eq!(v["drift"]["result"], "none", "{v}");

    ok(p.path(), &["apply", "--url", url]);
    let (code, v) = status_json(p.path(), url);
    assert_eq!(
        (code, &v["verdict"], &v["exit"]),
        (0, &"up_to_date".into(), &0.into())
    );
    assert_eq!(v["plans"][0]["state"], "applied");
    assert_eq!(v["plans"][0]["done"], 1);
    assert_eq!(
        v["drift"],
        serde_json::json!({"result": "none", "detail": "up to date, no drift", "differences": []})
    );

    q(&format!("ALTER TABLE {db}.events ADD COLUMN hand UInt8"));
    let (code, v) = status_json(p.path(), url);
    assert_eq!((code, &v["verdict"]), (1, &"behind".into()));
    assert_eq!(v["drift"]["result"], "found");
    assert_eq!(
        v["drift"]["differences"],
        serde_json::json!(["events: column hand: not in the state (found UInt8)"])
    );
    q(&format!("ALTER TABLE {db}.events DROP COLUMN hand"));

    p.write("broken.kdl", BROKEN_VIEW);
    ok(p.path(), &["plan", "--name", "broken"]);
    chplan(p.path(), &["apply", "--url", url]);
    let (code, v) = status_json(p.path(), url);
    assert_eq!(code, 1);
    let stopped = &v["plans"][1];
    assert_eq!(stopped["id"], "0002_broken");
    assert_eq!(stopped["state"], "stopped");
    assert_eq!(stopped["at"], 1);
    assert_eq!(stopped["operation"], "create-view:broken");
    assert!(
        stopped["failed"]
            .as_str()
            .is_some_and(|e| e.starts_with("ClickHouse error")),
        "{stopped}"
    );
}

#[test]
fn json_status_says_when_it_cannot_tell() {
    let p = Project::new("shop")
        .schema("events.kdl", EVENTS)
        .plan("init");
    let (code, v) = status_json(p.path(), "http://127.0.0.1:9");
    assert_eq!(code, 2, "{v}");
    assert_eq!(v["verdict"], "unknown");
    assert_eq!(v["exit"], 2);
    assert!(
        v["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("cannot read the journal")),
        "{v}"
    );
}
