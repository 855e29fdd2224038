//! Column codecs as the server stores them. A declared `CODEC(...)` is not kept as written:
//! the server builds each codec for every data stream of the column and stores the
//! description the codec gives back, with its defaults filled in (`ZSTD` is `ZSTD(1)`,
//! `Delta` on a UInt32 is `Delta(4)`). When the streams' descriptions differ (`Delta` on a
//! `Tuple(UInt32, UInt64)`), the list is stored as written. What follows was read off
//! ClickHouse 26.9 (`system.columns.compression_codec` after `CREATE TABLE`), type by type.

use crate::chtype::DataType;
use crate::sql::tokens::split_top_level;

/// The codec list (the inside of `CODEC(...)`) as `system.columns.compression_codec` shows it
/// for a column of type `ty`, or `None` where that cannot be told from here (a codec this does
/// not know, a type whose streams it does not know).
pub fn stored_codec(codec: &str, ty: &DataType) -> Option<String> {
    let items: Vec<Codec> = split_top_level(codec).iter().map(|c| parse(c)).collect();
    let as_written = items.iter().map(Codec::text).collect::<Vec<_>>().join(", ");
    let mut leaves = Vec::new();
    streams(ty, &mut leaves)?;
    let mut stored: Option<String> = None;
    for leaf in leaves {
        let one = items
            .iter()
            .map(|c| c.stored(leaf))
            .collect::<Option<Vec<_>>>()?
            .join(", ");
        match &stored {
            Some(s) if *s != one => return Some(as_written),
            _ => stored = Some(one),
        }
    }
    stored.or(Some(as_written))
}

/// One codec of the list: its name and its arguments, each trimmed.
struct Codec {
    name: String,
    args: Option<Vec<String>>,
}

fn parse(text: &str) -> Codec {
    match text.split_once('(') {
        Some((name, rest)) => Codec {
            name: name.trim().to_owned(),
            args: Some(split_top_level(rest.trim_end().trim_end_matches(')'))),
        },
        None => Codec {
            name: text.trim().to_owned(),
            args: None,
        },
    }
}

impl Codec {
    fn text(&self) -> String {
        match &self.args {
            Some(args) => format!("{}({})", self.name, args.join(", ")),
            None => self.name.clone(),
        }
    }

    /// The description the server stores for this codec on a stream of type `leaf`.
    fn stored(&self, leaf: &DataType) -> Option<String> {
        let with = |arg: String| Some(format!("{}({arg})", self.name));
        match (self.name.as_str(), &self.args) {
            ("ZSTD", None) => with("1".into()),
            ("LZ4HC", None) => with("0".into()),
            ("FPC", None) => with("12".into()),
            // The float width is worked out from the type, never stored.
            ("FPC", Some(args)) => with(args.first()?.clone()),
            ("Delta" | "Gorilla", None) => with(fixed_size(leaf)?.to_string()),
            ("ZSTD" | "LZ4HC" | "Delta" | "Gorilla", Some(_))
            | ("LZ4" | "NONE" | "Default" | "DoubleDelta" | "T64" | "GCD", None) => {
                Some(self.text())
            }
            _ => None,
        }
    }
}

/// The types of the column's data streams (null maps, array sizes and dictionary indexes are
/// never compressed with the column's codec). `None` for types whose streams are not known
/// here (`JSON`, `Dynamic`, `Variant`: their streams change with the data).
fn streams<'t>(ty: &'t DataType, out: &mut Vec<&'t DataType>) -> Option<()> {
    match ty {
        DataType::Nullable(t) | DataType::LowCardinality(t) | DataType::Array(t) => streams(t, out),
        DataType::Tuple(items) => items.iter().try_for_each(|(_, t)| streams(t, out)),
        DataType::Nested(items) => items.iter().try_for_each(|(_, t)| streams(t, out)),
        DataType::Map(k, v) => {
            streams(k, out)?;
            streams(v, out)
        }
        DataType::Variant(_)
        | DataType::Dynamic { .. }
        | DataType::Json(_)
        | DataType::AggregateFunction(_)
        | DataType::SimpleAggregateFunction(_)
        | DataType::QBit { .. }
        | DataType::Geo(_) => None,
        t => {
            out.push(t);
            Some(())
        }
    }
}

/// Bytes per value of a fixed-size type, where `Delta` and `Gorilla` take it as their default.
fn fixed_size(ty: &DataType) -> Option<u64> {
    use DataType as T;
    Some(match ty {
        T::UInt8 | T::Int8 | T::Bool | T::Enum8(_) => 1,
        T::UInt16 | T::Int16 | T::Date | T::Enum16(_) | T::BFloat16 => 2,
        T::UInt32 | T::Int32 | T::Float32 | T::Date32 | T::DateTime { .. } | T::IPv4 | T::Time => 4,
        T::UInt64 | T::Int64 | T::Float64 | T::DateTime64 { .. } | T::Time64 { .. } => 8,
        T::Decimal { precision, .. } if *precision <= 9 => 4,
        T::Decimal { precision, .. } if *precision <= 18 => 8,
        T::FixedString(n @ (1 | 2 | 4 | 8)) => *n,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chtype::parse_type;

    /// Pairs (declared, type, stored) as ClickHouse 26.9 shows them in `system.columns`.
    #[test]
    fn stored_forms_are_the_servers() {
        let cases = [
            ("ZSTD", "String", "ZSTD(1)"),
            ("ZSTD(22)", "UInt64", "ZSTD(22)"),
            ("ZSTD( 3 )", "Int8", "ZSTD(3)"),
            ("Delta, ZSTD", "UInt64", "Delta(8), ZSTD(1)"),
            (
                "Delta,ZSTD(3)",
                "Array(Nullable(Int16))",
                "Delta(2), ZSTD(3)",
            ),
            ("ZSTD", "LowCardinality(Nullable(String))", "ZSTD(1)"),
            ("Delta, ZSTD", "Decimal(10, 2)", "Delta(8), ZSTD(1)"),
            ("Delta, ZSTD", "FixedString(4)", "Delta(4), ZSTD(1)"),
            ("Delta, ZSTD", "Tuple(UInt32, UInt32)", "Delta(4), ZSTD(1)"),
            ("Delta, ZSTD", "Tuple(UInt32, UInt64)", "Delta, ZSTD"),
            ("Delta, ZSTD", "Map(UInt8, UInt16)", "Delta, ZSTD"),
            ("ZSTD", "Tuple(UInt32, UInt64)", "ZSTD(1)"),
            ("Delta(2), ZSTD", "UInt64", "Delta(2), ZSTD(1)"),
            ("Gorilla, ZSTD", "Nullable(Float32)", "Gorilla(4), ZSTD(1)"),
            ("FPC", "Float64", "FPC(12)"),
            ("FPC(5, 4)", "Float64", "FPC(5)"),
            ("LZ4HC", "String", "LZ4HC(0)"),
            ("DoubleDelta, ZSTD", "DateTime64(3)", "DoubleDelta, ZSTD(1)"),
            ("T64, LZ4", "Date", "T64, LZ4"),
            ("Default", "UInt8", "Default"),
        ];
        for (declared, ty, stored) in cases {
            let ty = parse_type(ty).unwrap();
            assert_eq!(
                stored_codec(declared, &ty).as_deref(),
                Some(stored),
                "{declared} on {ty}"
            );
        }
        let json = parse_type("JSON").unwrap();
        assert_eq!(stored_codec("Delta, ZSTD", &json), None);
        let string = parse_type("String").unwrap();
        assert_eq!(stored_codec("Delta", &string), None);
        assert_eq!(stored_codec("AES_128_GCM_SIV", &string), None);
    }
}
