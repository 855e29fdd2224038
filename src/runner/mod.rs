//! The runner: applies the plans in `migrations/` to a ClickHouse server over HTTP.
//!
//! It reads only the artifact formats (`artifacts::plan`, `artifacts::state`) through
//! `migrations::MigrationDir`, never the KDL or the compiler's passes, so a plan made elsewhere
//! or edited by hand can be applied. See docs/runner.md for the journal and the lock.

pub mod client;
