//! Column names referenced by a ClickHouse expression (ORDER BY keys, TTLs, defaults, ...).

use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRef {
    pub name: String,
    /// Byte range inside the expression text.
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    pub message: String,
    pub span: Range<usize>,
}

/// Parses a comma-separated list of expressions (a tuple without its parentheses is allowed:
/// `id, toDate(ts)`) and returns the column references in order.
pub fn column_refs(text: &str) -> Result<Vec<ColumnRef>, ExprError> {
    let _ = text;
    Ok(Vec::new())
}
