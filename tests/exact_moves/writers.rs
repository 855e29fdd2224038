//! Concurrent writers: threads inserting small batches of rows with keys of their own
//! (`w<writer>-<sequence>`), one HTTP request per batch, recording every acknowledged batch.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::http::Http;

/// The shape of the rows a scenario's writers insert.
#[derive(Clone, Copy)]
pub enum Rows {
    /// `id String, name String, created_at DateTime`.
    Events,
    /// `order_id String, customer UInt32, amount UInt64, created_at DateTime`.
    Orders,
    /// `id String, created_at DateTime`.
    Raw,
}

/// 2024-01-01 00:00:00 UTC; rows spread over the 30 days after it.
const EPOCH: u64 = 1_704_067_200;
const SPREAD: u64 = 30 * 86_400;

impl Rows {
    pub fn columns(self) -> &'static str {
        match self {
            Rows::Events => "id, name, created_at",
            Rows::Orders => "order_id, customer, amount, created_at",
            Rows::Raw => "id, created_at",
        }
    }

    /// The key column.
    pub fn key(self) -> &'static str {
        match self {
            Rows::Orders => "order_id",
            Rows::Events | Rows::Raw => "id",
        }
    }

    /// One row as TabSeparated, for key `w<writer>-<seq>`.
    fn row(self, writer: usize, seq: u64, out: &mut String) {
        let n = seq
            .wrapping_mul(2_654_435_761)
            .wrapping_add(writer as u64 * 97);
        let at = EPOCH + n % SPREAD;
        let _ = match self {
            Rows::Events => writeln!(out, "w{writer}-{seq}\tn{}\t{at}", n % 97),
            Rows::Orders => writeln!(out, "w{writer}-{seq}\t{}\t{}\t{at}", n % 5000, 1 + n % 1000),
            Rows::Raw => writeln!(out, "w{writer}-{seq}\t{at}"),
        };
    }

    /// `INSERT ... SELECT` of `n` initial rows with keys `init-<n>`.
    pub fn initial_sql(self, table: &str, n: u64) -> String {
        let key = "concat('init-', toString(number))";
        let at = format!("toDateTime({EPOCH} + (number * 7919) % {SPREAD}, 'UTC')");
        let values = match self {
            Rows::Events => format!("{key}, concat('n', toString(number % 97)), {at}"),
            Rows::Orders => format!("{key}, number % 5000, 1 + (number * 31) % 1000, {at}"),
            Rows::Raw => format!("{key}, {at}"),
        };
        format!(
            "INSERT INTO {table} ({}) SELECT {values} FROM numbers({n})",
            self.columns()
        )
    }
}

/// When writers move from the table they start with to another.
#[derive(Clone, Copy)]
pub enum Switch {
    /// They write one table throughout.
    Never,
    /// When an insert fails with UNKNOWN_TABLE (60): to this table, retrying the batch there.
    OnUnknownTable(&'static str),
    /// Once the apply has finished (`Writers::apply_finished`): to this table.
    AfterApply(&'static str),
}

/// One batch, acknowledged or failed.
#[derive(Clone)]
pub struct Batch {
    pub writer: usize,
    pub first: u64,
    pub rows: u64,
    pub table: String,
    /// Wall clock (µs since the Unix epoch) when the request was sent and when it returned.
    pub sent_us: u64,
    pub done_us: u64,
    /// None when acknowledged, else the server's error.
    pub error: Option<String>,
}

#[derive(Default)]
pub struct WriterLog {
    pub batches: Vec<Batch>,
    /// `(wall clock µs, from, to, why)` for each switch of table.
    pub switches: Vec<(u64, String, String, String)>,
}

pub struct Writers {
    stop: Arc<AtomicBool>,
    applied: Arc<AtomicBool>,
    handles: Vec<JoinHandle<WriterLog>>,
}

pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

pub const BATCH: u64 = 50;

/// Starts `n` writers into `table` of `db`; each pauses `pause` between batches.
pub fn start(
    url: &str,
    db: &str,
    rows: Rows,
    table: &'static str,
    switch: Switch,
    n: usize,
    pause: Duration,
) -> Writers {
    let stop = Arc::new(AtomicBool::new(false));
    let applied = Arc::new(AtomicBool::new(false));
    let handles = (0..n)
        .map(|w| {
            let (stop, applied) = (stop.clone(), applied.clone());
            let http = Http::new(url, db);
            std::thread::spawn(move || write(w, &http, rows, table, switch, &stop, &applied, pause))
        })
        .collect();
    Writers {
        stop,
        applied,
        handles,
    }
}

#[allow(clippy::too_many_arguments)]
fn write(
    w: usize,
    http: &Http,
    rows: Rows,
    start_table: &str,
    switch: Switch,
    stop: &AtomicBool,
    applied: &AtomicBool,
    pause: Duration,
) -> WriterLog {
    let mut log = WriterLog::default();
    let mut table = start_table.to_owned();
    let mut seq = 0u64;
    let mut data = String::new();
    while !stop.load(Ordering::Relaxed) {
        if let Switch::AfterApply(to) = switch
            && table != to
            && applied.load(Ordering::Relaxed)
        {
            log.switches
                .push((now_us(), table.clone(), to.to_owned(), "apply done".into()));
            table = to.to_owned();
        }
        data.clear();
        for s in seq..seq + BATCH {
            rows.row(w, s, &mut data);
        }
        let sql = format!(
            "INSERT INTO {table} ({}) FORMAT TabSeparated\n{data}",
            rows.columns()
        );
        let sent_us = now_us();
        let result = http.query(&sql);
        let done_us = now_us();
        let mut batch = Batch {
            writer: w,
            first: seq,
            rows: BATCH,
            table: table.clone(),
            sent_us,
            done_us,
            error: None,
        };
        match result {
            Ok(_) => {}
            Err(e) => {
                if let (Switch::OnUnknownTable(to), Some(60)) = (switch, e.code)
                    && table != to
                {
                    // The old table is gone: move, and send the same batch again there.
                    log.switches
                        .push((done_us, table.clone(), to.to_owned(), e.text.clone()));
                    table = to.to_owned();
                    continue;
                }
                batch.error = Some(e.to_string());
            }
        }
        log.batches.push(batch);
        seq += BATCH;
        std::thread::sleep(pause);
    }
    log
}

impl Writers {
    /// Tells the writers the apply has finished (for `Switch::AfterApply`).
    pub fn apply_finished(&self) {
        self.applied.store(true, Ordering::Relaxed);
    }

    /// Stops the writers and waits for their last batch.
    pub fn stop(self) -> Vec<WriterLog> {
        self.stop.store(true, Ordering::Relaxed);
        self.handles
            .into_iter()
            .map(|h| h.join().expect("writer thread panicked"))
            .collect()
    }
}
