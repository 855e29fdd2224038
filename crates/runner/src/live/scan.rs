//! A small scanner for the SQL ClickHouse itself prints (`create_table_query`, `engine_full`,
//! `sorting_key`): words, quoted names, string literals and brackets, with their nesting depth.
//!
//! The server's own output is regular, so this is enough to cut it into clauses and list items;
//! it never has to understand expressions.

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
    /// Any other character (operators, `.`, `=`).
    Other,
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

pub fn tokens(s: &str) -> Vec<Tok> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut depth: u32 = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let kind = match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'\'' | b'`' | b'"' => {
                i = quoted_end(b, i);
                if c == b'\'' { Kind::Str } else { Kind::Quoted }
            }
            b'(' | b'[' | b'{' => {
                i += 1;
                out.push(Tok {
                    kind: Kind::Open,
                    start,
                    end: i,
                    depth,
                });
                depth += 1;
                continue;
            }
            b')' | b']' | b'}' => {
                i += 1;
                depth = depth.saturating_sub(1);
                Kind::Close
            }
            b',' => {
                i += 1;
                Kind::Comma
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80)
                {
                    i += 1;
                }
                Kind::Word
            }
            _ => {
                i += 1;
                Kind::Other
            }
        };
        out.push(Tok {
            kind,
            start,
            end: i,
            depth,
        });
    }
    out
}

/// The byte after a quoted token starting at `i` (backslash escapes and doubled quotes).
fn quoted_end(b: &[u8], i: usize) -> usize {
    let q = b[i];
    let mut j = i + 1;
    while j < b.len() {
        if b[j] == b'\\' {
            j += 2;
            continue;
        }
        if b[j] == q {
            if b.get(j + 1) == Some(&q) {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    b.len()
}

/// The index of the token closing the bracket opened at `open`.
pub fn matching(toks: &[Tok], open: usize) -> Option<usize> {
    let depth = toks[open].depth;
    toks[open + 1..]
        .iter()
        .position(|t| t.kind == Kind::Close && t.depth == depth)
        .map(|p| open + 1 + p)
}

/// `s` cut at its top-level commas, each item trimmed; empty input gives no items.
pub fn split_top_level(s: &str) -> Vec<String> {
    let toks = tokens(s);
    let mut out = Vec::new();
    let mut from = 0;
    for t in &toks {
        if t.kind == Kind::Comma && t.depth == 0 {
            out.push(s[from..t.start].trim().to_owned());
            from = t.end;
        }
    }
    let last = s[from..].trim();
    if !last.is_empty() || !out.is_empty() {
        out.push(last.to_owned());
    }
    out
}

/// A name as written by the server (`` `a b` ``, `"x"` or bare), unquoted.
pub fn unquote_name(s: &str) -> String {
    let s = s.trim();
    chplan_clickhouse::sqltext::unquote_ident(s).unwrap_or_else(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_top_level_only() {
        assert_eq!(
            split_top_level("a, f(b, c), 'x,y', `p,q`, [1, 2]"),
            ["a", "f(b, c)", "'x,y'", "`p,q`", "[1, 2]"]
        );
        assert!(split_top_level("  ").is_empty());
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
}
