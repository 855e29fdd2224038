//! Column names referenced by a ClickHouse expression (ORDER BY keys, TTLs, defaults, ...).

mod location;
mod ttl;
mod walk;

use sqlparser::ast::{SelectItem, SetExpr, Statement};
use sqlparser::dialect::ClickHouseDialect;
use sqlparser::parser::Parser;
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

/// `created_at` (surrounding blanks allowed), not a keyword a parser would read otherwise.
fn bare_identifier(text: &str) -> Option<ColumnRef> {
    let start = text.len() - text.trim_start().len();
    let name = text.trim();
    let mut chars = name.chars();
    let first = chars.next()?;
    let plain = (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    let keyword = matches!(
        name.to_ascii_uppercase().as_str(),
        "NULL" | "TRUE" | "FALSE" | "DELETE" | "NOT" | "CASE" | "INTERVAL" | "SELECT"
    );
    (plain && !keyword).then(|| ColumnRef {
        name: name.to_string(),
        span: start..start + name.len(),
    })
}

/// The expressions are parsed as the projection of `SELECT <text>`; offsets are shifted back.
const PREFIX: &str = "SELECT ";

/// Parses a comma-separated list of expressions (a tuple without its parentheses is allowed:
/// `id, toDate(ts)`) and returns the column references in order. TTL rules may carry their
/// actions (`DELETE`, `TO DISK 'x'`, `TO VOLUME 'x'`, `RECOMPRESS CODEC(...)`, `WHERE ...`,
/// `GROUP BY ...`, `SET ...`).
pub fn column_refs(text: &str) -> Result<Vec<ColumnRef>, ExprError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    // Most keys are a bare column name; they need no parser (this runs for every table).
    if let Some(r) = bare_identifier(text) {
        return Ok(vec![r]);
    }
    let cleaned = ttl::blank_ttl_actions(text);
    let sql = format!("{PREFIX}{cleaned}");
    let lines = location::LineIndex::new(&sql);
    let to_text_error = |message: String, at: Option<usize>| {
        let start = at.map_or(0, |b| b.saturating_sub(PREFIX.len()).min(text.len()));
        let end = text[start..]
            .char_indices()
            .nth(1)
            .map_or(text.len(), |(i, _)| start + i);
        ExprError {
            message,
            span: start..end,
        }
    };
    let dialect = ClickHouseDialect {};
    let statements = Parser::new(&dialect)
        .try_with_sql(&sql)
        .and_then(|mut p| p.parse_statements())
        .map_err(|e| {
            let message = e.to_string();
            let at = location::error_location(&message).and_then(|(l, c)| lines.byte_offset(l, c));
            to_text_error(message, at)
        })?;
    let [Statement::Query(query)] = statements.as_slice() else {
        return Err(to_text_error("expected expressions only".to_string(), None));
    };
    let SetExpr::Select(select) = query.body.as_ref() else {
        return Err(to_text_error("expected expressions only".to_string(), None));
    };
    if !select.from.is_empty() || select.selection.is_some() {
        return Err(to_text_error("expected expressions only".to_string(), None));
    }
    let mut walker = walk::Walker::new(&lines, PREFIX.len());
    for item in &select.projection {
        match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                walker.expr(e)
            }
            _ => {}
        }
    }
    let mut refs = walker.into_refs();
    for r in &mut refs {
        r.span.start = r.span.start.min(text.len());
        r.span.end = r.span.end.clamp(r.span.start, text.len());
    }
    Ok(refs)
}

#[cfg(test)]
mod tests;
