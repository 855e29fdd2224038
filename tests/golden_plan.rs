//! Golden plan scenarios, proven on a real ClickHouse (26.9, chDB behind tests/chfront).
//!
//! Every directory `golden/plan/NNN-slug/` holds `before/` (a chplan project), `after/schemas/`
//! (the edited schemas), and optionally:
//!
//! - `setup.sql`: run before anything (e.g. an externally-managed table);
//! - `options`: planning options, one a line (`yes_all`, `no_auto_backfill_sql`), passed to
//!   `planner::plan_with` for every plan of the scenario (no prompter: a non-interactive run);
//! - `after.sql`: run after plan 2 and the row checks (e.g. inserts into an old version that a
//!   materialized view must carry into the new one), before `verify.sql`;
//! - `verify.sql`: run after plan 2 (and `after.sql`): every SELECT in it must return 1;
//! - `expect-error.md`: plan 2 must be refused (first line: text the rendered diagnostics must
//!   contain; every further line starting with `+ ` is one more such text; the rest says why).
//!   The diagnostics are the snapshot `plan_error.snap`; nothing runs on the engine;
//! - `known-failure.md`: a bug or limitation (first line: text the failure must contain; the
//!   rest says why).
//!
//! Each scenario is two tests (a harness of its own, `libtest-mimic`; `cargo test --test
//! golden_plan -- 014` runs both of scenario 014, `--nocapture` prints summaries and notes):
//!
//! - `plan/NNN-slug` needs no engine and always runs: step 2 below (snapshots, determinism,
//!   no plan from the after state), or the refusal `expect-error.md` asks for;
//! - `engine/NNN-slug` (not for refused plans) plans again and runs steps 1 and 3 on
//!   ClickHouse.
//!
//! A `known-failure.md` scenario passes when it fails with the expected text; when its engine
//! test passes, it fails, asking for the file to be removed.
//!
//! The steps:
//!
//! 1. plan `before/` (plan 1), run `setup.sql` and plan 1's SQL (one statement per request) in
//!    the scenario's database, insert random rows into every managed table and count them;
//! 2. put `after/schemas` in place, plan again (plan 2); its `plan.yaml` and `up.sql` are
//!    snapshots beside the scenario (`plan_yaml.snap`, `up_sql.snap`), and so are the planner's
//!    notes (`plan_notes.snap`, when there are any) and every retained declaration it writes
//!    into the schema directory as `chplan plan` does (`retained_<table>.kdl.snap`); planning
//!    twice in two directories gives the same bytes; planning the after state again gives no
//!    plan;
//! 3. run plan 2's SQL, then compare the database with plan 2's `state.json` (tables, engines,
//!    sorting keys, columns with types and defaults, views, nothing unexpected), check the rows
//!    are still there (a table a version bump copies into holds exactly the rows of the table
//!    it copies from), run `after.sql` and `verify.sql`, insert into every table of the new
//!    state and query every view.
//!
//! Accept new snapshots with `INSTA_UPDATE=always cargo test --test golden_plan` and review
//! the diff. For a cluster project the SQL runs without `ON CLUSTER` and with plain engines
//! (chDB has neither clusters nor ZooKeeper); see `engine::Db::cluster`.

#[path = "golden_plan/engine.rs"]
mod engine;
mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::Instant;

use chplan::back::planner;
use chplan::front::compile::compile;
use chplan::front::diag::{Diagnostics, Format, render};
use chplan_runner::artifacts::plan::{OpKind, Plan};
use chplan_runner::artifacts::state::{LifecycleState, State};
use chplan_runner::client::{Client, Endpoint};
use chplan_runner::runner::exact;

use engine::{Db, check_database, q};
use libtest_mimic::{Arguments, Failed, Trial};

fn scenarios() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/plan");
    let mut out: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The scenario's `options` file: how version-bump decisions are taken when the schema does
/// not declare them.
#[derive(Default, Clone, Copy)]
struct Options {
    yes_all: bool,
    no_auto_backfill_sql: bool,
}

fn read_options(scenario: &Path) -> Result<Options, String> {
    let mut o = Options::default();
    let Ok(text) = fs::read_to_string(scenario.join("options")) else {
        return Ok(o);
    };
    for line in text.lines().map(str::trim) {
        match line {
            "" => {}
            l if l.starts_with('#') => {}
            "yes_all" => o.yes_all = true,
            "no_auto_backfill_sql" => o.no_auto_backfill_sql = true,
            other => return Err(format!("options: unknown option `{other}`")),
        }
    }
    Ok(o)
}

/// A plan written, with the state it leads to and the planner's notes.
#[derive(Clone)]
struct PlanOut {
    plan: Plan,
    state: State,
    notes: Vec<String>,
}

/// A refused plan: the whole message, and the rendered diagnostics alone (no paths).
#[derive(Debug, Clone)]
struct Refused {
    message: String,
    diagnostics: String,
}

impl From<Refused> for String {
    fn from(r: Refused) -> String {
        r.message
    }
}

/// Plans the project in `dir` as `chplan plan` does (non-interactive): writes the retained
/// declarations into the schema directory, then the plan; `None` when there is nothing to
/// plan.
fn plan(dir: &Path, name: &str, options: Options) -> Result<Option<PlanOut>, Refused> {
    let c = compile(dir);
    let mut diags = Diagnostics::default();
    diags.extend(c.diags.clone());
    let fail = |diags: &Diagnostics, what: String| {
        let rendered = render(&diags.sorted(), &c.project.sources, Format::Human);
        Refused {
            message: format!(
                "chplan plan --name {name} in {}: {what}\n{rendered}",
                dir.display()
            ),
            diagnostics: rendered,
        }
    };
    if diags.has_errors() {
        return Err(fail(&diags, "the project has errors".into()));
    }
    let mut opts = planner::PlanOptions {
        yes_all: options.yes_all,
        no_auto_backfill_sql: options.no_auto_backfill_sql,
        prompter: None,
        base: None,
    };
    let planned =
        planner::plan_with(&c, name, &mut opts, &mut diags).map_err(|e| fail(&diags, e))?;
    let Some(p) = planned.plan else {
        return Ok(None);
    };
    let plain = |message: String| Refused {
        message,
        diagnostics: String::new(),
    };
    let config = c
        .project
        .config
        .as_ref()
        .ok_or_else(|| plain("no chplan.kdl".into()))?;
    for (file, kdl) in &planned.retained {
        let path = c.project.root.join(&config.schemas_dir).join(file);
        fs::write(&path, kdl).map_err(|e| plain(format!("{}: {e}", path.display())))?;
    }
    planner::migrations(&c, config)
        .write_plan(&p, &planned.new, None)
        .map_err(plain)?;
    Ok(Some(PlanOut {
        plan: p,
        state: planned.new,
        notes: planned.notes,
    }))
}

/// Plan 1 on `before/`, then plan 2 on `after/schemas`, in a fresh copy under `root`.
struct Planned {
    project: PathBuf,
    plan1: Option<PlanOut>,
    plan2: Result<Option<PlanOut>, Refused>,
}

fn plan_both(scenario: &Path, root: &Path, options: Options) -> Result<Planned, String> {
    let project = root.join("project");
    copy_dir(&scenario.join("before"), &project);
    fs::create_dir_all(project.join("schemas")).unwrap();
    let plan1 = plan(&project, "before", options)?;
    fs::remove_dir_all(project.join("schemas")).unwrap();
    copy_dir(&scenario.join("after/schemas"), &project.join("schemas"));
    let plan2 = plan(&project, "after", options);
    Ok(Planned {
        project,
        plan1,
        plan2,
    })
}

/// Every file under `dir`, relative path → bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().display().to_string();
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out
}

/// Statements of a .sql file: split on `;` at the end of a line, `--` comment lines dropped.
fn statements(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("--") {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if line.trim_end().ends_with(';') {
            out.push(current.trim().trim_end_matches(';').to_string());
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_string());
    }
    out
}

fn run_plan(db: &Db, plan: &Plan) -> Result<(), String> {
    for op in &plan.operations {
        if let Some(c) = &db.cluster {
            // Every DDL statement is ON CLUSTER, every table engine Replicated (a backfill is
            // an INSERT, which takes no ON CLUSTER).
            let clause = format!(" ON CLUSTER {}", chplan_clickhouse::sqltext::quote_ident(c));
            if op.kind != OpKind::Backfill && !op.sql.contains(&clause) {
                return Err(format!(
                    "plan {} operation `{}` lacks `{clause}`:\n{}",
                    plan.id, op.id, op.sql
                ));
            }
            if op.sql.contains("ENGINE = ") && !op.sql.contains("ENGINE = Replicated") {
                return Err(format!(
                    "plan {} operation `{}` on a cluster has a non-Replicated engine:\n{}",
                    plan.id, op.id, op.sql
                ));
            }
        }
        let sql = db.runnable(&op.sql);
        let failed = |e: String| {
            format!(
                "plan {} operation `{}` failed on ClickHouse:\n{sql}\n-> {e}",
                plan.id, op.id
            )
        };
        if db.cluster.is_some() {
            db.query(&sql).map_err(failed)?;
        } else {
            // With the runner's own halves of an exact backfill around the statement.
            let client = Client::new(Endpoint::parse(db.ch.url(), None, None).unwrap());
            exact::run_once(
                &client,
                op,
                &db.name,
                &format!("golden-{}-{}-{}", db.name, plan.id, op.id),
            )
            .map_err(failed)?;
        }
    }
    Ok(())
}

fn snapshot(dir: &Path, name: &str, contents: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_input_file(dir.join("after"));
    settings.bind(|| insta::assert_snapshot!(name, contents));
}

struct Outcome {
    summary: String,
    notes: Vec<String>,
}

/// `plan/NNN-slug`: what needs no engine. Plans twice in two directories (same bytes), checks
/// a refusal against `expect-error.md`, or compares plan 2's `plan.yaml`, `up.sql`, notes and
/// retained declarations with their snapshots and plans the after state again (no plan).
fn plan_scenario(dir: &Path) -> Result<Outcome, String> {
    let started = Instant::now();
    let slug = dir.file_name().unwrap().to_string_lossy().into_owned();

    // Plan, twice, in two directories: same bytes.
    let tmp_a = tempfile::Builder::new()
        .prefix("golden-plan-")
        .tempdir()
        .unwrap();
    let tmp_b = tempfile::Builder::new()
        .prefix("golden-plan-")
        .tempdir()
        .unwrap();
    let options = read_options(dir)?;
    let a = plan_both(dir, tmp_a.path(), options)?;
    let b = plan_both(dir, tmp_b.path(), options)?;
    for sub in ["migrations", "schemas"] {
        let (fa, fb) = (files(&a.project.join(sub)), files(&b.project.join(sub)));
        if fa != fb {
            let differ: Vec<&String> = fa
                .keys()
                .chain(fb.keys())
                .filter(|k| fa.get(*k) != fb.get(*k))
                .collect();
            return Err(format!(
                "planning is not deterministic: {sub}/ {differ:?} differ between two runs"
            ));
        }
    }
    if let Ok(expect) = fs::read_to_string(dir.join("expect-error.md")) {
        return refused_as_expected(dir, &slug, &expect, &a, &b, started);
    }
    let PlanOut {
        plan: plan2,
        state: state2,
        notes: plan_notes,
    } = plan2_of(&a)?;
    let plan_dir = a.project.join("migrations").join(&plan2.id);
    let plan_yaml = fs::read_to_string(plan_dir.join("plan.yaml")).unwrap();
    let up_sql = fs::read_to_string(plan_dir.join("up.sql")).unwrap();
    snapshot(dir, "plan_yaml", &plan_yaml);
    snapshot(dir, "up_sql", &up_sql);
    if !plan_notes.is_empty() {
        snapshot(dir, "plan_notes", &plan_notes.join("\n"));
    }
    // The retained declarations plan 2 wrote into the schema directory.
    let after_files = files(&dir.join("after/schemas"));
    for (file, bytes) in files(&a.project.join("schemas")) {
        if !after_files.contains_key(&file) {
            if !file.starts_with("retained_") {
                return Err(format!("plan 2 wrote an unexpected schema file `{file}`"));
            }
            snapshot(dir, &file, &String::from_utf8_lossy(&bytes));
        }
    }
    if let Some(again) = plan(&a.project, "again", options)? {
        let p = again.plan;
        return Err(format!(
            "planning the after state against itself yields plan {} with {} operations: {:?}",
            p.id,
            p.operations.len(),
            p.operations.iter().map(|o| &o.id).collect::<Vec<_>>()
        ));
    }
    Ok(Outcome {
        summary: format!(
            "{slug}: plan ok (plan 1: {} ops, plan 2: {} ops, {} tables, {:.1}s)",
            a.plan1.as_ref().map_or(0, |p| p.plan.operations.len()),
            plan2.operations.len(),
            state2.tables.len(),
            started.elapsed().as_secs_f64()
        ),
        notes: Vec::new(),
    })
}

/// Plan 2 of a scenario that must plan something.
fn plan2_of(a: &Planned) -> Result<PlanOut, String> {
    Ok(a.plan2
        .clone()?
        .ok_or("plan 2 is empty: the after schemas plan no change")?)
}

/// `engine/NNN-slug`: plans 1 and 2 run on ClickHouse (step 1 and 3 of the module comment).
/// The plans are the ones `plan_scenario` checks against the snapshots.
fn engine_scenario(dir: &Path) -> Result<Outcome, String> {
    let started = Instant::now();
    let slug = dir.file_name().unwrap().to_string_lossy().into_owned();
    let mut notes = Vec::new();
    let tmp = tempfile::Builder::new()
        .prefix("golden-plan-")
        .tempdir()
        .unwrap();
    let a = plan_both(dir, tmp.path(), read_options(dir)?)?;
    let PlanOut {
        plan: plan2,
        state: state2,
        ..
    } = plan2_of(&a)?;

    // The engine: a database of the scenario's own.
    let ch = support::clickhouse();
    let db = Db {
        ch,
        name: state2.database.clone(),
        cluster: state2.cluster.clone(),
    };
    ch.query(&format!("DROP DATABASE IF EXISTS {}", q(&db.name)))
        .map_err(|e| format!("{e:?}"))?;
    ch.query(&format!("CREATE DATABASE {}", q(&db.name)))
        .map_err(|e| format!("{e:?}"))?;
    if let Ok(setup) = fs::read_to_string(dir.join("setup.sql")) {
        for st in statements(&setup) {
            db.exec(&st).map_err(|e| format!("setup.sql: {e}"))?;
        }
    }
    let state1 = match &a.plan1 {
        Some(p1) => {
            run_plan(&db, &p1.plan)?;
            p1.state.clone()
        }
        None => State::empty(&db.name, db.cluster.as_deref()),
    };
    let external_ddl = |db: &Db| {
        db.query_params(
            "SELECT name, create_table_query FROM system.tables WHERE database = {db:String} \
             AND name IN ({names:Array(String)}) ORDER BY name",
            &[
                ("db", &db.name),
                (
                    "names",
                    &format!(
                        "[{}]",
                        state2
                            .tables
                            .iter()
                            .filter(|(_, t)| t.lifecycle == LifecycleState::ExternallyManaged)
                            .map(|(n, _)| chplan_clickhouse::sqltext::quote_string(n))
                            .collect::<Vec<_>>()
                            .join(",")
                    ),
                ),
            ],
        )
    };
    let external_before = external_ddl(&db)?;

    // Rows in every managed table of the before state, then their counts.
    for (i, (name, t)) in state1.tables.iter().enumerate() {
        if t.lifecycle != LifecycleState::ExternallyManaged {
            db.insert_random(name, t, 20, 1000 + i as u64)?;
        }
    }
    for (name, t) in &state1.tables {
        if t.lifecycle != LifecycleState::ExternallyManaged && t.engine.name.ends_with("MergeTree")
        {
            // Merged once, so a later background merge cannot change the count.
            db.exec(&format!("OPTIMIZE TABLE {}.{} FINAL", q(&db.name), q(name)))?;
        }
    }
    let mut counts = BTreeMap::new();
    for name in state1.tables.keys() {
        counts.insert(name.clone(), db.count(name)?);
    }

    // What a version copied into a new table must hold: exactly the rows of the version it
    // copies from, or, when the new engine collapses rows by sorting key (Replacing, Summing,
    // Aggregating, ...), one row per distinct key (counted with FINAL).
    let mut copies = Vec::new();
    for op in &plan2.operations {
        let Some(bf) = op.backfill.as_ref().filter(|_| op.kind == OpKind::Backfill) else {
            continue;
        };
        let Some(source) = &bf.source else { continue };
        let (Some(from), Some(to)) = (state1.tables.get(source), state2.tables.get(&bf.target))
        else {
            continue;
        };
        if from.logical != to.logical || state1.tables.contains_key(&bf.target) {
            continue;
        }
        let collapses = to.engine.name.trim_start_matches("Replicated") != "MergeTree";
        let expected = if collapses {
            let out = db.exec(&format!(
                "SELECT count() FROM (SELECT DISTINCT {} FROM {}.{})",
                to.order_by.join(", "),
                q(&db.name),
                q(source)
            ))?;
            out.trim()
                .parse::<u64>()
                .map_err(|e| format!("{e}: {out}"))?
        } else {
            counts[source]
        };
        copies.push((
            op.id.clone(),
            source.clone(),
            bf.target.clone(),
            collapses,
            expected,
        ));
    }

    // Plan 2 on the engine, then the database against the new state.
    run_plan(&db, &plan2)?;
    check_database(&db, &state2, &mut notes)?;
    let external_after = external_ddl(&db)?;
    if external_before != external_after {
        return Err(format!(
            "an externally-managed table changed:\nbefore: {external_before}\nafter: {external_after}"
        ));
    }

    // A rebuilt target (exchanged with a table filled beside it) holds exactly what the views
    // writing into it give over their sources; rows written into it directly are gone.
    let rebuilt: Vec<&str> = plan2
        .operations
        .iter()
        .filter(|o| o.kind == OpKind::ExchangeTables)
        .map(|o| o.objects[0].as_str())
        .collect();
    for target in &rebuilt {
        let columns: Vec<String> = state2.tables[*target]
            .columns
            .iter()
            .map(|c| q(&c.name))
            .collect();
        let digest = |from: &str| {
            db.exec(&format!(
                "SELECT count(), sum(cityHash64({})) FROM ({from})",
                columns.join(", ")
            ))
        };
        let views: Vec<String> = state2
            .materialized_views
            .values()
            .filter(|v| v.to == *target)
            .map(|v| format!("SELECT {} FROM ({})", columns.join(", "), v.select))
            .collect();
        let expected = digest(&views.join(" UNION ALL "))?;
        let found = digest(&format!("SELECT * FROM {}.{}", q(&db.name), q(target)))?;
        if found != expected {
            return Err(format!(
                "rebuilt `{target}` (count, hash) is {} but its views give {} over their sources",
                found.trim(),
                expected.trim()
            ));
        }
        notes.push(format!(
            "`{target}` rebuilt: {} rows, equal to its views' SELECT over their sources",
            found.split_whitespace().next().unwrap_or("?")
        ));
    }

    // Rows still there. A backfill target may gain rows (repopulation appends).
    let backfilled: Vec<&str> = plan2
        .operations
        .iter()
        .filter(|o| o.kind == OpKind::Backfill)
        .filter_map(|o| o.backfill.as_ref().map(|b| b.target.as_str()))
        .collect();
    for (name, before) in &counts {
        if !state2.tables.contains_key(name) || rebuilt.contains(&name.as_str()) {
            continue;
        }
        let after = db.count(name)?;
        if backfilled.contains(&name.as_str()) {
            if after < *before {
                return Err(format!(
                    "table `{name}` had {before} rows before plan 2 and {after} after it (it was backfilled: rows may only be added)"
                ));
            }
            if after > *before {
                notes.push(format!(
                    "`{name}`: {before} rows before plan 2, {after} after: the repopulation appended {} rows next to the old ones (no truncate)",
                    after - before
                ));
            }
        } else if after != *before {
            return Err(format!(
                "table `{name}` had {before} rows before plan 2 and {after} after it"
            ));
        }
    }

    for (id, source, target, collapses, expected) in copies {
        let found = if collapses {
            let out = db.exec(&format!(
                "SELECT count() FROM {}.{} FINAL",
                q(&db.name),
                q(&target)
            ))?;
            out.trim()
                .parse::<u64>()
                .map_err(|e| format!("{e}: {out}"))?
        } else {
            db.count(&target)?
        };
        let what = if collapses {
            format!("{expected} distinct sorting keys")
        } else {
            format!("{expected} rows")
        };
        if found != expected {
            return Err(format!(
                "backfill `{id}`: `{source}` had {what} before plan 2, `{target}` has {found} rows after it"
            ));
        }
        notes.push(format!(
            "backfill `{source}` -> `{target}`: {found} rows, as `{source}` had {what}"
        ));
    }

    // Scenario checks.
    if let Ok(after_sql) = fs::read_to_string(dir.join("after.sql")) {
        for st in statements(&after_sql) {
            db.exec(&st).map_err(|e| format!("after.sql: {e}"))?;
        }
    }
    if let Ok(verify) = fs::read_to_string(dir.join("verify.sql")) {
        for st in statements(&verify) {
            let out = db.exec(&st).map_err(|e| format!("verify.sql: {e}"))?;
            if st.to_ascii_uppercase().starts_with("SELECT") && out != "1\n" {
                return Err(format!("verify.sql: expected 1 from\n{st}\n-> got {out:?}"));
            }
        }
    }

    // The new schema takes inserts; every view answers.
    for (i, (name, t)) in state2.tables.iter().enumerate() {
        if t.lifecycle != LifecycleState::ExternallyManaged {
            db.insert_random(name, t, 5, 2000 + i as u64)
                .map_err(|e| format!("insert into `{name}` after plan 2: {e}"))?;
        }
    }
    for name in state2.views.keys() {
        db.exec(&format!(
            "SELECT * FROM {}.{} LIMIT 1",
            q(&db.name),
            q(name)
        ))
        .map_err(|e| format!("view `{name}` after plan 2: {e}"))?;
    }

    let ops = plan2.operations.len();
    Ok(Outcome {
        summary: format!(
            "{slug}: ok (plan 1: {} ops, plan 2: {ops} ops, {} tables checked, {:.1}s)",
            a.plan1.as_ref().map_or(0, |p| p.plan.operations.len()),
            state2.tables.len(),
            started.elapsed().as_secs_f64()
        ),
        notes,
    })
}

/// Plan 2 was refused, as `expect-error.md` says it must be: the same diagnostics in both
/// directories, containing the expected texts, and no plan written.
fn refused_as_expected(
    dir: &Path,
    slug: &str,
    expect: &str,
    a: &Planned,
    b: &Planned,
    started: Instant,
) -> Result<Outcome, String> {
    let (ra, rb) = match (&a.plan2, &b.plan2) {
        (Err(ra), Err(rb)) => (ra, rb),
        (Ok(Some(p)), _) => {
            return Err(format!(
                "plan 2 was expected to be refused (expect-error.md), but it plans {} operations: {:?}",
                p.plan.operations.len(),
                p.plan.operations.iter().map(|o| &o.id).collect::<Vec<_>>()
            ));
        }
        (Ok(None), _) => {
            return Err(
                "plan 2 was expected to be refused (expect-error.md), but it plans no change"
                    .into(),
            );
        }
        (Err(_), Ok(_)) => return Err("plan 2 is refused in one directory only".into()),
    };
    if ra.diagnostics != rb.diagnostics {
        return Err(format!(
            "plan 2's refusal is not deterministic:\n{}\n---\n{}",
            ra.diagnostics, rb.diagnostics
        ));
    }
    let mut lines = expect.lines();
    let first = lines.next().map(str::trim).unwrap_or_default();
    let wanted: Vec<&str> = std::iter::once(first)
        .chain(lines.filter_map(|l| l.strip_prefix("+ ")).map(str::trim))
        .filter(|t| !t.is_empty())
        .collect();
    if wanted.is_empty() {
        return Err("expect-error.md: the first line must say what the error contains".into());
    }
    for w in &wanted {
        if !ra.message.contains(w) {
            return Err(format!(
                "plan 2 is refused, but without `{w}` (expect-error.md):\n{}",
                ra.message
            ));
        }
    }
    if files(&a.project.join("migrations"))
        .keys()
        .any(|k| k.contains("_after/"))
    {
        return Err("plan 2 was refused, but a plan directory was written".into());
    }
    snapshot(dir, "plan_error", &ra.diagnostics);
    Ok(Outcome {
        summary: format!(
            "{slug}: ok, plan 2 refused as expected ({}; {:.1}s)",
            wanted.join(", "),
            started.elapsed().as_secs_f64()
        ),
        notes: Vec::new(),
    })
}

/// How the scenarios are run: `--nocapture` prints each one's summary and notes.
static VERBOSE: OnceLock<bool> = OnceLock::new();

/// A scenario's outcome against its `known-failure.md`. `whole` is true for the test that runs
/// the whole scenario (the engine one): only it can tell that a known failure no longer fails.
fn judge(dir: &Path, result: Result<Outcome, String>, whole: bool) -> Result<(), Failed> {
    let slug = dir.file_name().unwrap().to_string_lossy().into_owned();
    let known = fs::read_to_string(dir.join("known-failure.md")).ok();
    let expect = known
        .as_deref()
        .and_then(|k| k.lines().next())
        .map(str::trim)
        .filter(|l| !l.is_empty());
    let verbose = VERBOSE.get().copied().unwrap_or(false);
    match (result, expect) {
        (Ok(o), Some(_)) if whole => Err(format!(
            "{slug}: passes, but is marked as a known failure: remove known-failure.md\n{}",
            o.summary
        )
        .into()),
        (Ok(o), _) => {
            if verbose {
                let mut text = o.summary;
                for n in o.notes {
                    text.push_str(&format!("\n    note: {n}"));
                }
                println!("{text}");
            }
            Ok(())
        }
        (Err(e), Some(expect)) if e.contains(expect) => {
            if verbose {
                println!(
                    "{slug}: KNOWN FAILURE (known-failure.md): {}",
                    e.replace('\n', "\n    ")
                );
            }
            Ok(())
        }
        (Err(e), _) => Err(format!("{slug}: FAILED\n{e}").into()),
    }
}

/// One test per scenario and phase: `plan/NNN-slug` (no engine) for every scenario, and
/// `engine/NNN-slug` for every scenario whose plan 2 is not refused. `cargo test --test
/// golden_plan -- 014` runs both of scenario 014.
fn main() -> ExitCode {
    let mut args = Arguments::from_args();
    VERBOSE.set(args.nocapture).unwrap();
    // Engine tests mostly wait on the server: run more of them than there are cores (as the
    // single test that ran every scenario on its own thread did), unless told otherwise.
    if args.test_threads.is_none() {
        args.test_threads = Some(8);
    }
    let scenarios = scenarios();
    assert!(scenarios.len() >= 10, "expected at least 10 scenarios");
    let mut trials = Vec::new();
    for dir in &scenarios {
        if dir.join("expect-error.md").exists() {
            // Refused plans run nothing on the engine.
            continue;
        }
        let slug = dir.file_name().unwrap().to_string_lossy().into_owned();
        let dir = dir.clone();
        trials.push(Trial::test(format!("engine/{slug}"), move || {
            judge(&dir, engine_scenario(&dir), true)
        }));
    }
    for dir in &scenarios {
        let slug = dir.file_name().unwrap().to_string_lossy().into_owned();
        let dir = dir.clone();
        trials.push(Trial::test(format!("plan/{slug}"), move || {
            judge(&dir, plan_scenario(&dir), false)
        }));
    }
    libtest_mimic::run(&args, trials).exit_code()
}
