//! Lowering `table` nodes.

use std::collections::BTreeMap;

use kdl::{KdlNode, KdlValue};

use super::fragments;
use super::node::{Cx, display_value, unknown_node};
use super::{check_name, version};
use crate::front::diag::{Code, Diagnostic};
use crate::front::ir::{
    Column, ColumnDefault, Constraint, ConstraintKind, DefaultKind, Engine, Index, Lifecycle,
    Projection, Replaces, SettingValue, Spanned, Table, Text, Version,
};
use chplan_clickhouse::chtype;

const TABLE_CHILDREN: &[&str] = &[
    "column",
    "engine",
    "order-by",
    "primary-key",
    "partition-by",
    "sample-by",
    "ttl",
    "settings",
    "index",
    "projection",
    "constraint",
    "comment",
    "lifecycle",
    "replaces",
];

const COLUMN_PROPS: &[&str] = &[
    "default",
    "materialized",
    "alias",
    "ephemeral",
    "codec",
    "ttl",
    "comment",
    "renamed-from",
    "backfill",
];

pub fn lower_table(cx: &mut Cx, node: &KdlNode) -> Option<Table> {
    cx.check_props(node, &["version"]);
    cx.check_arg_count(node, 1, "table NAME version=\"X.Y\" { ... }");
    let name = cx.required_string(node, 0, "name", "table NAME { column id String ... }")?;
    check_name(cx, &name, "table");
    let version = version(cx, node);
    let mut table = Table {
        name,
        version,
        columns: Vec::new(),
        engine: None,
        order_by: None,
        primary_key: None,
        partition_by: None,
        sample_by: None,
        ttl: None,
        settings: BTreeMap::new(),
        indexes: Vec::new(),
        projections: Vec::new(),
        constraints: Vec::new(),
        comment: None,
        lifecycle: Spanned::new(Lifecycle::FullyManaged, cx.node_span(node)),
        replaces: None,
        span: cx.node_span(node),
    };
    let mut seen: BTreeMap<&str, crate::front::source::Span> = BTreeMap::new();
    let children = node.children().map(|c| c.nodes()).unwrap_or(&[]);
    for child in children {
        let kind = child.name().value();
        let once = !matches!(kind, "column" | "index" | "projection" | "constraint");
        if once && TABLE_CHILDREN.contains(&kind) {
            if let Some(first) = seen.get(kind) {
                cx.duplicate(child, *first);
                continue;
            }
            seen.insert(kind, cx.name_span(child));
        }
        lower_table_child(cx, &mut table, child, kind);
    }
    fragments::table(cx, &table);
    Some(table)
}

/// One child node of a table into its field. The once-only kinds arrive here at most once
/// (the caller reported and skipped repeats), so setting a field never overwrites another.
fn lower_table_child(cx: &mut Cx, table: &mut Table, child: &KdlNode, kind: &str) {
    match kind {
        "column" => {
            if let Some(c) = lower_column(cx, child) {
                table.columns.push(c);
            }
        }
        "engine" => table.engine = lower_engine(cx, child).map(Box::new),
        "order-by" => table.order_by = expr_list(cx, child, "order-by id created_at"),
        "primary-key" => table.primary_key = expr_list(cx, child, "primary-key id").map(Box::new),
        "partition-by" => {
            table.partition_by = single_text(cx, child, "partition-by \"toYYYYMM(created_at)\"")
        }
        "sample-by" => {
            table.sample_by = single_text(cx, child, "sample-by \"intHash32(id)\"").map(Box::new)
        }
        "ttl" => {
            table.ttl = single_text(cx, child, "ttl \"created_at + INTERVAL 90 DAY\"").map(Box::new)
        }
        "settings" => table.settings = lower_settings(cx, child),
        "index" => {
            if let Some(i) = lower_index(cx, child) {
                table.indexes.push(i);
            }
        }
        "projection" => {
            if let Some(p) = lower_projection(cx, child) {
                table.projections.push(p);
            }
        }
        "constraint" => {
            if let Some(c) = lower_constraint(cx, child) {
                table.constraints.push(c);
            }
        }
        "comment" => {
            table.comment =
                single_string(cx, child, "comment \"what this table holds\"").map(Box::new)
        }
        "lifecycle" => {
            if let Some(l) = lifecycle(cx, child) {
                table.lifecycle = l;
            }
        }
        "replaces" => table.replaces = lower_replaces(cx, child).map(Box::new),
        _ => unknown_node(cx, child, "a table", TABLE_CHILDREN),
    }
}

/// A projection is a name and its query, both required: a projection with either missing is
/// reported and left out rather than half-built.
fn lower_projection(cx: &mut Cx, child: &KdlNode) -> Option<Projection> {
    cx.check_props(child, &[]);
    cx.check_arg_count(child, 2, "projection NAME \"SELECT ...\"");
    cx.reject_children(child);
    let usage = "projection by_name \"SELECT name, count() GROUP BY name\"";
    let name = cx.required_string(child, 0, "name", usage);
    let query = cx.required_text(child, 1, "query", usage);
    let (name, query) = (name?, query?);
    Some(Projection {
        name,
        query,
        span: cx.node_span(child),
    })
}

fn lower_column(cx: &mut Cx, node: &KdlNode) -> Option<Column> {
    let usage = "column NAME TYPE [default=\"...\"] [codec=\"...\"] [comment=\"...\"]";
    cx.check_props(node, COLUMN_PROPS);
    cx.check_arg_count(node, 2, usage);
    cx.reject_children(node);
    let name = cx.required_string(node, 0, "name", usage)?;
    check_name(cx, &name, "column");
    // A column whose type is missing is still a column: later checks must not report every
    // use of its name as unknown.
    let type_text = cx
        .required_text(node, 1, "type", usage)
        .unwrap_or_else(|| Text {
            value: String::new(),
            span: name.span,
            segments: Vec::new(),
        });
    let data_type = match chtype::parse_type(&type_text.value) {
        _ if type_text.value.is_empty() => None,
        Ok(t) => Some(t),
        Err(e) => {
            let mut d = Diagnostic::error(
                Code::InvalidType,
                type_text.span_of(e.span.start, e.span.end),
                format!("invalid type for column `{}`: {}", name.value, e.message),
            )
            .label("here");
            if let Some(help) = e.help {
                d = d.help(help);
            }
            cx.error(d);
            None
        }
    };
    let mut defaults = Vec::new();
    for kind in [
        DefaultKind::Default,
        DefaultKind::Materialized,
        DefaultKind::Alias,
        DefaultKind::Ephemeral,
    ] {
        if let Some(expr) = cx.prop_text(node, kind.property()) {
            defaults.push(ColumnDefault { kind, expr });
        }
    }
    if defaults.len() > 1 {
        let names: Vec<&str> = defaults.iter().map(|d| d.kind.property()).collect();
        let d = Diagnostic::error(
            Code::ConflictingDefault,
            defaults[1].expr.span,
            format!(
                "column `{}` has both {} and {}",
                name.value,
                names[0],
                names[1..].join(" and ")
            ),
        )
        .label("second default kind")
        .with_secondary(defaults[0].expr.span, "first given here")
        .help("a column takes one of default=, materialized=, alias=, ephemeral=; keep one");
        cx.error(d);
    }
    Some(Column {
        span: cx.node_span(node),
        name,
        type_text,
        data_type,
        default: defaults.into_iter().next().map(Box::new),
        codec: cx.prop_string(node, "codec").map(Box::new),
        ttl: cx.prop_text(node, "ttl").map(Box::new),
        comment: cx.prop_string(node, "comment").map(Box::new),
        renamed_from: cx.prop_string(node, "renamed-from").map(Box::new),
        backfill: cx.prop_text(node, "backfill").map(Box::new),
    })
}

fn lower_engine(cx: &mut Cx, node: &KdlNode) -> Option<Engine> {
    cx.reject_children(node);
    let args = cx.args(node);
    let name = cx.required_string(node, 0, "name", "engine ReplacingMergeTree ver=updated_at")?;
    let mut params = BTreeMap::new();
    for e in node.entries() {
        if let Some(key) = e.name() {
            let what = format!("engine parameter `{}`", key.value());
            if let Some(v) = cx.string(e, &what) {
                params.insert(key.value().to_string(), v);
            }
        }
    }
    let rest = args[1..]
        .iter()
        .filter_map(|e| cx.string(e, "engine argument"))
        .collect();
    Some(Engine {
        name,
        params,
        args: rest,
        span: cx.node_span(node),
    })
}

fn expr_list(cx: &mut Cx, node: &KdlNode, usage: &str) -> Option<Spanned<Vec<Text>>> {
    cx.check_props(node, &[]);
    cx.reject_children(node);
    let args = cx.args(node);
    if args.is_empty() {
        // Reported here; an empty list keeps later checks from reporting it missing again.
        cx.missing(node, "expressions", usage);
        return Some(Spanned::new(Vec::new(), cx.node_span(node)));
    }
    let exprs = args
        .iter()
        .filter_map(|e| cx.text(e, "an expression"))
        .collect();
    Some(Spanned::new(exprs, cx.node_span(node)))
}

fn single_text(cx: &mut Cx, node: &KdlNode, usage: &str) -> Option<Text> {
    cx.check_props(node, &[]);
    cx.reject_children(node);
    cx.check_arg_count(node, 1, usage);
    cx.required_text(node, 0, "expression", usage)
}

pub fn single_string(cx: &mut Cx, node: &KdlNode, usage: &str) -> Option<Spanned<String>> {
    cx.check_props(node, &[]);
    cx.reject_children(node);
    cx.check_arg_count(node, 1, usage);
    cx.required_string(node, 0, "text", usage)
}

fn lifecycle(cx: &mut Cx, node: &KdlNode) -> Option<Spanned<Lifecycle>> {
    let usage = "lifecycle fully-managed|deletion-protected|externally-managed";
    let value = single_string(cx, node, usage)?;
    match Lifecycle::parse(&value.value) {
        Some(l) => Some(Spanned::new(l, value.span)),
        None => {
            let hint = crate::front::suggest::did_you_mean(&value.value, Lifecycle::NAMES.iter())
                .unwrap_or_else(|| format!("use one of: {}", Lifecycle::NAMES.join(", ")));
            let d = Diagnostic::error(
                Code::InvalidValue,
                value.span,
                format!("unknown lifecycle `{}`", value.value),
            )
            .label("not a lifecycle")
            .help(hint);
            cx.error(d);
            None
        }
    }
}

fn lower_settings(cx: &mut Cx, node: &KdlNode) -> BTreeMap<String, Spanned<SettingValue>> {
    cx.reject_children(node);
    let mut out = BTreeMap::new();
    for e in node.entries() {
        let span = cx.value_span(e);
        let Some(key) = e.name() else {
            let d = Diagnostic::error(
                Code::InvalidValue,
                span,
                format!("setting without a name: `{}`", display_value(e.value())),
            )
            .help("write settings as name=value: settings index_granularity=8192");
            cx.error(d);
            continue;
        };
        fragments::setting_name(cx, e);
        let value = match e.value() {
            KdlValue::Integer(i) => SettingValue::Int(*i),
            KdlValue::Float(f) => {
                fragments::setting_float(cx, key.value(), *f, span);
                let raw = cx
                    .source
                    .get(span.start..span.end)
                    .unwrap_or("")
                    .to_string();
                SettingValue::Float(raw)
            }
            KdlValue::Bool(b) => SettingValue::Bool(*b),
            KdlValue::String(s) => SettingValue::String(s.clone()),
            KdlValue::Null => {
                let d = Diagnostic::error(
                    Code::InvalidValue,
                    span,
                    format!("setting `{}` has no value", key.value()),
                )
                .help("give a number, a string or #true/#false");
                cx.error(d);
                continue;
            }
        };
        out.insert(key.value().to_string(), Spanned::new(value, span));
    }
    out
}

fn lower_index(cx: &mut Cx, node: &KdlNode) -> Option<Index> {
    let usage = "index NAME \"EXPR\" type=\"bloom_filter(0.01)\" granularity=4";
    cx.check_props(node, &["type", "granularity"]);
    cx.check_arg_count(node, 2, usage);
    cx.reject_children(node);
    let name = cx.required_string(node, 0, "name", usage);
    let expr = cx.required_text(node, 1, "expression", usage);
    let index_type = cx.prop_string(node, "type");
    if index_type.is_none() {
        cx.missing(node, "type= property", usage);
    }
    let granularity = match cx.prop(node, "granularity") {
        None => None,
        Some(e) => {
            let span = cx.value_span(e);
            match e.value().as_integer().and_then(|i| u64::try_from(i).ok()) {
                Some(g) if g > 0 => Some(Spanned::new(g, span)),
                _ => {
                    let d = Diagnostic::error(
                        Code::InvalidValue,
                        span,
                        "granularity must be a positive whole number",
                    )
                    .help("e.g. granularity=4");
                    cx.error(d);
                    None
                }
            }
        }
    };
    Some(Index {
        name: name?,
        expr: expr?,
        index_type: index_type?,
        granularity,
        span: cx.node_span(node),
    })
}

fn lower_constraint(cx: &mut Cx, node: &KdlNode) -> Option<Constraint> {
    let usage = "constraint NAME check=\"amount >= 0\"";
    cx.check_props(node, &["check", "assume"]);
    cx.check_arg_count(node, 1, usage);
    cx.reject_children(node);
    let name = cx.required_string(node, 0, "name", usage)?;
    let check = cx.prop_text(node, "check");
    let assume = cx.prop_text(node, "assume");
    let (kind, expr) = match (check, assume) {
        (Some(c), None) => (ConstraintKind::Check, c),
        (None, Some(a)) => (ConstraintKind::Assume, a),
        (Some(c), Some(_)) => {
            let d = Diagnostic::error(
                Code::InvalidValue,
                c.span,
                format!("constraint `{}` has both check= and assume=", name.value),
            )
            .help("declare two constraints, one with check= and one with assume=");
            cx.error(d);
            return None;
        }
        (None, None) => {
            cx.missing(node, "check= or assume= property", usage);
            return None;
        }
    };
    Some(Constraint {
        name,
        kind,
        expr,
        span: cx.node_span(node),
    })
}

fn lower_replaces(cx: &mut Cx, node: &KdlNode) -> Option<Replaces> {
    let usage = "replaces \"0.0\" backfill=#true keep-old=#false";
    cx.check_props(node, &["backfill", "keep-old"]);
    cx.check_arg_count(node, 1, usage);
    cx.reject_children(node);
    // Without an argument it names whatever was planned last (an unversioned table too).
    let version = match cx.args(node).first() {
        None => None,
        Some(e) => {
            let text = cx.string(e, "version")?;
            let Some(version) = Version::parse(&text.value) else {
                let d = Diagnostic::error(
                    Code::InvalidVersion,
                    text.span,
                    format!("malformed version `{}`", text.value),
                )
                .label("not dot-separated numbers")
                .help("name the version this one replaces, in quotes (replaces \"0.0\"), or write `replaces` alone when the old table has no version");
                cx.error(d);
                return None;
            };
            Some(Spanned::new(version, text.span))
        }
    };
    let mut flag = |name: &str| -> Option<Spanned<bool>> {
        let e = cx.prop(node, name)?;
        let span = cx.value_span(e);
        match e.value().as_bool() {
            Some(b) => Some(Spanned::new(b, span)),
            None => {
                let d = Diagnostic::error(
                    Code::InvalidValue,
                    span,
                    format!("`{name}` must be #true or #false"),
                )
                .help(format!("write {name}=#true or {name}=#false"));
                cx.error(d);
                None
            }
        }
    };
    let backfill = flag("backfill");
    let keep_old = flag("keep-old");
    Some(Replaces {
        version,
        backfill,
        keep_old,
        span: cx.node_span(node),
    })
}
