//! The front end: a project's files to a resolved schema and its dependency graph.
//! `compile::compile` strings the passes together: project → parse → lower → resolve → graph.

pub mod compile;
pub mod diag;
pub mod graph;
pub mod ir;
pub mod kdl_depth;
pub mod kdl_values;
pub mod kdlfast;
pub mod lower;
pub mod parse;
pub mod project;
pub mod resolve;
pub mod source;
pub mod suggest;
