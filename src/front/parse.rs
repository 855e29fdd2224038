//! The parse pass: KDL v2 text into a syntax tree with byte spans.

use kdl::KdlDocument;

use crate::front::diag::{Code, Diagnostic, Diagnostics};
use crate::front::source::{FileId, Span, floor_char_boundary};

/// Parses one file: the fast path first (`kdlfast`, same tree, tens of MB/s), the `kdl` crate
/// for everything else. The crate's errors carry no file name, so each of its diagnostics is
/// copied into ours, which know the file.
pub fn parse(file: FileId, text: &str, diags: &mut Diagnostics) -> Option<KdlDocument> {
    if let Some(doc) = crate::front::kdlfast::parse(text) {
        return Some(doc);
    }
    if let Some(at) = crate::front::kdl_depth::too_deep(text) {
        diags.push(
            Diagnostic::error(
                Code::KdlSyntax,
                Span::new(file, at, at + 1),
                format!(
                    "child blocks nested more than {} levels deep",
                    crate::front::kdl_depth::MAX_DEPTH
                ),
            )
            .label("this block is too deep")
            .help("no schema needs this many levels: close the blocks above it (a `}` may be missing)"),
        );
        return None;
    }
    match parse_with_crate(text) {
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

/// The `kdl` crate recurses per nesting level and overflows a normal stack on deeply nested
/// input (an abort, not a panic); a thread with a large stack keeps hostile files harmless.
fn parse_with_crate(text: &str) -> Result<KdlDocument, kdl::KdlError> {
    const STACK: usize = 256 * 1024 * 1024;
    let owned = text.to_string();
    let worker = std::thread::Builder::new()
        .name("kdl-parse".into())
        .stack_size(STACK)
        .spawn(move || KdlDocument::parse_v2(&owned));
    match worker.map(|h| h.join()) {
        Ok(Ok(result)) => result,
        // No thread could be made, or the parser panicked: parse here and let it be.
        _ => KdlDocument::parse_v2(text),
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
