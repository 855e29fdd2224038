//! Sorting-key expressions as ClickHouse sees them: a list of top-level expressions.

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
    split_top_level(inner)
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
    let inner = s.strip_prefix('(')?.strip_suffix(')')?;
    // `(a) + (b)` starts and ends with parentheses that are not a pair.
    let mut depth = 0i32;
    for (i, c) in scan(s) {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 && i != s.len() - 1 {
                    return None;
                }
            }
            _ => {}
        }
    }
    Some(inner)
}

pub fn split_top_level(s: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in scan(s) {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                out.push(start..i);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(start..s.len());
    out
}

/// Characters outside string literals and quoted identifiers, with their byte offsets.
fn scan(s: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    s.char_indices().filter(move |&(_, c)| {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            return false;
        }
        if matches!(c, '\'' | '"' | '`') {
            quote = Some(c);
            return false;
        }
        true
    })
}

/// A form for comparing expressions: whitespace outside literals is dropped except between
/// two word characters, and parentheses around the whole expression too, so `f( a )` and
/// `f(a)`, `(a)` and `a` compare equal (ClickHouse compares ASTs: `PRIMARY KEY (a) ORDER BY
/// a` is a prefix).
pub fn compact(s: &str) -> String {
    let mut out = spaceless(s);
    while let Some(inner) = unwrap_parens(&out) {
        // `(a, b)` is a tuple, not `a, b`.
        if split_top_level(inner).len() != 1 {
            break;
        }
        out = inner.to_owned();
    }
    out
}

fn spaceless(s: &str) -> String {
    let collapsed = normalise(s);
    let chars: Vec<char> = collapsed.chars().collect();
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(collapsed.len());
    let mut quote: Option<char> = None;
    for (i, &c) in chars.iter().enumerate() {
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        if matches!(c, '\'' | '"' | '`') {
            quote = Some(c);
        }
        if c == ' ' {
            let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
            let next = chars.get(i + 1).copied();
            if !(prev.is_some_and(word) && next.is_some_and(word)) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// A sorting-key expression with its directions (`a DESC`, `tuple(a DESC, b ASC)`, allowed
/// with `allow_experimental_reverse_key`) blanked out, byte for byte, so the rest reads as
/// expressions at the same offsets.
pub fn without_directions(s: &str) -> String {
    let mut out = s.as_bytes().to_vec();
    let chars: Vec<(usize, char)> = scan(s).collect();
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    // (start, preceded by whitespace) of the word being read.
    let mut word: Option<(usize, bool)> = None;
    for (k, &(i, c)) in chars.iter().enumerate() {
        if !is_word(c) {
            continue;
        }
        let (start, after_space) =
            *word.get_or_insert_with(|| (i, k > 0 && chars[k - 1].1.is_whitespace()));
        let end = i + c.len_utf8();
        let continues = chars
            .get(k + 1)
            .is_some_and(|&(j, n)| j == end && is_word(n));
        if continues {
            continue;
        }
        word = None;
        // A direction follows its expression (`a DESC`, not `DESC` alone nor `x.DESC`) and
        // ends the item.
        let next = chars[k + 1..]
            .iter()
            .map(|&(_, n)| n)
            .find(|n| !n.is_whitespace());
        let text = &s[start..end];
        if after_space
            && matches!(next, None | Some(',') | Some(')'))
            && (text.eq_ignore_ascii_case("DESC") || text.eq_ignore_ascii_case("ASC"))
        {
            out[start..end].fill(b' ');
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

/// Collapses runs of whitespace outside literals and quoted names into one space.
fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut pending_space = false;
    for c in s.trim().chars() {
        if let Some(q) = quote {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        if matches!(c, '\'' | '"' | '`') {
            quote = Some(c);
        }
        out.push(c);
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
