//! The compiler front, spelled out in one place: load → parse → lower → resolve → graph.

use std::path::Path;

use crate::front::diag::Diagnostics;
use crate::front::graph::{self, Graph};
use crate::front::ir::Schema;
use crate::front::lower::{self, ParsedFile};
use crate::front::parse::parse;
use crate::front::project::{self, Project};
use crate::front::resolve::{self, Resolved};

pub struct Compilation {
    pub project: Project,
    pub schema: Schema,
    pub resolved: Resolved,
    pub graph: Graph,
    pub diags: Diagnostics,
}

pub fn compile(root: &Path) -> Compilation {
    let mut timer = Timer::new();
    let mut diags = Diagnostics::default();
    let project = project::load(root, &mut diags);
    timer.lap("load");
    let mut schema = crate::front::ir::Schema::default();
    for &file in &project.schema_files {
        let source = &project.sources.get(file).text;
        if let Some(doc) = parse(file, source, &mut diags) {
            let parsed = ParsedFile {
                file,
                source,
                doc: &doc,
            };
            lower::lower_file(&mut schema, &parsed, &mut diags);
        }
    }
    timer.lap("parse+lower");
    let (resolved, graph) = match &project.config {
        Some(config) => {
            let resolved = resolve::resolve(config, &schema, &mut diags);
            timer.lap("resolve");
            let graph = graph::build(&resolved, &mut diags);
            timer.lap("graph");
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

/// Pass timings on stderr when `CHPLAN_TIMINGS` is set: where a slow check spends its time.
struct Timer {
    enabled: bool,
    last: std::time::Instant,
}

impl Timer {
    fn new() -> Self {
        Timer {
            enabled: std::env::var_os("CHPLAN_TIMINGS").is_some(),
            last: std::time::Instant::now(),
        }
    }

    fn lap(&mut self, pass: &str) {
        if self.enabled {
            let now = std::time::Instant::now();
            eprintln!(
                "{pass:>12}: {:>8.1} ms",
                (now - self.last).as_secs_f64() * 1000.0
            );
            self.last = now;
        }
    }
}
