//! `chplan completions SHELL`: the shell completion script, from the argument definitions
//! (`clap_complete`), so it always knows every subcommand and flag.

use clap::CommandFactory;

use super::{Cli, Outcome, emit};

#[derive(clap::Args)]
pub struct Args {
    /// The shell: bash, zsh, fish (also elvish, powershell).
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

pub fn run(args: &Args) -> Result<Outcome, String> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "chplan", &mut script);
    emit(&String::from_utf8_lossy(&script))?;
    Ok(Outcome::Clean)
}
