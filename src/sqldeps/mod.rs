//! Which tables a view's SELECT reads, inferred from its SQL text.

use std::ops::Range;

/// A table named in the SQL, as written (database kept when qualified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRef {
    pub database: Option<String>,
    pub name: String,
    /// Byte range of the whole (possibly qualified, possibly quoted) name in the SQL text,
    /// so that a later pass can rewrite logical names into physical ones.
    pub span: Range<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `sqlparser` parsed the statement; the AST visitor found the tables.
    Parser,
    /// `sqlparser` gave up; the token-level fallback found the tables.
    Tokens,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlDeps {
    /// Every table reference, in order of appearance (duplicates kept: each has its own span).
    pub tables: Vec<TableRef>,
    /// Names of table functions called (`numbers`, `remote`, ...), sorted, deduplicated.
    pub table_functions: Vec<String>,
    pub method: Method,
    /// Set when the tables could not be inferred reliably; the text says why.
    pub problem: Option<String>,
}

/// Infers the tables a SELECT statement reads.
pub fn infer(sql: &str) -> SqlDeps {
    let _ = sql;
    SqlDeps {
        tables: Vec::new(),
        table_functions: Vec::new(),
        method: Method::Parser,
        problem: Some("not implemented".into()),
    }
}
