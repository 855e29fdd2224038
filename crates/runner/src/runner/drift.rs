//! The drift check: does the live database hold what a plan expects to start from?
//!
//! Every plan directory keeps the state the plan ends at; the state it starts from is the
//! previous plan's (or the empty database's). Before a plan's first operation the live
//! database, read into the state format (`live`), must equal that start state in every managed
//! object, compared by meaning (`live::align`). A plan interrupted halfway is checked object by
//! object: an object that only finished operations touched must match the end state, one that
//! only pending operations touch the start state, one both touched is not compared (its shape
//! in between is in no artifact).
//!
//! A database that differs from the start state but already equals the end state (someone
//! applied the plan by other means) is reported, and the plan is skipped.
//!
//! On a cluster every host is read and compared, and each difference names its host.

use std::collections::BTreeSet;

use crate::artifacts::plan::Plan;
use crate::artifacts::state::State;
use crate::live::{self, Extra};
use crate::migrations::MigrationDir;

use super::cluster::Cluster;
use super::journal::{Entries, Journal};
use super::progress::{OpState, load_plans, plan_states};
use crate::client::Client;
use crate::live::introspect::Source;

/// The outcome of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// One line per difference, each naming its object.
    Found(Vec<String>),
    /// Nothing differs; the text says what was compared.
    None(String),
    /// The database differs from the plan's start but already holds its end state.
    AtEnd(String),
    /// The check could not be made (a plan without its state); the text says why.
    Unchecked(String),
}

/// The states a plan starts from and ends at, from the migration directory.
pub fn plan_states_of(
    dir: &MigrationDir,
    plans: &[Plan],
    index: usize,
) -> Result<Result<(State, State), String>, String> {
    let plan = &plans[index];
    let Some((end, end_digest)) = dir.read_plan_state(&plan.id)? else {
        return Ok(Err(format!(
            "{} has no state.json (run `chplan check`)",
            plan.id
        )));
    };
    if end_digest != plan.to_state {
        return Ok(Err(format!(
            "{}/state.json is not the state the plan ends at (run `chplan check`)",
            plan.id
        )));
    }
    // start.json (planned against a live database), else the previous plan's end.
    let Some((start, start_digest)) = dir.read_plan_start_state(&plan.id)? else {
        return Ok(Err(format!(
            "the state {} starts from is not in the migration directory (run `chplan check`)",
            plan.id
        )));
    };
    if start_digest != plan.from_state {
        return Ok(Err(format!(
            "the state {} starts from is not the one it records (run `chplan check`)",
            plan.id
        )));
    }
    Ok(Ok((start, end)))
}

/// How far an operation got, for the drift check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Touch {
    Done,
    Pending,
    /// Started and never recorded as done: its statement may or may not have run (a runner
    /// killed between the two), so its objects may have either shape.
    Unfinished,
}

/// What the database should hold now, given how far each of `plan`'s operations got.
fn expected_now(
    start: &State,
    end: &State,
    plan: &Plan,
    progress: &[Touch],
    live: &State,
) -> State {
    let mut by_done = BTreeSet::new();
    let mut by_pending = BTreeSet::new();
    for (op, t) in plan.operations.iter().zip(progress) {
        // Backfills move rows, not shapes.
        if op.kind.moves_rows_only() {
            continue;
        }
        if *t != Touch::Pending {
            by_done.extend(op.objects.iter().cloned());
        }
        if *t != Touch::Done {
            by_pending.extend(op.objects.iter().cloned());
        }
    }
    let mut out = start.clone();
    for name in by_done.union(&by_pending) {
        remove(&mut out, name);
        let from_end = if by_pending.contains(name) {
            // Not yet touched: as it started. Something the plan creates that already
            // exists must have the shape the plan would give it (`IF NOT EXISTS` would
            // keep it silently).
            !by_done.contains(name) && !exists(start, name) && exists(live, name)
        } else {
            true
        };
        if from_end {
            copy(end, &mut out, name);
        } else if !by_done.contains(name) {
            copy(start, &mut out, name);
        }
    }
    out
}

fn exists(s: &State, name: &str) -> bool {
    s.tables.contains_key(name)
        || s.views.contains_key(name)
        || s.materialized_views.contains_key(name)
}

fn remove(s: &mut State, name: &str) {
    s.tables.remove(name);
    s.views.remove(name);
    s.materialized_views.remove(name);
}

fn copy(from: &State, to: &mut State, name: &str) {
    if let Some(t) = from.tables.get(name) {
        to.tables.insert(name.to_owned(), t.clone());
    }
    if let Some(v) = from.views.get(name) {
        to.views.insert(name.to_owned(), v.clone());
    }
    if let Some(v) = from.materialized_views.get(name) {
        to.materialized_views.insert(name.to_owned(), v.clone());
    }
}

/// Checks the database against plan `index` about to run (or resume), given the journal.
pub fn check_plan(
    client: &Client,
    dir: &MigrationDir,
    plans: &[Plan],
    index: usize,
    entries: &Entries,
) -> Result<Drift, String> {
    let plan = &plans[index];
    let (start, end) = match plan_states_of(dir, plans, index)? {
        Ok(states) => states,
        Err(why) => return Ok(Drift::Unchecked(why)),
    };
    let progress: Vec<Touch> = match plan_states(plan, entries) {
        Ok(states) => states
            .iter()
            .map(|s| match s {
                OpState::Done => Touch::Done,
                OpState::Pending => Touch::Pending,
                OpState::Unfinished(_) => Touch::Unfinished,
            })
            .collect(),
        // The apply refuses such a plan with its own message.
        Err(e) => return Ok(Drift::Unchecked(e)),
    };
    let done: Vec<bool> = progress.iter().map(|t| *t != Touch::Pending).collect();
    let hosts = live_states(client, &plan.database, plan.cluster.as_deref())?;
    let mut found = Vec::new();
    for (host, live) in &hosts {
        let expected = expected_now(&start, &end, plan, &progress, live);
        let diffs = live::diff_live(client, &expected, live, Extra::Ignore)?;
        found.extend(on_host(host.as_deref(), diffs));
    }
    if found.is_empty() {
        let started = done.iter().any(|d| *d);
        return Ok(Drift::None(if started {
            format!(
                "no drift before the rest of {} (objects both done and pending operations touch \
                 are not compared)",
                plan.id
            )
        } else {
            format!(
                "no drift: the database is as {} expects to find it",
                plan.id
            )
        }));
    }
    let at_end = || -> Result<bool, String> {
        for (_, live) in &hosts {
            if !live::diff_live(client, &end, live, Extra::Ignore)?.is_empty() {
                return Ok(false);
            }
        }
        Ok(true)
    };
    if !done.iter().any(|d| *d) && start != end && at_end()? {
        return Ok(Drift::AtEnd(format!(
            "the database already holds the end state of {}",
            plan.id
        )));
    }
    Ok(Drift::Found(found))
}

/// What differs between the database and the state plan `index` ends at (empty: nothing),
/// right after its last operation. Nothing when the plan keeps no end state to compare with.
pub fn differences_from_end(
    client: &Client,
    dir: &MigrationDir,
    plans: &[Plan],
    index: usize,
) -> Result<Vec<String>, String> {
    let Ok((_, end)) = plan_states_of(dir, plans, index)? else {
        return Ok(Vec::new());
    };
    differences_everywhere(client, &end, plans[index].cluster.as_deref())
}

/// What differs from `expected` on every host (the server itself off a cluster).
fn differences_everywhere(
    client: &Client,
    expected: &State,
    cluster: Option<&str>,
) -> Result<Vec<String>, String> {
    let mut found = Vec::new();
    for (host, live) in live_states(client, &expected.database, cluster)? {
        let diffs = live::diff_live(client, expected, &live, Extra::Ignore)?;
        found.extend(on_host(host.as_deref(), diffs));
    }
    Ok(found)
}

/// The database as each host holds it: off a cluster one state, of the server itself; on a
/// cluster one per host of `system.clusters`, each read through `remote()` (18.16 has no
/// `clusterAllReplicas`, and one read per host says which host differs).
fn live_states(
    client: &Client,
    database: &str,
    cluster: Option<&str>,
) -> Result<Vec<(Option<String>, State)>, String> {
    let Some(name) = cluster else {
        return Ok(vec![(None, live::read(client, database)?.state)]);
    };
    let cluster = Cluster::read(client, name)?;
    let mut out = Vec::new();
    for host in &cluster.hosts {
        let source = Source::Replica {
            address: &host.address,
            user: &host.user,
        };
        let state = live::read_on(client, database, source)
            .map_err(|e| format!("on {}: {e}", host.address))?
            .state;
        out.push((Some(host.address.clone()), state));
    }
    Ok(out)
}

/// Differences found on one host, naming it on a cluster.
fn on_host(host: Option<&str>, diffs: Vec<String>) -> impl Iterator<Item = String> + '_ {
    diffs.into_iter().map(move |d| match host {
        Some(h) => format!("on {h}: {d}"),
        None => d,
    })
}

/// Checks the database against the newest plan's end state (every plan applied).
pub fn check_end(client: &Client, dir: &MigrationDir, plans: &[Plan]) -> Result<Drift, String> {
    let Some(last) = plans.len().checked_sub(1) else {
        return Ok(Drift::Unchecked("no plans".to_owned()));
    };
    let end = match plan_states_of(dir, plans, last)? {
        Ok((_, end)) => end,
        Err(why) => return Ok(Drift::Unchecked(why)),
    };
    let found = differences_everywhere(client, &end, plans[last].cluster.as_deref())?;
    Ok(if found.is_empty() {
        Drift::None("up to date, no drift".to_owned())
    } else {
        Drift::Found(found)
    })
}

/// The check `status` reports: before the first plan not wholly applied, else against the
/// newest plan's end state.
pub fn check(client: &Client, dir: &MigrationDir) -> Result<Drift, String> {
    let (database, plans) = load_plans(dir, None)?;
    let entries = Journal::new(client, &database)
        .read()
        .map_err(|e| format!("cannot read the journal: {e}"))?;
    let first_pending = plans.iter().position(|p| {
        plan_states(p, &entries).map_or(true, |s| s.iter().any(|s| *s != OpState::Done))
    });
    match first_pending {
        Some(i) => check_plan(client, dir, &plans, i, &entries),
        None => check_end(client, dir, &plans),
    }
}

/// The lines to print for a check's result.
pub fn describe(drift: &Drift, database: &str) -> Vec<String> {
    match drift {
        Drift::Found(d) => {
            let mut lines = vec![format!(
                "drift: {database} differs from what the plans expect ({} difference(s)):",
                d.len()
            )];
            lines.extend(d.iter().map(|l| format!("  {l}")));
            lines
        }
        Drift::None(s) => vec![format!("drift: {s}")],
        Drift::AtEnd(s) => vec![format!("drift: none: {s}; it will be skipped")],
        Drift::Unchecked(why) => vec![format!("drift: not checked: {why}")],
    }
}

/// The message after drift was found: nothing may be applied; the commands that bring the
/// database at `url` back in line. `resumed`: whether the first pending plan had begun (`None`:
/// nothing pending).
pub fn refusal(url: &str, resumed: Option<bool>) -> String {
    let head = "refusing to apply: nothing was applied. The database changed outside chplan.";
    if resumed == Some(true) {
        // A plan stopped mid-way is only finished by its own operations.
        return format!(
            "{head} A plan stopped mid-way on it: undo the differences above by hand, then \
             resume with `chplan apply --url {url}`."
        );
    }
    let supersedes = if resumed.is_some() {
        "The new plan starts from the database as it is and supersedes the pending plans \
         there (recorded as skipped on this database; where they apply, the new plan is \
         skipped instead).\n"
    } else {
        ""
    };
    format!(
        "{head} To bring it back in line with the schemas (put the changes to keep in them \
         first), plan from the database as it is, review and commit the plan, then apply \
         it:\n  chplan plan --url {url} --name fix_drift\n  chplan apply --url {url}\n\
         {supersedes}Or undo the differences above by hand."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_names_the_commands_for_the_case() {
        let url = "http://host:8123";
        let commands = "  chplan plan --url http://host:8123 --name fix_drift\n  chplan apply \
                        --url http://host:8123\n";
        let done = refusal(url, None);
        assert!(done.contains(commands), "{done}");
        assert!(!done.contains("supersedes"), "{done}");
        let pending = refusal(url, Some(false));
        assert!(pending.contains(commands), "{pending}");
        assert!(
            pending.contains("supersedes the pending plans"),
            "{pending}"
        );
        // A plan stopped mid-way is finished by its own operations, never superseded.
        let resumed = refusal(url, Some(true));
        assert!(!resumed.contains("fix_drift"), "{resumed}");
        assert!(
            resumed.contains("then resume with `chplan apply --url http://host:8123`"),
            "{resumed}"
        );
    }
    use crate::artifacts::plan::{OpKind, Operation};
    use crate::artifacts::state::{EngineState, LifecycleState, TableState, ViewState};
    use chplan_clickhouse::chtype::ColumnType;

    fn table(column: &str) -> TableState {
        TableState {
            logical: "t".into(),
            version: None,
            lifecycle: LifecycleState::FullyManaged,
            columns: vec![crate::artifacts::state::ColumnState {
                name: column.into(),
                data_type: ColumnType::parse("String"),
                default: None,
                codec: None,
                ttl: None,
                comment: None,
            }],
            engine: EngineState {
                name: "MergeTree".into(),
                args: vec![],
            },
            order_by: vec![],
            primary_key: None,
            partition_by: None,
            sample_by: None,
            ttl: None,
            settings: Default::default(),
            indexes: vec![],
            projections: vec![],
            constraints: vec![],
            comment: None,
        }
    }

    #[test]
    fn expected_state_follows_the_journal() {
        let mut start = State::empty("d", None);
        start.tables.insert("a".into(), table("old"));
        start.tables.insert("b".into(), table("x"));
        start.tables.insert("same".into(), table("x"));
        let mut end = start.clone();
        end.tables.insert("a".into(), table("new"));
        end.tables.remove("b");
        end.tables.insert("c".into(), table("x"));
        end.views.insert(
            "v".into(),
            ViewState {
                select: "SELECT 1".into(),
                depends_on: vec![],
                comment: None,
            },
        );
        let op = |kind, objects: &[&str]| Operation {
            id: String::new(),
            kind,
            objects: objects.iter().map(|s| s.to_string()).collect(),
            destructive: false,
            description: String::new(),
            backfill: None,
            sql: String::new(),
        };
        let plan = Plan {
            format_version: 1,
            id: "p".into(),
            database: "d".into(),
            cluster: None,
            from_state: String::new(),
            to_state: String::new(),
            operations: vec![
                op(OpKind::ChangeTableColumn, &["a"]),
                op(OpKind::DropTable, &["b"]),
                op(OpKind::CreateTable, &["c"]),
                op(OpKind::CreateView, &["v"]),
                op(OpKind::Backfill, &["c", "same"]),
            ],
        };
        let mut live = start.clone();
        live.views.insert("v".into(), end.views["v"].clone());
        // `a` and `b` done: end shapes (b gone); `c` pending and absent: not expected;
        // `v` pending but present: must be what the plan would create.
        let got = expected_now(
            &start,
            &end,
            &plan,
            &[
                Touch::Done,
                Touch::Done,
                Touch::Pending,
                Touch::Pending,
                Touch::Pending,
            ],
            &live,
        );
        assert_eq!(got.tables["a"], end.tables["a"]);
        assert!(!got.tables.contains_key("b"));
        assert!(!got.tables.contains_key("c"));
        assert_eq!(got.tables["same"], start.tables["same"]);
        assert_eq!(got.views["v"], end.views["v"]);
        // Nothing done: the start state, plus `v` that already exists.
        let got = expected_now(&start, &end, &plan, &[Touch::Pending; 5], &live);
        assert_eq!(got.tables, start.tables);
        assert!(got.views.contains_key("v"));
        // The drop of `b` started and was never recorded: `b` may be there or gone, so it is
        // not expected either way (a live `b` is an extra the check ignores).
        let got = expected_now(
            &start,
            &end,
            &plan,
            &[
                Touch::Done,
                Touch::Unfinished,
                Touch::Pending,
                Touch::Pending,
                Touch::Pending,
            ],
            &live,
        );
        assert!(!got.tables.contains_key("b"));
        assert_eq!(got.tables["a"], end.tables["a"]);
    }
}
