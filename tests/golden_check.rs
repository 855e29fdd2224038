//! Golden tests for `chplan check`: every directory under `golden/check/{ok,err}/` is a
//! project; its rendered diagnostics are compared with `check.snap` beside it.
//! `ok/` cases must produce no errors, `err/` cases at least one, and together every code. One
//! test per case (`check/ok/<case>`, `check/err/<case>`). Accept new output with
//! `INSTA_UPDATE=always cargo test --test golden_check` (then review the diff).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chplan::cli::{check_project, check_report};
use chplan::front::diag::{Code, Format, Severity};
use libtest_mimic::{Arguments, Trial};

fn cases(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("golden/check")
        .join(kind);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

fn run_case(dir: &Path) -> (String, BTreeSet<Code>, bool) {
    let c = check_project(dir);
    let human = check_report(&c, Format::Human);
    // Same input, same bytes.
    let again = check_report(&check_project(dir), Format::Human);
    assert_eq!(
        human,
        again,
        "{}: output is not deterministic",
        dir.display()
    );
    let codes = c.diags.sorted().iter().map(|d| d.code).collect();
    let has_errors = c.diags.count(Severity::Error) > 0;
    (human, codes, has_errors)
}

fn snapshot(dir: &Path, output: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_input_file(dir.join("chplan.kdl"));
    settings.bind(|| insta::assert_snapshot!("check", output));
}

/// `check/ok/<case>`: no errors, and the snapshot.
fn ok_case(dir: &Path) {
    let (out, _, has_errors) = run_case(dir);
    assert!(!has_errors, "{} reports errors:\n{out}", dir.display());
    snapshot(dir, &out);
}

/// `check/err/<case>`: at least one diagnostic, and the snapshot.
fn err_case(dir: &Path) {
    let (out, codes, _) = run_case(dir);
    assert!(
        !codes.is_empty(),
        "err cases that report nothing: {:?}",
        [dir.display().to_string()]
    );
    snapshot(dir, &out);
}

fn err_cases_cover_every_code() {
    let mut seen = BTreeSet::new();
    let cases = cases("err");
    assert!(!cases.is_empty());
    for dir in cases {
        let (_, codes, _) = run_case(&dir);
        seen.extend(codes);
    }
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| !seen.contains(c))
        .map(|c| c.name())
        .collect();
    assert!(
        missing.is_empty(),
        "diagnostics with no golden case under golden/check/err: {missing:?}"
    );
}

fn every_code_is_documented() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/diagnostics.md"))
            .expect("docs/diagnostics.md");
    for c in Code::ALL {
        let row = format!("| {} | `{}` |", c.code(), c.name());
        assert!(doc.contains(&row), "docs/diagnostics.md lacks {row}");
    }
}

/// Every KDL example in the language reference is valid KDL v2.
fn language_reference_examples_parse() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schema-language.md"),
    )
    .expect("docs/schema-language.md");
    let mut blocks = 0;
    for block in doc.split("```kdl\n").skip(1) {
        let code = block.split("```").next().unwrap_or("");
        kdl::KdlDocument::parse_v2(code).unwrap_or_else(|e| panic!("{e:?}\nin:\n{code}"));
        blocks += 1;
    }
    assert!(blocks > 10);
}

/// One test per case (`check/ok/<case>`, `check/err/<case>`: `cargo test --test golden_check
/// -- err/e101` runs one), then the checks over all of them.
fn main() -> ExitCode {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    for (kind, run) in [("ok", ok_case as fn(&Path)), ("err", err_case)] {
        let cases = cases(kind);
        assert!(!cases.is_empty(), "no golden/check/{kind} cases");
        for dir in cases {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            trials.push(Trial::test(format!("check/{kind}/{name}"), move || {
                run(&dir);
                Ok(())
            }));
        }
    }
    let whole: [(&str, fn()); 3] = [
        ("err_cases_cover_every_code", err_cases_cover_every_code),
        ("every_code_is_documented", every_code_is_documented),
        (
            "language_reference_examples_parse",
            language_reference_examples_parse,
        ),
    ];
    for (name, f) in whole {
        trials.push(Trial::test(name, move || {
            f();
            Ok(())
        }));
    }
    libtest_mimic::run(&args, trials).exit_code()
}
