//! The parse pass: KDL v2 text into a syntax tree with byte spans.

use kdl::KdlDocument;

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::source::{FileId, Span, floor_char_boundary};

/// Parses one file. The `kdl` crate's errors carry no file name, so each of its diagnostics is
/// copied into ours, which know the file.
pub fn parse(file: FileId, text: &str, diags: &mut Diagnostics) -> Option<KdlDocument> {
    match KdlDocument::parse_v2(text) {
        Ok(doc) => Some(doc),
        Err(err) => {
            for d in &err.diagnostics {
                let start = floor_char_boundary(text, d.span.offset().min(text.len()));
                let end =
                    floor_char_boundary(text, (d.span.offset() + d.span.len()).min(text.len()));
                let message = d
                    .message
                    .clone()
                    .unwrap_or_else(|| "invalid KDL".to_string());
                let mut diag = Diagnostic::error(
                    Code::KdlSyntax,
                    Span::new(file, start, end.max(start)),
                    lowercase_first(message.trim_end_matches('.')),
                )
                .label(d.label.clone().unwrap_or_else(|| "here".into()));
                diag = diag.help(d.help.clone().unwrap_or_else(|| help_for(&message)));
                diags.push(diag);
            }
            if err.diagnostics.is_empty() {
                diags.push(
                    Diagnostic::error(Code::KdlSyntax, Span::new(file, 0, 0), "invalid KDL")
                        .help("see docs/schema-language.md for the syntax"),
                );
            }
            None
        }
    }
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The `kdl` crate leaves many errors without help; say the usual fix.
fn help_for(message: &str) -> String {
    let m = message.to_ascii_lowercase();
    if m.contains("closing '}'") {
        "a `{` block is not closed: add the missing `}`".into()
    } else if m.contains("property value") {
        "give the property a value after `=`, e.g. key=\"value\"".into()
    } else {
        "see docs/schema-language.md; in KDL v2, values with spaces, parentheses or quotes must be quoted strings".into()
    }
}
