//! Differences between an expected state and an (aligned) live one, one line per difference,
//! each naming its object: `events_0_1: column status: expected LowCardinality(String), found
//! String`.

use std::collections::BTreeMap;

use crate::artifacts::state::{ConstraintKindState, LifecycleState, State, TableState};

use super::to_state::is_runner_table;

/// Which objects a comparison covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extra {
    /// Live objects the expected state does not have are ignored (the drift check: the schema
    /// manages only its own objects).
    Ignore,
    /// They are differences too (`verify`: the migrations must build exactly the schema).
    Report,
}

/// The kind of an object in a state.
fn kind_of(state: &State, name: &str) -> Option<&'static str> {
    if state.tables.contains_key(name) {
        Some("a table")
    } else if state.views.contains_key(name) {
        Some("a view")
    } else if state.materialized_views.contains_key(name) {
        Some("a materialized view")
    } else {
        None
    }
}

/// Objects `externally-managed` in `expected` are not compared; nor the runner's own tables.
pub fn differences(expected: &State, live: &State, extra: Extra) -> Vec<String> {
    let mut out = Vec::new();
    let managed = |name: &str| {
        !is_runner_table(name)
            && expected
                .tables
                .get(name)
                .is_none_or(|t| t.lifecycle != LifecycleState::ExternallyManaged)
    };
    let names = expected
        .tables
        .keys()
        .chain(expected.views.keys())
        .chain(expected.materialized_views.keys());
    for name in names.filter(|n| managed(n)) {
        let want = kind_of(expected, name).unwrap_or("an object");
        match kind_of(live, name) {
            None => out.push(format!("{name}: missing (expected {want})")),
            Some(got) if got != want => {
                out.push(format!("{name}: expected {want}, found {got}"));
            }
            Some(_) => object(expected, live, name, &mut out),
        }
    }
    if extra == Extra::Report {
        let live_names = live
            .tables
            .keys()
            .chain(live.views.keys())
            .chain(live.materialized_views.keys());
        for name in live_names {
            if kind_of(expected, name).is_none() && !is_runner_table(name) {
                let got = kind_of(live, name).unwrap_or("an object");
                out.push(format!("{name}: not declared (found {got})"));
            }
        }
    }
    out.sort();
    out
}

fn object(expected: &State, live: &State, name: &str, out: &mut Vec<String>) {
    let mut diff = |what: &str, e: &str, l: &str| {
        if e != l {
            out.push(format!("{name}: {what}: expected {e}, found {l}"));
        }
    };
    if let (Some(e), Some(l)) = (expected.views.get(name), live.views.get(name)) {
        diff("SELECT", e.select.trim(), l.select.trim());
        diff("comment", &show(&e.comment), &show(&l.comment));
    }
    if let (Some(e), Some(l)) = (
        expected.materialized_views.get(name),
        live.materialized_views.get(name),
    ) {
        diff("target", &format!("TO {}", e.to), &format!("TO {}", l.to));
        diff("SELECT", e.select.trim(), l.select.trim());
        diff("comment", &show(&e.comment), &show(&l.comment));
    }
    if let (Some(e), Some(l)) = (expected.tables.get(name), live.tables.get(name)) {
        table(name, e, l, out);
    }
}

fn show(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "none".to_owned())
}

fn show_list(v: &[String]) -> String {
    if v.is_empty() {
        "tuple()".to_owned()
    } else {
        v.join(", ")
    }
}

fn table(name: &str, e: &TableState, l: &TableState, out: &mut Vec<String>) {
    table_keys_and_settings(name, e, l, out);
    columns(name, e, l, out);
    table_parts(name, e, l, out);
}

/// One line when the expected and the found texts differ.
fn differs(out: &mut Vec<String>, name: &str, what: String, ev: String, lv: String) {
    if ev != lv {
        out.push(format!("{name}: {what}: expected {ev}, found {lv}"));
    }
}

/// Engine, keys, TTL, comment and settings.
fn table_keys_and_settings(name: &str, e: &TableState, l: &TableState, out: &mut Vec<String>) {
    let diff = |out: &mut Vec<String>, what, ev, lv| differs(out, name, what, ev, lv);
    diff(out, "engine".into(), e.engine.sql(), l.engine.sql());
    diff(
        out,
        "sorting key".into(),
        show_list(&e.order_by),
        show_list(&l.order_by),
    );
    let pk = |t: &TableState| show_list(t.primary_key.as_ref().unwrap_or(&t.order_by));
    diff(out, "primary key".into(), pk(e), pk(l));
    diff(
        out,
        "partition key".into(),
        show(&e.partition_by),
        show(&l.partition_by),
    );
    diff(
        out,
        "sample key".into(),
        show(&e.sample_by),
        show(&l.sample_by),
    );
    diff(out, "TTL".into(), show(&e.ttl), show(&l.ttl));
    diff(out, "comment".into(), show(&e.comment), show(&l.comment));
    for (k, v) in keyed(&e.settings, &l.settings) {
        diff(out, format!("setting {k}"), show(&v.0), show(&v.1));
    }
}

/// Each column's type, default, codec, TTL and comment; missing and extra columns; order.
fn columns(name: &str, e: &TableState, l: &TableState, out: &mut Vec<String>) {
    let diff = |out: &mut Vec<String>, what, ev, lv| differs(out, name, what, ev, lv);
    let mut column_order_differs = false;
    for c in &e.columns {
        let Some(lc) = l.column(&c.name) else {
            out.push(format!(
                "{name}: column {}: missing (expected {})",
                c.name, c.data_type
            ));
            continue;
        };
        let what = |part: &str| format!("column {}: {part}", c.name);
        diff(
            out,
            format!("column {}", c.name),
            c.data_type.to_string(),
            lc.data_type.to_string(),
        );
        let default = |d: &Option<crate::artifacts::state::DefaultState>| {
            d.as_ref().map_or("no default".to_owned(), |d| {
                format!("{} {}", d.kind.keyword(), d.expr)
            })
        };
        diff(
            out,
            what("default"),
            default(&c.default),
            default(&lc.default),
        );
        diff(out, what("codec"), show(&c.codec), show(&lc.codec));
        diff(out, what("TTL"), show(&c.ttl), show(&lc.ttl));
        diff(out, what("comment"), show(&c.comment), show(&lc.comment));
    }
    for lc in &l.columns {
        if e.column(&lc.name).is_none() {
            out.push(format!(
                "{name}: column {}: not in the state (found {})",
                lc.name, lc.data_type
            ));
            column_order_differs = true;
        }
    }
    // Order matters to `INSERT` without a column list and to `SELECT *`.
    let order = |t: &TableState, other: &TableState| -> Vec<String> {
        t.columns
            .iter()
            .filter(|c| other.column(&c.name).is_some())
            .map(|c| c.name.clone())
            .collect()
    };
    if !column_order_differs && order(e, l) != order(l, e) {
        diff(
            out,
            "column order".into(),
            order(e, l).join(", "),
            order(l, e).join(", "),
        );
    }
}

/// Indexes, projections and constraints, by name.
fn table_parts(name: &str, e: &TableState, l: &TableState, out: &mut Vec<String>) {
    let diff = |out: &mut Vec<String>, what, ev, lv| differs(out, name, what, ev, lv);
    let indexes = |t: &TableState| -> BTreeMap<String, String> {
        t.indexes
            .iter()
            .map(|i| {
                (
                    i.name.clone(),
                    format!(
                        "{} TYPE {} GRANULARITY {}",
                        i.expr, i.index_type, i.granularity
                    ),
                )
            })
            .collect()
    };
    for (k, v) in keyed(&indexes(e), &indexes(l)) {
        diff(out, format!("index {k}"), show(&v.0), show(&v.1));
    }
    let projections = |t: &TableState| -> BTreeMap<String, String> {
        t.projections
            .iter()
            .map(|p| (p.name.clone(), p.query.clone()))
            .collect()
    };
    for (k, v) in keyed(&projections(e), &projections(l)) {
        diff(out, format!("projection {k}"), show(&v.0), show(&v.1));
    }
    let constraints = |t: &TableState| -> BTreeMap<String, String> {
        t.constraints
            .iter()
            .map(|c| {
                let kind = match c.kind {
                    ConstraintKindState::Check => "CHECK",
                    ConstraintKindState::Assume => "ASSUME",
                };
                (c.name.clone(), format!("{kind} {}", c.expr))
            })
            .collect()
    };
    for (k, v) in keyed(&constraints(e), &constraints(l)) {
        diff(out, format!("constraint {k}"), show(&v.0), show(&v.1));
    }
}

/// Both maps' keys with each side's value, in key order.
fn keyed(
    e: &BTreeMap<String, String>,
    l: &BTreeMap<String, String>,
) -> BTreeMap<String, (Option<String>, Option<String>)> {
    let mut out: BTreeMap<String, (Option<String>, Option<String>)> = BTreeMap::new();
    for (k, v) in e {
        out.entry(k.clone()).or_default().0 = Some(v.clone());
    }
    for (k, v) in l {
        out.entry(k.clone()).or_default().1 = Some(v.clone());
    }
    out
}
