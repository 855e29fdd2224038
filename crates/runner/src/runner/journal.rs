//! The journal: `<database>._chplan_journal`, one row per event of an operation.
//!
//! ClickHouse DDL is not transactional, so the journal is what makes an apply resumable. Rows
//! are only ever appended (a `started` row before an operation runs, then `done` or `failed`);
//! the latest row of an operation is its state. Append-only suits MergeTree, needs no
//! mutations, and keeps the history of failed attempts.

use std::collections::BTreeMap;

use super::cluster::Cluster;
use crate::client::{Client, ClientError, codes};
use chplan_clickhouse::sqltext::{quote_ident as ident, quote_string};

pub const JOURNAL_TABLE: &str = "_chplan_journal";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Started,
    Done,
    Failed,
    /// Not run: the database already held the plan's end state (counts as done).
    Skipped,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Started => "started",
            Outcome::Done => "done",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
        }
    }

    pub fn is_done(self) -> bool {
        matches!(self, Outcome::Done | Outcome::Skipped)
    }

    fn parse(s: &str) -> Option<Outcome> {
        match s {
            "started" => Some(Outcome::Started),
            "done" => Some(Outcome::Done),
            "failed" => Some(Outcome::Failed),
            "skipped" => Some(Outcome::Skipped),
            _ => None,
        }
    }
}

/// The latest journal row of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub op_id: String,
    pub sql_sha256: String,
    pub outcome: Outcome,
    pub error: String,
    pub query_id: String,
    pub at: String,
}

/// Latest entries, by plan id then operation index.
pub type Entries = BTreeMap<String, BTreeMap<u32, Entry>>;

pub struct Journal<'a> {
    client: &'a Client,
    database: String,
    /// On a cluster: the journal is one replicated table for every host, written with a quorum
    /// of all of them and read with sequential consistency.
    cluster: Option<&'a Cluster>,
}

impl<'a> Journal<'a> {
    pub fn new(client: &'a Client, database: &str) -> Journal<'a> {
        Journal {
            client,
            database: database.to_owned(),
            cluster: None,
        }
    }

    /// The journal of `database` across `cluster`.
    pub fn on(client: &'a Client, database: &str, cluster: Option<&'a Cluster>) -> Journal<'a> {
        Journal {
            cluster,
            ..Journal::new(client, database)
        }
    }

    fn table(&self) -> String {
        format!("{}.{}", ident(&self.database), ident(JOURNAL_TABLE))
    }

    /// Creates the table when missing. `recorded_at` orders an operation's rows; the server's
    /// clock sets it, so runners on machines with skewed clocks still agree; `seq` (the runner's
    /// clock, in microseconds) orders rows of the same second. Types every server since 18.16
    /// has (no DateTime64, no LowCardinality): the journal must work wherever plans run.
    pub fn create(&self) -> Result<(), ClientError> {
        let version = self.client.server_version()?;
        let (on_cluster, engine) = match self.cluster {
            Some(c) => (c.on_cluster(), c.engine(&self.database, JOURNAL_TABLE)),
            None => (String::new(), "MergeTree".to_owned()),
        };
        let comment = if version.has_table_comment() {
            "\nCOMMENT 'chplan apply journal: append-only, the latest row per (plan_id, op_index) wins'"
        } else {
            ""
        };
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS {}{on_cluster}\n(\n    \
             plan_id String,\n    \
             op_index UInt32,\n    \
             op_id String,\n    \
             sql_sha256 String,\n    \
             outcome String,\n    \
             error String,\n    \
             query_id String,\n    \
             started_at DateTime('UTC'),\n    \
             finished_at Nullable(DateTime('UTC')),\n    \
             recorded_at DateTime('UTC') DEFAULT now(),\n    \
             seq UInt64\n\
             )\nENGINE = {engine}\nORDER BY (plan_id, op_index, recorded_at){comment}",
            self.table()
        );
        match self.cluster {
            Some(_) => super::cluster::run_on_cluster(self.client, &sql, Default::default()),
            None => self.client.exec(&sql, None),
        }?;
        self.add_seq(&on_cluster)
    }

    /// A journal created by a runner before `seq` existed gets the column (its old rows read
    /// 0 and keep their order by `recorded_at`).
    fn add_seq(&self, on_cluster: &str) -> Result<(), ClientError> {
        let has = self.client.read(
            &format!(
                "SELECT count() FROM system.columns WHERE database = {} AND table = {} AND name = 'seq'",
                quote_string(&self.database),
                quote_string(JOURNAL_TABLE)
            ),
            &[],
        )?;
        if has.trim() != "0" {
            return Ok(());
        }
        let sql = format!(
            "ALTER TABLE {}{on_cluster} ADD COLUMN seq UInt64",
            self.table()
        );
        match self.cluster {
            Some(_) => super::cluster::run_on_cluster(self.client, &sql, Default::default()),
            None => self.client.exec(&sql, None),
        }
    }

    /// The latest row of every operation; empty when the database or the table does not exist
    /// yet (nothing was ever applied there).
    pub fn read(&self) -> Result<Entries, ClientError> {
        // Ties on recorded_at (same second) go to the later seq, then to the finishing row.
        let sql = format!(
            "SELECT plan_id, op_index,\n    \
             argMax(tuple(op_id, sql_sha256, outcome, error, query_id, toString(recorded_at)),\n           \
             tuple(recorded_at, seq, outcome != 'started')) AS last\n\
             FROM {}\nGROUP BY plan_id, op_index\nORDER BY plan_id, op_index",
            self.table()
        );
        let settings = if self.cluster.is_some() {
            super::cluster::CONSISTENT_READ
        } else {
            &[]
        };
        let rows = match self.client.read_rows_with(&sql, settings) {
            Ok(rows) => rows,
            Err(e)
                if matches!(
                    e.code(),
                    Some(codes::UNKNOWN_DATABASE | codes::UNKNOWN_TABLE)
                ) =>
            {
                return Ok(Entries::new());
            }
            Err(e) => return Err(e),
        };
        let mut out = Entries::new();
        for row in rows {
            let bad = || ClientError::Transport(format!("unexpected journal row: {row:?}"));
            let plan = row
                .get("plan_id")
                .and_then(|v| v.as_str())
                .ok_or_else(bad)?;
            let index = row
                .get("op_index")
                .and_then(|v| {
                    v.as_u64()
                        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                })
                .and_then(|i| u32::try_from(i).ok())
                .ok_or_else(bad)?;
            let last = row.get("last").and_then(|v| v.as_array()).ok_or_else(bad)?;
            let field = |i: usize| last.get(i).and_then(|v| v.as_str()).unwrap_or_default();
            let outcome = Outcome::parse(field(2)).ok_or_else(bad)?;
            out.entry(plan.to_owned()).or_default().insert(
                index,
                Entry {
                    op_id: field(0).to_owned(),
                    sql_sha256: field(1).to_owned(),
                    outcome,
                    error: field(3).to_owned(),
                    query_id: field(4).to_owned(),
                    at: field(5).to_owned(),
                },
            );
        }
        Ok(out)
    }

    /// Appends one row. `started_at` is repeated on the finishing row so each row stands alone.
    /// Values are literals quoted by `sqltext` and `recorded_at` is the server's `now()`: servers
    /// before 19.x fill no defaults for fields a JSON row leaves out. On a cluster a row that
    /// says an operation is done waits for every host (`insert_quorum`): a resumed apply on
    /// any host sees it; a host down makes the write fail, and the operation stays unfinished.
    pub fn record(&self, row: &Record<'_>) -> Result<(), ClientError> {
        let now = super::now_millis();
        let seconds = |ms: u128| (ms / 1000).to_string();
        let finished = if row.outcome == Outcome::Started {
            "NULL".to_owned()
        } else {
            seconds(now)
        };
        let sql = format!(
            "INSERT INTO {} (plan_id, op_index, op_id, sql_sha256, outcome, error, query_id, \
             started_at, finished_at, recorded_at, seq) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, now(), {})",
            self.table(),
            quote_string(row.plan_id),
            row.op_index,
            quote_string(row.op_id),
            quote_string(row.sql_sha256),
            quote_string(row.outcome.as_str()),
            quote_string(row.error),
            quote_string(row.query_id),
            seconds(row.started_at_ms),
            finished,
            super::now_micros(),
        );
        let quorum = self.cluster.map(Cluster::quorum_settings);
        let settings: &[(&str, &str)] = match &quorum {
            Some(q) if row.outcome.is_done() => q,
            _ => &[],
        };
        self.client
            .run(
                &sql,
                crate::client::Request {
                    settings,
                    ..Default::default()
                },
            )
            .map(drop)
    }
}

/// A runner table created before `seq` existed gets the column (its old rows read 0 and keep
/// their order by `recorded_at`).
pub(super) fn add_seq(
    client: &Client,
    cluster: Option<&Cluster>,
    database: &str,
    table: &str,
) -> Result<(), ClientError> {
    let has = client.read(
        &format!(
            "SELECT count() FROM system.columns WHERE database = {} AND table = {} AND name = 'seq'",
            quote_string(database),
            quote_string(table)
        ),
        &[],
    )?;
    if has.trim() != "0" {
        return Ok(());
    }
    let on_cluster = cluster.map(Cluster::on_cluster).unwrap_or_default();
    let sql = format!(
        "ALTER TABLE {}.{}{on_cluster} ADD COLUMN seq UInt64",
        ident(database),
        ident(table)
    );
    super::cluster::run_ddl(client, cluster, &sql)
}

pub struct Record<'a> {
    pub plan_id: &'a str,
    pub op_index: u32,
    pub op_id: &'a str,
    pub sql_sha256: &'a str,
    pub outcome: Outcome,
    pub error: &'a str,
    pub query_id: &'a str,
    pub started_at_ms: u128,
}
