//! Talking to the test ClickHouse for the golden plan scenarios: running plan SQL, inserting
//! generic rows, and comparing the live database with a `state.json`.

use std::collections::{BTreeMap, BTreeSet};

use chplan_runner::artifacts::state::{LifecycleState, State, TableState};
use serde_json::Value;

use crate::support::ClickHouse;

/// One scenario's connection: every request runs with the scenario's database as the current
/// database (as a runner does), so unqualified names in SQL resolve there.
pub struct Db<'a> {
    pub ch: &'a ClickHouse,
    pub name: String,
    /// The cluster of the project. chDB has no cluster (`ON CLUSTER` fails with
    /// CLUSTER_DOESNT_EXIST) and no ZooKeeper (a Replicated* table fails with NO_ZOOKEEPER),
    /// so for a cluster project the SQL is run with the ` ON CLUSTER `c`` clause removed and
    /// `Replicated*MergeTree` engines turned into their plain forms. The golden plan.yaml and
    /// up.sql still show the SQL exactly as chplan wrote it.
    pub cluster: Option<String>,
}

impl Db<'_> {
    pub fn query(&self, sql: &str) -> Result<String, String> {
        let reply = self.ch.request(sql, &[("database", &self.name)], &[]);
        if reply.status == 200 {
            Ok(reply.body)
        } else {
            Err(format!("HTTP {}: {}", reply.status, reply.body.trim_end()))
        }
    }

    pub fn exec(&self, sql: &str) -> Result<String, String> {
        self.query(sql)
            .map_err(|e| format!("this statement failed:\n{sql}\n-> {e}"))
    }

    /// A query with string parameters (`{name:String}` in the SQL).
    pub fn query_params(&self, sql: &str, params: &[(&str, &str)]) -> Result<String, String> {
        let mut all: Vec<(String, String)> = vec![("database".into(), self.name.clone())];
        for (k, v) in params {
            all.push((format!("param_{k}"), (*v).to_string()));
        }
        let refs: Vec<(&str, &str)> = all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let reply = self.ch.request(sql, &refs, &[]);
        if reply.status == 200 {
            Ok(reply.body)
        } else {
            Err(format!(
                "{sql}\n-> HTTP {}: {}",
                reply.status,
                reply.body.trim_end()
            ))
        }
    }

    pub fn json_rows(&self, sql: &str, params: &[(&str, &str)]) -> Result<Vec<Value>, String> {
        let body = self.query_params(&format!("{sql} FORMAT JSONEachRow"), params)?;
        body.lines()
            .map(|l| serde_json::from_str(l).map_err(|e| format!("{e}: {l}")))
            .collect()
    }

    /// The SQL as it can run on chDB (see `cluster`).
    pub fn runnable(&self, sql: &str) -> String {
        let Some(c) = &self.cluster else {
            return sql.to_string();
        };
        let clause = format!(" ON CLUSTER {}", chplan_clickhouse::sqltext::quote_ident(c));
        sql.replace(&clause, "")
            .replace("ENGINE = Replicated", "ENGINE = ")
    }

    /// `SELECT formatQuery('SELECT <expr>')`: ClickHouse's own formatting of an expression.
    pub fn canonical_expr(&self, expr: &str) -> Result<String, String> {
        let q = format!("SELECT {expr}");
        self.query_params("SELECT formatQuery({q:String})", &[("q", &q)])
            .map(|s| unescape_tsv(s.trim_end_matches('\n')))
    }

    /// Two expressions mean the same to ClickHouse: equal text, or equal once formatted.
    /// `Ok(None)` when they are equal as written, `Ok(Some(note))` when only formatting
    /// differs, `Err` when they differ.
    pub fn same_expr(&self, expected: &str, found: &str) -> Result<Option<String>, String> {
        if expected == found {
            return Ok(None);
        }
        let a = self.canonical_expr(expected)?;
        let b = self.canonical_expr(found)?;
        if a == b {
            Ok(Some(format!(
                "`{expected}` is shown by ClickHouse as `{found}`"
            )))
        } else {
            Err(format!(
                "expected `{expected}`, found `{found}` (formatted: `{a}` vs `{b}`)"
            ))
        }
    }

    pub fn count(&self, table: &str) -> Result<u64, String> {
        let out = self.exec(&format!(
            "SELECT count() FROM {}.{}",
            q(&self.name),
            q(table)
        ))?;
        out.trim()
            .parse()
            .map_err(|e| format!("count of {table}: {e}: {out}"))
    }

    /// Inserts `rows` random rows into every column of `t` that an INSERT can fill and that
    /// `generateRandom` can produce (MATERIALIZED and ALIAS columns are computed by ClickHouse;
    /// `generateRandom` has no AggregateFunction values: those columns get their default, the
    /// empty state). Seeded, so runs are reproducible.
    pub fn insert_random(
        &self,
        name: &str,
        t: &TableState,
        rows: u64,
        seed: u64,
    ) -> Result<(), String> {
        let cols: Vec<(&str, String)> = t
            .columns
            .iter()
            .filter(|c| chplan::back::insertable(c.default.as_ref().map(|d| d.kind)))
            .filter(|c| {
                !c.data_type
                    .to_string()
                    .replace("SimpleAggregateFunction", "")
                    .contains("AggregateFunction")
            })
            // An engine's UInt8/Int8 parameter column (ReplacingMergeTree's is_deleted) only
            // takes 0 or 1: leave it to its default.
            .filter(|c| {
                let param = t.engine.args.iter().any(|a| a.trim_matches('`') == c.name);
                !(param && matches!(c.data_type.to_string().as_str(), "UInt8" | "Int8"))
            })
            .map(|c| (c.name.as_str(), c.data_type.to_string()))
            .collect();
        if cols.is_empty() {
            return Ok(());
        }
        let structure: Vec<String> = cols
            .iter()
            .map(|(n, ty)| format!("{} {ty}", q(n)))
            .collect();
        let names: Vec<String> = cols.iter().map(|(n, _)| q(n)).collect();
        let sql = format!(
            "INSERT INTO {}.{} ({}) SELECT * FROM generateRandom({}, {seed}, 8, 3) LIMIT {rows}",
            q(&self.name),
            q(name),
            names.join(", "),
            chplan_clickhouse::sqltext::quote_string(&structure.join(", ")),
        );
        self.exec(&sql).map(|_| ())
    }
}

pub fn q(ident: &str) -> String {
    chplan_clickhouse::sqltext::quote_ident(ident)
}

fn unescape_tsv(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('\\') => out.push('\\'),
                Some('\'') => out.push('\''),
                Some(o) => {
                    out.push('\\');
                    out.push(o)
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn s(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Compares the live database with `state`. Problems are errors (which object, expected vs
/// found); formatting-only differences are notes.
pub fn check_database(db: &Db, state: &State, notes: &mut Vec<String>) -> Result<(), String> {
    let mut errors = Vec::new();
    let tables = db.json_rows(
        "SELECT name, engine, sorting_key, comment, create_table_query FROM system.tables \
         WHERE database = {db:String} ORDER BY name",
        &[("db", &db.name)],
    )?;
    let live: BTreeMap<String, &Value> = tables.iter().map(|t| (s(t, "name"), t)).collect();
    let columns = db.json_rows(
        "SELECT table, name, type, default_kind, default_expression, compression_codec, comment \
         FROM system.columns WHERE database = {db:String} ORDER BY table, position",
        &[("db", &db.name)],
    )?;
    let mut live_columns: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for c in &columns {
        live_columns.entry(s(c, "table")).or_default().push(c);
    }

    let mut expected: BTreeSet<&str> = BTreeSet::new();
    for (name, t) in &state.tables {
        expected.insert(name);
        let Some(found) = live.get(name.as_str()) else {
            errors.push(format!("table `{name}`: missing from the database"));
            continue;
        };
        let cols = live_columns.get(name.as_str()).cloned().unwrap_or_default();
        if t.lifecycle == LifecycleState::ExternallyManaged {
            // Declared columns (possibly a subset) must exist with the declared type.
            for c in &t.columns {
                match cols.iter().find(|l| s(l, "name") == c.name) {
                    None => errors.push(format!(
                        "external table `{name}`: declared column `{}` is not in the database",
                        c.name
                    )),
                    Some(l) if s(l, "type") != c.data_type.to_string() => errors.push(format!(
                        "external table `{name}`.`{}`: declared type `{}`, database has `{}`",
                        c.name,
                        c.data_type,
                        s(l, "type")
                    )),
                    _ => {}
                }
            }
            continue;
        }
        let want_engine = if db.cluster.is_some() {
            t.engine
                .name
                .strip_prefix("Replicated")
                .unwrap_or(&t.engine.name)
        } else {
            t.engine.name.as_str()
        };
        if s(found, "engine") != want_engine {
            errors.push(format!(
                "table `{name}`: engine: expected `{want_engine}` (state: `{}`), found `{}`",
                t.engine.sql(),
                s(found, "engine")
            ));
        }
        let want_key = t.order_by.join(", ");
        match db.same_expr(&want_key, &s(found, "sorting_key")) {
            Ok(None) => {}
            Ok(Some(n)) => notes.push(format!("table `{name}` sorting key: {n}")),
            Err(e) => errors.push(format!("table `{name}`: sorting key: {e}")),
        }
        let want_comment = t.comment.clone().unwrap_or_default();
        if s(found, "comment") != want_comment {
            errors.push(format!(
                "table `{name}`: comment: expected {want_comment:?}, found {:?}",
                s(found, "comment")
            ));
        }
        let want_names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        let found_names: Vec<String> = cols.iter().map(|c| s(c, "name")).collect();
        if want_names != found_names {
            errors.push(format!(
                "table `{name}`: columns (in order): expected {want_names:?}, found {found_names:?}"
            ));
            continue;
        }
        for (c, l) in t.columns.iter().zip(&cols) {
            let what = format!("column `{name}`.`{}`", c.name);
            if s(l, "type") != c.data_type.to_string() {
                errors.push(format!(
                    "{what}: type: state has `{}`, ClickHouse shows `{}`",
                    c.data_type,
                    s(l, "type")
                ));
            }
            let (want_kind, want_expr) = match &c.default {
                Some(d) => (d.kind.keyword().to_string(), d.expr.clone()),
                None => (String::new(), String::new()),
            };
            if s(l, "default_kind") != want_kind {
                errors.push(format!(
                    "{what}: default kind: expected `{want_kind}`, found `{}`",
                    s(l, "default_kind")
                ));
            } else if !want_expr.is_empty() {
                match db.same_expr(&want_expr, &s(l, "default_expression")) {
                    Ok(None) => {}
                    Ok(Some(n)) => notes.push(format!("{what} {want_kind}: {n}")),
                    Err(e) => errors.push(format!("{what}: {want_kind} expression: {e}")),
                }
            }
            let want_codec = c
                .codec
                .as_ref()
                .map(|k| format!("CODEC({k})"))
                .unwrap_or_default();
            if s(l, "compression_codec") != want_codec {
                errors.push(format!(
                    "{what}: codec: expected `{want_codec}`, found `{}`",
                    s(l, "compression_codec")
                ));
            }
            let want_comment = c.comment.clone().unwrap_or_default();
            if s(l, "comment") != want_comment {
                errors.push(format!(
                    "{what}: comment: expected {want_comment:?}, found {:?}",
                    s(l, "comment")
                ));
            }
        }
    }
    for name in state.views.keys() {
        expected.insert(name);
        match live.get(name.as_str()) {
            None => errors.push(format!("view `{name}`: missing from the database")),
            Some(v) if s(v, "engine") != "View" => errors.push(format!(
                "view `{name}`: engine: expected `View`, found `{}`",
                s(v, "engine")
            )),
            Some(_) => {
                if let Err(e) =
                    db.query(&format!("SELECT count() FROM {}.{}", q(&db.name), q(name)))
                {
                    errors.push(format!("view `{name}`: cannot be queried: {e}"));
                }
            }
        }
    }
    for (name, mv) in &state.materialized_views {
        expected.insert(name);
        match live.get(name.as_str()) {
            None => errors.push(format!(
                "materialized view `{name}`: missing from the database"
            )),
            Some(v) if s(v, "engine") != "MaterializedView" => errors.push(format!(
                "materialized view `{name}`: engine: expected `MaterializedView`, found `{}`",
                s(v, "engine")
            )),
            Some(v) => {
                let to = format!("TO {}.{}", db.name, mv.to);
                if !s(v, "create_table_query").contains(&to) {
                    errors.push(format!(
                        "materialized view `{name}`: expected `{to}` in `{}`",
                        s(v, "create_table_query")
                    ));
                }
            }
        }
    }
    for name in live.keys() {
        // A bridge outlives its plan while the version it feeds from is kept; every other
        // object of the runner's is gone once the plan has run.
        let kept_bridge = name
            .strip_prefix("_chplan_bridge_")
            .is_some_and(|from| state.tables.contains_key(from));
        if !expected.contains(name.as_str()) && !kept_bridge {
            errors.push(format!(
                "`{name}` ({}) is in the database but not in the state",
                s(live[name], "engine")
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the database differs from state.json:\n  - {}",
            errors.join("\n  - ")
        ))
    }
}
