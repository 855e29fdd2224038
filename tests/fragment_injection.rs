//! Issue 13 (High): a schema whose SQL fragments would add statements to `up.sql` (a `;`),
//! or swallow the statement's own `;` (a trailing comment), is refused by `chplan check`, at
//! the exact file, line and column of the offending character inside the KDL string. One
//! test per place the issue names; each checked clean before the fix.

mod support;

use support::Project;
use support::cli::chplan;

/// Writes `schema` as `schemas/s.kdl` and runs `chplan check --format github`; asserts exit
/// 1 with an error `code` at the first occurrence of `at` (which must be unique in the
/// file), and nothing reported as clean.
fn refused_at(schema: &str, at: &str, code: &str) {
    let p = Project::new("inj").schema("s.kdl", schema);
    let o = chplan(p.path(), &["check", "--format", "github"]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(1), "check must refuse:\n{out}");
    assert_eq!(schema.matches(at).count(), 1, "`{at}` must be unique");
    let offset = schema.find(at).unwrap();
    let line = schema[..offset].matches('\n').count() + 1;
    let col = offset - schema[..offset].rfind('\n').map_or(0, |n| n + 1) + 1;
    let want = format!("::error file=schemas/s.kdl,line={line},col={col},");
    let found = out
        .lines()
        .any(|l| l.starts_with(&want) && l.contains(&format!("title={code} ")));
    assert!(found, "no {code} at {line}:{col} (`{at}`) in:\n{out}");
}

const T: &str = "table t {\n    column id String\n    order-by id\n}\n";
const VICTIM: &str = "table victim {\n    column id String\n    order-by id\n}\n";

#[test]
fn view_select_with_a_second_statement() {
    let s = format!(
        "{T}{VICTIM}view v {{\n    select \"SELECT id FROM t; DROP TABLE inj.victim\"\n}}\n"
    );
    refused_at(&s, "; DROP", "E113");
}

#[test]
fn materialized_view_select_ending_in_a_comment() {
    let s = format!(
        "{T}{VICTIM}materialized-view m to=victim {{\n    select \"SELECT id FROM t -- merges the next statement\"\n}}\n"
    );
    refused_at(&s, "-- merges", "E113");
}

#[test]
fn settings_key() {
    let s = "table a {\n    column id String\n    order-by id\n    settings \"index_granularity = 8192; DROP TABLE k12.a_victim; --\"=1\n}\n";
    refused_at(s, " = 8192", "E114");
}

#[test]
fn index_type() {
    let s = "table t {\n    column id String\n    order-by id\n    index i id type=\"bloom_filter; DROP TABLE inj.victim\" granularity=1\n}\n";
    refused_at(s, "; DROP", "E113");
}

#[test]
fn projection_body() {
    let s = "table t {\n    column id String\n    order-by id\n    projection p \"SELECT id ORDER BY id); DROP TABLE inj.victim; --\"\n}\n";
    // The `)` would close the projection's own bracket too; the `;` is reported first.
    refused_at(s, "; DROP", "E113");
}

#[test]
fn codec() {
    let s = "table t {\n    column id String codec=\"ZSTD(1)) ENGINE = Memory; DROP TABLE inj.victim; --\"\n    order-by id\n}\n";
    refused_at(s, "; DROP", "E113");
}

#[test]
fn engine_args() {
    let s = "table t {\n    column id String\n    engine Memory args=\"); DROP TABLE inj.victim; --\"\n}\n";
    refused_at(s, "; DROP", "E113");
}

#[test]
fn unbalanced_bracket_alone() {
    let s = "table t {\n    column id String codec=\"ZSTD(1)) TTL now()\"\n    order-by id\n}\n";
    refused_at(s, ") TTL", "E114");
}

#[test]
fn column_default() {
    let s = "table t {\n    column id String default=\"'x' /* swallowed */\"\n    order-by id\n}\n";
    refused_at(s, "/* swallowed", "E113");
}

#[test]
fn table_ttl() {
    let s = "table t {\n    column id String\n    column ts DateTime\n    order-by id\n    ttl \"ts + INTERVAL 1 DAY; DROP TABLE inj.victim\"\n}\n";
    refused_at(s, "; DROP", "E113");
}

#[test]
fn partition_by() {
    let s = "table t {\n    column id String\n    order-by id\n    partition-by \"id # hides the rest\"\n}\n";
    refused_at(s, "# hides", "E113");
}

#[test]
fn order_by() {
    let s = "table t {\n    column id String\n    order-by \"id; DROP TABLE inj.victim\"\n}\n";
    refused_at(s, "; DROP", "E113");
}

#[test]
fn check_constraint() {
    let s = "table t {\n    column id String\n    order-by id\n    constraint c check=\"id != 'open\"\n}\n";
    refused_at(s, "'open", "E113");
}

/// What must stay accepted: the same characters inside string literals and quoted names.
#[test]
fn punctuation_inside_literals_is_accepted() {
    let s = "table t {\n    column id String default=\"'a; DROP TABLE t; -- b'\"\n    column n String default=\"concat('#', '/*')\"\n    order-by id\n}\nview v {\n    select \"SELECT id, ';--' AS s FROM t\"\n}\n";
    let p = Project::new("inj").schema("s.kdl", s);
    let o = chplan(p.path(), &["check"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
}
