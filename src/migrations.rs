//! The migration directory: numbered plans, `state.json`, `chplan.sum`, written atomically.

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
        let path = self.root.join(STATE_FILE);
        match fs::read_to_string(&path) {
            Ok(text) => State::from_json(&text)
                .map(|s| Some((s, digest(text.as_bytes()))))
                .map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    /// The state plan `id` ends at, and the digest of its file; `None` when absent.
    pub fn read_plan_state(&self, id: &str) -> Result<Option<(State, String)>, String> {
        MigrationDir::new(self.root.join(id)).read_state_with_digest()
    }

    /// The state plan `id` starts from when it was made against a live database.
    pub fn read_plan_start(&self, id: &str) -> Result<Option<(State, String)>, String> {
        let path = self.root.join(id).join(START_FILE);
        match fs::read_to_string(&path) {
            Ok(text) => State::from_json(&text)
                .map(|s| Some((s, digest(text.as_bytes()))))
                .map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
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

    /// Writes a new plan and the new state. The plan directory is assembled under a temporary
    /// name and renamed into place, then state.json and chplan.sum are replaced atomically: an
    /// interrupted run leaves the previous files intact (and `check` notices a half-done one).
    pub fn write_plan(
        &self,
        plan: &Plan,
        state: &State,
        start: Option<&State>,
    ) -> Result<(), String> {
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
        write_atomic(&tmp.join(STATE_FILE), state.to_json().as_bytes())?;
        if let Some(start) = start {
            write_atomic(&tmp.join(START_FILE), start.to_json().as_bytes())?;
        }
        fs::rename(&tmp, &final_dir)
            .map_err(|e| format!("cannot rename into {}: {e}", final_dir.display()))?;
        write_atomic(&self.root.join(STATE_FILE), state.to_json().as_bytes())?;
        self.write_sum()
    }

    /// The lines of `chplan.sum`: every artifact with its digest, then a digest of them all.
    pub fn compute_sum(&self) -> Result<String, String> {
        let mut files = Vec::new();
        for id in self.plan_ids()? {
            files.push(format!("{id}/{PLAN_FILE}"));
            files.push(format!("{id}/{UP_FILE}"));
        }
        files.push(STATE_FILE.to_string());
        let mut body = String::new();
        for f in files {
            let path = self.root.join(&f);
            let bytes = match fs::read(&path) {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
            };
            body.push_str(&format!("{f} {}\n", digest(&bytes)));
        }
        Ok(format!("sum {}\n{body}", digest(body.as_bytes())))
    }

    pub fn write_sum(&self) -> Result<(), String> {
        let sum = self.compute_sum()?;
        write_atomic(&self.root.join(SUM_FILE), sum.as_bytes())
    }

    pub fn read_sum(&self) -> Result<Option<String>, String> {
        match fs::read_to_string(self.root.join(SUM_FILE)) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }
}

pub fn parse_plan(text: &str) -> Result<Plan, String> {
    let plan: Plan = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
    if plan.format_version != PLAN_FORMAT_VERSION {
        return Err(format!(
            "plan format version {} is not supported (this chplan reads version {PLAN_FORMAT_VERSION})",
            plan.format_version
        ));
    }
    Ok(plan)
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
