//! The one SQL scanner of the workspace, for code that cuts SQL into clauses and list items
//! without parsing it (what the server prints in `create_table_query`, sorting keys as
//! written): sqlparser's tokenizer with the ClickHouse dialect, as a flat list of tokens with
//! byte ranges and bracket depth.
//!
//! Two things ClickHouse reads differently from sqlparser are bridged here, so the tokens are
//! ClickHouse's: a backslash escape inside a quoted name (`` `a\`b` ``, what the server and
//! `sqltext::quote_ident` write; sqlparser knows only doubled quotes), and bare words with
//! non-ASCII characters, kept one word (sqlparser splits them; the server quotes such names). Input the
//! tokenizer refuses (an unterminated string or comment) still scans: the rest of the text
//! from the refusal on is one token.

use std::borrow::Cow;
use std::ops::Range;

use sqlparser::dialect::ClickHouseDialect;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, Whitespace};

use crate::sql::location::LineIndex;
use crate::sqltext::unquote_ident;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An unquoted word: keyword, identifier or number.
    Word,
    /// `` `name` `` or `"name"`.
    Quoted,
    /// `'text'`.
    Str,
    Open,
    Close,
    Comma,
    /// `;`, the statement separator.
    Semicolon,
    /// `-- ...`, `/* ... */`, or `#` (which ClickHouse reads as a comment to the end of the
    /// line, sqlparser as an operator). Only `lex` returns comments.
    Comment,
    /// Anything else (operators, `.`, `=`).
    Other,
}

/// Where the tokenizer refused the text: an unterminated string, quoted name or comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// Byte offset of the opening quote or `/*`.
    pub at: usize,
    /// What is left open: `Str`, `Quoted` or `Comment`.
    pub kind: Kind,
}

/// Every token of `s`, comments included, and where the tokenizer refused the text, if it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lexed {
    pub toks: Vec<Tok>,
    pub refusal: Option<Refusal>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tok {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
    /// Brackets enclosing the token; an `Open` counts itself out, a `Close` too.
    pub depth: u32,
}

impl Tok {
    pub fn text<'s>(&self, s: &'s str) -> &'s str {
        &s[self.start..self.end]
    }

    pub fn is_word(&self, s: &str, word: &str) -> bool {
        self.kind == Kind::Word && self.text(s).eq_ignore_ascii_case(word)
    }
}

/// The tokens of `s`, comments and whitespace left out.
pub fn tokens(s: &str) -> Vec<Tok> {
    let mut toks = lex(s).toks;
    toks.retain(|t| t.kind != Kind::Comment);
    toks
}

/// The tokens of `s` with its comments, and the refusal of an unterminated string, quoted
/// name or comment (whose rest of the text is still one token, as in `tokens`).
pub fn lex(s: &str) -> Lexed {
    let mut flat = Vec::new();
    let mut refusal = None;
    scan(s, 0, &mut flat, &mut refusal);
    let flat = clickhouse_words(s, flat);
    Lexed {
        toks: with_depth(flat),
        refusal,
    }
}

fn with_depth(flat: Vec<(Kind, Range<usize>)>) -> Vec<Tok> {
    let mut depth: u32 = 0;
    flat.into_iter()
        .map(|(kind, range)| {
            let at = match kind {
                Kind::Open => {
                    depth += 1;
                    depth - 1
                }
                Kind::Close => {
                    depth = depth.saturating_sub(1);
                    depth
                }
                _ => depth,
            };
            Tok {
                kind,
                start: range.start,
                end: range.end,
                depth: at,
            }
        })
        .collect()
}

/// Tokens of `s[from..]` with byte ranges into `s`.
fn scan(s: &str, from: usize, out: &mut Vec<(Kind, Range<usize>)>, refusal: &mut Option<Refusal>) {
    let text = &s[from..];
    let readable = readable_escapes(text);
    let dialect = ClickHouseDialect {};
    let lines = LineIndex::new(&readable);
    match Tokenizer::new(&dialect, &readable).tokenize_with_location() {
        Ok(toks) => push_all(&toks, &lines, from, text.len(), out),
        Err(e) => {
            let mut at = lines.byte(e.location).unwrap_or(0).min(text.len());
            if at == text.len() {
                // An unterminated comment or dollar-quoted string is reported where the text
                // ends: the opener is the last one.
                at = if e.message.contains("dollar") {
                    text.rfind("$$").or_else(|| text.rfind('$'))
                } else {
                    text.rfind("/*")
                }
                .unwrap_or(0);
            }
            if !text.is_char_boundary(at) {
                at = 0;
            }
            if at > 0 {
                scan(&s[..from + at], from, out, refusal);
            }
            let rest = &text[at..];
            let kind = match rest.chars().next() {
                // `$$...` (ClickHouse's heredoc) is a string too.
                Some('\'' | '$') => Kind::Str,
                Some('`' | '"') => Kind::Quoted,
                Some('/' | '-') => Kind::Comment,
                // Not a quote or a comment (`1_x`, a number sqlparser will not read): the run
                // of word characters is a word, and scanning goes on after it.
                Some(_) => {
                    let word = rest
                        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .unwrap_or(rest.len())
                        .max(rest.chars().next().map_or(1, char::len_utf8));
                    out.push((Kind::Word, from + at..from + at + word));
                    if at + word < text.len() {
                        scan(s, from + at + word, out, refusal);
                    }
                    return;
                }
                None => return,
            };
            refusal.get_or_insert(Refusal {
                at: from + at,
                kind,
            });
            out.push((kind, from + at..s.len()));
        }
    }
}

fn push_all(
    toks: &[TokenWithSpan],
    lines: &LineIndex<'_>,
    from: usize,
    len: usize,
    out: &mut Vec<(Kind, Range<usize>)>,
) {
    for t in toks {
        let Some(kind) = kind_of(&t.token) else {
            continue;
        };
        let (Some(start), Some(end)) = (lines.byte(t.span.start), lines.byte(t.span.end)) else {
            continue;
        };
        out.push((kind, from + start.min(len)..from + end.min(len)));
    }
}

fn kind_of(token: &Token) -> Option<Kind> {
    Some(match token {
        Token::Whitespace(
            Whitespace::SingleLineComment { .. } | Whitespace::MultiLineComment(_),
        )
        | Token::Sharp
        | Token::DoubleSharp => Kind::Comment,
        Token::Whitespace(_) | Token::EOF => return None,
        Token::SemiColon => Kind::Semicolon,
        Token::Word(w) if w.quote_style.is_some() => Kind::Quoted,
        Token::Word(_) | Token::Number(..) => Kind::Word,
        Token::SingleQuotedString(_)
        | Token::DoubleQuotedString(_)
        | Token::TripleSingleQuotedString(_)
        | Token::TripleDoubleQuotedString(_)
        | Token::NationalStringLiteral(_)
        | Token::EscapedStringLiteral(_)
        | Token::UnicodeStringLiteral(_)
        | Token::HexStringLiteral(_)
        | Token::SingleQuotedByteStringLiteral(_)
        | Token::DoubleQuotedByteStringLiteral(_)
        | Token::SingleQuotedRawStringLiteral(_)
        | Token::DoubleQuotedRawStringLiteral(_)
        | Token::DollarQuotedString(_) => Kind::Str,
        Token::LParen | Token::LBracket | Token::LBrace => Kind::Open,
        Token::RParen | Token::RBracket | Token::RBrace => Kind::Close,
        Token::Comma => Kind::Comma,
        _ => Kind::Other,
    })
}

/// `s` with every backslash-escaped quote inside a quoted name turned into the doubled quote
/// sqlparser reads: the same length, so byte offsets stay those of `s`. Whatever hands SQL
/// to sqlparser goes through this first.
pub(crate) fn readable_escapes(s: &str) -> Cow<'_, str> {
    if !s.contains('\\') {
        return Cow::Borrowed(s);
    }
    let mut b = s.as_bytes().to_vec();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(q) if c == b'\\' && i + 1 < b.len() => {
                if q != b'\'' && b[i + 1] == q {
                    b[i] = q;
                }
                i += 2;
                continue;
            }
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if matches!(c, b'\'' | b'`' | b'"') => quote = Some(c),
            // A quote inside a comment opens nothing.
            None if c == b'-' && b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            None if c == b'/' && b.get(i + 1) == Some(&b'*') => {
                i = s[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 1);
            }
            None => {}
        }
        i += 1;
    }
    // Only ASCII bytes were replaced by ASCII bytes.
    String::from_utf8(b).map_or(Cow::Borrowed(s), Cow::Owned)
}

/// Words as ClickHouse's lexer cuts them, from sqlparser's: a run of word characters is one
/// word even where sqlparser sees a number and a word (`02476_events`) or single non-ASCII
/// characters (`événement`); a `.` right after a name is its own token (`t.1`, `db.2t`), not
/// the start of a number.
fn clickhouse_words(s: &str, toks: Vec<(Kind, Range<usize>)>) -> Vec<(Kind, Range<usize>)> {
    let word_char = |c: char| c.is_alphanumeric() || c == '_' || !c.is_ascii();
    let mut out: Vec<(Kind, Range<usize>)> = Vec::with_capacity(toks.len());
    for (kind, r) in toks {
        let text = &s[r.clone()];
        let non_ascii_char = kind == Kind::Other && !text.is_ascii();
        let kind = if non_ascii_char { Kind::Word } else { kind };
        let touching = out.last().filter(|last| last.1.end == r.start);
        if kind == Kind::Word
            && text.starts_with('.')
            && text.len() > 1
            && touching.is_some_and(|l| matches!(l.0, Kind::Word | Kind::Quoted | Kind::Close))
        {
            out.push((Kind::Other, r.start..r.start + 1));
            out.push((Kind::Word, r.start + 1..r.end));
            continue;
        }
        let continues = kind == Kind::Word
            && text.starts_with(word_char)
            && touching.is_some_and(|l| l.0 == Kind::Word && s[l.1.clone()].ends_with(word_char));
        match out.last_mut() {
            Some(last) if continues => last.1.end = r.end,
            _ => out.push((kind, r)),
        }
    }
    out
}

/// The index of the token closing the bracket opened at `open`.
pub fn matching(toks: &[Tok], open: usize) -> Option<usize> {
    let depth = toks[open].depth;
    toks[open + 1..]
        .iter()
        .position(|t| t.kind == Kind::Close && t.depth == depth)
        .map(|p| open + 1 + p)
}

/// The byte ranges of `s` between its top-level commas (untrimmed; one range for text
/// without a comma, also for empty text).
pub fn top_level_ranges(s: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    for t in tokens(s) {
        if t.kind == Kind::Comma && t.depth == 0 {
            out.push(from..t.start);
            from = t.end;
        }
    }
    out.push(from..s.len());
    out
}

/// `s` cut at its top-level commas, each item trimmed; empty input gives no items.
pub fn split_top_level(s: &str) -> Vec<String> {
    let ranges = top_level_ranges(s);
    if ranges.len() == 1 && s[ranges[0].clone()].trim().is_empty() {
        return Vec::new();
    }
    ranges.into_iter().map(|r| s[r].trim().to_owned()).collect()
}

/// A name as written by the server (`` `a b` ``, `"x"` or bare), unquoted.
pub fn unquote_name(s: &str) -> String {
    let s = s.trim();
    unquote_ident(s).unwrap_or_else(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<(&str, Kind, u32)> {
        tokens(s)
            .iter()
            .map(|t| (t.text(s), t.kind, t.depth))
            .collect()
    }

    #[test]
    fn splits_at_top_level_only() {
        assert_eq!(
            split_top_level("a, f(b, c), 'x,y', `p,q`, [1, 2]"),
            ["a", "f(b, c)", "'x,y'", "`p,q`", "[1, 2]"]
        );
        assert!(split_top_level("  ").is_empty());
        assert_eq!(top_level_ranges(""), vec![Range { start: 0, end: 0 }]);
    }

    #[test]
    fn unquotes() {
        assert_eq!(unquote_name("`a\\`b`"), "a`b");
        assert_eq!(unquote_name("plain"), "plain");
    }

    #[test]
    fn brackets_match() {
        let s = "f(a, (b)) x";
        let t = tokens(s);
        let close = matching(&t, 1).unwrap();
        assert_eq!(t[close].start, 8);
    }

    #[test]
    fn reads_what_clickhouse_writes() {
        use Kind::*;
        assert_eq!(
            texts("`a\\`b`, 'c\\'d' `e``f`"),
            [
                ("`a\\`b`", Quoted, 0),
                (",", Comma, 0),
                ("'c\\'d'", Str, 0),
                ("`e``f`", Quoted, 0)
            ]
        );
        assert_eq!(
            texts("événement_1 + x"),
            [("événement_1", Word, 0), ("+", Other, 0), ("x", Word, 0)]
        );
        assert_eq!(
            texts("db.02476_t, t.1, 1.5"),
            [
                ("db", Word, 0),
                (".", Other, 0),
                ("02476_t", Word, 0),
                (",", Comma, 0),
                ("t", Word, 0),
                (".", Other, 0),
                ("1", Word, 0),
                (",", Comma, 0),
                ("1.5", Word, 0)
            ]
        );
        assert_eq!(
            texts("db.t -- a, 'b\n(1)"),
            [
                ("db", Word, 0),
                (".", Other, 0),
                ("t", Word, 0),
                ("(", Open, 0),
                ("1", Word, 1),
                (")", Close, 0)
            ]
        );
    }

    #[test]
    fn text_the_tokenizer_refuses_still_scans() {
        use Kind::*;
        assert_eq!(
            texts("a, 'open, b"),
            [("a", Word, 0), (",", Comma, 0), ("'open, b", Str, 0)]
        );
        assert_eq!(texts("x `open"), [("x", Word, 0), ("`open", Quoted, 0)]);
        assert!(texts("/* open").is_empty());
    }

    #[test]
    fn lex_keeps_comments_separators_and_refusals() {
        let s = "a; b -- c\n# d\n/* e */ 'f";
        let l = lex(s);
        let kinds: Vec<(&str, Kind)> = l.toks.iter().map(|t| (t.text(s), t.kind)).collect();
        assert_eq!(kinds[1], (";", Kind::Semicolon));
        assert_eq!(kinds[3].1, Kind::Comment);
        assert!(kinds.iter().any(|(t, k)| *t == "#" && *k == Kind::Comment));
        assert!(
            kinds
                .iter()
                .any(|(t, k)| *t == "/* e */" && *k == Kind::Comment)
        );
        assert_eq!(
            l.refusal,
            Some(Refusal {
                at: s.len() - 2,
                kind: Kind::Str
            })
        );
        assert_eq!(
            lex("x /* open").refusal.map(|r| (r.at, r.kind)),
            Some((2, Kind::Comment))
        );
        assert_eq!(
            lex("'a\\'; b'").refusal,
            None,
            "a backslash escapes the quote"
        );
    }
}
