//! The byte cursor and KDL v2 "trivia": whitespace, comments, newlines and line continuations.
//!
//! Only ASCII whitespace and newlines are handled here. The exotic ones (Unicode spaces, NEL,
//! U+2028/2029, VT, FF) make every function return `None`, which sends the caller to the `kdl`
//! crate: they are rare in real schemas and each would need its own equivalence proof.

/// Deeper child blocks than this are not parsed here, so hostile input cannot overflow our
/// stack through recursion; `front::parse` then refuses the file (`front::kdl_depth`).
use crate::front::kdl_depth::MAX_DEPTH;

pub(super) struct Cursor<'a> {
    pub(super) src: &'a str,
    pub(super) bytes: &'a [u8],
    pub(super) pos: usize,
    pub(super) depth: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(src: &'a str) -> Self {
        Cursor {
            src,
            bytes: src.as_bytes(),
            pos: 0,
            depth: 0,
        }
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    pub(super) fn peek_at(&self, n: usize) -> Option<u8> {
        self.bytes.get(self.pos.checked_add(n)?).copied()
    }

    pub(super) fn starts_with(&self, s: &[u8]) -> bool {
        self.bytes.get(self.pos..).is_some_and(|r| r.starts_with(s))
    }

    /// The char at the cursor; `None` at the end or (never expected) off a char boundary.
    pub(super) fn peek_char(&self) -> Option<char> {
        self.src.get(self.pos..)?.chars().next()
    }

    pub(super) fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    pub(super) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// `ws := unicode-space | multi-line-comment`; whether something was consumed.
    fn ws(&mut self) -> Option<bool> {
        match self.peek() {
            Some(b' ' | b'\t') => {
                self.pos += 1;
                Some(true)
            }
            Some(b'/') if self.peek_at(1) == Some(b'*') => {
                self.block_comment()?;
                Some(true)
            }
            Some(0x80..) if is_special(self.peek_char()?) => None,
            _ => Some(false),
        }
    }

    fn wss(&mut self) -> Option<()> {
        while self.ws()? {}
        Some(())
    }

    /// `multi-line-comment`, nested. The body may hold anything, so bytes are skipped one by
    /// one: only ASCII delimiters are compared, and the cursor always ends after `*/`.
    fn block_comment(&mut self) -> Option<()> {
        self.pos += 2;
        let mut depth = 1usize;
        loop {
            match (self.peek()?, self.peek_at(1)) {
                (b'*', Some(b'/')) => {
                    self.pos += 2;
                    depth -= 1;
                    if depth == 0 {
                        return Some(());
                    }
                }
                (b'/', Some(b'*')) => {
                    self.pos += 2;
                    depth += 1;
                }
                _ => self.pos += 1,
            }
        }
    }

    /// `single-line-comment := '//' ^newline* (newline | eof)`, newline included.
    pub(super) fn line_comment(&mut self) -> Option<()> {
        self.pos += 2;
        loop {
            match self.peek() {
                None => return Some(()),
                Some(b'\n' | b'\r') => {
                    self.newline()?;
                    return Some(());
                }
                // Vertical tab and form feed end the comment in KDL; not worth supporting.
                Some(0x0B | 0x0C) => return None,
                Some(0x80..) => {
                    let c = self.peek_char()?;
                    if is_newline(c) {
                        return None;
                    }
                    self.pos += c.len_utf8();
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    /// `newline`: CRLF, CR or LF. `Some(false)` when there is none.
    pub(super) fn newline(&mut self) -> Option<bool> {
        match self.peek() {
            Some(b'\r') => {
                self.pos += if self.peek_at(1) == Some(b'\n') { 2 } else { 1 };
                Some(true)
            }
            Some(b'\n') => {
                self.pos += 1;
                Some(true)
            }
            Some(0x0B | 0x0C) => None,
            Some(0x80..) if is_newline(self.peek_char()?) => None,
            _ => Some(false),
        }
    }

    /// `escline := '\' ws* (single-line-comment | newline | eof) ws*`.
    fn escline(&mut self) -> Option<()> {
        self.pos += 1;
        self.wss()?;
        if self.starts_with(b"//") {
            self.line_comment()?;
        } else if self.peek().is_some() && !self.newline()? {
            return None;
        }
        self.wss()
    }

    /// `node-space := ws* escline ws* | ws+`, repeated; whether anything was consumed.
    pub(super) fn node_space0(&mut self) -> Option<bool> {
        let start = self.pos;
        loop {
            self.wss()?;
            if self.peek() == Some(b'\\') {
                self.escline()?;
            } else {
                return Some(self.pos > start);
            }
        }
    }

    /// `line-space := node-space | newline | single-line-comment`, repeated.
    pub(super) fn line_space0(&mut self) -> Option<()> {
        loop {
            self.node_space0()?;
            if self.starts_with(b"//") {
                self.line_comment()?;
            } else if !self.newline()? {
                return Some(());
            }
        }
    }

    /// `slashdash := '/-' line-space*`.
    pub(super) fn slashdash(&mut self) -> Option<()> {
        self.pos += 2;
        self.line_space0()
    }

    /// Whether a value may end here (`value-terminator` in the `kdl` crate): the next token must
    /// be space, a terminator, `=`, `)`, `{`, `}` or the end. A `\` is accepted because the
    /// caller then has to parse it as a line continuation or give up.
    pub(super) fn at_value_end(&self) -> bool {
        match self.peek() {
            None => true,
            Some(b'=' | b')' | b'{' | b'}' | b' ' | b'\t' | b';' | b'\n' | b'\r' | b'\\') => true,
            Some(b'/') => matches!(self.peek_at(1), Some(b'*' | b'/')),
            _ => false,
        }
    }
}

/// KDL newlines beyond CR and LF.
pub(crate) fn is_newline(c: char) -> bool {
    matches!(c, '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Non-ASCII whitespace (`unicode-space`).
pub(crate) fn is_unicode_space(c: char) -> bool {
    matches!(
        c,
        '\u{A0}' | '\u{1680}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

/// `disallowed-literal-code-points` as the `kdl` crate defines them, plus DEL, which the
/// spec forbids but the crate accepts: staying out of that disagreement is cheaper.
pub(crate) fn is_disallowed(c: char) -> bool {
    matches!(c,
        '\u{00}'..='\u{08}'
        | '\u{0E}'..='\u{1F}'
        | '\u{7F}'
        | '\u{200E}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}'
    )
}

/// A char this parser refuses outside block comments and plain string content.
pub(super) fn is_special(c: char) -> bool {
    is_newline(c) || is_unicode_space(c) || is_disallowed(c)
}
