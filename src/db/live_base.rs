//! The state a plan starts from when it is made against a live database (`plan --url`,
//! `dev`) instead of `migrations/state.json`.
//!
//! Only objects chplan manages are taken from the server: those the schemas declare and those
//! the last planned state knows (a table dropped from the schemas is still chplan's to drop).
//! Anything else in the database belongs to someone else and is left out, so a plan never
//! drops what it did not make. Live texts are aligned with the declared ones (same meaning,
//! declared spelling), and tables the last planned state knows keep their logical name and
//! version, so a version bump is recognised as one.

use chplan_clickhouse::sql::deps as sqldeps;
use chplan_runner::artifacts::state::State;
use chplan_runner::client::Client;
use chplan_runner::live::{self, Unexpressed};

#[derive(Debug, Clone)]
pub struct LiveBase {
    /// What the diff starts from.
    pub state: State,
    /// Live objects left out: chplan does not manage them.
    pub ignored: Vec<String>,
    /// Parts of managed objects the state format cannot hold.
    pub unexpressed: Vec<Unexpressed>,
}

pub fn base_state(
    client: &Client,
    desired: &State,
    planned: Option<&State>,
) -> Result<LiveBase, String> {
    let live = live::read(client, &desired.database)?;
    let mut state = live.state;
    let adopted = match planned {
        None => adopt_versions(desired, &mut state),
        Some(_) => Vec::new(),
    };
    let known = |name: &str| {
        has(desired, name)
            || planned.is_some_and(|p| has(p, name))
            || adopted.iter().any(|a| a == name)
    };
    let mut ignored = Vec::new();
    for name in names(&state) {
        if !known(&name) {
            ignored.push(name.clone());
            state.tables.remove(&name);
            state.views.remove(&name);
            state.materialized_views.remove(&name);
        }
    }
    state.cluster.clone_from(&desired.cluster);
    if let Some(p) = planned {
        // Bookkeeping the server does not hold: logical names, versions, lifecycles.
        for (name, t) in &mut state.tables {
            if let Some(pt) = p.tables.get(name) {
                t.logical.clone_from(&pt.logical);
                t.version.clone_from(&pt.version);
                t.lifecycle = pt.lifecycle;
            }
        }
        live::align::align(client, p, &mut state)?;
    }
    live::align::align(client, desired, &mut state)?;
    // Views about to be dropped need what they read, for the drop order.
    fill_depends_on(&mut state);
    let unexpressed = live
        .unexpressed
        .into_iter()
        .filter(|u| known(&u.object))
        .collect();
    Ok(LiveBase {
        state,
        ignored,
        unexpressed,
    })
}

/// With no planned state yet (no `migrations/`), a live table named after a declared table's
/// logical name, bare (`events`) or with a version suffix (`events_0_0`), is that table at
/// that version: a version declared since is then a bump from it, not a table beside it.
fn adopt_versions(desired: &State, live: &mut State) -> Vec<String> {
    let mut adopted = Vec::new();
    let logical: std::collections::BTreeSet<&str> = desired
        .tables
        .values()
        .filter(|t| t.version.is_some())
        .map(|t| t.logical.as_str())
        .collect();
    for (name, t) in &mut live.tables {
        if desired.tables.contains_key(name) {
            continue;
        }
        if logical.contains(name.as_str()) {
            t.logical.clone_from(name);
            t.version = None;
            adopted.push(name.clone());
            continue;
        }
        let version = logical.iter().find_map(|l| {
            let suffix = name.strip_prefix(l)?.strip_prefix('_')?;
            let parts: Vec<&str> = suffix.split('_').collect();
            parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| (l.to_string(), parts.join(".")))
        });
        if let Some((l, v)) = version {
            t.logical = l;
            t.version = Some(v);
            adopted.push(name.clone());
        }
    }
    adopted
}

/// What each view and materialized view without a `depends_on` reads in its own database,
/// from its SELECT (the server does not list it).
pub fn fill_depends_on(state: &mut State) {
    let database = state.database.clone();
    let deps = |select: &str| -> Vec<String> {
        let mut d: Vec<String> = sqldeps::infer(select)
            .tables
            .iter()
            .filter(|t| t.database.as_deref().is_none_or(|db| db == database))
            .map(|t| t.name.clone())
            .collect();
        d.sort();
        d.dedup();
        d
    };
    for v in state.views.values_mut() {
        if v.depends_on.is_empty() {
            v.depends_on = deps(&v.select);
        }
    }
    for v in state.materialized_views.values_mut() {
        if v.depends_on.is_empty() {
            v.depends_on = deps(&v.select);
        }
    }
}

fn has(s: &State, name: &str) -> bool {
    s.tables.contains_key(name)
        || s.views.contains_key(name)
        || s.materialized_views.contains_key(name)
}

fn names(s: &State) -> Vec<String> {
    s.tables
        .keys()
        .chain(s.views.keys())
        .chain(s.materialized_views.keys())
        .cloned()
        .collect()
}
