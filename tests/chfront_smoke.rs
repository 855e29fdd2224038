//! The test ClickHouse (chDB behind tests/chfront) behaves like a ClickHouse
//! server on what the runner relies on. If one of these fails, fix the
//! environment or chfront before suspecting the code under test.

mod support;

use std::time::{Duration, Instant};

use support::{ClickHouse, clickhouse};

fn json_rows(body: &str) -> Vec<serde_json::Value> {
    body.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn ping_and_trivial_query() {
    let ch = clickhouse();
    let reply = ureq::get(format!("{}/ping", ch.url())).call().unwrap();
    assert_eq!(reply.into_body().read_to_string().unwrap(), "Ok.\n");
    assert_eq!(ch.query("SELECT 1"), Ok("1\n".to_owned()));
    assert!(ch.exec("SELECT version()").starts_with("26."));
}

#[test]
fn table_roundtrip_with_body_insert() {
    let ch = clickhouse();
    let db = ch.fresh_database("roundtrip");
    ch.exec(&format!(
        "CREATE TABLE {db}.events (id UInt64, name String, at DateTime DEFAULT now()) \
         ENGINE = MergeTree ORDER BY id"
    ));
    // The data follows the statement in the body, with an empty line and a
    // ';' inside a value, as a runner may send them.
    ch.exec(&format!(
        "INSERT INTO {db}.events (id, name) FORMAT JSONEachRow\n\
         {{\"id\": 2, \"name\": \"b;c\"}}\n\n{{\"id\": 1, \"name\": \"a\"}}\n"
    ));
    let reply = ch.request(
        "2\tfrom tsv\n",
        &[(
            "query",
            &format!("INSERT INTO {db}.events (id, name) FORMAT TSV"),
        )],
        &[],
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let summary: serde_json::Value =
        serde_json::from_str(reply.header("X-ClickHouse-Summary").unwrap()).unwrap();
    assert_eq!(summary["written_rows"], "1");

    let rows = json_rows(&ch.exec(&format!(
        "SELECT id, name FROM {db}.events ORDER BY id, name FORMAT JSONEachRow"
    )));
    assert_eq!(
        rows,
        vec![
            serde_json::json!({"id": 1, "name": "a"}),
            serde_json::json!({"id": 2, "name": "b;c"}),
            serde_json::json!({"id": 2, "name": "from tsv"}),
        ]
    );

    // default_format applies when the query names none.
    let reply = ch.request(
        &format!("SELECT count() AS n FROM {db}.events"),
        &[("default_format", "JSONCompact")],
        &[],
    );
    assert_eq!(reply.header("X-ClickHouse-Format"), Some("JSONCompact"));
    let v: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(v["data"][0][0], 3);
}

#[test]
fn materialized_view_copies_inserts() {
    let ch = clickhouse();
    let db = ch.fresh_database("mv");
    ch.exec(&format!(
        "CREATE TABLE {db}.src (k UInt32, v String) ENGINE = MergeTree ORDER BY k"
    ));
    ch.exec(&format!(
        "CREATE TABLE {db}.dst (k UInt32, v String) ENGINE = MergeTree ORDER BY k"
    ));
    ch.exec(&format!(
        "CREATE MATERIALIZED VIEW {db}.src_to_dst TO {db}.dst AS \
         SELECT k * 10 AS k, upper(v) AS v FROM {db}.src"
    ));
    ch.exec(&format!("INSERT INTO {db}.src VALUES (1, 'x'), (2, 'y')"));
    assert_eq!(
        ch.exec(&format!("SELECT k, v FROM {db}.dst ORDER BY k")),
        "10\tX\n20\tY\n"
    );
    let engine = ch.exec(&format!(
        "SELECT engine FROM system.tables WHERE database = '{db}' AND name = 'src_to_dst'"
    ));
    assert_eq!(engine, "MaterializedView\n");
}

#[test]
fn system_tables_introspection() {
    let ch = clickhouse();
    let db = ch.fresh_database("introspect");
    ch.exec(&format!(
        "CREATE TABLE {db}.t (\
           id UInt64, \
           day Date DEFAULT today(), \
           tags Array(LowCardinality(String)), \
           total Decimal(18, 2) MATERIALIZED 0, \
           note Nullable(String) COMMENT 'free text'\
         ) ENGINE = ReplacingMergeTree ORDER BY (id, day) PARTITION BY toYYYYMM(day)"
    ));
    let t = json_rows(&ch.exec(&format!(
        "SELECT engine, sorting_key, partition_key, primary_key FROM system.tables \
         WHERE database = '{db}' AND name = 't' FORMAT JSONEachRow"
    )));
    assert_eq!(
        t,
        vec![serde_json::json!({
            "engine": "ReplacingMergeTree",
            "sorting_key": "id, day",
            "partition_key": "toYYYYMM(day)",
            "primary_key": "id, day",
        })]
    );
    let cols = ch.exec(&format!(
        "SELECT name, type, default_kind, default_expression, comment FROM system.columns \
         WHERE database = '{db}' AND table = 't' ORDER BY position"
    ));
    assert_eq!(
        cols,
        "id\tUInt64\t\t\t\n\
         day\tDate\tDEFAULT\ttoday()\t\n\
         tags\tArray(LowCardinality(String))\t\t\t\n\
         total\tDecimal(18, 2)\tMATERIALIZED\t0\t\n\
         note\tNullable(String)\t\t\tfree text\n"
    );
    assert_eq!(ch.exec("SELECT formatQuery('select  1')"), "SELECT 1\n");
}

#[test]
fn errors_look_like_clickhouse() {
    let ch = clickhouse();
    let reply = ch.request("SELECT * FROM no_such_db.no_such_table", &[], &[]);
    assert_eq!(reply.status, 404, "{}", reply.body);
    assert_eq!(reply.header("X-ClickHouse-Exception-Code"), Some("81"));
    assert!(
        reply.body.starts_with("Code: 81. DB::Exception: "),
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains("(UNKNOWN_DATABASE) (version 26."),
        "{}",
        reply.body
    );

    let db = ch.fresh_database("errors");
    let reply = ch.request(&format!("SELECT * FROM {db}.missing"), &[], &[]);
    assert_eq!(reply.status, 404, "{}", reply.body);
    assert_eq!(reply.header("X-ClickHouse-Exception-Code"), Some("60"));
    assert!(reply.body.contains("(UNKNOWN_TABLE)"), "{}", reply.body);

    let (status, body) = ch.query("SELEC 1").unwrap_err();
    assert_eq!(status, 400);
    assert!(
        body.starts_with("Code: 62. DB::Exception: Syntax error"),
        "{body}"
    );

    // One statement per request, as ClickHouse's HTTP interface requires.
    let (status, body) = ch
        .query(&format!(
            "CREATE TABLE {db}.a (x Int8) ENGINE = Memory; SELECT 1"
        ))
        .unwrap_err();
    assert_eq!(status, 400);
    assert!(body.contains("Multi-statements are not allowed"), "{body}");
    assert_eq!(
        ch.query(&format!("EXISTS TABLE {db}.a")),
        Ok("0\n".to_owned())
    );
    assert_eq!(ch.query("SELECT 1;"), Ok("1\n".to_owned()));

    // Settings arrive as URL parameters; unknown ones are refused.
    let reply = ch.request(
        "SELECT getSetting('max_threads')",
        &[("max_threads", "3")],
        &[],
    );
    assert_eq!(reply.body, "3\n");
    let reply = ch.request("SELECT 1", &[("no_such_setting", "1")], &[]);
    assert_eq!(reply.status, 404);
    assert_eq!(reply.header("X-ClickHouse-Exception-Code"), Some("115"));

    // GET requests are read-only.
    let reply = ureq::get(format!("{}/?query=CREATE+DATABASE+{db}_get", ch.url()))
        .config()
        .http_status_as_error(false)
        .build()
        .call()
        .unwrap();
    assert_eq!(reply.headers()["X-ClickHouse-Exception-Code"], "164");
}

#[test]
fn query_id_headers_and_database_param() {
    let ch = clickhouse();
    let db = ch.fresh_database("qid");
    let reply = ch.request(
        "SELECT currentDatabase()",
        &[("query_id", "smoke-qid-1"), ("database", &db)],
        &[],
    );
    assert_eq!(reply.body, format!("{db}\n"));
    assert_eq!(reply.header("X-ClickHouse-Query-Id"), Some("smoke-qid-1"));
    assert_eq!(reply.header("X-ClickHouse-Format"), Some("TabSeparated"));
    assert!(reply.header("X-ClickHouse-Server-Display-Name").is_some());
    let summary: serde_json::Value =
        serde_json::from_str(reply.header("X-ClickHouse-Summary").unwrap()).unwrap();
    assert!(summary["read_rows"].is_string(), "{summary}");

    let generated = ch.request("SELECT 1", &[], &[]);
    let id = generated.header("X-ClickHouse-Query-Id").unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");

    let reply = ch.request("SELECT {n:UInt8} + 1", &[("param_n", "41")], &[]);
    assert_eq!(reply.body, "42\n");
}

/// A long INSERT ... SELECT runs on one connection while another polls
/// system.processes for it by the query id the client chose.
#[test]
fn long_query_is_visible_from_a_second_connection() {
    let ch = clickhouse();
    let db = ch.fresh_database("long");
    ch.exec(&format!(
        "CREATE TABLE {db}.sink (n UInt64) ENGINE = MergeTree ORDER BY n"
    ));
    let qid = format!("{db}-backfill");
    let long_sql = format!(
        "INSERT INTO {db}.sink SELECT number FROM numbers(30) \
         WHERE sleepEachRow(0.05) = 0 SETTINGS max_block_size = 1"
    );
    let started = Instant::now();
    let seen = std::thread::scope(|s| {
        let long = s.spawn(|| ch.request(&long_sql, &[("query_id", &qid)], &[]));
        let poll =
            format!("SELECT query_id, query_kind FROM system.processes WHERE query_id = '{qid}'");
        let mut seen = None;
        while seen.is_none() && started.elapsed() < Duration::from_secs(10) {
            let out = ch.exec(&poll);
            if !out.is_empty() {
                seen = Some((out, started.elapsed()));
            } else {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let reply = long.join().unwrap();
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.header("X-ClickHouse-Query-Id"), Some(qid.as_str()));
        seen
    });
    let (row, at) = seen.expect("the running INSERT never showed in system.processes");
    assert_eq!(row, format!("{qid}\tInsert\n"));
    assert!(at < Duration::from_millis(1400), "seen only after {at:?}");
    assert_eq!(ch.exec(&format!("SELECT count() FROM {db}.sink")), "30\n");

    // Once it finished, it is gone.
    assert_eq!(
        ch.exec(&format!(
            "SELECT count() FROM system.processes WHERE query_id = '{qid}'"
        )),
        "0\n"
    );
}

/// KILL QUERY finds a query by the id its client chose, as on a server.
#[test]
fn kill_query_by_client_query_id() {
    let ch = clickhouse();
    let qid = format!("kill-{}", ch.fresh_database("kill"));
    let started = Instant::now();
    std::thread::scope(|s| {
        let long = s.spawn(|| {
            ch.request(
                "SELECT sum(sleepEachRow(0.1)) FROM numbers(100) SETTINGS max_block_size = 1",
                &[("query_id", &qid)],
                &[],
            )
        });
        let poll = format!("SELECT count() FROM system.processes WHERE query_id = '{qid}'");
        while ch.exec(&poll) != "1\n" {
            assert!(started.elapsed() < Duration::from_secs(10), "never started");
            std::thread::sleep(Duration::from_millis(20));
        }
        let killed = ch.exec(&format!("KILL QUERY WHERE query_id = '{qid}' SYNC"));
        assert!(killed.starts_with("finished\t"), "{killed}");
        let reply = long.join().unwrap();
        assert_eq!(
            reply.header("X-ClickHouse-Exception-Code"),
            Some("394"),
            "{}",
            reply.body
        );
        assert!(
            reply.body.contains("(QUERY_WAS_CANCELLED)"),
            "{}",
            reply.body
        );
    });
    assert!(started.elapsed() < Duration::from_secs(8));
}

/// A server of its own: with a password, and restarted on the same data.
#[test]
fn password_and_restart() {
    let data = tempfile::tempdir().unwrap();
    let ch = ClickHouse::start(data.path(), Some("s3cret"), &[]);
    ch.exec("CREATE DATABASE kept");
    ch.exec("CREATE TABLE kept.t (x UInt8) ENGINE = MergeTree ORDER BY x");
    ch.exec("INSERT INTO kept.t VALUES (7)");

    let wrong = [
        vec![
            ("X-ClickHouse-User", "default"),
            ("X-ClickHouse-Key", "guess"),
        ],
        vec![("Authorization", "Basic ZGVmYXVsdDpndWVzcw==")], // default:guess
        vec![("X-ClickHouse-User", "default")],
    ];
    for headers in wrong {
        let reply = ch.request("SELECT 1", &[], &headers);
        assert_eq!(reply.status, 403, "{headers:?}: {}", reply.body);
        assert_eq!(reply.header("X-ClickHouse-Exception-Code"), Some("516"));
        assert!(
            reply.body.starts_with(
                "Code: 516. DB::Exception: default: Authentication failed: password is \
                 incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)"
            ),
            "{}",
            reply.body
        );
        assert!(!reply.body.contains("guess"));
    }
    let basic = ch.request(
        "SELECT 2",
        &[],
        &[("Authorization", "Basic ZGVmYXVsdDpzM2NyZXQ=")],
    );
    assert_eq!(basic.body, "2\n");
    let params = ch.request(
        "SELECT 3",
        &[("user", "default"), ("password", "s3cret")],
        &[],
    );
    assert_eq!(params.body, "3\n");

    drop(ch);
    let ch = ClickHouse::start(data.path(), None, &[]);
    assert_eq!(ch.exec("SELECT x FROM kept.t"), "7\n");
}
