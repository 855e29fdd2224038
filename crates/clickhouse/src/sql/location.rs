//! sqlparser reports positions as 1-based line and character column; callers want bytes.
//! This is the one converter between the two for every SQL analysis in the workspace.

use sqlparser::tokenizer::Location;

pub struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of each line's first character, and whether the line is ASCII (then a
    /// column is a byte count, and a lookup needs no walk over the line).
    lines: Vec<(usize, bool)>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        // The tokenizer counts only `\n` as a line break.
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let lines = starts
            .iter()
            .enumerate()
            .map(|(n, &s)| {
                let end = starts.get(n + 1).copied().unwrap_or(text.len());
                (s, text[s..end].is_ascii())
            })
            .collect();
        LineIndex { text, lines }
    }

    /// The byte of a 1-based (line, column); `None` for line or column 0 (sqlparser's empty
    /// span) and lines past the end. A column past the end of the text gives its length.
    pub fn byte_offset(&self, line: u64, column: u64) -> Option<usize> {
        let &(start, ascii) = self
            .lines
            .get(usize::try_from(line).ok()?.checked_sub(1)?)?;
        let col = usize::try_from(column).ok()?.checked_sub(1)?;
        if ascii {
            return Some((start + col).min(self.text.len()));
        }
        let rest = &self.text[start..];
        match rest.char_indices().nth(col) {
            Some((i, _)) => Some(start + i),
            None => Some(self.text.len()),
        }
    }

    pub fn byte(&self, loc: Location) -> Option<usize> {
        self.byte_offset(loc.line, loc.column)
    }
}

/// sqlparser's errors end with `at Line: L, Column: C`.
pub fn error_location(message: &str) -> Option<(u64, u64)> {
    let at = message.rfind("Line: ")?;
    let rest = &message[at + "Line: ".len()..];
    let (line, rest) = rest.split_once(", Column: ")?;
    let col: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((line.trim().parse().ok()?, col.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    #[test]
    fn columns_count_characters() {
        let s = "SELECT 'é' AS x,\n  ñ, b";
        let idx = LineIndex::new(s);
        assert_eq!(idx.byte_offset(1, 1), Some(0));
        assert_eq!(&s[idx.byte_offset(1, 12).unwrap()..][..2], "AS");
        assert_eq!(&s[idx.byte_offset(2, 3).unwrap()..], "ñ, b");
        assert_eq!(&s[idx.byte_offset(2, 6).unwrap()..], "b");
        assert_eq!(idx.byte_offset(0, 0), None);
        assert_eq!(idx.byte_offset(3, 1), None);
    }
}
