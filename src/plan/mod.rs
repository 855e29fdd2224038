//! The plan pass: a diff in, operations out, ordered from the dependency graph.
//!
//! Order: views and materialized views that go away or change are dropped first (dependents
//! before what they read); then tables are altered (renames, part drops, column adds and
//! changes, column drops); new tables are created; views and materialized views are created
//! in dependency order, each materialized view followed by the backfill of its target; last,
//! tables no longer declared are dropped.

mod order;
mod render;
mod select_columns;
mod steps;

pub use order::topological;
pub use render::{render_operations, render_sql};
pub use select_columns::insertable;
pub use steps::{BumpBackfill, Step, steps};
