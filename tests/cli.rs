//! The `chplan` binary end to end: exit statuses, output formats, the example project.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::Project;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn chplan(project: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_chplan"))
        .arg("--project")
        .arg(project)
        .args(args)
        .output()
        .expect("run chplan");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn golden(case: &str) -> PathBuf {
    root().join("golden/check").join(case)
}

#[test]
fn example_project_checks_clean() {
    let (code, out, _) = chplan(&root(), &["check", "--deny-warnings"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("ok: "), "{out}");
}

#[test]
fn exit_status_is_one_on_errors_and_on_denied_warnings() {
    let (code, _, _) = chplan(&golden("err/018-unknown-column"), &["check"]);
    assert_eq!(code, 1);
    let warn_only = golden("err/029-no-schema-files");
    assert_eq!(chplan(&warn_only, &["check"]).0, 0);
    assert_eq!(chplan(&warn_only, &["check", "--deny-warnings"]).0, 1);
}

#[test]
fn usage_errors_exit_two() {
    let (code, _, err) = chplan(&root(), &["check", "--format", "xml"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn json_format_places_every_diagnostic() {
    let (code, out, _) = chplan(
        &golden("err/018-unknown-column"),
        &["check", "--format", "json"],
    );
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    let items = v.as_array().expect("an array");
    assert!(!items.is_empty());
    for d in items {
        assert_eq!(d["name"], "unknown-column");
        assert_eq!(d["file"], "schemas/events.kdl");
        assert!(d["line"].as_u64().unwrap() > 0);
        assert!(d["column"].as_u64().unwrap() > 0);
        assert!(d["help"].is_string());
    }
    let ver = items
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("`updated`"))
        .expect("the ver= problem");
    assert_eq!(
        (ver["line"].as_u64(), ver["column"].as_u64()),
        (Some(5), Some(35))
    );
}

#[test]
fn github_format_is_workflow_commands() {
    let (_, out, _) = chplan(
        &golden("err/019-primary-key-not-prefix"),
        &["check", "--format", "github"],
    );
    assert_eq!(
        out.lines().next().unwrap_or(""),
        "::error file=schemas/events.kdl,line=5,col=17,endLine=5,endColumn=27,title=E110 primary-key-not-prefix::primary key of `events` is not a prefix of its ORDER BY%0Ahelp: ClickHouse requires the primary key to start the sorting key: use `primary-key id` or reorder order-by"
    );
}

#[test]
fn missing_project_is_a_clear_problem() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = chplan(dir.path(), &["check"]);
    assert_eq!(code, 1);
    assert!(out.contains("cannot read chplan.kdl"), "{out}");
}

#[test]
fn graph_formats_of_the_example_project() {
    for format in ["dot", "mermaid", "json"] {
        let (code, out, err) = chplan(&root(), &["graph", "--format", format]);
        assert_eq!(code, 0, "{err}");
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(root().join("golden/graph"));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!(format!("example-{format}"), out));
    }
}

/// `chplan build` of the example project: the SQL reviewers diff, reviewed as a golden file.
#[test]
fn build_writes_the_example_schema() {
    let out = tempfile::tempdir().unwrap();
    let (code, _, err) = chplan(&root(), &["build", "--out", out.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let schema = std::fs::read_to_string(out.path().join("schema.sql")).unwrap();
    for object in ["events_0_1", "mv_events_to_0_1", "top_countries"] {
        let one = std::fs::read_to_string(out.path().join(format!("{object}.sql"))).unwrap();
        assert!(
            schema.contains(one.trim_end()),
            "{object} missing from schema.sql"
        );
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("golden/build"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!("example-schema", schema));
}

#[test]
fn plan_on_a_planned_project_changes_nothing() {
    let dir = Project::new("shop").schema(
        "t.kdl",
        "table t {\n    column id UInt64\n    order-by id\n}\n",
    );
    let project = dir.path();
    let (code, out, err) = chplan(project, &["plan", "--name", "init"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("+ table t"), "{out}");
    let sum = std::fs::read_to_string(project.join("migrations/chplan.sum")).unwrap();
    let (code, out, _) = chplan(project, &["plan"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("No changes"), "{out}");
    assert_eq!(chplan(project, &["check"]).0, 0);
    // Nothing was rewritten by the no-op plan.
    assert_eq!(
        sum,
        std::fs::read_to_string(project.join("migrations/chplan.sum")).unwrap()
    );
    // --dry-run writes nothing.
    std::fs::write(
        project.join("schemas/t.kdl"),
        "table t {\n    column id UInt64\n    column n UInt8\n    order-by id\n}\n",
    )
    .unwrap();
    let (code, out, _) = chplan(project, &["plan", "--dry-run"]);
    assert_eq!(code, 0);
    assert!(out.contains("~ table t: + column n UInt8"), "{out}");
    assert!(!project.join("migrations/0002_change").exists());
    assert_eq!(
        chplan(project, &["check"]).0,
        1,
        "the change is not planned yet"
    );
}

/// `plan --format json`: one object on stdout, for a written plan, for nothing to do, and for
/// a schema error (its diagnostics, exit 1).
#[test]
fn plan_reports_as_json() {
    let p = support::Project::new("json_plan").schema(
        "t.kdl",
        "table t {\n    column n UInt32\n    order-by n\n}\n",
    );
    let run = |expect_ok: bool| -> serde_json::Value {
        let out = support::cli::chplan(p.path(), &["plan", "--name", "init", "--format", "json"]);
        assert_eq!(out.status.success(), expect_ok, "{out:?}");
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let v = run(true);
    assert_eq!(v["outcome"], "written", "{v}");
    assert_eq!(v["plan"]["id"], "0001_init", "{v}");
    assert_eq!(v["plan"]["operations"][0]["id"], "create-table:t", "{v}");
    assert!(p.path().join("migrations/0001_init/plan.yaml").exists());

    let v = run(true);
    assert_eq!(v["outcome"], "no_changes", "{v}");
    assert!(v["plan"].is_null(), "{v}");

    p.write("t.kdl", "table t {\n    column n UInt32 default=\n}\n");
    let v = run(false);
    assert_eq!(v["outcome"], "refused", "{v}");
    assert_eq!(v["exit"], 1, "{v}");
    assert_eq!(v["diagnostics"][0]["code"], "E002", "{v}");
    assert_eq!(v["diagnostics"][0]["file"], "schemas/t.kdl", "{v}");
}
