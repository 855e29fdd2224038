//! The lower pass: KDL syntax trees into the declared schema (IR), reporting every node,
//! property or value that does not fit the schema language.

mod config;
mod fragments;
mod node;
mod table;
pub mod text;
mod view;

pub use config::lower_config;

use kdl::{KdlDocument, KdlNode};

use crate::front::diag::{Code, Diagnostic, Diagnostics};
use crate::front::ir::{Schema, Spanned, Version};
use crate::front::source::FileId;
use chplan_runner::artifacts::RUNNER_PREFIX;
use node::{Cx, unknown_node};

const TOP_LEVEL: &[&str] = &["table", "view", "materialized-view"];

/// One parsed schema file.
pub struct ParsedFile<'a> {
    pub file: FileId,
    pub source: &'a str,
    pub doc: &'a KdlDocument,
}

/// Lowers one file into `schema`; its syntax tree can be dropped right after, so a large
/// project never holds every tree at once.
pub fn lower_file(schema: &mut Schema, f: &ParsedFile, diags: &mut Diagnostics) {
    {
        let mut cx = Cx {
            file: f.file,
            source: f.source,
            diags,
        };
        for node in f.doc.nodes() {
            match node.name().value() {
                "table" => {
                    if let Some(t) = table::lower_table(&mut cx, node) {
                        schema.tables.push(t);
                    }
                }
                "view" => {
                    if let Some(v) = view::lower_view(&mut cx, node) {
                        schema.views.push(v);
                    }
                }
                "materialized-view" => {
                    if let Some(v) = view::lower_materialized_view(&mut cx, node) {
                        schema.materialized_views.push(v);
                    }
                }
                _ => unknown_node(&mut cx, node, "a schema file", TOP_LEVEL),
            }
        }
    }
}

/// Object and column names: anything ClickHouse accepts quoted, but no dots (they would read
/// as `database.table`) and no control characters; objects not in the runner's namespace (a
/// declared `_chplan_*` would be created over the runner's table and never drift-checked).
fn check_name(cx: &mut Cx, name: &Spanned<String>, what: &str) {
    let bad = name_problem(&name.value, what == "column");
    if let Some(why) = bad {
        let d = Diagnostic::error(
            Code::InvalidName,
            name.span,
            format!("{what} name `{}` {why}", name.value.escape_debug()),
        )
        .help("use letters, digits and underscores, e.g. `page_views`");
        cx.error(d);
    } else if what != "column" && name.value.starts_with(RUNNER_PREFIX) {
        let d = Diagnostic::error(
            Code::ReservedName,
            name.span,
            format!(
                "{what} name `{}` starts with `{RUNNER_PREFIX}`, which the runner keeps for its own tables (`_chplan_journal`, `_chplan_lock`, the stages of exact moves)",
                name.value.escape_debug()
            ),
        )
        .label("reserved")
        .help(format!(
            "rename it, e.g. `{}`",
            name.value.trim_start_matches('_')
        ));
        cx.error(d);
    }
}

/// Why a table, view or (`column`) column name is refused, if it is.
pub fn name_problem(name: &str, column: bool) -> Option<&'static str> {
    if name.is_empty() {
        Some("is empty")
    } else if name.contains('.') && !column {
        Some("contains a dot")
    } else if name.chars().any(|c| c.is_control()) {
        Some("contains a control character")
    } else {
        None
    }
}

fn version(cx: &mut Cx, node: &KdlNode) -> Option<Spanned<Version>> {
    let entry = cx.prop(node, "version")?;
    let span = cx.value_span(entry);
    let help = "write versions as dot-separated numbers in quotes, e.g. version=\"0.1\" or version=\"1.10\"";
    let Some(text) = entry.value().as_string() else {
        let raw = cx.source.get(span.start..span.end).unwrap_or("");
        let d = Diagnostic::error(
            Code::InvalidVersion,
            span,
            format!("version must be a quoted string, found `{raw}`"),
        )
        .label("not a string")
        .help(format!(
            "a bare number loses digits (1.10 reads as 1.1); write version=\"{raw}\""
        ));
        cx.error(d);
        return None;
    };
    match Version::parse(text) {
        Some(v) => Some(Spanned::new(v, span)),
        None => {
            let d = Diagnostic::error(
                Code::InvalidVersion,
                span,
                format!("malformed version `{text}`"),
            )
            .label("not dot-separated numbers")
            .help(help);
            cx.error(d);
            None
        }
    }
}
