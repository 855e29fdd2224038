//! `chplan dev`: development mode. Every saved edit of the schemas is checked, diffed against
//! the live (local) database and applied at once; no migration files are written.
//!
//! Watching is by polling (size and modification time of `chplan.kdl` and every `.kdl` file
//! under the schema directory, every 100 ms): no platform watcher to misbehave on network
//! file systems or in containers. A burst of saves is applied once, after the files have been
//! quiet for the debounce time; if a file changes while it is being read, the round is
//! abandoned and starts over, so a half-written file is never applied (at worst it fails to
//! parse, which applies nothing, and the final write is picked up).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use crate::back::desired;
use crate::back::planner::{self, PlanOptions, Prompter};
use crate::db::live_base::base_state;
use crate::front::compile::compile;
use crate::front::diag::{Diagnostics, Format, render};
use crate::front::ir::ProjectConfig;
use chplan_clickhouse::sqltext::quote_ident;
use chplan_runner::artifacts::plan::Plan;
use chplan_runner::artifacts::state::State;
use chplan_runner::client::Client;
use chplan_runner::migrations::write_atomic;
use chplan_runner::runner::exact;

pub struct DevOptions<'a> {
    /// Accept version-bump decisions and destructive changes without asking.
    pub yes_all: bool,
    pub debounce: Duration,
    /// Asks a person; `None` when nobody can answer (then undecided changes are not applied).
    pub prompter: Option<&'a mut dyn Prompter>,
    /// Set from outside (Ctrl-C) to stop after the current statement.
    pub stop: Arc<AtomicBool>,
}

/// What one round did.
#[derive(Debug, PartialEq, Eq)]
pub enum Round {
    /// The database now matches the schemas.
    Synced,
    /// Schema errors, a refused decision or a failed statement; nothing more was applied.
    NotApplied,
}

/// Watches and applies until `stop` is set.
pub fn run(
    project: &Path,
    client: &Client,
    options: &mut DevOptions<'_>,
    out: &mut dyn Write,
) -> Result<(), String> {
    // Objects made by this session, so that deleting a declaration drops them. Starts from
    // the last planned state, if any: those are the project's too.
    let mut managed: Option<State> = None;
    let mut seen = snapshot(project);
    let _ = writeln!(out, "dev: watching {} (Ctrl-C to stop)", project.display());
    round(project, client, options, &mut managed, out)?;
    while !options.stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
        let now = snapshot(project);
        if now == seen {
            continue;
        }
        // Let the burst end: quiet for the debounce time.
        let mut last = now;
        let mut quiet_since = Instant::now();
        while quiet_since.elapsed() < options.debounce {
            if options.stop.load(Ordering::SeqCst) {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
            let again = snapshot(project);
            if again != last {
                last = again;
                quiet_since = Instant::now();
            }
        }
        if options.stop.load(Ordering::SeqCst) {
            break;
        }
        seen = last;
        round(project, client, options, &mut managed, out)?;
        // Changed while being read: go round again on the newest bytes.
        if snapshot(project) != seen {
            seen = Snapshot::default();
        }
    }
    let _ = writeln!(out, "dev: stopped");
    Ok(())
}

/// Sizes and modification times of the project's KDL files.
#[derive(Debug, Default, PartialEq, Eq)]
struct Snapshot(BTreeMap<PathBuf, (u64, Option<SystemTime>)>);

fn snapshot(project: &Path) -> Snapshot {
    let mut files = BTreeMap::new();
    let mut add = |p: &Path| {
        if let Ok(m) = std::fs::metadata(p) {
            files.insert(p.to_path_buf(), (m.len(), m.modified().ok()));
        }
    };
    add(&project.join("chplan.kdl"));
    let schemas = crate::front::project::load(project, &mut Diagnostics::default())
        .config
        .map_or_else(|| project.join("schemas"), |c| project.join(c.schemas_dir));
    let mut stack = vec![schemas];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "kdl") {
                add(&p);
            }
        }
    }
    Snapshot(files)
}

/// One round: compile, plan against the database, apply. Errors of the database connection
/// end `dev`; everything else is reported and waits for the next save.
pub fn round(
    project: &Path,
    client: &Client,
    options: &mut DevOptions<'_>,
    managed: &mut Option<State>,
    out: &mut dyn Write,
) -> Result<Round, String> {
    let c = compile(project);
    if c.diags.has_errors() {
        let _ = write!(
            out,
            "{}",
            render(&c.diags.sorted(), &c.project.sources, Format::Human)
        );
        let _ = writeln!(
            out,
            "dev: schema errors: nothing applied; waiting for a fix"
        );
        return Ok(Round::NotApplied);
    }
    let Some(config) = c.project.config.as_ref() else {
        return Ok(Round::NotApplied);
    };
    let desired_state = desired::build(config, &c.schema, &c.resolved);
    if managed.is_none() {
        *managed = planner::migrations(&c, config).read_state()?;
    }
    let base = base_state(client, &desired_state, managed.as_ref())?;
    let digest = base.state.digest();
    let mut diags = Diagnostics::default();
    let mut plan_options = PlanOptions {
        yes_all: options.yes_all,
        no_auto_backfill_sql: false,
        prompter: options
            .prompter
            .as_deref_mut()
            .map(|p| p as &mut dyn Prompter),
        base: Some((base.state, digest)),
    };
    let planned = match planner::plan_with(&c, "dev", &mut plan_options, &mut diags) {
        Ok(p) => p,
        Err(e) => {
            let _ = write!(
                out,
                "{}",
                render(&diags.sorted(), &c.project.sources, Format::Human)
            );
            let _ = writeln!(out, "dev: {e}: nothing applied");
            return Ok(Round::NotApplied);
        }
    };
    for note in &planned.notes {
        let _ = writeln!(out, "note: {note}");
    }
    let Some(plan) = planned.plan else {
        *managed = Some(planned.new);
        let _ = writeln!(out, "dev: up to date");
        return Ok(Round::Synced);
    };
    if !destructive_approved(&plan, options, out) {
        return Ok(Round::NotApplied);
    }
    let root = &c.project.root;
    let applied = apply(
        client,
        config,
        root,
        &planned.retained,
        &plan,
        &options.stop,
        out,
    )?;
    if applied == Round::Synced {
        *managed = Some(planned.new);
        let _ = out.flush();
    }
    Ok(applied)
}

/// Destructive changes are never applied on a save alone: dev mode runs on every keystroke
/// that is saved, so dropping data needs `--yes-all` or an answer at the terminal. Says why
/// nothing was applied when the answer is no (or nobody can answer).
fn destructive_approved(plan: &Plan, options: &mut DevOptions<'_>, out: &mut dyn Write) -> bool {
    let destructive: Vec<&str> = plan
        .operations
        .iter()
        .filter(|o| o.destructive)
        .map(|o| o.description.as_str())
        .collect();
    if !destructive.is_empty() && !options.yes_all {
        let question = format!(
            "{} destructive change(s):\n  {}\napply?",
            destructive.len(),
            destructive.join("\n  ")
        );
        let approved = options
            .prompter
            .as_deref_mut()
            .is_some_and(|p| p.confirm(&question, false));
        if !approved {
            let _ = writeln!(
                out,
                "dev: not applied: destructive change(s) need approval (--yes-all, or answer \
                 at a terminal):\n  {}",
                destructive.join("\n  ")
            );
            return false;
        }
    }
    true
}

/// Runs the plan statement by statement, so that Ctrl-C or a failing statement stops before
/// the rest: `Synced` only when every statement ran. Failing to create the database or to
/// write a kept file ends `dev`; a failed statement is reported and waits for the next save.
fn apply(
    client: &Client,
    config: &ProjectConfig,
    root: &Path,
    retained: &[(String, String)],
    plan: &Plan,
    stop: &AtomicBool,
    out: &mut dyn Write,
) -> Result<Round, String> {
    let create = format!(
        "CREATE DATABASE IF NOT EXISTS {}",
        quote_ident(&config.database)
    );
    client
        .exec(&create, None)
        .map_err(|e| format!("cannot create {}: {e}", config.database))?;
    for (file, kdl) in retained {
        let path = root.join(&config.schemas_dir).join(file);
        write_atomic(&path, kdl.as_bytes())?;
        let _ = writeln!(out, "kept: {}/{file}", config.schemas_dir);
    }
    for op in &plan.operations {
        if stop.load(Ordering::SeqCst) {
            let _ = writeln!(out, "dev: stopped before: {}", op.description);
            return Ok(Round::NotApplied);
        }
        // Unique per run: a server refuses a query id that is still running.
        let query_id = format!(
            "chplan-dev-{}-{}-{}-{}",
            config.database,
            plan.id,
            op.id,
            std::process::id()
        );
        if let Err(e) = exact::run_once(client, op, &config.database, &query_id) {
            let _ = writeln!(out, "dev: failed: {}\n  {e}", op.description);
            let _ = writeln!(out, "dev: the changes after it were not applied");
            return Ok(Round::NotApplied);
        }
        let _ = writeln!(out, "{}", op.description);
    }
    Ok(Round::Synced)
}
