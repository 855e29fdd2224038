//! Backfill progress against the modern engine (chDB behind tests/chfront): the poller on a
//! second connection while an `INSERT ... SELECT` runs, and the line `chplan apply` prints.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use chplan_runner::client::{Client, Endpoint, Request};
use chplan_runner::runner::backfill_progress::{self, Display, Snapshot};

use crate::support::{self, Project};

fn client() -> Client {
    Client::new(Endpoint::parse(support::clickhouse().url(), None, None).unwrap())
}

/// An INSERT ... SELECT that reads one row per block every 100 ms: long enough to be seen
/// several times, and steady, so that progress between polls is certain.
fn slow_insert(db: &str) -> String {
    format!(
        "INSERT INTO {db}.dst SELECT number FROM numbers(30) WHERE sleepEachRow(0.1) = 0 \
         SETTINGS max_block_size = 1"
    )
}

fn tables(db: &str) {
    let ch = support::clickhouse();
    ch.exec(&format!(
        "CREATE TABLE {db}.dst (n UInt64) ENGINE = MergeTree ORDER BY n"
    ));
}

#[test]
fn the_poller_sees_rows_progress_while_the_insert_runs() {
    let db = support::clickhouse().fresh_database("progress_poll");
    tables(&db);
    let client = client();
    let id = format!("progress-poll-{}", std::process::id());
    let sql = slow_insert(&db);
    let seen: Vec<Snapshot> = std::thread::scope(|s| {
        let insert = s.spawn(|| {
            client.run(
                &sql,
                Request {
                    query_id: Some(&id),
                    ..Request::default()
                },
            )
        });
        let mut seen = Vec::new();
        let start = Instant::now();
        while !insert.is_finished() && start.elapsed() < Duration::from_secs(60) {
            if let Some(snap) = backfill_progress::poll(&client, &id).unwrap() {
                seen.push(snap);
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        insert.join().unwrap().unwrap();
        seen
    });
    eprintln!("snapshots: {seen:?}");
    assert!(seen.len() >= 3, "{seen:?}");
    assert!(
        seen.windows(2).all(|w| w[1].read_rows >= w[0].read_rows),
        "read_rows went back: {seen:?}"
    );
    let (first, last) = (seen[0], seen[seen.len() - 1]);
    assert!(last.read_rows > first.read_rows, "{seen:?}");
    assert!(last.elapsed > first.elapsed, "{seen:?}");
    // Finished: no longer in system.processes.
    assert_eq!(backfill_progress::poll(&client, &id).unwrap(), None);
    assert_eq!(
        support::clickhouse()
            .exec(&format!("SELECT count() FROM {db}.dst"))
            .trim(),
        "30"
    );
}

#[test]
fn watch_prints_one_summary_line_when_not_a_terminal() {
    let db = support::clickhouse().fresh_database("progress_watch");
    tables(&db);
    let client = client();
    let id = format!("progress-watch-{}", std::process::id());
    let sql = slow_insert(&db);
    let mut out = Vec::new();
    let result = backfill_progress::watch(
        &client,
        &id,
        "backfill x",
        Display::Summary,
        &mut out,
        || {
            client.run(
                &sql,
                Request {
                    query_id: Some(&id),
                    ..Request::default()
                },
            )
        },
    );
    result.unwrap();
    let out = String::from_utf8(out).unwrap();
    eprintln!("{out}");
    assert_eq!(out.lines().count(), 1, "{out:?}");
    assert!(!out.contains('\r'), "{out:?}");
    assert!(out.starts_with("  backfill x: read "), "{out:?}");
    assert!(out.contains(" rows, ") && out.contains(" s "), "{out:?}");

    // A statement that fails quickly comes back unchanged, with nothing printed.
    let mut out = Vec::new();
    let err = backfill_progress::watch(
        &client,
        "progress-fail",
        "b",
        Display::Summary,
        &mut out,
        || client.run("SELECT * FROM no_such_table_progress", Request::default()),
    );
    assert_eq!(err.unwrap_err().code(), Some(60));
    assert!(out.is_empty());

    // Polls that all fail (nothing listens on port 1) change nothing: the INSERT's result is
    // the result, and there is simply no line.
    let dead = Client::new(Endpoint::parse("http://127.0.0.1:1", None, None).unwrap());
    let id = format!("progress-dead-{}", std::process::id());
    let mut out = Vec::new();
    let result = backfill_progress::watch(&dead, &id, "b", Display::Summary, &mut out, || {
        client.run(
            &format!(
                "INSERT INTO {db}.dst SELECT number FROM numbers(10) \
                 WHERE sleepEachRow(0.1) = 0 SETTINGS max_block_size = 1"
            ),
            Request {
                query_id: Some(&id),
                ..Request::default()
            },
        )
    });
    result.unwrap();
    assert!(out.is_empty(), "{:?}", String::from_utf8_lossy(&out));
    assert_eq!(
        support::clickhouse()
            .exec(&format!("SELECT count() FROM {db}.dst"))
            .trim(),
        "40"
    );
}

/// `chplan apply` over a real backfill of 5 million rows, stderr captured (not a terminal).
#[test]
fn apply_prints_a_backfill_summary_on_stderr() {
    let ch = support::clickhouse();
    let db = format!("progress_apply_{}", std::process::id());
    let dir = Project::new(&db);
    let schema = |version: &str, order: &str| {
        format!(
            "table big version=\"{version}\" {{\n    column id UInt64\n    column name String\n    order-by {order}\n}}\n"
        )
    };
    let write = |text: String| dir.write("big.kdl", &text);
    write(schema("0.1", "id"));
    chplan(dir.path(), &["plan", "--name", "init"]);
    chplan(dir.path(), &["apply", "--url", ch.url()]);
    ch.exec(&format!(
        "INSERT INTO {db}.big_0_1 SELECT number, toString(number % 1000) FROM numbers(5000000)"
    ));
    write(schema("0.2", "name id"));
    chplan(dir.path(), &["plan", "--name", "reorder", "--yes-all"]);
    let started = Instant::now();
    let (stdout, stderr) = chplan(
        dir.path(),
        // The old server keeps no part log: the copy is the approximate one.
        &[
            "apply",
            "--url",
            ch.url(),
            "--yes-destructive",
            "--approximate-backfill",
        ],
    );
    eprintln!(
        "apply took {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        started.elapsed()
    );
    assert_eq!(
        ch.exec(&format!("SELECT count() FROM {db}.big_0_2")).trim(),
        "5000000"
    );
    let line = stderr
        .lines()
        .find(|l| l.contains("backfill") && l.contains(" rows, "))
        .unwrap_or_else(|| panic!("no summary line on stderr:\n{stderr}"));
    assert!(
        !stderr.contains('\r'),
        "live progress on a non-terminal: {stderr:?}"
    );
    assert!(line.contains(" in ") && line.ends_with(')'), "{line}");
    // Progress stays off stdout, which carries the apply's own messages.
    assert!(!stdout.contains(" rows, "), "{stdout}");
}

fn chplan(dir: &Path, args: &[&str]) -> (String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_chplan"))
        .arg("--project")
        .arg(dir)
        .args(args)
        .env_remove("CLICKHOUSE_USER")
        .env_remove("CLICKHOUSE_PASSWORD")
        .output()
        .unwrap();
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    assert!(o.status.success(), "chplan {args:?} failed:\n{out}{err}");
    (out, err)
}
