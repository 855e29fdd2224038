//! Exact data moves under live writes (issue 11): for each scenario in `tests/exact_moves/`,
//! the before project is applied and filled, the after plan is applied by `chplan apply`
//! while three writers insert into the source and a reader samples the target; the runner is
//! killed with SIGKILL at random moments (at least 10 times), re-run, and finally run to
//! completion. Then the rows are counted exactly: every acknowledged row once in every
//! target, aggregates equal to their view's SELECT over the whole source.
//!
//! ```sh
//! cargo test --test exact_moves                      # every scenario (in parallel)
//! cargo test --test exact_moves -- side_by_side      # one
//! EXACT_MOVES_SEED=0x1234 cargo test --test exact_moves -- chain   # replay a schedule
//! ```
//!
//! `EXACT_MOVES_KILLS` (default 10) and `EXACT_MOVES_ROWS` (initial rows, default 20000)
//! scale a run. Each scenario prints a report; a scenario fails on any lost, doubled or
//! phantom row, mismatching aggregate, reader seeing less than before, writer error, lock
//! refusal after a kill, or an apply that does not complete.

mod support;

#[path = "exact_moves/apply.rs"]
mod apply;
#[path = "exact_moves/checks.rs"]
mod checks;
#[path = "exact_moves/http.rs"]
mod http;
#[path = "exact_moves/rng.rs"]
mod rng;
#[path = "exact_moves/scenarios.rs"]
mod scenarios;
#[path = "exact_moves/writers.rs"]
mod writers;

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Failed, Trial};

use apply::{ApplyLog, Driver};
use http::Http;
use scenarios::Scenario;
use support::Project;
use support::cli;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let seed = rng::base_seed();
    println!("exact_moves: seed {seed:#x} (replay with EXACT_MOVES_SEED={seed:#x})");
    let trials = scenarios::all()
        .into_iter()
        .map(|s| Trial::test(s.name, move || run(&s, seed)))
        .collect();
    let started = Instant::now();
    let conclusion = libtest_mimic::run(&args, trials);
    println!(
        "exact_moves: {:.1} s, seed {seed:#x}",
        started.elapsed().as_secs_f64()
    );
    conclusion.exit_code()
}

fn run(s: &Scenario, base_seed: u64) -> Result<(), Failed> {
    let seed = rng::scenario_seed(base_seed, s.name);
    let mut rng = rng::Rng::new(seed);
    let kills = env_u64("EXACT_MOVES_KILLS", 10) as usize;
    let initial = env_u64("EXACT_MOVES_ROWS", 20_000);
    let started = Instant::now();
    let url = support::clickhouse().url().to_owned();
    let here = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/exact_moves")
        .join(s.name);

    // The before project, applied and filled.
    let p = Project::fresh(&format!("xm_{}", s.name));
    let db = p.database().to_owned();
    let http = Http::new(&url, &db);
    p.replace_schemas(&here.join("before/schemas"));
    cli::ok(p.path(), &["plan", "--name", "before"]);
    cli::ok(p.path(), &["apply", "--url", &url]);
    http.exec(&s.rows.initial_sql(s.source, initial));

    // The after plan.
    p.replace_schemas(&here.join("after/schemas"));
    cli::ok(p.path(), &["plan", "--name", "after", "--yes-destructive"]);
    let plan = apply::newest_plan(p.path());
    let logs = tempfile::Builder::new()
        .prefix(&format!("exact-moves-{}-", s.name))
        .tempdir()
        .unwrap();
    let set_up = started.elapsed();

    // Writers and the reader, then the apply under kills.
    let writers = writers::start(
        &url,
        &db,
        s.rows,
        s.source,
        s.switch,
        3,
        Duration::from_millis(3),
    );
    std::thread::sleep(Duration::from_millis(300));
    let reader = s.reader.map(|sql| checks::Reader::start(&url, &db, sql));
    let driver = Driver {
        project: p.path(),
        url: &url,
        http: Http::new(&url, &db),
        plan: &plan,
        logs: logs.path().to_owned(),
    };
    let applied = driver.run(&mut rng, kills);
    writers.apply_finished();
    // Writes after the apply go through the new path.
    std::thread::sleep(Duration::from_millis(300));
    let reading = reader.map(checks::Reader::stop);
    let writer_logs = writers.stop();

    // Exact counts.
    let batches: Vec<writers::Batch> = writer_logs
        .iter()
        .flat_map(|l| l.batches.iter().cloned())
        .collect();
    checks::load_batches(&http, &batches);
    let outcomes: Vec<checks::Outcome> = s
        .checks
        .iter()
        .map(|c| checks::run(&http, c, s.rows.key(), initial, applied.end_us))
        .collect();

    let mut problems = Vec::new();
    let mut r = String::new();
    let _ = writeln!(
        r,
        "\n=== {} — {}\n    seed {seed:#x} (replay: EXACT_MOVES_SEED={base_seed:#x} cargo test --test exact_moves -- {} --exact)",
        s.name, s.about, s.name
    );
    let _ = writeln!(
        r,
        "    plan {} ({} operations): {}",
        plan.id,
        plan.ops.len(),
        plan.ops
            .iter()
            .enumerate()
            .map(|(i, o)| format!("{i} {o}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    report_writers(
        &mut r,
        &mut problems,
        &writer_logs,
        &batches,
        &applied,
        initial,
    );
    report_apply(&mut r, &mut problems, &applied, kills);
    if let Some((baseline, samples)) = &reading {
        report_reader(
            &mut r,
            &mut problems,
            s.reader.unwrap(),
            *baseline,
            samples,
            applied.start_us,
        );
    }
    if applied.completed {
        let _ = writeln!(r, "    checks:");
    } else {
        let _ = writeln!(
            r,
            "    checks (the apply did not complete: these describe a half-applied database):"
        );
    }
    for o in &outcomes {
        let _ = writeln!(r, "      [{}] {}", if o.ok { "ok" } else { "FAIL" }, o.text);
        if !o.ok {
            problems.push(o.text.lines().next().unwrap_or_default().to_owned());
        }
        diagnose(&mut r, o, &batches, &applied, &plan);
    }
    let (lost, doubled, phantom, groups) = outcomes.iter().fold((0, 0, 0, 0), |a, o| {
        (
            a.0 + o.lost,
            a.1 + o.doubled,
            a.2 + o.phantom,
            a.3 + o.groups,
        )
    });
    let _ = writeln!(
        r,
        "    summary: lost {lost}, doubled {doubled}, phantom {phantom}, mismatching groups {groups}; \
         set-up {:.1} s, whole scenario {:.1} s",
        set_up.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    let _ = writeln!(
        r,
        "    result: {}",
        if problems.is_empty() { "PASS" } else { "FAIL" }
    );
    if !problems.is_empty() {
        // Keep the runs' output for a look.
        let kept = logs.keep();
        let _ = writeln!(r, "    runner output of every run: {}", kept.display());
    }
    print!("{r}");
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} (seed {seed:#x}; replay: EXACT_MOVES_SEED={base_seed:#x})\n  - {}",
            s.name,
            problems.join("\n  - ")
        )
        .into())
    }
}

fn report_writers(
    r: &mut String,
    problems: &mut Vec<String>,
    logs: &[writers::WriterLog],
    batches: &[writers::Batch],
    applied: &ApplyLog,
    initial: u64,
) {
    let acked: Vec<&writers::Batch> = batches.iter().filter(|b| b.error.is_none()).collect();
    let failed: Vec<&writers::Batch> = batches.iter().filter(|b| b.error.is_some()).collect();
    let rows: u64 = acked.iter().map(|b| b.rows).sum();
    let during = acked
        .iter()
        .filter(|b| b.done_us >= applied.start_us && b.sent_us <= applied.end_us)
        .count();
    let mut per_table: std::collections::BTreeMap<&str, u64> = Default::default();
    for b in &acked {
        *per_table.entry(b.table.as_str()).or_default() += b.rows;
    }
    let _ = writeln!(
        r,
        "    writers: 3 x {}-row batches: {} batches acked = {rows} rows ({}), {during} of them \
         while the apply ran; {} failed; initial rows {initial}",
        writers::BATCH,
        acked.len(),
        per_table
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
        failed.len()
    );
    // Concurrency: batches acknowledged while an operation's statement was running.
    let spans = op_spans(&applied.journal);
    let overlap: Vec<String> = spans
        .iter()
        .map(|(op, spans)| {
            let n = acked
                .iter()
                .filter(|b| {
                    spans
                        .iter()
                        .any(|(s, e)| b.done_us >= *s && b.sent_us <= *e)
                })
                .count();
            format!("op {op}: {n}")
        })
        .collect();
    if !overlap.is_empty() {
        let _ = writeln!(
            r,
            "    batches acked during finished attempts of each operation: {}",
            overlap.join(", ")
        );
    }
    for l in logs {
        for (at, from, to, why) in &l.switches {
            let rel = at.saturating_sub(applied.start_us) / 1000;
            let why: String = why.chars().take(100).collect();
            let _ = writeln!(r, "    switch at +{rel}ms: {from} -> {to} ({why})");
        }
    }
    for b in failed.iter().take(5) {
        let msg = format!(
            "writer {} batch {} into {} failed: {}",
            b.writer,
            b.first,
            b.table,
            b.error.as_deref().unwrap_or_default()
        );
        let _ = writeln!(r, "    {msg}");
        problems.push(msg.chars().take(300).collect());
    }
    if failed.len() > 5 {
        problems.push(format!("{} more failed inserts", failed.len() - 5));
    }
}

/// Per operation, the (start, end) wall clock µs of each attempt that finished.
fn op_spans(journal: &[apply::JournalRow]) -> std::collections::BTreeMap<usize, Vec<(u64, u64)>> {
    let mut open: std::collections::HashMap<usize, u64> = Default::default();
    let mut spans: std::collections::BTreeMap<usize, Vec<(u64, u64)>> = Default::default();
    for row in journal {
        if row.outcome == "started" {
            open.insert(row.op, row.at_us);
        } else if let Some(s) = open.remove(&row.op) {
            spans.entry(row.op).or_default().push((s, row.at_us));
        }
    }
    spans
}

fn report_apply(r: &mut String, problems: &mut Vec<String>, a: &ApplyLog, kills: usize) {
    let _ = writeln!(
        r,
        "    apply: {} runs, {} kills, {:.1} s from the first run to completion; completed: {}",
        a.runs,
        a.kills.len(),
        a.end_us.saturating_sub(a.start_us) as f64 / 1e6,
        a.completed
    );
    for (i, k) in a.kills.iter().enumerate() {
        let _ = writeln!(
            r,
            "      kill {:>2} (run {:>2}, aimed {:<12}) after {:>5} ms: {}",
            i + 1,
            k.run,
            k.aim,
            k.after_ms,
            k.landed
        );
    }
    let mut ops: Vec<usize> = a.kills.iter().filter_map(|k| k.op).collect();
    ops.sort_unstable();
    ops.dedup();
    let _ = writeln!(
        r,
        "    kill points (operations interrupted): {:?}; lock: {} re-run(s) after a kill took it at once, {} refused",
        ops,
        a.lock_taken_at_once,
        a.lock_refusals.len()
    );
    for l in &a.lock_refusals {
        let _ = writeln!(r, "      lock refusal: {l}");
        problems.push(format!("lock not released after a kill: {l}"));
    }
    for f in &a.failures {
        let _ = writeln!(r, "      run failure: {f}");
        problems.push(format!("apply run failed: {f}"));
    }
    if a.kills.len() < kills {
        problems.push(format!(
            "only {} kills (asked {kills}){}",
            a.kills.len(),
            if a.completed_early {
                ": the apply completed during the kill phase"
            } else {
                ""
            }
        ));
    }
    if !a.completed {
        problems.push(format!(
            "the apply never completed: {}",
            a.final_output.lines().last().unwrap_or_default()
        ));
    }
}

fn report_reader(
    r: &mut String,
    problems: &mut Vec<String>,
    sql: &str,
    baseline: u128,
    samples: &[checks::Sample],
    start_us: u64,
) {
    let values: Vec<u128> = samples
        .iter()
        .filter_map(|s| s.value.clone().ok())
        .collect();
    let below: Vec<u128> = values.iter().copied().filter(|v| *v < baseline).collect();
    let errors: Vec<&String> = samples
        .iter()
        .filter_map(|s| s.value.as_ref().err())
        .collect();
    let mut dips = 0;
    let mut max = 0u128;
    let mut deepest = 0u128;
    for v in &values {
        if *v < max {
            dips += 1;
            deepest = deepest.max(max - v);
        }
        max = max.max(*v);
    }
    let _ = writeln!(
        r,
        "    reader `{sql}`: {} samples, baseline {baseline}, min {}, max {max}; {} below the \
         baseline, {dips} below an earlier sample (deepest by {deepest}), {} errors",
        samples.len(),
        values.iter().min().copied().unwrap_or(0),
        below.len(),
        errors.len()
    );
    if !below.is_empty() {
        let first = samples
            .iter()
            .find(|s| matches!(s.value, Ok(v) if v < baseline))
            .map_or(0, |s| s.at_us.saturating_sub(start_us) / 1000);
        problems.push(format!(
            "reader saw less than before the apply {} times, first at +{first}ms (min {} < baseline {baseline})",
            below.len(),
            below.iter().min().unwrap()
        ));
    }
    if let Some(e) = errors.first() {
        let e: String = e.chars().take(200).collect();
        let _ = writeln!(r, "      reader error: {e}");
        problems.push(format!("reader failed {} times: {e}", errors.len()));
    }
}

/// Where lost and doubled rows came from: their batches, when they were sent and acknowledged
/// relative to the journal (which operation was running) and to the kills.
fn diagnose(
    r: &mut String,
    o: &checks::Outcome,
    batches: &[writers::Batch],
    applied: &ApplyLog,
    plan: &apply::Plan,
) {
    if o.bad.is_empty() {
        return;
    }
    let by_key: std::collections::HashMap<(usize, u64), &writers::Batch> =
        batches.iter().map(|b| ((b.writer, b.first), b)).collect();
    // (kind, batch) -> rows
    let mut hit: std::collections::BTreeMap<(String, usize, u64), u64> = Default::default();
    let mut initial: std::collections::BTreeMap<String, u64> = Default::default();
    for (kind, key) in &o.bad {
        let parsed = key.strip_prefix('w').and_then(|rest| {
            let (w, seq) = rest.split_once('-')?;
            Some((w.parse::<usize>().ok()?, seq.parse::<u64>().ok()?))
        });
        match parsed {
            Some((w, seq)) => {
                *hit.entry((kind.clone(), w, seq - seq % writers::BATCH))
                    .or_default() += 1
            }
            None => *initial.entry(kind.clone()).or_default() += 1,
        }
    }
    for (kind, n) in &initial {
        let _ = writeln!(r, "        {kind}: {n} initial rows");
    }
    let at = |t: u64| -> String {
        let rel = t as i64 / 1000 - applied.start_us as i64 / 1000;
        let state = applied.journal.iter().rev().find(|j| j.at_us <= t).map_or(
            "before the plan's first operation".to_owned(),
            |j| {
                let id = plan.ops.get(j.op).map_or("?", String::as_str);
                format!("op {} {id} {}", j.op, j.outcome)
            },
        );
        let kill = applied
            .kills
            .iter()
            .enumerate()
            .rev()
            .find(|(_, k)| k.at_us <= t)
            .map(|(i, k)| format!(", {} ms after kill {}", (t - k.at_us) / 1000, i + 1))
            .unwrap_or_default();
        format!("+{rel}ms [{state}{kill}]")
    };
    for (i, ((kind, w, first), n)) in hit.iter().enumerate() {
        if i == 12 {
            let _ = writeln!(r, "        ... {} more batches", hit.len() - i);
            break;
        }
        let Some(b) = by_key.get(&(*w, *first)) else {
            let _ = writeln!(r, "        {kind}: {n} rows of unknown batch w{w}-{first}");
            continue;
        };
        let _ = writeln!(
            r,
            "        {kind}: {n} rows of batch w{w}-{first} into {}: sent {}, acked {}",
            b.table,
            at(b.sent_us),
            at(b.done_us)
        );
    }
}
