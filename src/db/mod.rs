//! Commands against a live database, built on the compiler and on `chplan_runner`: the start
//! state of `plan --url` and `dev` (`live_base`), `pull`, `dev`, `verify`.

pub mod dev;
pub mod live_base;
pub mod pull;
pub mod verify;
