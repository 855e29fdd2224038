//! Where each plan stands, from the plans on disk and the journal's latest rows.

use crate::artifacts::digest;
use crate::artifacts::plan::Plan;
use crate::migrations::MigrationDir;

use super::journal::{Entries, Entry};

/// The plans to consider, in order, up to and including `to`, and their database.
pub fn load_plans(dir: &MigrationDir, to: Option<&str>) -> Result<(String, Vec<Plan>), String> {
    let ids = dir.plan_ids()?;
    if ids.is_empty() {
        return Err(format!("no plans in {}", dir.root.display()));
    }
    let ids = match to {
        Some(to) => {
            let Some(end) = ids.iter().position(|id| id == to) else {
                return Err(format!(
                    "--to {to}: no such plan in {} (plans: {})",
                    dir.root.display(),
                    ids.join(", ")
                ));
            };
            ids[..=end].to_vec()
        }
        None => ids,
    };
    let mut plans = Vec::new();
    for id in &ids {
        let plan = dir.read_plan(id)?;
        if plan.id != *id {
            return Err(format!(
                "{id}/plan.yaml says its id is `{}`: the directory name and the id must agree",
                plan.id
            ));
        }
        plans.push(plan);
    }
    let database = plans[0].database.clone();
    if let Some(p) = plans.iter().find(|p| p.database != database) {
        return Err(format!(
            "plan {} is for database `{}` but {} is for `{database}`: one project, one database",
            p.id, p.database, plans[0].id
        ));
    }
    Ok((database, plans))
}

/// An operation's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpState {
    Done,
    /// Never started.
    Pending,
    /// Started and not recorded as done: it failed, or the runner was interrupted.
    Unfinished(Entry),
}

/// The SQL checksum stored in the journal.
pub fn sql_checksum(sql: &str) -> String {
    digest(sql.as_bytes())
}

/// The state of each operation of `plan`; an error when an operation recorded as done no
/// longer matches the plan (its SQL changed, or the operations were reordered).
pub fn plan_states(plan: &Plan, entries: &Entries) -> Result<Vec<OpState>, String> {
    let journal = entries.get(&plan.id);
    let mut states = Vec::with_capacity(plan.operations.len());
    for (i, op) in plan.operations.iter().enumerate() {
        let entry = u32::try_from(i)
            .ok()
            .and_then(|i| journal.and_then(|j| j.get(&i)));
        let state = match entry {
            None => OpState::Pending,
            Some(e) if e.outcome.is_done() => {
                if e.op_id != op.id {
                    return Err(format!(
                        "operation {} of plan {} is `{}` in the journal but `{}` in the plan: \
                         the operations changed after they were applied; restore the plan, or \
                         make the change in a new plan",
                        i + 1,
                        plan.id,
                        e.op_id,
                        op.id
                    ));
                }
                if e.sql_sha256 != sql_checksum(&op.sql) {
                    return Err(format!(
                        "operation {} of plan {} changed after it was applied (its SQL checksum \
                         was {}, is now {}); restore the plan's SQL, or make the change in a new \
                         plan",
                        op.id,
                        plan.id,
                        e.sql_sha256,
                        sql_checksum(&op.sql)
                    ));
                }
                OpState::Done
            }
            Some(e) => OpState::Unfinished(e.clone()),
        };
        states.push(state);
    }
    if let Some(extra) = journal.and_then(|j| {
        j.iter()
            .find(|(i, e)| **i as usize >= plan.operations.len() && e.outcome.is_done())
    }) {
        return Err(format!(
            "plan {} has {} operations but the journal records operation {} (`{}`) as done: \
             operations were removed after they were applied",
            plan.id,
            plan.operations.len(),
            extra.0 + 1,
            extra.1.op_id
        ));
    }
    Ok(states)
}
