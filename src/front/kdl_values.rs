//! KDL v2 values as a person writes them: bare identifiers where KDL allows them, quoted
//! strings (raw when the text has backslashes) elsewhere, `"""` blocks for multi-line text, and
//! setting values from their SQL literals. Every form here parses back to exactly the string
//! it was given, with `kdlfast` and with the `kdl` crate (the tests prove it).

use crate::front::kdlfast::{is_disallowed, is_newline, is_unicode_space};
use chplan_clickhouse::sqltext::unquote_string;

/// A KDL string value: bare when KDL v2 allows it (`events`, `created_at`, `String`), quoted
/// and escaped otherwise.
pub fn kdl_string(s: &str) -> String {
    let bare = !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        && !s.starts_with(|c: char| c.is_ascii_digit() || c == '-')
        && !matches!(s, "true" | "false" | "null" | "inf" | "nan");
    if bare {
        return s.to_string();
    }
    kdl_quoted(s)
}

/// A quoted KDL string, even when a bare word would do: for text that is a value rather than a
/// name (expressions, comments, paths). Raw (`#"'a\b'"#`) when the text has backslashes and
/// nothing that needs an escape, so SQL escapes read as they are; escaped otherwise.
pub fn kdl_quoted(s: &str) -> String {
    let raw_ok = !s.starts_with('"')
        && !s
            .chars()
            .any(|c| matches!(c, '\n' | '\r' | '\t') || is_newline(c) || is_disallowed(c));
    if s.contains('\\') && raw_ok {
        let hashes = hashes_for(s, "\"");
        return format!("{hashes}\"{s}\"{hashes}");
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text that may span lines (a SELECT, a comment), as the last value of a node indented by
/// `indent` spaces: a `"""` block whose lines sit one level deeper than the node when the text
/// has several lines and a block can hold it exactly, else [`kdl_quoted`].
pub fn kdl_text(s: &str, indent: usize) -> String {
    if s.contains('\n')
        && let Some(block) = block(s, indent)
    {
        return block;
    }
    kdl_quoted(s)
}

/// A `"""` block (raw when the text has backslashes or `"""`), or `None` when the text has
/// something a block would change: a line of only spaces (blocks empty them), a carriage
/// return or another KDL newline (blocks normalise them), characters KDL forbids unescaped,
/// Unicode spaces, or a backslash before whitespace (the `kdl` crate reads it as an escape).
pub fn block(s: &str, indent: usize) -> Option<String> {
    if s.chars()
        .any(|c| c == '\r' || is_newline(c) || is_disallowed(c) || is_unicode_space(c))
    {
        return None;
    }
    let lines: Vec<&str> = s.split('\n').collect();
    if lines
        .iter()
        .any(|l| !l.is_empty() && l.bytes().all(|b| b == b' ' || b == b'\t'))
    {
        return None;
    }
    let raw = s.contains('\\') || s.contains("\"\"\"");
    if raw
        && s.match_indices('\\')
            .any(|(i, _)| matches!(s.as_bytes().get(i + 1), None | Some(b' ' | b'\t' | b'\n')))
    {
        return None;
    }
    let hashes = if raw {
        hashes_for(s, "\"\"\"")
    } else {
        String::new()
    };
    let pad = " ".repeat(indent + 4);
    let mut out = format!("{hashes}\"\"\"\n");
    for line in lines {
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
        out.push('\n');
    }
    out.push_str(&pad);
    out.push_str("\"\"\"");
    out.push_str(&hashes);
    Some(out)
}

/// The fewest `#`s (at least one) such that `quote` followed by them does not occur in `s`.
fn hashes_for(s: &str, quote: &str) -> String {
    let mut hashes = String::from("#");
    while s.contains(&format!("{quote}{hashes}")) {
        hashes.push('#');
    }
    hashes
}

/// Characters beyond `\n`, `\r` and `"` that a quoted string cannot hold literally.
fn needs_escape(c: char) -> bool {
    is_newline(c) || is_disallowed(c)
}

/// A setting value in KDL from its SQL literal in the state (`8192`, `0.5`, `'tiered'`):
/// the KDL value the compiler turns back into exactly that literal, or `None` when there is
/// none (`inf`, `NULL`, `0x10`, an identifier). Two spellings ClickHouse prints come back
/// with the same meaning in the compiler's spelling: `true`/`false` as `#true`/`#false`
/// (`1`/`0`), and a float without fraction digits (`1.`) with one (`1.0`).
pub fn setting_value(literal: &str) -> Option<String> {
    match literal.to_ascii_lowercase().as_str() {
        "true" => return Some("#true".to_string()),
        "false" => return Some("#false".to_string()),
        _ => {}
    }
    if let Some(int) = literal.strip_suffix('.')
        && int.parse::<i128>().is_ok_and(|i| i.to_string() == int)
    {
        let float = format!("{int}.0");
        return is_kdl_float(&float).then_some(float);
    }
    if literal.starts_with('\'') {
        // Strings come back as `quote_string` spells them, whatever the escapes were.
        return unquote_string(literal).map(|s| kdl_quoted(&s));
    }
    if literal
        .parse::<i128>()
        .is_ok_and(|i| i.to_string() == literal)
    {
        return Some(literal.to_string());
    }
    // The compiler keeps a float's KDL text as the literal: any plain decimal float will do.
    is_kdl_float(literal).then(|| literal.to_string())
}

/// `-?digits(.digits)?([eE][+-]?digits)?` with a fraction or an exponent, digit runs short
/// enough for the `kdl` crate (it reads each as an `i128`).
fn is_kdl_float(s: &str) -> bool {
    let digits = |t: &str| !t.is_empty() && t.len() < 39 && t.bytes().all(|b| b.is_ascii_digit());
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    digits(int) && frac.is_none_or(digits) && exponent_ok && (frac.is_some() || exponent.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The string value of `node <value>`, as kdlfast and as the `kdl` crate read it.
    fn parse_both(kdl: &str) -> (Option<String>, Option<String>) {
        let value = |doc: kdl::KdlDocument| {
            doc.nodes()[0].entries()[0]
                .value()
                .as_string()
                .map(str::to_string)
        };
        let fast = crate::front::kdlfast::parse(kdl).and_then(value);
        let slow = kdl::KdlDocument::parse_v2(kdl).ok().and_then(value);
        (fast, slow)
    }

    fn assert_reads_back(s: &str, written: &str) {
        let doc = format!("node {written}\n");
        let (fast, slow) = parse_both(&doc);
        assert_eq!(slow.as_deref(), Some(s), "kdl crate on {doc:?}");
        // kdlfast may decline (the crate then parses), but never read something else.
        if let Some(fast) = fast {
            assert_eq!(fast, s, "kdlfast on {doc:?}");
        }
    }

    const STRINGS: &[&str] = &[
        "events",
        "my col",
        "#x",
        "123",
        "1.5",
        "-x",
        "true",
        "null",
        "inf",
        "nan",
        "",
        "a=b",
        "say \"hi\"",
        "\"",
        "\"quoted\"",
        "back\\slash",
        "'a\\nb'",
        "ends with \\",
        "x\"#y\\",
        "\\ends with quote\"",
        "\"starts with quote\\",
        "line one\nline two",
        "tab\there",
        "cr\r\nlf",
        "bell\u{07} del\u{7f} nul\u{0}",
        "nel\u{85} ls\u{2028} ps\u{2029} vt\u{0b} ff\u{0c} bs\u{08}",
        "bidi\u{202e}x\u{2066} bom\u{feff}",
        "nbsp\u{a0}here",
        "événements ✓ 🦀",
        "{braces} [brackets] (parens); /slash",
        "//not a comment",
        "/-not slashdash",
    ];

    #[test]
    fn strings_read_back() {
        for s in STRINGS {
            assert_reads_back(s, &kdl_string(s));
            assert_reads_back(s, &kdl_quoted(s));
            assert_reads_back(s, &kdl_text(s, 4));
        }
    }

    #[test]
    fn bare_quoted_and_raw() {
        assert_eq!(kdl_string("created_at"), "created_at");
        assert_eq!(kdl_string("String"), "String");
        assert_eq!(kdl_string("true"), "\"true\"");
        assert_eq!(kdl_string("1x"), "\"1x\"");
        assert_eq!(kdl_string("my col"), "\"my col\"");
        assert_eq!(kdl_quoted("tiered"), "\"tiered\"");
        assert_eq!(kdl_quoted("'a\\nb'"), "#\"'a\\nb'\"#");
        assert_eq!(kdl_quoted("x\"#\\"), "##\"x\"#\\\"##");
        assert_eq!(kdl_quoted("a\u{85}b"), "\"a\\u{85}b\"");
    }

    const MULTILINE: &[&str] = &[
        "SELECT a\nFROM t",
        "SELECT\n    a,\n    b\nFROM t\n\nWHERE x = 'y'",
        "\nleading and trailing\n",
        "SELECT '\\n' AS nl\nFROM t",
        "SELECT \"\"\" AS q\nFROM t",
        "SELECT \"\"\"# AS q,\n '\\\\'\nFROM t",
        "\ttabbed\n\t\tmore",
        "trailing spaces   \nkept  ",
        "SELECT \"a\"\nFROM t",
    ];

    #[test]
    fn blocks_read_back() {
        for s in MULTILINE {
            let b = block(s, 4).unwrap_or_else(|| panic!("no block for {s:?}"));
            assert_reads_back(s, &b);
        }
        // What a block would change falls back to one escaped line.
        for s in ["a\n   \nb", "a\r\nb", "a \\\nb", "a\u{2028}b", "a\u{a0}\nb"] {
            assert_eq!(block(s, 4), None, "{s:?}");
            assert_reads_back(s, &kdl_text(s, 4));
        }
    }

    #[test]
    fn block_layout() {
        assert_eq!(
            block("SELECT a\n\nFROM t", 4).unwrap(),
            "\"\"\"\n        SELECT a\n\n        FROM t\n        \"\"\""
        );
        assert_eq!(
            block("SELECT '\\t'\nFROM t", 4).unwrap(),
            "#\"\"\"\n        SELECT '\\t'\n        FROM t\n        \"\"\"#"
        );
    }

    #[test]
    fn setting_values() {
        assert_eq!(setting_value("8192").as_deref(), Some("8192"));
        assert_eq!(setting_value("-3").as_deref(), Some("-3"));
        assert_eq!(setting_value("0.5").as_deref(), Some("0.5"));
        assert_eq!(setting_value("1e-3").as_deref(), Some("1e-3"));
        assert_eq!(setting_value("'tiered'").as_deref(), Some("\"tiered\""));
        assert_eq!(setting_value("'it\\'s'").as_deref(), Some("\"it's\""));
        // ClickHouse prints these; they come back with the same meaning.
        assert_eq!(setting_value("true").as_deref(), Some("#true"));
        assert_eq!(setting_value("false").as_deref(), Some("#false"));
        assert_eq!(setting_value("1.").as_deref(), Some("1.0"));
        assert_eq!(setting_value("-20.").as_deref(), Some("-20.0"));
        for bad in [
            "inf", "nan", "NULL", "0x10", "+1", "007", ".5", "1_000", "x", "007.", ".",
        ] {
            assert_eq!(setting_value(bad), None, "{bad}");
        }
    }
}
