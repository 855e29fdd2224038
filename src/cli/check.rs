//! `chplan check`: validate everything offline, report every problem.

use std::path::Path;

use super::{Outcome, emit};
use crate::front::compile::{Compilation, compile};
use crate::front::diag::{Format, Severity, render_styled};

#[derive(clap::Args)]
pub struct Args {
    /// Output format of the diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Fail on warnings too.
    #[arg(long)]
    deny_warnings: bool,
}

pub fn run(project: &Path, args: &Args) -> Result<Outcome, String> {
    let c = check_project(project);
    let colour = args.format == Format::Human && super::colour::on_stdout();
    emit(&report_styled(&c, args.format, colour))?;
    let failed = c.diags.has_errors() || (args.deny_warnings && !c.diags.is_empty());
    // Freeing a 10,000-table schema piece by piece costs more than the OS reclaiming it.
    std::mem::forget(c);
    Ok(if failed {
        Outcome::Problems
    } else {
        Outcome::Clean
    })
}

/// The compiler front plus, when the schemas are sound, the migration directory's checks.
pub fn check_project(project: &Path) -> Compilation {
    let mut c = compile(project);
    if !c.diags.has_errors() {
        let mut extra = crate::front::diag::Diagnostics::default();
        crate::back::migration_checks::check(&c, &mut extra);
        c.diags.extend(extra);
    }
    c
}

/// The rendered diagnostics plus, for people, a closing summary line.
pub fn report(c: &Compilation, format: Format) -> String {
    report_styled(c, format, false)
}

/// As `report`, the diagnostics in colour when `colour`.
fn report_styled(c: &Compilation, format: Format, colour: bool) -> String {
    let diags = c.diags.sorted();
    let mut out = render_styled(&diags, &c.project.sources, format, colour);
    if format == Format::Human {
        let errors = c.diags.count(Severity::Error);
        let warnings = c.diags.count(Severity::Warning);
        let files = c.project.sources.files().count();
        let objects = c.resolved.objects.len();
        let files = plural(files, "file");
        out.push_str(&if errors + warnings == 0 {
            format!(
                "ok: {} in {files}, no problems\n",
                plural(objects, "object")
            )
        } else {
            format!(
                "{}: {} in {files}\n",
                if errors > 0 { "failed" } else { "ok" },
                counts(errors, warnings)
            )
        });
    }
    out
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn counts(errors: usize, warnings: usize) -> String {
    match (errors, warnings) {
        (e, 0) => plural(e, "error"),
        (0, w) => plural(w, "warning"),
        (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
    }
}
