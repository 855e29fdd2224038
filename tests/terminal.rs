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

// Colour.

use support::pty::Terminal;

const ESC: &str = "\x1b[";

/// A project whose schema has an error (an ORDER BY naming no column).
fn broken() -> Project {
    Project::new("shop").schema(
        "events.kdl",
        "table events {\n    column id String\n    order-by idd\n}\n",
    )
}

#[test]
fn diagnostics_are_coloured_at_a_terminal() {
    let p = broken();
    // check prints to stdout, plan to stderr: both are the terminal here.
    for cmd in ["check", "plan"] {
        let mut t = Terminal::spawn(p.path(), &[cmd], &[]);
        assert_eq!(t.wait(), 1);
        let screen = t.screen();
        assert!(screen.contains("unknown-column"), "{screen}");
        assert!(
            screen.contains(&format!("{ESC}31m")),
            "{cmd}: no red:\n{screen}"
        );
    }
    // NO_COLOR set to an empty value is unset (no-color.org).
    let mut t = Terminal::spawn(p.path(), &["check"], &[("NO_COLOR", "")]);
    t.wait();
    assert!(t.screen().contains(ESC));
}

#[test]
fn no_color_and_a_dumb_terminal_turn_colour_off() {
    let p = broken();
    for env in [("NO_COLOR", "1"), ("TERM", "dumb")] {
        for cmd in ["check", "plan"] {
            let mut t = Terminal::spawn(p.path(), &[cmd], &[env]);
            assert_eq!(t.wait(), 1);
            let screen = t.screen();
            assert!(screen.contains("unknown-column"), "{screen}");
            assert!(!screen.contains('\x1b'), "{cmd} with {env:?}:\n{screen:?}");
        }
    }
}

#[test]
fn no_escape_codes_when_the_output_is_not_a_terminal() {
    let p = broken();
    for cmd in ["check", "plan", "build", "graph"] {
        let o = chplan_with(p.path(), &[cmd], &[("TERM", "xterm-256color")]);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {}", text(&o));
        assert!(text(&o).contains("unknown-column"), "{cmd}: {}", text(&o));
        assert!(!text(&o).contains('\x1b'), "{cmd}: {:?}", text(&o));
    }
    // stdout piped while stderr is the terminal: what goes to the pipe is plain.
    let o = Command::new("script")
        .args(["-qec"])
        .arg(format!(
            "{} --project {} check > {}/out.txt",
            env!("CARGO_BIN_EXE_chplan"),
            p.path().display(),
            p.path().display()
        ))
        .arg("/dev/null")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(o.status.code().is_some());
    let piped = std::fs::read_to_string(p.path().join("out.txt")).unwrap();
    assert!(piped.contains("unknown-column"), "{piped}");
    assert!(!piped.contains('\x1b'), "{piped:?}");
}
