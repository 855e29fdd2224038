//! Issue 13 (High): `up.sql` is a script for `clickhouse-client --multiquery`; the statements
//! it runs must be exactly the plan's operations.
//!
//! - every golden plan's `up.sql` (golden/plan/*/up_sql.snap) cut at its statement separators
//!   is its `plan.yaml`'s operations, one for one, and ClickHouse's parser reads each
//!   operation as one statement (`formatQuery` refuses several);
//! - hostile but valid schemas (`;`, `--`, `/*`, `#` inside string literals) plan to an
//!   `up.sql` that ClickHouse itself, running it as one multi-statement script
//!   (`support::multiquery`, chDB), executes as exactly the plan's operations, creating
//!   exactly the plan's objects, and whose literals come back unchanged;
//! - the mutants of the fuzz that `check` accepts run, on ClickHouse, as exactly their
//!   operations;
//! - the issue's injections never reach a script: `check` refuses them, and were one
//!   accepted, its script would have to run as exactly its operations (it did not: a
//!   `DROP TABLE` more).

mod support;

use std::fs;
use std::path::Path;

use chplan::back::planner;
use chplan::front::compile::compile;
use chplan::front::diag::Diagnostics;
use chplan_clickhouse::sqltext::quote_string;
use chplan_runner::artifacts::plan::{OpKind, Plan};
use chplan_runner::migrations::{parse_plan, up_sql};
use support::cli::{chplan, ok, text};
use support::fragments::{Lcg, mutate, schema, statements, valid};
use support::{Project, clickhouse, multiquery};

/// The body of an insta snapshot file (after its `---` header).
fn snap_body(path: &Path) -> String {
    let s = fs::read_to_string(path).unwrap();
    let body = s
        .splitn(3, "---\n")
        .nth(2)
        .unwrap_or_else(|| panic!("{}", path.display()));
    body.to_owned()
}

fn operation_sqls(plan: &Plan) -> Vec<String> {
    plan.operations
        .iter()
        .map(|o| o.sql.trim().trim_end_matches(';').to_owned())
        .collect()
}

#[test]
fn every_golden_up_sql_is_exactly_its_operations() {
    let ch = clickhouse();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/plan");
    let mut scenarios = 0;
    let mut operations = 0;
    let mut dirs: Vec<_> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let (up, yaml) = (dir.join("up_sql.snap"), dir.join("plan_yaml.snap"));
        if !up.exists() || !yaml.exists() {
            continue;
        }
        let plan = parse_plan(&snap_body(&yaml)).unwrap();
        let cut = statements(&snap_body(&up)).unwrap();
        assert_eq!(cut, operation_sqls(&plan), "{}", dir.display());
        for sql in &cut {
            let q = format!("SELECT formatQuery({}) FORMAT TSV", quote_string(sql));
            if let Err(e) = ch.query(&q) {
                panic!(
                    "{}: ClickHouse does not read one statement in:\n{sql}\n{e:?}",
                    dir.display()
                );
            }
        }
        scenarios += 1;
        operations += cut.len();
    }
    assert!(scenarios >= 25, "only {scenarios} golden plans");
    println!("{scenarios} golden up.sql files: {operations} statements, each an operation");
}

/// Plans `kdl` from nothing in a project for `database`; the plan and its `up.sql`.
fn plan_from_nothing(database: &str, kdl: &str) -> (Project, Plan, String) {
    let p = Project::new(database).schema("s.kdl", kdl);
    ok(p.path(), &["plan", "--name", "init"]);
    let dir = p.path().join("migrations/0001_init");
    let plan = parse_plan(&fs::read_to_string(dir.join("plan.yaml")).unwrap()).unwrap();
    let up = fs::read_to_string(dir.join("up.sql")).unwrap();
    (p, plan, up)
}

#[test]
fn hostile_but_valid_schemas_run_as_exactly_their_operations() {
    let (_p, plan, up) = plan_from_nothing("fz", &schema(&valid()));
    assert_eq!(statements(&up).unwrap(), operation_sqls(&plan));
    let run = multiquery::run(
        "CREATE DATABASE fz",
        &up,
        &[
            "SELECT name FROM system.tables WHERE database = 'fz' ORDER BY name",
            "INSERT INTO fz.events_0_1 (id, ts, amount) VALUES ('k', now(), 1)",
            "SELECT note FROM fz.events_0_1",
            "SELECT s, c FROM fz.v",
            "SELECT count() FROM fz.copy",
        ],
    );
    assert_eq!(run.error, None, "{up}");
    assert_eq!(run.executed, plan.operations.len() as u64, "{up}");
    assert_eq!(run.checks[0], "copy\nevents_0_1\nm\nrandom\nv\n");
    assert_eq!(
        run.checks[2], "kx;y -- z\n",
        "a literal in a MATERIALIZED expression"
    );
    assert_eq!(run.checks[3], "a;b\t/* c\n", "literals in a view's SELECT");
    assert_eq!(
        run.checks[4], "1\n",
        "the materialized view's literal filter"
    );

    // Punctuation in defaults, comments and settings values, quoted names.
    let odd = "table t {\n    column id String default=\"'a; DROP TABLE lit.victim; -- b'\" comment=\"x; -- y /* z\"\n    column tag String default=\"concat('#', '/* */', `id`, ';')\"\n    order-by id\n    settings storage_policy=\"default\"\n    comment \"a table; -- really\"\n}\ntable victim {\n    column id String\n    order-by id\n}\n";
    let (_p, plan, up) = plan_from_nothing("lit", odd);
    assert_eq!(statements(&up).unwrap(), operation_sqls(&plan));
    let run = multiquery::run(
        "CREATE DATABASE lit",
        &up,
        &[
            "SELECT name FROM system.tables WHERE database = 'lit' ORDER BY name",
            "INSERT INTO lit.t (id) VALUES ('i')",
            "SELECT id, tag FROM lit.t",
            "SELECT comment FROM system.tables WHERE database = 'lit' AND name = 't'",
        ],
    );
    assert_eq!(run.error, None, "{up}");
    assert_eq!(run.executed, plan.operations.len() as u64, "{up}");
    assert_eq!(run.checks[0], "t\nvictim\n");
    assert_eq!(run.checks[2], "i\t#/* */i;\n");
    assert_eq!(run.checks[3], "a table; -- really\n");
}

#[test]
fn the_issues_injections_never_reach_a_script() {
    let t = "table t {\n    column id String\n    order-by id\n}\ntable victim {\n    column id String\n    order-by id\n}\n";
    let cases = [
        format!("{t}view v {{\n    select \"SELECT id FROM t; DROP TABLE inj.victim\"\n}}\n"),
        format!("{t}view v {{\n    select \"SELECT id FROM t -- swallows the ;\"\n}}\nview w {{\n    select \"SELECT 1\"\n}}\n"),
        "table a {\n    column id String\n    order-by id\n    settings \"index_granularity = 8192, min_bytes_for_wide_part = 0; DROP TABLE inj.victim; --\"=1\n}\ntable victim {\n    column id String\n    order-by id\n}\n".to_owned(),
        format!("{t}table c {{\n    column id String default=\"'x'; DROP TABLE inj.victim; SELECT 1\"\n    order-by id\n}}\n"),
    ];
    for kdl in cases {
        let p = Project::new("inj").schema("s.kdl", &kdl);
        let o = chplan(p.path(), &["check"]);
        if o.status.code() == Some(1) {
            let out = text(&o);
            assert!(
                out.contains("error[E113]") || out.contains("error[E114]"),
                "{out}"
            );
            continue;
        }
        // Accepted (as before issue 13): the script must still be exactly the plan.
        let (_p, plan, up) = plan_from_nothing("inj", &kdl);
        let run = multiquery::run(
            "CREATE DATABASE inj",
            &up,
            &["SELECT count() FROM system.tables WHERE database = 'inj' AND name = 'victim'"],
        );
        assert_eq!(
            (run.executed, run.checks[0].as_str()),
            (plan.operations.len() as u64, "1\n"),
            "check accepted the schema, and its up.sql ran other statements than its {} operations (error: {:?}):\n{up}",
            plan.operations.len(),
            run.error
        );
    }
}

/// The fuzz of `tests/fragment_fuzz.rs`, with ClickHouse as the judge: every mutant `check`
/// accepts is planned from nothing, and chDB runs its `up.sql` as one multi-statement script.
/// When every statement succeeds, exactly the plan's operations ran and exactly its objects
/// exist; when the engine refuses one (an accepted mutant can still be wrong SQL: ClickHouse
/// checks it, chplan does not), the statements that ran are the plan's first operations: no
/// more of them, and the objects are exactly what those create.
#[test]
fn accepted_mutants_run_as_exactly_their_operations_on_clickhouse() {
    let p = Project::new("fz");
    let file = p.path().join("schemas/s.kdl");
    let mut rng = Lcg(1913);
    let mut jobs = Vec::new();
    let mut plans = Vec::new();
    let mut tried = 0;
    while jobs.len() < 150 && tried < 5000 {
        tried += 1;
        let mut fragments = valid();
        mutate(&mut rng, &mut fragments);
        fs::write(&file, schema(&fragments)).unwrap();
        let c = compile(p.path());
        if c.diags.has_errors() {
            continue;
        }
        let mut diags = Diagnostics::default();
        let Ok(Some(plan)) = planner::plan(&c, "init", &mut diags).map(|p| p.plan) else {
            panic!("an accepted mutant did not plan:\n{}", schema(&fragments));
        };
        jobs.push(multiquery::Job {
            setup: "DROP DATABASE IF EXISTS fz SYNC; CREATE DATABASE fz".into(),
            script: up_sql(&plan),
            checks: vec!["SELECT count() FROM system.tables WHERE database = 'fz'".into()],
        });
        plans.push(plan);
    }
    let runs = multiquery::run_all(&jobs);
    let (mut clean, mut refused_by_engine) = (0, 0);
    for ((run, plan), job) in runs.iter().zip(&plans).zip(&jobs) {
        let ops = plan.operations.len() as u64;
        match &run.error {
            None => {
                clean += 1;
                assert_eq!(run.executed, ops, "{}", job.script);
                assert_eq!(run.checks[0], format!("{ops}\n"), "{}", job.script);
            }
            Some(e) => {
                refused_by_engine += 1;
                assert!(run.executed <= ops, "{e}\n{}", job.script);
                // The statements that ran are the first operations: the objects are those
                // they create (the last one's too, unless it was the one refused).
                let k = run.executed as usize;
                let creates = |n: usize| {
                    plan.operations[..n.min(plan.operations.len())]
                        .iter()
                        .filter(|o| {
                            matches!(
                                o.kind,
                                OpKind::CreateTable
                                    | OpKind::CreateView
                                    | OpKind::CreateMaterializedView
                            )
                        })
                        .count()
                };
                let objects: usize = run.checks[0].trim().parse().unwrap();
                assert!(
                    objects == creates(k) || objects == creates(k.saturating_sub(1)),
                    "{objects} objects after {k} statements ({e}):\n{}",
                    job.script
                );
            }
        }
    }
    println!(
        "{tried} mutants, {} accepted by check: {clean} ran as exactly their operations, \
         {refused_by_engine} stopped at a statement ClickHouse refused",
        jobs.len()
    );
    // Most accepted mutants are wrong SQL the engine refuses (`i*/d`, `Del` as a codec);
    // enough must run clean for the exact count to mean something.
    assert!(clean >= 25, "only {clean} clean runs");
}
