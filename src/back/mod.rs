//! The back end: the resolved schema to a migration plan. `planner::plan` strings the passes
//! together: desired → versions → diff → steps → render, against the last planned state.

pub mod alter_steps;
pub mod bump_decisions;
pub mod desired;
pub mod diff;
pub mod exact_moves;
pub mod kdl_writer;
pub mod migration_checks;
pub mod ops;
pub mod order;
pub mod planner;
pub mod render;
pub mod select_columns;
pub mod steps;
pub mod verified_history;
pub mod versions;

pub use order::topological;
pub use render::{render_operations, render_sql};
pub use select_columns::insertable;
pub use steps::{BumpBackfill, Step, steps};
