//! Tokens of the type grammar. Hand-written because a type is parsed for every column of a
//! project: no allocation unless a literal needs unescaping.

use super::TypeError;
use std::borrow::Cow;
use std::ops::Range;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok<'a> {
    /// A bare word: `Int32`, `max_types`, `é`.
    Word(&'a str),
    /// A backquoted or double-quoted identifier, unescaped.
    Quoted(Cow<'a, str>),
    /// A single-quoted string literal, unescaped.
    Str(Cow<'a, str>),
    /// A number as written (sign excluded): `12`, `0.5`, `1e-7`, `0x10`.
    Num(&'a str),
    Punct(u8),
    End,
}

#[derive(Debug, Clone)]
pub(crate) struct Token<'a> {
    pub tok: Tok<'a>,
    pub span: Range<usize>,
}

pub(crate) struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

fn is_word_byte(b: u8) -> bool {
    // Bytes >= 0x80 belong to UTF-8 sequences: ClickHouse treats them as word characters.
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

impl<'a> Lexer<'a> {
    pub fn new(text: &'a str) -> Self {
        Lexer { text, pos: 0 }
    }

    pub fn next_token(&mut self) -> Result<Token<'a>, TypeError> {
        let bytes = self.text.as_bytes();
        while self.pos < bytes.len() && bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
        let start = self.pos;
        let Some(&b) = bytes.get(start) else {
            return Ok(Token {
                tok: Tok::End,
                span: start..start,
            });
        };
        let tok = if b.is_ascii_digit()
            || (b == b'.' && bytes.get(start + 1).is_some_and(u8::is_ascii_digit))
        {
            self.number()
        } else if is_word_byte(b) {
            while self.pos < bytes.len() && is_word_byte(bytes[self.pos]) {
                self.pos += 1;
            }
            Tok::Word(&self.text[start..self.pos])
        } else if b == b'\'' {
            Tok::Str(self.quoted(b'\'')?)
        } else if b == b'`' || b == b'"' {
            Tok::Quoted(self.quoted(b)?)
        } else if b"(),=[].-+".contains(&b) {
            self.pos += 1;
            Tok::Punct(b)
        } else {
            let len = self.text[start..].chars().next().map_or(1, char::len_utf8);
            return Err(TypeError::new(
                format!("unexpected character `{}`", &self.text[start..start + len]),
                start..start + len,
                None,
            ));
        };
        Ok(Token {
            tok,
            span: start..self.pos,
        })
    }

    fn number(&mut self) -> Tok<'a> {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let hex = bytes[start] == b'0' && matches!(bytes.get(start + 1), Some(b'x' | b'X'));
        if hex {
            self.pos += 2;
            while self.pos < bytes.len() && bytes[self.pos].is_ascii_hexdigit() {
                self.pos += 1;
            }
            return Tok::Num(&self.text[start..self.pos]);
        }
        while self.pos < bytes.len()
            && (bytes[self.pos].is_ascii_digit() || bytes[self.pos] == b'.')
        {
            self.pos += 1;
        }
        if matches!(bytes.get(self.pos), Some(b'e' | b'E')) {
            let mut p = self.pos + 1;
            if matches!(bytes.get(p), Some(b'+' | b'-')) {
                p += 1;
            }
            if bytes.get(p).is_some_and(u8::is_ascii_digit) {
                while p < bytes.len() && bytes[p].is_ascii_digit() {
                    p += 1;
                }
                self.pos = p;
            }
        }
        Tok::Num(&self.text[start..self.pos])
    }

    /// Reads a quoted literal with ClickHouse's escapes (backslash sequences and a doubled quote).
    fn quoted(&mut self, quote: u8) -> Result<Cow<'a, str>, TypeError> {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        self.pos += 1;
        let body_start = self.pos;
        let mut owned: Option<String> = None;
        loop {
            let Some(&b) = bytes.get(self.pos) else {
                let what = if quote == b'\'' {
                    "string literal"
                } else {
                    "quoted identifier"
                };
                return Err(TypeError::new(
                    format!("unterminated {what}"),
                    start..self.text.len(),
                    Some(format!("close it with `{}`", quote as char)),
                ));
            };
            if b == quote {
                if bytes.get(self.pos + 1) == Some(&quote) {
                    let buf =
                        owned.get_or_insert_with(|| self.text[body_start..self.pos].to_string());
                    buf.push(quote as char);
                    self.pos += 2;
                    continue;
                }
                let body = &self.text[body_start..self.pos];
                self.pos += 1;
                return Ok(match owned {
                    Some(s) => Cow::Owned(s),
                    None => Cow::Borrowed(body),
                });
            }
            if b == b'\\' {
                let buf = owned.get_or_insert_with(|| self.text[body_start..self.pos].to_string());
                self.pos += 1;
                let Some(c) = self.text[self.pos..].chars().next() else {
                    continue;
                };
                self.pos += c.len_utf8();
                match c {
                    'n' => buf.push('\n'),
                    't' => buf.push('\t'),
                    'r' => buf.push('\r'),
                    'b' => buf.push('\u{8}'),
                    'f' => buf.push('\u{c}'),
                    '0' => buf.push('\0'),
                    'a' => buf.push('\u{7}'),
                    'v' => buf.push('\u{b}'),
                    'x' => {
                        let hex = self.text.get(self.pos..self.pos + 2);
                        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                            Some(v) if v < 0x80 => {
                                buf.push(v as char);
                                self.pos += 2;
                            }
                            _ => buf.push('x'),
                        }
                    }
                    other => buf.push(other),
                }
                continue;
            }
            let c_len = self.text[self.pos..]
                .chars()
                .next()
                .map_or(1, char::len_utf8);
            if let Some(buf) = owned.as_mut() {
                buf.push_str(&self.text[self.pos..self.pos + c_len]);
            }
            self.pos += c_len;
        }
    }
}
