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
    let no_prompt = super::prompt::prompts_off();
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
    let mut out = std::io::stdout();
    match apply(&endpoint, &migrations_dir(project), opts, &mut out) {
        Ok(Applied::Complete) => Ok(Outcome::Clean),
        Ok(Applied::Stopped) => Ok(Outcome::Problems),
        Err(e) => {
            eprintln!("error: {e}");
            Ok(Outcome::Problems)
        }
    }
}
