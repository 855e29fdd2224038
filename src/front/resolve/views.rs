//! What each view and materialized view reads (from its SQL and `depends-on`) and writes.

use std::collections::BTreeMap;

use super::{Edges, ObjectId, ObjectKind, Resolved, SqlRef};
use crate::front::diag::{Code, Diagnostic, Diagnostics};
use crate::front::ir::{ProjectConfig, Schema, Spanned, Text};
use crate::front::source::Span;
use crate::front::suggest;
use chplan_clickhouse::sql::deps as sqldeps;
use chplan_clickhouse::sql::fragment;

enum Lookup {
    Found(ObjectId),
    Ambiguous(Vec<String>),
    NotFound,
}

struct Names<'a> {
    resolved: &'a Resolved,
    /// Logical table name → its declared versions.
    logical: BTreeMap<&'a str, Vec<ObjectId>>,
}

impl<'a> Names<'a> {
    fn new(resolved: &'a Resolved) -> Self {
        let mut logical: BTreeMap<&str, Vec<ObjectId>> = BTreeMap::new();
        for (i, o) in resolved.objects.iter().enumerate() {
            if o.kind == ObjectKind::Table {
                logical
                    .entry(o.logical.as_str())
                    .or_default()
                    .push(ObjectId(i));
            }
        }
        Names { resolved, logical }
    }

    /// A physical name means that exact object; a logical name means its single version.
    fn lookup(&self, name: &str) -> Lookup {
        if let Some(id) = self.resolved.by_physical.get(name) {
            return Lookup::Found(*id);
        }
        match self.logical.get(name).map(|v| v.as_slice()) {
            Some([one]) => Lookup::Found(*one),
            Some(many) if !many.is_empty() => Lookup::Ambiguous(
                many.iter()
                    .map(|id| self.resolved.object(*id).physical.clone())
                    .collect(),
            ),
            _ => Lookup::NotFound,
        }
    }

    fn suggestion(&self, name: &str) -> Option<String> {
        let candidates = self
            .resolved
            .by_physical
            .keys()
            .map(|s| s.as_str())
            .chain(self.logical.keys().copied());
        suggest::did_you_mean(name, candidates)
    }
}

pub fn resolve_edges(
    config: &ProjectConfig,
    schema: &Schema,
    resolved: &Resolved,
    diags: &mut Diagnostics,
) -> Vec<Edges> {
    let names = Names::new(resolved);
    resolved
        .objects
        .iter()
        .map(|obj| match obj.kind {
            ObjectKind::Table => Edges::default(),
            ObjectKind::View => {
                let v = &schema.views[obj.decl];
                reads(
                    config,
                    &names,
                    &obj.physical,
                    &v.select,
                    &v.depends_on,
                    diags,
                )
            }
            ObjectKind::MaterializedView => {
                let v = &schema.materialized_views[obj.decl];
                let mut edges = reads(
                    config,
                    &names,
                    &obj.physical,
                    &v.select,
                    &v.depends_on,
                    diags,
                );
                edges.writes = target(&names, &obj.physical, &v.to, diags);
                if edges.writes.is_none() {
                    edges.unresolved.push(v.to.value.clone());
                    edges.unresolved.sort();
                    edges.unresolved.dedup();
                }
                edges
            }
        })
        .collect()
}

fn reads(
    config: &ProjectConfig,
    names: &Names,
    view: &str,
    select: &Text,
    depends_on: &[Spanned<String>],
    diags: &mut Diagnostics,
) -> Edges {
    let mut edges = Edges::default();
    let deps = sqldeps::infer(&select.value);
    // Declared dependencies answer the warning: the user took over from inference.
    // A SELECT the fragment check of `lower` refused (E113, E114) needs no warning beside it.
    if let Some(problem) = deps
        .problem
        .as_ref()
        .filter(|_| depends_on.is_empty() && fragment::well_formed(&select.value))
    {
        diags.push(
            Diagnostic::warning(
                Code::SqlNotParsed,
                select.span,
                format!("could not infer what `{view}` reads: {problem}"),
            )
            .label("dependencies not inferred from this SQL")
            .help(format!(
                "declare what it reads so plans order it correctly: add `depends-on TABLE ...` inside `{view}`"
            )),
        );
    }
    edges.table_functions = deps.table_functions.clone();
    for r in &deps.tables {
        let span = select.span_of(r.span.start, r.span.end);
        let written = match &r.database {
            Some(db) => format!("{db}.{}", r.name),
            None => r.name.clone(),
        };
        if let Some(db) = &r.database {
            if db.eq_ignore_ascii_case("system") || db.eq_ignore_ascii_case("information_schema") {
                continue;
            }
            if db != &config.database {
                diags.push(
                    Diagnostic::warning(
                        Code::CrossDatabase,
                        span,
                        format!(
                            "`{view}` reads `{written}` in database `{db}`, which this project (database `{}`) does not manage",
                            config.database
                        ),
                    )
                    .label("outside the project")
                    .help("chplan cannot order or check it; make sure it exists wherever this schema is deployed"),
                );
                edges.external.push(written);
                continue;
            }
        }
        match resolve_name(names, &r.name, span, view, "reads", diags) {
            Some(id) => {
                edges.reads.push(id);
                edges.sql_refs.push(SqlRef {
                    range: r.span.clone(),
                    target: id,
                });
            }
            None => edges.unresolved.push(written),
        }
    }
    for d in depends_on {
        match resolve_name(names, &d.value, d.span, view, "depends on", diags) {
            Some(id) => edges.reads.push(id),
            None => edges.unresolved.push(d.value.clone()),
        }
    }
    edges.reads.sort();
    edges.reads.dedup();
    edges.unresolved.sort();
    edges.unresolved.dedup();
    edges.external.sort();
    edges.external.dedup();
    edges
}

fn resolve_name(
    names: &Names,
    name: &str,
    span: Span,
    view: &str,
    verb: &str,
    diags: &mut Diagnostics,
) -> Option<ObjectId> {
    match names.lookup(name) {
        Lookup::Found(id) => Some(id),
        Lookup::Ambiguous(physical) => {
            diags.push(ambiguous(name, &physical, span, view));
            None
        }
        Lookup::NotFound => {
            let help = names.suggestion(name).unwrap_or_else(|| {
                format!(
                    "declare it (a `table {name}` node; `lifecycle externally-managed` if another tool creates it), or fix the name"
                )
            });
            diags.push(
                Diagnostic::error(
                    Code::UnknownTable,
                    span,
                    format!("`{view}` {verb} `{name}`, which is not declared"),
                )
                .label("not declared")
                .help(help),
            );
            None
        }
    }
}

fn ambiguous(name: &str, physical: &[String], span: Span, view: &str) -> Diagnostic {
    let list = physical
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Diagnostic::error(
        Code::AmbiguousReference,
        span,
        format!("`{view}` names `{name}`, but several versions of `{name}` are declared: {list}"),
    )
    .label("which version?")
    .help(format!(
        "name the version you mean by its physical name: {}",
        physical.join(" or ")
    ))
}

fn target(
    names: &Names,
    view: &str,
    to: &Spanned<String>,
    diags: &mut Diagnostics,
) -> Option<ObjectId> {
    let name = to
        .value
        .rsplit_once('.')
        .map(|(_, n)| n)
        .unwrap_or(&to.value);
    match names.lookup(name) {
        Lookup::Found(id) => {
            let obj = names.resolved.object(id);
            if obj.kind != ObjectKind::Table {
                diags.push(
                    Diagnostic::error(
                        Code::InvalidTarget,
                        to.span,
                        format!(
                            "materialized view `{view}` writes into {} `{}`, which is not a table",
                            obj.kind.as_str(),
                            obj.physical
                        ),
                    )
                    .label("not a table")
                    .help("a materialized view's to= must name a table"),
                );
                return None;
            }
            Some(id)
        }
        Lookup::Ambiguous(physical) => {
            let d = ambiguous(name, &physical, to.span, view).help(format!(
                "an unversioned target is a common mistake: set to= to the version the view must fill, e.g. to={}",
                physical.last().map(String::as_str).unwrap_or(name)
            ));
            diags.push(d);
            None
        }
        Lookup::NotFound => {
            let help = names
                .suggestion(name)
                .unwrap_or_else(|| format!("declare the target: table {name} {{ column ... }}"));
            diags.push(
                Diagnostic::error(
                    Code::UnknownTarget,
                    to.span,
                    format!(
                        "materialized view `{view}` writes into `{name}`, which is not declared"
                    ),
                )
                .label("no such table")
                .help(help),
            );
            None
        }
    }
}
