//! Names that need escaping, through the binary against the real ClickHouse engine: database
//! names with backslashes, quotes, tabs, newlines and non-ASCII characters are read back as
//! themselves (query parameters escaped as the server unescapes them), and sorting-key columns
//! with such names apply.

mod support;

use chplan::front::kdl_values::kdl_quoted;
use chplan_clickhouse::sqltext::quote_ident;
use support::Project;
use support::cli::{fails, ok};

const USERS: &str = r#"
table users {
    column id UInt64
    order-by id
}

view tagged {
    select "SELECT id, 'tab\\there\\\\' AS tag FROM users"
}
"#;

fn q(sql: &str) -> String {
    support::clickhouse().exec(sql).trim().to_owned()
}

fn url() -> &'static str {
    support::clickhouse().url()
}

/// A project for database `name`, created on the engine.
fn project(name: &str) -> Project {
    q(&format!("CREATE DATABASE {}", quote_ident(name)));
    Project::with_config(name, &format!("database {}\n", kdl_quoted(name)))
}

/// Each database is planned and applied, and a change made behind chplan's back in it is seen.
/// Beside each one lives a `decoy`: the database an unescaped name reads (`q\'x` read as
/// `q'x`), holding a `users` of another shape, so reading it would refuse the apply.
#[test]
fn database_names_with_escapes_are_read_as_themselves() {
    let cases: &[(&str, Option<&str>)] = &[
        ("esc_q\\'only", Some("esc_q'only")),
        ("esc_back\\slash", Some("esc_backslash")),
        ("esc_tab\there", None),
        ("esc_new\nline", None),
        ("esc_ünï😀'\"`", None),
    ];
    for (name, decoy) in cases {
        if let Some(decoy) = decoy {
            q(&format!("CREATE DATABASE {}", quote_ident(decoy)));
            q(&format!(
                "CREATE TABLE {}.users (id String, other UInt8) ENGINE = MergeTree ORDER BY id",
                quote_ident(decoy)
            ));
        }
        let p = project(name).schema("users.kdl", USERS).plan("init");
        let out = ok(p.path(), &["apply", "--url", url()]);
        assert!(out.contains("ok  create-table:users"), "{name:?}: {out}");
        let status = ok(p.path(), &["status", "--url", url()]);
        assert!(status.contains("no drift"), "{name:?}: {status}");

        q(&format!(
            "ALTER TABLE {}.users ADD COLUMN sneaky UInt8",
            quote_ident(name)
        ));
        let status = fails(p.path(), &["status", "--url", url()]);
        assert!(status.contains("sneaky"), "{name:?}: {status}");
    }
}

/// Sorting-key arguments that are exactly a column's name are that column, written as the
/// server writes it: a backtick, non-ASCII letters, a keyword and a space in the name all
/// apply, and the live key reads back without drift.
#[test]
fn sorting_key_columns_with_odd_names_apply() {
    let p = Project::fresh("oddkey").schema(
        "t.kdl",
        r#"
table t {
    column "c`ol" String
    column "cöl😀" UInt8
    column "from" UInt8
    column "sp ace" UInt8
    order-by "c`ol" "cöl😀" "from" "sp ace"
    primary-key "c`ol"
}
"#,
    );
    let check = ok(p.path(), &["check"]);
    assert!(!check.contains("warning"), "{check}");
    let p = p.plan("init");
    let up = std::fs::read_to_string(p.path().join("migrations/0001_init/up.sql")).unwrap();
    assert!(
        up.contains("ORDER BY (`c\\`ol`, `cöl😀`, `from`, `sp ace`)"),
        "{up}"
    );
    let out = ok(p.path(), &["apply", "--url", url()]);
    assert!(out.contains("ok  create-table:t"), "{out}");
    let key = q(&format!(
        "SELECT sorting_key, '|', primary_key FROM system.tables WHERE database = '{}' AND name = 't' FORMAT TSVRaw",
        p.database()
    ));
    assert_eq!(key, "`c\\`ol`, `cöl😀`, `from`, `sp ace`\t|\t`c\\`ol`");
    let status = ok(p.path(), &["status", "--url", url()]);
    assert!(status.contains("no drift"), "{status}");
}
