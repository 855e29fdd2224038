//! The contract between compiler and runner: `state.json`, `plan.yaml`, `chplan.sum`.
//!
//! Types here are plain serde data with a format version. The runner reads only these, never
//! the compiler's internals, so a plan made elsewhere, by another version, or edited by hand
//! can be applied.

pub mod plan;
pub mod state;

use sha2::{Digest, Sha256};

/// Every table the runner makes for itself starts with this (journal, lock, the stages,
/// bridges and retired versions of exact moves): the drift check passes over such names, and
/// no schema may declare one.
pub const RUNNER_PREFIX: &str = "_chplan_";

/// `sha256:` and the hex digest. The function is pinned: digests are stored in artifacts.
pub fn digest(bytes: &[u8]) -> String {
    let mut d = Digester::default();
    d.0.update(bytes);
    d.finish()
}

/// A `digest` of bytes written in pieces, so a big artifact's digest needs no copy of it.
#[derive(Default)]
pub struct Digester(Sha256);

impl Digester {
    pub fn finish(self) -> String {
        let hash = self.0.finalize();
        let mut out = String::with_capacity(7 + 64);
        out.push_str("sha256:");
        for b in hash.iter() {
            out.push_str(&format!("{b:02x}"));
        }
        out
    }
}

impl std::io::Write for Digester {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
