//! `chplan dev`: apply every saved schema edit to a local database at once (see `dev`).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::apply::Connection;
use super::plan::{TerminalPrompter, interactive};
use super::{Outcome, prompt};
use crate::db::dev::{DevOptions, run as watch};
use chplan_runner::client::Client;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    connection: Connection,
    /// Accept version-bump decisions (backfill when eligible, drop the old table) and
    /// destructive changes without asking.
    #[arg(long, env = "CHPLAN_ACCEPT_ALL", value_parser = super::switch("CHPLAN_ACCEPT_ALL"))]
    yes_all: bool,
    /// Wait until the files have been quiet this long before applying, in milliseconds.
    #[arg(long, default_value_t = 300)]
    debounce_ms: u64,
}

pub fn run(project: &Path, args: &Args) -> Result<Outcome, String> {
    let client = Client::new(args.connection.endpoint()?);
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .map_err(|e| format!("cannot handle Ctrl-C: {e}"))?;
    let mut prompter = TerminalPrompter::default();
    let mut options = DevOptions {
        yes_all: args.yes_all,
        debounce: Duration::from_millis(args.debounce_ms),
        prompter: if interactive() {
            Some(&mut prompter)
        } else {
            None
        },
        stop,
        no_prompt: prompt::prompts_off(),
        colour: super::colour::on_stdout(),
    };
    match watch(project, &client, &mut options, &mut std::io::stdout()) {
        Ok(()) => Ok(Outcome::Clean),
        Err(e) => {
            eprintln!("chplan dev: {e}");
            Ok(Outcome::Problems)
        }
    }
}
