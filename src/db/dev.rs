//! `chplan dev`: development mode. Every saved edit of the schemas is checked, diffed against
//! the live (local) database and applied at once; no migration files are written.
//!
//! Watching is by polling (size and modification time of `chplan.kdl` and every `.kdl` file
//! under the schema directory, every 100 ms): no platform watcher to misbehave on network
//! file systems or in containers. A burst of saves is applied once, after the files have been
//! quiet for the debounce time; if a file changes while it is being read, the round is
//! abandoned and starts over, so a half-written file is never applied (at worst it fails to
//! parse, which applies nothing, and the final write is picked up).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use crate::back::planner::{self, PlanOptions, Prompter};
use crate::back::{bump_decisions, desired};
use crate::db::live_base::base_state;
use crate::front::compile::compile;
use crate::front::diag::{Diagnostics, Format, render_styled};
use crate::front::ir::ProjectConfig;
use chplan_runner::artifacts::plan::Plan;
use chplan_runner::artifacts::state::State;
use chplan_runner::client::Client;
use chplan_runner::migrations::{MigrationDir, write_atomic};
use chplan_runner::runner::apply::{Applied, Options, apply as runner_apply};

pub struct DevOptions<'a> {
    /// Accept version-bump decisions and destructive changes without asking.
    pub yes_all: bool,
    pub debounce: Duration,
    /// Asks a person; `None` when nobody can answer (then undecided changes are not applied).
    pub prompter: Option<&'a mut dyn Prompter>,
    /// Set from outside (Ctrl-C) to stop after the current plan.
    pub stop: Arc<AtomicBool>,
    /// Why `prompter` is `None` (stdin is not a terminal, ...), said in a refusal.
    pub no_prompt: Option<&'static str>,
    /// Diagnostics in colour (the output is a terminal that wants it: `cli::colour`).
    pub colour: bool,
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
            render_styled(
                &c.diags.sorted(),
                &c.project.sources,
                Format::Human,
                options.colour
            )
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
        resume(client, &c.project.root, &config.database, out)?;
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
        Err(e) if crate::back::render::is_internal(&e) => return Err(e),
        Err(e) => {
            let _ = write!(
                out,
                "{}",
                render_styled(
                    &diags.sorted(),
                    &c.project.sources,
                    Format::Human,
                    options.colour
                )
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
    // A drop chosen at the keep question is not asked about again.
    let chosen = if options.prompter.is_some() && !options.yes_all {
        bump_decisions::drops_chosen_at_the_prompt(&c, &planned.old, &planned.new)
    } else {
        BTreeSet::new()
    };
    if !destructive_approved(&plan, &chosen, options, out) {
        return Ok(Round::NotApplied);
    }
    let root = &c.project.root;
    let applied = apply(
        client,
        config,
        root,
        &planned.retained,
        &plan,
        &planned.old,
        &planned.new,
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
fn destructive_approved(
    plan: &Plan,
    chosen: &BTreeSet<String>,
    options: &mut DevOptions<'_>,
    out: &mut dyn Write,
) -> bool {
    let destructive: Vec<&str> = plan
        .operations
        .iter()
        .filter(|o| o.destructive && !o.objects.iter().any(|x| chosen.contains(x)))
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
            let why = options
                .no_prompt
                .map(|w| format!(" (no question was asked: {w})"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "dev: not applied: destructive change(s) need approval (--yes-all, or answer \
                 at a terminal){why}:\n  {}",
                destructive.join("\n  ")
            );
            return false;
        }
    }
    true
}

/// Applies the round's plan through the runner, as `chplan apply` would: written first into
/// the session's own migration directory (`dev_dir`), then applied with the lock and the
/// journal, so two `dev`s, or `dev` and `apply`, never interleave, and a killed `dev` resumes
/// where it stopped. `Synced` only when every operation ran; the runner's report is shown
/// when it stopped. Failing to write a kept file or the plan ends `dev`.
#[allow(clippy::too_many_arguments)]
fn apply(
    client: &Client,
    config: &ProjectConfig,
    root: &Path,
    retained: &[(String, String)],
    plan: &Plan,
    start: &State,
    end: &State,
    out: &mut dyn Write,
) -> Result<Round, String> {
    for (file, kdl) in retained {
        let path = root.join(&config.schemas_dir).join(file);
        write_atomic(&path, kdl.as_bytes())?;
        let _ = writeln!(out, "kept: {}/{file}", config.schemas_dir);
    }
    let dir = dev_dir(root, &config.database)?;
    let mut plan = plan.clone();
    plan.id = dir.next_id("dev")?;
    dir.write_plan(&plan, end, Some(start))?;
    if !run_plans(client, &dir, out)? {
        return Ok(Round::NotApplied);
    }
    for op in &plan.operations {
        let _ = writeln!(out, "{}", op.description);
    }
    Ok(Round::Synced)
}

/// The session's migration directory: `.chplan/dev/<database>/` in the project, which ignores
/// itself in git. Its plans and the database's journal say what a killed `dev` left undone.
pub fn dev_dir(root: &Path, database: &str) -> Result<MigrationDir, String> {
    let base = crate::front::project::local_dir(root)?;
    std::fs::create_dir_all(base.join("dev"))
        .map_err(|e| format!("cannot create {}: {e}", base.display()))?;
    Ok(MigrationDir::new(base.join("dev").join(database)))
}

/// Applies every plan of `dir` not yet done (the runner's `apply`, destructive operations
/// already approved by `dev`). False, with the runner's report, when it stopped.
fn run_plans(client: &Client, dir: &MigrationDir, out: &mut dyn Write) -> Result<bool, String> {
    let mut report = Vec::new();
    let options = Options {
        dry_run: false,
        yes_destructive: true,
        to: None,
        confirm: None,
        no_prompt: None,
        approximate_backfill: false,
    };
    let result = runner_apply(client.endpoint(), dir, options, &mut report);
    let report = String::from_utf8_lossy(&report);
    match result {
        Ok(Applied::Complete) => Ok(true),
        Ok(Applied::Stopped) => {
            let _ = write!(out, "{report}");
            let _ = writeln!(out, "dev: the changes after it were not applied");
            Ok(false)
        }
        Err(e) => {
            let _ = write!(out, "{report}");
            let _ = writeln!(out, "dev: failed: {e}");
            let _ = writeln!(out, "dev: the changes after it were not applied");
            Ok(false)
        }
    }
}

/// At the start of a session: what an earlier, killed `dev` left unfinished is finished first.
fn resume(client: &Client, root: &Path, database: &str, out: &mut dyn Write) -> Result<(), String> {
    let dir = dev_dir(root, database)?;
    if dir.plan_ids().map_or(true, |ids| ids.is_empty()) {
        return Ok(());
    }
    if run_plans(client, &dir, out)? {
        return Ok(());
    }
    let _ = writeln!(out, "dev: an earlier session's plan did not finish (above)");
    Ok(())
}
