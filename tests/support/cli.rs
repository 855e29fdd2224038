//! Running the `chplan` binary from integration tests.

use std::path::Path;
use std::process::{Command, Output};

/// `chplan --project DIR ARGS...`, without credentials or answers from the environment.
pub fn chplan(dir: &Path, args: &[&str]) -> Output {
    chplan_with(dir, args, &[])
}

/// `chplan --project DIR ARGS...` with `env` added to a clean environment (`clean_env`).
pub fn chplan_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chplan"));
    cmd.arg("--project").arg(dir).args(args);
    clean_env(&mut cmd);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// Removes what would change the command's behaviour from outside the test: credentials,
/// answers given in the environment, colour settings.
pub fn clean_env(cmd: &mut Command) {
    for var in [
        "CLICKHOUSE_USER",
        "CLICKHOUSE_PASSWORD",
        "CHPLAN_ACCEPT_ALL",
        "CHPLAN_ACCEPT_DESTRUCTIVE",
        "CHPLAN_NO_AUTO_BACKFILL_SQL",
        "NO_COLOR",
    ] {
        cmd.env_remove(var);
    }
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
