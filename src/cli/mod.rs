//! The command line: `main` parses arguments and maps outcomes to exit statuses
//! (0 clean, 1 problems found, 2 internal error). Each subcommand is its own file.

mod apply;
mod build;
mod check;
mod colour;
mod completions;
mod dev;
mod graph;
mod plan;
mod prompt;
mod pull;
mod reseal;
mod status;
mod verify;

pub use check::{check_project, report as check_report};
pub use graph::{GraphFormat, format as graph_report};

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "chplan",
    version,
    about = "A compiler for ClickHouse schemas kept as config in git"
)]
struct Cli {
    /// The project directory (the one holding chplan.kdl).
    #[arg(long, global = true, default_value = ".")]
    project: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate every schema file; report all problems with their place.
    Check(check::Args),
    /// Print the dependency graph of tables, views and materialized views.
    Graph(graph::Args),
    /// Diff the schemas against the last plan and write the next migration.
    Plan(plan::Args),
    /// Write KDL declarations for a live database's tables, views and materialized views.
    Pull(pull::Args),
    /// Write the whole desired schema as SQL (one file per object, and schema.sql).
    Build(build::Args),
    /// Regenerate up.sql from hand-edited plan.yaml files, restore the newest plan's state.json,
    /// and recompute chplan.sum.
    Reseal,
    /// Apply pending plans to a ClickHouse server over HTTP.
    Apply(apply::Args),
    /// Watch the schemas and apply every saved change to a local database at once.
    Dev(dev::Args),
    /// Show which plans a ClickHouse server has applied, where an apply stopped, and drift
    /// (exit 0 up to date, 1 behind or drifted, 2 cannot tell).
    #[command(after_help = status::EXIT_STATUS)]
    Status(status::Args),
    /// Apply every plan to a scratch database (dropped after) and compare the result with
    /// the declared schema.
    Verify(verify::Args),
    /// Print a shell completion script: `source <(chplan completions bash)`, or see
    /// the README for zsh and fish.
    Completions(completions::Args),
}

/// What a command concluded.
pub enum Outcome {
    Clean,
    Problems,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = std::panic::catch_unwind(|| run(cli));
    match result {
        Ok(Ok(Outcome::Clean)) => ExitCode::SUCCESS,
        Ok(Ok(Outcome::Problems)) => ExitCode::from(1),
        Ok(Err(e)) => {
            let _ = writeln!(std::io::stderr(), "chplan: {e}");
            ExitCode::from(2)
        }
        Err(_) => {
            let _ = writeln!(
                std::io::stderr(),
                "chplan: internal error (a bug: please report it with the input that caused it)"
            );
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<Outcome, String> {
    match cli.command {
        Command::Check(args) => check::run(&cli.project, &args),
        Command::Graph(args) => graph::run(&cli.project, &args),
        Command::Plan(args) => plan::run(&cli.project, &args),
        Command::Pull(args) => pull::run(&cli.project, &args),
        Command::Build(args) => build::run(&cli.project, &args),
        Command::Reseal => reseal::run(&cli.project),
        Command::Apply(args) => apply::run(&cli.project, &args),
        Command::Status(args) => status::run(&cli.project, &args),
        Command::Dev(args) => dev::run(&cli.project, &args),
        Command::Verify(args) => verify::run(&cli.project, &args),
        Command::Completions(args) => completions::run(&args),
    }
}

/// The parser of an on/off environment variable behind a flag (`CHPLAN_ACCEPT_ALL=1` for
/// `--yes-all`): `1`, `true`, `yes`, `on` turn it on; `0`, `false`, `no`, `off` and the empty
/// string leave it off (case-insensitive); anything else is an error naming the variable and
/// the accepted values, so a typo never silently approves (or withholds) anything. (A flag
/// takes no value on the command line: only the environment can give one.)
pub fn switch(var: &'static str) -> impl Fn(&str) -> Result<bool, String> + Clone + Send + Sync {
    move |value: &str| match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "" | "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!(
            "{var}={value} is neither on (1, true, yes, on) nor off (0, false, no, off, empty)"
        )),
    }
}

/// Writes to stdout; a closed pipe (`chplan graph | head`) is not an error worth a panic.
fn emit(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("cannot write output: {e}")),
    }
}
