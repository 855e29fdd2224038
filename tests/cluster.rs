//! `chplan apply` on a live cluster: ZooKeeper and two clickhouse-server 18.16 replicas of one
//! shard (`.ci/setup-cluster.sh`, described in `target/cluster/cluster.env`).
//!
//! The plans come from `chplan plan` with `cluster` in `chplan.kdl` and are applied for real:
//! every DDL `ON CLUSTER`, tables `ReplicatedMergeTree`, the runner's journal and lock
//! replicated. 18.16 predates much of what chplan can write (no CODEC, TTL, DateTime64,
//! `DROP ... SYNC`, Replicated engines without arguments): the schemas here use what 18.16 has,
//! and the same syntax for 26.9 stays covered on chDB and by the golden plans.
//!
//! Without the cluster the tests print why and pass, except under `CI`.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use support::Project;
use support::cli::{self, text};
use support::cluster::{self, Cluster, Replica};

/// A database name no earlier run used: ZooKeeper keeps replica paths of killed runs.
fn fresh_db(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("cl_{what}_{}", nanos % 1_000_000_000_000)
}

fn events(db: &str) -> String {
    format!(
        r#"table events {{
    column id UInt64
    column name String
    column created_at DateTime
    engine ReplicatedMergeTree zoo-path="/clickhouse/tables/{{shard}}/{db}/events" replica="{{replica}}"
    order-by id
}}

table counts {{
    column name String
    column n UInt64
    engine ReplicatedSummingMergeTree zoo-path="/clickhouse/tables/{{shard}}/{db}/counts" replica="{{replica}}"
    order-by name
}}

materialized-view counts_mv to=counts {{
    select "SELECT name, count() AS n FROM events GROUP BY name"
}}
"#
    )
}

const RECENT: &str = r#"view recent {
    select "SELECT id, name FROM events WHERE id > 10"
}
"#;

fn project(c: &Cluster, db: &str) -> Project {
    Project::with_config(db, &format!("database {db}\ncluster {}\n", c.name))
        .schema("events.kdl", &events(db))
        .schema("recent.kdl", RECENT)
}

fn apply(p: &Project, r: &Replica, extra: &[&str]) -> std::process::Output {
    let url = r.url();
    let mut args = vec!["apply", "--url", url.as_str()];
    args.extend_from_slice(extra);
    cli::chplan(p.path(), &args)
}

/// The objects of the schemas, as `tables` lists them.
const ALL: &str = "counts\ncounts_mv\nevents\nrecent\n";

/// `chplan apply` on `r` succeeds, and every replica then holds exactly `objects`.
fn applied_everywhere(c: &Cluster, p: &Project, r: &Replica, extra: &[&str], objects: &str) {
    let out = apply(p, r, extra);
    assert!(out.status.success(), "{}", text(&out));
    for r in &c.replicas {
        assert_eq!(tables(r, p.database()), objects, "on {}", r.url());
    }
}

fn tables(r: &Replica, db: &str) -> String {
    r.exec(&format!(
        "SELECT name FROM system.tables WHERE database = '{db}' AND name NOT LIKE '\\_chplan%' ORDER BY name"
    ))
}

/// The journal's latest outcome per operation id, read on `r`.
fn journal(r: &Replica, db: &str) -> Vec<(String, String)> {
    r.exec(&format!(
        "SELECT op_id, argMax(outcome, tuple(recorded_at, seq, outcome != 'started')) \
         FROM {db}._chplan_journal GROUP BY plan_id, op_index, op_id ORDER BY plan_id, op_index"
    ))
    .lines()
    .filter_map(|l| l.split_once('\t'))
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect()
}

/// Edits every plan for 18.16 and reseals, as the runner's refusal says to: no `SYNC` after a
/// DROP (18.16 drops at once), `DROP TABLE` for a view (`DROP VIEW` is newer), no
/// `IF [NOT] EXISTS` on column clauses (19.3 on).
fn for_18_16(p: &Project) {
    for entry in std::fs::read_dir(p.path().join("migrations")).unwrap() {
        let plan = entry.unwrap().path().join("plan.yaml");
        if plan.exists() {
            let yaml = std::fs::read_to_string(&plan).unwrap();
            let yaml = yaml
                .replace(" SYNC", "")
                .replace("DROP VIEW ", "DROP TABLE ")
                .replace("COLUMN IF NOT EXISTS ", "COLUMN ")
                .replace("COLUMN IF EXISTS ", "COLUMN ");
            std::fs::write(&plan, yaml).unwrap();
        }
    }
    cli::ok(p.path(), &["reseal"]);
}

#[test]
fn a_plan_reaches_every_replica_and_rows_replicate() {
    let Some(c) = cluster::cluster() else { return };
    let _one = cluster::exclusive();
    let db = fresh_db("every");
    let _dropped = cluster::Dropped {
        cluster: c,
        database: db.clone(),
    };
    let p = project(c, &db).plan("init");
    let (r1, r2) = (&c.replicas[0], &c.replicas[1]);
    let started = Instant::now();
    applied_everywhere(c, &p, r1, &[], ALL);
    // Rows inserted on one replica reach the other, through the view too.
    r1.exec(&format!(
        "INSERT INTO {db}.events (id, name, created_at) VALUES (1, 'a', now()), (2, 'a', now()), (11, 'b', now())"
    ));
    c.eventually("rows on the second replica", || {
        r2.count(&format!("SELECT count() FROM {db}.events")) == 3
            && r2.count(&format!("SELECT sum(n) FROM {db}.counts")) == 3
    });
    assert_eq!(r2.count(&format!("SELECT count() FROM {db}.recent")), 1);

    // A column added, then its type changed, then the view dropped: each plan ON CLUSTER.
    p.write(
        "events.kdl",
        &events(&db).replace(
            "    column created_at DateTime\n",
            "    column created_at DateTime\n    column score UInt32 default=\"0\"\n",
        ),
    );
    cli::ok(p.path(), &["plan", "--name", "add_score"]);
    p.write(
        "events.kdl",
        &events(&db).replace(
            "    column created_at DateTime\n",
            "    column created_at DateTime\n    column score UInt64 default=\"0\"\n",
        ),
    );
    p.remove("recent.kdl");
    cli::ok(
        p.path(),
        &["plan", "--name", "widen_and_drop", "--yes-destructive"],
    );
    // What 18.16 lacks is refused before anything runs, naming what, where and since when.
    let refused = apply(&p, r2, &["--yes-destructive"]);
    let said = text(&refused);
    assert_eq!(refused.status.code(), Some(1), "{said}");
    assert!(said.contains("is ClickHouse 18.16"), "{said}");
    assert!(
        said.contains("drop-view:recent: DROP ... SYNC needs ClickHouse 20.1"),
        "{said}"
    );
    assert!(
        said.contains("drop-view:recent: DROP VIEW needs ClickHouse 20.1"),
        "{said}"
    );
    assert!(
        said.contains(
            "add-table-column:events:score: ALTER ... COLUMN IF [NOT] EXISTS needs ClickHouse 19.3"
        ),
        "{said}"
    );
    assert_eq!(
        r1.count(&format!(
            "SELECT count() FROM system.columns WHERE database = '{db}' AND name = 'score'"
        )),
        0
    );
    for_18_16(&p);
    // Applied from the other replica: the journal is shared.
    applied_everywhere(
        c,
        &p,
        r2,
        &["--yes-destructive"],
        "counts\ncounts_mv\nevents\n",
    );
    for r in [r1, r2] {
        assert_eq!(
            r.exec(&format!(
                "SELECT type FROM system.columns WHERE database = '{db}' AND table = 'events' AND name = 'score'"
            )),
            "UInt64\n",
            "on {}",
            r.url()
        );
    }
    let status = cli::chplan(p.path(), &["status", "--url", &r1.url()]);
    assert!(status.status.success(), "{}", text(&status));
    eprintln!(
        "whole scenario on the cluster: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn a_feature_the_server_lacks_is_refused_before_the_first_statement() {
    let Some(c) = cluster::cluster() else { return };
    let _one = cluster::exclusive();
    let db = fresh_db("codec");
    let _dropped = cluster::Dropped {
        cluster: c,
        database: db.clone(),
    };
    let p = project(c, &db);
    p.write(
        "events.kdl",
        &events(&db).replace("column id UInt64", "column id UInt64 codec=\"Delta, ZSTD\""),
    );
    let p = p.plan("init");
    let out = apply(&p, &c.replicas[0], &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("create-table:events: column CODEC needs ClickHouse 19.1 or later"),
        "{said}"
    );
    assert!(said.contains("nothing was applied"), "{said}");
    // Not even the database was created, on either replica.
    for r in &c.replicas {
        assert_eq!(
            r.count(&format!(
                "SELECT count() FROM system.databases WHERE name = '{db}'"
            )),
            0
        );
    }
}

#[test]
fn a_replica_killed_mid_apply_is_named_and_a_rerun_converges() {
    let Some(c) = cluster::cluster() else { return };
    let _one = cluster::exclusive();
    let db = fresh_db("kill");
    let _dropped = cluster::Dropped {
        cluster: c,
        database: db.clone(),
    };
    let p = project(c, &db).plan("init");
    let (r1, r2) = (&c.replicas[0], &c.replicas[1]);
    // The apply runs; after its first operation, the second replica's server is killed.
    let mut child = Command::new(env!("CARGO_BIN_EXE_chplan"))
        .arg("--project")
        .arg(p.path())
        .args(["apply", "--url", &r1.url()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut said = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        said.push_str(&line);
        said.push('\n');
        if line.starts_with("  ok  ") {
            r2.kill();
            break;
        }
    }
    for line in lines {
        said.push_str(&line.unwrap());
        said.push('\n');
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!("did not finish on {}", r2.address())),
        "the failure names the host that is down:\n{said}"
    );
    // Nothing that did not run everywhere is journaled as done: the failing operation is not.
    let failed_op = said
        .lines()
        .find_map(|l| l.strip_prefix("error: operation "))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no failed operation in:\n{said}"))
        .to_owned();
    let journal = journal(r1, &db);
    assert!(
        !journal
            .iter()
            .any(|(op, outcome)| *op == failed_op && outcome == "done"),
        "{failed_op} journaled as done: {journal:?}"
    );
    let done = journal.iter().filter(|(_, o)| o == "done").count();
    assert!((1..5).contains(&done), "{journal:?}");

    // The replica comes back; a re-run finishes the plan on both.
    c.restart();
    applied_everywhere(c, &p, r1, &[], ALL);
    r2.exec(&format!(
        "INSERT INTO {db}.events (id, name, created_at) VALUES (5, 'x', now())"
    ));
    c.eventually("the row on the first replica", || {
        r1.count(&format!("SELECT sum(n) FROM {db}.counts")) == 1
    });
}

#[test]
fn two_runners_on_two_replicas_never_interleave() {
    let Some(c) = cluster::cluster() else { return };
    let _one = cluster::exclusive();
    let db = fresh_db("two");
    let _dropped = cluster::Dropped {
        cluster: c,
        database: db.clone(),
    };
    let p = project(c, &db).plan("init");
    // The runner's tables exist first, so both runners meet at the lock, not at CREATE.
    let (r1, r2) = (&c.replicas[0], &c.replicas[1]);
    let spawn = |r: &Replica| {
        Command::new(env!("CARGO_BIN_EXE_chplan"))
            .arg("--project")
            .arg(p.path())
            .args(["apply", "--url", &r.url()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(r1), spawn(r2));
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let (ta, tb) = (text(&a), text(&b));
    // Every operation ran once: one started row per operation, whoever ran it.
    let started = r1.exec(&format!(
        "SELECT op_id, count() FROM {db}._chplan_journal WHERE outcome = 'started' GROUP BY op_id HAVING count() > 1"
    ));
    assert_eq!(started, "", "an operation started twice:\n{ta}\n---\n{tb}");
    let held = |t: &str| t.contains("another chplan apply is running");
    assert!(
        a.status.success() != b.status.success() || (held(&ta) && held(&tb)),
        "exactly one runner applies (or both stand back):\n{ta}\n---\n{tb}"
    );
    // Whatever happened, a later apply on either replica completes the plan.
    applied_everywhere(c, &p, r2, &[], ALL);
}

#[test]
fn drift_on_one_replica_names_that_replica() {
    let Some(c) = cluster::cluster() else { return };
    let _one = cluster::exclusive();
    let db = fresh_db("drift");
    let _dropped = cluster::Dropped {
        cluster: c,
        database: db.clone(),
    };
    let p = project(c, &db).plan("init");
    let (r1, r2) = (&c.replicas[0], &c.replicas[1]);
    let out = apply(&p, r1, &[]);
    assert!(out.status.success(), "{}", text(&out));
    // A view is no replicated table: dropped on the second replica only.
    r2.exec(&format!("DROP TABLE {db}.recent"));
    let status = cli::chplan(p.path(), &["status", "--url", &r1.url()]);
    let said = text(&status);
    assert_eq!(status.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!("on {}: recent: missing", r2.address())),
        "{said}"
    );
    assert!(!said.contains(&format!("on {}:", r1.address())), "{said}");
}

#[test]
fn a_distributed_table_over_a_replicated_one_serves_every_replica() {
    let Some(c) = cluster::cluster() else { return };
    let _one = cluster::exclusive();
    let db = fresh_db("dist");
    let _dropped = cluster::Dropped {
        cluster: c,
        database: db.clone(),
    };
    let p = Project::with_config(&db, &format!("database {db}\ncluster {}\n", c.name)).schema(
        "events.kdl",
        &format!(
            r#"table events_local {{
    column id UInt64
    column name String
    engine ReplicatedMergeTree zoo-path="/clickhouse/tables/{{shard}}/{db}/events_local" replica="{{replica}}"
    order-by id
}}

table events {{
    column id UInt64
    column name String
    engine Distributed args="{cluster}, {db}, events_local, rand()"
}}
"#,
            cluster = c.name
        ),
    );
    let p = p.plan("init");
    let (r1, r2) = (&c.replicas[0], &c.replicas[1]);
    applied_everywhere(c, &p, r1, &[], "events\nevents_local\n");
    // Written through the Distributed table on one replica, read through it on the other.
    r1.exec(&format!(
        "INSERT INTO {db}.events (id, name) SELECT number, 'n' FROM system.numbers LIMIT 100"
    ));
    c.eventually(
        "the rows through the Distributed table on the other replica",
        || {
            r2.count(&format!("SELECT count() FROM {db}.events")) == 100
                && r2.count(&format!("SELECT count() FROM {db}.events_local")) == 100
        },
    );
    let status = cli::chplan(p.path(), &["status", "--url", &r2.url()]);
    assert!(status.status.success(), "{}", text(&status));
}

#[test]
fn on_a_cluster_any_other_live_claim_stops_the_runner() {
    let Some(c) = cluster::cluster() else { return };
    let _one = cluster::exclusive();
    let db = fresh_db("claim");
    let _dropped = cluster::Dropped {
        cluster: c,
        database: db.clone(),
    };
    let p = project(c, &db).plan("init");
    let (r1, r2) = (&c.replicas[0], &c.replicas[1]);
    // The runner's tables, then a claim taken on the other replica by a host whose clock runs
    // ahead: younger by the clocks, yet acknowledged first. Oldest-first would let this runner
    // go ahead beside it.
    applied_everywhere(c, &p, r1, &[], ALL);
    p.write(
        "events.kdl",
        &events(&db).replace(
            "    column created_at DateTime\n",
            "    column created_at DateTime\n    column score UInt32\n",
        ),
    );
    cli::ok(p.path(), &["plan", "--name", "add_score"]);
    for_18_16(&p);
    r2.exec(&format!(
        "INSERT INTO {db}._chplan_lock (owner, holder, released, ttl_seconds, recorded_at, seq) \
         VALUES ('other', 'pid 1 on elsewhere', 0, 600, now() + 30, 0)"
    ));
    c.eventually("the claim on the first replica", || {
        r1.count(&format!(
            "SELECT count() FROM {db}._chplan_lock WHERE owner = 'other'"
        )) == 1
    });
    let out = apply(&p, r1, &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!(
            "another chplan apply is running on {db} (pid 1 on elsewhere"
        )),
        "{said}"
    );
    assert_eq!(
        r1.count(&format!(
            "SELECT count() FROM system.columns WHERE database = '{db}' AND name = 'score'"
        )),
        0
    );
}
