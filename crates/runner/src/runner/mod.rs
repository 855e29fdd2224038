//! The runner: applies the plans in `migrations/` to a ClickHouse server over HTTP.
//!
//! It reads only the artifact formats (`artifacts::plan`, `artifacts::state`) through
//! `migrations::MigrationDir`, never the KDL or the compiler's passes, so a plan made elsewhere
//! or edited by hand can be applied. See docs/runner.md for the journal and the lock.

pub mod apply;
pub mod backfill_progress;
pub mod cluster;
pub mod drift;
pub mod exact;
pub mod features;
pub mod journal;
pub mod lock;
pub mod progress;
pub mod status;

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, by this machine's clock.
pub fn now_millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

/// Microseconds since the Unix epoch, by this machine's clock: orders journal rows of the same
/// second.
pub fn now_micros() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0)
}

/// `bytes` random bytes as hex, for query ids and lock owner tokens. Unique, not secret: std's
/// randomly keyed hasher over the time and process id is enough, and needs no dependency.
pub fn random_hex(bytes: usize) -> String {
    let mut out = String::with_capacity(bytes * 2);
    let mut n = 0u64;
    while out.len() < bytes * 2 {
        let mut h = RandomState::new().build_hasher();
        h.write_u128(now_millis());
        h.write_u32(std::process::id());
        h.write_u64(n);
        for b in h.finish().to_le_bytes() {
            if out.len() < bytes * 2 {
                out.push_str(&format!("{b:02x}"));
            }
        }
        n += 1;
    }
    out
}
