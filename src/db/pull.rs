//! `chplan pull`: a live database's tables, views and materialized views as chplan KDL, one
//! file per object: how a team with an existing ClickHouse adopts chplan, and how
//! `externally-managed` declarations are refreshed.
//!
//! The live database is read into the state format (`live`), then written out by
//! `kdl_writer`. Whatever either cannot carry over is returned, never dropped silently.

use crate::back::kdl_writer::{KdlFile, object_files};
use chplan_runner::artifacts::state::{LifecycleState, State};
use chplan_runner::client::Client;
use chplan_runner::live;

#[derive(Debug, Clone)]
pub struct Pulled {
    pub state: State,
    pub files: Vec<KdlFile>,
    /// (object, what): parts of the live objects the files do not say.
    pub unexpressed: Vec<(String, String)>,
}

pub struct PullOptions<'a> {
    /// Only these objects (physical names); all when empty.
    pub only: &'a [String],
    /// Declare the tables `lifecycle externally-managed` (tracked, never changed by chplan).
    pub externally_managed: bool,
}

pub fn pull(client: &Client, database: &str, options: &PullOptions) -> Result<Pulled, String> {
    let read = live::read(client, database)?;
    let mut state = read.state;
    if state.tables.is_empty() && state.views.is_empty() && state.materialized_views.is_empty() {
        let exists = client
            .read_rows(
                "SELECT name FROM system.databases WHERE name = {db:String}",
                &[("db", database)],
            )
            .map_err(|e| format!("cannot read system.databases: {e}"))?;
        if exists.is_empty() {
            return Err(format!(
                "database `{database}` does not exist on the server"
            ));
        }
    }
    if !options.only.is_empty() {
        let missing: Vec<&str> = options
            .only
            .iter()
            .filter(|n| {
                !state.tables.contains_key(*n)
                    && !state.views.contains_key(*n)
                    && !state.materialized_views.contains_key(*n)
            })
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "not in database `{database}`: {} (names are the server's table names)",
                missing.join(", ")
            ));
        }
        state.tables.retain(|n, _| options.only.contains(n));
        state.views.retain(|n, _| options.only.contains(n));
        state
            .materialized_views
            .retain(|n, _| options.only.contains(n));
    }
    crate::db::live_base::fill_depends_on(&mut state);
    if options.externally_managed {
        for t in state.tables.values_mut() {
            t.lifecycle = LifecycleState::ExternallyManaged;
        }
    }
    let (files, written) = object_files(&state);
    let kept = |object: &str| options.only.is_empty() || options.only.iter().any(|n| n == object);
    let mut unexpressed: Vec<(String, String)> = read
        .unexpressed
        .into_iter()
        .filter(|u| kept(&u.object))
        .map(|u| (u.object, u.what))
        .chain(written.into_iter().map(|u| (u.object, u.what)))
        .collect();
    unexpressed.sort();
    unexpressed.dedup();
    Ok(Pulled {
        state,
        files,
        unexpressed,
    })
}
