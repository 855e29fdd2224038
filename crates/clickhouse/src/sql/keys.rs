//! Sorting-key expressions as ClickHouse sees them: a list of top-level expressions.

use crate::sql::tokens::{Kind, matching, tokens, top_level_ranges};

/// Splits `a, toDate(b), (c, d)` at top-level commas, unwrapping one outer tuple
/// (`(a, b)` is the list `a`, `b`; `tuple()` is the empty list). Whitespace is collapsed so
/// two spellings of one key compare equal. Returns (normalised text, byte range) pairs.
pub fn key_items(text: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let trimmed = text.trim();
    let lead = text.len() - text.trim_start().len();
    if trimmed.eq_ignore_ascii_case("tuple()") {
        return Vec::new();
    }
    let (inner, offset) = match unwrap_parens(trimmed) {
        Some(inner) => (inner, lead + 1),
        None => (trimmed, lead),
    };
    top_level_ranges(inner)
        .into_iter()
        .map(|r| {
            let item = &inner[r.clone()];
            let start = r.start + (item.len() - item.trim_start().len());
            let end = r.start + item.trim_end().len();
            (normalise(item), start + offset..end + offset)
        })
        .filter(|(n, _)| !n.is_empty())
        .collect()
}

/// Whether `s` is one pair of parentheses and what they enclose (`(a, b)`, not `(a) + (b)`).
pub fn encloses(s: &str) -> bool {
    unwrap_parens(s.trim()).is_some()
}

/// `(a, b)` → `a, b` when the parentheses enclose the whole text.
fn unwrap_parens(s: &str) -> Option<&str> {
    let toks = tokens(s);
    // `(a) + (b)` starts and ends with parentheses that are not a pair.
    let encloses = toks
        .first()
        .is_some_and(|t| t.start == 0 && t.text(s) == "(")
        && matching(&toks, 0).is_some_and(|c| {
            c == toks.len() - 1 && toks[c].end == s.len() && toks[c].text(s) == ")"
        });
    encloses.then(|| &s[1..s.len() - 1])
}

/// A form for comparing expressions: whitespace outside literals is dropped except between
/// two word characters, and parentheses around the whole expression too, so `f( a )` and
/// `f(a)`, `(a)` and `a` compare equal (ClickHouse compares ASTs: `PRIMARY KEY (a) ORDER BY
/// a` is a prefix).
pub fn compact(s: &str) -> String {
    let mut out = spaceless(s);
    while let Some(inner) = unwrap_parens(&out) {
        // `(a, b)` is a tuple, not `a, b`.
        if top_level_ranges(inner).len() != 1 {
            break;
        }
        out = inner.to_owned();
    }
    out
}

fn spaceless(s: &str) -> String {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut out = String::with_capacity(s.len());
    let mut last: Option<usize> = None;
    for t in tokens(s) {
        let text = t.text(s);
        // A space stays only where it keeps two words apart.
        if let Some(end) = last
            && end < t.start
            && word(s[..end].chars().next_back())
            && word(text.chars().next())
        {
            out.push(' ');
        }
        out.push_str(text);
        last = Some(t.end);
    }
    out
}

/// A sorting-key expression with its directions (`a DESC`, `tuple(a DESC, b ASC)`, allowed
/// with `allow_experimental_reverse_key`) blanked out, byte for byte, so the rest reads as
/// expressions at the same offsets.
pub fn without_directions(s: &str) -> String {
    let mut out = s.as_bytes().to_vec();
    let toks = tokens(s);
    for (k, t) in toks.iter().enumerate() {
        let text = t.text(s);
        if t.kind != Kind::Word
            || !(text.eq_ignore_ascii_case("DESC") || text.eq_ignore_ascii_case("ASC"))
        {
            continue;
        }
        // A direction follows its expression (`a DESC`, not `DESC` alone nor `x.DESC`) and
        // ends the item.
        let after_space = k > 0 && toks[k - 1].end < t.start;
        let ends_item = toks
            .get(k + 1)
            .is_none_or(|n| n.kind == Kind::Comma || n.text(s) == ")");
        if after_space && ends_item {
            out[t.start..t.end].fill(b' ');
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

/// Collapses runs of whitespace (and comments) between tokens into one space.
fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last: Option<usize> = None;
    for t in tokens(s) {
        if last.is_some_and(|end| end < t.start) {
            out.push(' ');
        }
        out.push_str(t.text(s));
        last = Some(t.end);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(s: &str) -> Vec<String> {
        key_items(s).into_iter().map(|(n, _)| n).collect()
    }

    #[test]
    fn splits_and_unwraps() {
        assert_eq!(items("id, toDate(ts)"), ["id", "toDate(ts)"]);
        assert_eq!(items(" (a,  b) "), ["a", "b"]);
        assert_eq!(items("(a) + (b)"), ["(a) + (b)"]);
        assert!(items("tuple()").is_empty());
        assert_eq!(items("concat(a, ',', b)"), ["concat(a, ',', b)"]);
        assert_eq!(items("concat(a,   '  x')"), ["concat(a, '  x')"]);
        assert_eq!(
            compact("intHash32( user_id )"),
            compact("intHash32(user_id)")
        );
        assert_eq!(compact("a AND  b"), "a AND b");
        assert_eq!(compact("((v))"), "v");
        assert_eq!(without_directions("i DESC"), "i     ");
        assert_eq!(
            without_directions("tuple(a desc, b ASC, c)"),
            "tuple(a     , b    , c)"
        );
        assert_eq!(without_directions("desc"), "desc");
        assert_eq!(
            without_directions("f(x.desc) + 'a DESC'"),
            "f(x.desc) + 'a DESC'"
        );
        assert_eq!(compact("( toDate(b) )"), "toDate(b)");
        assert_eq!(compact("(a, b)"), "(a,b)");
        assert_eq!(compact("(a) + (b)"), "(a)+(b)");
        assert_eq!(compact("f(' x ')"), "f(' x ')");
    }

    #[test]
    fn ranges_point_at_items() {
        let s = " (a,  toDate(b))";
        for (n, r) in key_items(s) {
            assert_eq!(&s[r], n);
        }
    }
}
