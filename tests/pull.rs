//! `chplan pull` on real ClickHouse 26.9 (chfront): a database made by hand comes back as KDL
//! that, planned and applied to another database, rebuilds the same objects; `--table` and
//! `--externally-managed` refresh one declaration; what chplan cannot express is reported.

mod support;

use support::Project;
use support::cli::{chplan, ok, text};

fn q(sql: &str) -> String {
    support::clickhouse().exec(sql).trim().to_owned()
}

fn url_args<'a>(command: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![command, "--url", support::clickhouse().url()];
    v.extend_from_slice(extra);
    v
}

/// Everything ClickHouse stores about the objects of `db`, with the name of `db` taken out.
fn definitions(db: &str) -> String {
    q(&format!(
        "SELECT arrayStringConcat(groupArray(concat(name, ': ', \
         replaceAll(create_table_query, '{db}.', 'DB.'))), '\\n') FROM (SELECT name, \
         create_table_query FROM system.tables WHERE database = '{db}' \
         AND name NOT LIKE '\\_chplan%' ORDER BY name)"
    ))
}

const HAND_MADE: &[&str] = &[
    "CREATE TABLE {db}.events (`id` UInt64 CODEC(Delta, ZSTD), `kind` LowCardinality(String) \
     COMMENT 'what it''s about', `at` DateTime DEFAULT now(), `day` Date MATERIALIZED toDate(at), \
     `payload` String TTL at + INTERVAL 1 DAY, INDEX idx_kind kind TYPE set(10) GRANULARITY 2, \
     CONSTRAINT id_positive CHECK id > 0) ENGINE = ReplacingMergeTree(at) \
     PARTITION BY toYYYYMM(at) ORDER BY (id, intHash32(id)) SAMPLE BY intHash32(id) \
     TTL at + INTERVAL 1 YEAR SETTINGS index_granularity = 1024 COMMENT 'all events'",
    "CREATE TABLE {db}.daily (`day` Date, `kind` LowCardinality(String), `n` UInt64) \
     ENGINE = SummingMergeTree ORDER BY (day, kind)",
    "CREATE MATERIALIZED VIEW {db}.daily_mv TO {db}.daily AS SELECT toDate(at) AS day, kind, \
     count() AS n FROM {db}.events GROUP BY day, kind",
    "CREATE VIEW {db}.recent AS SELECT id, kind FROM {db}.events WHERE at > now() - INTERVAL 1 DAY",
];

#[test]
fn a_pulled_database_is_rebuilt_exactly() {
    let source = support::clickhouse().fresh_database("pull_src");
    for sql in HAND_MADE {
        q(&sql.replace("{db}", &source));
    }
    let mut dir = Project::empty();
    let out = ok(dir.path(), &url_args("pull", &["--database", &source]));
    assert!(out.contains("pulled 4 object(s)"), "{out}");
    assert!(!out.contains("warning"), "{out}");
    // Deterministic: a second pull changes nothing.
    let again = ok(dir.path(), &url_args("pull", &["--database", &source]));
    assert!(again.contains("0 new, 0 updated, 4 unchanged"), "{again}");

    let target = support::clickhouse().fresh_database("pull_dst");
    dir.set_database(&target);
    ok(dir.path(), &["check"]);
    ok(dir.path(), &["plan", "--name", "adopt"]);
    ok(dir.path(), &url_args("apply", &[]));
    let built = definitions(&target);
    assert!(
        built.contains("events: CREATE TABLE DB.events (`id` UInt64 CODEC(Delta(8), ZSTD(1))"),
        "{built}"
    );
    assert!(
        built.contains("daily_mv: CREATE MATERIALIZED VIEW DB.daily_mv TO DB.daily"),
        "{built}"
    );
    assert_eq!(definitions(&source), built);
}

#[test]
fn pulling_an_existing_database_adopts_it_without_changes() {
    let db = support::clickhouse().fresh_database("pull_adopt");
    for sql in HAND_MADE {
        q(&sql.replace("{db}", &db));
    }
    let dir = Project::empty();
    ok(dir.path(), &url_args("pull", &["--database", &db]));
    // Planned against the database it came from: nothing to do.
    let out = ok(dir.path(), &url_args("plan", &["--name", "adopt"]));
    assert!(out.contains("No changes"), "{out}");
}

#[test]
fn one_table_is_refreshed_as_externally_managed() {
    let db = support::clickhouse().fresh_database("pull_ext");
    q(&format!(
        "CREATE TABLE {db}.orders (id UInt64, total Decimal(18, 2)) ENGINE = MergeTree ORDER BY id"
    ));
    q(&format!(
        "CREATE TABLE {db}.other (x UInt8) ENGINE = MergeTree ORDER BY x"
    ));
    let mut dir = Project::empty();
    dir.set_database(&db);
    let args = url_args("pull", &["--table", "orders", "--externally-managed"]);
    ok(dir.path(), &args);
    let kdl = std::fs::read_to_string(dir.path().join("schemas/orders.kdl")).unwrap();
    assert!(kdl.contains("lifecycle externally-managed"), "{kdl}");
    assert!(!dir.path().join("schemas/other.kdl").exists());
    // The owner adds a column: a second pull refreshes the declaration.
    q(&format!("ALTER TABLE {db}.orders ADD COLUMN note String"));
    let out = ok(dir.path(), &args);
    assert!(out.contains("1 updated"), "{out}");
    let kdl = std::fs::read_to_string(dir.path().join("schemas/orders.kdl")).unwrap();
    assert!(kdl.contains("column note String"), "{kdl}");
    ok(dir.path(), &["check"]);

    let missing = text(&chplan(dir.path(), &url_args("pull", &["--table", "nope"])));
    assert!(missing.contains("not in database"), "{missing}");
}

#[test]
fn what_chplan_cannot_express_is_reported() {
    let db = support::clickhouse().fresh_database("pull_unexpressed");
    q(&format!(
        "CREATE TABLE {db}.src (id UInt64) ENGINE = MergeTree ORDER BY id"
    ));
    q(&format!(
        "CREATE MATERIALIZED VIEW {db}.inner_mv ENGINE = MergeTree ORDER BY id AS SELECT id FROM {db}.src"
    ));
    q(&format!(
        "CREATE TABLE {db}.stats (a UInt32 STATISTICS(tdigest)) ENGINE = MergeTree ORDER BY a \
         SETTINGS allow_experimental_statistics = 1"
    ));
    let dir = Project::empty();
    let out = ok(dir.path(), &url_args("pull", &["--database", &db]));
    assert!(
        out.contains("warning: inner_mv: not pulled: materialized view without a TO table"),
        "{out}"
    );
    assert!(
        out.contains("warning: stats: not pulled: column a: STATISTICS(tdigest)"),
        "{out}"
    );
}
