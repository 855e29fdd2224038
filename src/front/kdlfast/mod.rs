//! A fast path for parsing KDL v2: a hand-written, byte-oriented parser that builds the same
//! `kdl::KdlDocument` (names, values, types, children and all spans) as
//! `kdl::KdlDocument::parse_v2`, at tens of MB/s instead of ~2 MB/s.
//!
//! Contract: `parse` returns `Some(doc)` only when `doc` is what the `kdl` crate returns for the
//! same text, formatting metadata (`KdlNodeFormat` and friends) aside. It returns `None` on any
//! error and on every construct it chooses not to handle (exotic Unicode whitespace, nested
//! slashdashes, a few layouts where the crate's grammar is more permissive than the spec); the
//! caller then parses with the `kdl` crate, which also reports the errors.
//! `tests/kdlfast_equivalence.rs` checks the contract differentially.

mod lexer;
mod numbers;
mod strings;

/// Character classes of the KDL grammar, shared with the writer (`front::kdl_values`).
pub(crate) use lexer::{is_disallowed, is_newline, is_unicode_space};

use kdl::{KdlDocument, KdlEntry, KdlIdentifier, KdlNode, KdlValue};

use lexer::Cursor;

/// Parses `text` like `kdl::KdlDocument::parse_v2`, or returns `None` (see the module docs).
pub fn parse(text: &str) -> Option<KdlDocument> {
    let mut cursor = Cursor::new(text);
    if text.starts_with('\u{FEFF}') {
        cursor.pos = '\u{FEFF}'.len_utf8();
    }
    let doc = cursor.nodes(false)?;
    (cursor.pos == text.len()).then_some(doc)
}

/// Where a node is in its grammar: entries come first, then commented-out child blocks, then
/// the child block, then more commented-out child blocks.
#[derive(PartialEq)]
enum Phase {
    Entries,
    DashedChildren,
    Children,
}

impl Cursor<'_> {
    /// `nodes`: the body of a document or child block. Its span runs from the first node's
    /// start to the last node's end; without nodes it is empty, where the body ends.
    fn nodes(&mut self, in_children: bool) -> Option<KdlDocument> {
        let mut doc = KdlDocument::new();
        let mut span: Option<(usize, usize)> = None;
        loop {
            self.line_space0()?;
            if self.starts_with(b"/-") {
                self.slashdash()?;
                self.base_node(&mut Vec::new())?;
                // The `kdl` crate lets a commented-out node run straight into the next node;
                // only the ordinary separators are accepted here.
                let separated = match self.peek() {
                    None | Some(b' ' | b'\t' | b'\n' | b'\r' | b'\\') => true,
                    Some(b'}') => in_children,
                    Some(b'/') => matches!(self.peek_at(1), Some(b'/' | b'*' | b'-')),
                    _ => false,
                };
                if !separated {
                    return None;
                }
                continue;
            }
            match self.peek() {
                None => break,
                Some(b'}') if in_children => break,
                _ => {}
            }
            let start = self.pos;
            self.base_node(doc.nodes_mut())?;
            span = Some((span.map_or(start, |(first, _)| first), self.pos));
            match self.peek() {
                None => break,
                Some(b';') => self.pos += 1,
                Some(b'\n' | b'\r') => {
                    self.newline()?;
                }
                Some(b'/') if self.peek_at(1) == Some(b'/') => self.line_comment()?,
                Some(b'}') if in_children => break,
                _ => return None,
            }
        }
        let (start, end) = span.unwrap_or((self.pos, self.pos));
        doc.set_span(start..end);
        Some(doc)
    }

    /// `base-node`: type, name, entries and child blocks, plus trailing node-space, which the
    /// `kdl` crate includes in the node's span. The node is built in place at the end of `out`:
    /// nodes and entries are hundreds of bytes, and moving them around showed up in profiles.
    fn base_node(&mut self, out: &mut Vec<KdlNode>) -> Option<()> {
        let start = self.pos;
        let ty = if self.peek() == Some(b'(') {
            Some(self.type_annotation()?)
        } else {
            None
        };
        self.node_space0()?;
        out.push(KdlNode::new(self.identifier()?));
        let node = out.last_mut()?;
        if let Some(ty) = ty {
            node.set_ty(ty);
        }
        let mut phase = Phase::Entries;
        loop {
            let spaced = self.node_space0()?;
            match self.peek() {
                Some(b'{') if phase != Phase::Children => {
                    let children = self.children()?;
                    node.set_children(children);
                    phase = Phase::Children;
                }
                Some(b'/') if self.peek_at(1) == Some(b'-') => {
                    if !spaced {
                        return None;
                    }
                    self.slashdash()?;
                    if self.peek() == Some(b'{') {
                        self.children()?;
                        if phase == Phase::Entries {
                            phase = Phase::DashedChildren;
                        }
                    } else if phase == Phase::Entries && !self.starts_with(b"/-") {
                        self.entry(&mut Vec::new())?;
                    } else {
                        return None;
                    }
                }
                None | Some(b';' | b'\n' | b'\r' | b'}') => break,
                Some(b'/') if self.peek_at(1) == Some(b'/') => break,
                _ if phase == Phase::Entries && spaced => self.entry(node.entries_mut())?,
                _ => return None,
            }
        }
        node.set_span(start..self.pos);
        Some(())
    }

    /// `node-children := '{' nodes '}'`.
    fn children(&mut self) -> Option<KdlDocument> {
        self.enter()?;
        self.pos += 1;
        let doc = self.nodes(true)?;
        if self.peek() != Some(b'}') {
            return None;
        }
        self.pos += 1;
        self.leave();
        Some(doc)
    }

    /// `prop | value`, appended to `out`. The span covers `key=value` for properties and the
    /// (typed) value for arguments.
    fn entry(&mut self, out: &mut Vec<KdlEntry>) -> Option<()> {
        let start = self.pos;
        let ty = if self.at_string_start() {
            let key = self.identifier()?;
            let after_key = self.pos;
            self.node_space0()?;
            if self.peek() == Some(b'=') {
                self.pos += 1;
                self.node_space0()?;
                let (ty, value) = self.value()?;
                out.push(KdlEntry::new_prop(key, value));
                ty
            } else {
                self.pos = after_key;
                out.push(KdlEntry::new(KdlValue::String(String::from(key))));
                None
            }
        } else {
            let (ty, value) = self.value()?;
            out.push(KdlEntry::new(value));
            ty
        };
        let entry = out.last_mut()?;
        if let Some(ty) = ty {
            entry.set_ty(ty);
        }
        entry.set_span(start..self.pos);
        Some(())
    }

    /// `value := type? node-space* (string | number | keyword)`.
    fn value(&mut self) -> Option<(Option<KdlIdentifier>, KdlValue)> {
        let ty = if self.peek() == Some(b'(') {
            let ty = self.type_annotation()?;
            self.node_space0()?;
            Some(ty)
        } else {
            None
        };
        let value = match (self.peek()?, self.peek_at(1)) {
            (b'#', next) if !matches!(next, Some(b'#' | b'"')) => self.keyword()?,
            (b'0'..=b'9', _) => self.number()?,
            (b'+' | b'-', Some(b'0'..=b'9')) => self.number()?,
            _ => KdlValue::String(self.string()?),
        };
        self.at_value_end().then_some((ty, value))
    }

    /// `type := '(' node-space* string node-space* ')'`.
    fn type_annotation(&mut self) -> Option<KdlIdentifier> {
        self.pos += 1;
        self.node_space0()?;
        let ty = self.identifier()?;
        self.node_space0()?;
        if self.peek() != Some(b')') {
            return None;
        }
        self.pos += 1;
        Some(ty)
    }

    /// A string used as a name, with the span of its source text.
    fn identifier(&mut self) -> Option<KdlIdentifier> {
        let start = self.pos;
        let value = self.string()?;
        if !self.at_value_end() {
            return None;
        }
        let mut ident = KdlIdentifier::from(value);
        ident.set_span(start..self.pos);
        Some(ident)
    }
}
