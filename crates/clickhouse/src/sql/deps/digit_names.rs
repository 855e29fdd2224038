//! Identifiers that start with a digit (`02501_dist`), which ClickHouse accepts and the
//! `sqlparser` tokenizer rejects.
//!
//! Their first digit is replaced by `_` in a copy of the text handed to the tokenizer
//! (same length, so every position still holds), and the words are given back their
//! real spelling afterwards.

use sqlparser::tokenizer::{Token, TokenWithSpan};

use crate::sql::location::LineIndex;

/// The text with digit-leading identifiers masked, and the byte offsets masked;
/// `None` when there is none.
pub(crate) fn mask(sql: &str) -> Option<(String, Vec<usize>)> {
    let bytes = sql.as_bytes();
    let mut masked = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\'' | b'"' | b'`' => i = skip_quoted(bytes, i, b),
            b'-' if bytes.get(i + 1) == Some(&b'-') => i = skip_line(bytes, i),
            b'#' => i = skip_line(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = skip_block_comment(bytes, i),
            b'0'..=b'9' => {
                let start = i;
                let after_word = start
                    .checked_sub(1)
                    .and_then(|p| bytes.get(p))
                    .is_some_and(|&p| is_word_byte(p));
                while bytes.get(i).is_some_and(|&c| is_word_byte(c)) {
                    i += 1;
                }
                let word = bytes.get(start..i).unwrap_or_default();
                if !after_word && !is_number(word) {
                    masked.push(start);
                }
            }
            b if is_word_byte(b) => {
                while bytes.get(i).is_some_and(|&c| is_word_byte(c)) {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    if masked.is_empty() {
        return None;
    }
    let mut copy = bytes.to_vec();
    for &m in &masked {
        if let Some(b) = copy.get_mut(m) {
            *b = b'_';
        }
    }
    // Only ASCII digits were replaced by an ASCII byte, so the copy stays UTF-8.
    String::from_utf8(copy).ok().map(|s| (s, masked))
}

/// Gives the words starting at a masked offset their real spelling from `sql`.
pub(crate) fn unmask(sql: &str, masked: &[usize], tokens: &mut [TokenWithSpan]) {
    let positions = LineIndex::new(sql);
    for t in tokens.iter_mut() {
        let Token::Word(w) = &mut t.token else {
            continue;
        };
        let (Some(start), Some(end)) = (positions.byte(t.span.start), positions.byte(t.span.end))
        else {
            continue;
        };
        if masked.binary_search(&start).is_ok()
            && let Some(real) = sql.get(start..end)
        {
            real.clone_into(&mut w.value);
        }
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Numeric literals, which may contain letters: `1e5`, `0x1F`, `0b101`, `1_000`.
fn is_number(word: &[u8]) -> bool {
    let digits = |w: &[u8]| !w.is_empty() && w.iter().all(|c| c.is_ascii_digit() || *c == b'_');
    if digits(word) {
        return true;
    }
    match word {
        [b'0', b'x' | b'X', rest @ ..] => {
            !rest.is_empty() && rest.iter().all(u8::is_ascii_hexdigit)
        }
        [b'0', b'b' | b'B', rest @ ..]
            if !rest.is_empty() && rest.iter().all(|c| matches!(c, b'0' | b'1')) =>
        {
            true
        }
        _ => match word.iter().position(|c| matches!(c, b'e' | b'E')) {
            // `1e` followed by `-5` or `+5` tokenizes apart; `1e` alone is an exponent start.
            Some(e) => digits(&word[..e]) && (e + 1 == word.len() || digits(&word[e + 1..])),
            None => false,
        },
    }
}

fn skip_quoted(bytes: &[u8], open: usize, quote: u8) -> usize {
    let mut i = open + 1;
    while let Some(&b) = bytes.get(i) {
        if b == b'\\' {
            i += 2;
        } else if b == quote {
            // A doubled quote is an escaped one.
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
            } else {
                return i + 1;
            }
        } else {
            i += 1;
        }
    }
    i
}

fn skip_line(bytes: &[u8], i: usize) -> usize {
    bytes
        .get(i..)
        .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
        .map_or(bytes.len(), |p| i + p)
}

fn skip_block_comment(bytes: &[u8], i: usize) -> usize {
    bytes
        .get(i + 2..)
        .and_then(|rest| rest.windows(2).position(|w| w == b"*/"))
        .map_or(bytes.len(), |p| i + 2 + p + 2)
}
