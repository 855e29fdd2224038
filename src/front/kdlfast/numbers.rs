//! Numbers and `#` keywords, converted exactly as the `kdl` crate converts them: integers as
//! `i128` via `from_str_radix` on the digits without `_`, floats via `str::parse::<f64>`.

use kdl::KdlValue;

use super::lexer::Cursor;

impl Cursor<'_> {
    /// `#true`, `#false`, `#null`, `#inf`, `#-inf`, `#nan`.
    pub(super) fn keyword(&mut self) -> Option<KdlValue> {
        let rest = self.bytes.get(self.pos + 1..)?;
        let (value, len) = if rest.starts_with(b"true") {
            (KdlValue::Bool(true), 4)
        } else if rest.starts_with(b"false") {
            (KdlValue::Bool(false), 5)
        } else if rest.starts_with(b"null") {
            (KdlValue::Null, 4)
        } else if rest.starts_with(b"nan") {
            (KdlValue::Float(f64::NAN), 3)
        } else if rest.starts_with(b"inf") {
            (KdlValue::Float(f64::INFINITY), 3)
        } else if rest.starts_with(b"-inf") {
            (KdlValue::Float(f64::NEG_INFINITY), 4)
        } else {
            return None;
        };
        self.pos += 1 + len;
        Some(value)
    }

    /// `hex | octal | binary | decimal` with an optional sign; the caller checks what follows.
    pub(super) fn number(&mut self) -> Option<KdlValue> {
        let start = self.pos;
        let negative = match self.peek() {
            Some(b'-') => {
                self.pos += 1;
                true
            }
            Some(b'+') => {
                self.pos += 1;
                false
            }
            _ => false,
        };
        let radix = match (self.peek(), self.peek_at(1)) {
            (Some(b'0'), Some(b'x' | b'X')) => 16,
            (Some(b'0'), Some(b'o' | b'O')) => 8,
            (Some(b'0'), Some(b'b' | b'B')) => 2,
            _ => 10,
        };
        if radix != 10 {
            self.pos += 2;
            let digits = self.digits(radix)?;
            return integer(&digits, radix, negative);
        }
        let int = self.digits(10)?;
        let mut is_float = false;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            // The `kdl` crate reads every digit run of a float as an i128 first, and fails
            // when one does not fit.
            integer(&self.digits(10)?, 10, false)?;
            is_float = true;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            integer(&self.digits(10)?, 10, false)?;
            is_float = true;
        }
        if !is_float {
            return integer(&int, 10, negative);
        }
        integer(&int, 10, false)?;
        let text: String = self
            .src
            .get(start..self.pos)?
            .chars()
            .filter(|&c| c != '_')
            .collect();
        text.parse::<f64>().ok().map(KdlValue::Float)
    }

    /// `digit (digit | '_')*` in `radix`, returned without the underscores.
    fn digits(&mut self, radix: u32) -> Option<String> {
        let is_digit = |b: u8| (b as char).is_digit(radix);
        if !self.peek().is_some_and(is_digit) {
            return None;
        }
        let mut out = String::new();
        while let Some(b) = self.peek() {
            if is_digit(b) {
                out.push(b as char);
            } else if b != b'_' {
                break;
            }
            self.pos += 1;
        }
        Some(out)
    }
}

fn integer(digits: &str, radix: u32, negative: bool) -> Option<KdlValue> {
    let n = i128::from_str_radix(digits, radix).ok()?;
    Some(KdlValue::Integer(if negative {
        n.checked_neg()?
    } else {
        n
    }))
}
