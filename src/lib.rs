//! chplan: a compiler for ClickHouse schemas kept as configuration in git.
//! See ARCHITECTURE.md for the code map and the invariants.

pub mod artifacts;
pub mod casts;
pub mod chtype;
pub mod cli;
pub mod compile;
pub mod desired;
pub mod dev;
pub mod diag;
pub mod diff;
pub mod engines;
pub mod graph;
pub mod ir;
pub mod kdl_writer;
pub mod kdlfast;
pub mod live;
pub mod live_base;
pub mod lower;
pub mod migration_checks;
pub mod migrations;
pub mod parse;
pub mod plan;
pub mod planner;
pub mod project;
pub mod pull;
pub mod resolve;
pub mod runner;
pub mod source;
pub mod sqldeps;
pub mod sqlexpr;
pub mod sqltext;
pub mod suggest;
pub mod verify;
pub mod versions;
