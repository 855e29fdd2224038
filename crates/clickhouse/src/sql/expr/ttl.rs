//! TTL rules end with actions that are not expressions. They are blanked out (same length, so
//! byte offsets stay valid) before parsing; the expressions of `WHERE`, `GROUP BY` and `SET`
//! become extra list items because they do refer to columns.

pub(crate) fn blank_ttl_actions(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\'' | b'"' | b'`' => i = skip_quoted(bytes, i),
            b'(' => {
                depth += 1;
                i += 1;
            }
            b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ if is_word(b) => {
                let start = i;
                while i < bytes.len() && is_word(bytes[i]) {
                    i += 1;
                }
                if depth == 0 {
                    i = action(bytes, &mut out, start, i);
                }
            }
            _ => i += 1,
        }
    }
    // Only ASCII bytes were replaced by ASCII bytes.
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

fn skip_quoted(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            i += 2;
        } else if bytes[i] == quote {
            return i + 1;
        } else {
            i += 1;
        }
    }
    bytes.len()
}

fn next_word(bytes: &[u8], from: usize) -> (usize, usize) {
    let mut s = from;
    while s < bytes.len() && bytes[s].is_ascii_whitespace() {
        s += 1;
    }
    let mut e = s;
    while e < bytes.len() && is_word(bytes[e]) {
        e += 1;
    }
    (s, e)
}

fn blank(out: &mut [u8], range: std::ops::Range<usize>, with_comma: bool) {
    for b in &mut out[range.clone()] {
        *b = b' ';
    }
    if with_comma && let Some(b) = out.get_mut(range.start) {
        *b = b',';
    }
}

/// Rewrites the action starting with the word at `start..end`; returns where scanning goes on.
fn action(bytes: &[u8], out: &mut [u8], start: usize, end: usize) -> usize {
    let word = &bytes[start..end];
    let is = |w: &[u8], kw: &str| w.eq_ignore_ascii_case(kw.as_bytes());
    if is(word, "DELETE") {
        blank(out, start..end, false);
        return end;
    }
    if is(word, "WHERE") || is(word, "SET") {
        blank(out, start..end, true);
        return end;
    }
    let (s2, e2) = next_word(bytes, end);
    let second = &bytes[s2..e2];
    if is(word, "GROUP") && is(second, "BY") {
        blank(out, start..e2, true);
        return e2;
    }
    if is(word, "TO") && (is(second, "DISK") || is(second, "VOLUME")) {
        let mut q = e2;
        while q < bytes.len() && bytes[q].is_ascii_whitespace() {
            q += 1;
        }
        let stop = if bytes.get(q) == Some(&b'\'') {
            skip_quoted(bytes, q)
        } else {
            e2
        };
        blank(out, start..stop, false);
        return stop;
    }
    if is(word, "RECOMPRESS") && is(second, "CODEC") {
        let mut q = e2;
        while q < bytes.len() && bytes[q].is_ascii_whitespace() {
            q += 1;
        }
        let mut stop = e2;
        if bytes.get(q) == Some(&b'(') {
            let mut depth = 0usize;
            let mut k = q;
            while k < bytes.len() {
                match bytes[k] {
                    b'\'' | b'"' | b'`' => {
                        k = skip_quoted(bytes, k);
                        continue;
                    }
                    b'(' => depth += 1,
                    b')' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            k += 1;
                            break;
                        }
                    }
                    _ => {}
                }
                k += 1;
            }
            stop = k;
        }
        blank(out, start..stop, false);
        return stop;
    }
    end
}
