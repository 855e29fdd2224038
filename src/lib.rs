//! chplan: a compiler for ClickHouse schemas kept as configuration in git.
//! See ARCHITECTURE.md for the code map.

pub mod chtype;
pub mod cli;
pub mod sqldeps;
pub mod sqlexpr;
