//! Answers without a person: the flags' environment variables (`CHPLAN_ACCEPT_ALL`,
//! `CHPLAN_ACCEPT_DESTRUCTIVE`, `CHPLAN_NO_AUTO_BACKFILL_SQL`), through the binary; `apply`
//! and `dev` against the real ClickHouse engine (chfront).

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use support::Project;
use support::cli::{chplan_with, ok, text};

const AIRCRAFT_0_0: &str = r#"
table aircraft version="0.0" {
    column icao24 String
    column callsign String
    order-by icao24
}
"#;

const USERS: &str = r#"
table users {
    column id UInt64
    order-by id
}
"#;

/// The aircraft table bumped to 0.1 with a new ORDER BY: two decisions to take.
fn bumped(p: &Project) {
    p.write(
        "aircraft.kdl",
        &AIRCRAFT_0_0
            .replace("\"0.0\"", "\"0.1\"")
            .replace("order-by icao24", "order-by icao24 callsign"),
    );
}

fn plan_yaml(p: &Project, id: &str) -> String {
    std::fs::read_to_string(p.path().join("migrations").join(id).join("plan.yaml"))
        .unwrap_or_else(|e| panic!("{id}/plan.yaml: {e}"))
}

fn plans(p: &Project) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(p.path().join("migrations"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    ids.sort();
    ids
}

fn code(o: &std::process::Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

#[test]
fn accept_all_from_the_environment_decides_a_version_bump() {
    let p = Project::new("shop")
        .schema("aircraft.kdl", AIRCRAFT_0_0)
        .plan("init");
    bumped(&p);

    // Off ("0", and "false" in any case): nobody decided, nothing written.
    for off in ["0", "false", "FALSE", ""] {
        let o = chplan_with(
            p.path(),
            &["plan", "--name", "reorder"],
            &[("CHPLAN_ACCEPT_ALL", off)],
        );
        assert_eq!(code(&o), 1, "CHPLAN_ACCEPT_ALL={off}:\n{}", text(&o));
        assert!(text(&o).contains("nobody decided"), "{}", text(&o));
        assert_eq!(plans(&p), ["0001_init"]);
    }

    // On: as --yes-all, the rows are copied and the old version dropped.
    let o = chplan_with(
        p.path(),
        &["plan", "--name", "reorder"],
        &[("CHPLAN_ACCEPT_ALL", "1")],
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let yaml = plan_yaml(&p, "0002_reorder");
    assert!(yaml.contains("kind: Backfill"), "{yaml}");
    assert!(yaml.contains("destructive: true"), "{yaml}");
}

#[test]
fn accept_destructive_from_the_environment_approves_a_drop() {
    let p = Project::new("shop")
        .schema("aircraft.kdl", AIRCRAFT_0_0)
        .schema("users.kdl", USERS)
        .plan("init");
    p.remove("users.kdl");

    let o = chplan_with(p.path(), &["plan", "--name", "drop_users"], &[]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("destructive operations need approval"));
    assert_eq!(plans(&p), ["0001_init"]);

    let o = chplan_with(
        p.path(),
        &["plan", "--name", "drop_users"],
        &[("CHPLAN_ACCEPT_DESTRUCTIVE", "true")],
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let yaml = plan_yaml(&p, "0002_drop_users");
    assert!(yaml.contains("kind: DropTable"), "{yaml}");
}

#[test]
fn no_auto_backfill_sql_from_the_environment_plans_no_copy() {
    let p = Project::new("shop")
        .schema("aircraft.kdl", AIRCRAFT_0_0)
        .plan("init");
    bumped(&p);
    let o = chplan_with(
        p.path(),
        &["plan", "--name", "reorder"],
        &[
            ("CHPLAN_ACCEPT_ALL", "1"),
            ("CHPLAN_NO_AUTO_BACKFILL_SQL", "yes"),
        ],
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let yaml = plan_yaml(&p, "0002_reorder");
    assert!(!yaml.contains("kind: Backfill"), "{yaml}");
    assert!(yaml.contains("aircraft_0_1"), "{yaml}");
}

#[test]
fn a_value_neither_on_nor_off_is_refused_and_named() {
    let p = Project::new("shop")
        .schema("aircraft.kdl", AIRCRAFT_0_0)
        .plan("init");
    bumped(&p);
    for (var, args) in [
        ("CHPLAN_ACCEPT_ALL", vec!["plan"]),
        ("CHPLAN_ACCEPT_DESTRUCTIVE", vec!["plan"]),
        ("CHPLAN_NO_AUTO_BACKFILL_SQL", vec!["plan"]),
        (
            "CHPLAN_ACCEPT_DESTRUCTIVE",
            vec!["apply", "--url", "http://127.0.0.1:9"],
        ),
        (
            "CHPLAN_ACCEPT_ALL",
            vec!["dev", "--url", "http://127.0.0.1:9"],
        ),
    ] {
        let o = chplan_with(p.path(), &args, &[(var, "maybe")]);
        assert_eq!(code(&o), 2, "{var} for {args:?}:\n{}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&format!(
                "{var}=maybe is neither on (1, true, yes, on) nor off"
            )),
            "{err}"
        );
    }
    assert_eq!(plans(&p), ["0001_init"]);
}

#[test]
fn help_names_the_variables() {
    let dir = Project::new("shop");
    let help = |cmd: &str| ok(dir.path(), &[cmd, "--help"]);
    let plan = help("plan");
    for var in [
        "[env: CHPLAN_ACCEPT_ALL=]",
        "[env: CHPLAN_ACCEPT_DESTRUCTIVE=]",
        "[env: CHPLAN_NO_AUTO_BACKFILL_SQL=]",
    ] {
        assert!(plan.contains(var), "{plan}");
    }
    assert!(help("apply").contains("[env: CHPLAN_ACCEPT_DESTRUCTIVE=]"));
    assert!(help("dev").contains("[env: CHPLAN_ACCEPT_ALL=]"));
}

fn tables(db: &str) -> String {
    support::clickhouse()
        .exec(&format!(
            "SELECT groupArray(name) FROM (SELECT name FROM system.tables \
             WHERE database = '{db}' AND NOT startsWith(name, '_chplan') ORDER BY name)"
        ))
        .trim()
        .to_owned()
}

#[test]
fn apply_takes_accept_destructive_from_the_environment() {
    let url = support::clickhouse().url();
    let p = Project::fresh("env_apply")
        .schema("aircraft.kdl", AIRCRAFT_0_0)
        .schema("users.kdl", USERS)
        .plan("init");
    ok(p.path(), &["apply", "--url", url]);
    p.remove("users.kdl");
    ok(
        p.path(),
        &["plan", "--name", "drop_users", "--yes-destructive"],
    );

    let o = chplan_with(p.path(), &["apply", "--url", url], &[]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("destructive operation(s) pending"));
    assert_eq!(tables(p.database()), "['aircraft_0_0','users']");

    let o = chplan_with(
        p.path(),
        &["apply", "--url", url],
        &[("CHPLAN_ACCEPT_DESTRUCTIVE", "1")],
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(tables(p.database()), "['aircraft_0_0']");
}

/// `chplan dev` on `dir` with `env`; its output lines until one contains `until` (or 60 s).
fn dev_until(dir: &Path, env: &[(&str, &str)], until: &str) -> Vec<String> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chplan"));
    cmd.args(["dev", "--debounce-ms", "100", "--url"])
        .arg(support::clickhouse().url())
        .arg("--project")
        .arg(dir);
    support::cli::clean_env(&mut cmd);
    let mut child = cmd
        .envs(env.iter().copied())
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
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut lines = Vec::new();
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
            let done = line.contains(until);
            lines.push(line);
            if done {
                break;
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        lines.iter().any(|l| l.contains(until)),
        "no `{until}` from dev within 60 s:\n{}",
        lines.join("\n")
    );
    lines
}

#[test]
fn dev_takes_accept_all_from_the_environment() {
    let url = support::clickhouse().url();
    let p = Project::fresh("env_dev")
        .schema("aircraft.kdl", AIRCRAFT_0_0)
        .schema("users.kdl", USERS)
        .plan("init");
    ok(p.path(), &["apply", "--url", url]);
    p.remove("users.kdl");

    dev_until(p.path(), &[], "need approval");
    assert_eq!(tables(p.database()), "['aircraft_0_0','users']");

    dev_until(p.path(), &[("CHPLAN_ACCEPT_ALL", "1")], "- table users");
    assert_eq!(tables(p.database()), "['aircraft_0_0']");
}

// At a terminal (a pseudo-terminal as stdin, stdout and stderr): the prompts.

use support::pty::Terminal;

#[test]
fn a_non_answer_is_asked_again_and_a_chosen_drop_is_not_asked_twice() {
    let p = Project::new("shop")
        .schema("aircraft.kdl", AIRCRAFT_0_0)
        .plan("init");
    bumped(&p);
    let mut t = Terminal::spawn(p.path(), &["plan", "--name", "reorder"], &[]);
    let backfill = "Backfill data from aircraft_0_0 into aircraft_0_1? [Y/n] ";
    t.expect(backfill);
    t.send("maybe\n");
    t.expect("`maybe` is not an answer: type y or n (or Enter for yes)");
    t.expect(backfill);
    t.send("Y\n");
    t.expect("Keep old table aircraft_0_0?");
    t.send("n\n");
    assert_eq!(t.wait(), 0, "{}", t.screen());
    let screen = t.screen();
    // The drop was chosen at the keep question: not confirmed again.
    assert!(!screen.contains("Write it?"), "{screen}");
    assert_eq!(screen.matches("Keep old table").count(), 1, "{screen}");
    let yaml = plan_yaml(&p, "0002_reorder");
    assert!(yaml.contains("kind: Backfill"), "{yaml}");
    assert!(yaml.contains("destructive: true"), "{yaml}");
}

#[test]
fn a_removed_table_is_confirmed_once_and_enter_means_no() {
    let p = Project::new("shop")
        .schema("aircraft.kdl", AIRCRAFT_0_0)
        .schema("users.kdl", USERS)
        .plan("init");
    p.remove("users.kdl");
    let mut t = Terminal::spawn(p.path(), &["plan", "--name", "drop_users"], &[]);
    t.expect("Write it? [y/N] ");
    t.send("\n");
    assert_eq!(t.wait(), 1, "{}", t.screen());
    assert!(t.screen().contains("not written"), "{}", t.screen());
    assert_eq!(plans(&p), ["0001_init"]);

    let mut t = Terminal::spawn(p.path(), &["plan", "--name", "drop_users"], &[]);
    t.expect("Write it? [y/N] ");
    t.send("yes\n");
    assert_eq!(t.wait(), 0, "{}", t.screen());
    assert_eq!(t.screen().matches("Write it?").count(), 1);
    assert!(plan_yaml(&p, "0002_drop_users").contains("kind: DropTable"));
}

#[test]
fn end_of_input_takes_the_default_and_says_so() {
    let p = Project::new("shop")
        .schema("aircraft.kdl", AIRCRAFT_0_0)
        .plan("init");
    bumped(&p);
    let mut t = Terminal::spawn(p.path(), &["plan", "--name", "reorder"], &[]);
    t.expect("[Y/n] ");
    t.send_eof();
    t.expect("(end of input: taking the default, yes)");
    t.expect("Keep old table aircraft_0_0?");
    t.send_eof();
    t.expect("(end of input: taking the default, no)");
    // Nobody typed the drop: it is confirmed once more, and the end of input says no.
    t.expect("Write it? [y/N] ");
    t.send_eof();
    t.expect("(end of input: taking the default, no)");
    assert_eq!(t.wait(), 1, "{}", t.screen());
    assert_eq!(plans(&p), ["0001_init"]);
}

#[test]
fn why_a_backfill_is_impossible_comes_before_the_question_it_decides() {
    let p = Project::new("shop")
        .schema("aircraft.kdl", AIRCRAFT_0_0)
        .plan("init");
    bumped(&p);
    p.write(
        "aircraft.kdl",
        &std::fs::read_to_string(p.path().join("schemas/aircraft.kdl"))
            .unwrap()
            .replace("column callsign String", "column callsign UInt64"),
    );
    let mut t = Terminal::spawn(p.path(), &["plan", "--name", "reorder"], &[]);
    let before = t.expect("Keep old table aircraft_0_0?");
    assert!(
        before.contains("not backfilled, the data cannot be copied as is: column `callsign`"),
        "{before}"
    );
    t.send("y\n");
    assert_eq!(t.wait(), 0, "{}", t.screen());
    assert_eq!(t.screen().matches("not backfilled").count(), 1);
    assert!(p.path().join("schemas/retained_aircraft_0_0.kdl").exists());
}

#[test]
fn apply_asks_again_and_takes_no_at_the_end_of_input() {
    let url = support::clickhouse().url();
    let p = Project::fresh("ask_apply")
        .schema("aircraft.kdl", AIRCRAFT_0_0)
        .schema("users.kdl", USERS)
        .plan("init");
    ok(p.path(), &["apply", "--url", url]);
    p.remove("users.kdl");
    ok(
        p.path(),
        &["plan", "--name", "drop_users", "--yes-destructive"],
    );

    let question = "apply them? [y/N] ";
    let mut t = Terminal::spawn(p.path(), &["apply", "--url", url], &[]);
    t.expect(question);
    t.send("sure\n");
    t.expect("`sure` is not an answer");
    t.expect(question);
    t.send_eof();
    t.expect("(end of input: taking the default, no)");
    assert_eq!(t.wait(), 1, "{}", t.screen());
    assert_eq!(tables(p.database()), "['aircraft_0_0','users']");

    let mut t = Terminal::spawn(p.path(), &["apply", "--url", url], &[]);
    t.expect(question);
    t.send("y\n");
    assert_eq!(t.wait(), 0, "{}", t.screen());
    assert_eq!(tables(p.database()), "['aircraft_0_0']");
}

// Without a terminal: the refusals that suggest a flag say why nobody was asked.

#[test]
fn refusals_say_why_no_question_was_asked() {
    let neither = "no question was asked: standard input and standard error are not terminals";
    let p = Project::new("shop")
        .schema("aircraft.kdl", AIRCRAFT_0_0)
        .schema("users.kdl", USERS)
        .plan("init");
    bumped(&p);
    // An undecided version bump (its help suggests --yes-all).
    let o = chplan_with(p.path(), &["plan", "--name", "reorder"], &[]);
    assert_eq!(code(&o), 1);
    assert!(text(&o).contains("--yes-all"), "{}", text(&o));
    assert!(
        text(&o).contains(&format!("chplan plan: {neither}")),
        "{}",
        text(&o)
    );
    // At a terminal, with the input from /dev/null.
    let mut t = Terminal::spawn_without_input(p.path(), &["plan", "--name", "reorder"], &[]);
    assert_eq!(t.wait(), 1);
    assert!(
        t.screen()
            .contains("no question was asked: standard input is not a terminal"),
        "{}",
        t.screen()
    );

    // A destructive plan (the refusal suggests --yes-destructive and --yes-all).
    p.write("aircraft.kdl", AIRCRAFT_0_0);
    p.remove("users.kdl");
    let o = chplan_with(p.path(), &["plan", "--name", "drop_users"], &[]);
    assert_eq!(code(&o), 1);
    assert!(
        text(&o).contains(&format!("or at a terminal to be asked ({neither})")),
        "{}",
        text(&o)
    );
    assert_eq!(plans(&p), ["0001_init"]);
}

#[test]
fn apply_says_why_no_question_was_asked() {
    let url = support::clickhouse().url();
    let p = Project::fresh("why_apply")
        .schema("aircraft.kdl", AIRCRAFT_0_0)
        .schema("users.kdl", USERS)
        .plan("init");
    ok(p.path(), &["apply", "--url", url]);
    p.remove("users.kdl");
    ok(
        p.path(),
        &["plan", "--name", "drop_users", "--yes-destructive"],
    );
    let o = chplan_with(p.path(), &["apply", "--url", url], &[]);
    assert_eq!(code(&o), 1);
    assert!(
        text(&o).contains(
            "run again with --yes-destructive to approve them (no question was asked: \
             standard input and standard error are not terminals)"
        ),
        "{}",
        text(&o)
    );
    assert_eq!(tables(p.database()), "['aircraft_0_0','users']");
}
