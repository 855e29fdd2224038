//! Quoting identifiers and string literals for ClickHouse SQL. Every identifier and literal
//! chplan writes into SQL goes through here (and through the template filters built on it).

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes() {
        assert_eq!(quote_ident("a`b"), "`a\\`b`");
        assert_eq!(quote_string("it's\n\\"), "'it\\'s\\n\\\\'");
    }
}
