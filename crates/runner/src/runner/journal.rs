//! The journal: `<database>._chplan_journal`, one row per event of an operation.
//!
//! ClickHouse DDL is not transactional, so the journal is what makes an apply resumable. Rows
//! are only ever appended (a `started` row before an operation runs, then `done` or `failed`);
//! the latest row of an operation is its state. Append-only suits MergeTree, needs no
//! mutations, and keeps the history of failed attempts.

use std::collections::BTreeMap;

use serde_json::json;

use crate::client::{Client, ClientError, codes};
use chplan_clickhouse::sqltext::quote_ident as ident;

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
}

impl<'a> Journal<'a> {
    pub fn new(client: &'a Client, database: &str) -> Journal<'a> {
        Journal {
            client,
            database: database.to_owned(),
        }
    }

    fn table(&self) -> String {
        format!("{}.{}", ident(&self.database), ident(JOURNAL_TABLE))
    }

    /// Creates the table when missing. `recorded_at` orders an operation's rows; the server's
    /// clock sets it, so runners on machines with skewed clocks still agree.
    pub fn create(&self) -> Result<(), ClientError> {
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS {}\n(\n    \
             plan_id String,\n    \
             op_index UInt32,\n    \
             op_id String,\n    \
             sql_sha256 String,\n    \
             outcome LowCardinality(String),\n    \
             error String,\n    \
             query_id String,\n    \
             started_at DateTime64(3, 'UTC'),\n    \
             finished_at Nullable(DateTime64(3, 'UTC')),\n    \
             recorded_at DateTime64(6, 'UTC') DEFAULT now64(6)\n\
             )\nENGINE = MergeTree\nORDER BY (plan_id, op_index, recorded_at)\n\
             COMMENT 'chplan apply journal: append-only, the latest row per (plan_id, op_index) wins'",
            self.table()
        );
        self.client.exec(&sql, None)
    }

    /// The latest row of every operation; empty when the database or the table does not exist
    /// yet (nothing was ever applied there).
    pub fn read(&self) -> Result<Entries, ClientError> {
        // Ties on recorded_at (same microsecond) go to the finishing row.
        let sql = format!(
            "SELECT plan_id, op_index,\n    \
             argMax(tuple(op_id, sql_sha256, outcome, error, query_id, toString(recorded_at)),\n           \
             tuple(recorded_at, outcome != 'started')) AS last\n\
             FROM {}\nGROUP BY plan_id, op_index\nORDER BY plan_id, op_index",
            self.table()
        );
        let rows = match self.client.read_rows(&sql, &[]) {
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
                .and_then(|v| v.as_u64())
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
    pub fn record(&self, row: &Record<'_>) -> Result<(), ClientError> {
        let now = super::now_millis();
        let finished = (row.outcome != Outcome::Started).then_some(now);
        self.client.insert_json(
            &self.table(),
            &[json!({
                "plan_id": row.plan_id,
                "op_index": row.op_index,
                "op_id": row.op_id,
                "sql_sha256": row.sql_sha256,
                "outcome": row.outcome.as_str(),
                "error": row.error,
                "query_id": row.query_id,
                "started_at": row.started_at_ms as f64 / 1000.0,
                "finished_at": finished.map(|ms| ms as f64 / 1000.0),
            })],
        )
    }
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
