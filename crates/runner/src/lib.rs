//! The database side of chplan, built only on the artifact formats: `plan.yaml`, `state.json`
//! and `chplan.sum` (`artifacts`, `migrations`), the ClickHouse HTTP client (`client`), the
//! live database read back as a state (`live`), and the runner that applies plans (`runner`).
//!
//! It depends on no compiler pass (the workspace makes that a build error): a plan made on
//! another machine, by another version, or edited by hand, is applied the same way.

pub mod artifacts;
pub mod client;
pub mod live;
pub mod migrations;
pub mod runner;
