//! Every plan directory keeps the state it ends at (`NNNN_x/state.json`): the CLI writes it,
//! `chplan.sum` seals it, `check` notices it missing or changed (E407), `reseal` restores it
//! for the newest plan only, and the start and end states of every plan match its digests.

mod support;

use std::fs;
use std::path::Path;

use chplan_runner::artifacts::digest;
use chplan_runner::artifacts::state::State;
use chplan_runner::migrations::{EMPTY_FROM_STATE, MigrationDir};
use support::Project;
use support::cli::{fails, ok};

const SCHEMAS: [&str; 3] = [
    "table events {\n    column id String\n    order-by id\n}\n",
    "table events {\n    column id String\n    column status String\n    order-by id\n}\n\
     view by_status {\n    select \"SELECT status, count() AS n FROM events GROUP BY status\"\n}\n",
    "table events {\n    column id String\n    column status \"LowCardinality(String)\"\n    order-by id\n}\n\
     view by_status {\n    select \"SELECT status, count() AS n FROM events GROUP BY status\"\n}\n",
];

/// A project with three plans made by `chplan plan`.
fn three_plans() -> (Project, MigrationDir) {
    let tmp = Project::new("shop");
    let p = tmp.path();
    for (n, schema) in SCHEMAS.iter().enumerate() {
        tmp.write("events.kdl", schema);
        ok(p, &["plan", "--name", &format!("step {n}")]);
    }
    ok(p, &["check", "--deny-warnings"]);
    let dir = MigrationDir::new(p.join("migrations"));
    (tmp, dir)
}

fn state_path(dir: &MigrationDir, id: &str) -> std::path::PathBuf {
    dir.root.join(id).join("state.json")
}

#[test]
fn start_and_end_states_match_every_plans_digests() {
    let (_tmp, dir) = three_plans();
    let ids = dir.plan_ids().unwrap();
    assert_eq!(ids, ["0001_step_0", "0002_step_1", "0003_step_2"]);
    let mut previous_end: Option<State> = None;
    for id in &ids {
        let plan = dir.read_plan(id).unwrap();
        let bytes = fs::read(state_path(&dir, id)).unwrap();
        assert_eq!(digest(&bytes), plan.to_state, "{id}: end state");
        let (end, end_digest) = dir.read_plan_state(id).unwrap().unwrap();
        assert_eq!(end_digest, plan.to_state, "{id}");
        assert_eq!(end.digest(), plan.to_state, "{id}: re-serialised end state");

        let (start, recorded) = dir.read_plan_start_state(id).unwrap().unwrap();
        assert_eq!(recorded, plan.from_state, "{id}: start state");
        match &previous_end {
            // The first plan starts from nothing: the planner records `empty`, not a digest.
            None => {
                assert_eq!(plan.from_state, EMPTY_FROM_STATE);
                assert_eq!(start, State::empty("shop", None));
            }
            Some(prev) => {
                assert_eq!(&start, prev, "{id}");
                assert_eq!(digest(start.to_json().as_bytes()), plan.from_state, "{id}");
            }
        }
        previous_end = Some(end);
    }
    // The newest plan's state.json is the root one, byte for byte.
    assert_eq!(
        fs::read(state_path(&dir, "0003_step_2")).unwrap(),
        fs::read(dir.root.join("state.json")).unwrap()
    );
    let sum = dir.read_sum().unwrap().unwrap();
    for id in &ids {
        assert!(sum.contains(&format!("\n{id}/state.json sha256:")), "{sum}");
    }
}

#[test]
fn check_reports_a_missing_plan_state_and_reseal_restores_only_the_newest() {
    let (tmp, dir) = three_plans();
    let p = tmp.path();
    for id in ["0002_step_1", "0003_step_2"] {
        fs::remove_file(state_path(&dir, id)).unwrap();
    }
    ok(p, &["reseal"]); // seals the directory as it is, restoring what it can prove
    let out = fails(p, &["check"]);
    assert!(
        out.contains("E407") && out.contains("migrations/0002_step_1/state.json is missing"),
        "{out}"
    );
    assert!(out.contains("git show"), "{out}");
    assert!(!out.contains("0003_step_2/state.json"), "{out}");
    assert!(!out.contains("E403"), "{out}");
    assert!(state_path(&dir, "0003_step_2").exists());
    assert!(!state_path(&dir, "0002_step_1").exists());
}

#[test]
fn check_reports_a_changed_plan_state_even_when_resealed() {
    let (tmp, dir) = three_plans();
    let p = tmp.path();
    let path = state_path(&dir, "0002_step_1");
    let changed = fs::read_to_string(&path)
        .unwrap()
        .replace("\"String\"", "\"LowCardinality(String)\"");
    fs::write(&path, changed).unwrap();
    let out = fails(p, &["check"]);
    assert!(
        out.contains("E403") && out.contains("0002_step_1/state.json"),
        "{out}"
    );
    assert!(
        out.contains("0002_step_1/state.json is not the state its plan ends at"),
        "{out}"
    );
    ok(p, &["reseal"]);
    let out = fails(p, &["check"]);
    assert!(!out.contains("E403"), "{out}");
    assert!(
        out.contains("E407") && out.contains("0002_step_1/state.json is not the state"),
        "{out}"
    );
}

#[test]
fn check_reports_an_unreadable_plan_state() {
    let (tmp, dir) = three_plans();
    fs::write(state_path(&dir, "0001_step_0"), "{ not json").unwrap();
    ok(tmp.path(), &["reseal"]);
    let out = fails(tmp.path(), &["check"]);
    assert!(
        out.contains("E407") && out.contains("migrations/0001_step_0/state.json:"),
        "{out}"
    );
}

#[test]
fn reseal_repairs_a_changed_newest_plan_state_from_the_root_one() {
    let (tmp, dir) = three_plans();
    let p = tmp.path();
    fs::write(state_path(&dir, "0003_step_2"), "{}\n").unwrap();
    let out = fails(p, &["check"]);
    assert!(
        out.contains("E407") && out.contains("chplan reseal"),
        "{out}"
    );
    let out = ok(p, &["reseal"]);
    assert!(out.contains("wrote 0003_step_2/state.json"), "{out}");
    ok(p, &["check", "--deny-warnings"]);
}

#[test]
fn check_reports_a_root_state_that_is_not_the_newest_plans() {
    let (tmp, dir) = three_plans();
    let p = tmp.path();
    // The root state.json set back to the second plan's end state, and resealed.
    fs::copy(state_path(&dir, "0002_step_1"), dir.root.join("state.json")).unwrap();
    ok(p, &["reseal"]);
    let out = fails(p, &["check"]);
    assert!(
        out.contains("E407")
            && out.contains(
                "migrations/state.json is not the state the newest plan, 0003_step_2, ends at"
            ),
        "{out}"
    );
    assert!(
        out.contains("copy migrations/0003_step_2/state.json"),
        "{out}"
    );
    // Nothing was rewritten from a root file that proves nothing.
    assert_eq!(
        digest(&fs::read(state_path(&dir, "0003_step_2")).unwrap()),
        dir.read_plan("0003_step_2").unwrap().to_state
    );
    // Following the help fixes it.
    fs::copy(state_path(&dir, "0003_step_2"), dir.root.join("state.json")).unwrap();
    ok(p, &["reseal"]);
    ok(p, &["check", "--deny-warnings"]);
}

#[test]
fn example_project_plans_keep_their_states() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = MigrationDir::new(root.join("migrations"));
    let ids = dir.plan_ids().unwrap();
    assert!(!ids.is_empty());
    for id in ids {
        let plan = dir.read_plan(&id).unwrap();
        let (_, d) = dir
            .read_plan_state(&id)
            .unwrap()
            .unwrap_or_else(|| panic!("{id} has no state.json"));
        assert_eq!(d, plan.to_state, "{id}");
        let (_, from) = dir.read_plan_start_state(&id).unwrap().unwrap();
        assert_eq!(from, plan.from_state, "{id}");
    }
}

/// Replaces a line of a plan.yaml (a reviewed hand edit), then re-seals.
fn edit_plan(p: &Path, dir: &MigrationDir, id: &str, key: &str, value: &str) {
    let path = dir.root.join(id).join("plan.yaml");
    let text = fs::read_to_string(&path).unwrap();
    let edited: Vec<String> = text
        .lines()
        .map(|l| {
            if l.starts_with(&format!("{key}: ")) {
                format!("{key}: {value}")
            } else {
                l.to_string()
            }
        })
        .collect();
    fs::write(&path, edited.join("\n") + "\n").unwrap();
    ok(p, &["reseal"]);
}

#[test]
fn check_reports_plans_that_do_not_follow_on() {
    let (tmp, dir) = three_plans();
    let p = tmp.path();
    let other = digest(b"another state");
    edit_plan(p, &dir, "0003_step_2", "from_state", &other);
    let out = fails(p, &["check"]);
    assert!(
        out.contains("E407")
            && out.contains(
                "migrations/0003_step_2 does not start from the state the plan before it, 0002_step_1, ends at"
            ),
        "{out}"
    );
    assert_eq!(
        dir.read_plan_start_state("0003_step_2").unwrap().unwrap().1,
        dir.read_plan("0002_step_1").unwrap().to_state
    );

    let (tmp, dir) = three_plans();
    let p = tmp.path();
    edit_plan(p, &dir, "0001_step_0", "from_state", &other);
    let out = fails(p, &["check"]);
    assert!(
        out.contains(
            "migrations/0001_step_0 is the first plan, but it does not start from an empty database"
        ),
        "{out}"
    );
    // Its start state is not in the artifacts.
    assert_eq!(dir.read_plan_start_state("0001_step_0").unwrap(), None);
}

#[test]
fn a_recorded_start_state_is_the_start_and_is_checked() {
    let (tmp, dir) = three_plans();
    let p = tmp.path();
    // As `plan --url` writes it: the live state the plan was made against, whose digest the
    // plan records as from_state. Here: the state the previous plan ends at.
    let start = dir.root.join("0002_step_1/start.json");
    fs::copy(state_path(&dir, "0001_step_0"), &start).unwrap();
    ok(p, &["reseal"]);
    assert!(
        dir.read_sum()
            .unwrap()
            .unwrap()
            .contains("\n0002_step_1/start.json sha256:")
    );
    ok(p, &["check", "--deny-warnings"]);
    let (s, d) = dir.read_plan_start_state("0002_step_1").unwrap().unwrap();
    assert_eq!(d, dir.read_plan("0002_step_1").unwrap().from_state);
    assert_eq!(s, dir.read_plan_start("0002_step_1").unwrap().unwrap().0);

    // Changed: the sum notices, and so does the start check once re-sealed.
    let changed = fs::read_to_string(&start)
        .unwrap()
        .replace("\"String\"", "\"UUID\"");
    fs::write(&start, changed).unwrap();
    let out = fails(p, &["check"]);
    assert!(
        out.contains("E403") && out.contains("0002_step_1/start.json"),
        "{out}"
    );
    ok(p, &["reseal"]);
    let out = fails(p, &["check"]);
    assert!(
        out.contains("E407")
            && out.contains(
                "migrations/0002_step_1/start.json is not the state its plan starts from"
            ),
        "{out}"
    );
}

/// A history `check` verified clean is recorded by its bytes (`.chplan/cache/`, ignored by
/// git) and not parsed again; a schema change, an edited and resealed plan, or a tampered file
/// is still found on the next check.
#[test]
fn a_verified_history_is_recorded_and_every_change_is_still_found() {
    let (tmp, dir) = three_plans();
    let p = tmp.path();
    let cache = p.join(".chplan/cache/verified-migrations");
    let recorded = fs::read_to_string(&cache).unwrap();
    assert_eq!(
        recorded.lines().count(),
        2,
        "history and sources: {recorded}"
    );
    assert_eq!(
        fs::read_to_string(p.join(".chplan/.gitignore"))
            .unwrap()
            .lines()
            .last(),
        Some("*")
    );
    ok(p, &["check", "--deny-warnings"]);
    assert_eq!(
        fs::read_to_string(&cache).unwrap(),
        recorded,
        "same history, same record"
    );

    tmp.write(
        "events.kdl",
        &format!(
            "{}    column more UInt8\n}}\n",
            &SCHEMAS[0][..SCHEMAS[0].len() - 2]
        ),
    );
    let out = fails(p, &["check"]);
    assert!(out.contains("E402") && out.contains("more"), "{out}");
    tmp.write("events.kdl", SCHEMAS[2]);
    ok(p, &["check", "--deny-warnings"]);

    let ids = dir.plan_ids().unwrap();
    edit_plan(
        p,
        &dir,
        &ids[1],
        "from_state",
        &format!("sha256:{}", "0".repeat(64)),
    );
    let out = fails(p, &["check"]);
    assert!(out.contains("E407"), "{out}");
    assert_eq!(
        fs::read_to_string(&cache).unwrap(),
        recorded,
        "a history with problems is not recorded"
    );
}
