//! `chplan status`: where each plan stands on a server, from the journal alone (read-only).

use std::io::Write;

use crate::migrations::MigrationDir;

use super::journal::{Journal, Outcome};
use super::progress::{OpState, load_plans, plan_states};
use crate::client::{Client, Endpoint};

/// Writes one line per plan, then the drift check's result; `Ok(false)` when a plan changed
/// after it was applied or the database drifted.
pub fn status(
    endpoint: &Endpoint,
    dir: &MigrationDir,
    out: &mut dyn Write,
) -> Result<bool, String> {
    let (database, plans) = load_plans(dir, None)?;
    let client = Client::new(endpoint.clone());
    let entries = Journal::new(&client, &database)
        .read()
        .map_err(|e| format!("cannot read the journal: {e}"))?;
    let _ = writeln!(out, "{database} at {}", client.display_url());
    let mut consistent = true;
    for plan in &plans {
        let n = plan.operations.len();
        let line = match plan_states(plan, &entries) {
            Err(e) => {
                consistent = false;
                format!("changed  {e}")
            }
            Ok(states) => {
                let done = states.iter().filter(|s| **s == OpState::Done).count();
                let stopped = states.iter().enumerate().find_map(|(i, s)| match s {
                    OpState::Unfinished(e) => Some((i, e)),
                    _ => None,
                });
                if done == n {
                    format!("applied  {} ({n} operations)", plan.id)
                } else if let Some((i, e)) = stopped {
                    let how = match e.outcome {
                        Outcome::Failed => format!("failed: {}", e.error),
                        _ => "interrupted (started, never finished)".to_owned(),
                    };
                    format!(
                        "stopped  {} at operation {} of {n} ({}), {how}",
                        plan.id,
                        i + 1,
                        plan.operations[i].id
                    )
                } else if done > 0 {
                    format!("partial  {} ({done} of {n} operations done)", plan.id)
                } else {
                    format!("pending  {} ({n} operations)", plan.id)
                }
            }
        };
        let _ = writeln!(out, "{line}");
    }
    let drift = super::drift::check(&client, dir)?;
    for line in super::drift::describe(&drift, &database) {
        let _ = writeln!(out, "{line}");
    }
    Ok(consistent && !matches!(drift, super::drift::Drift::Found(_)))
}
