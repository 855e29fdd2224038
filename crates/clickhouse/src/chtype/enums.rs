//! `Enum`, `Enum8` and `Enum16`.

use super::syntax::{Arg, Literal, TypeExpr};
use super::{DataType, TypeError};
use std::ops::Range;

type Entry = (String, i16, Range<usize>);

/// `bits` is `None` for plain `Enum`, which picks Enum8 when every value fits.
pub(crate) fn build_enum(
    expr: &TypeExpr,
    args: &[Arg],
    bits: Option<u8>,
) -> Result<DataType, TypeError> {
    if args.is_empty() {
        return Err(TypeError::new(
            "an enum cannot be empty",
            expr.span.clone(),
            Some("list its values: Enum8('a' = 1, 'b' = 2)".into()),
        ));
    }
    let explicit = matches!(args[0], Arg::EnumEntry { .. });
    // Either every element has a value, or only the first does and the rest count up from it.
    // ClickHouse 26.9 also takes `Enum('a', 'b' = 5)` (two elements, only the last valued) as
    // `'a' = 1`; with three or more elements a lone later value is refused.
    let counting = !explicit || matches!(args.get(1), Some(Arg::Literal(_)));
    let bare_then_valued = args.len() == 2 && !explicit && matches!(args[1], Arg::EnumEntry { .. });
    let (lo, hi) = match bits {
        Some(8) => (i64::from(i8::MIN), i64::from(i8::MAX)),
        _ => (i64::from(i16::MIN), i64::from(i16::MAX)),
    };
    let mut entries: Vec<Entry> = Vec::with_capacity(args.len());
    let mut last: i64 = 0;
    for (i, a) in args.iter().enumerate() {
        let (name, value, span) = match a {
            Arg::EnumEntry { name, value, span } if i == 0 || !counting || bare_then_valued => {
                let v = enum_value(value)?;
                (name.to_string(), v, span.clone())
            }
            // Without values, ClickHouse numbers the names from 1; after a first explicit value
            // a bare name takes the previous value plus one.
            Arg::Literal(Literal::Str { value, span }) if counting => {
                let v = if explicit { last + 1 } else { i as i64 + 1 };
                (value.to_string(), v, span.clone())
            }
            _ => {
                return Err(TypeError::new(
                    "enum elements must be `'name' = number` or `'name'`, and values start with the first",
                    a.span(),
                    Some("write every element as `'name' = 1`".into()),
                ));
            }
        };
        check_entry(&entries, &name, value, &span, bits, (lo, hi))?;
        last = value;
        // In range of i16: check_entry checked it.
        entries.push((name, value as i16, span));
    }
    entries.sort_by_key(|e| e.1);
    let fits8 = entries.iter().all(|(_, v, _)| i8::try_from(*v).is_ok());
    let list = entries.into_iter().map(|(n, v, _)| (n, v)).collect();
    Ok(match bits {
        Some(8) => DataType::Enum8(list),
        Some(_) => DataType::Enum16(list),
        None if fits8 => DataType::Enum8(list),
        None => DataType::Enum16(list),
    })
}

/// ClickHouse refuses an enum whose values do not fit its width or whose names or values
/// repeat; checked per element, so the error points at the element that breaks the rule.
fn check_entry(
    entries: &[Entry],
    name: &str,
    value: i64,
    span: &Range<usize>,
    bits: Option<u8>,
    (lo, hi): (i64, i64),
) -> Result<(), TypeError> {
    if !(lo..=hi).contains(&value) {
        let family = if bits == Some(8) { "Enum8" } else { "Enum16" };
        return Err(TypeError::new(
            format!("value {value} of '{name}' is out of range for {family}"),
            span.clone(),
            Some(if bits == Some(8) {
                format!("use a value from {lo} to {hi}, or Enum16")
            } else {
                format!("use a value from {lo} to {hi}")
            }),
        ));
    }
    if let Some((_, other, _)) = entries.iter().find(|(n, _, _)| n == name) {
        return Err(TypeError::new(
            format!("duplicate enum name '{name}' (= {other} and {value})"),
            span.clone(),
            Some("give every element a distinct name".into()),
        ));
    }
    if let Some((other, _, _)) = entries.iter().find(|(_, v, _)| i64::from(*v) == value) {
        return Err(TypeError::new(
            format!("duplicate enum value {value} ('{other}' and '{name}')"),
            span.clone(),
            Some("give every element a distinct value".into()),
        ));
    }
    Ok(())
}

fn enum_value(value: &Literal) -> Result<i64, TypeError> {
    let bad = || {
        TypeError::new(
            "an enum value must be an integer",
            value.span(),
            Some("write `'name' = 1`".into()),
        )
    };
    let Literal::Num { text, .. } = value else {
        return Err(bad());
    };
    let (neg, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text.as_ref()),
    };
    let magnitude = super::build::parse_uint(digits).ok_or_else(bad)?;
    // Saturate: anything this large is reported as out of range.
    let v = i64::try_from(magnitude).unwrap_or(i64::MAX);
    Ok(if neg { -v } else { v })
}
