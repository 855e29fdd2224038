//! `chplan dev` driven by a test that edits files, against real ClickHouse 26.9 (chfront):
//! add a column, bump a version with `--yes-all`, introduce an error, fix it, delete a view,
//! and stop with Ctrl-C. The database is checked after each step.

mod support;

use support::Project;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

const V0: &str = r#"
table events {
    column id String
    column n UInt32
    order-by id
}

view big {
    select "SELECT id FROM events WHERE n > 10"
}
"#;

struct Dev {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Dev {
    fn start(project: &Path, yes_all: bool) -> Dev {
        let mut child = Command::new(env!("CARGO_BIN_EXE_chplan"))
            .args(["dev", "--debounce-ms", "200", "--url"])
            .arg(support::clickhouse().url())
            .arg("--project")
            .arg(project)
            .args(yes_all.then_some("--yes-all"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, rx) = channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        Dev {
            child,
            lines: rx,
            seen: Vec::new(),
        }
    }

    /// Waits for a line containing `text`; returns the lines read up to it.
    fn wait_for(&mut self, text: &str) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut got = Vec::new();
        while Instant::now() < deadline {
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(100)) {
                self.seen.push(line.clone());
                got.push(line.clone());
                if line.contains(text) {
                    return got;
                }
            }
        }
        panic!(
            "no line with `{text}` within 60 s; output so far:\n{}",
            self.seen.join("\n")
        );
    }
}

impl Drop for Dev {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn q(sql: &str) -> String {
    support::clickhouse().exec(sql).trim().to_owned()
}

fn columns(db: &str, table: &str) -> String {
    q(&format!(
        "SELECT groupArray(name) FROM (SELECT name FROM system.columns \
         WHERE database = '{db}' AND table = '{table}' ORDER BY position)"
    ))
}

/// The database's tables but the runner's own (`_chplan_journal`, `_chplan_lock`).
fn tables(db: &str) -> String {
    q(&format!(
        "SELECT groupArray(name) FROM (SELECT name FROM system.tables \
         WHERE database = '{db}' AND NOT startsWith(name, '_chplan_') ORDER BY name)"
    ))
}

/// Saves like an editor that writes in place: the file is briefly half-written.
fn save(dir: &Path, text: &str) {
    let path = dir.join("schemas/events.kdl");
    let half = &text[..text.len() / 2];
    std::fs::write(&path, half).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&path, text).unwrap();
}

#[test]
fn dev_applies_every_save() {
    let project = Project::fresh("dev").schema("events.kdl", V0);
    let (p, db) = (project.path(), project.database());
    let mut dev = Dev::start(p, true);

    let first = dev.wait_for("+ view big");
    assert!(first.iter().any(|l| l == "+ table events"), "{first:?}");
    assert_eq!(tables(db), "['big','events']");
    q(&format!(
        "INSERT INTO {db}.events SELECT toString(number), number FROM numbers(100)"
    ));

    // Add a column.
    let v1 = V0.replace(
        "    column n UInt32\n",
        "    column n UInt32\n    column status \"LowCardinality(String)\" default=\"'new'\"\n",
    );
    save(p, &v1);
    let lines = dev.wait_for("~ table events: + column status LowCardinality(String)");
    assert!(
        !lines.iter().any(|l| l.contains("error")),
        "a half-written file must not reach the database: {lines:?}"
    );
    assert_eq!(columns(db, "events"), "['id','n','status']");

    // Bump the version in place: --yes-all backfills and drops the old table.
    let v2 = v1
        .replace("table events {", "table events version=\"0.1\" {")
        .replace("order-by id", "order-by id n");
    save(p, &v2);
    dev.wait_for("- bridge _chplan_bridge_events");
    assert_eq!(tables(db), "['big','events_0_1']");
    assert_eq!(q(&format!("SELECT count() FROM {db}.events_0_1")), "100");
    assert_eq!(q(&format!("SELECT count() FROM {db}.big")), "89");

    // A schema error: diagnostics, nothing applied.
    let broken = v2.replace("column n UInt32", "column n UInt32 default=");
    save(p, &broken);
    let lines = dev.wait_for("nothing applied");
    assert!(lines.iter().any(|l| l.contains("events.kdl")), "{lines:?}");
    // Piped, not a terminal: no colour codes.
    assert!(!lines.iter().any(|l| l.contains('\x1b')), "{lines:?}");
    assert_eq!(columns(db, "events_0_1"), "['id','n','status']");

    // Fixed, with one more column.
    let v3 = v2.replace(
        "    column n UInt32\n",
        "    column n UInt32\n    column source String\n",
    );
    save(p, &v3);
    dev.wait_for("~ table events_0_1: + column source String");
    assert_eq!(columns(db, "events_0_1"), "['id','n','source','status']");

    // Deleting a declaration drops what dev made.
    let v4 = v3.replace(
        "view big {\n    select \"SELECT id FROM events WHERE n > 10\"\n}\n",
        "",
    );
    save(p, &v4);
    dev.wait_for("- view big");
    assert_eq!(tables(db), "['events_0_1']");

    // Ctrl-C stops it cleanly.
    let pid = dev.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    dev.wait_for("dev: stopped");
    let status = dev.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn without_yes_all_nothing_destructive_is_applied() {
    let project = Project::fresh("dev_ask").schema("events.kdl", V0);
    let (p, db) = (project.path(), project.database());
    let mut dev = Dev::start(p, false);
    dev.wait_for("+ view big");

    // A version bump nobody can decide (no terminal, no --yes-all, nothing declared).
    save(
        p,
        &V0.replace("table events {", "table events version=\"0.1\" {"),
    );
    let lines = dev.wait_for("nothing applied");
    assert!(lines.iter().any(|l| l.contains("E406")), "{lines:?}");
    assert_eq!(tables(db), "['big','events']");

    // Dropping a view is destructive: refused, and said so.
    save(
        p,
        &V0.replace(
            "view big {\n    select \"SELECT id FROM events WHERE n > 10\"\n}\n",
            "",
        ),
    );
    let lines = dev.wait_for("destructive change(s) need approval");
    assert!(
        lines
            .last()
            .is_some_and(|l| l.contains("(no question was asked: standard input")),
        "{lines:?}"
    );
    assert_eq!(tables(db), "['big','events']");
}

/// A version bump made while dev was stopped, with no `migrations/` yet: the live `events` is
/// the old version, so the next dev start plans the bump (backfill, drop) instead of a new
/// table beside an unmanaged old one.
#[test]
fn a_bump_made_while_dev_was_stopped_is_a_bump() {
    let project = Project::fresh("dev_stopped").schema("events.kdl", V0);
    let (p, db) = (project.path(), project.database());
    let mut dev = Dev::start(p, true);
    dev.wait_for("+ view big");
    q(&format!(
        "INSERT INTO {db}.events SELECT toString(number), number FROM numbers(100)"
    ));
    drop(dev);

    let bumped = V0
        .replace("table events {", "table events version=\"0.1\" {")
        .replace("order-by id", "order-by id n");
    std::fs::write(p.join("schemas/events.kdl"), &bumped).unwrap();
    let mut dev = Dev::start(p, true);
    let lines = dev.wait_for("- bridge _chplan_bridge_events");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("> backfill events_0_1 from events")),
        "{lines:?}"
    );
    assert_eq!(tables(db), "['big','events_0_1']");
    assert_eq!(q(&format!("SELECT count() FROM {db}.events_0_1")), "100");
}

/// dev applies through the runner: each round is a plan in `.chplan/dev/<database>/`,
/// journaled in the database; a round whose last operation never got its `done` row (dev
/// killed there) is finished by the next dev before it plans anything new.
#[test]
fn dev_journals_its_rounds_and_resumes_a_killed_one() {
    let project = Project::fresh("dev_journal").schema("events.kdl", V0);
    let (p, db) = (project.path(), project.database());
    let mut dev = Dev::start(p, true);
    dev.wait_for("+ view big");
    drop(dev);
    assert!(
        p.join(format!(".chplan/dev/{db}/0001_dev/plan.yaml"))
            .exists()
    );
    let journaled = q(&format!(
        "SELECT countIf(outcome = 'done') FROM {db}._chplan_journal WHERE plan_id = '0001_dev'"
    ));
    assert_eq!(journaled, "2");

    // As if dev died after creating `big` and before journaling it: the row and the view gone.
    q(&format!(
        "ALTER TABLE {db}._chplan_journal DELETE WHERE plan_id = '0001_dev' \
         AND op_id = 'create-view:big' AND outcome = 'done' SETTINGS mutations_sync = 1"
    ));
    q(&format!("DROP VIEW {db}.big"));
    let mut dev = Dev::start(p, true);
    dev.wait_for("dev: up to date");
    assert_eq!(tables(db), "['big','events']");
}

/// Another runner holding the database's lock: dev applies nothing and says who holds it.
#[test]
fn dev_never_interleaves_with_another_runner() {
    let project = Project::fresh("dev_locked").schema("events.kdl", V0);
    let (p, db) = (project.path(), project.database());
    let mut dev = Dev::start(p, true);
    dev.wait_for("+ view big");
    drop(dev);
    // A live claim of a runner on another machine.
    q(&format!(
        "INSERT INTO {db}._chplan_lock (owner, holder, released, ttl_seconds) \
         VALUES ('other-owner', 'pid 1 on elsewhere', 0, 60)"
    ));
    std::fs::write(
        p.join("schemas/events.kdl"),
        V0.replace(
            "    column n UInt32\n",
            "    column n UInt32\n    column m UInt8\n",
        ),
    )
    .unwrap();
    let mut dev = Dev::start(p, true);
    let lines = dev.wait_for("not applied");
    assert!(
        lines.iter().any(|l| l.contains("pid 1 on elsewhere")),
        "{lines:?}"
    );
    assert_eq!(columns(db, "events"), "['id','n']");
}
