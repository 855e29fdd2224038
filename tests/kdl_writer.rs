//! `kdl_writer`: a state written as KDL compiles back to the same state.
//!
//! Round trips: every project in the repository (the example project, `golden/plan/*/before`
//! and `after`, `golden/check/ok/*`) compiled to its desired state, written with
//! `object_files` into a fresh project with the same `chplan.kdl`, compiled again: the states
//! must be equal. Then a hand-written state exercising every engine, value kind and awkward
//! name, with and without a cluster; then what the writer must report as unexpressed.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use chplan::back::desired;
use chplan::back::kdl_writer::{KdlFile, Unexpressed, object_files};
use chplan::front::compile::compile;
use chplan::front::diag::{Format, render};
use chplan_runner::artifacts::state::{
    ColumnState, ConstraintKindState, ConstraintState, DefaultKindState, DefaultState, EngineState,
    IndexState, LifecycleState, MaterializedViewState, ProjectionState, State, TableState,
    ViewState,
};
use support::Project;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The desired state of the project at `dir`, or its rendered errors.
fn state_of(dir: &Path) -> Result<State, String> {
    let c = compile(dir);
    if c.diags.has_errors() {
        return Err(render(&c.diags.sorted(), &c.project.sources, Format::Human));
    }
    let config = c.project.config.as_ref().ok_or("no config")?;
    Ok(desired::build(config, &c.schema, &c.resolved))
}

/// A project of `chplan_kdl` and `files` (under the schema directory it names).
fn write_project(chplan_kdl: &str, files: &[KdlFile]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("chplan.kdl"), chplan_kdl).unwrap();
    let config = compile(dir.path())
        .project
        .config
        .expect("chplan.kdl reads");
    let schemas = dir.path().join(&config.schemas_dir);
    fs::create_dir_all(&schemas).unwrap();
    for f in files {
        fs::write(schemas.join(&f.name), &f.text).unwrap();
    }
    dir
}

/// A copy of the golden project `before` (its `chplan.kdl`) with the schemas of `schemas`.
fn project_with_schemas(before: &Path, schemas: &Path) -> Project {
    let p = Project::copy_of(before);
    // `001-first-plan/before` has no schema directory: it declares nothing.
    p.replace_schemas(schemas);
    p
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

/// Writes `state`, compiles the files with `chplan_kdl`, and says what differs (per object).
fn round_trip(chplan_kdl: &str, state: &State) -> Result<(), String> {
    let (files, unexpressed) = object_files(state);
    let again = object_files(state);
    if again.0 != files {
        return Err("object_files is not deterministic".into());
    }
    if !unexpressed.is_empty() {
        return Err(format!("unexpressed: {unexpressed:#?}"));
    }
    let dir = write_project(chplan_kdl, &files);
    let back = state_of(dir.path()).map_err(|e| {
        let texts: Vec<String> = files
            .iter()
            .map(|f| format!("--- {}\n{}", f.name, f.text))
            .collect();
        format!(
            "the written project does not compile:\n{e}\n{}",
            texts.join("")
        )
    })?;
    if &back == state {
        return Ok(());
    }
    let mut diffs = Vec::new();
    if (&back.database, &back.cluster) != (&state.database, &state.cluster) {
        diffs.push("database or cluster".to_string());
    }
    let text = |name: &str| {
        files
            .iter()
            .find(|f| f.object == name)
            .map(|f| f.text.clone())
            .unwrap_or_default()
    };
    fn compare<T: PartialEq + std::fmt::Debug>(
        kind: &str,
        a: &BTreeMap<String, T>,
        b: &BTreeMap<String, T>,
        text: &dyn Fn(&str) -> String,
        diffs: &mut Vec<String>,
    ) {
        for name in a.keys().chain(b.keys()) {
            if a.get(name) != b.get(name) {
                diffs.push(format!(
                    "{kind} {name}:\n  state:  {:?}\n  again:  {:?}\n  KDL:\n{}",
                    a.get(name),
                    b.get(name),
                    text(name)
                ));
            }
        }
    }
    compare("table", &state.tables, &back.tables, &text, &mut diffs);
    compare("view", &state.views, &back.views, &text, &mut diffs);
    compare(
        "materialized view",
        &state.materialized_views,
        &back.materialized_views,
        &text,
        &mut diffs,
    );
    diffs.dedup();
    Err(diffs.join("\n"))
}

fn objects(s: &State) -> usize {
    s.tables.len() + s.views.len() + s.materialized_views.len()
}

/// Projects that legitimately cannot round-trip, with the reason. Empty: every project does.
const CANNOT_ROUND_TRIP: &[(&str, &str)] = &[];

#[test]
fn every_project_in_the_repository_round_trips() {
    let root = root();
    // (name, project directory); `after` projects take their scenario's chplan.kdl.
    let mut projects: Vec<(String, PathBuf, Option<Project>)> =
        vec![("example project".into(), root.clone(), None)];
    for scenario in subdirs(&root.join("golden/plan")) {
        let name = scenario.file_name().unwrap().to_string_lossy().to_string();
        let before = scenario.join("before");
        let before_copy = project_with_schemas(&before, &before.join("schemas"));
        projects.push((
            format!("golden/plan/{name}/before"),
            before_copy.path().to_path_buf(),
            Some(before_copy),
        ));
        let after = project_with_schemas(&before, &scenario.join("after/schemas"));
        projects.push((
            format!("golden/plan/{name}/after"),
            after.path().to_path_buf(),
            Some(after),
        ));
    }
    for case in subdirs(&root.join("golden/check/ok")) {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        projects.push((format!("golden/check/ok/{name}"), case, None));
    }

    let mut failures = Vec::new();
    let mut checked = 0;
    let mut object_count = 0;
    for (name, dir, _keep) in &projects {
        let expected_failure = CANNOT_ROUND_TRIP.iter().find(|(n, _)| n == name);
        let state = match state_of(dir) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{name}: does not compile:\n{e}"));
                continue;
            }
        };
        let chplan_kdl = fs::read_to_string(dir.join("chplan.kdl")).unwrap();
        match (round_trip(&chplan_kdl, &state), expected_failure) {
            (Ok(()), None) => {
                checked += 1;
                object_count += objects(&state);
            }
            (Err(e), None) => failures.push(format!("{name}:\n{e}")),
            (Ok(()), Some(_)) => failures.push(format!(
                "{name} is listed in CANNOT_ROUND_TRIP but round-trips: remove it"
            )),
            (Err(_), Some((_, why))) => eprintln!("{name}: does not round-trip, as listed: {why}"),
        }
    }
    eprintln!("round trip: {checked} projects, {object_count} objects");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(checked + CANNOT_ROUND_TRIP.len(), projects.len());
}

// ---------------------------------------------------------------------------------------
// A hand-written state: every engine, every value kind, awkward names and texts.

fn col(name: &str, ty: &str) -> ColumnState {
    ColumnState {
        name: name.into(),
        data_type: chplan_clickhouse::chtype::ColumnType::parse(ty),
        default: None,
        codec: None,
        ttl: None,
        comment: None,
    }
}

fn with_default(mut c: ColumnState, kind: DefaultKindState, expr: &str) -> ColumnState {
    c.default = Some(DefaultState {
        kind,
        expr: expr.into(),
    });
    c
}

fn table(logical: &str, columns: Vec<ColumnState>, engine: &str, args: &[&str]) -> TableState {
    TableState {
        logical: logical.into(),
        version: None,
        lifecycle: LifecycleState::FullyManaged,
        columns,
        engine: EngineState {
            name: engine.into(),
            args: args.iter().map(|a| a.to_string()).collect(),
        },
        order_by: Vec::new(),
        primary_key: None,
        partition_by: None,
        sample_by: None,
        ttl: None,
        settings: BTreeMap::new(),
        indexes: Vec::new(),
        projections: Vec::new(),
        constraints: Vec::new(),
        comment: None,
    }
}

fn keyed(mut t: TableState, order_by: &[&str]) -> TableState {
    t.order_by = order_by.iter().map(|s| s.to_string()).collect();
    t
}

const AWKWARD: &str = "say \"hi\" to O'Brien\nsecond line\twith a tab, a back\\slash, #hash, // slashes, ünïcödé 🦀 and \u{2028}";

/// The table that uses everything a table can say.
fn everything() -> TableState {
    let mut id = col("id", "UUID");
    id.default = Some(DefaultState {
        kind: DefaultKindState::Default,
        expr: "generateUUIDv4()".into(),
    });
    id.comment = Some("event id".into());
    let mut amount = col("amount", "Decimal(18, 4)");
    amount.codec = Some("ZSTD(3)".into());
    amount.comment = Some(AWKWARD.into());
    let mut tags = col("tags", "Array(String)");
    tags.ttl = Some("created_at + toIntervalDay(7)".into());
    let mut spaced = col("my col", "LowCardinality(String)");
    spaced.comment = Some("\"quoted\" and 'single' and \\backslash\\".into());
    let columns = vec![
        id,
        col("kind", "LowCardinality(String)"),
        amount,
        with_default(
            col("created_at", "DateTime64(3, 'UTC')"),
            DefaultKindState::Default,
            "now64(3)",
        ),
        with_default(
            col("day", "Date"),
            DefaultKindState::Materialized,
            "toDate(created_at)",
        ),
        with_default(
            col("hour", "UInt8"),
            DefaultKindState::Alias,
            "toHour(created_at)",
        ),
        with_default(col("raw", "String"), DefaultKindState::Ephemeral, "''"),
        with_default(
            col("escaped", "String"),
            DefaultKindState::Default,
            "'tab\\there \\'quoted\\' \\\\ done'",
        ),
        tags,
        spaced,
        col("#x", "Nullable(Int64)"),
        col("123", "UInt32"),
        col("true", "Bool"),
        col("null", "Map(String, UInt64)"),
        col("1e5", "Tuple(x Float64, y Float64)"),
        col("items", "Nested(sku String, qty UInt32)"),
        col("status", "Enum8('new' = 1, 'done' = 2)"),
        col("uniq_users", "AggregateFunction(uniq, String)"),
        col("updated_at", "DateTime"),
        col("is_deleted", "UInt8"),
    ];
    let mut t = table(
        "everything",
        columns,
        "ReplacingMergeTree",
        &["`updated_at`", "`is_deleted`"],
    );
    t.version = Some("1.10".into());
    t.order_by = vec![
        "kind".into(),
        "toStartOfHour(created_at)".into(),
        "cityHash64(id)".into(),
        "`my col`".into(),
        "(id, kind)".into(),
    ];
    t.primary_key = Some(vec![
        "kind".into(),
        "toStartOfHour(created_at)".into(),
        "cityHash64(id)".into(),
    ]);
    t.partition_by = Some("toYYYYMM(created_at)".into());
    t.sample_by = Some("cityHash64(id)".into());
    t.ttl = Some("created_at + toIntervalDay(90)".into());
    t.settings = [
        ("index_granularity", "8192"),
        ("ttl_only_drop_parts", "1"),
        ("merge_selecting_sleep_slowdown_factor", "1.5"),
        ("min_bytes_ratio", "-2.5e-3"),
        ("storage_policy", "'default'"),
        ("deduplicate_merge_projection_mode", "'rebuild'"),
        ("odd", "'it\\'s \"odd\" \\\\ \\n'"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    t.indexes = vec![
        IndexState {
            name: "idx_kind".into(),
            expr: "kind".into(),
            index_type: "set(100)".into(),
            granularity: 4,
        },
        IndexState {
            name: "idx items".into(),
            expr: "items.sku".into(),
            index_type: "bloom_filter(0.01)".into(),
            granularity: 1,
        },
    ];
    t.projections = vec![
        ProjectionState {
            name: "by_kind".into(),
            query: "SELECT kind, count() GROUP BY kind".into(),
        },
        ProjectionState {
            name: "by_day".into(),
            query: "SELECT\n    day,\n    count()\nGROUP BY day".into(),
        },
    ];
    t.constraints = vec![
        ConstraintState {
            name: "positive".into(),
            kind: ConstraintKindState::Check,
            expr: "amount >= 0".into(),
        },
        ConstraintState {
            name: "has_kind".into(),
            kind: ConstraintKindState::Assume,
            expr: "kind != ''".into(),
        },
    ];
    t.comment = Some(format!("everything at once\n{AWKWARD}"));
    t.lifecycle = LifecycleState::DeletionProtected;
    t
}

/// One table per engine (and parameter combination) of `engines.rs`; `cluster` gives the
/// Replicated forms the compiler makes on a cluster.
fn engine_tables(cluster: bool) -> Vec<(String, TableState)> {
    let cols = || {
        vec![
            col("key", "String"),
            col("sign", "Int8"),
            col("ver", "UInt32"),
            col("is_deleted", "UInt8"),
            col("a", "UInt64"),
            col("my sum", "UInt64"),
        ]
    };
    let merge_tree: &[(&str, &[&str])] = &[
        ("MergeTree", &[]),
        ("ReplacingMergeTree", &[]),
        ("ReplacingMergeTree", &["`ver`"]),
        ("ReplacingMergeTree", &["`ver`", "`is_deleted`"]),
        ("SummingMergeTree", &[]),
        ("SummingMergeTree", &["`a`"]),
        ("SummingMergeTree", &["(`a`, `my sum`)"]),
        ("AggregatingMergeTree", &[]),
        ("CoalescingMergeTree", &[]),
        ("CoalescingMergeTree", &["(`a`, `my sum`)"]),
        ("CollapsingMergeTree", &["`sign`"]),
        ("VersionedCollapsingMergeTree", &["`sign`", "`ver`"]),
        ("GraphiteMergeTree", &["'graphite_rollup'"]),
    ];
    let zoo = ["'/clickhouse/tables/{shard}/shop/{table}'", "'{replica}'"];
    let mut out = Vec::new();
    for (i, (engine, args)) in merge_tree.iter().enumerate() {
        let name = format!("mt_{i}_{engine}");
        let plain = if cluster {
            format!("Replicated{engine}")
        } else {
            engine.to_string()
        };
        out.push((
            name.clone(),
            keyed(table(&name, cols(), &plain, args), &["key"]),
        ));
        // Replicated with the server's defaults (the same as the cluster form above).
        if !cluster {
            let name = format!("rep_{i}_{engine}");
            let engine = format!("Replicated{engine}");
            out.push((
                name.clone(),
                keyed(table(&name, cols(), &engine, args), &["key"]),
            ));
        }
        // Replicated with its own path and replica.
        let name = format!("zoo_{i}_{engine}");
        let all: Vec<&str> = zoo.iter().chain(args.iter()).copied().collect();
        out.push((
            name.clone(),
            keyed(
                table(&name, cols(), &format!("Replicated{engine}"), &all),
                &["key"],
            ),
        ));
    }
    let raw: &[(&str, &str)] = &[
        ("Memory", ""),
        ("Log", ""),
        ("TinyLog", ""),
        ("StripeLog", ""),
        ("Null", ""),
        ("Set", ""),
        ("Join", "ANY, LEFT, key"),
        (
            "Buffer",
            "currentDatabase(), 'target', 16, 10, 100, 10000, 1000000, 10000000, 100000000",
        ),
        ("Distributed", "'cluster', 'shop', 'events', rand()"),
        ("Merge", "currentDatabase(), '^events'"),
        ("Dictionary", "'dict'"),
        ("File", "JSONEachRow"),
        ("URL", "'https://example.com/data?x=1&y=\\'2\\'', CSV"),
        ("S3", "'https://bucket.s3.amazonaws.com/path/*.csv', 'CSV'"),
        ("Kafka", "'localhost:9092', 'topic', 'group', 'JSONEachRow'"),
        ("MySQL", "'host:3306', 'db', 'table', 'user', 'pass\"word'"),
        (
            "PostgreSQL",
            "'host:5432', 'db', 'table', 'user', 'password'",
        ),
        (
            "MongoDB",
            "'host:27017', 'db', 'collection', 'user', 'password'",
        ),
        ("Redis", "'host:6379', 0, 'password'"),
        ("EmbeddedRocksDB", "0"),
        ("KeeperMap", "'/keeper/path'"),
        ("GenerateRandom", "1, 5, 3"),
    ];
    for (engine, args) in raw {
        let name = format!("raw_{engine}");
        let args: Vec<&str> = if args.is_empty() { vec![] } else { vec![args] };
        out.push((name.clone(), table(&name, cols(), engine, &args)));
    }
    out
}

fn tricky_state(cluster: bool) -> State {
    let mut s = State::empty("shop", cluster.then_some("analytics"));
    let mut e = everything();
    if cluster {
        e.engine.name = "ReplicatedReplacingMergeTree".into();
    }
    s.tables.insert("everything_1_10".into(), e);
    for (name, t) in engine_tables(cluster) {
        s.tables.insert(name, t);
    }
    let default_engine = if cluster {
        "ReplicatedMergeTree"
    } else {
        "MergeTree"
    };
    // Names that read as numbers and keywords, or need quoting anywhere.
    for name in [
        "my table",
        "#x",
        "123",
        "true",
        "null",
        "select",
        "événements",
        "-x",
    ] {
        let mut t = keyed(
            table(name, vec![col("id", "UInt64")], default_engine, &[]),
            &["id"],
        );
        t.primary_key = Some(vec!["id".into()]);
        s.tables.insert(name.into(), t);
    }
    // No sorting key; a primary key of no expressions.
    let mut t = table(
        "unsorted",
        vec![col("id", "UInt64"), col("ts", "DateTime")],
        default_engine,
        &[],
    );
    t.primary_key = Some(Vec::new());
    t.ttl = Some("ts + toIntervalDay(30) TO VOLUME 'cold',\nts + toIntervalYear(1) DELETE".into());
    t.comment = Some("first line\n\n    third line, indented".into());
    s.tables.insert("unsorted".into(), t);
    // Externally managed: no columns, no keys; and one with columns and a comment.
    let mut ext = table("external_empty", Vec::new(), default_engine, &[]);
    ext.lifecycle = LifecycleState::ExternallyManaged;
    s.tables.insert("external_empty".into(), ext);
    let mut ext = table(
        "external_cols",
        vec![col("id", "UInt64"), col("name", "String")],
        default_engine,
        &[],
    );
    ext.lifecycle = LifecycleState::ExternallyManaged;
    ext.comment = Some("owned by another tool".into());
    s.tables.insert("external_cols".into(), ext);
    // Two versions side by side.
    for v in ["0.0", "0.1"] {
        let mut t = keyed(
            table("events", vec![col("id", "String")], default_engine, &[]),
            &["id"],
        );
        t.version = Some(v.into());
        s.tables
            .insert(format!("events_{}", v.replace('.', "_")), t);
    }

    s.views.insert(
        "multi_line".into(),
        ViewState {
            select: "SELECT\n    e.kind,\n    count() AS n,\n    'a\\'b \"\"\" c' AS odd\nFROM `shop`.`everything_1_10` AS e\n\nINNER JOIN `shop`.`my table` AS m ON m.id = e.hour\nWHERE e.kind != 'x'\nGROUP BY e.kind".into(),
            depends_on: vec!["everything_1_10".into(), "my table".into()],
            comment: Some(AWKWARD.into()),
        },
    );
    s.views.insert(
        "one_line".into(),
        ViewState {
            select: "SELECT id FROM `shop`.`events_0_1` WHERE id != 'a\\'b' UNION ALL SELECT id FROM `shop`.`événements`".into(),
            depends_on: vec!["events_0_1".into(), "événements".into()],
            comment: Some("short".into()),
        },
    );
    s.views.insert(
        "keyword_names".into(),
        ViewState {
            select: "SELECT t.id FROM `shop`.`select` AS t, `shop`.`123` AS n, `shop`.`null` AS z WHERE t.id = n.id AND z.id = t.id".into(),
            depends_on: vec!["123".into(), "null".into(), "select".into()],
            comment: None,
        },
    );
    s.views.insert(
        "over_view".into(),
        ViewState {
            select: "SELECT * FROM `shop`.`one_line` UNION ALL SELECT id FROM other_db.events"
                .into(),
            depends_on: vec!["one_line".into()],
            comment: None,
        },
    );
    // The SQL names its table through a query parameter: declared with depends-on.
    s.views.insert(
        "by_param".into(),
        ViewState {
            select: "SELECT * FROM {source:Identifier}".into(),
            depends_on: vec!["events_0_0".into(), "external_cols".into()],
            comment: None,
        },
    );
    // Reads one table in the SQL, declares another.
    s.views.insert(
        "partly_declared".into(),
        ViewState {
            select: "SELECT count() FROM `shop`.`external_cols`".into(),
            depends_on: vec!["external_cols".into(), "external_empty".into()],
            comment: None,
        },
    );
    s.materialized_views.insert(
        "mv_events_to_0_1".into(),
        MaterializedViewState {
            to: "events_0_1".into(),
            select: "SELECT * FROM `shop`.`events_0_0`".into(),
            depends_on: vec!["events_0_0".into()],
            comment: None,
        },
    );
    s.materialized_views.insert(
        "mv with spaces".into(),
        MaterializedViewState {
            to: "my table".into(),
            select: "WITH src AS (SELECT id FROM `shop`.`123`)\nSELECT id FROM src".into(),
            depends_on: vec!["123".into()],
            comment: Some("line one\nline two".into()),
        },
    );
    s
}

#[test]
fn a_state_with_everything_round_trips() {
    let s = tricky_state(false);
    eprintln!("round trip: {} objects", objects(&s));
    round_trip("database shop\n", &s).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_cluster_state_with_everything_round_trips() {
    let s = tricky_state(true);
    eprintln!("round trip on a cluster: {} objects", objects(&s));
    round_trip("database shop\ncluster analytics\n", &s).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn representative_files() {
    let (files, _) = object_files(&tricky_state(false));
    let text = |object: &str| {
        files
            .iter()
            .find(|f| f.object == object)
            .map(|f| f.text.clone())
            .unwrap()
    };
    insta::assert_snapshot!("everything_table", text("everything_1_10"));
    insta::assert_snapshot!("multi_line_view", text("multi_line"));
    // The example project's files, as a person would have written them.
    let example = state_of(&root()).unwrap();
    let (files, _) = object_files(&example);
    let all: Vec<String> = files
        .iter()
        .map(|f| format!("=== {}\n{}", f.name, f.text))
        .collect();
    insta::assert_snapshot!("example_project", all.join("\n"));
}

// ---------------------------------------------------------------------------------------
// What the language cannot say is reported, never dropped.

fn whats(u: &[Unexpressed], object: &str) -> Vec<String> {
    u.iter()
        .filter(|u| u.object == object)
        .map(|u| u.what.clone())
        .collect()
}

#[test]
fn what_cannot_be_said_is_reported() {
    let mut s = State::empty("shop", Some("analytics"));
    let base = |name: &str| {
        keyed(
            table(name, vec![col("id", "UInt64")], "ReplicatedMergeTree", &[]),
            &["id"],
        )
    };
    let mut t = base("not_replicated");
    t.engine = EngineState {
        name: "MergeTree".into(),
        args: vec![],
    };
    s.tables.insert("not_replicated".into(), t);
    let mut t = base("unknown_engine");
    t.engine = EngineState {
        name: "FancyTree".into(),
        args: vec!["1".into()],
    };
    s.tables.insert("unknown_engine".into(), t);
    let mut t = base("odd_args");
    t.engine = EngineState {
        name: "ReplicatedReplacingMergeTree".into(),
        args: vec!["id + 1".into()],
    };
    s.tables.insert("odd_args".into(), t);
    let mut t = base("odd_setting");
    t.settings.insert("x".into(), "inf".into());
    t.settings.insert("y".into(), "8192".into());
    s.tables.insert("odd_setting".into(), t);
    let mut t = base("t");
    t.version = Some("1.x".into());
    s.tables.insert("t_1_x".into(), t);
    let mut t = base("t");
    t.version = Some("1.0".into());
    s.tables.insert("t_2_0".into(), t);
    s.tables.insert("renamed".into(), base("t"));
    let mut t = base("bad_type");
    t.columns = vec![col("id", "NotAType(3)")];
    s.tables.insert("bad_type".into(), t);
    let mut t = base("no_columns");
    t.columns.clear();
    s.tables.insert("no_columns".into(), t);
    let mut t = base("odd_key");
    t.order_by = vec!["a, b".into()];
    t.indexes.push(IndexState {
        name: "i".into(),
        expr: "id".into(),
        index_type: "minmax".into(),
        granularity: 0,
    });
    s.tables.insert("odd_key".into(), t);
    let mut t = base("a.b");
    t.columns = vec![col("bell\u{7}", "UInt64")];
    t.order_by = vec!["`bell\u{7}`".into()];
    s.tables.insert("a.b".into(), t);
    s.views.insert(
        "reads_unknown".into(),
        ViewState {
            select: "SELECT * FROM `shop`.`nowhere` JOIN `shop`.`t_2_0` USING id".into(),
            depends_on: vec!["ghost".into()],
            comment: None,
        },
    );
    s.views.insert(
        "renamed".into(),
        ViewState {
            select: "SELECT 1".into(),
            depends_on: vec![],
            comment: None,
        },
    );
    s.materialized_views.insert(
        "mv".into(),
        MaterializedViewState {
            to: "reads_unknown".into(),
            select: "SELECT 1".into(),
            depends_on: vec![],
            comment: None,
        },
    );
    let (files, u) = object_files(&s);
    assert_eq!(files.len(), 14);
    let expect = [
        ("not_replicated", "is not Replicated"),
        ("unknown_engine", "not an engine chplan knows"),
        ("odd_args", "do not match the parameters"),
        ("odd_setting", "setting `x` = inf"),
        ("t_1_x", "not dot-separated numbers"),
        ("t_2_0", "gives the physical name `t_1_0`"),
        ("renamed", "differs from the physical name"),
        ("renamed", "share one namespace"),
        ("bad_type", "cannot read"),
        ("no_columns", "has none"),
        ("odd_key", "is a list"),
        ("odd_key", "granularity 0"),
        ("reads_unknown", "names `nowhere`"),
        (
            "reads_unknown",
            "reads `t_2_0`, which the state does not list",
        ),
        ("reads_unknown", "depends on `ghost`"),
        ("mv", "not a table"),
        ("a.b", "table name `a.b` contains a dot"),
        (
            "a.b",
            "column name `bell\\u{7}` contains a control character",
        ),
    ];
    for (object, needle) in expect {
        assert!(
            whats(&u, object).iter().any(|w| w.contains(needle)),
            "{object}: no {needle:?} in {u:#?}"
        );
    }
    assert_eq!(u.len(), expect.len(), "{u:#?}");
    // What can be said still is: the other setting is kept.
    let odd = files.iter().find(|f| f.object == "odd_setting").unwrap();
    assert!(odd.text.contains("settings y=8192\n"), "{}", odd.text);
}

/// A state spelled as a live database may spell it is written with the same meaning, and
/// compiles to the compiler's spelling (not reported: nothing is lost).
#[test]
fn other_spellings_compile_to_the_canonical_ones() {
    let mut s = State::empty("shop", None);
    let mut t = keyed(
        table(
            "t",
            vec![
                col("id", "UInt64"),
                col("amount", "Decimal(18,4)"),
                col("v", "UInt32"),
            ],
            "ReplacingMergeTree",
            &["v"],
        ),
        &["id"],
    );
    t.settings.insert("storage_policy".into(), "'it''s'".into());
    t.ttl = Some("  toDate(now()) + 1 ".into());
    s.tables.insert("t".into(), t);
    s.tables.insert(
        "k".into(),
        table(
            "k",
            vec![col("id", "UInt64")],
            "Kafka",
            &["'host:9092'", "'topic'"],
        ),
    );
    s.views.insert(
        "v".into(),
        ViewState {
            select: "SELECT id FROM shop.t".into(),
            depends_on: vec!["t".into()],
            comment: None,
        },
    );
    let (files, unexpressed) = object_files(&s);
    assert_eq!(unexpressed, []);
    let dir = write_project("database shop\n", &files);
    let back = state_of(dir.path()).unwrap();
    let t = &back.tables["t"];
    assert_eq!(t.columns[1].data_type.to_string(), "Decimal(18, 4)");
    assert_eq!(t.engine.args, ["`v`"]);
    assert_eq!(t.settings["storage_policy"], "'it\\'s'");
    assert_eq!(t.ttl.as_deref(), Some("toDate(now()) + 1"));
    assert_eq!(back.tables["k"].engine.args, ["'host:9092', 'topic'"]);
    assert_eq!(back.views["v"].select, "SELECT id FROM `shop`.`t`");
    // And that spelling round-trips exactly.
    round_trip("database shop\n", &back).unwrap_or_else(|e| panic!("{e}"));
}
