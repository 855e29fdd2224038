//! Which column type changes a version-bump backfill can carry with a `CAST`: ClickHouse
//! knowledge of conversions that keep every value. Anything else needs an explicit
//! per-column `backfill` expression.

use crate::chtype::{ColumnType, DataType};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cast {
    /// Same type: copy the column as is.
    Same,
    /// Every value converts without loss: copy through `CAST(col AS new)`.
    Safe,
    /// Some values could fail to convert or lose information; the text says why.
    Unsafe(String),
}

pub fn cast(from: &ColumnType, to: &ColumnType) -> Cast {
    if from == to {
        return Cast::Same;
    }
    match (from.known(), to.known()) {
        (Some(f), Some(t)) => {
            if lossless(f, t) {
                Cast::Safe
            } else {
                Cast::Unsafe(reason(f, t))
            }
        }
        _ => Cast::Unsafe(format!("chplan cannot read the types {from} and {to}")),
    }
}

fn strip_low_cardinality(t: &DataType) -> &DataType {
    match t {
        DataType::LowCardinality(inner) => inner,
        other => other,
    }
}

fn lossless(from: &DataType, to: &DataType) -> bool {
    use DataType::*;
    let (from, to) = (strip_low_cardinality(from), strip_low_cardinality(to));
    if from == to {
        return true;
    }
    match (from, to) {
        (Nullable(f), Nullable(t)) => lossless(f, t),
        (f, Nullable(t)) => lossless(f, t),
        (Nullable(_), _) => false,
        (Array(f), Array(t)) => lossless(f, t),
        (Map(fk, fv), Map(tk, tv)) => lossless(fk, tk) && lossless(fv, tv),
        (f, String) => textual(f),
        (FixedString(n), FixedString(m)) => m >= n,
        (Date, Date32) | (Date, DateTime { .. }) | (Date, DateTime64 { .. }) => true,
        (Date32, DateTime64 { .. }) => true,
        (DateTime { .. }, DateTime64 { .. }) => true,
        (DateTime64 { precision: p, .. }, DateTime64 { precision: q, .. }) => q >= p,
        (Float32, Float64) => true,
        (
            Decimal {
                precision: p,
                scale: s,
            },
            Decimal {
                precision: q,
                scale: t,
            },
        ) => t >= s && (q - t) >= (p - s),
        (Enum8(a), Enum16(b)) | (Enum8(a), Enum8(b)) | (Enum16(a), Enum16(b)) => {
            a.iter().all(|(name, _)| b.iter().any(|(n, _)| n == name))
        }
        (f, t) => match (int_bits(f), int_bits(t)) {
            // Unsigned into wider unsigned or into a strictly wider signed type; signed into
            // wider signed. Floats hold integers of up to 24/53 bits exactly.
            (Some((fb, fs)), Some((tb, ts))) => (fs == ts && tb >= fb) || (!fs && ts && tb > fb),
            (Some((fb, _)), None) => match t {
                Float64 => fb <= 32,
                Float32 => fb <= 16,
                _ => false,
            },
            _ => false,
        },
    }
}

/// (bits, signed) of integer types.
fn int_bits(t: &DataType) -> Option<(u16, bool)> {
    use DataType::*;
    Some(match t {
        UInt8 => (8, false),
        UInt16 => (16, false),
        UInt32 => (32, false),
        UInt64 => (64, false),
        UInt128 => (128, false),
        UInt256 => (256, false),
        Int8 => (8, true),
        Int16 => (16, true),
        Int32 => (32, true),
        Int64 => (64, true),
        Int128 => (128, true),
        Int256 => (256, true),
        _ => return None,
    })
}

/// Types whose every value has a text form that reads back the same.
fn textual(t: &DataType) -> bool {
    use DataType::*;
    int_bits(t).is_some()
        || matches!(
            t,
            Float32
                | Float64
                | Bool
                | String
                | FixedString(_)
                | Uuid
                | IPv4
                | IPv6
                | Date
                | Date32
                | DateTime { .. }
                | DateTime64 { .. }
                | Decimal { .. }
                | Enum8(_)
                | Enum16(_)
        )
}

fn reason(from: &DataType, to: &DataType) -> String {
    use DataType::*;
    match (strip_low_cardinality(from), strip_low_cardinality(to)) {
        (Nullable(_), t) if !matches!(t, Nullable(_)) => {
            format!("{from} to {to} has no value for NULL")
        }
        (String, _) | (FixedString(_), _) => format!("not every {from} value parses as {to}"),
        _ => format!("{from} to {to} can overflow, round or fail for some values"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cast_text(from: &str, to: &str) -> Cast {
        cast(&ColumnType::parse(from), &ColumnType::parse(to))
    }

    #[test]
    fn widening_and_wrapping_are_safe() {
        for (f, t) in [
            ("String", "LowCardinality(String)"),
            ("LowCardinality(String)", "String"),
            ("UInt32", "UInt64"),
            ("UInt32", "Int64"),
            ("Int8", "Nullable(Int16)"),
            ("DateTime", "DateTime64(3)"),
            ("Decimal(10, 2)", "Decimal(18, 4)"),
            ("UInt64", "String"),
            ("Array(UInt8)", "Array(UInt16)"),
            ("Enum8('a' = 1)", "Enum8('a' = 1, 'b' = 2)"),
        ] {
            assert_eq!(cast_text(f, t), Cast::Safe, "{f} -> {t}");
        }
    }

    #[test]
    fn narrowing_and_parsing_are_not() {
        for (f, t) in [
            ("UInt64", "UInt32"),
            ("Int64", "UInt64"),
            ("Nullable(String)", "String"),
            ("String", "UInt64"),
            ("Float64", "Float32"),
            ("Decimal(18, 4)", "Decimal(10, 2)"),
            ("Enum8('a' = 1, 'b' = 2)", "Enum8('a' = 1)"),
        ] {
            assert!(matches!(cast_text(f, t), Cast::Unsafe(_)), "{f} -> {t}");
        }
        assert_eq!(cast_text("String", "String"), Cast::Same);
    }
}
