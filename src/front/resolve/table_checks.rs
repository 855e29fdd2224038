//! Checks on one table declaration: columns, engine, keys, and every expression's columns.

use std::collections::BTreeMap;

use crate::front::diag::{Code, Diagnostic, Diagnostics};
use crate::front::ir::{Engine, Lifecycle, Spanned, Table, Text};
use crate::front::kdl_values::kdl_string;
use crate::front::source::Span;
use crate::front::suggest;
use chplan_clickhouse::engines::{self, EngineInfo};
use chplan_clickhouse::sql::expr as sqlexpr;
use chplan_clickhouse::sql::fragment;
use chplan_clickhouse::sql::keys::{compact, encloses, key_items, without_directions};

pub fn check_table(t: &Table, diags: &mut Diagnostics) {
    let managed = t.lifecycle.value != Lifecycle::ExternallyManaged;
    if t.columns.is_empty() && managed {
        diags.push(
            Diagnostic::error(
                Code::NoColumns,
                t.name.span,
                format!("table `{}` declares no columns", t.name.value),
            )
            .label("no `column` inside")
            .help("add at least one column: column id UInt64"),
        );
    }
    check_duplicates(t, diags);

    let columns: Vec<&str> = t.columns.iter().map(|c| c.name.value.as_str()).collect();
    let cx = ColumnCx {
        table: &t.name.value,
        columns: &columns,
    };
    let merge_tree = check_engine(t, &cx, diags);
    if merge_tree && t.order_by.is_none() && managed {
        missing_order_by(t, &columns, diags);
    }

    check_expressions(t, &cx, diags);
    check_primary_key_prefix(t, diags);
    check_sample_in_key(t, diags);
    check_projection_mode(t, diags);
}

/// Names within a table share one namespace per kind: a second column, index, projection or
/// constraint of the same name would be refused by ClickHouse at CREATE.
fn check_duplicates(t: &Table, diags: &mut Diagnostics) {
    duplicates(
        diags,
        "column",
        t.columns.iter().map(|c| &c.name),
        &t.name.value,
    );
    duplicates(
        diags,
        "index",
        t.indexes.iter().map(|i| &i.name),
        &t.name.value,
    );
    duplicates(
        diags,
        "projection",
        t.projections.iter().map(|p| &p.name),
        &t.name.value,
    );
    duplicates(
        diags,
        "constraint",
        t.constraints.iter().map(|c| &c.name),
        &t.name.value,
    );
}

/// MergeTree tables need a sorting key; the help proposes the first column so that the fix
/// is one line (or `tuple()`, for no sorting).
fn missing_order_by(t: &Table, columns: &[&str], diags: &mut Diagnostics) {
    let engine = t
        .engine
        .as_ref()
        .map(|e| e.name.value.as_str())
        .unwrap_or(engines::DEFAULT_ENGINE);
    let first = columns.first().copied().unwrap_or("id");
    diags.push(
        Diagnostic::error(
            Code::MissingOrderBy,
            t.name.span,
            format!("{engine} table `{}` has no ORDER BY", t.name.value),
        )
        .label("needs order-by")
        .help(format!(
            "add `order-by {first}` (the columns most queries filter on), or `order-by \"tuple()\"` for no sorting"
        )),
    );
}

/// Every expression of the table may only name its own columns: keys (without their
/// directions), partitioning, sampling, TTLs, defaults, indexes and constraints.
fn check_expressions(t: &Table, cx: &ColumnCx, diags: &mut Diagnostics) {
    for e in t.order_by.iter().flat_map(|o| o.value.iter()) {
        if t.key_is_column(e) {
            continue;
        }
        let e = Text {
            value: without_directions(&e.value),
            ..e.clone()
        };
        cx.check_expr(&e, "order-by", diags);
    }
    for e in t.primary_key.iter().flat_map(|o| o.value.iter()) {
        if t.key_is_column(e) {
            continue;
        }
        cx.check_expr(e, "primary-key", diags);
    }
    for (e, what) in [
        (t.partition_by.as_ref(), "partition-by"),
        (t.sample_by.as_deref(), "sample-by"),
        (t.ttl.as_deref(), "ttl"),
    ] {
        if let Some(e) = e {
            cx.check_expr(e, what, diags);
        }
    }
    for c in &t.columns {
        if let Some(d) = &c.default {
            cx.check_expr(&d.expr, d.kind.property(), diags);
        }
        if let Some(ttl) = &c.ttl {
            cx.check_expr(ttl, "column ttl", diags);
        }
    }
    for i in &t.indexes {
        cx.check_expr(&i.expr, "index", diags);
    }
    for c in &t.constraints {
        cx.check_expr(&c.expr, "constraint", diags);
    }
}

/// ClickHouse refuses a sampling expression that is not one of the primary key's expressions.
fn check_sample_in_key(t: &Table, diags: &mut Diagnostics) {
    let Some(sample) = &t.sample_by else {
        return;
    };
    let key = t.primary_key.as_deref().or(t.order_by.as_ref());
    let items: Vec<String> = key
        .iter()
        .flat_map(|k| k.value.iter())
        .flat_map(|e| key_items(&e.value).into_iter().map(|(n, _)| n))
        .flat_map(|n| in_tuple(&n))
        .collect();
    let Some((wanted, _)) = key_items(&sample.value).into_iter().next() else {
        return;
    };
    if !items.iter().any(|i| compact(i) == compact(&wanted)) {
        let which = if t.primary_key.is_some() {
            "primary-key"
        } else {
            "order-by"
        };
        let mut d = Diagnostic::error(
            Code::SampleNotInKey,
            sample.span,
            format!(
                "sampling expression `{wanted}` of `{}` is not in its primary key",
                t.name.value
            ),
        )
        .label("not a key expression")
        .help(format!(
            "ClickHouse samples by a primary key expression: add it to {which}, e.g. {which} {} {}",
            items
                .iter()
                .map(|i| kdl_string(i))
                .collect::<Vec<_>>()
                .join(" "),
            kdl_string(&wanted)
        ));
        if let Some(k) = key {
            d = d.with_secondary(k.span, "the primary key");
        }
        diags.push(d);
    }
}

/// Every merging engine but plain MergeTree refuses projections unless told what to do with
/// them when parts merge (ClickHouse 24.8+: `deduplicate_merge_projection_mode`).
fn check_projection_mode(t: &Table, diags: &mut Diagnostics) {
    let Some(first) = t.projections.first() else {
        return;
    };
    let Some(engine) = &t.engine else {
        return;
    };
    let Some(info) = engines::lookup(&engine.name.value) else {
        return;
    };
    if !info.spec.merge_tree || info.spec.base == "MergeTree" {
        return;
    }
    let mode = t.settings.get("deduplicate_merge_projection_mode");
    let ok = matches!(
        mode.map(|m| &m.value),
        Some(crate::front::ir::SettingValue::String(v)) if ["drop", "rebuild", "ignore"].contains(&v.as_str())
    );
    if !ok {
        let mut d = Diagnostic::error(
            Code::ProjectionNeedsSetting,
            first.name.span,
            format!(
                "projection `{}` on {} table `{}` needs deduplicate_merge_projection_mode",
                first.name.value, info.spec.base, t.name.value
            ),
        )
        .label("ClickHouse refuses this projection")
        .help("add `settings deduplicate_merge_projection_mode=\"rebuild\"` (rebuild projections when rows merge) or \"drop\"");
        if let Some(m) = mode {
            d = d.with_secondary(m.span, "must be \"drop\", \"rebuild\" or \"ignore\"");
        }
        diags.push(d);
    }
}

fn duplicates<'a>(
    diags: &mut Diagnostics,
    what: &str,
    names: impl Iterator<Item = &'a Spanned<String>>,
    table: &str,
) {
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    for n in names {
        if let Some(first) = seen.get(n.value.as_str()) {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateColumn,
                    n.span,
                    format!("{what} `{}` is declared twice in table `{table}`", n.value),
                )
                .label("second declaration")
                .with_secondary(*first, "first declared here")
                .help(format!("rename or remove one of the two {}", plural(what))),
            );
        } else {
            seen.insert(&n.value, n.span);
        }
    }
}

fn plural(what: &str) -> String {
    match what {
        "index" => "indexes".into(),
        _ => format!("{what}s"),
    }
}

struct ColumnCx<'a> {
    table: &'a str,
    columns: &'a [&'a str],
}

impl ColumnCx<'_> {
    fn has(&self, name: &str) -> bool {
        // `n.x` is a Nested subcolumn, tuple element or JSON path of `n`; `my.json.a` one of
        // the column `my.json`.
        self.columns.contains(&name)
            || name
                .match_indices('.')
                .any(|(i, _)| self.columns.contains(&&name[..i]))
    }

    fn unknown(&self, name: &str, span: Span, what: &str) -> Diagnostic {
        let help = match suggest::did_you_mean(name, self.columns.iter()) {
            Some(h) => h,
            None => format!("columns of `{}`: {}", self.table, self.columns.join(", ")),
        };
        Diagnostic::error(
            Code::UnknownColumn,
            span,
            format!(
                "{what} names `{name}`, which is not a column of `{}`",
                self.table
            ),
        )
        .label("unknown column")
        .help(help)
    }

    fn check_name(&self, name: &Spanned<String>, what: &str, diags: &mut Diagnostics) {
        // A table without columns is reported once; every reference would only repeat it.
        if !self.columns.is_empty() && !self.has(&name.value) {
            diags.push(self.unknown(&name.value, name.span, what));
        }
    }

    fn check_expr(&self, e: &Text, what: &str, diags: &mut Diagnostics) {
        match sqlexpr::column_refs(&e.value) {
            Ok(refs) => {
                for r in refs {
                    if !self.columns.is_empty() && !self.has(&r.name) {
                        let span = e.span_of(r.span.start, r.span.end);
                        diags.push(self.unknown(&r.name, span, what));
                    }
                }
            }
            // The fragment check of `lower` reported it already (E113, E114).
            Err(_) if !fragment::well_formed(&e.value) => {}
            Err(err) => diags.push(
                Diagnostic::warning(
                    Code::ExprNotChecked,
                    e.span_of(err.span.start, err.span.end),
                    format!("could not parse this {what} expression: {}", err.message),
                )
                .label("parsing stopped here")
                .help("its column references were not checked; ClickHouse will check them when the table is created"),
            ),
        }
    }
}

/// Returns whether the engine is of the MergeTree family (the default engine is).
fn check_engine(t: &Table, cx: &ColumnCx, diags: &mut Diagnostics) -> bool {
    let Some(engine) = &t.engine else {
        return true;
    };
    let Some(info) = engines::lookup(&engine.name.value) else {
        let names = engines::all_names();
        let help = suggest::did_you_mean(&engine.name.value, names.iter()).unwrap_or_else(|| {
            "MergeTree-family engines: MergeTree, ReplacingMergeTree, SummingMergeTree, AggregatingMergeTree, CollapsingMergeTree, VersionedCollapsingMergeTree (and Replicated forms)".into()
        });
        diags.push(
            Diagnostic::error(
                Code::UnknownEngine,
                engine.name.span,
                format!("unknown engine `{}`", engine.name.value),
            )
            .label("not an engine chplan knows")
            .help(help),
        );
        return false;
    };
    let allowed: Vec<&str> = info
        .params()
        .map(|p| p.name)
        .chain(info.spec.raw_args.then_some("args"))
        .collect();
    check_engine_params(engine, &info, &allowed, cx, diags);
    check_engine_param_pairs(engine, info.replicated, diags);
    check_engine_args(engine, &info, &allowed, cx, diags);
    info.spec.merge_tree
}

/// Named parameters are checked against the engine's own list (`allowed`, which includes
/// `args` for engines taking raw arguments): unknown ones are typos worth a suggestion,
/// missing required ones would fail at CREATE, and column parameters must name columns.
fn check_engine_params(
    engine: &Engine,
    info: &EngineInfo,
    allowed: &[&str],
    cx: &ColumnCx,
    diags: &mut Diagnostics,
) {
    for (key, value) in &engine.params {
        if !allowed.contains(&key.as_str()) {
            let help = suggest::did_you_mean(key, allowed.iter()).unwrap_or_else(|| {
                if allowed.is_empty() {
                    format!("{} takes no parameters", engine.name.value)
                } else {
                    format!("{} takes: {}", engine.name.value, allowed.join(", "))
                }
            });
            diags.push(
                Diagnostic::error(
                    Code::InvalidEngineParams,
                    value.span,
                    format!("{} has no parameter `{key}`", engine.name.value),
                )
                .label("unknown parameter")
                .help(help),
            );
        }
    }
    for p in info.params() {
        match engine.params.get(p.name) {
            None if p.required => diags.push(
                Diagnostic::error(
                    Code::InvalidEngineParams,
                    engine.name.span,
                    format!("{} needs the parameter `{}`", engine.name.value, p.name),
                )
                .label(format!("missing {}=", p.name))
                .help(format!(
                    "add it, e.g. engine {} {}",
                    engine.name.value,
                    info.params()
                        .filter(|p| p.required)
                        .map(|p| format!("{}=COLUMN", p.name))
                        .collect::<Vec<_>>()
                        .join(" ")
                )),
            ),
            Some(v) if p.is_column => {
                cx.check_name(v, &format!("engine parameter `{}`", p.name), diags)
            }
            _ => {}
        }
    }
}

/// Parameters that ClickHouse only accepts together: a replicated engine's ZooKeeper path
/// and replica name, and ReplacingMergeTree's `is_deleted` column with its version column.
fn check_engine_param_pairs(engine: &Engine, replicated: bool, diags: &mut Diagnostics) {
    if replicated && engine.params.contains_key("zoo-path") != engine.params.contains_key("replica")
    {
        diags.push(
            Diagnostic::error(
                Code::InvalidEngineParams,
                engine.name.span,
                format!("{} needs both zoo-path= and replica=, or neither", engine.name.value),
            )
            .help("give both (zoo-path=\"/clickhouse/tables/{shard}/shop/events\" replica=\"{replica}\") or omit both to use the server's defaults"),
        );
    }
    if engine.params.contains_key("is-deleted") && !engine.params.contains_key("ver") {
        diags.push(
            Diagnostic::error(
                Code::InvalidEngineParams,
                engine.params["is-deleted"].span,
                "ReplacingMergeTree's is-deleted= needs ver= as well",
            )
            .help("add ver=COLUMN (the version column rows are deduplicated by)"),
        );
    }
}

/// Positional arguments are column names for the engines that take columns that way
/// (`SummingMergeTree`); every other engine takes named parameters only.
fn check_engine_args(
    engine: &Engine,
    info: &EngineInfo,
    allowed: &[&str],
    cx: &ColumnCx,
    diags: &mut Diagnostics,
) {
    if !engine.args.is_empty() {
        if info.spec.column_args {
            for a in &engine.args {
                cx.check_name(a, "engine argument", diags);
            }
        } else {
            diags.push(
                Diagnostic::error(
                    Code::InvalidEngineParams,
                    engine.args[0].span,
                    format!("{} takes no positional arguments", engine.name.value),
                )
                .help(if allowed.is_empty() {
                    "remove them".to_string()
                } else {
                    format!("use named parameters: {}", allowed.join(", "))
                }),
            );
        }
    }
}

/// The expressions of a `tuple(a DESC, b)` key item (how ClickHouse prints `(a DESC, b)`),
/// without their directions, or the item itself.
fn in_tuple(item: &str) -> Vec<String> {
    let bare = without_directions(item);
    let bare = bare.trim();
    match bare.strip_prefix("tuple").filter(|r| encloses(r)) {
        Some(args) if !key_items(args).is_empty() => {
            key_items(args).into_iter().map(|(n, _)| n).collect()
        }
        _ => vec![bare.to_owned()],
    }
}

fn check_primary_key_prefix(t: &Table, diags: &mut Diagnostics) {
    let (Some(pk), Some(order)) = (&t.primary_key, &t.order_by) else {
        return;
    };
    let flatten = |exprs: &[Text]| -> Vec<(String, Span)> {
        exprs
            .iter()
            .flat_map(|e| {
                key_items(&e.value).into_iter().flat_map(move |(n, r)| {
                    let span = e.span_of(r.start, r.end);
                    in_tuple(&n).into_iter().map(move |m| (m, span))
                })
            })
            .collect()
    };
    let pk_items = flatten(&pk.value);
    let order_items = flatten(&order.value);
    for (i, (item, span)) in pk_items.iter().enumerate() {
        if order_items.get(i).map(|(o, _)| compact(o)) != Some(compact(item)) {
            let expected = order_items
                .iter()
                .take(pk_items.len())
                .map(|(o, _)| o.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            diags.push(
                Diagnostic::error(
                    Code::PrimaryKeyNotPrefix,
                    *span,
                    format!(
                        "primary key of `{}` is not a prefix of its ORDER BY",
                        t.name.value
                    ),
                )
                .label(format!("ORDER BY has `{}` here", order_items.get(i).map(|(o, _)| o.as_str()).unwrap_or("nothing")))
                .with_secondary(order.span, "ORDER BY declared here")
                .help(format!(
                    "ClickHouse requires the primary key to start the sorting key: use `primary-key {expected}` or reorder order-by"
                )),
            );
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuple_key_items() {
        assert_eq!(in_tuple("tuple(a DESC, b)"), ["a", "b"]);
        assert_eq!(in_tuple("i DESC"), ["i"]);
        assert_eq!(in_tuple("tuple(sipHash64(x))"), ["sipHash64(x)"]);
        assert_eq!(in_tuple("tuple(a) + tuple(b)"), ["tuple(a) + tuple(b)"]);
        assert_eq!(in_tuple("f(x)"), ["f(x)"]);
    }

    #[test]
    fn subcolumns_of_columns_with_dots() {
        let cx = ColumnCx {
            table: "t",
            columns: &["my.json", "n", "x"],
        };
        for known in ["my.json", "my.json.a", "my.json.a.b", "n.x", "x"] {
            assert!(cx.has(known), "{known}");
        }
        for unknown in ["my", "my.other", "json.a", "y.x"] {
            assert!(!cx.has(unknown), "{unknown}");
        }
    }
}
