//! The drift check on every part of a table the schema language has (codecs, TTLs, comments,
//! indexes, projections, constraints, settings, keys, engine arguments), and a plan whose end
//! state the database already holds being skipped. Real ClickHouse 26.9 behind chfront.

mod support;

use support::Project;
use support::cli::{chplan, fails, ok, text};

/// Every table part, written the way a person would (the server stores most of it in another
/// spelling: `ZSTD` as `ZSTD(1)`, `INTERVAL 1 DAY` as `toIntervalDay(1)`, ...).
const FULL: &str = r#"
table orders {
    column id UInt64 codec="Delta, ZSTD"
    column kind "LowCardinality(String)" comment="what was ordered, it's free text"
    column amount "Decimal(18, 4)" default="0" codec="ZSTD(3)"
    column note String default="''" ttl="created + INTERVAL 30 DAY"
    column created DateTime default="now()"
    column day Date materialized="toDate(created)"
    engine ReplacingMergeTree ver=created
    order-by id "intHash32(id)" kind
    primary-key id "intHash32(id)"
    partition-by "toYYYYMM(created)"
    sample-by "intHash32(id)"
    ttl "created + INTERVAL 1 YEAR DELETE"
    settings index_granularity=4096 ttl_only_drop_parts=#true deduplicate_merge_projection_mode="drop"
    index idx_kind "kind" type="set(100)" granularity=2
    index idx_note "lower(note)" type="tokenbf_v1(1024, 3, 0)"
    projection by_kind "SELECT kind, count() GROUP BY kind"
    constraint positive_amount check="amount>=0"
    constraint has_kind assume="kind != ''"
    comment "every part of a table"
}
"#;

fn project(prefix: &str) -> (Project, String) {
    let dir = Project::fresh(prefix)
        .schema("orders.kdl", FULL)
        .plan("init");
    let db = dir.database().to_owned();
    let out = ok(dir.path(), &url_args("apply"));
    assert!(out.contains("ok  create-table:orders"), "{out}");
    (dir, db)
}

fn url_args(command: &str) -> Vec<&str> {
    vec![command, "--url", support::clickhouse().url()]
}

fn q(sql: &str) -> String {
    support::clickhouse().exec(sql).trim().to_owned()
}

#[test]
fn every_table_part_reads_back_as_planned() {
    let (p, _db) = project("parts_clean");
    let status = ok(p.path(), &url_args("status"));
    assert!(status.contains("drift: up to date, no drift"), "{status}");
}

/// Each out-of-band change is named on its own line by `status`.
#[test]
fn a_change_to_any_table_part_is_drift() {
    let cases: &[(&str, &str)] = &[
        (
            "ADD INDEX idx_id id TYPE minmax GRANULARITY 1",
            "orders: index idx_id: expected none, found id TYPE minmax GRANULARITY 1",
        ),
        (
            "DROP INDEX idx_kind",
            "orders: index idx_kind: expected kind TYPE set(100) GRANULARITY 2, found none",
        ),
        (
            "MODIFY SETTING ttl_only_drop_parts = 0",
            "orders: setting ttl_only_drop_parts: expected 1, found 0",
        ),
        (
            "MODIFY TTL created + INTERVAL 2 YEAR",
            "orders: TTL: expected created + INTERVAL 1 YEAR DELETE, found created + toIntervalYear(2)",
        ),
        (
            "MODIFY COLUMN amount CODEC(LZ4)",
            "orders: column amount: codec: expected ZSTD(3), found LZ4",
        ),
        (
            "MODIFY COLUMN note REMOVE TTL",
            "orders: column note: TTL: expected created + INTERVAL 30 DAY, found none",
        ),
        (
            "COMMENT COLUMN kind 'other'",
            "orders: column kind: comment: expected what was ordered, it's free text, found other",
        ),
        (
            "MODIFY COMMENT 'changed'",
            "orders: comment: expected every part of a table, found changed",
        ),
        (
            "DROP PROJECTION by_kind",
            "orders: projection by_kind: expected SELECT kind, count() GROUP BY kind, found none",
        ),
        (
            "DROP CONSTRAINT positive_amount",
            "orders: constraint positive_amount: expected CHECK amount>=0, found none",
        ),
        (
            "ADD CONSTRAINT c2 CHECK id > 0",
            "orders: constraint c2: expected none, found CHECK id > 0",
        ),
    ];
    let (p, db) = project("parts_changed");
    for (alter, expected) in cases {
        q(&format!("ALTER TABLE {db}.orders {alter}"));
        let status = fails(p.path(), &url_args("status"));
        assert!(
            status.contains(&format!("  {expected}\n")),
            "after ALTER TABLE {alter}: `{expected}` not in:\n{status}"
        );
        assert!(
            status.contains("(1 difference(s))"),
            "after ALTER TABLE {alter}, only that differs:\n{status}"
        );
        // Put it back the way the plan made it: the next case starts clean.
        q(&format!("DROP TABLE {db}.orders SYNC"));
        let sql = std::fs::read_to_string(p.path().join("migrations/0001_init/up.sql")).unwrap();
        for statement in sql.split(";\n").filter(|s| s.contains("CREATE TABLE")) {
            q(statement);
        }
        ok(p.path(), &url_args("status"));
    }
}

#[test]
fn a_plan_already_applied_by_hand_is_skipped() {
    let (p, db) = project("parts_skip");
    let schema = FULL.replace(
        "    column day Date",
        "    column source \"LowCardinality(String)\" default=\"'web'\"\n    column day Date",
    );
    p.write("orders.kdl", &schema);
    ok(p.path(), &["plan", "--name", "source"]);
    // Someone ran the plan's SQL by hand, outside chplan.
    let sql = std::fs::read_to_string(p.path().join("migrations/0002_source/up.sql")).unwrap();
    for statement in sql.split(";\n").filter(|s| !s.trim().is_empty()) {
        let statement: String = statement
            .lines()
            .filter(|l| !l.starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        if !statement.trim().is_empty() {
            q(&statement);
        }
    }
    let status = text(&chplan(p.path(), &url_args("status")));
    assert!(
        status.contains("already holds the end state of 0002_source"),
        "{status}"
    );
    let out = ok(p.path(), &url_args("apply"));
    assert!(out.contains("skipping 0002_source"), "{out}");
    let status = ok(p.path(), &url_args("status"));
    assert!(status.contains("applied  0002_source"), "{status}");
    assert!(status.contains("drift: up to date, no drift"), "{status}");
    let outcomes = q(&format!(
        "SELECT groupArray(outcome) FROM (SELECT outcome FROM {db}._chplan_journal \
         WHERE plan_id = '0002_source' ORDER BY op_index)"
    ));
    assert_eq!(outcomes, "['skipped']");
}

#[test]
fn a_plan_that_changes_nothing_live_is_not_skipped() {
    // A database that matches neither the start nor the end is drift, not a skip.
    let (p, db) = project("parts_neither");
    let schema = FULL.replace(
        "    column day Date",
        "    column source String\n    column day Date",
    );
    p.write("orders.kdl", &schema);
    ok(p.path(), &["plan", "--name", "source"]);
    q(&format!(
        "ALTER TABLE {db}.orders ADD COLUMN source UInt8 AFTER created"
    ));
    let out = fails(p.path(), &url_args("apply"));
    assert!(
        out.contains("orders: column source: not in the state (found UInt8)"),
        "{out}"
    );
    assert!(!out.contains("skipping"), "{out}");
}
