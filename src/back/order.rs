//! Dependency order of the objects in a state (views after what they read, materialized views
//! after their sources and target), ties broken by kind and name.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::graph::DiGraph;

use crate::front::graph::stable_order;
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
    let mut graph: DiGraph<&str, ()> = DiGraph::new();
    let nodes: BTreeMap<&str, _> = deps.keys().map(|n| (*n, graph.add_node(*n))).collect();
    for (name, ds) in &deps {
        // A dependency outside the state is created elsewhere; one on itself orders nothing.
        for d in ds.iter().filter(|d| *d != name) {
            if let Some(&from) = nodes.get(d) {
                graph.add_edge(from, nodes[name], ());
            }
        }
    }
    let mut order: Vec<String> = stable_order(&graph, |n| (kind_rank(state, graph[n]), graph[n]))
        .into_iter()
        .map(|n| graph[n].to_string())
        .collect();
    if order.len() < deps.len() {
        let placed: BTreeSet<String> = order.iter().cloned().collect();
        for name in deps.keys() {
            if !placed.contains(*name) {
                order.push(name.to_string());
            }
        }
    }
    order
}
