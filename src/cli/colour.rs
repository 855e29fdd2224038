//! Colour: on when the stream the text goes to is a terminal, `NO_COLOR` is unset or empty
//! (no-color.org), and `TERM` is not `dumb`. Only human diagnostics are coloured; everything
//! else chplan prints is plain text.

use std::io::IsTerminal;

use crate::front::diag::{Diagnostic, Format, render_styled};
use crate::front::source::SourceMap;

pub fn on_stdout() -> bool {
    wanted(std::io::stdout().is_terminal())
}

pub fn on_stderr() -> bool {
    wanted(std::io::stderr().is_terminal())
}

fn wanted(terminal: bool) -> bool {
    let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    terminal && set("NO_COLOR").is_none() && set("TERM").is_none_or(|t| t != "dumb")
}

/// Human diagnostics for stderr, coloured when it is a terminal.
pub fn for_stderr(diags: &[&Diagnostic], sources: &SourceMap) -> String {
    render_styled(diags, sources, Format::Human, on_stderr())
}
