//! Progress of a running backfill, read from `system.processes` by the INSERT's query id.
//!
//! A backfill is one `INSERT ... SELECT` that runs inside ClickHouse for minutes or hours and
//! answers nothing until it ends. The server knows how far it is: `system.processes` has the
//! statement's `read_rows`, `read_bytes`, `total_rows_approx` and `elapsed`. A second
//! connection polls it while the INSERT runs on its own thread.
//!
//! Progress is a courtesy: a failed poll (the row is gone because the INSERT just finished, a
//! network blip, a server without the columns) is skipped, never an error of the apply.

use std::io::Write;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::client::{Client, ClientError, Request};

/// How often `system.processes` is read. Each poll is a small query of its own; twice a second
/// is fresh enough for a person and negligible for the server.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// One reading of a running statement.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Snapshot {
    pub read_rows: u64,
    pub read_bytes: u64,
    /// The server's estimate of the rows the statement will read; 0 when it has none.
    pub total_rows_approx: u64,
    /// Seconds since the statement started, by the server's clock.
    pub elapsed: f64,
}

/// The statement's row in `system.processes`, or `None` when it is not running (not started
/// yet, or finished).
pub fn poll(client: &Client, query_id: &str) -> Result<Option<Snapshot>, ClientError> {
    // One attempt, not `read_rows`'s retries with back-off: a missed poll costs nothing, and
    // retries would hold the apply up to seconds after the INSERT has ended.
    // The id as a quoted literal: servers before 19.11 bind no query parameters.
    let body = client.run(
        &format!(
            "SELECT read_rows, read_bytes, total_rows_approx, elapsed \
             FROM system.processes WHERE query_id = {}\nFORMAT JSONEachRow",
            chplan_clickhouse::sqltext::quote_string(query_id)
        ),
        Request::default(),
    )?;
    let Some(line) = body.lines().find(|l| !l.trim().is_empty()) else {
        return Ok(None);
    };
    let row: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line)
        .map_err(|e| ClientError::Transport(format!("unreadable row ({e}): {line}")))?;
    // `FORMAT JSONEachRow` quotes 64-bit integers by default (and old servers always do), so
    // each number is read from either a string or a number.
    let r = &row;
    Ok(Some(Snapshot {
        read_rows: number(r.get("read_rows")) as u64,
        read_bytes: number(r.get("read_bytes")) as u64,
        total_rows_approx: number(r.get("total_rows_approx")) as u64,
        elapsed: number(r.get("elapsed")),
    }))
}

fn number(v: Option<&serde_json::Value>) -> f64 {
    match v {
        Some(serde_json::Value::Number(n)) => n.as_f64().unwrap_or(0.0),
        Some(serde_json::Value::String(s)) => s.parse().unwrap_or(0.0),
        _ => 0.0,
    }
}

/// Where progress goes and how it looks.
pub enum Display {
    /// A line rewritten in place (`\r`) while the statement runs: a person is watching.
    Live,
    /// One line when the statement ends: logs should not fill with carriage returns.
    Summary,
}

impl Display {
    /// `Live` when stderr is a terminal.
    pub fn for_stderr() -> Display {
        use std::io::IsTerminal;
        if std::io::stderr().is_terminal() {
            Display::Live
        } else {
            Display::Summary
        }
    }
}

/// Runs `statement` (which must send `query_id`) on a thread of its own and reports progress
/// on `out` until it returns; its result is returned unchanged.
///
/// `poller` is a second client: the statement's connection is busy until it ends.
pub fn watch<T: Send>(
    poller: &Client,
    query_id: &str,
    label: &str,
    display: Display,
    out: &mut dyn Write,
    statement: impl FnOnce() -> T + Send,
) -> T {
    let started = Instant::now();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    thread::scope(|s| {
        let handle = s.spawn(move || {
            let result = statement();
            // The receiver may have stopped listening only if the watcher panicked.
            let _ = done_tx.send(());
            result
        });
        let mut last: Option<Snapshot> = None;
        let mut shown = false;
        // Waiting on the channel, not sleeping, so a short statement returns at once.
        while let Err(mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(POLL_INTERVAL) {
            if let Ok(Some(snap)) = poll(poller, query_id) {
                last = Some(snap);
                if let Display::Live = display {
                    let _ = write!(out, "\r\x1b[2K  {label}: {}", live_line(&snap));
                    let _ = out.flush();
                    shown = true;
                }
            }
        }
        let result = handle
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        if shown {
            // End the rewritten line so the next message starts on a fresh one.
            let _ = writeln!(out);
        }
        // Only a statement that ran long enough to be seen gets a line: quick backfills stay
        // quiet, as every other operation does.
        if let Some(snap) = last {
            let seconds = started.elapsed().as_secs_f64().max(snap.elapsed);
            let _ = writeln!(
                out,
                "  {label}: read {} rows, {} in {seconds:.1} s (last seen by the server; \
                 the final count may be higher)",
                snap.read_rows,
                bytes(snap.read_bytes)
            );
        }
        result
    })
}

/// `1,234,567 rows, 9.4 MiB, 2.1 M rows/s, 12.0 s elapsed, ~30 s left`.
pub fn live_line(s: &Snapshot) -> String {
    let mut line = format!(
        "{} rows, {}, {} rows/s, {:.1} s elapsed",
        s.read_rows,
        bytes(s.read_bytes),
        rate(s.read_rows, s.elapsed),
        s.elapsed
    );
    if let Some(left) = eta(s) {
        line.push_str(&format!(", {:.0}% ~{left:.0} s left", percent(s)));
    }
    line
}

fn percent(s: &Snapshot) -> f64 {
    100.0 * s.read_rows as f64 / s.total_rows_approx.max(1) as f64
}

/// Seconds left at the rate so far; `None` without an estimate of the total or a rate.
pub fn eta(s: &Snapshot) -> Option<f64> {
    if s.total_rows_approx == 0 || s.read_rows == 0 || s.elapsed <= 0.0 {
        return None;
    }
    let left = s.total_rows_approx.saturating_sub(s.read_rows) as f64;
    Some(left / (s.read_rows as f64 / s.elapsed))
}

fn rate(rows: u64, seconds: f64) -> String {
    if seconds <= 0.0 {
        return "-".into();
    }
    let r = rows as f64 / seconds;
    match r {
        r if r >= 1e6 => format!("{:.1} M", r / 1e6),
        r if r >= 1e3 => format!("{:.1} k", r / 1e3),
        r => format!("{r:.0}"),
    }
}

fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_show_rate_and_an_estimate_only_when_the_server_has_one() {
        let s = Snapshot {
            read_rows: 2_000_000,
            read_bytes: 16 << 20,
            total_rows_approx: 5_000_000,
            elapsed: 2.0,
        };
        assert_eq!(
            live_line(&s),
            "2000000 rows, 16.0 MiB, 1.0 M rows/s, 2.0 s elapsed, 40% ~3 s left"
        );
        let s = Snapshot {
            total_rows_approx: 0,
            ..s
        };
        assert_eq!(eta(&s), None);
        assert!(!live_line(&s).contains("left"));
        assert_eq!(bytes(10), "10 B");
        assert_eq!(rate(0, 0.0), "-");
    }

    #[test]
    fn numbers_are_read_quoted_or_not() {
        assert_eq!(number(Some(&serde_json::json!("12"))), 12.0);
        assert_eq!(number(Some(&serde_json::json!(1.5))), 1.5);
        assert_eq!(number(None), 0.0);
    }
}
