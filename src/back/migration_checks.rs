//! What `check` verifies about the migration directory: it is sealed (chplan.sum matches),
//! every up.sql is what its plan.yaml renders, every plan keeps the state it ends at (and the
//! root state.json is the newest plan's), every plan starts where the one before it ends (or at
//! its start.json), and no schema change is left unplanned.

use std::fs;

use crate::back::verified_history::VerifiedHistory;
use crate::back::{desired, planner};
use crate::front::compile::Compilation;
use crate::front::diag::{Code, Diagnostic, Diagnostics};
use chplan_runner::artifacts::plan::Plan;
use chplan_runner::migrations::{
    EMPTY_FROM_STATE, MigrationDir, START_FILE, STATE_FILE, UP_FILE, changed_files, file_digest,
    up_sql,
};

pub fn check(c: &Compilation, diags: &mut Diagnostics) {
    let Some(config) = &c.project.config else {
        return;
    };
    let dir = planner::migrations(c, config);
    // A project that has not planned yet has nothing to keep in step.
    if !dir.root.exists() {
        return;
    }
    // Messages name files relative to the project, as diagnostics do everywhere else.
    let root = dir.root.display().to_string();
    let relative = |e: String| e.replace(&root, &config.migrations_dir);
    // The files are hashed once; a sealed history verified clean before, byte for byte, is
    // not parsed again (`verified_history`).
    let sum = dir.compute_sum();
    let sealed = check_sealed(&dir, &sum, &config.migrations_dir, &relative, diags);
    let record = match (&sum, sealed) {
        (Ok(sum), true) => VerifiedHistory::new(&c.project.root, sum, &c.project.sources),
        _ => None,
    };
    let mut verified = record
        .as_ref()
        .is_some_and(VerifiedHistory::history_verified);
    if !verified {
        let mut found = Diagnostics::default();
        check_plans(&dir, &config.migrations_dir, &relative, &mut found);
        verified = sealed && found.is_empty();
        diags.extend(found);
        if let (true, Some(record)) = (verified, &record) {
            record.record_history();
        }
    }
    if verified
        && record
            .as_ref()
            .is_some_and(VerifiedHistory::sources_planned)
    {
        return;
    }
    // Of a verified history, the root state.json is the state the newest plan ends at: when
    // the schemas give exactly that state, nothing is unplanned and no state is parsed.
    let root_digest = sum.as_deref().ok().and_then(root_state_digest);
    if let (true, Some(root_digest)) = (verified, root_digest)
        && desired::build(config, &c.schema, &c.resolved).digest() == root_digest
    {
        if let Some(record) = &record {
            record.record_planned();
        }
        return;
    }
    check_unplanned(c, &relative, diags);
}

/// The digest `chplan.sum` lists for the root state.json.
fn root_state_digest(sum: &str) -> Option<&str> {
    sum.lines()
        .find_map(|l| l.strip_prefix(STATE_FILE)?.strip_prefix(' '))
}

/// chplan.sum is there and matches every file it seals (`actual`, computed from the files);
/// whether it does.
fn check_sealed(
    dir: &MigrationDir,
    actual: &Result<String, String>,
    m: &str,
    relative: &dyn Fn(String) -> String,
    diags: &mut Diagnostics,
) -> bool {
    let shown = |f: &str| format!("{m}/{f}");
    match (dir.read_sum(), actual) {
        (Ok(Some(recorded)), Ok(actual)) if recorded == *actual => return true,
        (Ok(Some(recorded)), Ok(actual)) => {
            let changed = changed_files(&recorded, actual);
            diags.push(
                Diagnostic::unplaced(
                    Code::MigrationsTampered,
                    format!(
                        "{} does not match the migration files (changed: {})",
                        shown("chplan.sum"),
                        changed.join(", ")
                    ),
                )
                .help("if the edit was reviewed and intended, run `chplan reseal`; after a merge conflict, re-plan from the main branch's migrations instead"),
            );
        }
        (Ok(None), Ok(_)) if dir.read_state().ok().flatten().is_some() => diags.push(
            Diagnostic::unplaced(
                Code::MigrationsTampered,
                format!("{} is missing", shown("chplan.sum")),
            )
            .help("run `chplan reseal` to seal the reviewed migration files"),
        ),
        (Err(e), _) => diags.push(Diagnostic::unplaced(Code::InvalidMigrations, relative(e))),
        (_, Err(e)) => {
            diags.push(Diagnostic::unplaced(
                Code::InvalidMigrations,
                relative(e.clone()),
            ));
        }
        _ => {}
    }
    false
}

/// Every plan reads, starts where the one before it ends, keeps its end state, and has the
/// up.sql its plan.yaml gives.
fn check_plans(
    dir: &MigrationDir,
    m: &str,
    relative: &dyn Fn(String) -> String,
    diags: &mut Diagnostics,
) {
    let shown = |f: &str| format!("{m}/{f}");
    let ids = match dir.plan_ids() {
        Ok(ids) => ids,
        Err(e) => {
            diags.push(Diagnostic::unplaced(Code::InvalidMigrations, relative(e)));
            return;
        }
    };
    let newest = ids.last().cloned();
    let root = file_digest(&dir.root.join(STATE_FILE));
    // The plan before the one checked: `None` for the first, `Some(None)` when unreadable.
    let mut previous: Option<Option<Plan>> = None;
    for id in ids {
        let read = dir.read_plan(&id);
        match &read {
            Ok(plan) => {
                check_plan_start(
                    dir,
                    plan,
                    previous.as_ref().map(Option::as_ref),
                    m,
                    relative,
                    diags,
                );
                check_plan_state(
                    dir,
                    plan,
                    &root,
                    newest.as_deref() == Some(id.as_str()),
                    m,
                    relative,
                    diags,
                );
                let path = dir.root.join(&id).join(UP_FILE);
                let on_disk = fs::read_to_string(&path).unwrap_or_default();
                if on_disk != up_sql(plan) {
                    diags.push(
                        Diagnostic::unplaced(
                            Code::StalePlanSql,
                            format!("{} does not match its plan.yaml", shown(&format!("{id}/{UP_FILE}"))),
                        )
                        .help("up.sql is generated from plan.yaml: edit the plan, then run `chplan reseal`"),
                    );
                }
            }
            Err(e) => diags.push(
                Diagnostic::unplaced(Code::InvalidMigrations, relative(e.clone()))
                    .help("fix the YAML by hand, or restore it from version control"),
            ),
        }
        previous = Some(read.ok());
    }
}

/// The schemas have no change that no plan covers.
fn check_unplanned(c: &Compilation, relative: &dyn Fn(String) -> String, diags: &mut Diagnostics) {
    let mut plan_diags = Diagnostics::default();
    match planner::plan(c, "check", &mut plan_diags) {
        Ok(planned) => {
            diags.extend(plan_diags);
            if let Some(plan) = planned.plan {
                let mut list: Vec<String> = plan
                    .operations
                    .iter()
                    .map(|o| o.description.clone())
                    .collect();
                if list.is_empty() {
                    list.push("(no SQL: lifecycles or externally-managed tables changed)".into());
                }
                if list.len() > 10 {
                    let more = list.len() - 10;
                    list.truncate(10);
                    list.push(format!("... and {more} more"));
                }
                diags.push(
                    Diagnostic::unplaced(
                        Code::UnplannedChanges,
                        format!(
                            "the schemas have changes no plan covers:\n{}",
                            list.join("\n")
                        ),
                    )
                    .help("run `chplan plan --name SLUG` and commit the new migration with the schemas"),
                );
            }
        }
        Err(_) if plan_diags.has_errors() => diags.extend(plan_diags),
        Err(e) => diags.push(Diagnostic::unplaced(Code::InvalidMigrations, relative(e))),
    }
}

fn check_plan_start(
    dir: &MigrationDir,
    plan: &Plan,
    previous: Option<Option<&Plan>>,
    m: &str,
    relative: &dyn Fn(String) -> String,
    diags: &mut Diagnostics,
) {
    let id = &plan.id;
    let file = format!("{m}/{id}/{START_FILE}");
    let (message, help) = match file_digest(&dir.root.join(id).join(START_FILE)) {
        Ok(Some(d)) if d == plan.from_state => return,
        Ok(Some(d)) => (
            match dir.read_plan_start(id) {
                Err(e) => format!("{} (the state the plan starts from)", relative(e)),
                Ok(_) => format!(
                    "{file} is not the state its plan starts from: its digest is {d}, the plan's from_state is {}",
                    plan.from_state
                ),
            },
            "start.json is the live database the plan was made against (`chplan plan --url`): \
             restore it from version control, or remove the plan and plan again"
                .to_string(),
        ),
        Err(e) => (
            relative(e),
            "restore it from version control, then run `chplan reseal`".to_string(),
        ),
        Ok(None) => match previous {
            None if plan.from_state == EMPTY_FROM_STATE => return,
            None => (
                format!(
                    "{m}/{id} is the first plan, but it does not start from an empty database: its from_state is {}",
                    plan.from_state
                ),
                "the plans before it are missing: restore them from version control".to_string(),
            ),
            Some(None) => return,
            Some(Some(prev)) if prev.to_state == plan.from_state => return,
            Some(Some(prev)) => (
                format!(
                    "{m}/{id} does not start from the state the plan before it, {}, ends at: its from_state is {}, {}'s to_state is {}",
                    prev.id, plan.from_state, prev.id, prev.to_state
                ),
                "two plans were made from the same state (on two branches?): keep the plans of \
                 one branch, then plan the other's changes again with `chplan plan`"
                    .to_string(),
            ),
        },
    };
    diags.push(Diagnostic::unplaced(Code::PlanStateMismatch, message).help(help));
}

/// The plan's state.json is there, readable, and the state the plan ends at (its digest is
/// `to_state`); for the newest plan, so is the root state.json (`root`: the digest of its
/// bytes, `None` when missing; one that cannot be read is the planner's E405). Digests only: a file whose digest is `to_state`
/// is the one the planner wrote, so big states are parsed only when something is wrong.
fn check_plan_state(
    dir: &MigrationDir,
    plan: &Plan,
    root: &Result<Option<String>, String>,
    newest: bool,
    m: &str,
    relative: &dyn Fn(String) -> String,
    diags: &mut Diagnostics,
) {
    let id = &plan.id;
    let file = format!("{m}/{id}/{STATE_FILE}");
    let root_is_end = matches!(root, Ok(Some(d)) if *d == plan.to_state);
    let restore = if newest && root_is_end {
        format!(
            "run `chplan reseal`: it copies {m}/{STATE_FILE}, which is the state this plan ends at, into {m}/{id}/"
        )
    } else {
        format!(
            "restore it from version control, as committed with the plan (in the project directory: \
             `git show $(git log --diff-filter=A --format=%h -- {m}/{id}/plan.yaml):./{m}/{STATE_FILE} > {file}`), \
             then run `chplan reseal` and `chplan check`"
        )
    };
    let problem = match file_digest(&dir.root.join(id).join(STATE_FILE)) {
        Ok(Some(d)) if d == plan.to_state => None,
        Ok(Some(d)) => Some(match dir.read_plan_state(id) {
            Err(e) => format!("{} (the state the plan ends at)", relative(e)),
            Ok(_) => format!(
                "{file} is not the state its plan ends at: its digest is {d}, the plan's to_state is {}",
                plan.to_state
            ),
        }),
        Ok(None) => Some(format!(
            "{file} is missing: the plan does not keep the state it ends at (plans made by an older chplan have none)"
        )),
        Err(e) => Some(relative(e)),
    };
    let snapshot_ok = problem.is_none();
    if let Some(message) = problem {
        diags.push(Diagnostic::unplaced(Code::PlanStateMismatch, message).help(restore));
    }
    if newest && !root_is_end {
        let root_file = format!("{m}/{STATE_FILE}");
        let message = match root {
            Err(_) => return,
            Ok(Some(d)) => format!(
                "{root_file} is not the state the newest plan, {id}, ends at: its digest is {d}, the plan's to_state is {}",
                plan.to_state
            ),
            Ok(None) => {
                format!("{root_file} is missing: it is the state the newest plan, {id}, ends at")
            }
        };
        let help = if snapshot_ok {
            format!("copy {file} (the state {id} ends at) to {root_file}, then run `chplan reseal`")
        } else {
            format!("restore {root_file} and {file} from version control, then run `chplan reseal`")
        };
        diags.push(Diagnostic::unplaced(Code::PlanStateMismatch, message).help(help));
    }
}
