//! ClickHouse data types: a real grammar, canonical rendering, and validation.
//!
//! `parse_type` validates as ClickHouse 26.9 does for a table column under default settings:
//! what it accepts, `CREATE TABLE` accepts, and `Display` prints what `system.columns.type`
//! shows. The oracle data under `tests/data/column_types*` was produced by the real engine.

mod build;
mod column_type;
mod data_type;
mod display;
mod enums;
mod lexer;
mod literal;
mod names;
mod syntax;

pub use column_type::ColumnType;
pub use data_type::{AggregateFunction, DataType, GeoKind, IntervalUnit, JsonParams};

use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeError {
    pub message: String,
    /// Byte range inside the type text.
    pub span: Range<usize>,
    pub help: Option<String>,
}

impl TypeError {
    pub(crate) fn new(
        message: impl Into<String>,
        span: Range<usize>,
        help: Option<String>,
    ) -> Self {
        TypeError {
            message: message.into(),
            span,
            help,
        }
    }
}

impl std::fmt::Display for TypeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

impl std::error::Error for TypeError {}

impl DataType {
    /// The canonical text, as `system.columns.type` shows it.
    pub fn canonical(&self) -> String {
        self.to_string()
    }
}

/// Nesting up to this depth is parsed on the caller's stack; deeper types (rare: the ClickHouse
/// tests have a 100-deep `Map`) get a thread with a stack sized for `syntax::MAX_DEPTH`, since
/// an unoptimized build uses tens of KiB of stack per level and a test thread has 2 MiB.
const INLINE_DEPTH: usize = 16;
const DEEP_STACK: usize = 64 << 20;

/// Parses a column type as written in a table declaration.
pub fn parse_type(text: &str) -> Result<DataType, TypeError> {
    if max_paren_depth(text) <= INLINE_DEPTH {
        return parse_on_this_stack(text);
    }
    let deep_error = || {
        TypeError::new(
            "type is nested too deeply",
            0..text.len(),
            Some(format!("keep nesting under {} levels", syntax::MAX_DEPTH)),
        )
    };
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(DEEP_STACK)
            .spawn_scoped(scope, || parse_on_this_stack(text))
            .map_err(|_| deep_error())
            .and_then(|handle| handle.join().map_err(|_| deep_error())?)
    })
}

/// Upper bound of the nesting (parentheses inside quotes count too, which only errs towards
/// the big stack).
fn max_paren_depth(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'(' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn parse_on_this_stack(text: &str) -> Result<DataType, TypeError> {
    let expr = syntax::Parser::new(text).parse_complete()?;
    let ty = build::build(&expr)?;
    if is_nothing_column(&ty) {
        return Err(TypeError::new(
            format!("`{ty}` cannot be the type of a table column"),
            expr.span,
            Some("`Nothing` only exists for empty values; pick a concrete type".into()),
        ));
    }
    Ok(ty)
}

/// ClickHouse refuses columns that can only ever hold nothing: `Nothing`, `Nullable(Nothing)`
/// and arrays of them (but accepts `Tuple(Nothing)`).
fn is_nothing_column(t: &DataType) -> bool {
    match t {
        DataType::Nothing => true,
        DataType::Nullable(inner) | DataType::Array(inner) => is_nothing_column(inner),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
