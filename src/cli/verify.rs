//! `chplan verify`: applies every plan to a scratch database and compares the result with the
//! declared schema (see `verify`).

use std::path::Path;

use super::Outcome;
use super::apply::Connection;
use crate::back::desired;
use crate::back::planner;
use crate::front::compile::compile;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    connection: Connection,
    /// Leave the scratch database in place (to inspect it); it is dropped otherwise.
    #[arg(long)]
    keep: bool,
}

pub fn run(project: &Path, args: &Args) -> Result<Outcome, String> {
    let c = compile(project);
    if c.diags.has_errors() {
        eprint!(
            "{}",
            super::colour::for_stderr(&c.diags.sorted(), &c.project.sources)
        );
        eprintln!("chplan verify: fix the errors above first");
        return Ok(Outcome::Problems);
    }
    let config = c.project.config.as_ref().ok_or("no chplan.kdl")?;
    let declared = desired::build(config, &c.schema, &c.resolved);
    let dir = planner::migrations(&c, config);
    let endpoint = args.connection.endpoint()?;
    let mut out = std::io::stdout();
    let verified = match crate::db::verify::verify(&endpoint, &dir, &declared, args.keep, &mut out)
    {
        Ok(v) => v,
        Err(e) => {
            eprintln!("chplan verify: {e}");
            return Ok(Outcome::Problems);
        }
    };
    if !verified.applied {
        println!("verify: FAILED: the plans do not apply cleanly from an empty database (above)");
    } else if verified.differences.is_empty() {
        println!(
            "verify: ok: the plans build exactly the declared schema ({} object(s))",
            declared.tables.len() + declared.views.len() + declared.materialized_views.len()
        );
    } else {
        println!(
            "verify: FAILED: after every plan, the database differs from the declared schema \
             ({} difference(s)):",
            verified.differences.len()
        );
        for d in &verified.differences {
            println!("  {d}");
        }
        println!("plan the missing changes (`chplan plan`), or fix the plans and `chplan reseal`");
    }
    if args.keep {
        println!("verify: kept scratch database {}", verified.scratch);
    }
    Ok(if verified.ok() {
        Outcome::Clean
    } else {
        Outcome::Problems
    })
}
