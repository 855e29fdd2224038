//! `chplan apply` and `chplan status` through the binary, against the real ClickHouse engine
//! (chDB behind tests/chfront): tables, rows, the journal, resume, refusals, the lock.

mod support;

use support::Project;
use support::cli::{fails, ok, text};

use std::path::Path;
use std::process::Command;

const EVENTS: &str = r#"
table events version="0.1" {
    column id String
    column name String
    order-by id
}
"#;

const USERS: &str = r#"
table users {
    column id UInt64
    column email String
    order-by id
}
"#;

fn apply(dir: &Path, extra: &[&str]) -> String {
    let url = support::clickhouse().url();
    let mut args = vec!["apply", "--url", url];
    args.extend_from_slice(extra);
    ok(dir, &args)
}

fn apply_fails(dir: &Path, extra: &[&str]) -> String {
    let url = support::clickhouse().url();
    let mut args = vec!["apply", "--url", url];
    args.extend_from_slice(extra);
    fails(dir, &args)
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

/// Journal rows of a plan as `index:outcome` in recorded order.
fn journal(db: &str, plan: &str) -> Vec<String> {
    q(&format!(
        "SELECT concat(toString(op_index), ':', outcome) FROM {db}._chplan_journal \
         WHERE plan_id = '{plan}' ORDER BY op_index, recorded_at, seq"
    ))
    .lines()
    .map(str::to_owned)
    .collect()
}

fn unique_database(prefix: &str) -> String {
    // Not created: apply must create it.
    let name = support::clickhouse().fresh_database(prefix);
    q(&format!("DROP DATABASE {name}"));
    name
}

fn plan_file(dir: &Path, id: &str) -> std::path::PathBuf {
    dir.join("migrations").join(id).join("plan.yaml")
}

fn edit_plan(dir: &Path, id: &str, from: &str, to: &str) {
    let path = plan_file(dir, id);
    let yaml = std::fs::read_to_string(&path).unwrap();
    assert!(yaml.contains(from), "{from} not in {yaml}");
    std::fs::write(&path, yaml.replacen(from, to, 1)).unwrap();
    ok(dir, &["reseal"]);
}

#[test]
fn applies_plans_in_order_and_keeps_rows() {
    let db = unique_database("runner_cycle");
    let p = Project::new(&db).schema("events.kdl", EVENTS).plan("init");
    let out = apply(p.path(), &[]);
    assert!(out.contains("ok  create-table:events_0_1"), "{out}");
    assert_eq!(columns(&db, "events_0_1"), "['id','name']");
    q(&format!(
        "INSERT INTO {db}.events_0_1 VALUES ('a', 'x'), ('b', 'y')"
    ));

    p.write(
        "events.kdl",
        &EVENTS.replace(
            "column name String",
            "column name String\n    column status String",
        ),
    );
    ok(p.path(), &["plan", "--name", "add_status"]);
    // A plan pending: behind, exit 1.
    let status = fails(p.path(), &["status", "--url", support::clickhouse().url()]);
    assert!(status.contains("applied  0001_init"), "{status}");
    assert!(status.contains("pending  0002_add_status"), "{status}");

    apply(p.path(), &[]);
    assert_eq!(columns(&db, "events_0_1"), "['id','name','status']");
    assert_eq!(q(&format!("SELECT count() FROM {db}.events_0_1")), "2");
    assert_eq!(journal(&db, "0001_init"), ["0:started", "0:done"]);
    assert_eq!(journal(&db, "0002_add_status"), ["0:started", "0:done"]);

    // Nothing left: a third run does nothing and writes no journal row.
    let out = apply(p.path(), &[]);
    assert!(out.contains("nothing to do"), "{out}");
    assert_eq!(journal(&db, "0002_add_status").len(), 2);
    let status = ok(p.path(), &["status", "--url", support::clickhouse().url()]);
    assert!(status.contains("applied  0002_add_status"), "{status}");
}

#[test]
fn dry_run_changes_nothing() {
    let db = unique_database("runner_dry");
    let p = Project::new(&db).schema("events.kdl", EVENTS).plan("init");
    let out = apply(p.path(), &["--dry-run"]);
    assert!(out.contains("CREATE TABLE IF NOT EXISTS"), "{out}");
    assert!(out.contains("nothing was changed"), "{out}");
    assert_eq!(
        q(&format!(
            "SELECT count() FROM system.databases WHERE name = '{db}'"
        )),
        "0"
    );
}

#[test]
fn a_failed_operation_is_resumed_after_the_fix() {
    let db = unique_database("runner_resume");
    let p = Project::new(&db)
        .schema("events.kdl", EVENTS)
        .schema("users.kdl", USERS)
        .plan("init");
    let yaml = std::fs::read_to_string(plan_file(p.path(), "0001_init")).unwrap();
    // The second operation (tables come in name order: events_0_1, users).
    let good = format!("CREATE TABLE IF NOT EXISTS `{db}`.`users`");
    assert!(yaml.find("events_0_1") < yaml.find(&good), "{yaml}");
    edit_plan(
        p.path(),
        "0001_init",
        &good,
        &format!("CREATE TABLEZ `{db}`.`users`"),
    );

    let out = apply_fails(p.path(), &[]);
    assert!(out.contains("ok  create-table:events_0_1"), "{out}");
    assert!(
        out.contains("operation create-table:users (2 of 2) of plan 0001_init failed"),
        "{out}"
    );
    assert!(out.contains("ClickHouse error 62 (SYNTAX_ERROR)"), "{out}");
    assert_eq!(
        journal(&db, "0001_init"),
        ["0:started", "0:done", "1:started", "1:failed"]
    );
    let status = fails(p.path(), &["status", "--url", support::clickhouse().url()]);
    assert!(
        status.contains("stopped  0001_init at operation 2 of 2 (create-table:users), failed: ClickHouse error 62"),
        "{status}"
    );

    edit_plan(
        p.path(),
        "0001_init",
        &format!("CREATE TABLEZ `{db}`.`users`"),
        &good,
    );
    let out = apply(p.path(), &[]);
    assert!(
        out.contains("resuming 0001_init at operation 2 of 2"),
        "{out}"
    );
    assert!(!out.contains("create-table:events_0_1"), "{out}");
    assert_eq!(
        journal(&db, "0001_init"),
        [
            "0:started",
            "0:done",
            "1:started",
            "1:failed",
            "1:started",
            "1:done"
        ]
    );
    assert_eq!(columns(&db, "users"), "['id','email']");
}

#[test]
fn changed_sql_of_an_applied_operation_is_refused() {
    let db = unique_database("runner_changed");
    let p = Project::new(&db).schema("events.kdl", EVENTS).plan("init");
    apply(p.path(), &[]);
    edit_plan(p.path(), "0001_init", "ORDER BY id", "ORDER BY (id, name)");
    let out = apply_fails(p.path(), &[]);
    assert!(
        out.contains(
            "operation create-table:events_0_1 of plan 0001_init changed after it was applied"
        ),
        "{out}"
    );
    let status = fails(p.path(), &["status", "--url", support::clickhouse().url()]);
    assert!(status.contains("changed after it was applied"), "{status}");
}

#[test]
fn destructive_operations_need_approval() {
    let db = unique_database("runner_destructive");
    let p = Project::new(&db)
        .schema("events.kdl", EVENTS)
        .schema("users.kdl", USERS)
        .plan("init");
    apply(p.path(), &[]);
    p.remove("users.kdl");
    p.write(
        "events.kdl",
        &EVENTS.replace(
            "column name String",
            "column name String\n    column status String",
        ),
    );
    ok(p.path(), &["plan", "--name", "drop_users", "--yes-all"]);

    let out = apply_fails(p.path(), &[]);
    assert!(
        out.contains("1 destructive operation(s) pending, nothing was applied"),
        "{out}"
    );
    assert!(out.contains("drop-table:users"), "{out}");
    assert_eq!(
        columns(&db, "events_0_1"),
        "['id','name']",
        "nothing applied"
    );
    assert!(journal(&db, "0002_drop_users").is_empty());

    apply(p.path(), &["--yes-destructive"]);
    assert_eq!(q(&format!("EXISTS TABLE {db}.users")), "0");
    assert_eq!(columns(&db, "events_0_1"), "['id','name','status']");
}

#[test]
fn a_held_lock_stops_a_second_apply() {
    let db = unique_database("runner_lock");
    let p = Project::new(&db).schema("events.kdl", EVENTS).plan("init");
    apply(p.path(), &[]);
    p.write(
        "events.kdl",
        &EVENTS.replace(
            "column name String",
            "column name String\n    column status String",
        ),
    );
    ok(p.path(), &["plan", "--name", "add_status"]);

    // Another runner's live claim.
    q(&format!(
        "INSERT INTO {db}._chplan_lock (owner, holder, released, ttl_seconds) \
         VALUES ('other', 'pid 1 on elsewhere', 0, 600)"
    ));
    let out = apply_fails(p.path(), &[]);
    assert!(
        out.contains(&format!(
            "another chplan apply is running on {db} (pid 1 on elsewhere"
        )),
        "{out}"
    );
    assert_eq!(columns(&db, "events_0_1"), "['id','name']");

    q(&format!(
        "INSERT INTO {db}._chplan_lock (owner, holder, released, ttl_seconds) \
         VALUES ('other', 'pid 1 on elsewhere', 1, 600)"
    ));
    apply(p.path(), &[]);
    assert_eq!(columns(&db, "events_0_1"), "['id','name','status']");
}

#[test]
fn concurrent_applies_do_not_interleave() {
    let db = unique_database("runner_concurrent");
    let mut p = Project::new(&db);
    for i in 0..6 {
        p = p.schema(
            &format!("t{i}.kdl"),
            &format!("table t{i} {{\n    column id UInt64\n    order-by id\n}}\n"),
        );
    }
    let p = p.plan("init");
    // Both runners need the runner's tables; the first apply of a database creates them, and
    // creation is idempotent, so the race starts from an existing, empty database.
    q(&format!("CREATE DATABASE {db}"));

    let url = support::clickhouse().url().to_owned();
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_chplan"))
            .arg("--project")
            .arg(p.path())
            .args(["apply", "--url", &url])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let outputs = format!("{}\n---\n{}", text(&a), text(&b));
    assert!(a.status.success() || b.status.success(), "{outputs}");
    for o in [&a, &b] {
        assert!(
            o.status.success() || text(o).contains("another chplan apply is running"),
            "{outputs}"
        );
    }
    // Every operation ran exactly once.
    let rows = journal(&db, "0001_init");
    let expected: Vec<String> = (0..6)
        .flat_map(|i| [format!("{i}:started"), format!("{i}:done")])
        .collect();
    assert_eq!(rows, expected, "{outputs}");
}

#[test]
fn a_restarted_backfill_empties_its_target_first() {
    let db = unique_database("runner_backfill");
    let p = Project::new(&db).schema("events.kdl", EVENTS).plan("init");
    apply(p.path(), &[]);
    q(&format!(
        "INSERT INTO {db}.events_0_1 VALUES ('a', 'x'), ('b', 'y'), ('c', 'z')"
    ));
    let bumped = EVENTS
        .replace(r#"version="0.1""#, r#"version="0.2""#)
        .replace("order-by id", "order-by name id");
    p.write("events.kdl", &bumped);
    ok(p.path(), &["plan", "--name", "reorder", "--yes-all"]);
    // The backfill fails after part of the rows were copied into its stage: its INSERT is
    // broken, and one row is copied by hand, as an interrupted INSERT ... SELECT would leave it.
    let copy = format!("INSERT INTO `{db}`.`_chplan_stage_events_0_2`");
    let broken = copy.replace("INSERT", "INSERTZ");
    edit_plan(p.path(), "0002_reorder", &copy, &broken);
    let out = apply_fails(p.path(), &["--yes-destructive"]);
    assert!(out.contains("backfill"), "{out}");
    q(&format!(
        "INSERT INTO {db}._chplan_stage_events_0_2 SELECT * FROM {db}.events_0_1 LIMIT 1"
    ));

    edit_plan(p.path(), "0002_reorder", &broken, &copy);
    let out = apply(p.path(), &["--yes-destructive"]);
    assert!(out.contains("restarting backfill"), "{out}");
    assert_eq!(q(&format!("SELECT count() FROM {db}.events_0_2")), "3");
    assert_eq!(q(&format!("EXISTS TABLE {db}.events_0_1")), "0");
}

/// The runner killed in the middle of a long backfill: the re-run stops the INSERT still
/// running on the server, empties the target, copies again, and ends with every row once.
#[test]
fn a_runner_killed_during_a_backfill_ends_with_the_right_rows() {
    let db = unique_database("runner_killed");
    let big = "table big version=\"0.1\" {\n    column n UInt64\n    column s String\n    order-by n\n}\n";
    let p = Project::new(&db).schema("big.kdl", big).plan("init");
    apply(p.path(), &[]);
    let rows = 6_000_000u64;
    q(&format!(
        "INSERT INTO {db}.big_0_1 SELECT number, toString(number) FROM numbers({rows})"
    ));
    let bumped = big
        .replace("version=\"0.1\"", "version=\"0.2\"")
        .replace("order-by n", "order-by s n");
    p.write("big.kdl", &bumped);
    ok(p.path(), &["plan", "--name", "reorder", "--yes-all"]);

    let url = support::clickhouse().url().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_chplan"))
        .arg("--project")
        .arg(p.path())
        .args(["apply", "--url", &url, "--yes-destructive"])
        .env_remove("CLICKHOUSE_USER")
        .env_remove("CLICKHOUSE_PASSWORD")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once the backfill's INSERT is running on the server.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let running = q(
            "SELECT count() FROM system.processes WHERE query_id LIKE 'chplan-0002_reorder-%' AND query LIKE 'INSERT INTO%_chplan_stage_big_0_2%'",
        );
        if running != "0" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the backfill never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        q(&format!("EXISTS TABLE {db}.big_0_1")),
        "1",
        "killed before the drop"
    );

    let out = apply(p.path(), &["--yes-destructive"]);
    assert!(out.contains("restarting backfill"), "{out}");
    assert_eq!(
        q(&format!(
            "SELECT count(), uniqExact(n) FROM {db}.big_0_2 FORMAT CSV"
        )),
        format!("{rows},{rows}")
    );
    assert_eq!(q(&format!("EXISTS TABLE {db}.big_0_1")), "0");
}

/// A server that keeps no `system.part_log`: a plan with an exact backfill is refused before
/// its first statement, naming the log and the flag; with the flag every part is copied.
#[test]
fn without_the_part_log_an_exact_backfill_is_refused_before_any_change() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("no-logs.xml");
    std::fs::write(&config, "<clickhouse></clickhouse>\n").unwrap();
    let config = config.to_str().unwrap().to_owned();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    let ch = support::ClickHouse::start(
        &dir.path().join("data"),
        None,
        &["--config", &config, "--remove-data-on-exit"],
    );
    assert_eq!(
        ch.exec("EXISTS TABLE system.part_log").trim(),
        "0",
        "the server under test must keep no part log"
    );
    let db = "no_part_log";
    let p = Project::new(db).schema("events.kdl", EVENTS).plan("init");
    ok(p.path(), &["apply", "--url", ch.url()]);
    ch.exec(&format!(
        "INSERT INTO {db}.events_0_1 VALUES ('a', 'x'), ('b', 'y'), ('c', 'z')"
    ));
    let bumped = EVENTS
        .replace(r#"version="0.1""#, r#"version="0.2""#)
        .replace("order-by id", "order-by name id");
    p.write("events.kdl", &bumped);
    ok(p.path(), &["plan", "--name", "reorder", "--yes-all"]);

    let out = fails(p.path(), &["apply", "--url", ch.url(), "--yes-destructive"]);
    assert!(
        out.contains("system.part_log") && out.contains("--approximate-backfill"),
        "{out}"
    );
    assert_eq!(
        ch.exec(&format!("EXISTS TABLE {db}.events_0_2")).trim(),
        "0"
    );
    let started = ch.exec(&format!(
        "SELECT count() FROM {db}._chplan_journal WHERE plan_id = '0002_reorder'"
    ));
    assert_eq!(started.trim(), "0", "nothing of the plan was journaled");

    let out = ok(
        p.path(),
        &[
            "apply",
            "--url",
            ch.url(),
            "--yes-destructive",
            "--approximate-backfill",
        ],
    );
    assert!(out.contains("--approximate-backfill"), "{out}");
    assert_eq!(
        ch.exec(&format!("SELECT count() FROM {db}.events_0_2"))
            .trim(),
        "3"
    );
}

/// A runner killed after its EXCHANGE ran and before the journal said so: the re-run finds the
/// finished exchange in the query log and does not swap the tables back.
#[test]
fn an_exchange_that_ran_is_not_run_again() {
    let db = unique_database("runner_exchange");
    let before = r#"
table orders {
    column id UInt64
    column amount UInt64
    order-by id
}
table totals {
    column id UInt64
    column amount UInt64
    order-by id
}
materialized-view totals_mv to=totals {
    select "SELECT id, amount FROM orders"
}
"#;
    let p = Project::new(&db).schema("s.kdl", before).plan("init");
    apply(p.path(), &[]);
    q(&format!(
        "INSERT INTO {db}.orders SELECT number, number FROM numbers(10)"
    ));
    p.write(
        "s.kdl",
        &before.replace(
            "SELECT id, amount FROM",
            "SELECT id, amount * 2 AS amount FROM",
        ),
    );
    ok(p.path(), &["plan", "--name", "double", "--yes-all"]);
    apply(p.path(), &["--yes-destructive"]);
    assert_eq!(q(&format!("SELECT sum(amount) FROM {db}.totals")), "90");

    // The exchange's `done` row lost, as when the runner dies between the two.
    q(&format!(
        "ALTER TABLE {db}._chplan_journal DELETE WHERE plan_id = '0002_double' \
         AND op_id = 'exchange-tables:totals' AND outcome != 'started' \
         SETTINGS mutations_sync = 1"
    ));
    let out = apply(p.path(), &["--yes-destructive"]);
    assert!(out.contains("already ran: not exchanging back"), "{out}");
    assert_eq!(q(&format!("SELECT sum(amount) FROM {db}.totals")), "90");
}

/// A plan edited and never resealed is refused before its first statement, with the file and
/// the fix; the database is untouched.
#[test]
fn an_edited_unsealed_plan_is_refused_before_any_statement() {
    let db = unique_database("runner_unsealed");
    let p = Project::new(&db).schema("users.kdl", USERS).plan("init");
    apply(p.path(), &[]);
    p.write(
        "users.kdl",
        &USERS.replace(
            "    column email String\n",
            "    column email String\n    column age UInt8\n",
        ),
    );
    ok(p.path(), &["plan", "--name", "age"]);
    let path = plan_file(p.path(), "0002_age");
    let yaml = std::fs::read_to_string(&path).unwrap();
    let added = "ADD COLUMN IF NOT EXISTS `age` UInt8 AFTER `email`";
    assert!(yaml.contains(added), "{yaml}");
    let hacked = format!("{added}, ADD COLUMN hacked UInt8");
    std::fs::write(&path, yaml.replacen(added, &hacked, 1)).unwrap();

    let out = apply_fails(p.path(), &[]);
    assert!(
        out.contains("chplan.sum does not match")
            && out.contains("0002_age/plan.yaml")
            && out.contains("chplan reseal")
            && out.contains("nothing was applied"),
        "{out}"
    );
    assert_eq!(columns(&db, "users"), "['id','email']");
    assert!(journal(&db, "0002_age").is_empty());
}

/// A plan whose operations ran but did not leave the state it ends at: apply says so and
/// exits non-zero.
#[test]
fn apply_confirms_the_end_state_of_each_plan() {
    let db = unique_database("runner_end_state");
    let p = Project::new(&db).schema("users.kdl", USERS).plan("init");
    // Reviewed and resealed, but the SQL does not do what the plan's state says.
    edit_plan(p.path(), "0001_init", "`email` String", "`mail` String");
    let out = apply_fails(p.path(), &[]);
    assert!(
        out.contains("every operation of 0001_init ran, but")
            && out.contains("not at the state the plan ends at"),
        "{out}"
    );
}

/// Following the failure message's own advice (fix the SQL in plan.yaml and the schema, reseal,
/// apply) ends with a clean `check` and no drift.
#[test]
fn the_advice_after_a_failed_operation_leads_to_a_clean_state() {
    let db = unique_database("runner_advice");
    let broken = "table t {\n    column n UInt32\n    order-by n\n}\nview v {\n    select \"SELECT nosuchfunc(n) AS x FROM t\"\n}\n";
    let p = Project::new(&db).schema("s.kdl", broken).plan("init");
    let out = apply_fails(p.path(), &[]);
    assert!(
        out.contains("UNKNOWN_FUNCTION") && out.contains("chplan reseal"),
        "{out}"
    );

    p.write("s.kdl", &broken.replace("nosuchfunc(n)", "n"));
    let path = plan_file(p.path(), "0001_init");
    let yaml = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, yaml.replace("nosuchfunc(n)", "n")).unwrap();
    let out = ok(p.path(), &["reseal"]);
    assert!(out.contains("ends at the schemas' state now"), "{out}");

    apply(p.path(), &[]);
    assert!(ok(p.path(), &["check"]).contains("no problems"));
    let url = support::clickhouse().url();
    let out = ok(p.path(), &["status", "--url", url]);
    assert!(out.contains("no drift"), "{out}");
    assert_eq!(q(&format!("SELECT sum(x) FROM {db}.v")), "0");
}

/// `reseal` takes the plan's end state from the schemas only for objects the plan touches: a
/// change to another object stays a change to plan.
#[test]
fn reseal_leaves_changes_no_operation_makes_to_the_next_plan() {
    let p = Project::new("reseal_scope")
        .schema("users.kdl", USERS)
        .plan("init");
    p.write(
        "other.kdl",
        "table other {\n    column id UInt64\n    order-by id\n}\n",
    );
    let out = ok(p.path(), &["reseal"]);
    assert!(
        out.contains("other, which none of its operations touch"),
        "{out}"
    );
    let out = fails(p.path(), &["check"]);
    assert!(out.contains("+ table other"), "{out}");
}

/// `apply --format json`: one object with the outcome, the runner's messages and the status
/// after it; a refusal is `stopped` with exit 1, and nothing is asked.
#[test]
fn apply_reports_as_json() {
    let db = unique_database("runner_json");
    let p = Project::new(&db).schema("users.kdl", USERS).plan("init");
    let url = support::clickhouse().url();
    let out = ok(p.path(), &["apply", "--url", url, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], 1, "{v}");
    assert_eq!(v["outcome"], "complete", "{v}");
    assert_eq!(v["exit"], 0, "{v}");
    assert_eq!(v["status"]["verdict"], "up_to_date", "{v}");
    assert_eq!(v["status"]["plans"][0]["state"], "applied", "{v}");
    assert!(
        v["messages"].as_array().is_some_and(|m| !m.is_empty()),
        "{v}"
    );

    p.remove("users.kdl");
    ok(p.path(), &["plan", "--name", "drop", "--yes-destructive"]);
    let out = fails(p.path(), &["apply", "--url", url, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["outcome"], "stopped", "{v}");
    assert_eq!(v["exit"], 1, "{v}");
    assert_eq!(v["status"]["plans"][1]["state"], "pending", "{v}");
    assert!(
        v["messages"].as_array().unwrap().iter().any(|m| m
            .as_str()
            .is_some_and(|m| m.contains("--format json asks nothing"))),
        "{v}"
    );
    assert_eq!(q(&format!("EXISTS TABLE {db}.users")), "1");
}
