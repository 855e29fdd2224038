//! `chplan status`: which plans are applied on a server, which pending, where an apply
//! stopped, and drift. The exit status is what CI gates on: 0 up to date, 1 behind (a plan
//! pending, partial, stopped or changed) or drifted, 2 when it cannot be told (the server or
//! the migration directory cannot be read, the drift check could not be made).

use std::path::Path;

use super::apply::{Connection, migrations_dir};
use super::{Outcome, emit};
use chplan_runner::runner::status::{Verdict, status};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    connection: Connection,
}

/// The `--help` text on exit statuses.
pub const EXIT_STATUS: &str = "Exit status:
  0  up to date: every plan applied, no drift
  1  behind: a plan pending, partial, stopped mid-way (failed or interrupted) or changed after
     it was applied; or the database drifted
  2  cannot tell: the server or the migration directory cannot be read, or the drift check
     could not be made (a plan without its state.json: run `chplan check`)";

pub fn run(project: &Path, args: &Args) -> Result<Outcome, String> {
    let endpoint = args.connection.endpoint()?;
    let report = status(&endpoint, &migrations_dir(project))?;
    let mut text = report.lines().join("\n");
    text.push('\n');
    emit(&text)?;
    match report.verdict() {
        Verdict::UpToDate => Ok(Outcome::Clean),
        Verdict::Behind => Ok(Outcome::Problems),
        Verdict::Unknown => Err(
            "cannot tell whether the database is up to date: the drift check \
             could not be made"
                .to_owned(),
        ),
    }
}
