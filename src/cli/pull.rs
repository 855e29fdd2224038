//! `chplan pull`: writes KDL declarations for a live database's objects (see `pull`).

use std::path::Path;

use super::Outcome;
use super::apply::Connection;
use crate::db::pull::{PullOptions, pull};
use crate::front::diag::Diagnostics;
use chplan_runner::client::Client;
use chplan_runner::migrations::write_atomic;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    connection: Connection,
    /// The database to read (default: the project's, from chplan.kdl).
    #[arg(long)]
    database: Option<String>,
    /// Where to write the files (default: the project's schema directory).
    #[arg(long)]
    out: Option<std::path::PathBuf>,
    /// Only this table, view or materialized view (repeatable).
    #[arg(long = "table", value_name = "NAME")]
    tables: Vec<String>,
    /// Declare the pulled tables `lifecycle externally-managed`: tracked and readable by
    /// views, never created, altered or dropped by chplan.
    #[arg(long)]
    externally_managed: bool,
}

pub fn run(project: &Path, args: &Args) -> Result<Outcome, String> {
    let loaded = crate::front::project::load(project, &mut Diagnostics::default());
    let config = loaded.config.as_ref();
    let database = match (&args.database, config) {
        (Some(d), _) => d.clone(),
        (None, Some(c)) => c.database.clone(),
        (None, None) => {
            eprintln!(
                "chplan pull: which database? give --database NAME (no chplan.kdl in {})",
                project.display()
            );
            return Ok(Outcome::Problems);
        }
    };
    let out_dir = match (&args.out, config) {
        (Some(o), _) => o.clone(),
        (None, Some(c)) => project.join(&c.schemas_dir),
        (None, None) => project.join("schemas"),
    };
    let client = Client::new(args.connection.endpoint()?);
    let options = PullOptions {
        only: &args.tables,
        externally_managed: args.externally_managed,
    };
    let pulled = match pull(&client, &database, &options) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("chplan pull: {e}");
            return Ok(Outcome::Problems);
        }
    };
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    // A new project: its chplan.kdl names the database the files came from.
    if config.is_none() && !project.join("chplan.kdl").exists() {
        let text = format!(
            "database {}\n",
            crate::front::kdl_values::kdl_string(&database)
        );
        write_atomic(&project.join("chplan.kdl"), text.as_bytes())?;
        println!("wrote {}", project.join("chplan.kdl").display());
    }
    let (mut new, mut updated, mut same) = (0, 0, 0);
    for f in &pulled.files {
        let path = out_dir.join(&f.name);
        match std::fs::read_to_string(&path) {
            Ok(old) if old == f.text => {
                same += 1;
                continue;
            }
            Ok(_) => updated += 1,
            Err(_) => new += 1,
        }
        write_atomic(&path, f.text.as_bytes())?;
        println!("wrote {}", path.display());
    }
    for (object, what) in &pulled.unexpressed {
        eprintln!("warning: {object}: not pulled: {what}");
    }
    println!(
        "pulled {} object(s) of {database} into {}: {new} new, {updated} updated, {same} unchanged{}",
        pulled.files.len(),
        out_dir.display(),
        if pulled.unexpressed.is_empty() {
            String::new()
        } else {
            format!(
                "; {} part(s) chplan cannot express (warnings above)",
                pulled.unexpressed.len()
            )
        }
    );
    Ok(Outcome::Clean)
}
