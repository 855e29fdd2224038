//! What a person's terminal gets: shell completions (`chplan completions`) and colour
//! (on at a terminal, off under `NO_COLOR` and when the output is not a terminal).

mod support;

use std::process::Command;

use support::Project;
use support::cli::{chplan_with, ok, text};

/// What bash completes for the words typed so far (`chplan` first, the last word possibly
/// empty), with the script `chplan completions bash` printed loaded.
fn bash_completes(words: &[&str]) -> Vec<String> {
    let dir = Project::new("shop");
    let script = ok(dir.path(), &["completions", "bash"]);
    let path = dir.path().join("chplan.bash");
    std::fs::write(&path, script).unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let n = words.len();
    let program = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; _chplan chplan {} {}; \
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        path.display(),
        quoted.join(" "),
        n - 1,
        quoted[n - 1],
        quoted[n - 2],
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(&program)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completes_subcommands_flags_and_shells() {
    assert_eq!(bash_completes(&["chplan", "pl"]), ["plan"]);
    assert_eq!(bash_completes(&["chplan", "st"]), ["status"]);
    assert_eq!(
        bash_completes(&["chplan", "plan", "--yes"]),
        ["--yes-all", "--yes-destructive"]
    );
    let shells = bash_completes(&["chplan", "completions", ""]);
    for shell in ["bash", "zsh", "fish"] {
        assert!(shells.iter().any(|s| s == shell), "{shells:?}");
    }
}

#[test]
fn zsh_and_fish_scripts_name_every_subcommand() {
    let dir = Project::new("shop");
    let zsh = ok(dir.path(), &["completions", "zsh"]);
    assert!(zsh.starts_with("#compdef chplan"), "{zsh}");
    let fish = ok(dir.path(), &["completions", "fish"]);
    assert!(fish.contains("complete -c chplan"), "{fish}");
    for sub in [
        "check", "graph", "plan", "pull", "build", "reseal", "apply", "dev", "status", "verify",
    ] {
        assert!(zsh.contains(&format!("'{sub}:")), "zsh lacks {sub}");
        assert!(fish.contains(&format!("-a \"{sub}\"")), "fish lacks {sub}");
    }
    assert!(zsh.contains("--yes-destructive"));
    assert!(fish.contains("-l yes-destructive"));
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let dir = Project::new("shop");
    let o = chplan_with(dir.path(), &["completions", "tcsh"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("possible values: bash"), "{}", text(&o));
}
