//! Lowering `chplan.kdl`, the project settings.

use kdl::KdlDocument;

use super::node::{Cx, unknown_node};
use super::table::single_string;
use crate::front::diag::{Code, Diagnostic, Diagnostics};
use crate::front::ir::ProjectConfig;
use crate::front::ir::Spanned;
use crate::front::source::{FileId, Span};
use chplan_clickhouse::databases;

const SETTINGS: &[&str] = &["database", "schemas", "migrations", "cluster"];

pub fn lower_config(
    file: FileId,
    source: &str,
    doc: &KdlDocument,
    diags: &mut Diagnostics,
) -> Option<ProjectConfig> {
    let mut cx = Cx {
        file,
        source,
        diags,
    };
    let mut database = None;
    let mut schemas = None;
    let mut migrations = None;
    let mut cluster = None;
    let mut seen: Vec<(&str, Span)> = Vec::new();
    for node in doc.nodes() {
        let name = node.name().value();
        if !SETTINGS.contains(&name) {
            unknown_node(&mut cx, node, "chplan.kdl", SETTINGS);
            continue;
        }
        if let Some((_, first)) = seen.iter().find(|(n, _)| *n == name) {
            cx.duplicate(node, *first);
            continue;
        }
        seen.push((name, cx.name_span(node)));
        let usage = match name {
            "database" => "database shop",
            "schemas" => "schemas \"schemas\"",
            "migrations" => "migrations \"migrations\"",
            _ => "cluster my_cluster",
        };
        let value = single_string(&mut cx, node, usage);
        match name {
            "database" => database = value,
            "schemas" => schemas = value,
            "migrations" => migrations = value,
            _ => cluster = value,
        }
    }
    let Some(database) = database else {
        let d = Diagnostic::error(
            Code::ProjectConfig,
            Span::new(file, 0, 0),
            "chplan.kdl does not name the database",
        )
        .help("add a line: database NAME (the ClickHouse database this project manages)");
        cx.error(d);
        return None;
    };
    check_database(&mut cx, &database);
    Some(ProjectConfig {
        database: database.value,
        schemas_span: schemas.as_ref().map(|s| s.span),
        schemas_dir: schemas.map(|s| s.value).unwrap_or_else(|| "schemas".into()),
        migrations_dir: migrations
            .map(|s| s.value)
            .unwrap_or_else(|| "migrations".into()),
        cluster: cluster.map(|s| s.value),
    })
}

/// The database must be one the project can own: named, and not one of the server's own.
fn check_database(cx: &mut Cx, database: &Spanned<String>) {
    let name = &database.value;
    let d = if name.is_empty() {
        Diagnostic::error(
            Code::InvalidName,
            database.span,
            "the database name is empty",
        )
        .label("empty")
        .help("name the ClickHouse database this project manages, e.g. database shop")
    } else if databases::is_system_database(name) {
        Diagnostic::error(
            Code::ReservedName,
            database.span,
            format!(
                "`{name}` is a database the ClickHouse server keeps for itself; apply would create the tables and the runner's journal among the server's own"
            ),
        )
        .label("the server's database")
        .help("name a database of the project's own, e.g. database shop")
    } else {
        return;
    };
    cx.error(d);
}
