//! The dependency graph: objects and what they read and write, a deterministic topological
//! order, and cycles.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;

use crate::front::diag::{Code, Diagnostic, Diagnostics};
use crate::front::resolve::{ObjectId, ObjectKind, Resolved};

pub struct Graph {
    /// Edge from a dependency to its dependent: the dependency must exist first.
    pub graph: DiGraph<ObjectId, ()>,
    /// Objects in dependency order (ties broken by kind, then physical name); objects on a
    /// cycle are absent.
    pub order: Vec<ObjectId>,
}

pub fn build(resolved: &Resolved, diags: &mut Diagnostics) -> Graph {
    let mut graph = DiGraph::new();
    let nodes: Vec<NodeIndex> = (0..resolved.objects.len())
        .map(|i| graph.add_node(ObjectId(i)))
        .collect();
    for i in 0..resolved.objects.len() {
        for dep in resolved.dependencies(ObjectId(i)) {
            graph.add_edge(nodes[dep.0], nodes[i], ());
        }
    }
    report_cycles(&graph, resolved, diags);
    let order = kahn(&graph, resolved);
    Graph { graph, order }
}

/// Kahn's algorithm with a heap keyed by (kind, physical name), so the order depends only on
/// the graph, never on file or declaration order.
fn kahn(graph: &DiGraph<ObjectId, ()>, resolved: &Resolved) -> Vec<ObjectId> {
    let key = |n: NodeIndex| {
        let o = resolved.object(graph[n]);
        (o.kind, o.physical.as_str())
    };
    stable_order(graph, key)
        .into_iter()
        .map(|n| graph[n])
        .collect()
}

/// The one topological sort of the project: Kahn's algorithm over edges from a dependency to
/// its dependent, taking the ready node with the smallest `key` first (ties by node index),
/// so the order is a function of the graph and the keys alone. Nodes on a cycle are absent.
pub fn stable_order<N, K: Ord>(
    graph: &DiGraph<N, ()>,
    key: impl Fn(NodeIndex) -> K,
) -> Vec<NodeIndex> {
    let entry = |n: NodeIndex| Reverse((key(n), n.index()));
    let mut indegree: Vec<usize> = graph
        .node_indices()
        .map(|n| graph.neighbors_directed(n, petgraph::Incoming).count())
        .collect();
    let mut heap: BinaryHeap<_> = graph
        .node_indices()
        .filter(|n| indegree[n.index()] == 0)
        .map(entry)
        .collect();
    let mut order = Vec::with_capacity(graph.node_count());
    while let Some(Reverse((_, i))) = heap.pop() {
        let n = NodeIndex::new(i);
        order.push(n);
        for m in graph.neighbors_directed(n, petgraph::Outgoing) {
            // A duplicate edge appears once per occurrence in neighbors; indegree counted the same.
            indegree[m.index()] -= 1;
            if indegree[m.index()] == 0 {
                heap.push(entry(m));
            }
        }
    }
    order
}

fn report_cycles(graph: &DiGraph<ObjectId, ()>, resolved: &Resolved, diags: &mut Diagnostics) {
    let mut cycles: Vec<Vec<ObjectId>> = Vec::new();
    for scc in tarjan_scc(graph) {
        let self_loop = scc.len() == 1 && graph.contains_edge(scc[0], scc[0]);
        if scc.len() > 1 || self_loop {
            cycles.push(cycle_path(graph, resolved, &scc));
        }
    }
    cycles.sort_by(|a, b| {
        resolved
            .object(a[0])
            .physical
            .cmp(&resolved.object(b[0]).physical)
    });
    for cycle in cycles {
        let names: Vec<&str> = cycle
            .iter()
            .chain(cycle.first())
            .map(|id| resolved.object(*id).physical.as_str())
            .collect();
        let path = names.join(" -> ");
        let first = resolved.object(cycle[0]);
        let mut d = Diagnostic::error(
            Code::DependencyCycle,
            first.name_span,
            format!("dependency cycle: {path}"),
        )
        .label(format!("`{}` is on a cycle", first.physical))
        .help("views cannot read, directly or through others, what they define; remove one of these dependencies");
        for id in &cycle[1..] {
            let o = resolved.object(*id);
            d = d.with_secondary(o.name_span, format!("`{}` is on the cycle", o.physical));
        }
        diags.push(d);
    }
}

/// A simple cycle through the strongly connected component, starting at its smallest name
/// and following dependencies ("a -> b": a depends on b).
fn cycle_path(
    graph: &DiGraph<ObjectId, ()>,
    resolved: &Resolved,
    scc: &[NodeIndex],
) -> Vec<ObjectId> {
    let name = |n: NodeIndex| resolved.object(graph[n]).physical.as_str();
    let start = *scc.iter().min_by_key(|n| name(**n)).unwrap_or(&scc[0]);
    let mut path = vec![start];
    let mut visited = vec![start];
    find_back(graph, scc, start, start, &mut path, &mut visited, &name);
    path.into_iter().map(|n| graph[n]).collect()
}

fn find_back<'a>(
    graph: &DiGraph<ObjectId, ()>,
    scc: &[NodeIndex],
    start: NodeIndex,
    at: NodeIndex,
    path: &mut Vec<NodeIndex>,
    visited: &mut Vec<NodeIndex>,
    name: &impl Fn(NodeIndex) -> &'a str,
) -> bool {
    let mut deps: Vec<NodeIndex> = graph
        .neighbors_directed(at, petgraph::Incoming)
        .filter(|n| scc.contains(n))
        .collect();
    deps.sort_by_key(|n| name(*n));
    deps.dedup();
    for n in deps {
        if n == start {
            return true;
        }
        if visited.contains(&n) {
            continue;
        }
        visited.push(n);
        path.push(n);
        if find_back(graph, scc, start, n, path, visited, name) {
            return true;
        }
        path.pop();
    }
    false
}

/// The JSON form of `chplan graph`.
#[derive(Serialize)]
pub struct JsonObject<'a> {
    pub name: &'a str,
    pub kind: ObjectKind,
    pub physical: &'a str,
    pub depends_on: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub writes: Option<&'a str>,
    pub unresolved: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub external: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub table_functions: &'a [String],
}
