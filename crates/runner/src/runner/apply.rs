//! `chplan apply`: runs every pending operation of every plan, in order, journaled, under the
//! lock.

use std::io::Write;
use std::time::Instant;

use crate::artifacts::plan::{OpKind, Operation, Plan};
use crate::migrations::MigrationDir;

use super::backfill_progress;
use super::drift::{self, Drift};
use super::journal::{Entries, Journal, Outcome, Record};
use super::lock::{self, Lock, LockError};
use super::progress::{OpState, load_plans, plan_states, sql_checksum};
use super::{now_millis, random_hex};
use crate::client::{Client, ClientError, Endpoint};
use chplan_clickhouse::sqltext::quote_ident as ident;

pub struct Options<'a> {
    pub dry_run: bool,
    pub yes_destructive: bool,
    pub to: Option<&'a str>,
    /// Asked when destructive operations are pending without `yes_destructive`; `None` when
    /// nobody can answer (not a terminal).
    pub confirm: Option<&'a mut dyn FnMut(&str) -> bool>,
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
    let client = Client::new(endpoint.clone());
    let journal = Journal::new(&client, &database);
    let w = |out: &mut dyn Write, s: String| {
        let _ = writeln!(out, "{s}");
    };

    // A first look without the lock: refusals (changed SQL, destructive) and dry runs need
    // no write to the server.
    let steps = pending_steps(&plans, &journal)?;
    // Drift check before anything runs: operations written for one shape must not meet
    // another (docs/runner.md says what is compared). Each later plan is checked again when
    // its turn comes.
    let first = match steps.first() {
        Some(s) => {
            let entries = read_entries(&journal)?;
            drift::check_plan(&client, dir, &plans, plan_index(&plans, s.plan), &entries)?
        }
        None => drift::check(&client, dir)?,
    };
    for line in drift::describe(&first, &database) {
        w(out, line);
    }
    if matches!(first, Drift::Found(_)) {
        w(out, drift::REFUSAL.to_owned());
        return Ok(Applied::Stopped);
    }
    if steps.is_empty() {
        w(
            out,
            format!(
                "{database} at {}: all {} plan(s) applied, nothing to do",
                client.display_url(),
                plans.len()
            ),
        );
        return Ok(Applied::Complete);
    }
    let destructive: Vec<&Step> = steps.iter().filter(|s| s.op.destructive).collect();
    if !destructive.is_empty() && !opts.yes_destructive && !opts.dry_run {
        let list: String = destructive
            .iter()
            .map(|s| format!("  {} {}: {}\n", s.plan.id, s.op.id, s.op.description))
            .collect();
        let approved = match opts.confirm {
            Some(confirm) => confirm(&format!(
                "{} destructive operation(s) pending:\n{list}apply them?",
                destructive.len()
            )),
            None => false,
        };
        if !approved {
            w(
                out,
                format!(
                    "refusing to apply: {} destructive operation(s) pending, nothing was applied:\n\
                     {list}run again with --yes-destructive to approve them",
                    destructive.len()
                ),
            );
            return Ok(Applied::Stopped);
        }
    }
    if opts.dry_run {
        print_dry_run(&steps, &database, &client, out);
        return Ok(Applied::Complete);
    }

    // Creating the database and the runner's tables is idempotent: no lock needed.
    let create = |sql: String| client.exec(&sql, None);
    create(format!(
        "CREATE DATABASE IF NOT EXISTS {}",
        ident(&database)
    ))
    .and_then(|_| journal.create())
    .and_then(|_| lock::create(&client, &database))
    .map_err(|e| format!("cannot prepare {database} for the journal: {e}"))?;
    let owner = random_hex(16);
    let _lock = match Lock::acquire(endpoint, &database, &owner, &holder()) {
        Ok(l) => l,
        Err(LockError::Held { holder, since }) => {
            w(
                out,
                format!(
                    "another chplan apply is running on {database} ({holder}, since {since} UTC); \
                     nothing was applied. Run again once it has finished (a crashed runner's \
                     lock expires after a minute)."
                ),
            );
            return Ok(Applied::Stopped);
        }
        Err(LockError::Client(e)) => return Err(format!("cannot take the apply lock: {e}")),
    };
    // Under the lock, look again: another runner may have applied some of it meanwhile.
    let steps = pending_steps(&plans, &journal)?;
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

    let mut current_plan = "";
    let mut skipping = false;
    let mut ran = 0;
    for step in &steps {
        if step.plan.id != current_plan {
            current_plan = &step.plan.id;
            let entries = read_entries(&journal)?;
            let check = drift::check_plan(
                &client,
                dir,
                &plans,
                plan_index(&plans, step.plan),
                &entries,
            )?;
            // The first plan's result was printed above, unless it changed since.
            if !std::ptr::eq(step.plan, steps[0].plan) || check != first {
                for line in drift::describe(&check, &database) {
                    w(out, line);
                }
            }
            match check {
                Drift::Found(_) if ran == 0 => {
                    w(out, drift::REFUSAL.to_owned());
                    return Ok(Applied::Stopped);
                }
                Drift::Found(_) => {
                    w(
                        out,
                        format!(
                            "stopping before {}: the plans before it ran ({ran} operation(s)) \
                             but did not leave the state it starts from; nothing of {} was \
                             applied",
                            step.plan.id, step.plan.id
                        ),
                    );
                    return Ok(Applied::Stopped);
                }
                Drift::AtEnd(_) => {
                    skipping = true;
                    w(
                        out,
                        format!(
                            "skipping {}: recording its operations as skipped",
                            step.plan.id
                        ),
                    );
                }
                Drift::None(_) | Drift::Unchecked(_) => skipping = false,
            }
            let done = step.index;
            if !skipping {
                w(
                    out,
                    if done == 0 {
                        format!(
                            "applying {} ({} operations) to {database} at {}",
                            step.plan.id,
                            step.plan.operations.len(),
                            client.display_url()
                        )
                    } else {
                        format!(
                            "resuming {} at operation {} of {} ({})",
                            step.plan.id,
                            done + 1,
                            step.plan.operations.len(),
                            step.op.id
                        )
                    },
                );
            }
        }
        if skipping {
            record_skipped(&journal, step)?;
            continue;
        }
        if let Err(message) = run_step(&client, &journal, &database, step, out) {
            w(out, message);
            return Ok(Applied::Stopped);
        }
        ran += 1;
    }
    w(
        out,
        format!(
            "{database}: applied {ran} operation(s); all {} plan(s) done",
            plans.len()
        ),
    );
    Ok(Applied::Complete)
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

/// Runs one operation between its journal rows. `Err` is the message for the user.
fn run_step(
    client: &Client,
    journal: &Journal<'_>,
    database: &str,
    step: &Step<'_>,
    out: &mut dyn Write,
) -> Result<(), String> {
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

    // A backfill that started before may have copied part of its rows: empty the target so
    // the copy is whole and never doubled.
    if step.restart
        && op.kind == OpKind::Backfill
        && let Some(b) = &op.backfill
    {
        let _ = writeln!(
            out,
            "  restarting backfill {}: emptying {} first",
            op.id, b.target
        );
        // Killing the runner does not stop its INSERT on the server: stop the old attempt
        // first, or it would keep copying into the emptied target.
        if let Some(old) = &step.previous_query_id {
            let kill = format!(
                "KILL QUERY WHERE query_id = '{}' SYNC",
                old.replace('\\', "\\\\").replace('\'', "\\'")
            );
            if let Err(e) = client.exec(&kill, Some(&format!("{query_id}-kill"))) {
                let _ = writeln!(out, "  could not stop the earlier attempt {old}: {e}");
            }
        }
        let sql = format!("TRUNCATE TABLE {}.{}", ident(database), ident(&b.target));
        if let Err(e) = client.exec(&sql, Some(&format!("{query_id}-truncate"))) {
            let _ = record(Outcome::Failed, &e.to_string());
            return Err(failure(&position, &query_id, &e));
        }
    }

    let started = Instant::now();
    let run = || {
        client.run(
            &op.sql,
            crate::client::Request {
                database: Some(database),
                query_id: Some(&query_id),
                ..Default::default()
            },
        )
    };
    // A backfill copies rows inside ClickHouse and can run for hours: watch it through
    // system.processes on stderr, so stdout keeps only the apply's own messages.
    let result = if op.kind == OpKind::Backfill {
        backfill_progress::watch(
            client,
            &query_id,
            &op.id,
            backfill_progress::Display::for_stderr(),
            &mut std::io::stderr(),
            run,
        )
    } else {
        run()
    };
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

fn failure(position: &str, query_id: &str, e: &ClientError) -> String {
    let hint = match e {
        ClientError::Transport(_) => {
            "the statement may or may not have run; run apply again to retry it"
        }
        ClientError::Server { .. } => {
            "operations after it were not run; fix the plan (then `chplan reseal`) or the \
             database, and run apply again: it resumes at this operation"
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
