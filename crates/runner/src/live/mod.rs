//! The live database as the state format: what `chplan` reads from a ClickHouse server to check
//! it (drift, `verify`), to plan against it (`plan --url`, `dev`) and to adopt it (`pull`).
//!
//! Like the runner, this depends only on the artifact formats and the HTTP client, never on
//! the compiler's passes.

pub mod align;
pub mod canonical;
pub mod compare;
pub mod create_query;
pub mod introspect;
pub mod to_state;

use crate::artifacts::state::State;
use crate::client::Client;

pub use compare::{Extra, differences};
pub use to_state::Unexpressed;

/// A database read from the server: its state, and what the state format could not hold.
#[derive(Debug, Clone)]
pub struct Live {
    pub state: State,
    pub unexpressed: Vec<Unexpressed>,
}

/// Reads `database`; an absent database reads as empty.
pub fn read(client: &Client, database: &str) -> Result<Live, String> {
    read_on(client, database, introspect::Source::Local)
}

/// Reads `database` on the server `source` names (one replica of a cluster, or this server).
pub fn read_on(
    client: &Client,
    database: &str,
    source: introspect::Source<'_>,
) -> Result<Live, String> {
    let objects = introspect::introspect_on(client, database, source)?;
    let (state, unexpressed) = to_state::to_state(database, &objects);
    Ok(Live { state, unexpressed })
}

/// The differences between `expected` and the live `database`, compared by meaning.
pub fn diff_live(
    client: &Client,
    expected: &State,
    live: &State,
    extra: Extra,
) -> Result<Vec<String>, String> {
    let mut live = live.clone();
    align::align(client, expected, &mut live)?;
    Ok(differences(expected, &live, extra))
}
