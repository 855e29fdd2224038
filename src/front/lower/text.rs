//! Mapping a KDL string value back to the bytes it came from.

use kdl::KdlEntry;

use crate::front::ir::Text;
use crate::front::source::{FileId, Span};

/// The span of an entry's value (without `key=`).
pub fn value_span(file: FileId, source: &str, entry: &KdlEntry) -> Span {
    let s = entry.span();
    let (start, end) = (s.offset(), s.offset() + s.len());
    let Some(key) = entry.name() else {
        return Span::new(file, start, end);
    };
    let after_key = key.span().offset() + key.span().len();
    let bytes = source.as_bytes();
    let mut i = after_key.min(end);
    while i < end && (bytes[i] == b'=' || bytes[i].is_ascii_whitespace()) {
        i += 1;
    }
    Span::new(file, i, end)
}

/// A `Text` for a string value, with segments when its content maps one to one onto the
/// source (identifiers, quoted strings without escapes, raw and multi-line strings).
pub fn text(value: &str, span: Span, source: &str) -> Text {
    let raw = source.get(span.start..span.end).unwrap_or("");
    let segments = segments(value, raw, span.start).unwrap_or_default();
    Text {
        value: value.to_string(),
        span,
        segments,
    }
}

fn segments(value: &str, raw: &str, base: usize) -> Option<Vec<(usize, usize)>> {
    let hashes = raw.bytes().take_while(|b| *b == b'#').count();
    let body = &raw[hashes..];
    let is_raw = hashes > 0;
    if !body.starts_with('"') {
        // A bare identifier: the value is the raw text.
        return (raw == value).then(|| vec![(0, base)]);
    }
    if body.starts_with("\"\"\"") {
        if !is_raw && body.contains('\\') {
            return None;
        }
        return multiline(value, raw, base);
    }
    if !is_raw && body.contains('\\') {
        return None;
    }
    let start = hashes + 1;
    (raw.get(start..start + value.len()) == Some(value)).then(|| vec![(0, base + start)])
}

/// Multi-line strings drop the first and last lines and the closing line's indentation from
/// every line; rebuild that and keep where each content line starts.
fn multiline(value: &str, raw: &str, base: usize) -> Option<Vec<(usize, usize)>> {
    let mut line_starts = vec![0usize];
    line_starts.extend(raw.match_indices('\n').map(|(i, _)| i + 1));
    if line_starts.len() < 2 {
        return None;
    }
    let last_start = *line_starts.last()?;
    let last = &raw[last_start..];
    let indent = last.len() - last.trim_start_matches([' ', '\t']).len();
    let mut segments = Vec::new();
    let mut rebuilt = String::new();
    for (n, &ls) in line_starts[1..line_starts.len() - 1].iter().enumerate() {
        let le = line_starts[n + 2] - 1;
        let line = raw[ls..le].trim_end_matches('\r');
        if n > 0 {
            rebuilt.push('\n');
        }
        if line.trim().is_empty() {
            continue;
        }
        let content = line.get(indent..)?;
        segments.push((rebuilt.len(), base + ls + indent));
        rebuilt.push_str(content);
    }
    (rebuilt == value).then_some(segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(src: &str, needle: &str) {
        let doc = kdl::KdlDocument::parse(src).unwrap();
        let entry = &doc.nodes()[0].entries()[0];
        let value = entry.value().as_string().unwrap();
        let span = value_span(FileId(0), src, entry);
        let t = text(value, span, src);
        assert!(!t.segments.is_empty(), "no map for {src:?}");
        let at = value.find(needle).unwrap();
        let s = t.span_of(at, at + needle.len());
        assert_eq!(&src[s.start..s.end], needle, "in {src:?}");
    }

    #[test]
    fn maps_every_string_form() {
        check("a \"SELECT x FROM événements\"\n", "événements");
        check("a #\"SELECT \"q\" FROM t\"#\n", "t");
        check("a ident\n", "ident");
        check(
            "a \"\"\"\n      SELECT x\n\n        FROM t\n      \"\"\"\n",
            "FROM t",
        );
    }

    #[test]
    fn escapes_fall_back_to_whole_value() {
        let src = "a \"x\\ny FROM t\"\n";
        let doc = kdl::KdlDocument::parse(src).unwrap();
        let entry = &doc.nodes()[0].entries()[0];
        let span = value_span(FileId(0), src, entry);
        let t = text(entry.value().as_string().unwrap(), span, src);
        assert!(t.segments.is_empty());
        assert_eq!(t.span_of(3, 4), span);
    }
}
