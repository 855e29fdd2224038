//! `chplan plan --url`: planning against the live database (real ClickHouse 26.9 behind
//! chfront) — one that matches the schemas, one that lags behind them, one that drifted — and
//! `apply` noticing a change made between planning and deploying.

mod support;

use support::Project;
use support::cli::{fails, ok};

const SCHEMA: &str = r#"
table events {
    column id String
    column status "LowCardinality(String)" default="'new'"
    column at DateTime default="now()"
    order-by id
    ttl "at + INTERVAL 30 DAY"
    index idx_status "status" type="set(10)"
}

view by_status {
    select "SELECT status, count() AS c FROM events GROUP BY status"
}
"#;

fn url_args<'a>(command: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![command, "--url", support::clickhouse().url()];
    v.extend_from_slice(extra);
    v
}

fn q(sql: &str) -> String {
    support::clickhouse().exec(sql).trim().to_owned()
}

fn columns(db: &str, table: &str) -> String {
    q(&format!(
        "SELECT groupArray(name) FROM (SELECT name FROM system.columns \
         WHERE database = '{db}' AND table = '{table}' ORDER BY position)"
    ))
}

#[test]
fn a_matching_database_needs_no_plan() {
    let p = Project::fresh("url_match")
        .schema("schema.kdl", SCHEMA)
        .plan("init");
    ok(p.path(), &url_args("apply", &[]));
    let out = ok(p.path(), &url_args("plan", &["--name", "again"]));
    assert!(out.contains("No changes"), "{out}");
}

#[test]
fn an_empty_database_gets_everything_and_unmanaged_objects_are_left_alone() {
    let p = Project::fresh("url_empty").schema("schema.kdl", SCHEMA);
    let db = p.database();
    q(&format!(
        "CREATE TABLE {db}.theirs (x UInt8) ENGINE = MergeTree ORDER BY x"
    ));
    let out = ok(p.path(), &url_args("plan", &["--name", "init"]));
    assert!(out.contains("+ table events"), "{out}");
    assert!(out.contains("not managed by this project: theirs"), "{out}");
    let start = std::fs::read_to_string(p.path().join("migrations/0001_init/start.json")).unwrap();
    assert!(!start.contains("theirs"), "{start}");
    ok(p.path(), &url_args("apply", &[]));
    assert_eq!(columns(db, "events"), "['id','status','at']");
    assert_eq!(columns(db, "theirs"), "['x']");
    let status = ok(p.path(), &url_args("status", &[]));
    assert!(status.contains("up to date, no drift"), "{status}");
}

#[test]
fn a_lagging_database_gets_what_it_lacks() {
    let p = Project::fresh("url_lag")
        .schema("schema.kdl", SCHEMA)
        .plan("init");
    let db = p.database();
    ok(p.path(), &url_args("apply", &[]));
    p.write(
        "schema.kdl",
        &SCHEMA.replace(
            "    column at DateTime",
            "    column source String default=\"'web'\"\n    column at DateTime",
        ),
    );
    let out = ok(p.path(), &url_args("plan", &["--name", "source"]));
    assert!(
        out.contains("~ table events: + column source String"),
        "{out}"
    );
    // Only the column: the server's spelling of the TTL, defaults and view is not a change.
    assert!(out.contains("(1 operation)"), "{out}");
    ok(p.path(), &url_args("apply", &[]));
    assert_eq!(columns(db, "events"), "['id','status','source','at']");
    ok(p.path(), &["check"]);
}

#[test]
fn a_drifted_database_is_brought_back_to_the_schemas() {
    let p = Project::fresh("url_drift")
        .schema("schema.kdl", SCHEMA)
        .plan("init");
    let db = p.database();
    ok(p.path(), &url_args("apply", &[]));
    q(&format!("ALTER TABLE {db}.events ADD COLUMN extra UInt8"));
    q(&format!("DROP VIEW {db}.by_status"));
    let out = ok(
        p.path(),
        &url_args("plan", &["--name", "repair", "--yes-destructive"]),
    );
    assert!(out.contains("- column extra UInt8 (destructive)"), "{out}");
    assert!(out.contains("+ view by_status"), "{out}");
    ok(p.path(), &url_args("apply", &["--yes-destructive"]));
    assert_eq!(columns(db, "events"), "['id','status','at']");
    let status = ok(p.path(), &url_args("status", &[]));
    assert!(status.contains("up to date, no drift"), "{status}");
}

#[test]
fn a_change_between_planning_and_deploying_stops_apply() {
    let p = Project::fresh("url_between").schema("schema.kdl", SCHEMA);
    let db = p.database();
    ok(p.path(), &url_args("plan", &["--name", "init"]));
    ok(p.path(), &url_args("apply", &[]));
    p.write(
        "schema.kdl",
        &SCHEMA.replace(
            "    column at DateTime",
            "    column source String\n    column at DateTime",
        ),
    );
    ok(p.path(), &url_args("plan", &["--name", "source"]));
    q(&format!(
        "ALTER TABLE {db}.events MODIFY COLUMN status String"
    ));
    let out = fails(p.path(), &url_args("apply", &[]));
    assert!(
        out.contains("events: column status: expected LowCardinality(String), found String"),
        "{out}"
    );
    assert_eq!(columns(db, "events"), "['id','status','at']");
}

/// A bump that keeps the old version: its retained declaration describes the table as it is,
/// so planning against the database afterwards finds nothing to do and writes no plan.
#[test]
fn a_kept_old_version_leaves_plan_url_a_no_op() {
    let before = "table aircraft version=\"0.0\" {\n    column icao24 String\n    column callsign String\n    order-by icao24\n}\n";
    let p = Project::fresh("url_kept")
        .schema("aircraft.kdl", before)
        .plan("init");
    ok(p.path(), &url_args("apply", &[]));
    let bumped = before
        .replace(
            "version=\"0.0\" {\n",
            "version=\"0.1\" {\n    replaces \"0.0\" backfill=#true keep-old=#true\n",
        )
        .replace("order-by icao24", "order-by icao24 callsign");
    p.write("aircraft.kdl", &bumped);
    ok(p.path(), &["plan", "--name", "bump"]);
    let retained =
        std::fs::read_to_string(p.path().join("schemas/retained_aircraft_0_0.kdl")).unwrap();
    assert!(retained.contains("order-by icao24\n"), "{retained}");
    ok(p.path(), &url_args("apply", &["--yes-destructive"]));

    for name in ["again", "and_again"] {
        let out = ok(p.path(), &url_args("plan", &["--name", name]));
        assert!(out.contains("No changes"), "{out}");
    }
    let plans: Vec<_> = std::fs::read_dir(p.path().join("migrations"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(plans.len(), 2, "{plans:?}");
    assert!(ok(p.path(), &["check"]).contains("no problems"));
}
