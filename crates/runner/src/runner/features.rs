//! Server-version awareness: before the first statement, the pending operations' SQL is
//! scanned for features (`chplan_clickhouse::features`) and compared with the server's
//! `version()`. A plan that needs more than the server has is refused whole, naming each
//! feature, the operation that needs it and the first version that has it, instead of
//! failing halfway with a syntax error.

use chplan_clickhouse::features::{self, Version};

use crate::artifacts::plan::{Operation, Plan};

/// One operation's need the server cannot meet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmet {
    pub plan: String,
    pub operation: String,
    pub feature: &'static str,
    pub since: Version,
    pub hint: &'static str,
}

/// What the pending operations need that a server of `version` lacks, in plan order.
pub fn unmet<'p>(
    version: Version,
    pending: impl IntoIterator<Item = (&'p Plan, &'p Operation)>,
) -> Vec<Unmet> {
    let mut out = Vec::new();
    for (plan, op) in pending {
        for f in features::missing(&op.sql, version) {
            out.push(Unmet {
                plan: plan.id.clone(),
                operation: op.id.clone(),
                feature: f.name,
                since: f.since,
                hint: f.hint,
            });
        }
    }
    out
}

/// The refusal: one line per unmet need.
pub fn refusal(version: Version, url: &str, unmet: &[Unmet]) -> String {
    let lines: String = unmet
        .iter()
        .map(|u| {
            let hint = if u.hint.is_empty() {
                String::new()
            } else {
                format!(" ({})", u.hint)
            };
            format!(
                "  {} {}: {} needs ClickHouse {} or later{hint}\n",
                u.plan, u.operation, u.feature, u.since
            )
        })
        .collect();
    format!(
        "refusing to apply: the server at {url} is ClickHouse {version}, older than the pending \
         operations need; nothing was applied:\n{lines}upgrade the server, or change the \
         schemas so the plans use what it has"
    )
}
