//! Field-by-field comparison of two `kdl::KdlDocument`s: names, types, values, entry order,
//! children and all spans. Shared by `tests/kdlfast_equivalence.rs` and
//! `benches/kdl_throughput.rs` (both include it with `#[path]`).

use kdl::{KdlDocument, KdlEntry, KdlIdentifier, KdlNode, KdlValue};

fn span(s: miette::SourceSpan) -> (usize, usize) {
    (s.offset(), s.len())
}

fn same_ident(a: &KdlIdentifier, b: &KdlIdentifier, at: &str) -> Result<(), String> {
    if a.value() != b.value() || span(a.span()) != span(b.span()) {
        return Err(format!(
            "{at}: identifier {:?}@{:?} vs {:?}@{:?}",
            a.value(),
            span(a.span()),
            b.value(),
            span(b.span())
        ));
    }
    Ok(())
}

fn same_ty(a: Option<&KdlIdentifier>, b: Option<&KdlIdentifier>, at: &str) -> Result<(), String> {
    match (a, b) {
        (None, None) => Ok(()),
        (Some(a), Some(b)) => same_ident(a, b, &format!("{at} type")),
        _ => Err(format!("{at}: type {a:?} vs {b:?}")),
    }
}

fn same_value(a: &KdlValue, b: &KdlValue) -> bool {
    match (a, b) {
        (KdlValue::String(a), KdlValue::String(b)) => a == b,
        (KdlValue::Integer(a), KdlValue::Integer(b)) => a == b,
        (KdlValue::Float(a), KdlValue::Float(b)) => {
            a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
        }
        (KdlValue::Bool(a), KdlValue::Bool(b)) => a == b,
        (KdlValue::Null, KdlValue::Null) => true,
        _ => false,
    }
}

fn same_entry(a: &KdlEntry, b: &KdlEntry, at: &str) -> Result<(), String> {
    match (a.name(), b.name()) {
        (None, None) => {}
        (Some(x), Some(y)) => same_ident(x, y, &format!("{at} key"))?,
        _ => return Err(format!("{at}: property vs argument")),
    }
    if !same_value(a.value(), b.value()) {
        return Err(format!("{at}: value {:?} vs {:?}", a.value(), b.value()));
    }
    same_ty(a.ty(), b.ty(), at)?;
    if span(a.span()) != span(b.span()) {
        return Err(format!(
            "{at}: entry span {:?} vs {:?}",
            span(a.span()),
            span(b.span())
        ));
    }
    Ok(())
}

fn same_node(a: &KdlNode, b: &KdlNode, at: &str) -> Result<(), String> {
    let at = format!("{at}/{}", b.name().value());
    same_ident(a.name(), b.name(), &at)?;
    same_ty(a.ty(), b.ty(), &at)?;
    if span(a.span()) != span(b.span()) {
        return Err(format!(
            "{at}: node span {:?} vs {:?}",
            span(a.span()),
            span(b.span())
        ));
    }
    if a.entries().len() != b.entries().len() {
        return Err(format!(
            "{at}: {} entries vs {}",
            a.entries().len(),
            b.entries().len()
        ));
    }
    for (i, (x, y)) in a.entries().iter().zip(b.entries()).enumerate() {
        same_entry(x, y, &format!("{at}[{i}]"))?;
    }
    match (a.children(), b.children()) {
        (None, None) => Ok(()),
        (Some(x), Some(y)) => same_doc(x, y, &at),
        _ => Err(format!("{at}: children presence differs")),
    }
}

/// `a` is the fast path's document, `b` the `kdl` crate's.
pub fn same_doc(a: &KdlDocument, b: &KdlDocument, at: &str) -> Result<(), String> {
    if span(a.span()) != span(b.span()) {
        return Err(format!(
            "{at}: document span {:?} vs {:?}",
            span(a.span()),
            span(b.span())
        ));
    }
    if a.nodes().len() != b.nodes().len() {
        return Err(format!(
            "{at}: {} nodes vs {}",
            a.nodes().len(),
            b.nodes().len()
        ));
    }
    for (x, y) in a.nodes().iter().zip(b.nodes()) {
        same_node(x, y, at)?;
    }
    Ok(())
}
