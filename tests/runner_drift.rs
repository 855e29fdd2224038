//! The drift check of `chplan apply` and `chplan status`, through the binary, against the real
//! ClickHouse engine: changes made outside chplan stop the next apply and are named; formatting,
//! externally-managed tables and unmanaged tables are not drift.

mod support;

use support::Project;
use support::cli::{chplan, fails, ok, text};

use std::path::Path;

const EXTERNAL: &str = r#"
table ext_orders {
    lifecycle externally-managed
    column order_id UInt64
    column customer_id UInt64
}
"#;

const EVENTS: &str = r#"
table events version="0.1" {
    column id String
    column status "LowCardinality(String)"
    column n UInt32 default="1+1"
    order-by id
}

view by_status {
    select "SELECT status, count() AS c FROM events GROUP BY status"
}

table counts {
    column status "LowCardinality(String)"
    column c UInt64
    order-by status
}

materialized-view counts_mv to=counts {
    select "SELECT status, toUInt64(1) AS c FROM events"
}
"#;

const USERS: &str = r#"
table users {
    column id UInt64
    order-by id
}
"#;

/// A project for a fresh database holding the externally-managed table, with everything
/// planned and applied.
fn applied_project(prefix: &str) -> (Project, String) {
    let db = support::clickhouse().fresh_database(prefix);
    q(&format!(
        "CREATE TABLE {db}.ext_orders (order_id UInt64, customer_id UInt64) \
         ENGINE = MergeTree ORDER BY order_id"
    ));
    let p = Project::new(&db)
        .schema("schema.kdl", &format!("{EXTERNAL}{EVENTS}{USERS}"))
        .plan("init");
    let out = ok(p.path(), &apply_args(&[]));
    assert!(out.contains("ok  create-table:events_0_1"), "{out}");
    (p, db)
}

/// Plans a change to `users` only: a pending plan that leaves `events_0_1` and the view alone.
fn plan_users_change(p: &Project) {
    p.write(
        "schema.kdl",
        &format!(
            "{EXTERNAL}{EVENTS}{}",
            USERS.replace(
                "column id UInt64",
                "column id UInt64\n    column email String"
            )
        ),
    );
    ok(p.path(), &["plan", "--name", "users_email"]);
}

fn apply_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["apply", "--url", support::clickhouse().url()];
    args.extend_from_slice(extra);
    args
}

fn status_args() -> Vec<&'static str> {
    vec!["status", "--url", support::clickhouse().url()]
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

/// With a pending plan, apply refuses, names `expected` and applies nothing; status names it
/// too and exits 1.
fn assert_refused(p: &Project, db: &str, expected: &str) {
    plan_users_change(p);
    let dir = p.path();
    let out = fails(dir, &apply_args(&[]));
    assert!(out.contains(expected), "{expected} not in:\n{out}");
    assert!(out.contains("nothing was applied"), "{out}");
    assert_eq!(columns(db, "users"), "['id']", "nothing may be applied");
    let status = fails(dir, &status_args());
    assert!(status.contains(expected), "{expected} not in:\n{status}");
    assert!(status.contains("pending  0002_users_email"), "{status}");
}

#[test]
fn an_untouched_database_has_no_drift() {
    let (p, db) = applied_project("drift_clean");
    let status = ok(p.path(), &status_args());
    assert!(status.contains("drift: up to date, no drift"), "{status}");
    let out = ok(p.path(), &apply_args(&[]));
    assert!(out.contains("no drift"), "{out}");
    assert!(out.contains("nothing to do"), "{out}");

    plan_users_change(&p);
    let out = ok(p.path(), &apply_args(&[]));
    assert!(out.contains("drift: no drift"), "{out}");
    assert_eq!(columns(&db, "users"), "['id','email']");
}

#[test]
fn an_added_column_stops_the_next_apply() {
    let (p, db) = applied_project("drift_add");
    q(&format!(
        "ALTER TABLE {db}.events_0_1 ADD COLUMN extra String"
    ));
    assert_refused(
        &p,
        &db,
        "events_0_1: column extra: not in the state (found String)",
    );
}

#[test]
fn a_changed_type_stops_the_next_apply() {
    let (p, db) = applied_project("drift_type");
    q(&format!(
        "ALTER TABLE {db}.events_0_1 MODIFY COLUMN status String"
    ));
    assert_refused(
        &p,
        &db,
        "events_0_1: column status: expected LowCardinality(String), found String",
    );
}

#[test]
fn a_changed_default_stops_the_next_apply() {
    let (p, db) = applied_project("drift_default");
    q(&format!(
        "ALTER TABLE {db}.events_0_1 MODIFY COLUMN n UInt32 DEFAULT 3"
    ));
    assert_refused(
        &p,
        &db,
        "events_0_1: column n: default: expected DEFAULT 1+1, found DEFAULT 3",
    );
}

#[test]
fn a_dropped_view_stops_the_next_apply() {
    let (p, db) = applied_project("drift_view");
    q(&format!("DROP VIEW {db}.by_status"));
    assert_refused(&p, &db, "by_status: missing (expected a view)");
}

#[test]
fn a_changed_view_stops_the_next_apply() {
    let (p, db) = applied_project("drift_view_select");
    q(&format!("DROP VIEW {db}.by_status"));
    q(&format!(
        "CREATE VIEW {db}.by_status AS SELECT status, count() AS c FROM {db}.events_0_1 \
         WHERE n > 0 GROUP BY status"
    ));
    assert_refused(&p, &db, "by_status: SELECT: expected");
}

#[test]
fn a_table_replaced_by_a_view_is_the_wrong_kind() {
    let (p, db) = applied_project("drift_kind");
    q(&format!("DROP TABLE {db}.users"));
    q(&format!(
        "CREATE VIEW {db}.users AS SELECT toUInt64(1) AS id"
    ));
    // The pending plan changes `users`, so only status (nothing pending) compares it.
    let status = fails(p.path(), &status_args());
    assert!(
        status.contains("users: expected a table, found a view"),
        "{status}"
    );
}

#[test]
fn a_materialized_view_writing_elsewhere_stops_the_next_apply() {
    let (p, db) = applied_project("drift_mv");
    q(&format!("CREATE TABLE {db}.counts_copy AS {db}.counts"));
    q(&format!("DROP VIEW {db}.counts_mv"));
    q(&format!(
        "CREATE MATERIALIZED VIEW {db}.counts_mv TO {db}.counts_copy AS \
         SELECT status, toUInt64(1) AS c FROM {db}.events_0_1"
    ));
    assert_refused(
        &p,
        &db,
        "counts_mv: target: expected TO counts, found TO counts_copy",
    );
}

#[test]
fn a_recreated_table_with_another_engine_and_key_is_drift() {
    let (p, db) = applied_project("drift_engine");
    q(&format!("DROP TABLE {db}.counts"));
    q(&format!(
        "CREATE TABLE {db}.counts (status LowCardinality(String), c UInt64) \
         ENGINE = ReplacingMergeTree ORDER BY (c, status)"
    ));
    let status = fails(p.path(), &status_args());
    assert!(
        status.contains("counts: engine: expected MergeTree, found ReplacingMergeTree"),
        "{status}"
    );
    assert!(
        status.contains("counts: sorting key: expected status, found c, status"),
        "{status}"
    );
}

#[test]
fn formatting_externally_managed_and_unmanaged_changes_are_not_drift() {
    let (p, db) = applied_project("drift_benign");
    // The same SELECT spelled differently: lowercase keywords, spaces, newlines, qualified.
    q(&format!("DROP VIEW {db}.by_status"));
    q(&format!(
        "CREATE VIEW {db}.by_status AS select   status,\n  count()   as c\nfrom {db}.events_0_1\n\
         group   by status"
    ));
    // Outside chplan's care: an externally-managed table and a table the schemas never name.
    q(&format!(
        "ALTER TABLE {db}.ext_orders ADD COLUMN amount Float64"
    ));
    q(&format!(
        "CREATE TABLE {db}.scratch (x UInt8) ENGINE = MergeTree ORDER BY x"
    ));
    let status = ok(p.path(), &status_args());
    assert!(status.contains("drift: up to date, no drift"), "{status}");

    plan_users_change(&p);
    let out = ok(p.path(), &apply_args(&[]));
    assert!(out.contains("drift: no drift"), "{out}");
    assert_eq!(columns(&db, "users"), "['id','email']");
}

#[test]
fn an_object_the_plan_creates_must_not_exist_with_another_shape() {
    let (p, db) = applied_project("drift_create");
    // Someone made `orders` by hand before the plan that creates it ran: CREATE TABLE IF NOT
    // EXISTS would keep theirs.
    q(&format!(
        "CREATE TABLE {db}.orders (id String) ENGINE = MergeTree ORDER BY id"
    ));
    p.write(
        "orders.kdl",
        "table orders {\n    column id UInt64\n    order-by id\n}\n",
    );
    ok(p.path(), &["plan", "--name", "orders"]);
    let out = fails(p.path(), &apply_args(&[]));
    assert!(
        out.contains("orders: column id: expected UInt64, found String"),
        "{out}"
    );

    // The same shape is fine: the create does nothing and the plan completes.
    q(&format!("DROP TABLE {db}.orders"));
    q(&format!(
        "CREATE TABLE {db}.orders (id UInt64) ENGINE = MergeTree ORDER BY id"
    ));
    ok(p.path(), &apply_args(&[]));
}

/// Every golden plan scenario the engine can run, planned and applied through the binary:
/// after each apply the database is exactly `state.json`, so any drift reported is a false
/// alarm of the check (a canonical form the comparison does not know).
#[test]
fn golden_scenarios_have_no_drift_after_apply() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/plan");
    let mut scenarios: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    scenarios.sort();
    let mut problems = Vec::new();
    let mut checked = 0;
    for dir in scenarios {
        let before = dir.join("before");
        let config = std::fs::read_to_string(before.join("chplan.kdl")).unwrap();
        // Refused plans, known failures, and clusters (chDB has none) do not reach a state.
        if dir.join("expect-error.md").exists()
            || dir.join("known-failure.md").exists()
            || config.contains("cluster")
        {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if let Err(e) = golden_scenario(&dir, &config) {
            problems.push(format!("{name}: {e}"));
        }
        checked += 1;
    }
    assert!(checked > 10, "only {checked} scenarios ran");
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

fn golden_scenario(dir: &Path, config: &str) -> Result<(), String> {
    let db = support::clickhouse().fresh_database("drift_golden");
    let old_db = config
        .lines()
        .find_map(|l| l.trim().strip_prefix("database "))
        .ok_or("no database in chplan.kdl")?
        .trim()
        .to_owned();
    let project = Project::with_config(&db, &config.replace(&old_db, &db));
    project.replace_schemas(&dir.join("before/schemas"));
    let p = project.path();
    if let Ok(setup) = std::fs::read_to_string(dir.join("setup.sql")) {
        for statement in setup.split(';').filter(|s| !s.trim().is_empty()) {
            let reply = support::clickhouse().request(statement, &[("database", &db)], &[]);
            if reply.status != 200 {
                return Err(format!("setup.sql: {}", reply.body));
            }
        }
    }
    let options: Vec<String> = std::fs::read_to_string(dir.join("options"))
        .unwrap_or_default()
        .lines()
        .map(|l| format!("--{}", l.trim().replace('_', "-")))
        .collect();
    let run = |args: &[&str]| -> Result<String, String> {
        let o = chplan(p, args);
        if o.status.success() {
            Ok(text(&o))
        } else {
            Err(format!("chplan {args:?} failed:\n{}", text(&o)))
        }
    };
    for (step, schemas) in [("before", "before/schemas"), ("after", "after/schemas")] {
        if step == "after" {
            project.replace_schemas(&dir.join(schemas));
        }
        let mut args = vec!["plan", "--name", step, "--yes-destructive"];
        args.extend(options.iter().map(String::as_str));
        run(&args)?;
        // An empty `before/` makes no plan: nothing to apply yet.
        if std::fs::read_dir(p.join("migrations")).map_or(true, |d| d.count() == 0) {
            continue;
        }
        run(&apply_args(&["--yes-destructive"]))?;
        let status = run(&status_args())?;
        if !status.contains("drift: up to date, no drift") {
            return Err(format!("after plan {step}:\n{status}"));
        }
    }
    Ok(())
}
