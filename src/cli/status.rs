//! `chplan status`: which plans are applied on a server, which pending, where an apply
//! stopped, and drift. The exit status is what CI gates on: 0 up to date, 1 behind (a plan
//! pending, partial, stopped or changed) or drifted, 2 when it cannot be told (the server or
//! the migration directory cannot be read, the drift check could not be made). `--format
//! json` prints the same as one JSON object (docs/runner.md gives its schema).

use std::path::Path;

use super::apply::{Connection, migrations_dir};
use super::{Outcome, emit};
use chplan_runner::runner::status::{Report, Verdict, status};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    connection: Connection,
    /// Output format: text for people, json for tools (one object on stdout).
    #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
    format: StatusFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum StatusFormat {
    Text,
    Json,
}

/// The `--help` text on exit statuses.
pub const EXIT_STATUS: &str = "Exit status:
  0  up to date: every plan applied, no drift
  1  behind: a plan pending, partial, stopped mid-way (failed or interrupted) or changed after
     it was applied; or the database drifted
  2  cannot tell: the server or the migration directory cannot be read, or the drift check
     could not be made (a plan without its state.json: run `chplan check`)";

/// The version of the JSON output's schema.
pub const JSON_VERSION: u32 = 1;

const UNKNOWN: &str = "cannot tell whether the database is up to date: the drift check could \
                       not be made";

pub fn run(project: &Path, args: &Args) -> Result<Outcome, String> {
    let json = args.format == StatusFormat::Json;
    let report = args
        .connection
        .endpoint()
        .and_then(|endpoint| status(&endpoint, &migrations_dir(project)));
    let report = match report {
        Ok(r) => r,
        Err(e) if json => {
            emit(&format!("{}\n", failure_json(&e)))?;
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    let verdict = report.verdict();
    if json {
        emit(&format!("{}\n", report_json(&report, verdict)?))?;
    } else {
        let mut text = report.lines().join("\n");
        text.push('\n');
        emit(&text)?;
    }
    match verdict {
        Verdict::UpToDate => Ok(Outcome::Clean),
        Verdict::Behind => Ok(Outcome::Problems),
        Verdict::Unknown => Err(UNKNOWN.to_owned()),
    }
}

pub fn exit_code(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::UpToDate => 0,
        Verdict::Behind => 1,
        Verdict::Unknown => 2,
    }
}

/// The report with its verdict and exit status.
pub fn report_value(report: &Report, verdict: Verdict) -> Result<serde_json::Value, String> {
    let mut value = serde_json::to_value(report).map_err(|e| e.to_string())?;
    if let Some(object) = value.as_object_mut() {
        object.insert("version".into(), JSON_VERSION.into());
        object.insert(
            "verdict".into(),
            serde_json::to_value(verdict).map_err(|e| e.to_string())?,
        );
        object.insert("exit".into(), exit_code(verdict).into());
    }
    Ok(value)
}

fn report_json(report: &Report, verdict: Verdict) -> Result<String, String> {
    serde_json::to_string_pretty(&report_value(report, verdict)?).map_err(|e| e.to_string())
}

/// When the status could not be read at all.
fn failure_json(error: &str) -> String {
    serde_json::json!({
        "version": JSON_VERSION,
        "verdict": Verdict::Unknown,
        "exit": exit_code(Verdict::Unknown),
        "error": error,
    })
    .to_string()
}
