//! `chplan plan`: diff the schemas against the last planned state and write the next
//! migration (plan.yaml, up.sql and the state it ends at, state.json, in the plan's directory;
//! the new root state.json; chplan.sum).

use std::path::Path;

use super::apply::Connection;
use super::{Outcome, emit};
use crate::back::desired;
use crate::back::planner;
use crate::db::live_base::base_state;
use crate::front::compile::{Compilation, compile};
use crate::front::diag::{Diagnostics, Format, render};
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
}

/// Questions on stderr, answers from stdin: only when both are a terminal.
pub struct TerminalPrompter;

impl planner::Prompter for TerminalPrompter {
    fn confirm(&mut self, question: &str, default: bool) -> bool {
        let hint = if default { "[Y/n]" } else { "[y/N]" };
        eprint!("{question} {hint} ");
        let mut answer = String::new();
        if std::io::stdin().read_line(&mut answer).is_err() {
            return default;
        }
        match answer.trim().to_ascii_lowercase().as_str() {
            "y" | "yes" => true,
            "n" | "no" => false,
            _ => default,
        }
    }
}

pub fn interactive() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
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
    let c = compile(project);
    let mut diags = Diagnostics::default();
    diags.extend(c.diags.clone());
    if diags.has_errors() {
        eprint!(
            "{}",
            render(&diags.sorted(), &c.project.sources, Format::Human)
        );
        eprintln!("chplan plan: fix the errors above first");
        return Ok(Outcome::Problems);
    }
    let base = match &args.url {
        Some(url) => match live_base(&c, url, args.user.clone()) {
            Ok(b) => Some(b),
            Err(e) => {
                eprintln!("chplan plan: {e}");
                return Ok(Outcome::Problems);
            }
        },
        None => None,
    };
    let start = base.as_ref().map(|b| b.0.clone());
    let mut prompter = TerminalPrompter;
    let mut options = planner::PlanOptions {
        yes_all: args.yes_all,
        no_auto_backfill_sql: args.no_auto_backfill_sql,
        prompter: if interactive() {
            Some(&mut prompter)
        } else {
            None
        },
        base,
    };
    let planned = match planner::plan_with(&c, &args.name, &mut options, &mut diags) {
        Ok(p) => p,
        Err(e) => {
            eprint!(
                "{}",
                render(&diags.sorted(), &c.project.sources, Format::Human)
            );
            eprintln!("chplan plan: {e}");
            return Ok(Outcome::Problems);
        }
    };
    if !diags.is_empty() {
        eprint!(
            "{}",
            render(&diags.sorted(), &c.project.sources, Format::Human)
        );
    }
    let Some(plan) = planned.plan else {
        emit("No changes: the schemas match the last plan.\n")?;
        return Ok(Outcome::Clean);
    };
    for note in &planned.notes {
        eprintln!("note: {note}");
    }
    if !approved(args, &plan) {
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
        out.push('\n');
        out.push_str(&plan_yaml(&plan)?);
        emit(&out)?;
        return Ok(Outcome::Clean);
    }
    write(
        &c,
        &planned.retained,
        &planned.new,
        &plan,
        start.as_ref(),
        &mut out,
    )?;
    emit(&out)?;
    Ok(Outcome::Clean)
}

/// Whether a plan with destructive operations may be written: a dry run, a flag, or a yes at
/// the terminal. A refusal is printed.
fn approved(args: &Args, plan: &Plan) -> bool {
    let destructive: Vec<&str> = plan
        .operations
        .iter()
        .filter(|o| o.destructive)
        .map(|o| o.description.as_str())
        .collect();
    let approved = args.dry_run
        || args.yes_all
        || args.yes_destructive
        || destructive.is_empty()
        || (interactive()
            && planner::Prompter::confirm(
                &mut TerminalPrompter,
                &format!(
                    "The plan has {} destructive operation(s):\n  {}\nWrite it?",
                    destructive.len(),
                    destructive.join("\n  ")
                ),
                false,
            ));
    if !approved {
        eprintln!(
            "chplan plan: not written: destructive operations need approval:\n  {}\nre-run with --yes-destructive (or --yes-all), or at a terminal to be asked",
            destructive.join("\n  ")
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
