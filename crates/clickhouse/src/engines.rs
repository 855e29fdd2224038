//! What chplan knows about ClickHouse table engines: names, parameters, families.

/// One named engine parameter, as written in KDL (`ver=updated_at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    pub name: &'static str,
    pub required: bool,
    /// The value names a column of the table (checked to exist).
    pub is_column: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineSpec {
    /// The engine without any `Replicated` prefix.
    pub base: &'static str,
    pub merge_tree: bool,
    pub params: &'static [Param],
    /// Positional arguments are column names (`SummingMergeTree amount count`).
    pub column_args: bool,
    /// Takes its SQL arguments verbatim from `args="..."` (engines outside MergeTree).
    pub raw_args: bool,
}

const fn p(name: &'static str, required: bool, is_column: bool) -> Param {
    Param {
        name,
        required,
        is_column,
    }
}

const fn merge_tree(base: &'static str, params: &'static [Param], column_args: bool) -> EngineSpec {
    EngineSpec {
        base,
        merge_tree: true,
        params,
        column_args,
        raw_args: false,
    }
}

const fn other(base: &'static str) -> EngineSpec {
    EngineSpec {
        base,
        merge_tree: false,
        params: &[],
        column_args: false,
        raw_args: true,
    }
}

pub const ENGINES: &[EngineSpec] = &[
    merge_tree("MergeTree", &[], false),
    merge_tree(
        "ReplacingMergeTree",
        &[p("ver", false, true), p("is-deleted", false, true)],
        false,
    ),
    merge_tree("SummingMergeTree", &[], true),
    merge_tree("AggregatingMergeTree", &[], false),
    merge_tree("CoalescingMergeTree", &[], true),
    merge_tree("CollapsingMergeTree", &[p("sign", true, true)], false),
    merge_tree(
        "VersionedCollapsingMergeTree",
        &[p("sign", true, true), p("ver", true, true)],
        false,
    ),
    merge_tree("GraphiteMergeTree", &[p("config", true, false)], false),
    other("Memory"),
    other("Log"),
    other("TinyLog"),
    other("StripeLog"),
    other("Null"),
    other("Set"),
    other("Join"),
    other("Buffer"),
    other("Distributed"),
    other("Merge"),
    other("Dictionary"),
    other("File"),
    other("URL"),
    other("S3"),
    other("Kafka"),
    other("MySQL"),
    other("PostgreSQL"),
    other("MongoDB"),
    other("Redis"),
    other("EmbeddedRocksDB"),
    other("KeeperMap"),
    other("GenerateRandom"),
];

/// Replicated MergeTree engines take these before their own parameters.
pub const REPLICATION_PARAMS: &[Param] = &[p("zoo-path", false, false), p("replica", false, false)];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineInfo {
    pub spec: EngineSpec,
    pub replicated: bool,
}

impl EngineInfo {
    pub fn params(&self) -> impl Iterator<Item = &'static Param> {
        let replication: &'static [Param] = if self.replicated {
            REPLICATION_PARAMS
        } else {
            &[]
        };
        replication.iter().chain(self.spec.params.iter())
    }
}

/// The prefix ClickHouse gives the replicated form of each MergeTree engine.
const REPLICATED: &str = "Replicated";

/// The replicated form of a MergeTree engine (`ReplacingMergeTree` →
/// `ReplicatedReplacingMergeTree`).
pub fn replicated_form(base: &str) -> String {
    format!("{REPLICATED}{base}")
}

/// Whether the engine is a replicated one: such engines take a Keeper path and a replica name
/// first, which the server fills in when they are not declared.
pub fn is_replicated(name: &str) -> bool {
    name.starts_with(REPLICATED)
}

/// Whether the engine is of the MergeTree family (replicated or not): only those take
/// `ORDER BY` and the other sorting-key clauses. Read off the name, so it holds for engines
/// outside `ENGINES` too.
pub fn is_merge_tree_family(name: &str) -> bool {
    name.ends_with("MergeTree")
}

pub fn lookup(name: &str) -> Option<EngineInfo> {
    if let Some(base) = name.strip_prefix(REPLICATED)
        && let Some(spec) = ENGINES.iter().find(|e| e.base == base && e.merge_tree)
    {
        return Some(EngineInfo {
            spec: *spec,
            replicated: true,
        });
    }
    ENGINES
        .iter()
        .find(|e| e.base == name)
        .map(|spec| EngineInfo {
            spec: *spec,
            replicated: false,
        })
}

/// Every engine name chplan accepts, for "did you mean" hints.
pub fn all_names() -> Vec<String> {
    let mut names: Vec<String> = ENGINES.iter().map(|e| e.base.to_string()).collect();
    names.extend(
        ENGINES
            .iter()
            .filter(|e| e.merge_tree)
            .map(|e| replicated_form(e.base)),
    );
    names
}

/// The engine a table gets when none is declared (as in the seeds).
pub const DEFAULT_ENGINE: &str = "MergeTree";
