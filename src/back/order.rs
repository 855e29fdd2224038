//! Dependency order of the objects in a state (views after what they read, materialized views
//! after their sources and target), ties broken by kind and name.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use chplan_runner::artifacts::state::State;

/// 0 tables, 1 views, 2 materialized views: the tie-break order.
fn kind_rank(state: &State, name: &str) -> u8 {
    if state.tables.contains_key(name) {
        0
    } else if state.views.contains_key(name) {
        1
    } else {
        2
    }
}

/// Every object of the state in dependency order. Objects on a cycle (which `check` rejects)
/// come last, by name, so this never loops or loses anything.
pub fn topological(state: &State) -> Vec<String> {
    let mut deps: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for name in state.tables.keys() {
        deps.insert(name, Vec::new());
    }
    for (name, v) in &state.views {
        deps.insert(name, v.depends_on.iter().map(String::as_str).collect());
    }
    for (name, v) in &state.materialized_views {
        let mut d: Vec<&str> = v.depends_on.iter().map(String::as_str).collect();
        d.push(&v.to);
        deps.insert(name, d);
    }
    let mut indegree: BTreeMap<&str, usize> = BTreeMap::new();
    let mut dependents: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (name, ds) in &deps {
        let known: Vec<&str> = ds
            .iter()
            .copied()
            .filter(|d| deps.contains_key(d) && d != name)
            .collect();
        indegree.insert(name, known.len());
        for d in known {
            dependents.entry(d).or_default().push(name);
        }
    }
    let mut heap: BinaryHeap<Reverse<(u8, &str)>> = indegree
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(name, _)| Reverse((kind_rank(state, name), *name)))
        .collect();
    let mut order = Vec::with_capacity(deps.len());
    while let Some(Reverse((_, name))) = heap.pop() {
        order.push(name.to_string());
        for d in dependents.get(name).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(n) = indegree.get_mut(d) {
                *n -= 1;
                if *n == 0 {
                    heap.push(Reverse((kind_rank(state, d), d)));
                }
            }
        }
    }
    if order.len() < deps.len() {
        let placed: std::collections::BTreeSet<String> = order.iter().cloned().collect();
        for name in deps.keys() {
            if !placed.contains(*name) {
                order.push(name.to_string());
            }
        }
    }
    order
}
