//! Every SQL fragment of a declaration checked for what its place takes
//! (`chplan_clickhouse::sql::fragment`): chplan pastes them into `up.sql`, a multi-statement
//! script, so a `;`, a comment or an unterminated string there would change which statements
//! run (E113), and unbalanced brackets or a second expression would break out of the clause
//! (E114). Checked here, while the source is at hand, so the error points at the exact byte
//! inside the KDL string.

use kdl::KdlEntry;

use super::node::Cx;
use super::text;
use crate::front::diag::{Code, Diagnostic};
use crate::front::ir::{Spanned, Table, Text};
use chplan_clickhouse::sql::fragment::{self, Place};

/// The fragments of a table: column defaults, TTLs, codecs and backfills, keys, TTL, index
/// expressions and types, projection bodies, constraints, the engine's `args=`.
pub fn table(cx: &mut Cx, t: &Table) {
    for c in &t.columns {
        let column = || format!("column `{}`", c.name.value);
        if let Some(d) = &c.default {
            check(cx, &d.expr, Place::Expr, || {
                format!("{} of {}", d.kind.property(), column())
            });
        }
        if let Some(codec) = &c.codec {
            check_spanned(cx, codec, Place::ExprList, || {
                format!("codec of {}", column())
            });
        }
        if let Some(ttl) = &c.ttl {
            check(cx, ttl, Place::Expr, || format!("ttl of {}", column()));
        }
        if let Some(b) = &c.backfill {
            check(cx, b, Place::Expr, || format!("backfill of {}", column()));
        }
    }
    for (key, what) in [
        (t.order_by.as_ref(), "order-by"),
        (t.primary_key.as_deref(), "primary-key"),
    ] {
        for item in key
            .iter()
            .flat_map(|k| &k.value)
            .filter(|e| !t.key_is_column(e))
        {
            check(cx, item, Place::ExprList, || what.to_string());
        }
    }
    for (e, what) in [
        (t.partition_by.as_ref(), "partition-by"),
        (t.sample_by.as_deref(), "sample-by"),
    ] {
        if let Some(e) = e {
            check(cx, e, Place::Expr, || what.to_string());
        }
    }
    if let Some(ttl) = &t.ttl {
        check(cx, ttl, Place::ExprList, || "ttl".to_string());
    }
    for i in &t.indexes {
        let index = || format!("index `{}`", i.name.value);
        check(cx, &i.expr, Place::Expr, || {
            format!("expression of {}", index())
        });
        check_spanned(cx, &i.index_type, Place::Expr, || {
            format!("type of {}", index())
        });
    }
    for p in &t.projections {
        check(cx, &p.query, Place::Query, || {
            format!("query of projection `{}`", p.name.value)
        });
    }
    for k in &t.constraints {
        check(cx, &k.expr, Place::Expr, || {
            format!("constraint `{}`", k.name.value)
        });
    }
    // Only `args=` is pasted as written; the named parameters and positional columns are
    // quoted as names or strings.
    if let Some(args) = t.engine.as_ref().and_then(|e| e.params.get("args")) {
        check_spanned(cx, args, Place::ExprList, || "engine `args`".to_string());
    }
}

/// A view's or materialized view's SELECT.
pub fn select(cx: &mut Cx, select: &Text, owner: &str) {
    check(cx, select, Place::Query, || format!("select of {owner}"));
}

/// A setting's name (`settings NAME=value`), pasted bare into SETTINGS clauses.
pub fn setting_name(cx: &mut Cx, entry: &KdlEntry) {
    let Some(key) = entry.name() else { return };
    let span = cx.span(key.span());
    let s = Spanned::new(key.value().to_string(), span);
    check_spanned(cx, &s, Place::Name, || {
        format!("setting name `{}`", key.value())
    });
}

/// A float setting value is pasted as written: `#inf` and `#nan` are KDL, and `#` starts a
/// comment in ClickHouse.
pub fn setting_float(cx: &mut Cx, key: &str, value: f64, span: crate::front::source::Span) {
    if value.is_finite() {
        return;
    }
    let d = Diagnostic::error(
        Code::MalformedFragment,
        span,
        format!("setting `{key}`: a value that is not a finite number cannot be written in SQL"),
    )
    .label("not a SQL number")
    .help("give a finite number, or the value as a string: \"inf\"");
    cx.error(d);
}

/// The text is mapped back to the file only when there is something to report.
fn check_spanned(cx: &mut Cx, s: &Spanned<String>, place: Place, what: impl Fn() -> String) {
    if fragment::check(&s.value, place).is_ok() {
        return;
    }
    let t = text::text(&s.value, s.span, cx.source);
    check(cx, &t, place, what);
}

/// `what` names the fragment in the message; made only when there is one.
fn check(cx: &mut Cx, t: &Text, place: Place, what: impl Fn() -> String) {
    let Err(p) = fragment::check(&t.value, place) else {
        return;
    };
    let what = what();
    let code = if p.what.breaks_statement() {
        Code::FragmentBreaksStatement
    } else {
        Code::MalformedFragment
    };
    let d = Diagnostic::error(
        code,
        t.span_of(p.range.start, p.range.end),
        format!("{what}: {}", p.what.message()),
    )
    .label(p.what.label())
    .help(p.what.help());
    cx.error(d);
}
