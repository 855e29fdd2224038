//! Reconciles spellings: wherever a live text means the same as the expected one (the server
//! prints both the same way, or a default the server filled in), the live state takes the
//! expected text. After that, plain equality of the two states is equality of meaning.

use std::collections::BTreeSet;

use crate::artifacts::state::{State, TableState};
use crate::client::Client;
use chplan_clickhouse::chtype::ColumnType;
use chplan_clickhouse::engines;
use chplan_clickhouse::sql::codecs::stored_codec;

use super::canonical::{canonicalise, strip_database};
use chplan_clickhouse::sql::tokens::{Kind, split_top_level, tokens};

/// How a text is handed to the server for canonical printing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// An expression, or a comma-separated list of them.
    Expr,
    /// A whole query (views, projections).
    Query,
    /// A table TTL (may carry `DELETE`, `TO VOLUME`, `WHERE`, ...).
    Ttl,
    /// A setting's value (`1` and `true` are the same).
    Setting,
}

fn wrap(form: Form, text: &str) -> Option<String> {
    match form {
        Form::Expr | Form::Setting => Some(format!("SELECT {text}")),
        Form::Query => Some(text.trim().to_owned()),
        Form::Ttl => Some(format!("ALTER TABLE t MODIFY TTL {text}")),
    }
}

/// Makes `live` use `expected`'s text wherever the two mean the same. One request to the server
/// canonicalises every text that differs.
pub fn align(client: &Client, expected: &State, live: &mut State) -> Result<(), String> {
    let mut wanted = BTreeSet::new();
    walk(expected, &mut live.clone(), &mut |form, e, l| {
        if e != l
            && let (Some(e), Some(l)) = (wrap(form, e), wrap(form, l))
        {
            wanted.insert(e);
            wanted.insert(l);
        }
        false
    });
    let texts: Vec<&str> = wanted.iter().map(String::as_str).collect();
    let canonical = canonicalise(client, &texts)?;
    let database = &expected.database;
    walk(expected, live, &mut |form, e, l| {
        same(form, e, l, |text| {
            let w = wrap(form, text)?;
            canonical.get(&w).map(|c| strip_database(c, database))
        })
    });
    Ok(())
}

/// Whether `e` and `l` mean the same, given the server's canonical text of either.
fn same(form: Form, e: &str, l: &str, canon: impl Fn(&str) -> Option<String>) -> bool {
    if e.trim() == l.trim() {
        return true;
    }
    match form {
        Form::Setting if bool_value(e).is_some() && bool_value(e) == bool_value(l) => true,
        _ => matches!((canon(e), canon(l)), (Some(a), Some(b)) if a == b),
    }
}

fn bool_value(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" => Some(true),
        "0" | "false" => Some(false),
        _ => None,
    }
}

/// Whether the declared codec list `e` is what the server stores as `l` on a column of type
/// `ty`: `ZSTD` is stored as `ZSTD(1)`, `Delta` on a UInt64 as `Delta(8)`, so `ZSTD` declared
/// is not `ZSTD(22)` live. Where the stored form cannot be told (a codec or a type
/// `stored_codec` does not know), a name declared without parameters matches any.
fn same_codec(e: &str, l: &str, ty: &ColumnType) -> bool {
    if e.trim() == l.trim() {
        return true;
    }
    if let Some(stored) = ty.known().and_then(|t| stored_codec(e, t)) {
        return stored == l.trim();
    }
    let (e, l) = (split_top_level(e), split_top_level(l));
    e.len() == l.len()
        && e.iter().zip(&l).all(|(a, b)| {
            let name = |s: &str| s.split('(').next().unwrap_or("").trim().to_owned();
            a == b || (!a.contains('(') && name(a) == name(b))
        })
}

/// Calls `same` on every pair of texts the two states hold for the same thing, and copies the
/// expected text into `live` where it answers true.
fn walk(expected: &State, live: &mut State, same: &mut dyn FnMut(Form, &str, &str) -> bool) {
    for (name, e) in &expected.tables {
        if let Some(l) = live.tables.get_mut(name) {
            table(e, l, same);
        }
    }
    for (name, e) in &expected.views {
        if let Some(l) = live.views.get_mut(name) {
            text(Form::Query, &e.select, &mut l.select, same);
            l.depends_on.clone_from(&e.depends_on);
        }
    }
    for (name, e) in &expected.materialized_views {
        if let Some(l) = live.materialized_views.get_mut(name) {
            text(Form::Query, &e.select, &mut l.select, same);
            l.depends_on.clone_from(&e.depends_on);
        }
    }
}

fn text(form: Form, e: &str, l: &mut String, same: &mut dyn FnMut(Form, &str, &str) -> bool) {
    if e != l && same(form, e, l) {
        e.clone_into(l);
    }
}

fn opt(
    form: Form,
    e: &Option<String>,
    l: &mut Option<String>,
    same: &mut dyn FnMut(Form, &str, &str) -> bool,
) {
    if let (Some(e), Some(l)) = (e, l.as_mut()) {
        text(form, e, l, same);
    }
}

fn list(e: &[String], l: &mut Vec<String>, same: &mut dyn FnMut(Form, &str, &str) -> bool) {
    if e != l.as_slice()
        && !e.is_empty()
        && !l.is_empty()
        && same(Form::Expr, &e.join(", "), &l.join(", "))
    {
        *l = e.to_vec();
    }
}

fn table(e: &TableState, l: &mut TableState, same: &mut dyn FnMut(Form, &str, &str) -> bool) {
    // Lifecycle, logical name and version are the schema's bookkeeping, not the server's.
    l.logical.clone_from(&e.logical);
    l.version.clone_from(&e.version);
    l.lifecycle = e.lifecycle;
    if e.engine.name == l.engine.name {
        let mut args = l.engine.args.clone();
        // A Replicated engine declared without arguments gets the server's default path and
        // replica name: what follows them must still match.
        if engines::is_replicated(&e.engine.name)
            && args.len() == e.engine.args.len() + 2
            && args.iter().take(2).all(|a| is_string_literal(a))
        {
            args.drain(..2);
        }
        if args == e.engine.args
            || (!args.is_empty() && same(Form::Expr, &e.engine.args.join(", "), &args.join(", ")))
        {
            l.engine.args.clone_from(&e.engine.args);
        }
    }
    // A primary key the statement declares equal to the sorting key means what none does.
    if e.primary_key.is_none()
        && let Some(lp) = &l.primary_key
        && (*lp == l.order_by
            || (!lp.is_empty() && same(Form::Expr, &lp.join(", "), &l.order_by.join(", "))))
    {
        l.primary_key = None;
    }
    list(&e.order_by, &mut l.order_by, same);
    if let (Some(ep), Some(lp)) = (&e.primary_key, l.primary_key.as_mut()) {
        list(ep, lp, same);
    }
    // A primary key declared equal to the sorting key is not shown apart by the server.
    if l.primary_key.is_none() && e.primary_key.as_ref() == Some(&e.order_by) {
        l.primary_key.clone_from(&e.primary_key);
    }
    opt(Form::Expr, &e.partition_by, &mut l.partition_by, same);
    opt(Form::Expr, &e.sample_by, &mut l.sample_by, same);
    opt(Form::Ttl, &e.ttl, &mut l.ttl, same);
    for (k, ev) in &e.settings {
        match l.settings.get_mut(k) {
            Some(lv) => text(Form::Setting, ev, lv, same),
            None if super::to_state::is_server_default(k, ev) => {
                l.settings.insert(k.clone(), ev.clone());
            }
            None => {}
        }
    }
    for ec in &e.columns {
        let Some(lc) = l.columns.iter_mut().find(|c| c.name == ec.name) else {
            continue;
        };
        if let (Some(ed), Some(ld)) = (&ec.default, lc.default.as_mut())
            && ed.kind == ld.kind
        {
            text(Form::Expr, &ed.expr, &mut ld.expr, same);
        }
        if let (Some(e), Some(l)) = (&ec.codec, lc.codec.as_mut())
            && same_codec(e, l, &lc.data_type)
        {
            e.clone_into(l);
        }
        opt(Form::Expr, &ec.ttl, &mut lc.ttl, same);
    }
    for ei in &e.indexes {
        if let Some(li) = l.indexes.iter_mut().find(|i| i.name == ei.name) {
            text(Form::Expr, &ei.expr, &mut li.expr, same);
            text(Form::Expr, &ei.index_type, &mut li.index_type, same);
        }
    }
    for ep in &e.projections {
        if let Some(lp) = l.projections.iter_mut().find(|p| p.name == ep.name) {
            text(Form::Query, &ep.query, &mut lp.query, same);
        }
    }
    for ec in &e.constraints {
        if let Some(lc) = l
            .constraints
            .iter_mut()
            .find(|c| c.name == ec.name && c.kind == ec.kind)
        {
            text(Form::Expr, &ec.expr, &mut lc.expr, same);
        }
    }
}

fn is_string_literal(s: &str) -> bool {
    let t = tokens(s);
    t.len() == 1 && t[0].kind == Kind::Str
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codecs_match_as_the_server_stores_them() {
        let t = |s: &str| ColumnType::parse(s);
        assert!(same_codec("Delta, ZSTD", "Delta(4), ZSTD(1)", &t("UInt32")));
        assert!(!same_codec(
            "Delta, ZSTD",
            "Delta(8), ZSTD(1)",
            &t("UInt32")
        ));
        assert!(same_codec("ZSTD(1)", "ZSTD(1)", &t("String")));
        assert!(!same_codec("ZSTD", "ZSTD(22)", &t("String")));
        assert!(!same_codec("ZSTD(3)", "ZSTD(1)", &t("String")));
        assert!(!same_codec("ZSTD", "LZ4", &t("String")));
        assert!(!same_codec("Delta, ZSTD", "ZSTD(1)", &t("UInt32")));
        // A type whose streams are not known: a bare name still matches its filled-in form.
        assert!(same_codec("ZSTD", "ZSTD(1)", &t("JSON")));
        assert!(!same_codec("ZSTD", "LZ4", &t("JSON")));
    }

    #[test]
    fn a_primary_key_equal_to_the_sorting_key_is_none() {
        use crate::artifacts::state::{EngineState, LifecycleState};
        let t = |pk: Option<&[&str]>| TableState {
            logical: "t".into(),
            version: None,
            lifecycle: LifecycleState::FullyManaged,
            columns: Vec::new(),
            engine: EngineState {
                name: "MergeTree".into(),
                args: Vec::new(),
            },
            order_by: vec!["a".into()],
            primary_key: pk.map(|k| k.iter().map(|s| s.to_string()).collect()),
            partition_by: None,
            sample_by: None,
            ttl: None,
            settings: Default::default(),
            indexes: Vec::new(),
            projections: Vec::new(),
            constraints: Vec::new(),
            comment: None,
        };
        let mut never = |_: Form, _: &str, _: &str| false;
        let mut l = t(Some(&["a"]));
        table(&t(None), &mut l, &mut never);
        assert_eq!(l.primary_key, None);
        let mut l = t(Some(&[]));
        table(&t(None), &mut l, &mut never);
        assert_eq!(
            l.primary_key,
            Some(Vec::new()),
            "an empty primary key differs"
        );
    }

    #[test]
    fn settings_booleans() {
        let none = |_: &str| None;
        assert!(same(Form::Setting, "1", "true", none));
        assert!(!same(Form::Setting, "1", "0", none));
        assert!(!same(Form::Expr, "a+1", "a + 1", none));
        let canon = |s: &str| Some(s.replace(' ', ""));
        assert!(same(Form::Expr, "a+1", "a + 1", canon));
    }
}
