//! Type family names as ClickHouse 26.9 registers them (`system.data_type_families`).

/// What a family name resolves to: a canonical family, plus how aliases reshape arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    UInt128,
    UInt256,
    Int8,
    Int16,
    Int32,
    Int64,
    Int128,
    Int256,
    Float32,
    Float64,
    BFloat16,
    Bool,
    String,
    FixedString,
    Uuid,
    IPv4,
    IPv6,
    Date,
    Date32,
    DateTime,
    /// `TIMESTAMP`: `DateTime`, or `DateTime64(p)` when given a precision.
    Timestamp,
    DateTime64,
    Time,
    Time64,
    Decimal,
    Decimal32,
    Decimal64,
    Decimal128,
    Decimal256,
    Enum,
    Enum8,
    Enum16,
    Nothing,
    Nullable,
    LowCardinality,
    Array,
    Tuple,
    Map,
    Nested,
    Variant,
    Dynamic,
    Json,
    AggregateFunction,
    SimpleAggregateFunction,
    QBit,
    Interval(super::IntervalUnit),
    Geo(super::GeoKind),
}

use super::{GeoKind as G, IntervalUnit as I};
use Family as F;

/// Case-sensitive names.
const EXACT: &[(&str, Family)] = &[
    ("AggregateFunction", F::AggregateFunction),
    ("Array", F::Array),
    ("BFloat16", F::BFloat16),
    ("Dynamic", F::Dynamic),
    ("Enum16", F::Enum16),
    ("Enum8", F::Enum8),
    ("FixedString", F::FixedString),
    ("Float32", F::Float32),
    ("Float64", F::Float64),
    ("Geometry", F::Geo(G::Geometry)),
    ("GEOMETRY", F::Geo(G::Geometry)),
    ("IPv4", F::IPv4),
    ("IPv6", F::IPv6),
    ("Int128", F::Int128),
    ("Int16", F::Int16),
    ("Int256", F::Int256),
    ("Int32", F::Int32),
    ("Int64", F::Int64),
    ("Int8", F::Int8),
    ("IntervalDay", F::Interval(I::Day)),
    ("IntervalHour", F::Interval(I::Hour)),
    ("IntervalMicrosecond", F::Interval(I::Microsecond)),
    ("IntervalMillisecond", F::Interval(I::Millisecond)),
    ("IntervalMinute", F::Interval(I::Minute)),
    ("IntervalMonth", F::Interval(I::Month)),
    ("IntervalNanosecond", F::Interval(I::Nanosecond)),
    ("IntervalQuarter", F::Interval(I::Quarter)),
    ("IntervalSecond", F::Interval(I::Second)),
    ("IntervalWeek", F::Interval(I::Week)),
    ("IntervalYear", F::Interval(I::Year)),
    ("LineString", F::Geo(G::LineString)),
    ("LowCardinality", F::LowCardinality),
    ("Map", F::Map),
    ("MultiLineString", F::Geo(G::MultiLineString)),
    ("MultiPoint", F::Geo(G::MultiPoint)),
    ("MultiPolygon", F::Geo(G::MultiPolygon)),
    ("Nested", F::Nested),
    ("Nothing", F::Nothing),
    ("Nullable", F::Nullable),
    ("Point", F::Geo(G::Point)),
    ("Polygon", F::Geo(G::Polygon)),
    ("QBit", F::QBit),
    ("Ring", F::Geo(G::Ring)),
    ("SimpleAggregateFunction", F::SimpleAggregateFunction),
    ("String", F::String),
    ("Tuple", F::Tuple),
    ("UInt128", F::UInt128),
    ("UInt16", F::UInt16),
    ("UInt256", F::UInt256),
    ("UInt32", F::UInt32),
    ("UInt64", F::UInt64),
    ("UInt8", F::UInt8),
    ("UUID", F::Uuid),
    ("Variant", F::Variant),
];

/// Case-insensitive names and aliases, upper-cased.
const ANY_CASE: &[(&str, Family)] = &[
    ("BIGINT", F::Int64),
    ("BIGINT SIGNED", F::Int64),
    ("BIGINT UNSIGNED", F::UInt64),
    ("BINARY", F::FixedString),
    ("BINARY LARGE OBJECT", F::String),
    ("BINARY VARYING", F::String),
    ("BIT", F::UInt64),
    ("BLOB", F::String),
    ("BOOL", F::Bool),
    ("BOOLEAN", F::Bool),
    ("BYTE", F::Int8),
    ("BYTEA", F::String),
    ("CHAR", F::String),
    ("CHAR LARGE OBJECT", F::String),
    ("CHAR VARYING", F::String),
    ("CHARACTER", F::String),
    ("CHARACTER LARGE OBJECT", F::String),
    ("CHARACTER VARYING", F::String),
    ("CLOB", F::String),
    ("DATE", F::Date),
    ("DATE32", F::Date32),
    ("DATETIME", F::DateTime),
    ("DATETIME32", F::DateTime),
    ("DATETIME64", F::DateTime64),
    ("DEC", F::Decimal),
    ("DECIMAL", F::Decimal),
    ("DECIMAL128", F::Decimal128),
    ("DECIMAL256", F::Decimal256),
    ("DECIMAL32", F::Decimal32),
    ("DECIMAL64", F::Decimal64),
    ("DOUBLE", F::Float64),
    ("DOUBLE PRECISION", F::Float64),
    ("ENUM", F::Enum),
    ("FIXED", F::Decimal),
    ("FLOAT", F::Float32),
    ("INET4", F::IPv4),
    ("INET6", F::IPv6),
    ("INT", F::Int32),
    ("INT SIGNED", F::Int32),
    ("INT UNSIGNED", F::UInt32),
    ("INT1", F::Int8),
    ("INT1 SIGNED", F::Int8),
    ("INT1 UNSIGNED", F::UInt8),
    ("INTEGER", F::Int32),
    ("INTEGER SIGNED", F::Int32),
    ("INTEGER UNSIGNED", F::UInt32),
    ("JSON", F::Json),
    ("LONGBLOB", F::String),
    ("LONGTEXT", F::String),
    ("MEDIUMBLOB", F::String),
    ("MEDIUMINT", F::Int32),
    ("MEDIUMINT SIGNED", F::Int32),
    ("MEDIUMINT UNSIGNED", F::UInt32),
    ("MEDIUMTEXT", F::String),
    ("NATIONAL CHAR", F::String),
    ("NATIONAL CHAR VARYING", F::String),
    ("NATIONAL CHARACTER", F::String),
    ("NATIONAL CHARACTER LARGE OBJECT", F::String),
    ("NATIONAL CHARACTER VARYING", F::String),
    ("NCHAR", F::String),
    ("NCHAR LARGE OBJECT", F::String),
    ("NCHAR VARYING", F::String),
    ("NUMERIC", F::Decimal),
    ("NVARCHAR", F::String),
    ("REAL", F::Float32),
    ("SET", F::UInt64),
    ("SIGNED", F::Int64),
    ("SINGLE", F::Float32),
    ("SMALLINT", F::Int16),
    ("SMALLINT SIGNED", F::Int16),
    ("SMALLINT UNSIGNED", F::UInt16),
    ("TEXT", F::String),
    ("TIME", F::Time),
    ("TIME64", F::Time64),
    ("TIMESTAMP", F::Timestamp),
    ("TINYBLOB", F::String),
    ("TINYINT", F::Int8),
    ("TINYINT SIGNED", F::Int8),
    ("TINYINT UNSIGNED", F::UInt8),
    ("TINYTEXT", F::String),
    ("UNSIGNED", F::UInt64),
    ("VARBINARY", F::String),
    ("VARCHAR", F::String),
    ("VARCHAR2", F::String),
    ("YEAR", F::UInt16),
];

pub(crate) fn lookup(name: &str) -> Option<Family> {
    if let Some((_, f)) = EXACT.iter().find(|(n, _)| *n == name) {
        return Some(*f);
    }
    ANY_CASE
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, f)| *f)
}

pub(crate) fn is_multi_word(name: &str) -> bool {
    name.contains(' ') && ANY_CASE.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
}

/// First words of the multi-word aliases in `ANY_CASE`: checked for every type name, so kept short.
const MULTI_WORD_HEADS: &[&str] = &[
    "BIGINT",
    "BINARY",
    "CHAR",
    "CHARACTER",
    "DOUBLE",
    "INT",
    "INT1",
    "INTEGER",
    "MEDIUMINT",
    "NATIONAL",
    "NCHAR",
    "SMALLINT",
    "TINYINT",
];

/// Whether `word` is the first word of some multi-word alias.
pub(crate) fn starts_multi_word(word: &str) -> bool {
    MULTI_WORD_HEADS
        .iter()
        .any(|h| h.eq_ignore_ascii_case(word))
}

/// Whether `first next` begins a multi-word alias (so `Tuple(DOUBLE PRECISION)` is a type, not
/// an element named `DOUBLE`).
pub(crate) fn is_multi_word_prefix_pair(first: &str, next: &super::lexer::Tok) -> bool {
    let super::lexer::Tok::Word(second) = next else {
        return false;
    };
    ANY_CASE.iter().any(|(n, _)| {
        let mut words = n.split(' ');
        words.next().is_some_and(|w| w.eq_ignore_ascii_case(first))
            && words.next().is_some_and(|w| w.eq_ignore_ascii_case(second))
    })
}

/// Closest known name by case-insensitive edit distance, for "did you mean".
pub(crate) fn suggest(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let canonical = EXACT.iter().map(|(n, _)| *n).chain(
        // Aliases are suggested in the spelling ClickHouse documents them.
        [
            "Bool",
            "Date",
            "Date32",
            "DateTime",
            "DateTime64",
            "Decimal",
            "Enum",
            "JSON",
            "Time",
        ],
    );
    let mut best: Option<(usize, &'static str)> = None;
    for cand in canonical {
        let d = edit_distance(&lower, &cand.to_ascii_lowercase());
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, cand));
        }
    }
    let limit = (name.len() / 2).clamp(1, 3);
    best.filter(|(d, _)| *d <= limit).map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}
