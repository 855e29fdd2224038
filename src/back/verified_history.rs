//! Migration histories `check` has already verified, so a pre-commit hook does not parse every
//! plan of an unchanged history, nor plan unchanged schemas against it, again.
//!
//! Keys are digests of bytes, never of modification times: of `chplan.sum` as computed from
//! the migration files (a history verifies the same way while its bytes are the same), and of
//! the project's sources (unchanged schemas give the same state), each with this chplan's
//! version and executable. Only clean outcomes are recorded: a history whose plans all verified,
//! and schemas whose state is the history's last. The record lives in `.chplan/cache/`
//! (git-ignored); a missing, unreadable or unwritable record only means verifying again.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::front::project::{LOCAL_DIR, local_dir};
use crate::front::source::SourceMap;
use chplan_runner::artifacts::{Digester, digest};
use chplan_runner::migrations::write_atomic;

/// Keys kept: the histories of the last few branches checked out.
const KEPT: usize = 16;

pub struct VerifiedHistory {
    root: PathBuf,
    path: PathBuf,
    /// The history's plans verified.
    history: String,
    /// And the sources planned: their state is the history's last.
    planned: String,
}

impl VerifiedHistory {
    /// The record for the history whose computed `chplan.sum` is `sum` and the project's
    /// `sources`, in project `root`; `None` when this executable cannot be identified (then
    /// nothing is cached).
    pub fn new(root: &Path, sum: &str, sources: &SourceMap) -> Option<VerifiedHistory> {
        let verifier = verifier()?;
        let history =
            digest(format!("{}\n{verifier}\n{sum}", env!("CARGO_PKG_VERSION")).as_bytes());
        let mut d = Digester::default();
        let _ = writeln!(d, "{history}");
        for (_, f) in sources.files() {
            // Lengths first, so no two lists of files hash alike.
            let _ = writeln!(d, "{} {} {}", f.name.len(), f.text.len(), f.name);
            let _ = d.write_all(f.text.as_bytes());
        }
        Some(VerifiedHistory {
            root: root.to_path_buf(),
            path: root
                .join(LOCAL_DIR)
                .join("cache")
                .join("verified-migrations"),
            history,
            planned: d.finish(),
        })
    }

    pub fn history_verified(&self) -> bool {
        self.holds(&self.history)
    }

    pub fn sources_planned(&self) -> bool {
        self.holds(&self.planned)
    }

    /// Records that the history verified clean.
    pub fn record_history(&self) {
        self.record(&self.history);
    }

    /// Records that the sources give the history's last state.
    pub fn record_planned(&self) {
        self.record(&self.planned);
    }

    fn holds(&self, key: &str) -> bool {
        fs::read_to_string(&self.path).is_ok_and(|text| text.lines().any(|l| l == key))
    }

    /// Failures are ignored: it is only a cache.
    fn record(&self, key: &str) {
        let old = fs::read_to_string(&self.path).unwrap_or_default();
        let mut keys: Vec<&str> = old.lines().filter(|l| l.starts_with("sha256:")).collect();
        keys.retain(|k| *k != key);
        keys.push(key);
        let from = keys.len().saturating_sub(KEPT);
        let text = keys[from..]
            .iter()
            .map(|k| format!("{k}\n"))
            .collect::<String>();
        let made = local_dir(&self.root)
            .and_then(|d| fs::create_dir_all(d.join("cache")).map_err(|e| e.to_string()));
        if made.is_ok() {
            let _ = write_atomic(&self.path, text.as_bytes());
        }
    }
}

/// What identifies this build of chplan (its size and time): a rebuilt binary verifies afresh.
fn verifier() -> Option<String> {
    let meta = std::env::current_exe().and_then(fs::metadata).ok()?;
    let built = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some(format!("{} {}", meta.len(), built.as_nanos()))
}
