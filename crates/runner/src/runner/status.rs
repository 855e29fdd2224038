//! `chplan status`: where each plan stands on a server, from the journal alone (read-only),
//! then the drift check; and the verdict CI gates on (docs/runner.md, "`chplan status`").

use serde::Serialize;

use crate::migrations::MigrationDir;

use super::drift::{self, Drift};
use super::journal::{Journal, Outcome};
use super::progress::{OpState, load_plans, plan_states};
use crate::client::{Client, Endpoint};

/// Where a database stands.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub database: String,
    /// The server, credentials masked.
    pub url: String,
    pub plans: Vec<PlanReport>,
    pub drift: DriftReport,
}

/// One plan on the server.
#[derive(Debug, Clone, Serialize)]
pub struct PlanReport {
    pub id: String,
    pub operations: usize,
    /// Operations done (or skipped).
    pub done: usize,
    #[serde(flatten)]
    pub state: PlanState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PlanState {
    Applied,
    Pending,
    /// Some operations done, none stopped: the next apply goes on.
    Partial,
    /// An operation started and did not finish: `failed` holds ClickHouse's error, absent when
    /// the runner was interrupted.
    Stopped {
        /// 1-based.
        at: usize,
        operation: String,
        failed: Option<String>,
    },
    /// An applied operation no longer matches its plan.
    Changed {
        reason: String,
    },
}

/// The drift check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriftReport {
    /// `none` (nothing differs), `at_end` (a pending plan's end state is already there),
    /// `found` (differences), `not_checked` (the migration directory lacks a state).
    pub result: &'static str,
    /// What was compared, why it was not checked, or (for `found`) nothing.
    pub detail: String,
    /// One line per difference, for `found`.
    pub differences: Vec<String>,
}

/// What CI gates on: the exit status of `chplan status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every plan applied, no drift: exit 0.
    UpToDate,
    /// A plan pending, partial, stopped or changed, or drift: exit 1.
    Behind,
    /// Every plan applied, but the drift check could not be made (the migration directory
    /// lacks a state): exit 2.
    Unknown,
}

impl Report {
    /// Behind when anything is known to be behind (a plan, or drift), even if the drift
    /// check could not be made; unknown when only the drift check is missing.
    pub fn verdict(&self) -> Verdict {
        let behind = self.drift.result == "found"
            || self.plans.iter().any(|p| p.state != PlanState::Applied);
        if behind {
            Verdict::Behind
        } else if self.drift.result == "not_checked" {
            Verdict::Unknown
        } else {
            Verdict::UpToDate
        }
    }

    /// The text form: a header, one line per plan, the drift check's lines.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!("{} at {}", self.database, self.url)];
        for p in &self.plans {
            let n = p.operations;
            lines.push(match &p.state {
                PlanState::Applied => format!("applied  {} ({n} operations)", p.id),
                PlanState::Pending => format!("pending  {} ({n} operations)", p.id),
                PlanState::Partial => {
                    format!("partial  {} ({} of {n} operations done)", p.id, p.done)
                }
                PlanState::Stopped {
                    at,
                    operation,
                    failed,
                } => format!(
                    "stopped  {} at operation {at} of {n} ({operation}), {}",
                    p.id,
                    match failed {
                        Some(e) => format!("failed: {e}"),
                        None => "interrupted (started, never finished)".to_owned(),
                    }
                ),
                PlanState::Changed { reason } => format!("changed  {reason}"),
            });
        }
        let drift = match self.drift.result {
            "found" => Drift::Found(self.drift.differences.clone()),
            "at_end" => Drift::AtEnd(self.drift.detail.clone()),
            "not_checked" => Drift::Unchecked(self.drift.detail.clone()),
            _ => Drift::None(self.drift.detail.clone()),
        };
        lines.extend(drift::describe(&drift, &self.database));
        lines
    }
}

impl DriftReport {
    fn of(drift: Drift) -> DriftReport {
        let (result, detail, differences) = match drift {
            Drift::Found(d) => ("found", String::new(), d),
            Drift::None(s) => ("none", s, Vec::new()),
            Drift::AtEnd(s) => ("at_end", s, Vec::new()),
            Drift::Unchecked(s) => ("not_checked", s, Vec::new()),
        };
        DriftReport {
            result,
            detail,
            differences,
        }
    }
}

/// Reads where every plan stands and checks for drift. `Err` when the server or the migration
/// directory cannot be read.
pub fn status(endpoint: &Endpoint, dir: &MigrationDir) -> Result<Report, String> {
    let (database, plans) = load_plans(dir, None)?;
    let client = Client::new(endpoint.clone());
    let entries = Journal::new(&client, &database)
        .read()
        .map_err(|e| format!("cannot read the journal: {e}"))?;
    let mut reports = Vec::new();
    for plan in &plans {
        let n = plan.operations.len();
        let (done, state) = match plan_states(plan, &entries) {
            Err(reason) => (0, PlanState::Changed { reason }),
            Ok(states) => {
                let done = states.iter().filter(|s| **s == OpState::Done).count();
                let stopped = states.iter().enumerate().find_map(|(i, s)| match s {
                    OpState::Unfinished(e) => Some((i, e)),
                    _ => None,
                });
                let state = if done == n {
                    PlanState::Applied
                } else if let Some((i, e)) = stopped {
                    PlanState::Stopped {
                        at: i + 1,
                        operation: plan.operations[i].id.clone(),
                        failed: (e.outcome == Outcome::Failed).then(|| e.error.clone()),
                    }
                } else if done > 0 {
                    PlanState::Partial
                } else {
                    PlanState::Pending
                };
                (done, state)
            }
        };
        reports.push(PlanReport {
            id: plan.id.clone(),
            operations: n,
            done,
            state,
        });
    }
    let drift = DriftReport::of(drift::check(&client, dir)?);
    Ok(Report {
        database,
        url: client.display_url(),
        plans: reports,
        drift,
    })
}
