//! `chplan graph`: the dependency graph as DOT, Mermaid or JSON.

use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use super::{Outcome, emit};
use crate::front::compile::{Compilation, compile};
use crate::front::graph::JsonObject;
use crate::front::resolve::{ObjectId, ObjectKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    format: GraphFormat,
}

pub fn run(project: &Path, args: &Args) -> Result<Outcome, String> {
    let c = compile(project);
    if !c.diags.is_empty() {
        let text = super::colour::for_stderr(&c.diags.sorted(), &c.project.sources);
        eprint!("{text}");
    }
    emit(&format(&c, args.format))?;
    Ok(if c.diags.has_errors() {
        Outcome::Problems
    } else {
        Outcome::Clean
    })
}

pub fn format(c: &Compilation, format: GraphFormat) -> String {
    match format {
        GraphFormat::Dot => dot(c),
        GraphFormat::Mermaid => mermaid(c),
        GraphFormat::Json => json(c),
    }
}

/// Topological order first, then anything left out of it (objects on a cycle), by name.
fn ordered(c: &Compilation) -> Vec<ObjectId> {
    let mut ids = c.graph.order.clone();
    let mut rest: Vec<ObjectId> = (0..c.resolved.objects.len())
        .map(ObjectId)
        .filter(|id| !ids.contains(id))
        .collect();
    rest.sort_by(|a, b| {
        c.resolved
            .object(*a)
            .physical
            .cmp(&c.resolved.object(*b).physical)
    });
    ids.extend(rest);
    ids
}

/// Edges in "reads"/"writes" direction: from an object to what it depends on.
fn edges(c: &Compilation, id: ObjectId) -> Vec<(ObjectId, &'static str)> {
    let e = c.resolved.edges(id);
    let mut out: Vec<(ObjectId, &'static str)> = e.reads.iter().map(|r| (*r, "reads")).collect();
    if let Some(w) = e.writes {
        out.push((w, "writes"));
    }
    out
}

fn dot_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn dot(c: &Compilation) -> String {
    let mut out = String::from("digraph chplan {\n    rankdir=LR;\n");
    let ids = ordered(c);
    for id in &ids {
        let o = c.resolved.object(*id);
        let shape = match o.kind {
            ObjectKind::Table => "cylinder",
            ObjectKind::View => "box",
            ObjectKind::MaterializedView => "hexagon",
        };
        let _ = writeln!(
            out,
            "    {} [shape={shape}, label={}];",
            dot_quote(&o.physical),
            dot_quote(&format!("{}\n{}", o.physical, o.kind.as_str()))
        );
    }
    for id in &ids {
        for (to, label) in edges(c, *id) {
            let style = if label == "writes" {
                ", style=bold"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "    {} -> {} [label={label}{style}];",
                dot_quote(&c.resolved.object(*id).physical),
                dot_quote(&c.resolved.object(to).physical)
            );
        }
    }
    out.push_str("}\n");
    out
}

fn mermaid(c: &Compilation) -> String {
    let mut out = String::from("flowchart LR\n");
    let ids = ordered(c);
    // Mermaid ids must be plain words; labels carry the real names.
    let node = |id: ObjectId| format!("n{}", id.0);
    for id in &ids {
        let o = c.resolved.object(*id);
        let label = o.physical.replace('"', "#quot;");
        let shape = match o.kind {
            ObjectKind::Table => format!("[(\"{label}\")]"),
            ObjectKind::View => format!("[\"{label}\"]"),
            ObjectKind::MaterializedView => format!("{{{{\"{label}\"}}}}"),
        };
        let _ = writeln!(out, "    {}{shape}", node(*id));
    }
    for id in &ids {
        for (to, label) in edges(c, *id) {
            let arrow = if label == "writes" { "==>" } else { "-->" };
            let _ = writeln!(out, "    {} {arrow}|{label}| {}", node(*id), node(to));
        }
    }
    out
}

#[derive(Serialize)]
struct JsonGraph<'a> {
    database: Option<&'a str>,
    objects: Vec<JsonObject<'a>>,
}

fn json(c: &Compilation) -> String {
    let objects = ordered(c)
        .into_iter()
        .map(|id| {
            let o = c.resolved.object(id);
            let e = c.resolved.edges(id);
            JsonObject {
                name: &o.logical,
                kind: o.kind,
                physical: &o.physical,
                depends_on: c
                    .resolved
                    .dependencies(id)
                    .into_iter()
                    .map(|d| c.resolved.object(d).physical.as_str())
                    .collect(),
                writes: e.writes.map(|w| c.resolved.object(w).physical.as_str()),
                unresolved: &e.unresolved,
                external: &e.external,
                table_functions: &e.table_functions,
            }
        })
        .collect();
    let g = JsonGraph {
        database: c.project.config.as_ref().map(|cfg| cfg.database.as_str()),
        objects,
    };
    let mut s = serde_json::to_string_pretty(&g).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}
