//! A column's type as the state format keeps it: parsed once, written in ClickHouse's
//! canonical spelling (what `system.columns.type` shows).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{DataType, parse_type};

/// Typed, so the passes ask the type (`is_nullable`, casts) instead of reading text. A type
/// this grammar cannot read (a live server newer than chplan) keeps its text, so reading a
/// database never fails on it; such a type equals only the same text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ColumnType {
    /// Boxed: a state holds thousands of columns, and most `DataType`s are small.
    Known(Box<DataType>),
    Unread(String),
}

impl ColumnType {
    pub fn parse(text: &str) -> ColumnType {
        let text = text.trim();
        match parse_type(text) {
            Ok(t) => ColumnType::Known(Box::new(t)),
            Err(_) => ColumnType::Unread(text.to_string()),
        }
    }

    pub fn known(&self) -> Option<&DataType> {
        match self {
            ColumnType::Known(t) => Some(t),
            ColumnType::Unread(_) => None,
        }
    }

    pub fn is_nullable(&self) -> bool {
        matches!(self, ColumnType::Known(t) if matches!(**t, DataType::Nullable(_)))
    }
}

impl From<DataType> for ColumnType {
    fn from(t: DataType) -> Self {
        ColumnType::Known(Box::new(t))
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnType::Known(t) => t.fmt(f),
            ColumnType::Unread(text) => f.write_str(text),
        }
    }
}

impl Serialize for ColumnType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ColumnType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(ColumnType::parse(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::ColumnType;

    #[test]
    fn canonical_text_both_ways() {
        let t = ColumnType::parse("Nullable( Int32 )");
        assert_eq!(t.to_string(), "Nullable(Int32)");
        assert!(t.is_nullable());
        assert_eq!(ColumnType::parse(&t.to_string()), t);
        let odd = ColumnType::parse("SomeFutureType(1)");
        assert_eq!(odd, ColumnType::Unread("SomeFutureType(1)".into()));
        assert_eq!(odd.to_string(), "SomeFutureType(1)");
    }
}
