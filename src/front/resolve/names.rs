//! Physical names and their collisions.

use std::collections::BTreeMap;

use super::{Object, ObjectId, ObjectKind, Resolved};
use crate::front::diag::{Code, Diagnostic, Diagnostics};
use crate::front::ir::Schema;
use crate::front::source::Span;

/// Every declaration under its physical name; a second declaration of a name is an error and
/// is left out, so later passes see each name once.
pub fn collect(schema: &Schema, diags: &mut Diagnostics) -> Resolved {
    let mut candidates = candidates(schema);
    // The first declaration in file order keeps the name; file order is path order.
    candidates.sort_by_key(|(o, name_span)| (o.span.file, o.span.start, name_span.start));
    let mut kept: BTreeMap<String, (Object, Span)> = BTreeMap::new();
    for (obj, name_span) in candidates {
        if let Some((first, first_span)) = kept.get(&obj.physical) {
            diags.push(duplicate_name(first, *first_span, &obj, name_span));
            continue;
        }
        kept.insert(obj.physical.clone(), (obj, name_span));
    }
    let objects: Vec<Object> = kept.into_values().map(|(o, _)| o).collect();
    let by_physical = objects
        .iter()
        .enumerate()
        .map(|(i, o)| (o.physical.clone(), ObjectId(i)))
        .collect();
    Resolved {
        objects,
        by_physical,
        edges: Vec::new(),
    }
}

/// Every table, view and materialized view with the span a duplicate is reported at: a
/// table's version (two versions of a table clash by physical name), otherwise the name.
fn candidates(schema: &Schema) -> Vec<(Object, Span)> {
    let mut candidates: Vec<(Object, Span)> = Vec::new();
    for (i, t) in schema.tables.iter().enumerate() {
        candidates.push((
            Object {
                kind: ObjectKind::Table,
                logical: t.name.value.clone(),
                physical: t.physical_name(),
                decl: i,
                span: t.span,
                name_span: t.name.span,
            },
            t.version.as_ref().map(|v| v.span).unwrap_or(t.name.span),
        ));
    }
    for (i, v) in schema.views.iter().enumerate() {
        candidates.push((
            Object {
                kind: ObjectKind::View,
                logical: v.name.value.clone(),
                physical: v.name.value.clone(),
                decl: i,
                span: v.span,
                name_span: v.name.span,
            },
            v.name.span,
        ));
    }
    for (i, v) in schema.materialized_views.iter().enumerate() {
        candidates.push((
            Object {
                kind: ObjectKind::MaterializedView,
                logical: v.name.value.clone(),
                physical: v.name.value.clone(),
                decl: i,
                span: v.span,
                name_span: v.name.span,
            },
            v.name.span,
        ));
    }
    candidates
}

/// Two declarations with one physical name: either the same declaration twice, or two
/// different ones (a table and a view, or two tables whose names and versions collide).
fn duplicate_name(first: &Object, first_span: Span, obj: &Object, name_span: Span) -> Diagnostic {
    let detail = if first.logical != obj.logical || first.kind != obj.kind {
        format!(
            "{} `{}` and {} `{}` both have the physical name `{}`",
            first.kind.as_str(),
            first.logical,
            obj.kind.as_str(),
            obj.logical,
            obj.physical
        )
    } else {
        format!("{} `{}` is declared twice", obj.kind.as_str(), obj.physical)
    };
    Diagnostic::error(Code::DuplicateName, name_span, detail)
        .label("second declaration")
        .with_secondary(first_span, "first declared here")
        .help(
            if obj.kind == ObjectKind::Table && first.kind == ObjectKind::Table {
                "each declaration needs its own physical name: bump the version or rename one"
            } else {
                "tables, views and materialized views share one namespace: rename one"
            },
        )
}
