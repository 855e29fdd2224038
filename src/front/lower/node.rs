//! Reading one KDL node: its arguments, properties and children, reporting what does not fit.

use kdl::{KdlEntry, KdlNode, KdlValue};

use super::text;
use crate::front::diag::{Code, Diagnostic, Diagnostics};
use crate::front::ir::{Spanned, Text};
use crate::front::source::{FileId, Span};
use crate::front::suggest;

/// The file being lowered: where spans point and where problems go.
pub struct Cx<'a> {
    pub file: FileId,
    pub source: &'a str,
    pub diags: &'a mut Diagnostics,
}

impl Cx<'_> {
    pub fn span(&self, s: miette::SourceSpan) -> Span {
        Span::new(self.file, s.offset(), s.offset() + s.len())
    }

    pub fn node_span(&self, node: &KdlNode) -> Span {
        self.span(node.span())
    }

    pub fn name_span(&self, node: &KdlNode) -> Span {
        self.span(node.name().span())
    }

    pub fn value_span(&self, entry: &KdlEntry) -> Span {
        text::value_span(self.file, self.source, entry)
    }

    pub fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    pub fn args<'n>(&self, node: &'n KdlNode) -> Vec<&'n KdlEntry> {
        node.entries()
            .iter()
            .filter(|e| e.name().is_none())
            .collect()
    }

    pub fn prop<'n>(&self, node: &'n KdlNode, name: &str) -> Option<&'n KdlEntry> {
        // KDL: the last occurrence of a property wins.
        node.entries()
            .iter()
            .rev()
            .find(|e| e.name().map(|n| n.value()) == Some(name))
    }

    /// Reports properties not in `allowed`, with the closest allowed one as a hint.
    pub fn check_props(&mut self, node: &KdlNode, allowed: &[&str]) {
        for e in node.entries() {
            let Some(key) = e.name() else { continue };
            if allowed.contains(&key.value()) {
                continue;
            }
            let what = node.name().value();
            let mut d = Diagnostic::error(
                Code::UnknownProperty,
                self.span(key.span()),
                format!("`{what}` has no property `{}`", key.value()),
            )
            .label("unknown property");
            d = d.help(match suggest::did_you_mean(key.value(), allowed.iter()) {
                Some(hint) => hint,
                None if allowed.is_empty() => format!("`{what}` takes no properties"),
                None => format!("`{what}` takes: {}", allowed.join(", ")),
            });
            self.error(d);
        }
    }

    /// Reports positional arguments beyond `max`.
    pub fn check_arg_count(&mut self, node: &KdlNode, max: usize, usage: &str) {
        let args = self.args(node);
        if let Some(extra) = args.get(max) {
            let d = Diagnostic::error(
                Code::InvalidValue,
                self.span(extra.span()),
                format!("too many arguments to `{}`", node.name().value()),
            )
            .label("unexpected argument")
            .help(format!("write it as: {usage}"));
            self.error(d);
        }
    }

    pub fn reject_children(&mut self, node: &KdlNode) {
        if let Some(children) = node.children() {
            let d = Diagnostic::error(
                Code::InvalidValue,
                self.span(children.span()),
                format!("`{}` takes no children block", node.name().value()),
            )
            .help("remove the `{ ... }` block");
            self.error(d);
        }
    }

    /// A string value, or an error saying what was expected.
    pub fn string(&mut self, entry: &KdlEntry, what: &str) -> Option<Spanned<String>> {
        let span = self.value_span(entry);
        match entry.value() {
            KdlValue::String(s) => Some(Spanned::new(s.clone(), span)),
            other => {
                let shown = display_value(other);
                let d = Diagnostic::error(
                    Code::InvalidValue,
                    span,
                    format!("{what} must be a string, found `{shown}`"),
                )
                .help(format!("quote it: \"{shown}\""));
                self.error(d);
                None
            }
        }
    }

    pub fn text(&mut self, entry: &KdlEntry, what: &str) -> Option<Text> {
        let s = self.string(entry, what)?;
        Some(text::text(&s.value, s.span, self.source))
    }

    /// The first positional argument as a string; reports it missing with `usage`.
    pub fn required_string(
        &mut self,
        node: &KdlNode,
        index: usize,
        what: &str,
        usage: &str,
    ) -> Option<Spanned<String>> {
        match self.args(node).get(index) {
            Some(e) => self.string(e, what),
            None => {
                self.missing(node, what, usage);
                None
            }
        }
    }

    pub fn required_text(
        &mut self,
        node: &KdlNode,
        index: usize,
        what: &str,
        usage: &str,
    ) -> Option<Text> {
        let s = self.required_string(node, index, what, usage)?;
        Some(text::text(&s.value, s.span, self.source))
    }

    pub fn missing(&mut self, node: &KdlNode, what: &str, usage: &str) {
        let d = Diagnostic::error(
            Code::MissingValue,
            self.node_span(node),
            format!("`{}` is missing its {what}", node.name().value()),
        )
        .label(format!("no {what}"))
        .help(format!("write it as: {usage}"));
        self.error(d);
    }

    pub fn prop_string(&mut self, node: &KdlNode, name: &str) -> Option<Spanned<String>> {
        let e = self.prop(node, name)?;
        self.string(e, &format!("`{name}`"))
    }

    pub fn prop_text(&mut self, node: &KdlNode, name: &str) -> Option<Text> {
        let e = self.prop(node, name)?;
        self.text(e, &format!("`{name}`"))
    }

    /// Reports a node that may appear only once, pointing at the first.
    pub fn duplicate(&mut self, node: &KdlNode, first: Span) {
        let d = Diagnostic::error(
            Code::DuplicateNode,
            self.name_span(node),
            format!("`{}` appears more than once", node.name().value()),
        )
        .label("repeated here")
        .with_secondary(first, "first given here")
        .help("keep one of them");
        self.error(d);
    }
}

pub fn display_value(v: &KdlValue) -> String {
    match v {
        KdlValue::String(s) => s.clone(),
        KdlValue::Integer(i) => i.to_string(),
        KdlValue::Float(f) => f.to_string(),
        KdlValue::Bool(b) => format!("#{b}"),
        KdlValue::Null => "#null".into(),
    }
}

/// Reports a node name that is not among `known`, suggesting the closest.
pub fn unknown_node(cx: &mut Cx, node: &KdlNode, context: &str, known: &[&str]) {
    let name = node.name().value();
    let help = match suggest::did_you_mean(name, known.iter()) {
        Some(hint) => hint,
        None => format!("{context} may contain: {}", known.join(", ")),
    };
    let d = Diagnostic::error(
        Code::UnknownNode,
        cx.name_span(node),
        format!("unknown node `{name}` in {context}"),
    )
    .label("not known here")
    .help(help);
    cx.error(d);
}
