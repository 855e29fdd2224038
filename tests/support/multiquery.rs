//! Scripts run as `clickhouse-client --multiquery` runs them: through `multiquery.py`, on
//! chDB (ClickHouse 26.9's own statement splitter and engine), with the number of statements
//! ClickHouse executed. chfront takes one statement per request, like a server over HTTP, so
//! it cannot say how a script splits; this can.

use std::io::Write;
use std::process::{Command, Stdio};

/// One script to run: `setup` first (not counted), then `script` as one multi-statement
/// query, then each of `checks`.
pub struct Job {
    pub setup: String,
    pub script: String,
    pub checks: Vec<String>,
}

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
    let job = Job {
        setup: setup.to_owned(),
        script: script.to_owned(),
        checks: checks.iter().map(|c| c.to_string()).collect(),
    };
    run_all(&[job]).pop().unwrap()
}

/// Runs the jobs in order, in one chDB session (one process).
pub fn run_all(jobs: &[Job]) -> Vec<Run> {
    let input: Vec<serde_json::Value> = jobs
        .iter()
        .map(|j| serde_json::json!({"setup": j.setup, "script": j.script, "checks": j.checks}))
        .collect();
    let helper = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/multiquery.py");
    let mut child = Command::new(super::python())
        .arg(helper)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let body = serde_json::to_vec(&input).unwrap();
    child.stdin.take().unwrap().write_all(&body).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "multiquery.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| Run {
            executed: r["executed"].as_u64().unwrap(),
            error: r["error"].as_str().map(str::to_owned),
            checks: r["checks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_owned())
                .collect(),
        })
        .collect()
}
