//! Rendering diagnostics for people (miette, fixed width; ANSI colour only when the caller
//! asks, `render_styled`), machines (JSON) and GitHub Actions (workflow-command annotations).

use std::fmt;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan, ThemeCharacters,
    ThemeStyles,
};
use serde::Serialize;

use super::{Diagnostic, Severity};
use crate::front::source::{SourceMap, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
}

/// Width of human output: fixed so golden files do not depend on the terminal.
const WIDTH: usize = 100;

/// Without colour: the same bytes wherever it runs (golden files, pipes, logs).
pub fn render(diags: &[&Diagnostic], sources: &SourceMap, format: Format) -> String {
    render_styled(diags, sources, format, false)
}

/// As `render`, with ANSI colour in human output when `colour` (the caller knows where the
/// text goes: `cli::colour` decides). miette's own default theme would guess from the
/// process's streams; the theme is chosen here instead, so nothing depends on a guess.
pub fn render_styled(
    diags: &[&Diagnostic],
    sources: &SourceMap,
    format: Format,
    colour: bool,
) -> String {
    match format {
        Format::Human => diags.iter().map(|d| human(d, sources, colour)).collect(),
        Format::Json => json(diags, sources),
        Format::Github => diags.iter().map(|d| github(d, sources)).collect(),
    }
}

fn human(d: &Diagnostic, sources: &SourceMap, colour: bool) -> String {
    let report = Report::new(d, sources);
    let theme = GraphicalTheme {
        characters: ThemeCharacters::unicode(),
        styles: if colour {
            ThemeStyles::ansi()
        } else {
            ThemeStyles::none()
        },
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        out = format!(
            "{}[{}]: {}\n",
            d.severity.as_str(),
            d.code.code(),
            d.message
        );
    }
    // miette pads lines to the width in places; trailing blanks only make golden diffs noisy.
    let mut cleaned: String = out.lines().map(|l| format!("{}\n", l.trim_end())).collect();
    cleaned.push('\n');
    cleaned
}

/// A chplan diagnostic seen through miette: one source per report, so labels in other files
/// become related reports.
#[derive(Debug)]
struct Report {
    header: String,
    message: String,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl Report {
    fn new(d: &Diagnostic, sources: &SourceMap) -> Report {
        let severity = match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        };
        let mut report = Report {
            header: format!(
                "{}[{}]: {}",
                d.severity.as_str(),
                d.code.code(),
                d.code.name()
            ),
            message: d.message.clone(),
            severity,
            help: d.help.clone(),
            source: None,
            labels: Vec::new(),
            related: Vec::new(),
        };
        let Some(primary) = &d.primary else {
            return report;
        };
        let file = primary.span.file;
        report.source = Some(named_source(sources, primary.span));
        report
            .labels
            .push(labeled(primary.span, &primary.text, true));
        for label in &d.secondary {
            if label.span.file == file {
                report.labels.push(labeled(label.span, &label.text, false));
            } else {
                report.related.push(Report {
                    header: String::new(),
                    message: label.text.clone(),
                    severity: miette::Severity::Advice,
                    help: None,
                    source: Some(named_source(sources, label.span)),
                    labels: vec![labeled(label.span, "", false)],
                    related: Vec::new(),
                });
            }
        }
        report
    }
}

fn named_source(sources: &SourceMap, span: Span) -> NamedSource<String> {
    let file = sources.get(span.file);
    NamedSource::new(file.name.clone(), file.text.clone())
}

fn labeled(span: Span, text: &str, primary: bool) -> LabeledSpan {
    let label = (!text.is_empty()).then(|| text.to_string());
    let s = SourceSpan::new(span.start.into(), span.len());
    if primary {
        LabeledSpan::new_primary_with_span(label, s)
    } else {
        LabeledSpan::new_with_span(label, s)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.header.is_empty()).then(|| Box::new(&self.header) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related.iter().map(|r| r as &dyn miette::Diagnostic),
            ))
        }
    }
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    message: &'a str,
    file: Option<&'a str>,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    label: Option<&'a str>,
    help: Option<&'a str>,
    related: Vec<JsonLabel<'a>>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    message: &'a str,
}

fn json(diags: &[&Diagnostic], sources: &SourceMap) -> String {
    let items: Vec<JsonDiagnostic> = diags
        .iter()
        .map(|d| {
            let place = d.primary.as_ref().map(|l| {
                let (line, column) = sources.line_col(l.span.file, l.span.start);
                let (end_line, end_column) = sources.line_col(l.span.file, l.span.end);
                (
                    sources.get(l.span.file).name.as_str(),
                    line,
                    column,
                    end_line,
                    end_column,
                )
            });
            JsonDiagnostic {
                code: d.code.code(),
                name: d.code.name(),
                severity: d.severity.as_str(),
                message: &d.message,
                file: place.map(|p| p.0),
                line: place.map(|p| p.1),
                column: place.map(|p| p.2),
                end_line: place.map(|p| p.3),
                end_column: place.map(|p| p.4),
                label: d
                    .primary
                    .as_ref()
                    .map(|l| l.text.as_str())
                    .filter(|t| !t.is_empty()),
                help: d.help.as_deref(),
                related: d
                    .secondary
                    .iter()
                    .map(|l| {
                        let (line, column) = sources.line_col(l.span.file, l.span.start);
                        JsonLabel {
                            file: &sources.get(l.span.file).name,
                            line,
                            column,
                            message: &l.text,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".into());
    out.push('\n');
    out
}

fn github(d: &Diagnostic, sources: &SourceMap) -> String {
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let title = format!("{} {}", d.code.code(), d.code.name());
    match &d.primary {
        Some(l) => {
            let (line, col) = sources.line_col(l.span.file, l.span.start);
            let (end_line, end_col) = sources.line_col(l.span.file, l.span.end);
            format!(
                "::{kind} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}\n",
                escape_property(&sources.get(l.span.file).name),
                escape_property(&title),
                escape_data(&message)
            )
        }
        None => format!(
            "::{kind} title={}::{}\n",
            escape_property(&title),
            escape_data(&message)
        ),
    }
}

// GitHub's workflow-command escaping: data escapes %, CR, LF; properties also : and ,.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}
