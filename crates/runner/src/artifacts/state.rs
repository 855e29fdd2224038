//! `state.json`: a fully resolved schema. Each plan keeps the state it ends at
//! (`migrations/NNNN_slug/state.json`, its digest the plan's `to_state`); `migrations/state.json`
//! is the newest plan's, the same bytes.

use std::collections::BTreeMap;

use chplan_clickhouse::chtype::ColumnType;
use serde::{Deserialize, Serialize};

pub const STATE_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    pub format_version: u32,
    pub database: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Keyed by physical name.
    #[serde(default)]
    pub tables: BTreeMap<String, TableState>,
    #[serde(default)]
    pub views: BTreeMap<String, ViewState>,
    #[serde(default)]
    pub materialized_views: BTreeMap<String, MaterializedViewState>,
}

impl State {
    pub fn empty(database: &str, cluster: Option<&str>) -> State {
        State {
            format_version: STATE_FORMAT_VERSION,
            database: database.to_string(),
            cluster: cluster.map(str::to_string),
            tables: BTreeMap::new(),
            views: BTreeMap::new(),
            materialized_views: BTreeMap::new(),
        }
    }

    /// The bytes of `state.json`: pretty JSON, keys in a fixed order, a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    pub fn from_json(text: &str) -> Result<State, String> {
        let state: State = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if state.format_version != STATE_FORMAT_VERSION {
            return Err(format!(
                "state format version {} is not supported (this chplan reads version {STATE_FORMAT_VERSION})",
                state.format_version
            ));
        }
        Ok(state)
    }

    /// The digest of `to_json`'s bytes, written straight into the hash.
    pub fn digest(&self) -> String {
        use std::io::Write;
        let mut d = super::Digester::default();
        // serde_json writes in small pieces: batch them before they reach the hash.
        let mut w = std::io::BufWriter::with_capacity(1 << 16, &mut d);
        let written = serde_json::to_writer_pretty(&mut w, self).is_ok()
            && w.write_all(b"\n").is_ok()
            && w.flush().is_ok();
        drop(w);
        if !written {
            return super::digest(self.to_json().as_bytes());
        }
        d.finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LifecycleState {
    FullyManaged,
    DeletionProtected,
    ExternallyManaged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableState {
    pub logical: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub lifecycle: LifecycleState,
    pub columns: Vec<ColumnState>,
    pub engine: EngineState,
    /// Top-level sorting-key expressions; empty is `tuple()`.
    #[serde(default)]
    pub order_by: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<String>,
    /// Values as SQL literals (`8192`, `'tiered'`, `1`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub settings: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<IndexState>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub projections: Vec<ProjectionState>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<ConstraintState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl TableState {
    pub fn column(&self, name: &str) -> Option<&ColumnState> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnState {
    pub name: String,
    /// Canonical ClickHouse type, as `system.columns.type` shows it.
    #[serde(rename = "type")]
    pub data_type: ColumnType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<DefaultState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codec: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum DefaultKindState {
    Default,
    Materialized,
    Alias,
    Ephemeral,
}

impl DefaultKindState {
    pub fn keyword(self) -> &'static str {
        match self {
            DefaultKindState::Default => "DEFAULT",
            DefaultKindState::Materialized => "MATERIALIZED",
            DefaultKindState::Alias => "ALIAS",
            DefaultKindState::Ephemeral => "EPHEMERAL",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultState {
    pub kind: DefaultKindState,
    pub expr: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineState {
    /// Full engine name (`ReplicatedReplacingMergeTree`).
    pub name: String,
    /// Engine arguments as SQL (`'/clickhouse/tables/{shard}/db/t'`, `updated_at`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
}

impl EngineState {
    pub fn sql(&self) -> String {
        if self.args.is_empty() {
            self.name.clone()
        } else {
            format!("{}({})", self.name, self.args.join(", "))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexState {
    pub name: String,
    pub expr: String,
    #[serde(rename = "type")]
    pub index_type: String,
    pub granularity: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectionState {
    pub name: String,
    pub query: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ConstraintKindState {
    Check,
    Assume,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConstraintState {
    pub name: String,
    pub kind: ConstraintKindState,
    pub expr: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewState {
    /// The SELECT with every table named by its physical name.
    pub select: String,
    /// Physical names of what it reads, sorted.
    #[serde(default)]
    pub depends_on: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterializedViewState {
    /// Physical name of the target table.
    pub to: String,
    pub select: String,
    #[serde(default)]
    pub depends_on: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_that_of_the_written_bytes() {
        let mut s = State::empty("shop", Some("c"));
        s.views.insert(
            "v".into(),
            ViewState {
                select: "SELECT 'é\n\"' AS x".into(),
                depends_on: vec!["t".into()],
                comment: None,
            },
        );
        assert_eq!(s.digest(), super::super::digest(s.to_json().as_bytes()));
    }
}
