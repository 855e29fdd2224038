//! Which tables a view's SELECT reads, inferred from its SQL text.
//!
//! `sqlparser` with the ClickHouse dialect is tried first and its AST walked
//! (`visitor`); when it rejects the statement, or the walk cannot vouch for its result,
//! a token-level scanner (`tokens`) takes over. Both report byte spans (`offsets`).

mod digit_names;

mod tokens;
mod visitor;

#[cfg(test)]
mod tests;

use std::ops::Range;

use sqlparser::dialect::ClickHouseDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use crate::sql::location::LineIndex;
use crate::sql::tokens::readable_escapes;
use crate::sqltext::unquote_ident;
use tokens::Sig;

/// A table named in the SQL, as written (database kept when qualified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRef {
    pub database: Option<String>,
    pub name: String,
    /// Byte range of the whole (possibly qualified, possibly quoted) name in the SQL text,
    /// so that a later pass can rewrite logical names into physical ones.
    pub span: Range<usize>,
}

impl TableRef {
    /// `db.table` or `table`.
    pub fn qualified(&self) -> String {
        match &self.database {
            Some(db) => format!("{db}.{}", self.name),
            None => self.name.clone(),
        }
    }
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

/// What one of the two methods found.
#[derive(Debug, Default)]
pub(crate) struct Found {
    tables: Vec<TableRef>,
    functions: Vec<String>,
    problems: Vec<String>,
}

impl Found {
    fn table(&mut self, database: Option<&str>, name: &str, span: Range<usize>) {
        self.tables.push(TableRef {
            database: database.map(str::to_owned),
            name: name.to_owned(),
            span,
        });
    }

    fn function(&mut self, name: &str) {
        self.functions.push(name.to_owned());
    }

    fn problem(&mut self, why: &str) {
        if !self.problems.iter().any(|p| p == why) {
            self.problems.push(why.to_owned());
        }
    }

    fn into_deps(mut self, method: Method) -> SqlDeps {
        self.functions.sort();
        self.functions.dedup();
        self.tables.sort_by_key(|t| t.span.start);
        SqlDeps {
            tables: self.tables,
            table_functions: self.functions,
            method,
            problem: (!self.problems.is_empty()).then(|| self.problems.join("; ")),
        }
    }
}

fn failed(why: String) -> SqlDeps {
    SqlDeps {
        tables: Vec::new(),
        table_functions: Vec::new(),
        method: Method::Tokens,
        problem: Some(why),
    }
}

/// Quoted names as ClickHouse reads them: sqlparser keeps backslash escapes (`` `c\\d` ``) as
/// written, so each is read again from the text by the one unquoting of `sqltext`.
fn unescape_quoted_names(sql: &str, positions: &LineIndex<'_>, tokens: &mut [TokenWithSpan]) {
    for t in tokens {
        if let Token::Word(w) = &mut t.token
            && w.quote_style.is_some()
            && let (Some(start), Some(end)) =
                (positions.byte(t.span.start), positions.byte(t.span.end))
            && let Some(name) = sql.get(start..end).and_then(unquote_ident)
        {
            w.value = name;
        }
    }
}

/// Infers the tables a SELECT statement reads.
pub fn infer(sql: &str) -> SqlDeps {
    if sql.trim().is_empty() {
        return failed("empty query".into());
    }
    let dialect = ClickHouseDialect {};
    let masked = digit_names::mask(sql);
    let text = masked.as_ref().map_or(sql, |(text, _)| text.as_str());
    let text = readable_escapes(text);
    let mut tokens = match Tokenizer::new(&dialect, &text).tokenize_with_location() {
        Ok(tokens) => tokens,
        Err(e) => return failed(format!("cannot tokenize: {}", e.message)),
    };
    if let Some((_, offsets)) = &masked {
        digit_names::unmask(sql, offsets, &mut tokens);
    }
    let positions = LineIndex::new(sql);
    unescape_quoted_names(sql, &positions, &mut tokens);
    let mut sigs = Vec::with_capacity(tokens.len());
    for t in &tokens {
        if matches!(t.token, Token::Whitespace(_)) {
            continue;
        }
        match (positions.byte(t.span.start), positions.byte(t.span.end)) {
            (Some(start), Some(end)) if start <= end && sql.get(start..end).is_some() => {
                sigs.push(Sig {
                    token: &t.token,
                    start,
                    end,
                })
            }
            _ => return failed("cannot locate a token in the text".into()),
        }
    }
    let names = tokens::Names::new(&sigs);
    let scanned = tokens::scan(&sigs, &names);
    if let Some(mut parsed) = parse(&positions, tokens.clone(), &sigs, &names.aliases) {
        // What the scanner could not read (e.g. a table given by a query parameter) is
        // no more readable from the AST.
        for problem in &scanned.problems {
            parsed.problem(problem);
        }
        // Two independent readings that disagree mean one of them misread the statement.
        if !same_reads(&parsed, &scanned) {
            parsed.problem("the parser and the token scanner disagree on the tables read");
        }
        return parsed.into_deps(Method::Parser);
    }
    scanned.into_deps(Method::Tokens)
}

fn same_reads(a: &Found, b: &Found) -> bool {
    let names = |f: &Found| {
        let mut v: Vec<String> = f.tables.iter().map(TableRef::qualified).collect();
        v.sort();
        v.dedup();
        v
    };
    let functions = |f: &Found| {
        let mut v = f.functions.clone();
        v.sort();
        v.dedup();
        v
    };
    names(a) == names(b) && functions(a) == functions(b)
}

/// The parser's findings, or `None` when it rejects the statement or its AST cannot be
/// trusted to hold every table.
fn parse(
    positions: &LineIndex,
    tokens: Vec<sqlparser::tokenizer::TokenWithSpan>,
    sigs: &[Sig<'_>],
    aliases: &[String],
) -> Option<Found> {
    let dialect = ClickHouseDialect {};
    let mut parser = Parser::new(&dialect).with_tokens_with_locations(tokens);
    let query = parser.parse_query().ok()?;
    while parser.consume_token(&Token::SemiColon) {}
    if parser.peek_token_ref().token != Token::EOF {
        return None;
    }
    let mut walk = visitor::Walk::new(positions, sigs, aliases);
    walk.query(&query);
    let selects = sigs
        .iter()
        .filter(|s| matches!(s.token, Token::Word(w) if w.keyword == Keyword::SELECT && w.quote_style.is_none()))
        .count();
    if walk.gave_up || walk.selects != selects {
        return None;
    }
    Some(walk.found)
}
