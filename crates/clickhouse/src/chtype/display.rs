//! Canonical rendering, byte for byte what ClickHouse prints in `system.columns.type`.

use super::{AggregateFunction, DataType, JsonParams};
use crate::sqltext::is_plain_identifier;
pub(crate) use crate::sqltext::write_quoted;
use std::fmt::{self, Display, Formatter, Write};

impl Display for DataType {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        use DataType as D;
        match self {
            D::FixedString(n) => write!(f, "FixedString({n})"),
            D::DateTime { tz } => {
                f.write_str("DateTime")?;
                if let Some(tz) = tz {
                    f.write_char('(')?;
                    write_quoted(f, tz, '\'')?;
                    f.write_char(')')?;
                }
                Ok(())
            }
            D::DateTime64 { precision, tz } => {
                write!(f, "DateTime64({precision}")?;
                if let Some(tz) = tz {
                    f.write_str(", ")?;
                    write_quoted(f, tz, '\'')?;
                }
                f.write_char(')')
            }
            D::Time64 { precision } => write!(f, "Time64({precision})"),
            D::Decimal { precision, scale } => write!(f, "Decimal({precision}, {scale})"),
            D::Enum8(entries) | D::Enum16(entries) => write_enum(f, self.name(), entries),
            D::Nullable(t) | D::LowCardinality(t) | D::Array(t) => {
                write!(f, "{}({t})", self.name())
            }
            D::Tuple(elems) => write_tuple(f, elems),
            D::Nested(elems) => write_nested(f, elems),
            D::Map(k, v) => write!(f, "Map({k}, {v})"),
            D::Variant(types) => {
                f.write_str("Variant(")?;
                for (i, t) in types.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_char(')')
            }
            D::Dynamic { max_types } => match max_types {
                Some(n) => write!(f, "Dynamic(max_types={n})"),
                None => f.write_str("Dynamic"),
            },
            D::Json(params) => write_json(f, params),
            D::AggregateFunction(func) => write_aggregate(f, "AggregateFunction", func),
            D::SimpleAggregateFunction(func) => write_aggregate(f, "SimpleAggregateFunction", func),
            D::QBit { element, dimension } => write!(f, "QBit({element}, {dimension})"),
            _ => f.write_str(self.name()),
        }
    }
}

/// Enum entries as ClickHouse prints them: names single-quoted with its escaping, then
/// ` = value`, so that a declared enum compares equal to the server's spelling.
fn write_enum(f: &mut Formatter<'_>, family: &str, entries: &[(String, i16)]) -> fmt::Result {
    write!(f, "{family}(")?;
    for (i, (name, value)) in entries.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write_quoted(f, name, '\'')?;
        write!(f, " = {value}")?;
    }
    f.write_char(')')
}

/// Tuple elements may be unnamed; named ones get their name quoted only where ClickHouse
/// would quote it.
fn write_tuple(f: &mut Formatter<'_>, elems: &[(Option<String>, DataType)]) -> fmt::Result {
    f.write_str("Tuple(")?;
    for (i, (name, t)) in elems.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        if let Some(name) = name {
            write_ident(f, name)?;
            f.write_char(' ')?;
        }
        write!(f, "{t}")?;
    }
    f.write_char(')')
}

/// Nested elements are always named, quoted only where ClickHouse would quote them.
fn write_nested(f: &mut Formatter<'_>, elems: &[(String, DataType)]) -> fmt::Result {
    f.write_str("Nested(")?;
    for (i, (name, t)) in elems.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write_ident(f, name)?;
        write!(f, " {t}")?;
    }
    f.write_char(')')
}

fn write_json(f: &mut Formatter<'_>, p: &JsonParams) -> fmt::Result {
    f.write_str("JSON")?;
    let mut first = true;
    let mut sep = |f: &mut Formatter<'_>| {
        let s = if first { "(" } else { ", " };
        first = false;
        f.write_str(s)
    };
    if let Some(n) = p.max_dynamic_types {
        sep(f)?;
        write!(f, "max_dynamic_types={n}")?;
    }
    if let Some(n) = p.max_dynamic_paths {
        sep(f)?;
        write!(f, "max_dynamic_paths={n}")?;
    }
    for (path, t) in &p.typed_paths {
        sep(f)?;
        write_ident(f, path)?;
        write!(f, " {t}")?;
    }
    for path in &p.skip_paths {
        sep(f)?;
        f.write_str("SKIP ")?;
        write_ident(f, path)?;
    }
    for re in &p.skip_regexps {
        sep(f)?;
        f.write_str("SKIP REGEXP ")?;
        write_quoted(f, re, '\'')?;
    }
    if !first {
        f.write_char(')')?;
    }
    Ok(())
}

fn write_aggregate(f: &mut Formatter<'_>, family: &str, func: &AggregateFunction) -> fmt::Result {
    write!(f, "{family}(")?;
    if let Some(v) = func.version.filter(|v| *v > 0) {
        write!(f, "{v}, ")?;
    }
    f.write_str(&func.name)?;
    if let Some(params) = &func.params {
        write!(f, "({})", params.join(", "))?;
    }
    for arg in &func.args {
        write!(f, ", {arg}")?;
    }
    f.write_char(')')
}

/// ClickHouse's `backQuoteIfNeed`: plain when a valid identifier, else backquoted.
pub(crate) fn write_ident(f: &mut impl Write, name: &str) -> fmt::Result {
    if is_plain_identifier(name) {
        f.write_str(name)
    } else {
        write_quoted(f, name, '`')
    }
}
