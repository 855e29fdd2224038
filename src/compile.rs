//! The compiler front, spelled out in one place: load → parse → lower → resolve → graph.

use std::path::Path;

use crate::diag::Diagnostics;
use crate::graph::{self, Graph};
use crate::ir::Schema;
use crate::lower::{self, ParsedFile};
use crate::project::{self, Project};
use crate::resolve::{self, Resolved};

pub struct Compilation {
    pub project: Project,
    pub schema: Schema,
    pub resolved: Resolved,
    pub graph: Graph,
    pub diags: Diagnostics,
}

pub fn compile(root: &Path) -> Compilation {
    let mut diags = Diagnostics::default();
    let project = project::load(root, &mut diags);
    let files: Vec<ParsedFile> = project
        .schema_docs
        .iter()
        .map(|(file, doc)| ParsedFile {
            file: *file,
            source: &project.sources.get(*file).text,
            doc,
        })
        .collect();
    let schema = lower::lower(&files, &mut diags);
    let (resolved, graph) = match &project.config {
        Some(config) => {
            let resolved = resolve::resolve(config, &schema, &mut diags);
            let graph = graph::build(&resolved, &mut diags);
            (resolved, graph)
        }
        None => {
            let resolved = Resolved::default();
            let graph = graph::build(&resolved, &mut diags);
            (resolved, graph)
        }
    };
    Compilation {
        project,
        schema,
        resolved,
        graph,
        diags,
    }
}
