//! chplan: a compiler for ClickHouse schemas kept as configuration in git.
//! See ARCHITECTURE.md for the code map, the layers and the invariants.
//!
//! Layers, each importing only those below it:
//! - `cli`: the commands, argument parsing, exit statuses;
//! - `db`: commands that read or change a live database (`pull`, `plan --url`, `dev`, `verify`),
//!   built on the compiler and on `chplan_runner`;
//! - `back`: the desired state, version bumps, diff, steps, SQL rendering, the planner;
//! - `front`: loading, parsing, lowering to the IR, resolving, the dependency graph;
//! - below all of them, the workspace crates `chplan_runner` (artifact formats, client, live,
//!   runner) and `chplan_clickhouse` (ClickHouse knowledge).

pub mod back;
pub mod cli;
pub mod db;
pub mod front;
