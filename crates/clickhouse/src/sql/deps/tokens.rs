//! The token-level fallback, for statements `sqlparser` cannot parse.
//!
//! It only has to recognise where ClickHouse reads tables — after FROM, JOIN, a comma in
//! a FROM list, and IN — so it gets through syntax the parser rejects (scalar
//! `WITH <expr> AS name`, `USING col`, `FINAL` after an alias, `?:`, `.1`, ...).

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Word};

use super::Found;

/// Parenthesis nesting deeper than this is refused rather than recursed into.
const MAX_DEPTH: usize = 256;

/// A significant token (whitespace and comments dropped) and its byte range.
pub(crate) struct Sig<'t> {
    pub(crate) token: &'t Token,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

pub(crate) fn scan(toks: &[Sig<'_>], names: &Names) -> Found {
    let mut scanner = Scanner {
        toks,
        close: matching_parens(toks),
        ctes: &names.ctes,
        aliases: &names.aliases,
        found: Found::default(),
    };
    if scanner.close.iter().any(Option::is_none) {
        scanner.found.problem("unbalanced parentheses");
    }
    scanner.range(0, toks.len(), 0, false);
    scanner.found
}

/// Names the query defines, gathered before scanning because an alias may be defined
/// after its use (`SELECT x IN a, (1, 2) AS a`).
pub(crate) struct Names {
    /// `WITH name AS (...)`: not tables wherever they appear.
    pub(crate) ctes: Vec<String>,
    /// `AS name`: `x IN name` then refers to the expression, not a table.
    pub(crate) aliases: Vec<String>,
}

impl Names {
    pub(crate) fn new(toks: &[Sig<'_>]) -> Self {
        let tok = |i: usize| toks.get(i).map(|s| s.token);
        let kw = |i: usize| tok(i).map_or(Keyword::NoKeyword, keyword);
        let word = |i: usize| match tok(i) {
            Some(Token::Word(w)) => Some(w.value.clone()),
            _ => None,
        };
        let mut names = Names {
            ctes: Vec::new(),
            aliases: Vec::new(),
        };
        for i in 0..toks.len() {
            if kw(i) != Keyword::AS {
                continue;
            }
            if matches!(tok(i + 1), Some(Token::LParen)) {
                let Some(before) = i.checked_sub(2) else {
                    continue;
                };
                let opens = matches!(kw(before), Keyword::WITH | Keyword::RECURSIVE)
                    || matches!(tok(before), Some(Token::Comma));
                if let (true, Some(name)) = (opens, word(i - 1)) {
                    names.ctes.push(name);
                }
            } else if let Some(name) = word(i + 1) {
                names.aliases.push(name);
            }
        }
        names
    }
}

struct Scanner<'s, 't> {
    toks: &'s [Sig<'t>],
    /// For each `(`, the index of its `)`; `None` when unbalanced. `Some(i)` elsewhere.
    close: Vec<Option<usize>>,
    ctes: &'s [String],
    aliases: &'s [String],
    found: Found,
}

fn matching_parens(toks: &[Sig<'_>]) -> Vec<Option<usize>> {
    let mut close: Vec<Option<usize>> = (0..toks.len()).map(Some).collect();
    let mut open = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        match t.token {
            Token::LParen => {
                open.push(i);
                if let Some(c) = close.get_mut(i) {
                    *c = None;
                }
            }
            Token::RParen => {
                if let Some(o) = open.pop() {
                    if let Some(c) = close.get_mut(o) {
                        *c = Some(i);
                    }
                } else {
                    // A stray `)` is as unreliable as a missing one.
                    if let Some(c) = close.get_mut(i) {
                        *c = None;
                    }
                }
            }
            _ => {}
        }
    }
    close
}

fn keyword(t: &Token) -> Keyword {
    match t {
        Token::Word(Word {
            keyword,
            quote_style: None,
            ..
        }) => *keyword,
        _ => Keyword::NoKeyword,
    }
}

/// Keywords that end a FROM list: after them a comma no longer separates tables.
fn ends_from_list(k: Keyword) -> bool {
    matches!(
        k,
        Keyword::ON
            | Keyword::USING
            | Keyword::WHERE
            | Keyword::PREWHERE
            | Keyword::GROUP
            | Keyword::ORDER
            | Keyword::LIMIT
            | Keyword::HAVING
            | Keyword::SETTINGS
            | Keyword::WINDOW
            | Keyword::QUALIFY
            | Keyword::FORMAT
            | Keyword::SELECT
            | Keyword::UNION
            | Keyword::EXCEPT
            | Keyword::INTERSECT
            | Keyword::INTO
            | Keyword::WITH
    )
}

impl Scanner<'_, '_> {
    fn tok(&self, i: usize) -> Option<&Token> {
        self.toks.get(i).map(|s| s.token)
    }

    fn kw(&self, i: usize) -> Keyword {
        self.tok(i).map_or(Keyword::NoKeyword, keyword)
    }

    /// The end of the group opened at `i` (exclusive of the `)`), or the end of the text.
    fn group_end(&self, i: usize) -> usize {
        self.close
            .get(i)
            .copied()
            .flatten()
            .unwrap_or(self.toks.len())
    }

    /// Scans `toks[lo..hi]`, one parenthesis level; `in_from` when the group itself is in
    /// a table position (`FROM (t1 JOIN t2 ON ...)`).
    fn range(&mut self, lo: usize, hi: usize, depth: usize, in_from: bool) {
        if depth > MAX_DEPTH {
            self.found.problem("nesting too deep");
            return;
        }
        let mut expect_table = in_from;
        let mut from_list = in_from;
        let mut i = lo;
        while i < hi {
            if std::mem::take(&mut expect_table)
                && let Some(next) = self.table_position(i, hi, depth)
            {
                i = next;
                continue;
            }
            let Some(token) = self.tok(i) else { break };
            match token {
                Token::LParen => {
                    let end = self.group_end(i);
                    self.range(i + 1, end.min(hi), depth + 1, false);
                    i = end + 1;
                    continue;
                }
                Token::Comma if from_list => expect_table = true,
                // A character the tokenizer could not place, e.g. non-ASCII in a bare word.
                Token::Char(_) => self.found.problem("an unexpected character"),
                Token::Word(_) => match self.kw(i) {
                    Keyword::FROM => {
                        expect_table = true;
                        from_list = true;
                    }
                    Keyword::JOIN => {
                        if i.checked_sub(1).map(|b| self.kw(b)) == Some(Keyword::ARRAY) {
                            // ARRAY JOIN takes array expressions, commas included.
                            from_list = false;
                        } else {
                            expect_table = true;
                            from_list = true;
                        }
                    }
                    Keyword::IN => {
                        if let Some(next) = self.in_table(i + 1, hi) {
                            i = next;
                            continue;
                        }
                    }
                    // ClickHouse runs `(EXPLAIN ...)` as the `viewExplain` table function.
                    Keyword::EXPLAIN if i == lo => self.found.function("viewExplain"),
                    k if ends_from_list(k) => from_list = false,
                    _ => {}
                },
                _ => {}
            }
            i += 1;
        }
    }

    /// Reads what follows FROM, JOIN or a comma in a FROM list; returns where to go on,
    /// or `None` when it is not a table expression after all.
    fn table_position(&mut self, i: usize, hi: usize, depth: usize) -> Option<usize> {
        match self.tok(i)? {
            Token::LParen => {
                let end = self.group_end(i);
                let nested_join = !matches!(
                    self.kw(i + 1),
                    Keyword::SELECT | Keyword::WITH | Keyword::EXPLAIN
                ) && !matches!(self.tok(i + 1), Some(Token::LParen));
                self.range(i + 1, end.min(hi), depth + 1, nested_join);
                Some(end + 1)
            }
            Token::LBrace => {
                self.parameter(i);
                None
            }
            _ => {
                let (parts, next) = self.name(i, hi)?;
                if matches!(self.tok(next), Some(Token::LParen)) {
                    match parts.as_slice() {
                        [(f, _, _)] => self.found.function(f),
                        _ => self.found.problem("a qualified table function name"),
                    }
                    let end = self.group_end(next);
                    self.range(next + 1, end.min(hi), depth + 1, false);
                    return Some(end + 1);
                }
                self.table(&parts);
                Some(next)
            }
        }
    }

    /// `x IN name` reads the table `name` unless it names an alias or a CTE.
    fn in_table(&mut self, i: usize, hi: usize) -> Option<usize> {
        if matches!(self.tok(i), Some(Token::LBrace)) {
            self.parameter(i);
            return None;
        }
        let (parts, next) = self.name(i, hi)?;
        if matches!(self.tok(next), Some(Token::LParen)) {
            // `x IN func(...)`: not a table; the arguments are scanned as usual.
            return None;
        }
        if let [(only, _, _)] = parts.as_slice()
            && self.aliases.iter().any(|a| a == only)
        {
            return Some(next);
        }
        self.table(&parts);
        Some(next)
    }

    /// A `{name:Type}` query parameter where a table is expected: `Identifier` ones name a
    /// table known only at run time, which cannot be inferred.
    fn parameter(&mut self, i: usize) {
        let mut j = i + 1;
        while let Some(t) = self.tok(j) {
            match t {
                Token::RBrace => break,
                Token::Word(w) if w.value.eq_ignore_ascii_case("Identifier") => {
                    self.found
                        .problem("a table given by an {name:Identifier} query parameter");
                    return;
                }
                _ => j += 1,
            }
        }
    }

    /// A possibly qualified name at `i`: its parts `(value, start, end)` and the index
    /// after it.
    #[allow(clippy::type_complexity)]
    fn name(&self, i: usize, hi: usize) -> Option<(Vec<(String, usize, usize)>, usize)> {
        let mut parts = Vec::new();
        let mut j = i;
        loop {
            let (part, next) = self.name_part(j, hi)?;
            parts.push(part);
            j = next;
            if j + 1 < hi
                && matches!(self.tok(j), Some(Token::Period))
                && self.name_part(j + 1, hi).is_some()
            {
                j += 1;
            } else {
                return Some((parts, j));
            }
        }
    }

    /// One identifier; ClickHouse allows a leading digit (`01_table`), which the
    /// tokenizer splits into a number and a word that touch.
    fn name_part(&self, i: usize, hi: usize) -> Option<((String, usize, usize), usize)> {
        if i >= hi {
            return None;
        }
        let sig = self.toks.get(i)?;
        match sig.token {
            Token::Word(w) if !is_clause_start(w) => {
                Some(((w.value.clone(), sig.start, sig.end), i + 1))
            }
            Token::Number(digits, _) => {
                let next = self.toks.get(i + 1).filter(|_| i + 1 < hi)?;
                match next.token {
                    Token::Word(w) if w.quote_style.is_none() && next.start == sig.end => {
                        Some(((format!("{digits}{}", w.value), sig.start, next.end), i + 2))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn table(&mut self, parts: &[(String, usize, usize)]) {
        match parts {
            [(name, start, end)] => {
                if !self.ctes.iter().any(|c| c == name) {
                    self.found.table(None, name, *start..*end);
                }
            }
            [(db, start, _), (name, _, end)] => self.found.table(Some(db), name, *start..*end),
            _ => self
                .found
                .problem("a table name with more than two parts (ClickHouse has only db.table)"),
        }
    }
}

/// Words that cannot be a table name where one is expected: the table is missing.
fn is_clause_start(w: &Word) -> bool {
    w.quote_style.is_none() && matches!(w.keyword, Keyword::SELECT | Keyword::WITH)
}
