//! Column names referenced by a ClickHouse expression (ORDER BY keys, TTLs, defaults, ...).

mod ttl;
mod walk;

use sqlparser::ast::{SelectItem, SetExpr, Statement};
use sqlparser::dialect::ClickHouseDialect;
use sqlparser::parser::Parser;
use std::ops::Range;

use crate::sql::location::{LineIndex, error_location};
use crate::sql::tokens::readable_escapes;

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
    // Words a parser reads as something other than a column; they go the slow way.
    let keyword = matches!(
        name.to_ascii_uppercase().as_str(),
        "NULL"
            | "TRUE"
            | "FALSE"
            | "DELETE"
            | "NOT"
            | "CASE"
            | "INTERVAL"
            | "SELECT"
            | "AND"
            | "OR"
            | "IS"
            | "IN"
            | "LIKE"
            | "BETWEEN"
            | "AS"
            | "DISTINCT"
            | "ALL"
            | "ANY"
            | "EXISTS"
            | "WHERE"
            | "FROM"
            | "GROUP"
            | "BY"
            | "SET"
            | "TO"
            | "RECOMPRESS"
    );
    (plain && !keyword).then(|| ColumnRef {
        name: name.to_string(),
        span: start..start + name.len(),
    })
}

/// Names, calls and commas only (`toYYYYMM(created_at)`, `now()`, `id, cityHash64(id)`): a
/// word before `(` is a function, any other word a column. Anything else (operators, literals,
/// keywords, lambdas) goes to the parser.
fn simple_calls(text: &str) -> Option<Vec<ColumnRef>> {
    let bytes = text.as_bytes();
    if !bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'(' | b')' | b',' | b' '))
    {
        return None;
    }
    let mut refs = Vec::new();
    let mut depth = 0i32;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth < 0 {
                    return None;
                }
            }
            b if b.is_ascii_alphanumeric() || b == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                let word = &text[start..i];
                let mut j = i;
                while j < bytes.len() && bytes[j] == b' ' {
                    j += 1;
                }
                let call = bytes.get(j) == Some(&b'(');
                if word.as_bytes()[0].is_ascii_digit() {
                    // A number: fine as an argument, but `1abc` is not something to guess at.
                    if !word.bytes().all(|b| b.is_ascii_digit()) {
                        return None;
                    }
                } else if !call {
                    bare_identifier(word)?;
                    refs.push(ColumnRef {
                        name: word.to_string(),
                        span: start..i,
                    });
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    (depth == 0).then_some(refs)
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
    if let Some(refs) = simple_calls(text) {
        return Ok(refs);
    }
    parse_refs(text)
}

/// The general path: `sqlparser` over `SELECT <text>`.
fn parse_refs(text: &str) -> Result<Vec<ColumnRef>, ExprError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let cleaned = ttl::blank_ttl_actions(text);
    let sql = format!("{PREFIX}{}", readable_escapes(&cleaned));
    let lines = LineIndex::new(&sql);
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
            let at = error_location(&message).and_then(|(l, c)| lines.byte_offset(l, c));
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
mod fast_path_tests {
    use super::*;

    /// The shortcuts agree with the parser wherever they answer.
    #[test]
    fn shortcuts_agree_with_the_parser() {
        for text in [
            "id",
            " created_at ",
            "toYYYYMM(created_at)",
            "now()",
            "id, cityHash64(id)",
            "tuple()",
            "f(a, g(b, 3), c)",
            "toStartOfInterval(ts, toIntervalMinute(5))",
        ] {
            let fast = bare_identifier(text)
                .map(|r| vec![r])
                .or_else(|| simple_calls(text))
                .unwrap_or_else(|| panic!("no shortcut for {text}"));
            let slow = parse_refs(text).unwrap();
            assert_eq!(fast, slow, "{text}");
        }
        for text in ["a + b", "x IS NULL", "1abc", "f(a", "NOT a", "a AND b"] {
            assert!(
                simple_calls(text).is_none() || bare_identifier(text).is_some(),
                "{text}"
            );
        }
    }
}

#[cfg(test)]
mod tests;
