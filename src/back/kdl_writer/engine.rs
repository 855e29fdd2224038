//! The `engine` line of a table: an `EngineState`'s SQL arguments mapped back to the named
//! parameters `engines.rs` defines (the inverse of `desired::engine`).

use crate::front::kdl_values::{kdl_quoted, kdl_string};
use chplan_clickhouse::engines::{self, EngineInfo, REPLICATION_PARAMS};
use chplan_clickhouse::sql::tokens::top_level_ranges;
use chplan_clickhouse::sqltext::{unquote_ident, unquote_string};
use chplan_runner::artifacts::state::EngineState;

/// The engine as KDL (`engine ReplacingMergeTree ver=updated_at`), `None` for the default engine
/// (no line needed), and what the language cannot say about it.
pub(super) fn engine_line(e: &EngineState, cluster: bool) -> (Option<String>, Option<String>) {
    let Some(info) = engines::lookup(&e.name) else {
        return (
            Some(format!("engine {}", kdl_string(&e.name))),
            Some(format!(
                "engine `{}` is not an engine chplan knows; written by name only",
                e.sql()
            )),
        );
    };
    if info.spec.raw_args {
        // The language keeps these arguments as one verbatim SQL string.
        let line = if e.args.is_empty() {
            format!("engine {}", info.spec.base)
        } else {
            format!(
                "engine {} args={}",
                info.spec.base,
                kdl_quoted(&e.args.join(", "))
            )
        };
        return (Some(line), None);
    }
    let args: Vec<Arg> = e.args.iter().map(|a| Arg::parse(a)).collect();
    let Some(decoded) = decode(&info, &args) else {
        return (
            Some(format!("engine {}", kdl_string(&e.name))),
            Some(format!(
                "engine arguments of `{}` do not match the parameters chplan names for {}; written without them",
                e.sql(),
                e.name
            )),
        );
    };
    let zoo = decoded.params.iter().any(|(name, _)| *name == "zoo-path");
    let mut problem = None;
    // On a cluster, MergeTree engines are made Replicated (with the server's defaults), so the
    // plain name is what a person writes; a Replicated engine with its own path needs its name.
    let name = if info.replicated && (zoo || !cluster) {
        engines::replicated_form(info.spec.base)
    } else {
        if cluster && !info.replicated {
            problem = Some(format!(
                "engine `{}` is not Replicated, but on a cluster chplan makes every MergeTree engine Replicated",
                e.name
            ));
        }
        info.spec.base.to_string()
    };
    if name == engines::DEFAULT_ENGINE && decoded.params.is_empty() && decoded.columns.is_empty() {
        return (None, problem);
    }
    let mut line = format!("engine {name}");
    for (key, value) in &decoded.params {
        let is_column = info.params().any(|p| p.name == *key && p.is_column);
        let value = if is_column {
            kdl_string(value)
        } else {
            kdl_quoted(value)
        };
        line.push_str(&format!(" {key}={value}"));
    }
    for c in &decoded.columns {
        line.push(' ');
        line.push_str(&kdl_string(c));
    }
    (Some(line), problem)
}

/// One SQL engine argument, by what it can stand for.
enum Arg {
    Str(String),
    Ident(String),
    Columns(Vec<String>),
    Other,
}

impl Arg {
    fn parse(sql: &str) -> Arg {
        let t = sql.trim();
        if let Some(s) = unquote_string(t) {
            return Arg::Str(s);
        }
        if let Some(i) = unquote_ident(t) {
            return Arg::Ident(i);
        }
        if let Some(inner) = t.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
            let columns: Option<Vec<String>> = top_level_ranges(inner)
                .into_iter()
                .map(|r| inner.get(r).and_then(|c| unquote_ident(c.trim())))
                .collect();
            if let Some(columns) = columns {
                return Arg::Columns(columns);
            }
        }
        Arg::Other
    }
}

struct Decoded {
    params: Vec<(&'static str, String)>,
    columns: Vec<String>,
}

/// The parameters the arguments stand for, taken in the order the engine takes them (the
/// order `desired::engine` writes them in): replication path and replica (both or neither),
/// the engine's own parameters (optional ones may be absent), then the summed columns.
fn decode(info: &EngineInfo, args: &[Arg]) -> Option<Decoded> {
    let zoo_options: &[bool] = if info.replicated {
        &[true, false]
    } else {
        &[false]
    };
    zoo_options
        .iter()
        .find_map(|&zoo| decode_with(info, args, zoo))
}

fn decode_with(info: &EngineInfo, args: &[Arg], zoo: bool) -> Option<Decoded> {
    let mut rest = args.iter().peekable();
    let mut params = Vec::new();
    if zoo {
        for p in REPLICATION_PARAMS {
            match rest.next()? {
                Arg::Str(s) => params.push((p.name, s.clone())),
                _ => return None,
            }
        }
    }
    for p in info.spec.params {
        let value = match (rest.peek(), p.is_column) {
            (Some(Arg::Ident(s)), true) | (Some(Arg::Str(s)), false) => Some(s.clone()),
            _ => None,
        };
        match value {
            Some(v) => {
                rest.next();
                params.push((p.name, v));
            }
            None if p.required => return None,
            None => {}
        }
    }
    let mut columns = Vec::new();
    if info.spec.column_args {
        match rest.peek() {
            Some(Arg::Ident(c)) => columns.push(c.clone()),
            Some(Arg::Columns(cs)) if !cs.is_empty() => columns.clone_from(cs),
            _ => {}
        }
        if !columns.is_empty() {
            rest.next();
        }
    }
    if rest.next().is_some() || args.iter().any(|a| matches!(a, Arg::Other)) {
        return None;
    }
    Some(Decoded { params, columns })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: &str, args: &[&str], cluster: bool) -> (Option<String>, Option<String>) {
        let e = EngineState {
            name: name.into(),
            args: args.iter().map(|a| a.to_string()).collect(),
        };
        engine_line(&e, cluster)
    }

    fn ok(name: &str, args: &[&str], cluster: bool) -> String {
        let (l, p) = line(name, args, cluster);
        assert_eq!(p, None, "{name}{args:?}");
        l.unwrap_or_default()
    }

    #[test]
    fn named_parameters() {
        assert_eq!(ok("MergeTree", &[], false), "");
        assert_eq!(ok("ReplicatedMergeTree", &[], true), "");
        assert_eq!(
            ok("ReplicatedMergeTree", &[], false),
            "engine ReplicatedMergeTree"
        );
        assert_eq!(
            ok(
                "ReplacingMergeTree",
                &["`updated_at`", "`is_deleted`"],
                false
            ),
            "engine ReplacingMergeTree ver=updated_at is-deleted=is_deleted"
        );
        assert_eq!(
            ok("ReplicatedReplacingMergeTree", &["`v`"], true),
            "engine ReplacingMergeTree ver=v"
        );
        assert_eq!(
            ok(
                "ReplicatedReplacingMergeTree",
                &["'/t/{shard}'", "'{replica}'", "`v`"],
                true
            ),
            "engine ReplicatedReplacingMergeTree zoo-path=\"/t/{shard}\" replica=\"{replica}\" ver=v"
        );
        assert_eq!(
            ok("ReplicatedGraphiteMergeTree", &["'rollup'"], false),
            "engine ReplicatedGraphiteMergeTree config=\"rollup\""
        );
        assert_eq!(
            ok("SummingMergeTree", &["(`a`, `my col`)"], false),
            "engine SummingMergeTree a \"my col\""
        );
        assert_eq!(
            ok("Kafka", &["'host:9092'", "'topic'"], false),
            "engine Kafka args=\"'host:9092', 'topic'\""
        );
    }

    #[test]
    fn what_cannot_be_said() {
        assert!(line("Nope", &[], false).1.is_some());
        assert!(line("CollapsingMergeTree", &[], false).1.is_some());
        assert!(line("ReplacingMergeTree", &["a + 1"], false).1.is_some());
        assert!(line("MergeTree", &["`x`"], false).1.is_some());
        let (l, p) = line("ReplacingMergeTree", &["`v`"], true);
        assert_eq!(l.as_deref(), Some("engine ReplacingMergeTree ver=v"));
        assert!(p.is_some());
    }
}
