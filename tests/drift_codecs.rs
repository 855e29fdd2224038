//! Column codecs in the drift check, against the real ClickHouse engine: a codec declared
//! without parameters is compared with what the server stores for it (`ZSTD` is `ZSTD(1)`,
//! `Delta` on a UInt32 is `Delta(4)`), so the defaults the server fills in are no drift and
//! other parameters are.

mod support;

use support::Project;
use support::cli::{fails, ok};

const CODECS: &str = r#"
table metrics {
    column id UInt64 codec="ZSTD"
    column n UInt32 codec="Delta, ZSTD"
    column small "Array(Nullable(Int16))" codec="Delta,ZSTD(3)"
    column pair "Tuple(UInt32, UInt64)" codec="Delta, LZ4"
    column same "Tuple(UInt32, Float32)" codec="Delta, ZSTD"
    column f Float64 codec="FPC"
    column g "Nullable(Float32)" codec="Gorilla, LZ4HC"
    column t DateTime codec="DoubleDelta, ZSTD(2)"
    order-by id
}
"#;

fn url() -> &'static str {
    support::clickhouse().url()
}

fn q(sql: &str) -> String {
    support::clickhouse().exec(sql).trim().to_owned()
}

/// The project applied on a fresh database.
fn applied(prefix: &str) -> (Project, String) {
    let p = Project::fresh(prefix)
        .schema("metrics.kdl", CODECS)
        .plan("init");
    ok(p.path(), &["apply", "--url", url()]);
    let db = p.database().to_owned();
    (p, db)
}

#[test]
fn codecs_the_server_completed_are_no_drift() {
    let (p, db) = applied("codecs_clean");
    let stored = q(&format!(
        "SELECT groupArray(compression_codec) FROM (SELECT compression_codec FROM system.columns \
         WHERE database = '{db}' AND table = 'metrics' ORDER BY position)"
    ));
    // What the server filled in, so the comparison below is against these texts.
    assert_eq!(
        stored,
        "['CODEC(ZSTD(1))','CODEC(Delta(4), ZSTD(1))','CODEC(Delta(2), ZSTD(3))',\
         'CODEC(Delta, LZ4)','CODEC(Delta(4), ZSTD(1))','CODEC(FPC(12))',\
         'CODEC(Gorilla(4), LZ4HC(0))','CODEC(DoubleDelta, ZSTD(2))']"
    );
    let status = ok(p.path(), &["status", "--url", url()]);
    assert!(status.contains("no drift"), "{status}");
}

#[test]
fn other_parameters_than_the_defaults_are_drift() {
    let changes = [
        ("id", "ZSTD(22)"),
        ("n", "Delta(8), ZSTD(1)"),
        ("small", "Delta(2), ZSTD(1)"),
        ("f", "FPC(5)"),
        ("g", "Gorilla(4), LZ4HC(9)"),
    ];
    let (p, db) = applied("codecs_changed");
    for (column, codec) in changes {
        q(&format!(
            "ALTER TABLE `{db}`.metrics MODIFY COLUMN {column} CODEC({codec})"
        ));
        let status = fails(p.path(), &["status", "--url", url()]);
        assert!(status.contains(codec), "{column} {codec}: {status}");
        let declared = CODECS
            .lines()
            .find(|l| l.trim().starts_with(&format!("column {column} ")))
            .and_then(|l| l.split("codec=").nth(1))
            .unwrap()
            .trim_matches('"');
        q(&format!(
            "ALTER TABLE `{db}`.metrics MODIFY COLUMN {column} CODEC({declared})"
        ));
        let status = ok(p.path(), &["status", "--url", url()]);
        assert!(status.contains("no drift"), "{column} back: {status}");
    }
}
