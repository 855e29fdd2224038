//! `chplan plan`: diff the schemas against the last planned state and write the next
//! migration (plan.yaml, up.sql and the state it ends at, state.json, in the plan's directory;
//! the new root state.json; chplan.sum).

use std::collections::BTreeSet;
use std::mem::ManuallyDrop;
use std::path::Path;

use super::apply::Connection;
use super::{Outcome, emit, prompt};
use crate::back::{bump_decisions, desired, planner};
use crate::db::live_base::base_state;
use crate::front::compile::{Compilation, compile};
use crate::front::diag::{Code, Diagnostics};
use chplan_runner::artifacts::plan::Plan;
use chplan_runner::artifacts::state::State;
use chplan_runner::client::Client;
use chplan_runner::migrations::{plan_yaml, write_atomic};

#[derive(clap::Args)]
pub struct Args {
    /// Name of the migration (its directory is NNNN_NAME).
    #[arg(long, default_value = "change")]
    name: String,
    /// Print the plan; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Accept every decision: backfill version bumps when eligible, drop old versions, and
    /// approve destructive operations.
    #[arg(long, env = "CHPLAN_ACCEPT_ALL", value_parser = super::switch("CHPLAN_ACCEPT_ALL"))]
    yes_all: bool,
    /// Approve destructive operations (drops), but not version-bump decisions.
    #[arg(long, env = "CHPLAN_ACCEPT_DESTRUCTIVE", value_parser = super::switch("CHPLAN_ACCEPT_DESTRUCTIVE"))]
    yes_destructive: bool,
    /// Never generate backfill SQL for version bumps.
    #[arg(long, env = "CHPLAN_NO_AUTO_BACKFILL_SQL", value_parser = super::switch("CHPLAN_NO_AUTO_BACKFILL_SQL"))]
    no_auto_backfill_sql: bool,
    /// Diff against this live database instead of migrations/state.json (the plan records
    /// the live state it starts from, so `apply` notices changes made in between).
    #[arg(long)]
    url: Option<String>,
    /// User for --url (default: $CLICKHOUSE_USER); the password comes from
    /// $CLICKHOUSE_PASSWORD or a prompt.
    #[arg(long, requires = "url")]
    user: Option<String>,
    /// Output format: text for people, json for tools (one object on stdout: the outcome, the
    /// plan's operations, diagnostics; docs/runner.md gives its schema). Asks nothing:
    /// undecided bumps and destructive operations need their flags.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    format: PlanFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum PlanFormat {
    Text,
    Json,
}

/// `plan --format json`: how it ended, the plan (written or not), the retained declarations
/// and every diagnostic.
fn plan_json(
    outcome: &str,
    plan: Option<&Plan>,
    retained: &[(String, String)],
    c: &Compilation,
    diags: &Diagnostics,
) -> Result<(), String> {
    let rendered = crate::front::diag::render(
        &diags.sorted(),
        &c.project.sources,
        crate::front::diag::Format::Json,
    );
    let diagnostics: serde_json::Value = serde_json::from_str(&rendered).unwrap_or_else(|_| {
        rendered
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .collect::<Vec<_>>()
            .into()
    });
    let plan = plan.map(|p| {
        serde_json::json!({
            "id": p.id,
            "database": p.database,
            "from_state": p.from_state,
            "to_state": p.to_state,
            "operations": p.operations.iter().map(|o| serde_json::json!({
                "id": o.id,
                "kind": o.kind,
                "description": o.description,
                "destructive": o.destructive,
            })).collect::<Vec<_>>(),
        })
    });
    let exit = u8::from(!matches!(outcome, "written" | "no_changes" | "dry_run"));
    let value = serde_json::json!({
        "version": super::status::JSON_VERSION,
        "outcome": outcome,
        "plan": plan,
        "retained": retained.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(),
        "diagnostics": diagnostics,
        "exit": exit,
    });
    let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
    emit(&format!("{text}\n"))
}

/// Questions on stderr, answers from stdin (`prompt`): only when both are a terminal.
#[derive(Default)]
pub struct TerminalPrompter {
    /// The input ended before an answer: defaults were taken, nobody confirmed anything.
    pub ended: bool,
}

impl planner::Prompter for TerminalPrompter {
    fn confirm(&mut self, question: &str, default: bool) -> bool {
        let answer = prompt::ask(question, default);
        self.ended |= !answer.typed;
        answer.yes
    }
}

/// Answers every question with its default, asking nobody; counts the questions. For a first
/// pass that finds what the person must know before being asked.
#[derive(Default)]
struct Defaults {
    asked: usize,
}

impl planner::Prompter for Defaults {
    fn confirm(&mut self, _question: &str, default: bool) -> bool {
        self.asked += 1;
        default
    }
}

pub fn interactive() -> bool {
    prompt::prompts_off().is_none()
}

/// The live database as the plan's starting point, with what was left out said on stderr.
fn live_base(
    c: &crate::front::compile::Compilation,
    url: &str,
    user: Option<String>,
) -> Result<(State, String), String> {
    let config = c.project.config.as_ref().ok_or("no chplan.kdl")?;
    let endpoint = Connection::new(url.to_owned(), user).endpoint()?;
    let client = Client::new(endpoint);
    let desired = desired::build(config, &c.schema, &c.resolved);
    let planned = planner::migrations(c, config).read_state()?;
    let base = base_state(&client, &desired, planned.as_ref())?;
    eprintln!(
        "planning against {} at {} ({} managed object(s) found)",
        config.database,
        client.display_url(),
        base.state.tables.len() + base.state.views.len() + base.state.materialized_views.len()
    );
    if !base.ignored.is_empty() {
        eprintln!(
            "note: left alone, not managed by this project: {}",
            base.ignored.join(", ")
        );
    }
    for u in &base.unexpressed {
        eprintln!(
            "warning: {}: {} (chplan cannot represent this; not compared)",
            u.object, u.what
        );
    }
    let digest = base.state.digest();
    Ok((base.state, digest))
}

pub fn run(project: &Path, args: &Args) -> Result<Outcome, String> {
    // The schema and the states of a 10,000-table project are millions of small allocations:
    // freeing them piece by piece costs more than the OS reclaiming them at exit.
    let c = ManuallyDrop::new(compile(project));
    let json = args.format == PlanFormat::Json;
    let mut diags = Diagnostics::default();
    diags.extend(c.diags.clone());
    if diags.has_errors() {
        if json {
            plan_json("refused", None, &[], &c, &diags)?;
        }
        eprint!(
            "{}",
            super::colour::for_stderr(&diags.sorted(), &c.project.sources)
        );
        eprintln!("chplan plan: fix the errors above first");
        return Ok(Outcome::Problems);
    }
    let base = match &args.url {
        Some(url) => match live_base(&c, url, args.user.clone()) {
            Ok(b) => Some(b),
            Err(e) => {
                eprintln!("chplan plan: {e}");
                if json {
                    plan_json("error", None, &[], &c, &diags)?;
                }
                return Ok(Outcome::Problems);
            }
        },
        None => None,
    };
    let start = base.as_ref().map(|b| b.0.clone());
    let interactive = interactive() && !json;
    // What the questions depend on comes before them: a first pass that asks nobody finds why
    // a backfill is impossible before "keep the old table?" is asked.
    let early_notes = interactive && print_notes_before_questions(&c, args, &base);
    let mut prompter = TerminalPrompter::default();
    let mut options = planner::PlanOptions {
        yes_all: args.yes_all,
        no_auto_backfill_sql: args.no_auto_backfill_sql,
        prompter: if interactive {
            Some(&mut prompter)
        } else {
            None
        },
        base,
    };
    let planned = match planner::plan_with(&c, &args.name, &mut options, &mut diags) {
        Ok(p) => ManuallyDrop::new(p),
        // A bug of chplan's, not a problem of the schema: exit 2.
        Err(e) if crate::back::render::is_internal(&e) => return Err(e),
        Err(e) => {
            eprint!(
                "{}",
                super::colour::for_stderr(&diags.sorted(), &c.project.sources)
            );
            eprintln!("chplan plan: {e}");
            // A version bump nobody decided: say why nobody was asked.
            if let Some(why) = prompt::prompts_off()
                && diags.sorted().iter().any(|d| d.code == Code::VersionBump)
            {
                eprintln!("chplan plan: no question was asked: {why}");
            }
            if json {
                plan_json("refused", None, &[], &c, &diags)?;
            }
            return Ok(Outcome::Problems);
        }
    };
    if !diags.is_empty() {
        eprint!(
            "{}",
            super::colour::for_stderr(&diags.sorted(), &c.project.sources)
        );
    }
    let Some(plan) = &planned.plan else {
        if json {
            plan_json("no_changes", None, &[], &c, &diags)?;
            return Ok(Outcome::Clean);
        }
        emit(if args.url.is_some() {
            "No changes: the live database matches the schemas.\n"
        } else {
            "No changes: the schemas match the last plan.\n"
        })?;
        return Ok(Outcome::Clean);
    };
    if !early_notes {
        for note in &planned.notes {
            eprintln!("note: {note}");
        }
    }
    // A drop the person chose at the terminal ("keep the old table?" answered no) is not
    // asked about again.
    let chosen = if interactive && !prompter.ended && !args.yes_all {
        bump_decisions::drops_chosen_at_the_prompt(&c, &planned.old, &planned.new)
    } else {
        BTreeSet::new()
    };
    if !approved(args, plan, &chosen) {
        if json {
            plan_json("refused", Some(plan), &planned.retained, &c, &diags)?;
        }
        return Ok(Outcome::Problems);
    }
    let mut out = String::new();
    for op in &plan.operations {
        out.push_str(&op.description);
        out.push('\n');
    }
    if plan.operations.is_empty() {
        out.push_str("(no SQL: only tracked metadata changed)\n");
    }
    if args.dry_run {
        if json {
            plan_json("dry_run", Some(plan), &planned.retained, &c, &diags)?;
            return Ok(Outcome::Clean);
        }
        out.push('\n');
        out.push_str(&plan_yaml(plan)?);
        emit(&out)?;
        return Ok(Outcome::Clean);
    }
    write(
        &c,
        &planned.retained,
        &planned.new,
        plan,
        start.as_ref(),
        &mut out,
    )?;
    if json {
        plan_json("written", Some(plan), &planned.retained, &c, &diags)?;
    } else {
        emit(&out)?;
    }
    Ok(Outcome::Clean)
}

/// Prints the notes of a first planning pass that asks nobody (every question answered with
/// its default), when that pass would ask something: `true` when the notes were printed.
fn print_notes_before_questions(
    c: &Compilation,
    args: &Args,
    base: &Option<(State, String)>,
) -> bool {
    let mut defaults = Defaults::default();
    let mut options = planner::PlanOptions {
        yes_all: args.yes_all,
        no_auto_backfill_sql: args.no_auto_backfill_sql,
        prompter: Some(&mut defaults),
        base: base.clone(),
    };
    let mut scratch = Diagnostics::default();
    let Ok(first) = planner::plan_with(c, &args.name, &mut options, &mut scratch) else {
        return false;
    };
    if defaults.asked == 0 {
        return false;
    }
    for note in &first.notes {
        eprintln!("note: {note}");
    }
    true
}

/// Whether a plan with destructive operations may be written: a dry run, a flag, or a yes at
/// the terminal, asked once for the destructive operations not already chosen at the terminal
/// (`chosen`: dropped old versions). A refusal is printed.
fn approved(args: &Args, plan: &Plan, chosen: &BTreeSet<String>) -> bool {
    let destructive: Vec<&str> = plan
        .operations
        .iter()
        .filter(|o| o.destructive)
        .map(|o| o.description.as_str())
        .collect();
    let unconfirmed: Vec<&str> = plan
        .operations
        .iter()
        .filter(|o| o.destructive && !o.objects.iter().any(|x| chosen.contains(x)))
        .map(|o| o.description.as_str())
        .collect();
    let approved = args.dry_run
        || args.yes_all
        || args.yes_destructive
        || unconfirmed.is_empty()
        || (interactive()
            && planner::Prompter::confirm(
                &mut TerminalPrompter::default(),
                &format!(
                    "The plan has {} destructive operation(s):\n  {}\nWrite it?",
                    unconfirmed.len(),
                    unconfirmed.join("\n  ")
                ),
                false,
            ));
    if !approved {
        eprintln!(
            "chplan plan: not written: destructive operations need approval:\n  {}\nre-run with --yes-destructive (or --yes-all), or at a terminal to be asked{}",
            destructive.join("\n  "),
            prompt::not_asked()
        );
    }
    approved
}

/// Writes the retained declarations, then the plan directory; says what was written.
fn write(
    c: &Compilation,
    retained: &[(String, String)],
    end: &State,
    plan: &Plan,
    start: Option<&State>,
    out: &mut String,
) -> Result<(), String> {
    let config = c.project.config.as_ref().ok_or("no chplan.kdl")?;
    // The retained declarations first: the new state already tracks those tables.
    for (file, kdl) in retained {
        let path = c.project.root.join(&config.schemas_dir).join(file);
        write_atomic(&path, kdl.as_bytes())?;
        out.push_str(&format!(
            "kept: {}/{file} (externally managed from now on)\n",
            config.schemas_dir
        ));
    }
    let dir = planner::migrations(c, config);
    dir.write_plan(plan, end, start)?;
    out.push_str(&format!(
        "\nWrote {}/{}/ ({} operation{}{}); review plan.yaml, then commit it with the schemas.\n",
        config.migrations_dir,
        plan.id,
        plan.operations.len(),
        if plan.operations.len() == 1 { "" } else { "s" },
        match plan.operations.iter().filter(|o| o.destructive).count() {
            0 => String::new(),
            n => format!(", {n} destructive"),
        }
    ));
    Ok(())
}
