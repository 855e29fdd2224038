//! Strings: identifier strings, quoted strings with escapes, raw strings, and the multi-line
//! forms of both with their dedent rules.

use super::lexer::{Cursor, is_disallowed, is_newline, is_special, is_unicode_space};

/// Bare words that would read as keywords. `-inf` is accepted as an identifier by the `kdl`
/// crate but not by the spec; leaving it to the crate keeps us out of that disagreement.
const RESERVED: [&str; 7] = ["true", "false", "null", "inf", "-inf", "nan", "+inf"];

/// ASCII bytes that may appear in an identifier (the table stops at DEL, which we refuse).
static IDENT_ASCII: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0x21;
    while b < 0x7F {
        table[b] = !matches!(
            b as u8,
            b'\\' | b'/' | b'(' | b')' | b'{' | b'}' | b'[' | b']' | b';' | b'"' | b'#' | b'='
        );
        b += 1;
    }
    table
};

/// ASCII bytes that stand for themselves inside a single-line quoted string.
static PLAIN_STRING_ASCII: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0x20;
    while b < 0x7F {
        table[b] = b as u8 != b'"' && b as u8 != b'\\';
        b += 1;
    }
    table[b'\t' as usize] = true;
    table
};

impl<'a> Cursor<'a> {
    /// Whether a `string` (and so possibly a property key) starts here, as opposed to a number,
    /// keyword or type annotation.
    pub(super) fn at_string_start(&self) -> bool {
        let digit = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_digit());
        match self.peek() {
            Some(b'"') => true,
            Some(b'#') => matches!(self.peek_at(1), Some(b'#' | b'"')),
            Some(b'+' | b'-') => match self.peek_at(1) {
                Some(b'.') => !digit(self.peek_at(2)),
                b => !digit(b),
            },
            Some(b'.') => !digit(self.peek_at(1)),
            Some(b) if b.is_ascii_digit() => false,
            Some(_) => matches!(self.ident_char_len(), Some(n) if n > 0),
            None => false,
        }
    }

    /// `string := identifier-string | quoted-string | raw-string`, without the terminator check.
    pub(super) fn string(&mut self) -> Option<String> {
        match self.peek()? {
            b'"' => self.quoted_string(),
            b'#' => self.raw_string(),
            _ => self.ident_string(),
        }
    }

    /// Length of the identifier char at the cursor, `Some(0)` if the char cannot be in an
    /// identifier, `None` if it is one we refuse to reason about.
    fn ident_char_len(&self) -> Option<usize> {
        match self.peek() {
            None => Some(0),
            Some(b'\\' | b'/' | b'(' | b')' | b'{' | b'}' | b'[' | b']' | b';' | b'"' | b'#') => {
                Some(0)
            }
            Some(b'=') => Some(0),
            Some(0x7F) => None,
            Some(0x21..=0x7E) => Some(1),
            Some(0x80..) => {
                let c = self.peek_char()?;
                if is_special(c) {
                    None
                } else {
                    Some(c.len_utf8())
                }
            }
            Some(_) => Some(0),
        }
    }

    fn ident_string(&mut self) -> Option<String> {
        if !self.at_string_start() {
            return None;
        }
        let start = self.pos;
        loop {
            let rest = self.bytes.get(self.pos..)?;
            self.pos += rest
                .iter()
                .take_while(|&&b| IDENT_ASCII.get(usize::from(b)) == Some(&true))
                .count();
            match self.ident_char_len()? {
                0 => break,
                n => self.pos += n,
            }
        }
        let word = self.src.get(start..self.pos)?;
        if word.is_empty() || RESERVED.contains(&word) {
            return None;
        }
        Some(word.to_owned())
    }

    fn quoted_string(&mut self) -> Option<String> {
        if self.starts_with(b"\"\"\"") {
            return self.multiline_quoted();
        }
        self.pos += 1;
        let mut out = String::new();
        let mut run = self.pos;
        loop {
            let rest = self.bytes.get(self.pos..)?;
            self.pos += rest
                .iter()
                .take_while(|&&b| PLAIN_STRING_ASCII.get(usize::from(b)) == Some(&true))
                .count();
            match self.peek()? {
                b'"' => {
                    out.push_str(self.src.get(run..self.pos)?);
                    self.pos += 1;
                    return Some(out);
                }
                b'\\' => {
                    out.push_str(self.src.get(run..self.pos)?);
                    let (c, len) = escape(self.bytes, self.pos)?;
                    out.extend(c);
                    self.pos += len;
                    run = self.pos;
                }
                b'\n' | b'\r' | 0x0B | 0x0C | 0x00..=0x08 | 0x0E..=0x1F | 0x7F => return None,
                0x80.. => {
                    let c = self.peek_char()?;
                    if is_newline(c) || is_disallowed(c) {
                        return None;
                    }
                    self.pos += c.len_utf8();
                }
                _ => self.pos += 1,
            }
        }
    }

    /// `"""` strings. Each body line must start with the whitespace that precedes the closing
    /// `"""` (whitespace-only lines become empty); lines are joined with `\n`. Backslash-
    /// whitespace escapes and Unicode whitespace are refused: in the `kdl` crate they can swallow
    /// newlines and indentation, which changes what a "line" is.
    fn multiline_quoted(&mut self) -> Option<String> {
        self.pos += 3;
        if !self.newline()? {
            return None;
        }
        let mut lines = Vec::new();
        let prefix = loop {
            if let Some(prefix) = self.closing_line(b"\"\"\"") {
                break prefix;
            }
            let start = self.pos;
            loop {
                match self.peek()? {
                    b'\n' | b'\r' => break,
                    // Skipping the escaped char keeps `\"""` and `\\"""` apart.
                    b'\\' => match self.peek_at(1) {
                        Some(0x21..=0x7E) => self.pos += 2,
                        _ => return None,
                    },
                    b'"' if self.starts_with(b"\"\"\"") => return None,
                    0x0B | 0x0C | 0x00..=0x08 | 0x0E..=0x1F | 0x7F => return None,
                    0x80.. => {
                        let c = self.peek_char()?;
                        if is_special(c) {
                            return None;
                        }
                        self.pos += c.len_utf8();
                    }
                    _ => self.pos += 1,
                }
            }
            lines.push((start, self.pos));
            self.newline()?;
        };
        let mut out = String::new();
        for (start, end) in lines {
            let line = self.src.get(start..end)?;
            if !is_blank(line) {
                let body = line.strip_prefix(prefix)?.as_bytes();
                unescape_into(body, &mut out)?;
            }
            out.push('\n');
        }
        out.pop();
        Some(out)
    }

    /// If the cursor is at a line made of spaces/tabs and then `close`, moves past `close` and
    /// returns the indentation.
    fn closing_line(&mut self, close: &[u8]) -> Option<&'a str> {
        let rest = self.bytes.get(self.pos..)?;
        let indent = rest
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        if rest.get(indent..)?.starts_with(close) {
            let src: &'a str = self.src;
            let prefix = src.get(self.pos..self.pos + indent)?;
            self.pos += indent + close.len();
            return Some(prefix);
        }
        None
    }

    fn raw_string(&mut self) -> Option<String> {
        let hashes = self
            .bytes
            .get(self.pos..)?
            .iter()
            .take_while(|&&b| b == b'#')
            .count();
        self.pos += hashes;
        let mut close = Vec::with_capacity(hashes + 3);
        if self.starts_with(b"\"\"\"")
            && matches!(self.peek_at(3), Some(b'\n' | b'\r' | 0x0B | 0x0C | 0x80..))
        {
            close.extend_from_slice(b"\"\"\"");
            close.resize(hashes + 3, b'#');
            return self.multiline_raw(&close);
        }
        if self.peek() != Some(b'"') {
            return None;
        }
        self.pos += 1;
        close.push(b'"');
        close.resize(hashes + 1, b'#');
        let start = self.pos;
        while !(self.peek() == Some(b'"') && self.starts_with(&close)) {
            match self.peek()? {
                b'\n' | b'\r' | 0x0B | 0x0C | 0x00..=0x08 | 0x0E..=0x1F | 0x7F => return None,
                0x80.. => {
                    let c = self.peek_char()?;
                    if is_newline(c) || is_disallowed(c) {
                        return None;
                    }
                    self.pos += c.len_utf8();
                }
                _ => self.pos += 1,
            }
        }
        let body = self.src.get(start..self.pos)?;
        self.pos += close.len();
        // `#"""#` would otherwise read as a one-quote string; KDL forbids it.
        (body != "\"").then(|| body.to_owned())
    }

    /// Raw `"""` strings: same dedent rules as quoted ones, no escapes. A backslash followed by
    /// whitespace is refused because the `kdl` crate treats it as an escape even here when it
    /// decides whether a line is blank.
    fn multiline_raw(&mut self, close: &[u8]) -> Option<String> {
        self.pos += 3;
        if !self.newline()? {
            return None;
        }
        let mut lines = Vec::new();
        let prefix = loop {
            if let Some(prefix) = self.closing_line(close) {
                break prefix;
            }
            let start = self.pos;
            loop {
                match self.peek()? {
                    b'\n' | b'\r' => break,
                    b'\\' if !matches!(self.peek_at(1), Some(0x21..)) => return None,
                    b'"' if self.starts_with(close) => return None,
                    0x0B | 0x0C | 0x00..=0x08 | 0x0E..=0x1F | 0x7F => return None,
                    0x80.. => {
                        let c = self.peek_char()?;
                        if is_special(c) {
                            return None;
                        }
                        self.pos += c.len_utf8();
                    }
                    _ => self.pos += 1,
                }
            }
            lines.push((start, self.pos));
            self.newline()?;
        };
        let mut out = String::new();
        for (start, end) in lines {
            let line = self.src.get(start..end)?;
            if !is_blank(line) {
                out.push_str(line.strip_prefix(prefix)?);
            }
            out.push('\n');
        }
        out.pop();
        Some(out)
    }
}

fn is_blank(line: &str) -> bool {
    line.bytes().all(|b| b == b' ' || b == b'\t')
}

/// Appends `body` (no newlines, no unescaped `"""`) with its escapes decoded.
fn unescape_into(body: &[u8], out: &mut String) -> Option<()> {
    let mut i = 0;
    let mut run = 0;
    while let Some(&b) = body.get(i) {
        if b == b'\\' {
            out.push_str(std::str::from_utf8(body.get(run..i)?).ok()?);
            let (c, len) = escape(body, i)?;
            out.extend(c);
            i += len;
            run = i;
        } else {
            i += 1;
        }
    }
    out.push_str(std::str::from_utf8(body.get(run..)?).ok()?);
    Some(())
}

/// Decodes the escape at `bytes[at]` (a backslash): the char it stands for (none for a
/// whitespace escape) and the number of bytes it spans.
fn escape(bytes: &[u8], at: usize) -> Option<(Option<char>, usize)> {
    let c = match *bytes.get(at + 1)? {
        b'n' => '\n',
        b't' => '\t',
        b'r' => '\r',
        b'\\' => '\\',
        b'"' => '"',
        b'b' => '\u{08}',
        b'f' => '\u{0C}',
        b's' => ' ',
        b'u' => return unicode_escape(bytes, at),
        b' ' | b'\t' | b'\n' | b'\r' => {
            let rest = bytes.get(at + 1..)?;
            let n = rest
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                .count();
            // The escape would also swallow exotic whitespace; we do not track that.
            if let Some(&next) = rest.get(n)
                && (matches!(next, 0x0B | 0x0C) || next >= 0x80 && starts_special(rest.get(n..)?))
            {
                return None;
            }
            return Some((None, 1 + n));
        }
        _ => return None,
    };
    Some((Some(c), 2))
}

fn starts_special(bytes: &[u8]) -> bool {
    let head = bytes.get(..bytes.len().min(4)).unwrap_or_default();
    let valid = match std::str::from_utf8(head) {
        Ok(s) => s,
        Err(e) => {
            std::str::from_utf8(head.get(..e.valid_up_to()).unwrap_or_default()).unwrap_or_default()
        }
    };
    match valid.chars().next() {
        Some(c) => is_newline(c) || is_unicode_space(c) || is_disallowed(c),
        // Not decodable here: be safe and refuse.
        None => true,
    }
}

/// `\u{` 1-6 hex digits `}` naming a Unicode scalar value.
fn unicode_escape(bytes: &[u8], at: usize) -> Option<(Option<char>, usize)> {
    if bytes.get(at + 2) != Some(&b'{') {
        return None;
    }
    let digits = bytes.get(at + 3..)?;
    let n = digits.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if !(1..=6).contains(&n) || digits.get(n) != Some(&b'}') {
        return None;
    }
    let hex = std::str::from_utf8(digits.get(..n)?).ok()?;
    let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
    Some((Some(c), 3 + n + 1))
}
