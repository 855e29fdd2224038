//! The resolve pass: physical names, name collisions, table validation, and what every view
//! and materialized view reads and writes.

mod names;
mod table_checks;
mod views;

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Serialize;

use crate::front::diag::Diagnostics;
use crate::front::ir::{ProjectConfig, Schema};
use crate::front::source::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectKind {
    Table,
    View,
    MaterializedView,
}

impl ObjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Table => "table",
            ObjectKind::View => "view",
            ObjectKind::MaterializedView => "materialized-view",
        }
    }
}

/// Index into `Resolved::objects`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectId(pub usize);

#[derive(Debug, Clone)]
pub struct Object {
    pub kind: ObjectKind,
    pub logical: String,
    pub physical: String,
    /// Index into the schema's `tables`, `views` or `materialized_views` (by `kind`).
    pub decl: usize,
    pub span: Span,
    /// The name (or version) in the declaration, where problems with the object point.
    pub name_span: Span,
}

/// A reference in a view's SQL that resolved to a declared object: the text to rewrite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlRef {
    /// Byte range in the SELECT text.
    pub range: Range<usize>,
    pub target: ObjectId,
}

#[derive(Debug, Clone, Default)]
pub struct Edges {
    /// Objects read (SQL and `depends-on`), sorted, deduplicated.
    pub reads: Vec<ObjectId>,
    /// A materialized view's `to=` target.
    pub writes: Option<ObjectId>,
    /// References that name nothing declared, as written.
    pub unresolved: Vec<String>,
    /// Tables in other databases, as written (`db.table`).
    pub external: Vec<String>,
    pub table_functions: Vec<String>,
    pub sql_refs: Vec<SqlRef>,
}

#[derive(Debug, Clone, Default)]
pub struct Resolved {
    /// Every declared object whose name is unique, ordered by physical name.
    pub objects: Vec<Object>,
    pub by_physical: BTreeMap<String, ObjectId>,
    pub edges: Vec<Edges>,
}

impl Resolved {
    pub fn object(&self, id: ObjectId) -> &Object {
        &self.objects[id.0]
    }

    pub fn edges(&self, id: ObjectId) -> &Edges {
        &self.edges[id.0]
    }

    /// What an object needs to exist first: what it reads and writes.
    pub fn dependencies(&self, id: ObjectId) -> Vec<ObjectId> {
        let e = self.edges(id);
        let mut deps: Vec<ObjectId> = e.reads.iter().copied().chain(e.writes).collect();
        deps.sort();
        deps.dedup();
        deps
    }
}

pub fn resolve(config: &ProjectConfig, schema: &Schema, diags: &mut Diagnostics) -> Resolved {
    let mut resolved = names::collect(schema, diags);
    for table in &schema.tables {
        table_checks::check_table(table, diags);
    }
    resolved.edges = views::resolve_edges(config, schema, &resolved, diags);
    resolved
}
