//! Quoting identifiers and string literals for ClickHouse SQL. Every identifier and literal
//! chplan writes into SQL goes through here (and through the template filters built on it).

use std::fmt::{self, Write};

/// A backtick-quoted identifier; backticks and backslashes inside are escaped.
pub fn quote_ident(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('`');
    for c in name.chars() {
        match c {
            '`' => out.push_str("\\`"),
            '\\' => out.push_str("\\\\"),
            _ => out.push(c),
        }
    }
    out.push('`');
    out
}

/// A single-quoted string literal that means exactly `s`: quotes, backslashes and control
/// characters are escaped.
pub fn quote_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            // ClickHouse strings are bytes: escape ASCII controls only; other characters stay UTF-8.
            c if c.is_ascii_control() => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// ClickHouse's `backQuoteIfNeed`, as the server writes a name inside an expression it prints
/// (`system.tables.sorting_key`, a tuple's element names): plain when a valid identifier,
/// else backquoted with its escapes.
pub fn back_quote_if_need(name: &str) -> String {
    if is_plain_identifier(name) {
        return name.to_string();
    }
    let mut out = String::with_capacity(name.len() + 2);
    let _ = write_quoted(&mut out, name, '`');
    out
}

/// Keywords that ClickHouse 26.9 quotes even where an identifier is expected (found by asking
/// chDB for a tuple with ~100 keyword-named elements; the other keywords print bare).
const QUOTED_KEYWORDS: &[&str] = &[
    "all", "distinct", "false", "from", "null", "select", "table", "true", "values",
];

pub fn is_plain_identifier(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
        && !QUOTED_KEYWORDS.iter().any(|k| s.eq_ignore_ascii_case(k))
}

/// ClickHouse's `writeAnyQuotedString`: backslash escapes for the quote, backslash and a few
/// control characters; everything else raw.
pub fn write_quoted(f: &mut impl Write, s: &str, quote: char) -> fmt::Result {
    f.write_char(quote)?;
    for c in s.chars() {
        match c {
            '\u{8}' => f.write_str("\\b")?,
            '\u{c}' => f.write_str("\\f")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            '\0' => f.write_str("\\0")?,
            '\\' => f.write_str("\\\\")?,
            c if c == quote => {
                f.write_char('\\')?;
                f.write_char(c)?;
            }
            c => f.write_char(c)?,
        }
    }
    f.write_char(quote)
}

/// The identifier an SQL name token stands for: a plain word (`updated_at`), or a name in
/// backticks or double quotes with its escapes (`\``, `\\`, a doubled quote). `None` for
/// anything else. The inverse of [`quote_ident`], and lenient about the other spellings.
pub fn unquote_ident(sql: &str) -> Option<String> {
    let plain = |s: &str| {
        s.chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_alphanumeric() || c == '_')
    };
    if plain(sql) {
        return Some(sql.to_string());
    }
    let quote = sql.chars().next().filter(|c| matches!(c, '`' | '"'))?;
    unquote(sql, quote)
}

/// The string an SQL string literal (`'it\'s'`, `'it''s'`) stands for, with ClickHouse's
/// escapes decoded; `None` when `sql` is not one literal or uses an escape that does not
/// stand for one character. The inverse of [`quote_string`].
pub fn unquote_string(sql: &str) -> Option<String> {
    unquote(sql, '\'')
}

fn unquote(sql: &str, quote: char) -> Option<String> {
    let body = sql.strip_prefix(quote)?.strip_suffix(quote)?;
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(match chars.next()? {
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                '0' => '\0',
                'b' => '\u{08}',
                'f' => '\u{0C}',
                'a' => '\u{07}',
                'v' => '\u{0B}',
                'e' => '\u{1B}',
                'x' => {
                    let hex: String = chars.by_ref().take(2).collect();
                    let byte = u8::from_str_radix(&hex, 16).ok().filter(|b| b.is_ascii())?;
                    char::from(byte)
                }
                c @ ('\\' | '\'' | '"' | '`' | '?') => c,
                _ => return None,
            }),
            c if c == quote => {
                // Inside the literal a quote only appears doubled.
                if chars.next()? != quote {
                    return None;
                }
                out.push(quote);
            }
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes() {
        assert_eq!(quote_ident("a`b"), "`a\\`b`");
        assert_eq!(quote_string("it's\n\\"), "'it\\'s\\n\\\\'");
    }

    #[test]
    fn unquoting_inverts_quoting() {
        for s in [
            "",
            "a",
            "it's",
            "a\\b",
            "x\ny\t\r\0",
            "\u{1}\u{7f}",
            "é ✓ 🦀",
            "`q`",
            "''",
        ] {
            assert_eq!(
                unquote_string(&quote_string(s)).as_deref(),
                Some(s),
                "{s:?}"
            );
            assert_eq!(unquote_ident(&quote_ident(s)).as_deref(), Some(s), "{s:?}");
        }
        assert_eq!(unquote_string("'it''s'").as_deref(), Some("it's"));
        assert_eq!(unquote_ident("updated_at").as_deref(), Some("updated_at"));
        assert_eq!(unquote_ident("\"my col\"").as_deref(), Some("my col"));
        for bad in ["'a", "'a'b'", "1x", "a b", "'\\q'", "(a, b)", "'\\xff'"] {
            assert_eq!(unquote_string(bad), None, "{bad:?}");
            assert_eq!(unquote_ident(bad), None, "{bad:?}");
        }
    }
}
