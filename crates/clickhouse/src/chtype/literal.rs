//! Parameters of aggregate functions, printed the way ClickHouse prints AST literals.

use super::TypeError;
use super::display::write_quoted;
use super::syntax::{Arg, Literal};

pub(crate) fn canonical_param(a: &Arg) -> Result<String, TypeError> {
    match a {
        Arg::Literal(l) => Ok(canonical_literal(l)),
        Arg::Array(items, _) => {
            let parts: Vec<String> = items.iter().map(canonical_literal).collect();
            Ok(format!("[{}]", parts.join(", ")))
        }
        _ => Err(TypeError::new(
            "an aggregate function parameter must be a literal",
            a.span(),
            Some("write a number or a quoted string".into()),
        )),
    }
}

fn canonical_literal(l: &Literal) -> String {
    match l {
        Literal::Str { value, .. } => {
            let mut out = String::with_capacity(value.len() + 2);
            // Writing to a String cannot fail.
            let _ = write_quoted(&mut out, value, '\'');
            out
        }
        Literal::Num { text, .. } => canonical_number(text),
    }
}

/// Integers print as integers; floats in the shortest form that reads back, with a trailing
/// `.` when integral (`1.0` → `1.`) and an exponent only when very small or large (`1e-7`).
fn canonical_number(text: &str) -> String {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text),
    };
    let sign = if neg { "-" } else { "" };
    if let Some(v) = super::build::parse_uint(digits) {
        return format!("{sign}{v}");
    }
    let Ok(v) = digits.parse::<f64>() else {
        return text.to_string();
    };
    let abs = v.abs();
    let body = if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        format!("{v:e}")
    } else if v.fract() == 0.0 {
        format!("{v}.")
    } else {
        format!("{v}")
    };
    format!("{sign}{body}")
}

/// Functions whose state format has versions print the default one: `sumMap` is
/// `AggregateFunction(1, sumMap, ...)`.
pub(crate) fn default_version(name: &str) -> Option<u64> {
    const VERSIONED: &[&str] = &[
        "sumMap",
        "minMap",
        "maxMap",
        "sumMapWithOverflow",
        "sumMapFiltered",
        "sumMapFilteredWithOverflow",
    ];
    VERSIONED.contains(&name).then_some(1)
}
