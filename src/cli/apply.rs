//! `chplan apply`: applies pending plans to a ClickHouse server (see `runner`).

use std::path::Path;

use super::Outcome;
use crate::front::diag::Diagnostics;
use chplan_runner::client::Endpoint;
use chplan_runner::migrations::MigrationDir;
use chplan_runner::runner::apply::{Applied, Options, apply};

/// Where and as whom to connect; shared with `status`.
#[derive(clap::Args)]
pub struct Connection {
    /// The server's HTTP interface, e.g. http://localhost:8123 or https://host:8443.
    #[arg(long)]
    url: String,
    /// User name (default: $CLICKHOUSE_USER, else the server's default user). The password
    /// comes from $CLICKHOUSE_PASSWORD only, never from an argument.
    #[arg(long)]
    user: Option<String>,
}

impl Connection {
    pub fn new(url: String, user: Option<String>) -> Connection {
        Connection { url, user }
    }

    pub fn endpoint(&self) -> Result<Endpoint, String> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let user = self.user.clone().or_else(|| env("CLICKHOUSE_USER"));
        // Without $CLICKHOUSE_PASSWORD, a person at a terminal is asked (input not echoed).
        let password = env("CLICKHOUSE_PASSWORD").or_else(|| match &user {
            Some(u) if !self.url.contains('@') && interactive() => prompt_password(u),
            _ => None,
        });
        Endpoint::parse(&self.url, user, password)
    }
}

fn interactive() -> bool {
    super::prompt::prompts_off().is_none()
}

/// Reads a password from the terminal with echo turned off (`stty`), restoring it after.
fn prompt_password(user: &str) -> Option<String> {
    use std::process::{Command, Stdio};
    let stty = |arg: &str| {
        std::fs::File::open("/dev/tty").ok().and_then(|tty| {
            Command::new("stty")
                .arg(arg)
                .stdin(Stdio::from(tty))
                .status()
                .ok()
        })
    };
    eprint!("Password for {user} (empty for none): ");
    let hidden = stty("-echo").is_some_and(|s| s.success());
    let mut line = String::new();
    let read = std::io::stdin().read_line(&mut line);
    if hidden {
        stty("echo");
    }
    eprintln!();
    read.ok()?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    (!password.is_empty()).then_some(password)
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    connection: Connection,
    /// Print what would run; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Approve destructive operations (drops).
    #[arg(long, env = "CHPLAN_ACCEPT_DESTRUCTIVE", value_parser = super::switch("CHPLAN_ACCEPT_DESTRUCTIVE"))]
    yes_destructive: bool,
    /// Stop after this plan (e.g. 0002_add_status).
    #[arg(long, value_name = "PLAN_ID")]
    to: Option<String>,
    /// On a server without system.part_log or system.query_log, let exact backfills copy
    /// every part of their source: rows written while the plan runs may arrive twice.
    #[arg(long)]
    approximate_backfill: bool,
    /// Output format: text for people, json for tools (one object on stdout: the outcome, the
    /// runner's messages and the status after it; docs/runner.md gives its schema). Asks
    /// nothing: destructive operations need --yes-destructive.
    #[arg(long, value_enum, default_value_t = ApplyFormat::Text)]
    format: ApplyFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ApplyFormat {
    Text,
    Json,
}

/// The migrations directory the project's chplan.kdl names (only its settings are read: the
/// runner itself sees nothing but the artifacts).
pub fn migrations_dir(project: &Path) -> MigrationDir {
    let mut diags = Diagnostics::default();
    let loaded = crate::front::project::load(project, &mut diags);
    let dir = loaded
        .config
        .map_or_else(|| "migrations".to_owned(), |c| c.migrations_dir);
    MigrationDir::new(project.join(dir))
}

pub fn run(project: &Path, args: &Args) -> Result<Outcome, String> {
    let endpoint = args.connection.endpoint()?;
    let json = args.format == ApplyFormat::Json;
    let no_prompt = if json {
        Some("--format json asks nothing")
    } else {
        super::prompt::prompts_off()
    };
    let mut ask = |question: &str| super::prompt::ask(question, false).yes;
    let opts = Options {
        dry_run: args.dry_run,
        yes_destructive: args.yes_destructive,
        to: args.to.as_deref(),
        approximate_backfill: args.approximate_backfill,
        confirm: if no_prompt.is_none() {
            Some(&mut ask)
        } else {
            None
        },
        no_prompt,
    };
    let dir = migrations_dir(project);
    if json {
        let mut messages = Vec::new();
        let result = apply(&endpoint, &dir, opts, &mut messages);
        let value = apply_json(&endpoint, &dir, &result, &messages)?;
        let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
        super::emit(&format!("{text}\n"))?;
        return Ok(match result {
            Ok(Applied::Complete) => Outcome::Clean,
            _ => Outcome::Problems,
        });
    }
    let mut out = std::io::stdout();
    match apply(&endpoint, &dir, opts, &mut out) {
        Ok(Applied::Complete) => Ok(Outcome::Clean),
        Ok(Applied::Stopped) => Ok(Outcome::Problems),
        Err(e) => {
            eprintln!("error: {e}");
            Ok(Outcome::Problems)
        }
    }
}

/// `apply --format json`: how it ended, what the runner said, and `status` afterwards.
fn apply_json(
    endpoint: &Endpoint,
    dir: &MigrationDir,
    result: &Result<Applied, String>,
    messages: &[u8],
) -> Result<serde_json::Value, String> {
    let (outcome, error) = match result {
        Ok(Applied::Complete) => ("complete", None),
        Ok(Applied::Stopped) => ("stopped", None),
        Err(e) => ("error", Some(e.clone())),
    };
    let status = match chplan_runner::runner::status::status(endpoint, dir) {
        Ok(report) => super::status::report_value(&report, report.verdict())?,
        Err(e) => serde_json::json!({ "error": e }),
    };
    let messages: Vec<String> = String::from_utf8_lossy(messages)
        .lines()
        .map(str::to_owned)
        .collect();
    Ok(serde_json::json!({
        "version": super::status::JSON_VERSION,
        "outcome": outcome,
        "error": error,
        "messages": messages,
        "status": status,
        "exit": u8::from(outcome != "complete"),
    }))
}
