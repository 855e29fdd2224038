//! Running the `chplan` binary from integration tests.

use std::path::Path;
use std::process::{Command, Output};

/// `chplan --project DIR ARGS...`, without credentials from the environment.
pub fn chplan(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chplan"))
        .arg("--project")
        .arg(dir)
        .args(args)
        .env_remove("CLICKHOUSE_USER")
        .env_remove("CLICKHOUSE_PASSWORD")
        .output()
        .unwrap()
}

/// Standard output, then standard error.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs a command that must succeed; its output.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let o = chplan(dir, args);
    assert!(o.status.success(), "chplan {args:?} failed:\n{}", text(&o));
    text(&o)
}

/// Runs a command that must exit 1; its output.
pub fn fails(dir: &Path, args: &[&str]) -> String {
    let o = chplan(dir, args);
    assert_eq!(
        o.status.code(),
        Some(1),
        "chplan {args:?} should exit 1:\n{}",
        text(&o)
    );
    text(&o)
}
