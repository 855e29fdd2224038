//! A script run as `clickhouse-client --multiquery` runs it: through `multiquery.py`, on chDB
//! (ClickHouse 26.9's own statement splitter and engine), with the number of statements
//! ClickHouse executed. chfront takes one statement per request, like a server over HTTP, so
//! it cannot say how a script splits; this can.

use std::process::Command;

/// What ClickHouse did with a script.
#[derive(Debug)]
pub struct Run {
    /// Statements executed (the failing one included, when one failed).
    pub executed: u64,
    /// The engine's error, when a statement failed (the rest did not run).
    pub error: Option<String>,
    /// The TSV result of each check query, run after the script.
    pub checks: Vec<String>,
}

/// Runs `setup` (not counted), then `script` as one multi-statement query, then `checks`.
pub fn run(setup: &str, script: &str, checks: &[&str]) -> Run {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), script).unwrap();
    let helper = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/multiquery.py");
    let out = Command::new(super::python())
        .arg(helper)
        .arg(setup)
        .arg(file.path())
        .args(checks)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "multiquery.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    Run {
        executed: v["executed"].as_u64().unwrap(),
        error: v["error"].as_str().map(str::to_owned),
        checks: v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect(),
    }
}
