//! Odd and hostile input outside SQL fragments, through the binary: nesting deep enough to
//! overflow a recursive parser, files that are not UTF-8, a schema directory that is not there,
//! credentials that need percent-encoding in a URL, and a server that cannot be reached.

mod support;

use std::fs;

use support::Project;
use support::cli::{chplan, text};

/// `check --format json`: exit status and the diagnostics.
fn check_json(p: &Project) -> (Option<i32>, Vec<serde_json::Value>) {
    let o = chplan(p.path(), &["check", "--format", "json"]);
    let out = String::from_utf8_lossy(&o.stdout);
    let v: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", text(&o)));
    (o.status.code(), v.as_array().unwrap().clone())
}

/// The one E001 of a check that fails.
fn io_error(p: &Project) -> serde_json::Value {
    let (code, diags) = check_json(p);
    assert_eq!(code, Some(1), "{diags:?}");
    let d = diags.iter().find(|d| d["name"] == "io-error");
    d.expect("an E001 diagnostic").clone()
}

fn place(d: &serde_json::Value) -> (String, u64, u64) {
    (
        d["file"].as_str().unwrap_or("<none>").to_owned(),
        d["line"].as_u64().unwrap_or(0),
        d["column"].as_u64().unwrap_or(0),
    )
}

/// 50,000 nested blocks used to abort the process (stack overflow in the parser); any depth
/// past the limit is now a diagnostic at the first block too deep, in every layout that
/// reaches the crate's parser.
#[test]
fn deep_nesting_is_refused_at_the_block() {
    let deep = |levels: usize| {
        let mut s = String::from("table t {\n");
        for _ in 0..levels {
            s.push_str("x {");
        }
        s.push_str(&"}".repeat(levels));
        s.push_str("\n}\n");
        s
    };
    for (levels, lead) in [(50_000, ""), (200_000, ""), (65, ""), (50_000, "\u{a0}")] {
        let p = Project::new("deep").schema("t.kdl", &format!("{lead}{}", deep(levels)));
        let (code, diags) = check_json(&p);
        assert_eq!(code, Some(1), "{levels}: {diags:?}");
        let d = &diags[0];
        assert_eq!(d["name"], "kdl-syntax", "{d}");
        assert!(
            d["message"]
                .as_str()
                .unwrap()
                .contains("nested more than 64 levels")
        );
        // `table t {` is level 1; the 64th `x {` opens level 65.
        let column = 3 * 63 + 3;
        assert_eq!(place(d), ("schemas/t.kdl".into(), 2, column), "{d}");
    }
    let p = Project::new("deep").schema("t.kdl", &deep(63));
    let (_, diags) = check_json(&p);
    assert!(
        diags.iter().all(|d| d["name"] != "kdl-syntax"),
        "64 levels are allowed: {diags:?}"
    );
}

/// Invalid UTF-8 names the file, line and column of the first bad byte (it was `"file": null`).
#[test]
fn a_file_that_is_not_utf8_is_placed() {
    let p = Project::new("bytes");
    fs::write(
        p.path().join("schemas/bad.kdl"),
        b"table t {\n    column id String \xFF\xFE\n}\n",
    )
    .unwrap();
    let d = io_error(&p);
    let d = &d;
    assert_eq!(place(d), ("schemas/bad.kdl".into(), 2, 22), "{d}");
    assert!(d["message"].as_str().unwrap().contains("not UTF-8"), "{d}");
    assert!(d["help"].as_str().unwrap().contains("UTF-8"), "{d}");
}

/// A `schemas` setting naming a missing directory points at the setting.
#[test]
fn a_missing_schema_directory_points_at_the_setting() {
    let p = Project::with_config("nodir", "database nodir\nschemas \"sql/kdl\"\n");
    let d = io_error(&p);
    let d = &d;
    assert_eq!(place(d), ("chplan.kdl".into(), 2, 9), "{d}");
    assert!(d["message"].as_str().unwrap().contains("`sql/kdl`"), "{d}");
}

/// A password with `@ : / # %` works when percent-encoded in the URL, against a server that
/// checks it.
#[test]
fn url_credentials_are_percent_decoded() {
    let data = tempfile::tempdir().unwrap();
    let password = "S3cr3t!@:/#%é";
    let ch = support::ClickHouse::start(data.path(), Some(password), &[]);
    let host = ch.url().split_once("://").unwrap().1.trim_end_matches('/');
    let url = format!("http://default:S3cr3t%21%40%3A%2F%23%25%C3%A9@{host}");
    let p = Project::new("pct")
        .schema("t.kdl", "table t {\n column id UInt8\n order-by id\n}\n")
        .plan("init");
    let o = chplan(p.path(), &["apply", "--url", &url]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("ok  create-table:t"), "{out}");
    assert!(!out.contains("S3cr3t"), "password shown: {out}");
}

/// A server that cannot be reached is named, with what was being done.
#[test]
fn an_unreachable_server_is_named() {
    let p = Project::new("gone")
        .schema("t.kdl", "table t {\n column id UInt8\n order-by id\n}\n")
        .plan("init");
    // Port 9 (discard) on loopback: nothing listens there.
    for cmd in ["apply", "status"] {
        let o = chplan(p.path(), &[cmd, "--url", "http://127.0.0.1:9"]);
        let out = text(&o);
        assert_ne!(o.status.code(), Some(0), "{out}");
        assert!(
            out.contains("cannot connect to ClickHouse at http://127.0.0.1:9"),
            "{cmd}: {out}"
        );
        assert!(!out.contains("network error"), "{cmd}: {out}");
    }
}
