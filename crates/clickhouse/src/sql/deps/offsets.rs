//! Byte offsets for `sqlparser` locations.
//!
//! `sqlparser` reports 1-based line/column positions counted in chars, while the
//! rewriting pass needs byte ranges into the original `&str`: any non-ASCII text before
//! a name would make a naive conversion cut in the wrong place.

use sqlparser::tokenizer::{Location, TokenWithSpan};

/// The byte offset of every token boundary, found in one pass over the text.
pub(crate) struct Positions {
    /// `((line, column), byte)`, sorted: tokens come in text order.
    marks: Vec<((u64, u64), usize)>,
}

impl Positions {
    pub(crate) fn new(sql: &str, tokens: &[TokenWithSpan]) -> Self {
        let mut marks = Vec::with_capacity(tokens.len() * 2);
        let mut chars = sql.chars();
        let (mut line, mut column, mut byte) = (1u64, 1u64, 0usize);
        for token in tokens {
            for loc in [token.span.start, token.span.end] {
                let target = (loc.line, loc.column);
                while (line, column) < target {
                    let Some(c) = chars.next() else { break };
                    byte += c.len_utf8();
                    // The tokenizer counts only `\n` as a line break.
                    if c == '\n' {
                        line += 1;
                        column = 1;
                    } else {
                        column += 1;
                    }
                }
                if (line, column) == target && marks.last() != Some(&(target, byte)) {
                    marks.push((target, byte));
                }
            }
        }
        Positions { marks }
    }

    /// The byte offset of a token boundary, `None` for any other location.
    pub(crate) fn byte(&self, loc: Location) -> Option<usize> {
        let key = (loc.line, loc.column);
        self.marks
            .binary_search_by_key(&key, |&(k, _)| k)
            .ok()
            .and_then(|i| self.marks.get(i))
            .map(|&(_, byte)| byte)
    }
}
