//! `chplan apply` as a child process, killed with SIGKILL at random moments and run again,
//! then run to completion; the journal tells where each kill landed.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::http::{Http, lit};
use crate::rng::Rng;
use crate::writers::now_us;

/// The plan under test: its id (directory name) and its operations' ids, in order.
pub struct Plan {
    pub id: String,
    pub ops: Vec<String>,
}

/// The newest plan in the project's `migrations/`.
pub fn newest_plan(project: &Path) -> Plan {
    let mut dirs: Vec<String> = std::fs::read_dir(project.join("migrations"))
        .unwrap()
        .filter_map(|e| {
            let e = e.ok()?;
            e.file_type()
                .ok()?
                .is_dir()
                .then(|| e.file_name().to_string_lossy().into_owned())
        })
        .collect();
    dirs.sort();
    let id = dirs.pop().expect("a plan directory");
    let yaml = std::fs::read_to_string(project.join("migrations").join(&id).join("plan.yaml"))
        .expect("read plan.yaml");
    let ops = yaml
        .lines()
        .filter_map(|l| l.strip_prefix("- id: "))
        .map(|s| s.trim().trim_matches('"').to_owned())
        .collect();
    Plan { id, ops }
}

/// Where one kill landed.
pub struct Kill {
    pub run: usize,
    /// How the moment was chosen: `+Nms` after the start, or `at op N(+Nms)`.
    pub aim: String,
    /// Milliseconds from the start of the run to the kill.
    pub after_ms: u128,
    /// What the journal says the run was doing: the operation started and not finished, the
    /// last one finished, or nothing yet (before the first operation).
    pub landed: String,
    /// The operation it interrupted, when one was started and not finished.
    pub op: Option<usize>,
    /// Wall clock (µs) of the kill.
    pub at_us: u64,
}

/// One journal row.
#[derive(Clone)]
pub struct JournalRow {
    pub op: usize,
    pub outcome: String,
    /// Server clock, µs since the Unix epoch.
    pub at_us: u64,
}

#[derive(Default)]
pub struct ApplyLog {
    pub kills: Vec<Kill>,
    pub runs: usize,
    /// Runs after a kill (of a runner that held the lock) that took the lock at once, and those
    /// refused because of the killed runner's claim (with the message).
    pub lock_taken_at_once: usize,
    pub lock_refusals: Vec<String>,
    /// Runs that exited by themselves, unsuccessfully (not the lock), with their output.
    pub failures: Vec<String>,
    /// The apply completed during the kill phase (fewer kills than asked).
    pub completed_early: bool,
    /// The final run completed.
    pub completed: bool,
    pub final_output: String,
    /// Wall clock (µs) of the first run's start and of the completion.
    pub start_us: u64,
    pub end_us: u64,
    /// Every journal row of the plan, once the apply is over.
    pub journal: Vec<JournalRow>,
}

pub struct Driver<'a> {
    pub project: &'a Path,
    pub url: &'a str,
    pub http: Http,
    pub plan: &'a Plan,
    pub logs: PathBuf,
}

enum Aim {
    /// Kill this long after the start.
    After(Duration),
    /// Kill this long after the run is about to start operation N (it printed the line
    /// before it: `applying`/`resuming`, or `ok` of the operation before).
    AtOp(usize, Duration),
}

const LOCK_REFUSAL: &str = "another chplan apply is running";

/// A running `chplan apply`: its stdout is read line by line as it comes (the runner prints
/// a line before its first operation and one after each), and kept in a file with stderr.
struct Proc {
    child: Child,
    lines: Receiver<String>,
    pump: Option<JoinHandle<()>>,
    out: PathBuf,
    err: PathBuf,
}

impl Proc {
    /// Standard output, then standard error, once the process has ended.
    fn text(&mut self) -> String {
        if let Some(p) = self.pump.take() {
            let _ = p.join();
        }
        let out = std::fs::read_to_string(&self.out).unwrap_or_default();
        let err = std::fs::read_to_string(&self.err).unwrap_or_default();
        format!("{out}{err}")
    }
}

/// What a line of the runner's output says about the next operation: `Some(i)` when
/// operation `i` is about to start.
fn next_op(line: &str, ops: &[String]) -> Option<usize> {
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        ["ok", id, ..] => ops.iter().position(|o| o == id).map(|i| i + 1),
        ["applying", ..] => Some(0),
        ["resuming", _, "at", "operation", n, ..] => n.parse::<usize>().ok().map(|n| n - 1),
        _ => None,
    }
}

/// `  ok  <id> (0.05 s)` → (the operation's index, its duration).
fn op_duration(line: &str, ops: &[String]) -> Option<(usize, Duration)> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let ["ok", id, secs, "s)", ..] = words.as_slice() else {
        return None;
    };
    let i = ops.iter().position(|o| o == id)?;
    let secs: f64 = secs.trim_start_matches('(').parse().ok()?;
    Some((i, Duration::from_secs_f64(secs)))
}

impl Driver<'_> {
    fn spawn(&self, run: usize) -> Proc {
        let out = self.logs.join(format!("run-{run:02}.out"));
        let err = self.logs.join(format!("run-{run:02}.err"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_chplan"))
            .arg("--project")
            .arg(self.project)
            .args(["apply", "--url", self.url, "--yes-destructive"])
            .env_remove("CLICKHOUSE_USER")
            .env_remove("CLICKHOUSE_PASSWORD")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(File::create(&err).unwrap())
            .spawn()
            .expect("spawn chplan apply");
        let stdout = child.stdout.take().unwrap();
        let mut file = File::create(&out).unwrap();
        let (tx, lines) = mpsc::channel();
        let pump = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = writeln!(file, "{line}");
                let _ = tx.send(line);
            }
        });
        Proc {
            child,
            lines,
            pump: Some(pump),
            out,
            err,
        }
    }

    /// Journal rows of the plan recorded after `mark` (µs, the runner's clock: `seq`), in order.
    pub fn journal_since(&self, mark_us: u64) -> Vec<JournalRow> {
        let sql = format!(
            "SELECT op_index, outcome, seq FROM _chplan_journal \
             WHERE plan_id = {} AND seq > {mark_us} \
             ORDER BY recorded_at, seq, outcome = 'started' DESC FORMAT TabSeparated",
            lit(&self.plan.id)
        );
        match self.http.query(&sql) {
            Ok(text) => text
                .lines()
                .filter_map(|l| {
                    let mut f = l.split('\t');
                    Some(JournalRow {
                        op: f.next()?.parse().ok()?,
                        outcome: f.next()?.to_owned(),
                        at_us: f.next()?.parse().ok()?,
                    })
                })
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// The newest journal row's time (any plan), µs.
    fn journal_mark(&self) -> u64 {
        self.http
            .query("SELECT max(seq) FROM _chplan_journal")
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(0)
    }

    /// The first operation whose latest journal row is not `done` or `skipped`.
    fn first_unfinished(&self) -> usize {
        let rows = self.journal_since(0);
        (0..self.plan.ops.len())
            .find(|&i| {
                let last = rows.iter().rev().find(|r| r.op == i);
                !matches!(last.map(|r| r.outcome.as_str()), Some("done" | "skipped"))
            })
            .unwrap_or(self.plan.ops.len())
    }

    fn describe(&self, rows: &[JournalRow]) -> (String, Option<usize>) {
        let Some(last) = rows.last() else {
            return (
                "before any operation (plans, drift check, lock)".into(),
                None,
            );
        };
        let id = self.plan.ops.get(last.op).map_or("?", String::as_str);
        match last.outcome.as_str() {
            "started" => (format!("in op {} {id}", last.op), Some(last.op)),
            other => (format!("after op {} {id} ({other})", last.op), None),
        }
    }

    /// Runs the apply with `kills` kills, then to completion.
    pub fn run(&self, rng: &mut Rng, kills: usize) -> ApplyLog {
        let mut log = ApplyLog {
            start_us: now_us(),
            ..ApplyLog::default()
        };
        let n_ops = self.plan.ops.len();
        let plan_mark = self.journal_mark();
        // How long a run takes to reach its first operation (a time-aimed kill lands before
        // or around it), and each operation's statement: learned from the runs.
        let mut to_first_op = Duration::from_millis(900);
        let mut op_time = vec![Duration::from_millis(20); n_ops];
        let mut lock_held_by_killed = false;
        let mut repeated_failures = 0;
        while log.kills.len() < kills {
            let first = self.first_unfinished();
            if first >= n_ops {
                log.completed_early = true;
                break;
            }
            let aim = if rng.chance(30) {
                // From a few ms to the whole remaining apply (as far as it is known).
                let rest: Duration = op_time[first..]
                    .iter()
                    .map(|t| *t + 2 * JOURNAL_WRITE)
                    .sum();
                let hi = (to_first_op + rest).as_millis().max(20) as u64;
                Aim::After(Duration::from_millis(rng.range(3, hi)))
            } else {
                // Spread the kills over the plan: kill k aims near operation k * n / kills,
                // or just past where the plan stands when it is further on already.
                let spread = log.kills.len() * n_ops / kills;
                let op = (spread.max(first) + rng.range(0, 1) as usize).min(n_ops - 1);
                // Up to the journal write and the statement (for the last operation, short
                // of its end: the kill phase must not finish the plan).
                let span = if op + 1 < n_ops {
                    JOURNAL_WRITE + op_time[op]
                } else if op_time[op] >= Duration::from_millis(60) {
                    JOURNAL_WRITE + op_time[op] / 3
                } else {
                    // A short last operation: any delay risks finishing the plan.
                    Duration::ZERO
                };
                let extra = if span.is_zero() || rng.chance(35) {
                    0
                } else {
                    rng.range(1, span.as_millis().max(2) as u64)
                };
                Aim::AtOp(op, Duration::from_millis(extra))
            };
            let mark = self.journal_mark();
            log.runs += 1;
            let run = log.runs;
            let started = Instant::now();
            let mut proc = self.spawn(run);
            let exited = self.wait_for_aim(&mut proc, &aim, mark, n_ops, started);
            let killed_us = now_us();
            if exited.is_none() {
                proc.child.kill().expect("SIGKILL the runner");
                proc.child.wait().expect("reap the runner");
            }
            let after_ms = started.elapsed().as_millis();
            let text = proc.text();
            for line in text.lines() {
                if let Some((i, d)) = op_duration(line, &self.plan.ops) {
                    op_time[i] = d;
                }
            }
            // Let the journal settle: a row the runner sent just before dying.
            std::thread::sleep(Duration::from_millis(20));
            let rows = self.journal_since(mark);
            if let Some(first_row) = rows.first() {
                let spawned_us = now_us().saturating_sub(started.elapsed().as_micros() as u64);
                let to_op = Duration::from_micros(first_row.at_us.saturating_sub(spawned_us));
                to_first_op = (to_first_op + to_op) / 2;
            }
            let took_lock = !rows.is_empty();
            match exited {
                Some(status) => {
                    if text.contains(LOCK_REFUSAL) {
                        log.lock_refusals
                            .push(format!("run {run}: {}", last_lines(&text, 3)));
                        // The killed runner's claim expires after 60 s: wait, or nothing runs.
                        std::thread::sleep(Duration::from_secs(5));
                        continue;
                    }
                    if lock_held_by_killed && (took_lock || status.success()) {
                        log.lock_taken_at_once += 1;
                        lock_held_by_killed = false;
                    }
                    if status.success() {
                        // Finished before the kill: the plan is applied.
                        log.completed_early = self.first_unfinished() >= n_ops;
                        log.final_output = text;
                        if log.completed_early {
                            break;
                        }
                        continue;
                    }
                    log.failures.push(format!(
                        "run {run} exited {status}: {}",
                        last_lines(&text, 6)
                    ));
                    repeated_failures += 1;
                    if repeated_failures >= 3 {
                        break;
                    }
                }
                None => {
                    if lock_held_by_killed && took_lock {
                        log.lock_taken_at_once += 1;
                    }
                    // A runner that wrote the journal held the lock (one killed before that
                    // may hold a claim too: it is written before the journal).
                    lock_held_by_killed = took_lock || lock_held_by_killed;
                    let (landed, op) = self.describe(&rows);
                    let aim = match aim {
                        Aim::After(d) => format!("+{}ms", d.as_millis()),
                        Aim::AtOp(i, d) if d.is_zero() => format!("op {i}"),
                        Aim::AtOp(i, d) => format!("op {i}+{}ms", d.as_millis()),
                    };
                    log.kills.push(Kill {
                        run,
                        aim,
                        after_ms,
                        landed,
                        op,
                        at_us: killed_us,
                    });
                }
            }
        }
        if !log.completed_early {
            self.final_run(&mut log, lock_held_by_killed);
        } else {
            log.completed = true;
        }
        log.end_us = now_us();
        log.journal = self.journal_since(plan_mark);
        log
    }

    /// Waits until the aim is reached (None: kill now) or the child exits (its status).
    fn wait_for_aim(
        &self,
        proc: &mut Proc,
        aim: &Aim,
        mark: u64,
        n_ops: usize,
        started: Instant,
    ) -> Option<ExitStatus> {
        let deadline = started + Duration::from_secs(60);
        let mut last_poll = Instant::now();
        loop {
            if let Some(status) = proc.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            // The operation about to start, from the runner's output.
            let mut next = None;
            while let Ok(line) = proc.lines.try_recv() {
                next = next_op(&line, &self.plan.ops).or(next);
            }
            // The journal as a fallback, should the output say nothing.
            if next.is_none() && last_poll.elapsed() >= Duration::from_millis(40) {
                last_poll = Instant::now();
                next = self.journal_since(mark).iter().map(|r| r.op).max();
            }
            match *aim {
                Aim::After(d) => {
                    // Never let a kill-phase run finish the plan: kill once it reaches the
                    // last operation.
                    if started.elapsed() >= d || next.is_some_and(|i| i + 1 >= n_ops) {
                        return None;
                    }
                }
                Aim::AtOp(op, extra) => {
                    if next.is_some_and(|i| i >= op) {
                        std::thread::sleep(extra);
                        return None;
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn final_run(&self, log: &mut ApplyLog, mut lock_held_by_killed: bool) {
        let deadline = Instant::now() + Duration::from_secs(150);
        let mut attempts = 0;
        while Instant::now() < deadline && attempts < 6 {
            attempts += 1;
            log.runs += 1;
            let run = log.runs;
            let mut proc = self.spawn(run);
            let status = loop {
                if let Some(s) = proc.child.try_wait().unwrap() {
                    break Some(s);
                }
                if Instant::now() > deadline {
                    let _ = proc.child.kill();
                    let _ = proc.child.wait();
                    break None;
                }
                std::thread::sleep(Duration::from_millis(5));
            };
            let text = proc.text();
            match status {
                Some(s) if s.success() => {
                    if lock_held_by_killed {
                        log.lock_taken_at_once += 1;
                    }
                    log.completed = true;
                    log.final_output = text;
                    return;
                }
                Some(s) if text.contains(LOCK_REFUSAL) => {
                    log.lock_refusals
                        .push(format!("final run {run} ({s}): {}", last_lines(&text, 3)));
                    lock_held_by_killed = false;
                    std::thread::sleep(Duration::from_secs(5));
                }
                Some(s) => {
                    let failure = last_lines(&text, 8);
                    let again = log.failures.last().is_some_and(|f| f.ends_with(&failure));
                    log.failures
                        .push(format!("final run {run} exited {s}: {failure}"));
                    if again {
                        // The same refusal twice: re-running will not help.
                        log.final_output = text;
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(500));
                }
                None => {
                    log.failures.push(format!(
                        "final run {run} did not finish: {}",
                        last_lines(&text, 8)
                    ));
                    return;
                }
            }
            log.final_output = text;
        }
    }
}

/// About how long the runner takes to write a journal row (between the line before an
/// operation and its statement starting).
const JOURNAL_WRITE: Duration = Duration::from_millis(15);

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join(" | ")
}
