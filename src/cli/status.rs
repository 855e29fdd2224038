//! `chplan status`: which plans are applied on a server, which pending, where an apply stopped.

use std::path::Path;

use super::Outcome;
use super::apply::{Connection, migrations_dir};
use chplan_runner::runner::status::status;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    connection: Connection,
}

pub fn run(project: &Path, args: &Args) -> Result<Outcome, String> {
    let endpoint = args.connection.endpoint()?;
    match status(&endpoint, &migrations_dir(project), &mut std::io::stdout()) {
        Ok(true) => Ok(Outcome::Clean),
        Ok(false) => Ok(Outcome::Problems),
        Err(e) => {
            eprintln!("error: {e}");
            Ok(Outcome::Problems)
        }
    }
}
