//! `chplan apply`: runs every pending operation of every plan, in order, journaled, under the
//! lock.

use std::io::Write;
use std::time::Instant;

use crate::artifacts::plan::{OpKind, Operation, Plan};
use crate::migrations::MigrationDir;

use super::backfill_progress;
use super::cluster::{self, Cluster};
use super::drift::{self, Drift};
use super::exact;
use super::features;
use super::journal::{Entries, Journal, Outcome, Record};
use super::lock::{self, Lock, LockError};
use super::progress::{OpState, load_plans, plan_states, sql_checksum};
use super::{now_millis, random_hex};
use crate::client::{Client, ClientError, Endpoint};
use chplan_clickhouse::sqltext::{quote_ident as ident, quote_string};

pub struct Options<'a> {
    pub dry_run: bool,
    pub yes_destructive: bool,
    pub to: Option<&'a str>,
    /// On a server without `system.part_log`/`system.query_log`, backfill every part of an
    /// exact backfill's source (rows the feeding view also copied arrive twice).
    pub approximate_backfill: bool,
    /// Asked when destructive operations are pending without `yes_destructive`; `None` when
    /// nobody can answer (not a terminal).
    pub confirm: Option<&'a mut dyn FnMut(&str) -> bool>,
    /// Why `confirm` is `None` (stdin is not a terminal, ...), said in the refusal.
    pub no_prompt: Option<&'a str>,
}

/// How an apply ended, when nothing unexpected happened.
#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    /// Everything up to the target plan is applied (or would be, for a dry run).
    Complete,
    /// Refused or failed; the message has been written.
    Stopped,
}

/// One pending operation.
struct Step<'p> {
    plan: &'p Plan,
    index: usize,
    op: &'p Operation,
    /// A previous attempt started it and never finished.
    restart: bool,
    /// That attempt's query id: its INSERT may still be running on the server.
    previous_query_id: Option<String>,
}

fn pending_steps<'p>(plans: &'p [Plan], journal: &Journal<'_>) -> Result<Vec<Step<'p>>, String> {
    let entries = journal
        .read()
        .map_err(|e| format!("cannot read the journal: {e}"))?;
    let mut steps = Vec::new();
    for plan in plans {
        for (index, state) in plan_states(plan, &entries)?.into_iter().enumerate() {
            if state != OpState::Done {
                steps.push(Step {
                    plan,
                    index,
                    op: &plan.operations[index],
                    restart: matches!(state, OpState::Unfinished(_)),
                    previous_query_id: match &state {
                        OpState::Unfinished(e) if !e.query_id.is_empty() => {
                            Some(e.query_id.clone())
                        }
                        _ => None,
                    },
                });
            }
        }
    }
    Ok(steps)
}

pub fn apply(
    endpoint: &Endpoint,
    dir: &MigrationDir,
    opts: Options<'_>,
    out: &mut dyn Write,
) -> Result<Applied, String> {
    let (database, plans) = load_plans(dir, opts.to)?;
    // Only what was reviewed runs: an edit that skipped `chplan reseal` stops here.
    if let Err(e) = dir.verify_sealed(&plans) {
        say(out, format!("refusing to apply: {e}; nothing was applied"));
        return Ok(Applied::Stopped);
    }
    let client = Client::new(endpoint.clone());
    // Plans for a cluster carry its name: the runner's tables, the lock and the drift check
    // then span every host of it.
    let cluster = match plans.iter().rev().find_map(|p| p.cluster.as_deref()) {
        Some(name) => Some(Cluster::read(&client, name)?),
        None => None,
    };
    let journal = Journal::on(&client, &database, cluster.as_ref());
    let mut run = Run {
        client: &client,
        journal: &journal,
        database: &database,
        dir,
        plans: &plans,
        approximate: false,
        cluster: cluster.as_ref(),
    };

    // A first look without the lock: refusals (changed SQL, destructive) and dry runs need
    // no write to the server.
    let steps = pending_steps(&plans, &journal)?;
    // What the server cannot run is refused before anything runs, not halfway.
    let version = client
        .server_version()
        .map_err(|e| format!("cannot read the server version: {e}"))?;
    let unmet = features::unmet(version, steps.iter().map(|s| (s.plan, s.op)));
    if !unmet.is_empty() {
        say(
            out,
            features::refusal(version, &client.display_url(), &unmet),
        );
        return Ok(Applied::Stopped);
    }
    // Drift check before anything runs: operations written for one shape must not meet
    // another (docs/runner.md says what is compared). Each later plan is checked again when
    // its turn comes.
    let first = match steps.first() {
        Some(s) => run.check_plan(s.plan)?,
        None => drift::check(&client, dir)?,
    };
    for line in drift::describe(&first, &database) {
        say(out, line);
    }
    // A later plan made against the database as it is (`chplan plan --url`, the refusal's
    // advice) supersedes the pending plans before it.
    let superseded = match (&first, steps.first()) {
        (Drift::Found(_), _) => match run.superseding(&steps)? {
            Some(by) => {
                let skipped: Vec<&str> = plans[plan_index(&plans, steps[0].plan)..by]
                    .iter()
                    .map(|p| p.id.as_str())
                    .collect();
                say(
                    out,
                    format!(
                        "superseded: {} was planned against {database} as it is: {} will not \
                         run here (recorded as skipped)",
                        plans[by].id,
                        skipped.join(", ")
                    ),
                );
                Some(by)
            }
            None => {
                say(out, run.refusal(&steps));
                return Ok(Applied::Stopped);
            }
        },
        _ => None,
    };
    let is_superseded = |plan: &Plan| superseded.is_some_and(|by| plan_index(&plans, plan) < by);
    let steps: Vec<Step> = steps
        .into_iter()
        .filter(|s| !is_superseded(s.plan))
        .collect();
    if steps.is_empty() {
        say(
            out,
            format!(
                "{database} at {}: all {} plan(s) applied, nothing to do",
                client.display_url(),
                plans.len()
            ),
        );
        return Ok(Applied::Complete);
    }
    let pending: Vec<&Plan> = plans.iter().collect();
    let missing = exact::missing_logs(&client, &pending)
        .map_err(|e| format!("cannot read system.tables: {e}"))?;
    if !missing.is_empty() {
        let names = missing
            .iter()
            .map(|l| format!("system.{l}"))
            .collect::<Vec<_>>()
            .join(" and ");
        if !opts.approximate_backfill {
            say(
                out,
                format!(
                    "refusing to apply: an exact backfill needs {names}, which this server does not \
                     keep (turn on <{}> in its configuration); nothing was applied. \
                     --approximate-backfill copies every part of the source instead: rows \
                     written while the plan runs may then arrive twice",
                    missing[0]
                ),
            );
            return Ok(Applied::Stopped);
        }
        say(
            out,
            format!("warning: {names} missing: backfills copy every part (--approximate-backfill)"),
        );
        run.approximate = true;
    }
    let destructive: Vec<&Step> = steps.iter().filter(|s| s.op.destructive).collect();
    if !opts.yes_destructive
        && !opts.dry_run
        && !approved(&destructive, opts.confirm, opts.no_prompt, out)
    {
        return Ok(Applied::Stopped);
    }
    if opts.dry_run {
        print_dry_run(&steps, &database, &client, out);
        return Ok(Applied::Complete);
    }

    run.prepare()?;
    let Some(_lock) = take_lock(endpoint, &database, cluster.as_ref(), out)? else {
        return Ok(Applied::Stopped);
    };
    // Under the lock, look again: another runner may have applied some of it meanwhile.
    let steps = pending_steps(&plans, &journal)?;
    if let Some(by) = superseded {
        // The superseding plan must still start from the database as it is now.
        if run.superseding(&steps)? != Some(by) {
            return Err(format!(
                "the database changed while waiting for the lock ({} no longer starts from \
                 it); run again",
                plans[by].id
            ));
        }
        for step in steps.iter().filter(|s| is_superseded(s.plan)) {
            record_skipped(&journal, step)?;
        }
    }
    let steps: Vec<Step> = steps
        .into_iter()
        .filter(|s| !is_superseded(s.plan))
        .collect();
    if let Some(s) = steps
        .iter()
        .find(|s| s.op.destructive && !opts.yes_destructive)
        && !destructive.iter().any(|d| d.op.id == s.op.id)
    {
        return Err(format!(
            "destructive operation {} of plan {} appeared while waiting for the lock; run again",
            s.op.id, s.plan.id
        ));
    }
    // A superseding plan's drift was not printed yet: `steps` checks it as a later plan.
    let first = if superseded.is_some() {
        Drift::Unchecked(String::new())
    } else {
        first
    };
    run.steps(&steps, &first, out)
}

/// What every part of one apply works on.
struct Run<'a> {
    client: &'a Client,
    journal: &'a Journal<'a>,
    database: &'a str,
    dir: &'a MigrationDir,
    plans: &'a [Plan],
    /// Exact backfills choose every part (the server keeps no logs to choose by).
    approximate: bool,
    /// The plans' cluster: DDL runs `ON CLUSTER` and its per-host result is read back.
    cluster: Option<&'a Cluster>,
}

/// What to do with the operations of a plan, once its drift check has been read.
enum Entry {
    Run,
    /// The database already holds the plan's end state: journal its operations as skipped.
    Skip,
    Stop,
}

impl Run<'_> {
    fn check_plan(&self, plan: &Plan) -> Result<Drift, String> {
        let entries = read_entries(self.journal)?;
        drift::check_plan(
            self.client,
            self.dir,
            self.plans,
            plan_index(self.plans, plan),
            &entries,
        )
    }

    /// The plan that supersedes the pending plans before it, when the first pending plan met
    /// drift: a later plan with a `start.json` (made with `chplan plan --url`) that the
    /// database is at now (or already past: at its end state), with no operation of it or of
    /// the plans before it begun. Its index.
    fn superseding(&self, steps: &[Step<'_>]) -> Result<Option<usize>, String> {
        let Some(first) = steps.first() else {
            return Ok(None);
        };
        let entries = read_entries(self.journal)?;
        let untouched = |plan: &Plan| {
            plan_states(plan, &entries).is_ok_and(|s| s.iter().all(|s| *s == OpState::Pending))
        };
        let first = plan_index(self.plans, first.plan);
        for by in first..self.plans.len() {
            if !untouched(&self.plans[by]) {
                return Ok(None);
            }
            if by == first || self.dir.read_plan_start(&self.plans[by].id)?.is_none() {
                continue;
            }
            let check = drift::check_plan(self.client, self.dir, self.plans, by, &entries)?;
            if matches!(check, Drift::None(_) | Drift::AtEnd(_)) {
                return Ok(Some(by));
            }
        }
        Ok(None)
    }

    /// The refusal after drift, with the commands that bring the database back in line.
    fn refusal(&self, steps: &[Step<'_>]) -> String {
        let url = self.client.display_url();
        let resumed = steps.first().map(|s| s.index > 0 || s.restart);
        drift::refusal(&url, resumed)
    }

    /// Creating the database and the runner's tables is idempotent: no lock needed. On a
    /// cluster, on every host.
    fn prepare(&self) -> Result<(), String> {
        let database = self.database;
        let create = format!("CREATE DATABASE IF NOT EXISTS {}", ident(database));
        match self.cluster {
            Some(c) => cluster::run_on_cluster(
                self.client,
                &format!("{create}{}", c.on_cluster()),
                Default::default(),
            ),
            None => self.client.exec(&create, None),
        }
        .and_then(|_| self.journal.create())
        .and_then(|_| lock::create(self.client, database, self.cluster))
        .map_err(|e| format!("cannot prepare {database} for the journal: {e}"))
    }

    /// Runs the pending steps in order; each plan's drift is checked again when its first
    /// step comes (`first` is the result printed before the lock was taken).
    fn steps(
        &self,
        steps: &[Step<'_>],
        first: &Drift,
        out: &mut dyn Write,
    ) -> Result<Applied, String> {
        let mut current_plan = "";
        let mut skipping = false;
        let mut ran = 0;
        for step in steps {
            if step.plan.id != current_plan {
                current_plan = &step.plan.id;
                let again = !std::ptr::eq(step.plan, steps[0].plan);
                match self.enter_plan(step, again, first, ran, out)? {
                    Entry::Run => skipping = false,
                    Entry::Skip => skipping = true,
                    Entry::Stop => return Ok(Applied::Stopped),
                }
            }
            if skipping {
                record_skipped(self.journal, step)?;
                continue;
            }
            if let Err(message) = self.run_step(step, out) {
                say(out, message);
                return Ok(Applied::Stopped);
            }
            ran += 1;
            if step.index + 1 == step.plan.operations.len() && !self.at_end(step.plan, out)? {
                return Ok(Applied::Stopped);
            }
        }
        say(
            out,
            format!(
                "{}: applied {ran} operation(s); all {} plan(s) done",
                self.database,
                self.plans.len()
            ),
        );
        Ok(Applied::Complete)
    }

    /// After a plan's last operation: is the database at the state the plan ends at? Says
    /// what differs when it is not.
    fn at_end(&self, plan: &Plan, out: &mut dyn Write) -> Result<bool, String> {
        let differences = drift::differences_from_end(
            self.client,
            self.dir,
            self.plans,
            plan_index(self.plans, plan),
        )?;
        if differences.is_empty() {
            return Ok(true);
        }
        say(
            out,
            format!(
                "error: every operation of {} ran, but {} is not at the state the plan ends at \
                 ({} difference(s)):",
                plan.id,
                self.database,
                differences.len()
            ),
        );
        for d in differences {
            say(out, format!("  {d}"));
        }
        let url = self.client.display_url();
        say(
            out,
            format!(
                "the database changed while the plan ran, or an operation did not do what the \
                 plan says: compare with `chplan status --url {url}`, then bring it back in \
                 line with the schemas:\n  chplan plan --url {url} --name fix_drift\n  chplan \
                 apply --url {url}"
            ),
        );
        Ok(false)
    }

    /// The drift check at the start of a plan (`ran` operations of earlier plans have run),
    /// and the line that says what happens next.
    fn enter_plan(
        &self,
        step: &Step<'_>,
        later_plan: bool,
        first: &Drift,
        ran: usize,
        out: &mut dyn Write,
    ) -> Result<Entry, String> {
        let plan = step.plan;
        let check = self.check_plan(plan)?;
        // The first plan's result was printed before the lock, unless it changed since.
        if later_plan || check != *first {
            for line in drift::describe(&check, self.database) {
                say(out, line);
            }
        }
        match check {
            Drift::Found(_) if ran == 0 => {
                say(out, self.refusal(std::slice::from_ref(step)));
                return Ok(Entry::Stop);
            }
            Drift::Found(_) => {
                say(
                    out,
                    format!(
                        "stopping before {}: the plans before it ran ({ran} operation(s)) \
                         but did not leave the state it starts from; nothing of {} was \
                         applied",
                        plan.id, plan.id
                    ),
                );
                return Ok(Entry::Stop);
            }
            Drift::AtEnd(_) => {
                say(
                    out,
                    format!("skipping {}: recording its operations as skipped", plan.id),
                );
                return Ok(Entry::Skip);
            }
            Drift::None(_) | Drift::Unchecked(_) => {}
        }
        let line = if step.index == 0 {
            format!(
                "applying {} ({} operations) to {} at {}",
                plan.id,
                plan.operations.len(),
                self.database,
                self.client.display_url()
            )
        } else {
            format!(
                "resuming {} at operation {} of {} ({})",
                plan.id,
                step.index + 1,
                plan.operations.len(),
                step.op.id
            )
        };
        say(out, line);
        Ok(Entry::Run)
    }
}

fn say(out: &mut dyn Write, line: String) {
    let _ = writeln!(out, "{line}");
}

/// Whether the pending destructive operations may run: none, or a person said yes. A refusal
/// is written out.
fn approved(
    destructive: &[&Step<'_>],
    confirm: Option<&mut dyn FnMut(&str) -> bool>,
    no_prompt: Option<&str>,
    out: &mut dyn Write,
) -> bool {
    if destructive.is_empty() {
        return true;
    }
    let list: String = destructive
        .iter()
        .map(|s| format!("  {} {}: {}\n", s.plan.id, s.op.id, s.op.description))
        .collect();
    let yes = match confirm {
        Some(confirm) => confirm(&format!(
            "{} destructive operation(s) pending:\n{list}apply them?",
            destructive.len()
        )),
        None => false,
    };
    if !yes {
        say(
            out,
            format!(
                "refusing to apply: {} destructive operation(s) pending, nothing was applied:\n\
                 {list}run again with --yes-destructive to approve them{}",
                destructive.len(),
                no_prompt
                    .map(|why| format!(" (no question was asked: {why})"))
                    .unwrap_or_default()
            ),
        );
    }
    yes
}

/// The apply lock, or `None` (with the reason written) when another runner holds it.
fn take_lock(
    endpoint: &Endpoint,
    database: &str,
    cluster: Option<&Cluster>,
    out: &mut dyn Write,
) -> Result<Option<Lock>, String> {
    let owner = random_hex(16);
    match Lock::acquire(endpoint, database, &owner, &holder(), cluster) {
        Ok(l) => Ok(Some(l)),
        Err(LockError::Held { holder, since }) => {
            say(
                out,
                format!(
                    "another chplan apply is running on {database} ({holder}, since {since} UTC); \
                     nothing was applied. Run again once it has finished (a crashed runner's \
                     lock expires after a minute)."
                ),
            );
            Ok(None)
        }
        Err(LockError::Client(e)) => Err(format!("cannot take the apply lock: {e}")),
    }
}

fn read_entries(journal: &Journal<'_>) -> Result<Entries, String> {
    journal
        .read()
        .map_err(|e| format!("cannot read the journal: {e}"))
}

fn plan_index(plans: &[Plan], plan: &Plan) -> usize {
    plans.iter().position(|p| p.id == plan.id).unwrap_or(0)
}

/// Journals an operation of a plan whose end state the database already holds.
fn record_skipped(journal: &Journal<'_>, step: &Step<'_>) -> Result<(), String> {
    journal
        .record(&Record {
            plan_id: &step.plan.id,
            op_index: step.index as u32,
            op_id: &step.op.id,
            sql_sha256: &sql_checksum(&step.op.sql),
            outcome: Outcome::Skipped,
            error: "",
            query_id: "",
            started_at_ms: now_millis(),
        })
        .map_err(|e| format!("cannot write the journal: {e}"))
}

impl Run<'_> {
    /// Runs one operation between its journal rows. `Err` is the message for the user.
    fn run_step(&self, step: &Step<'_>, out: &mut dyn Write) -> Result<(), String> {
        let (client, journal, database) = (self.client, self.journal, self.database);
        let op = step.op;
        let position = format!(
            "operation {} ({} of {}) of plan {}",
            op.id,
            step.index + 1,
            step.plan.operations.len(),
            step.plan.id
        );
        let query_id = format!(
            "chplan-{}-{}-{}",
            step.plan.id,
            step.index + 1,
            random_hex(6)
        );
        let checksum = sql_checksum(&op.sql);
        let started_at_ms = now_millis();
        let record = |outcome, error: &str| {
            journal
                .record(&Record {
                    plan_id: &step.plan.id,
                    op_index: step.index as u32,
                    op_id: &op.id,
                    sql_sha256: &checksum,
                    outcome,
                    error,
                    query_id: &query_id,
                    started_at_ms,
                })
                .map_err(|e| format!("cannot write the journal before {position}: {e}"))
        };
        record(Outcome::Started, "")?;

        if step.restart
            && let Err(e) = restart(client, database, step, &query_id, out)
        {
            let _ = record(Outcome::Failed, &e.to_string());
            return Err(failure(&position, &query_id, &e));
        }
        let mut settled = None;
        let prepared = match op.kind {
            OpKind::ChooseParts | OpKind::ChooseMissedParts if !self.approximate => {
                exact::settle(client, op).map(|t| {
                    settled = Some(t);
                    true
                })
            }
            OpKind::ChooseMissedParts => {
                let _ = writeln!(
                    out,
                    "  skip {}: without the logs the rows written while the views changed \
                     cannot be told apart (--approximate-backfill)",
                    op.id
                );
                Ok(false)
            }
            OpKind::ExchangeTables if self.approximate && step.restart => Err(format!(
                "an earlier attempt at this EXCHANGE was interrupted and without \
                 system.query_log it is unknown whether it ran (running it again would swap \
                 the tables back): compare {} with {} and run apply again once you have \
                 exchanged them by hand or not",
                op.objects.first().map_or("", String::as_str),
                op.objects.get(1).map_or("", String::as_str)
            )),
            OpKind::ExchangeTables if self.approximate => Ok(true),
            OpKind::ExchangeTables => {
                let prefix = format!("chplan-{}-{}-", step.plan.id, step.index + 1);
                exact::wait_for_inserts(client, "the feeding views were dropped")
                    .and_then(|_| exact::already_exchanged(client, op, database, &prefix))
                    .map(|done| {
                        if done {
                            let _ = writeln!(out, "  {} already ran: not exchanging back", op.id);
                        }
                        !done
                    })
            }
            _ => Ok(true),
        };
        match prepared {
            Ok(true) => {}
            Ok(false) => {
                record(Outcome::Done, "")?;
                return Ok(());
            }
            Err(e) => {
                let _ = record(Outcome::Failed, &e);
                return Err(format!("error: {position} failed:\n  {e}"));
            }
        }

        let started = Instant::now();
        let result = self.execute(op, &query_id, settled.as_deref());
        match result {
            Ok(_) => {
                // The statement ran; if this row cannot be written, the next apply runs it again
                // (chplan's DDL is written to be repeatable: IF [NOT] EXISTS).
                record(Outcome::Done, "")?;
                let _ = writeln!(
                    out,
                    "  ok  {} ({:.2} s)",
                    op.id,
                    started.elapsed().as_secs_f64()
                );
                Ok(())
            }
            Err(e) => {
                let _ = record(Outcome::Failed, &e.to_string());
                Err(failure(&position, &query_id, &e))
            }
        }
    }

    /// Runs the operation's SQL under `query_id`. A backfill copies rows inside ClickHouse and can
    /// run for hours: it is watched through system.processes on stderr, so stdout keeps only the
    /// apply's own messages.
    fn execute(
        &self,
        op: &Operation,
        query_id: &str,
        settled: Option<&str>,
    ) -> Result<(), ClientError> {
        let (client, database) = (self.client, self.database);
        match op.kind {
            OpKind::MoveParts => return exact::move_partitions(client, op, database, query_id),
            OpKind::RetireTable => return exact::retire(client, op, database, query_id),
            _ => {}
        }
        let approximate;
        let sql = if op.kind == OpKind::ChooseParts && self.approximate {
            approximate =
                exact::approximate_choice(op, database).map_err(ClientError::Transport)?;
            &approximate
        } else {
            &op.sql
        };
        let params: Vec<(&str, &str)> = settled.iter().map(|t| ("settled", *t)).collect();
        let request = crate::client::Request {
            database: Some(database),
            query_id: Some(query_id),
            params: &params,
            ..Default::default()
        };
        // Every host's result of an ON CLUSTER statement is read back: one that failed or did
        // not finish fails the operation, which is then not journaled as done.
        if self.cluster.is_some() && cluster::is_on_cluster(sql) {
            return cluster::run_on_cluster(client, sql, request);
        }
        let run = || client.run(sql, request).map(drop);
        if op.kind == OpKind::Backfill {
            backfill_progress::watch(
                client,
                query_id,
                &op.id,
                backfill_progress::Display::for_stderr(),
                &mut std::io::stderr(),
                run,
            )
        } else {
            run()
        }
    }
}

/// An operation that started before and never finished. Killing the runner does not stop its
/// statement on the server: stop the old attempt first (`SYNC` waits for it to end), or it
/// would keep writing behind the new one. A backfill may have copied part of its rows: its
/// target (always a stage no view writes into) is emptied, so the copy is whole, never doubled.
fn restart(
    client: &Client,
    database: &str,
    step: &Step<'_>,
    query_id: &str,
    out: &mut dyn Write,
) -> Result<(), ClientError> {
    let op = step.op;
    if !matches!(
        op.kind,
        OpKind::Backfill
            | OpKind::ChooseParts
            | OpKind::ChooseMissedParts
            | OpKind::SnapshotParts
            | OpKind::MoveParts
    ) {
        return Ok(());
    }
    if let Some(old) = &step.previous_query_id {
        // MoveParts runs one statement per partition, as `<query id>-<n>`.
        let kill = format!(
            "KILL QUERY WHERE query_id = {old} OR startsWith(query_id, {prefix}) SYNC",
            old = quote_string(old),
            prefix = quote_string(&format!("{old}-"))
        );
        if let Err(e) = client.exec(&kill, Some(&format!("{query_id}-kill"))) {
            let _ = writeln!(out, "  could not stop the earlier attempt {old}: {e}");
        }
    }
    if op.kind == OpKind::Backfill
        && let Some(b) = &op.backfill
    {
        let _ = writeln!(
            out,
            "  restarting backfill {}: emptying {} first",
            op.id, b.target
        );
        let sql = format!("TRUNCATE TABLE {}.{}", ident(database), ident(&b.target));
        client.exec(&sql, Some(&format!("{query_id}-truncate")))?;
    }
    Ok(())
}

fn failure(position: &str, query_id: &str, e: &ClientError) -> String {
    let hint = match e {
        ClientError::Transport(_) => {
            "the statement may or may not have run; run apply again to retry it"
        }
        ClientError::Server { .. } => {
            "operations after it were not run; fix the operation's SQL in plan.yaml and the \
             schema it came from, run `chplan reseal` (the plan's end state follows the \
             schemas), and run apply again: it resumes at this operation"
        }
    };
    format!("error: {position} failed (query_id {query_id}):\n  {e}\n{hint}")
}

fn print_dry_run(steps: &[Step<'_>], database: &str, client: &Client, out: &mut dyn Write) {
    let _ = writeln!(
        out,
        "dry run against {database} at {}: {} operation(s) would run",
        client.display_url(),
        steps.len()
    );
    for s in steps {
        let _ = writeln!(
            out,
            "\n-- {} [{}/{}] {}{}{}\n{};",
            s.plan.id,
            s.index + 1,
            s.plan.operations.len(),
            s.op.id,
            if s.op.destructive {
                " (destructive)"
            } else {
                ""
            },
            if s.restart {
                " (restarted: it did not finish before)"
            } else {
                ""
            },
            s.op.sql.trim_end().trim_end_matches(';')
        );
    }
    let _ = writeln!(out, "\ndry run: nothing was changed");
}

/// Who holds the lock, for the message another runner shows.
fn holder() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown host".into());
    format!("pid {} on {host}", std::process::id())
}
