//! The migration directory: numbered plans, `state.json`, `chplan.sum`, written atomically.
//!
//! ```text
//! migrations/
//!   0001_init/plan.yaml    the plan's operations
//!   0001_init/up.sql       the same as one script (generated from plan.yaml)
//!   0001_init/start.json   the state the plan starts from, only for a plan made against a
//!                          live database (`plan --url`; its digest is the plan's `from_state`)
//!   0001_init/state.json   the state the plan ends at (its digest is the plan's `to_state`)
//!   state.json             the state the newest plan ends at (what `plan` diffs against)
//!   chplan.sum             digests of all of the above
//! ```

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::artifacts::digest;
use crate::artifacts::plan::{PLAN_FORMAT_VERSION, Plan};
use crate::artifacts::state::State;

pub const STATE_FILE: &str = "state.json";
/// A plan made against a live database keeps the state it started from.
pub const START_FILE: &str = "start.json";
pub const SUM_FILE: &str = "chplan.sum";
pub const PLAN_FILE: &str = "plan.yaml";
pub const UP_FILE: &str = "up.sql";
/// What the first plan records as `from_state`: it starts from no state.json at all.
pub const EMPTY_FROM_STATE: &str = "empty";

pub struct MigrationDir {
    pub root: PathBuf,
}

impl MigrationDir {
    pub fn new(root: PathBuf) -> Self {
        MigrationDir { root }
    }

    pub fn read_state(&self) -> Result<Option<State>, String> {
        Ok(self.read_state_with_digest()?.map(|(s, _)| s))
    }

    /// The state and the digest of the file's bytes (what plans record as `from_state`).
    pub fn read_state_with_digest(&self) -> Result<Option<(State, String)>, String> {
        read_state_file(&self.root.join(STATE_FILE))
    }

    /// The state plan `id` ends at (`NNNN_slug/state.json`) and the digest of the file's bytes,
    /// which equals the plan's `to_state` unless the file was changed. `None` when the plan
    /// has no state.json (plans made before chplan wrote one).
    pub fn read_plan_state(&self, id: &str) -> Result<Option<(State, String)>, String> {
        read_state_file(&self.root.join(id).join(STATE_FILE))
    }

    /// The state plan `id` starts from, with the value its `from_state` records for it:
    /// the plan's start.json when it has one (made against a live database), else the previous
    /// plan's state.json, each with the digest of its bytes; for the first plan, the empty
    /// state of the plan's database and cluster with [`EMPTY_FROM_STATE`] (the planner records
    /// `empty`, not a digest, when there is no state.json yet). So for an untouched directory
    /// the string equals the plan's `from_state`. `None` when the artifacts do not hold the
    /// start state: the previous plan has no state.json, or the first plan does not start from
    /// `empty`. An error when `id` is not a plan of the directory.
    pub fn read_plan_start_state(&self, id: &str) -> Result<Option<(State, String)>, String> {
        let ids = self.plan_ids()?;
        let Some(at) = ids.iter().position(|i| i == id) else {
            return Err(format!("no plan {id} in {}", self.root.display()));
        };
        if let Some(start) = self.read_plan_start(id)? {
            return Ok(Some(start));
        }
        if at > 0 {
            return self.read_plan_state(&ids[at - 1]);
        }
        let plan = self.read_plan(id)?;
        if plan.from_state != EMPTY_FROM_STATE {
            return Ok(None);
        }
        Ok(Some((
            State::empty(&plan.database, plan.cluster.as_deref()),
            EMPTY_FROM_STATE.to_string(),
        )))
    }

    /// Writes the newest plan's state.json from the root state.json when it is missing or not
    /// the plan's end state, and the root file is (its digest equals the plan's `to_state`):
    /// the one snapshot whose content the directory proves. The root file's bytes are copied
    /// as they are. Returns the plan id when it wrote the file; does not update chplan.sum.
    /// The newest plan ends at `state` from now on: its plan.yaml's `to_state`, its up.sql,
    /// its state.json and the root state.json are rewritten (each atomically; `chplan.sum` is
    /// the caller's to write after).
    pub fn set_newest_plan_state(&self, plan: &Plan, state: &State) -> Result<(), String> {
        let json = state.to_json();
        let mut plan = plan.clone();
        plan.to_state = digest(json.as_bytes());
        let dir = self.root.join(&plan.id);
        write_atomic(&dir.join(STATE_FILE), json.as_bytes())?;
        write_atomic(&dir.join(PLAN_FILE), plan_yaml(&plan)?.as_bytes())?;
        write_atomic(&dir.join(UP_FILE), up_sql(&plan).as_bytes())?;
        write_atomic(&self.root.join(STATE_FILE), json.as_bytes())
    }

    pub fn restore_newest_plan_state(&self) -> Result<Option<String>, String> {
        let Some(id) = self.plan_ids()?.pop() else {
            return Ok(None);
        };
        let plan = self.read_plan(&id)?;
        let snapshot = self.root.join(&id).join(STATE_FILE);
        let current = match fs::read(&snapshot) {
            Ok(bytes) => Some(digest(&bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("cannot read {}: {e}", snapshot.display())),
        };
        if current.as_deref() == Some(plan.to_state.as_str()) {
            return Ok(None);
        }
        let root = self.root.join(STATE_FILE);
        let bytes = match fs::read(&root) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", root.display())),
        };
        if digest(&bytes) != plan.to_state {
            return Ok(None);
        }
        write_atomic(&snapshot, &bytes)?;
        Ok(Some(id))
    }

    /// The state plan `id` starts from when it was made against a live database
    /// (`NNNN_slug/start.json`, its digest the plan's `from_state`); `None` when absent.
    pub fn read_plan_start(&self, id: &str) -> Result<Option<(State, String)>, String> {
        read_state_file(&self.root.join(id).join(START_FILE))
    }

    /// Plan directory names (`0001_init`, ...), in order.
    pub fn plan_ids(&self) -> Result<Vec<String>, String> {
        let entries = match fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(format!("cannot read {}: {e}", self.root.display())),
        };
        let mut ids = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| e.to_string())?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let numbered = name.len() > 5
                && name.as_bytes()[..4].iter().all(u8::is_ascii_digit)
                && name.as_bytes()[4] == b'_';
            if numbered && entry.path().is_dir() {
                ids.push(name);
            }
        }
        ids.sort();
        Ok(ids)
    }

    pub fn read_plan(&self, id: &str) -> Result<Plan, String> {
        let path = self.root.join(id).join(PLAN_FILE);
        let text = fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        parse_plan(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn next_id(&self, slug: &str) -> Result<String, String> {
        let ids = self.plan_ids()?;
        let n = ids
            .last()
            .and_then(|id| id[..4].parse::<u32>().ok())
            .unwrap_or(0)
            + 1;
        Ok(format!("{n:04}_{}", slugify(slug)))
    }

    /// Writes a new plan and the new state: the plan directory (plan.yaml, up.sql, the state
    /// it ends at, state.json, and for a plan made against a live database the state it starts
    /// from, start.json) is assembled under a temporary name and renamed into place, then the
    /// root state.json (the same bytes as the plan's) and chplan.sum are replaced atomically:
    /// an interrupted run leaves the previous files intact (and `check` notices a half-done
    /// one). `state` must be the plan's end state (its digest, `to_state`) and `start` its
    /// start state (`from_state`).
    pub fn write_plan(
        &self,
        plan: &Plan,
        state: &State,
        start: Option<&State>,
    ) -> Result<(), String> {
        let state_json = state.to_json();
        if digest(state_json.as_bytes()) != plan.to_state {
            return Err(format!(
                "plan {}: the state to write is not the one the plan ends at (to_state {})",
                plan.id, plan.to_state
            ));
        }
        let start_json = start.map(State::to_json);
        if let Some(json) = &start_json
            && digest(json.as_bytes()) != plan.from_state
        {
            return Err(format!(
                "plan {}: the start state to write is not the one the plan starts from (from_state {})",
                plan.id, plan.from_state
            ));
        }
        fs::create_dir_all(&self.root)
            .map_err(|e| format!("cannot create {}: {e}", self.root.display()))?;
        let final_dir = self.root.join(&plan.id);
        if final_dir.exists() {
            return Err(format!("{} already exists", final_dir.display()));
        }
        let tmp = self.root.join(format!(".{}.tmp", plan.id));
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir(&tmp).map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
        write_atomic(&tmp.join(PLAN_FILE), plan_yaml(plan)?.as_bytes())?;
        write_atomic(&tmp.join(UP_FILE), up_sql(plan).as_bytes())?;
        if let Some(json) = &start_json {
            write_atomic(&tmp.join(START_FILE), json.as_bytes())?;
        }
        write_atomic(&tmp.join(STATE_FILE), state_json.as_bytes())?;
        fs::rename(&tmp, &final_dir)
            .map_err(|e| format!("cannot rename into {}: {e}", final_dir.display()))?;
        write_atomic(&self.root.join(STATE_FILE), state_json.as_bytes())?;
        // The files just written are not read back to be hashed: their digests are known.
        let id = &plan.id;
        let known = BTreeMap::from([
            (format!("{id}/{STATE_FILE}"), plan.to_state.clone()),
            (STATE_FILE.to_string(), plan.to_state.clone()),
        ]);
        let sum = self.compute_sum_knowing(&known)?;
        write_atomic(&self.root.join(SUM_FILE), sum.as_bytes())
    }

    /// The lines of `chplan.sum`: every artifact with its digest, then a digest of them all.
    /// Plans in order, each with plan.yaml, up.sql, start.json, state.json; then the root
    /// state.json. A
    /// file that does not exist has no line (so a directory sealed before plans kept their
    /// state.json keeps its sum).
    pub fn compute_sum(&self) -> Result<String, String> {
        self.compute_sum_knowing(&BTreeMap::new())
    }

    /// `compute_sum`, with the digests of some files (by their line's name) already known.
    fn compute_sum_knowing(&self, known: &BTreeMap<String, String>) -> Result<String, String> {
        let mut files = Vec::new();
        for id in self.plan_ids()? {
            files.push(format!("{id}/{PLAN_FILE}"));
            files.push(format!("{id}/{UP_FILE}"));
            files.push(format!("{id}/{START_FILE}"));
            files.push(format!("{id}/{STATE_FILE}"));
        }
        files.push(STATE_FILE.to_string());
        let mut body = String::new();
        for f in files {
            let path = self.root.join(&f);
            if let Some(d) = known.get(&f) {
                body.push_str(&format!("{f} {d}\n"));
                continue;
            }
            let file_digest = match file_digest(&path) {
                Ok(Some(d)) => d,
                Ok(None) => continue,
                Err(e) => return Err(e),
            };
            body.push_str(&format!("{f} {file_digest}\n"));
        }
        Ok(format!("sum {}\n{body}", digest(body.as_bytes())))
    }

    pub fn write_sum(&self) -> Result<(), String> {
        let sum = self.compute_sum()?;
        write_atomic(&self.root.join(SUM_FILE), sum.as_bytes())
    }

    /// What `apply` checks before its first statement: `chplan.sum` seals the files as they
    /// are, and each of `plans` has the up.sql its plan.yaml gives and (when it keeps one) the
    /// state.json its `to_state` names. The error says which file and how to fix it.
    pub fn verify_sealed(&self, plans: &[Plan]) -> Result<(), String> {
        let shown = |f: &str| self.root.join(f).display().to_string();
        let actual = self.compute_sum()?;
        match self.read_sum()? {
            None => {
                return Err(format!(
                    "{} is missing: the migration files are not sealed. Review them, then run \
                     `chplan reseal`",
                    shown(SUM_FILE)
                ));
            }
            Some(recorded) if recorded != actual => {
                return Err(format!(
                    "{} does not match the migration files (changed: {}): they were edited \
                     after they were sealed. If the edit was reviewed and intended, run `chplan \
                     reseal`; otherwise restore the files from version control",
                    shown(SUM_FILE),
                    changed_files(&recorded, &actual).join(", ")
                ));
            }
            Some(_) => {}
        }
        for plan in plans {
            let up = format!("{}/{UP_FILE}", plan.id);
            let text = fs::read_to_string(self.root.join(&up))
                .map_err(|e| format!("cannot read {}: {e}", shown(&up)))?;
            if text != up_sql(plan) {
                return Err(format!(
                    "{} is not the SQL of its plan.yaml: run `chplan reseal`, which writes it \
                     again from plan.yaml",
                    shown(&up)
                ));
            }
            if let Some((_, d)) = self.read_plan_state(&plan.id)?
                && d != plan.to_state
            {
                return Err(format!(
                    "{} is not the state its plan ends at (digest {d}, the plan's to_state is \
                     {}): restore it from version control, then run `chplan reseal`",
                    shown(&format!("{}/{STATE_FILE}", plan.id)),
                    plan.to_state
                ));
            }
        }
        Ok(())
    }

    pub fn read_sum(&self) -> Result<Option<String>, String> {
        match fs::read_to_string(self.root.join(SUM_FILE)) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// The digest of a file's bytes, read in pieces (a history's files are tens of MB); `None`
/// when it does not exist.
pub fn file_digest(path: &Path) -> Result<Option<String>, String> {
    let mut file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mut d = crate::artifacts::Digester::default();
    std::io::copy(&mut file, &mut d).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(Some(d.finish()))
}

/// A state.json and the digest of its bytes; `None` when there is no such file.
fn read_state_file(path: &Path) -> Result<Option<(State, String)>, String> {
    match fs::read_to_string(path) {
        Ok(text) => State::from_json(&text)
            .map(|s| Some((s, digest(text.as_bytes()))))
            .map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

pub fn parse_plan(text: &str) -> Result<Plan, String> {
    let plan: Plan = serde_saphyr::from_str_with_options(text, plan_reader_options(text.len()))
        .map_err(|e| e.to_string())?;
    if plan.format_version != PLAN_FORMAT_VERSION {
        return Err(format!(
            "plan format version {} is not supported (this chplan reads version {PLAN_FORMAT_VERSION})",
            plan.format_version
        ));
    }
    Ok(plan)
}

/// The YAML reader's limits for a plan of `len` bytes. The reader's defaults (250,000 nodes)
/// are a guard for configuration files and refuse plans of more than ~17,000 tables; what the
/// guard is for still holds here: every node, event and scalar byte costs at least one byte of
/// input, so counts bounded by the input's length cannot blow up, and anchors and aliases (which
/// can), never written by `plan_yaml`, stay refused in bulk.
fn plan_reader_options(len: usize) -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    let room = len.saturating_mul(2).saturating_add(1024);
    budget.max_nodes = budget.max_nodes.max(room);
    budget.max_events = budget.max_events.max(room);
    budget.max_total_scalar_bytes = budget.max_total_scalar_bytes.max(room);
    budget.max_aliases = 0;
    budget.max_anchors = 0;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options
}

pub fn plan_yaml(plan: &Plan) -> Result<String, String> {
    let yaml = serde_saphyr::to_string(plan).map_err(|e| e.to_string())?;
    Ok(format!(
        "# chplan migration plan. Review it; edit it if you must (reorder, add RawSql, change SQL),\n# then run `chplan check` and re-seal with `chplan reseal`.\n{yaml}"
    ))
}

/// The plan's operations as one script `clickhouse-client --multiquery` can run.
pub fn up_sql(plan: &Plan) -> String {
    let mut out = format!(
        "-- chplan migration {} (database {}), generated from plan.yaml: edit the plan, not this file.\n",
        plan.id, plan.database
    );
    for op in &plan.operations {
        out.push_str(&format!(
            "\n-- [{}] {}{}\n{};\n",
            op.id,
            op.description.replace('\n', " "),
            if op.destructive && !op.description.contains("destructive") {
                " (destructive)"
            } else {
                ""
            },
            op.sql.trim_end().trim_end_matches(';')
        ));
    }
    out
}

pub fn slugify(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_string();
    if out.is_empty() { "change".into() } else { out }
}

/// Write to a temporary file beside the target, flush it to disk, then rename over the target.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        format!("cannot write {}: {e}", path.display())
    })
}

/// The files whose digests differ between two `chplan.sum` texts (or that one of them lacks).
pub fn changed_files(recorded: &str, actual: &str) -> Vec<String> {
    let lines = |s: &str| -> Vec<(String, String)> {
        s.lines()
            .skip(1)
            .filter_map(|l| l.split_once(' '))
            .map(|(f, d)| (f.to_string(), d.to_string()))
            .collect()
    };
    let (r, a) = (lines(recorded), lines(actual));
    let mut changed: Vec<String> = a
        .iter()
        .filter(|x| !r.contains(x))
        .map(|(f, _)| f.clone())
        .chain(
            r.iter()
                .filter(|(f, _)| !a.iter().any(|(g, _)| g == f))
                .map(|(f, _)| format!("{f} (removed)")),
        )
        .collect();
    changed.sort();
    changed.dedup();
    if changed.is_empty() {
        changed.push("the sum line".into());
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifacts::state::{ColumnState, EngineState, LifecycleState, TableState};
    use chplan_clickhouse::chtype::ColumnType;

    fn state(columns: &[&str]) -> State {
        let mut s = State::empty("shop", None);
        s.tables.insert(
            "t".into(),
            TableState {
                logical: "t".into(),
                version: None,
                lifecycle: LifecycleState::FullyManaged,
                columns: columns
                    .iter()
                    .map(|c| ColumnState {
                        name: c.to_string(),
                        data_type: ColumnType::parse("String"),
                        default: None,
                        codec: None,
                        ttl: None,
                        comment: None,
                    })
                    .collect(),
                engine: EngineState {
                    name: "MergeTree".into(),
                    args: vec![],
                },
                order_by: vec![],
                primary_key: None,
                partition_by: None,
                sample_by: None,
                ttl: None,
                settings: Default::default(),
                indexes: vec![],
                projections: vec![],
                constraints: vec![],
                comment: None,
            },
        );
        s
    }

    fn plan(id: &str, from: &str, to: &State) -> Plan {
        Plan {
            format_version: PLAN_FORMAT_VERSION,
            id: id.into(),
            database: "shop".into(),
            cluster: None,
            from_state: from.into(),
            to_state: to.digest(),
            operations: vec![],
        }
    }

    /// A plan of 100,000 tables, the size the reader's default budget refused (issue 14):
    /// what `plan_yaml` writes, `parse_plan` reads back whole.
    #[test]
    fn a_plan_of_any_size_reads_back() {
        let to = state(&["a"]);
        let mut big = plan("0001_init", EMPTY_FROM_STATE, &to);
        big.operations = (0..100_000)
            .map(|i| crate::artifacts::plan::Operation {
                id: format!("create-table-t{i:06}"),
                kind: crate::artifacts::plan::OpKind::CreateTable,
                objects: vec![format!("t{i:06}")],
                destructive: false,
                description: format!("Create table t{i:06}"),
                backfill: None,
                sql: format!("CREATE TABLE `shop`.`t{i:06}`\n(\n    `id` UInt64\n)\nENGINE = MergeTree\nORDER BY id"),
            })
            .collect();
        let yaml = plan_yaml(&big).unwrap();
        assert_eq!(parse_plan(&yaml).unwrap(), big);
    }

    #[test]
    fn a_plan_with_aliases_is_refused() {
        let to = state(&["a"]);
        let yaml = plan_yaml(&plan("0001_init", EMPTY_FROM_STATE, &to)).unwrap();
        let aliased = yaml.replacen("database: shop", "database: &d shop\ncluster: *d", 1);
        assert!(parse_plan(&aliased).is_err(), "{aliased}");
    }

    /// Three plans written as the planner writes them: `from_state` is `empty`, then the
    /// digest of the root state.json the plan was made against.
    fn three_plans() -> (tempfile::TempDir, MigrationDir, Vec<State>) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = MigrationDir::new(tmp.path().join("migrations"));
        let states = vec![state(&["a"]), state(&["a", "b"]), state(&["a", "b", "c"])];
        for (n, s) in states.iter().enumerate() {
            let from = match dir.read_state_with_digest().unwrap() {
                Some((_, d)) => d,
                None => EMPTY_FROM_STATE.to_string(),
            };
            let id = dir.next_id(&format!("p{n}")).unwrap();
            dir.write_plan(&plan(&id, &from, s), s, None).unwrap();
        }
        (tmp, dir, states)
    }

    #[test]
    fn write_plan_keeps_the_end_state_in_the_plan_directory() {
        let (_tmp, dir, states) = three_plans();
        let ids = dir.plan_ids().unwrap();
        assert_eq!(ids, ["0001_p0", "0002_p1", "0003_p2"]);
        for (id, s) in ids.iter().zip(&states) {
            let bytes = fs::read(dir.root.join(id).join(STATE_FILE)).unwrap();
            assert_eq!(bytes, s.to_json().as_bytes(), "{id}");
            let (read, d) = dir.read_plan_state(id).unwrap().unwrap();
            assert_eq!(&read, s);
            assert_eq!(d, dir.read_plan(id).unwrap().to_state);
        }
        // The newest plan's copy and the root state.json are the same bytes.
        assert_eq!(
            fs::read(dir.root.join("0003_p2").join(STATE_FILE)).unwrap(),
            fs::read(dir.root.join(STATE_FILE)).unwrap()
        );
        // No temporary files or directories are left behind.
        let names: Vec<String> = fs::read_dir(&dir.root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(names.is_empty(), "{names:?}");
    }

    #[test]
    fn write_plan_refuses_a_state_the_plan_does_not_end_at() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = MigrationDir::new(tmp.path().join("migrations"));
        let p = plan("0001_x", EMPTY_FROM_STATE, &state(&["a"]));
        let e = dir.write_plan(&p, &state(&["b"]), None).unwrap_err();
        assert!(e.contains("not the one the plan ends at"), "{e}");
        let e = dir
            .write_plan(&p, &state(&["a"]), Some(&state(&["b"])))
            .unwrap_err();
        assert!(e.contains("not the one the plan starts from"), "{e}");
        assert!(dir.plan_ids().unwrap().is_empty());
        assert!(dir.read_state().unwrap().is_none());
    }

    #[test]
    fn a_plan_made_against_a_live_database_keeps_its_start_state() {
        let (_tmp, dir, states) = three_plans();
        let live = state(&["a", "b", "live"]);
        let end = state(&["a", "b", "c", "d"]);
        let p = plan("0004_live", &live.digest(), &end);
        dir.write_plan(&p, &end, Some(&live)).unwrap();
        let bytes = fs::read(dir.root.join("0004_live").join(START_FILE)).unwrap();
        assert_eq!(bytes, live.to_json().as_bytes());
        let (start, d) = dir.read_plan_start_state("0004_live").unwrap().unwrap();
        assert_eq!((start, d), (live, p.from_state.clone()));
        assert_ne!(p.from_state, states[2].digest());
        let sum = dir.read_sum().unwrap().unwrap();
        assert!(
            sum.contains("\n0004_live/up.sql sha256:")
                && sum.contains("\n0004_live/start.json sha256:")
                && sum.find("0004_live/start.json") < sum.find("0004_live/state.json"),
            "{sum}"
        );
    }

    #[test]
    fn start_states_are_the_previous_end_states() {
        let (_tmp, dir, states) = three_plans();
        let ids = dir.plan_ids().unwrap();
        for (n, id) in ids.iter().enumerate() {
            let p = dir.read_plan(id).unwrap();
            let (start, recorded) = dir.read_plan_start_state(id).unwrap().unwrap();
            assert_eq!(recorded, p.from_state, "{id}");
            if n == 0 {
                assert_eq!(start, State::empty("shop", None));
                assert_eq!(recorded, EMPTY_FROM_STATE);
            } else {
                assert_eq!(start, states[n - 1]);
                assert_eq!(start.digest(), p.from_state, "{id}");
            }
        }
        assert!(dir.read_plan_start_state("0009_nope").is_err());
        // Without the previous plan's state.json the start state is not known.
        fs::remove_file(dir.root.join("0001_p0").join(STATE_FILE)).unwrap();
        assert_eq!(dir.read_plan_state("0001_p0").unwrap(), None);
        assert_eq!(dir.read_plan_start_state("0002_p1").unwrap(), None);
        assert!(dir.read_plan_start_state("0001_p0").unwrap().is_some());
    }

    #[test]
    fn an_unreadable_plan_state_is_an_error() {
        let (_tmp, dir, _) = three_plans();
        fs::write(dir.root.join("0002_p1").join(STATE_FILE), "{oops").unwrap();
        let e = dir.read_plan_state("0002_p1").unwrap_err();
        assert!(e.contains("0002_p1/state.json"), "{e}");
        assert!(dir.read_plan_start_state("0003_p2").is_err());
    }

    #[test]
    fn the_sum_covers_every_plan_state_in_order() {
        let (_tmp, dir, _) = three_plans();
        let sum = dir.read_sum().unwrap().unwrap();
        assert_eq!(sum, dir.compute_sum().unwrap());
        let files: Vec<&str> = sum
            .lines()
            .skip(1)
            .map(|l| l.split_once(' ').unwrap().0)
            .collect();
        assert_eq!(
            files,
            [
                "0001_p0/plan.yaml",
                "0001_p0/up.sql",
                "0001_p0/state.json",
                "0002_p1/plan.yaml",
                "0002_p1/up.sql",
                "0002_p1/state.json",
                "0003_p2/plan.yaml",
                "0003_p2/up.sql",
                "0003_p2/state.json",
                "state.json",
            ]
        );
        // Changing a plan's state.json changes the sum.
        let path = dir.root.join("0002_p1").join(STATE_FILE);
        fs::write(&path, state(&["z"]).to_json()).unwrap();
        assert_ne!(sum, dir.compute_sum().unwrap());
        // A missing one has no line (directories sealed before plans kept their state).
        fs::remove_file(&path).unwrap();
        assert!(!dir.compute_sum().unwrap().contains("0002_p1/state.json"));
    }

    #[test]
    fn only_the_newest_plan_state_is_restored_and_only_when_proven() {
        let (_tmp, dir, states) = three_plans();
        assert_eq!(dir.restore_newest_plan_state().unwrap(), None);
        for id in ["0002_p1", "0003_p2"] {
            fs::remove_file(dir.root.join(id).join(STATE_FILE)).unwrap();
        }
        assert_eq!(
            dir.restore_newest_plan_state().unwrap().as_deref(),
            Some("0003_p2")
        );
        assert_eq!(
            dir.read_plan_state("0003_p2").unwrap().unwrap().0,
            states[2]
        );
        assert_eq!(dir.read_plan_state("0002_p1").unwrap(), None);
        // A changed copy is replaced too, when the root file proves the content.
        fs::write(dir.root.join("0003_p2").join(STATE_FILE), "{}").unwrap();
        assert_eq!(
            dir.restore_newest_plan_state().unwrap().as_deref(),
            Some("0003_p2")
        );
        assert_eq!(
            fs::read(dir.root.join("0003_p2").join(STATE_FILE)).unwrap(),
            fs::read(dir.root.join(STATE_FILE)).unwrap()
        );
        // A root state.json that is not the newest plan's end state proves nothing.
        fs::remove_file(dir.root.join("0003_p2").join(STATE_FILE)).unwrap();
        fs::write(dir.root.join(STATE_FILE), states[1].to_json()).unwrap();
        assert_eq!(dir.restore_newest_plan_state().unwrap(), None);
        assert_eq!(dir.read_plan_state("0003_p2").unwrap(), None);
        fs::remove_file(dir.root.join(STATE_FILE)).unwrap();
        assert_eq!(dir.restore_newest_plan_state().unwrap(), None);
    }
}
