//! How deeply a KDL text nests its child blocks, found without building a tree.
//!
//! The `kdl` crate (and dropping the tree it builds) recurses once per level: 50,000 nested
//! `{` overflow even the parse thread's large stack, which aborts the process. No schema needs
//! more than a handful of levels, so a file nested deeper than `MAX_DEPTH` is refused with a
//! diagnostic at the block that goes too deep, before any tree exists. `kdlfast` stops at the
//! same depth; this scan runs only when the fast path gave up.
//!
//! Only what can hide a brace is understood: strings (quoted, multi-line, raw with any number
//! of `#`), line comments and nested block comments. Everything else is skipped byte by byte,
//! so the scan is linear and never fails: on text that is not valid KDL it still returns an
//! answer, and the crate then reports the syntax error.

/// The deepest child block accepted, counting the top level's blocks as 1.
pub const MAX_DEPTH: usize = 64;

/// The byte offset of the first `{` that opens a block deeper than `MAX_DEPTH`, if any.
pub fn too_deep(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = 0;
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
                i += 1;
            }
            b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => i = line_end(b, i + 2),
            b'/' if b.get(i + 1) == Some(&b'*') => i = block_comment_end(b, i + 2),
            b'"' if b[i..].starts_with(b"\"\"\"") => i = escaped_end(b, i + 3, b"\"\"\""),
            b'"' => i = escaped_end(b, i + 1, b"\""),
            b'#' => {
                let hashes = b[i..].iter().take_while(|&&c| c == b'#').count();
                let open = i + hashes;
                if b.get(open) == Some(&b'"') {
                    let quotes = if b[open..].starts_with(b"\"\"\"") {
                        3
                    } else {
                        1
                    };
                    let mut close = vec![b'"'; quotes];
                    close.resize(quotes + hashes, b'#');
                    i = raw_end(b, open + quotes, &close);
                } else {
                    // A keyword (`#true`, `#null`) or stray hashes: nothing that hides a brace.
                    i = open;
                }
            }
            _ => i += 1,
        }
    }
    None
}

fn line_end(b: &[u8], from: usize) -> usize {
    b[from..]
        .iter()
        .position(|&c| c == b'\n' || c == b'\r')
        .map_or(b.len(), |p| from + p)
}

fn block_comment_end(b: &[u8], mut i: usize) -> usize {
    let mut depth = 1usize;
    while i < b.len() {
        if b[i..].starts_with(b"*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else if b[i..].starts_with(b"/*") {
            depth += 1;
            i += 2;
        } else {
            i += 1;
        }
    }
    b.len()
}

/// After the `close` that ends a string in which `\` escapes the next byte.
fn escaped_end(b: &[u8], mut i: usize, close: &[u8]) -> usize {
    while i < b.len() {
        if b[i] == b'\\' {
            i += 2;
        } else if b[i..].starts_with(close) {
            return i + close.len();
        } else {
            i += 1;
        }
    }
    b.len()
}

/// After the `close` (quotes and hashes) that ends a raw string; raw strings have no escapes.
fn raw_end(b: &[u8], from: usize, close: &[u8]) -> usize {
    b[from..]
        .windows(close.len())
        .position(|w| w == close)
        .map_or(b.len(), |p| from + p + close.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(levels: usize) -> String {
        let mut s = String::new();
        for _ in 0..levels {
            s.push_str("n {");
        }
        s.push_str(&"}".repeat(levels));
        s
    }

    #[test]
    fn the_limit_is_inclusive() {
        assert_eq!(too_deep(&nested(MAX_DEPTH)), None);
        assert_eq!(too_deep(&nested(MAX_DEPTH + 1)), Some(MAX_DEPTH * 3 + 2));
        assert!(too_deep(&nested(50_000)).is_some());
    }

    #[test]
    fn sibling_blocks_do_not_add_up() {
        assert_eq!(too_deep(&"t { c; }\n".repeat(10_000)), None);
    }

    #[test]
    fn braces_in_strings_and_comments_do_not_count() {
        let deep = "{".repeat(MAX_DEPTH + 1);
        for hidden in [
            format!("n \"{deep}\""),
            format!("n \"\\\"{deep}\""),
            format!("n \"\"\"\n a \"{deep}\" b\n  \"\"\""),
            format!("n #\"{deep}\"#"),
            format!("n ##\"\"\"\n\"# {deep}\n\"\"\"##"),
            format!("n // {deep}\nm"),
            format!("n /* /* */ {deep} */"),
        ] {
            assert_eq!(too_deep(&hidden), None, "{hidden}");
        }
    }

    #[test]
    fn code_after_a_string_still_counts() {
        let text = format!("n \"}}}}\" #true {}", nested(MAX_DEPTH + 1));
        assert!(too_deep(&text).is_some());
    }

    #[test]
    fn unterminated_constructs_end_the_scan() {
        for text in ["n \"{{{", "n /* {{{", "n #\"{{{", "n \"\\"] {
            assert_eq!(too_deep(text), None);
        }
    }
}
