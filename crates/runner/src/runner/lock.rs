//! The guard against two concurrent applies: `<database>._chplan_lock`.
//!
//! ClickHouse has no row locks or unique keys, so the lock is a claim-then-check protocol on an
//! append-only table: a runner appends a claim with a random owner token, waits a moment for
//! concurrent claims to land, then reads every live claim (not released, not expired). The
//! oldest claim (server time, then token) holds the lock; everyone else withdraws and fails
//! with a message naming the holder. A holder renews its claim from a background thread, so a
//! runner that dies leaves a claim that expires after `TTL`.
//!
//! Limits (docs/runner.md): on one server it relies on a claim being visible to other readers
//! within `SETTLE`, which holds there. On a cluster the table is replicated, a claim waits for
//! every host (`insert_quorum`) and claims are read with `select_sequential_consistency`, so
//! no settling is relied on (see `acquire`). A holder cut off from the server for longer than
//! `TTL` loses its lock without knowing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use super::cluster::Cluster;
use crate::client::{Client, ClientError, Endpoint, Request};
use chplan_clickhouse::sqltext::{quote_ident as ident, quote_string};

pub const LOCK_TABLE: &str = "_chplan_lock";
/// A claim not renewed for this long is dead. (`recorded_at` is the server's clock, to the
/// second; `seq`, the runner's clock in microseconds, orders claims of the same second.)
const TTL: Duration = Duration::from_secs(60);
const RENEW_EVERY: Duration = Duration::from_secs(10);
/// Time for concurrent claims to become visible before the claims are compared.
const SETTLE: Duration = Duration::from_millis(300);

/// Why the lock was not taken.
#[derive(Debug)]
pub enum LockError {
    Held { holder: String, since: String },
    Client(ClientError),
}

impl From<ClientError> for LockError {
    fn from(e: ClientError) -> Self {
        LockError::Client(e)
    }
}

fn table(database: &str) -> String {
    format!("{}.{}", ident(database), ident(LOCK_TABLE))
}

/// Creates the table when missing, in types every server since 18.16 has; old rows expire
/// after 7 days where the server has TTL (19.6 on), and stay (a few rows per apply) elsewhere.
pub fn create(
    client: &Client,
    database: &str,
    cluster: Option<&Cluster>,
) -> Result<(), ClientError> {
    let version = client.server_version()?;
    let (on_cluster, engine) = match cluster {
        Some(c) => (c.on_cluster(), c.engine(database, LOCK_TABLE)),
        None => (String::new(), "MergeTree".to_owned()),
    };
    let ttl = if version.has_ttl() {
        "\nTTL toDateTime(recorded_at) + INTERVAL 7 DAY"
    } else {
        ""
    };
    let comment = if version.has_table_comment() {
        "\nCOMMENT 'chplan apply lock: claims, renewals and releases; the oldest live claim holds it'"
    } else {
        ""
    };
    let sql = format!(
        "CREATE TABLE IF NOT EXISTS {}{on_cluster}\n(\n    \
         owner String,\n    \
         holder String,\n    \
         released UInt8,\n    \
         ttl_seconds UInt32,\n    \
         recorded_at DateTime('UTC') DEFAULT now(),\n    \
         seq UInt64\n\
         )\nENGINE = {engine}\nORDER BY (recorded_at, owner){ttl}{comment}",
        table(database)
    );
    super::cluster::run_ddl(client, cluster, &sql)?;
    super::journal::add_seq(client, cluster, database, LOCK_TABLE)
}

/// A held lock; released (and its renewal stopped) when dropped.
pub struct Lock {
    stop: Arc<AtomicBool>,
    renewer: Option<thread::JoinHandle<()>>,
    client: Client,
    database: String,
    owner: String,
    holder: String,
}

/// The live claims, oldest first: (owner, holder, since).
fn live_claims(
    client: &Client,
    database: &str,
    cluster: bool,
) -> Result<Vec<(String, String, String)>, ClientError> {
    // A release is the owner's last word: it wins over a claim of the same second.
    let sql = format!(
        "SELECT owner, argMax(holder, recorded_at) AS holder,\n    \
         toString(min(recorded_at)) AS since,\n    \
         max(released) AS is_released,\n    \
         max(addSeconds(recorded_at, ttl_seconds)) AS expires\n\
         FROM {}\nGROUP BY owner\n\
         HAVING is_released = 0 AND expires > now()\n\
         ORDER BY min(recorded_at), min(seq), owner",
        table(database)
    );
    let settings = if cluster {
        super::cluster::CONSISTENT_READ
    } else {
        &[]
    };
    let rows = client.read_rows_with(&sql, settings)?;
    Ok(rows
        .iter()
        .map(|r| {
            let s = |k: &str| {
                r.get(k)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            (s("owner"), s("holder"), s("since"))
        })
        .collect())
}

/// Appends a claim, renewal or release. `recorded_at` is the server's `now()` (servers before
/// 19.x fill no defaults for fields a JSON row leaves out). `quorum`: the first claim on a
/// cluster is acknowledged only once every host holds it.
fn claim(
    client: &Client,
    database: &str,
    owner: &str,
    holder: &str,
    released: bool,
    quorum: Option<&Cluster>,
) -> Result<(), ClientError> {
    let sql = format!(
        "INSERT INTO {} (owner, holder, released, ttl_seconds, recorded_at, seq) \
         VALUES ({}, {}, {}, {}, now(), {})",
        table(database),
        quote_string(owner),
        quote_string(holder),
        u8::from(released),
        TTL.as_secs(),
        super::now_micros()
    );
    let settings = quorum.map(Cluster::quorum_settings);
    client
        .run(
            &sql,
            Request {
                settings: settings.as_ref().map_or(&[], |s| s.as_slice()),
                ..Default::default()
            },
        )
        .map(drop)
}

/// `holder` ("pid N on HOST") is a process of this very machine that no longer exists.
fn dead_here(holder: &str, me: &str) -> bool {
    let host = |h: &str| h.split_once(" on ").map(|(_, host)| host.to_owned());
    let pid = holder
        .strip_prefix("pid ")
        .and_then(|rest| rest.split_once(' '))
        .and_then(|(p, _)| p.parse::<u32>().ok());
    match (pid, host(holder), host(me)) {
        (Some(pid), Some(a), Some(b)) if a == b => {
            let proc_root = std::path::Path::new("/proc");
            proc_root.join("self").exists() && !proc_root.join(pid.to_string()).exists()
        }
        _ => false,
    }
}

impl Lock {
    /// Claims the lock of `database` (whose lock table exists), or says who holds it.
    pub fn acquire(
        endpoint: &Endpoint,
        database: &str,
        owner: &str,
        holder: &str,
        cluster: Option<&Cluster>,
    ) -> Result<Lock, LockError> {
        let client = Client::new(endpoint.clone());
        claim(&client, database, owner, holder, false, cluster)?;
        thread::sleep(SETTLE);
        let mut claims = live_claims(&client, database, cluster.is_some())?;
        // A runner on this machine that was killed cannot release its claim; waiting for the
        // claim to expire would only delay the resume. Its process is gone: release it.
        let dead: Vec<String> = claims
            .iter()
            .filter(|(o, h, _)| o != owner && dead_here(h, holder))
            .map(|(o, _, _)| o.clone())
            .collect();
        for o in &dead {
            let _ = claim(
                &client,
                database,
                o,
                "released: its process is gone",
                true,
                None,
            );
        }
        claims.retain(|(o, _, _)| !dead.contains(o));
        // On a cluster, claims are inserted with a quorum of every host and read with
        // sequential consistency: a claim acknowledged before this read is in it. The oldest
        // claim by the clock of the host that took it is not the first acknowledged one, so
        // "oldest holds" could let two runners on two hosts both hold it; instead a runner
        // holds the lock only when it sees no other live claim. Of two claims, the later
        // acknowledged one always sees the earlier; at worst both withdraw.
        let first = match (cluster, claims.as_slice()) {
            (Some(_), [(only, _, _)]) => Some(only),
            (Some(_), _) => None,
            (None, claims) => claims.first().map(|(o, _, _)| o),
        };
        match first {
            Some(first) if first == owner => {}
            _ => {
                let other = claims.iter().find(|(o, _, _)| o != owner);
                // Withdraw, so the holder's successor is not blocked by a dead claim of ours.
                let _ = claim(&client, database, owner, holder, true, None);
                let (holder, since) = other
                    .map(|(_, h, s)| (h.clone(), s.clone()))
                    .unwrap_or_else(|| ("an unknown runner".into(), "just now".into()));
                return Err(LockError::Held { holder, since });
            }
        }
        let stop = Arc::new(AtomicBool::new(false));
        let renewer = {
            let stop = stop.clone();
            let client = Client::new(endpoint.clone());
            let (database, owner, holder) =
                (database.to_owned(), owner.to_owned(), holder.to_owned());
            thread::spawn(move || {
                let tick = Duration::from_millis(200);
                let mut waited = Duration::ZERO;
                while !stop.load(Ordering::Relaxed) {
                    thread::sleep(tick);
                    waited += tick;
                    // A failed renewal is retried on the next tick; the claim only dies after
                    // TTL without any.
                    if waited >= RENEW_EVERY
                        && claim(&client, &database, &owner, &holder, false, None).is_ok()
                    {
                        waited = Duration::ZERO;
                    }
                }
            })
        };
        Ok(Lock {
            stop,
            renewer: Some(renewer),
            client,
            database: database.to_owned(),
            owner: owner.to_owned(),
            holder: holder.to_owned(),
        })
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.renewer.take() {
            let _ = t.join();
        }
        // If this fails the claim expires after TTL.
        let _ = claim(
            &self.client,
            &self.database,
            &self.owner,
            &self.holder,
            true,
            None,
        );
    }
}
