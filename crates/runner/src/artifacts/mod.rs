//! The contract between compiler and runner: `state.json`, `plan.yaml`, `chplan.sum`.
//!
//! Types here are plain serde data with a format version. The runner reads only these, never
//! the compiler's internals, so a plan made elsewhere, by another version, or edited by hand
//! can be applied.

pub mod plan;
pub mod state;

use sha2::{Digest, Sha256};

/// `sha256:` and the hex digest. The function is pinned: digests are stored in artifacts.
pub fn digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in hash.iter() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}
