//! The rows `introspect` read, as the state format: the shape a compiled schema has, so live
//! and planned states compare field by field. Texts stay as the server printed them;
//! `align` reconciles spellings.

use std::collections::BTreeMap;

use crate::artifacts::state::{
    ColumnState, DefaultKindState, DefaultState, EngineState, IndexState, LifecycleState,
    MaterializedViewState, State, TableState, ViewState,
};

use super::create_query::{self, CreateParts};
use super::introspect::LiveObject;
use chplan_clickhouse::chtype::ColumnType;
use chplan_clickhouse::sql::tokens::{Kind, matching, split_top_level, tokens, unquote_name};

/// Something of the live database the state format has no place for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unexpressed {
    pub object: String,
    pub what: String,
}

/// What the client reads bytes that are not UTF-8 as.
const NOT_UTF8: char = '\u{FFFD}';

/// ClickHouse adds this to every MergeTree table that sets no other granularity.
const DEFAULT_SETTINGS: &[(&str, &str)] = &[("index_granularity", "8192")];

/// Whether the server sets `key = value` on its own when a table declares nothing.
pub fn is_server_default(key: &str, value: &str) -> bool {
    DEFAULT_SETTINGS.contains(&(key, value.trim()))
}

/// The runner's own tables, never part of a schema.
pub fn is_runner_table(name: &str) -> bool {
    name.starts_with(crate::artifacts::RUNNER_PREFIX)
}

pub fn to_state(
    database: &str,
    objects: &BTreeMap<String, LiveObject>,
) -> (State, Vec<Unexpressed>) {
    let mut state = State::empty(database, None);
    let mut unexpressed = Vec::new();
    for (name, o) in objects {
        // `.inner.` / `.inner_id.` tables are the storage of views without `TO`: reported
        // with their view.
        if is_runner_table(name) || name.starts_with(".inner") {
            continue;
        }
        let parts = create_query::parse(&o.create_table_query);
        let mut note = |what: String| {
            unexpressed.push(Unexpressed {
                object: name.clone(),
                what,
            })
        };
        for what in &parts.unexpressed {
            note(what.clone());
        }
        if o.create_table_query.contains(NOT_UTF8) {
            note(
                "names or text that are not UTF-8 (read as U+FFFD); chplan's files are UTF-8"
                    .to_owned(),
            );
        }
        let comment = (!o.comment.is_empty()).then(|| o.comment.clone());
        if o.is_view() {
            state.views.insert(
                name.clone(),
                ViewState {
                    select: view_select(o),
                    depends_on: Vec::new(),
                    comment,
                },
            );
        } else if o.is_materialized_view() {
            match &parts.to {
                Some((db, to)) if db.as_deref().is_none_or(|d| d == database) => {
                    state.materialized_views.insert(
                        name.clone(),
                        MaterializedViewState {
                            to: to.clone(),
                            select: view_select(o),
                            depends_on: Vec::new(),
                            comment,
                        },
                    );
                }
                Some((Some(db), to)) => note(format!(
                    "materialized view writing into another database ({db}.{to}); chplan \
                     manages one database"
                )),
                _ => note(
                    "materialized view without a TO table (its own inner storage); declare a \
                     target table and `to=`"
                        .to_owned(),
                ),
            }
        } else if matches!(o.engine.as_str(), "Dictionary" | "") {
            note(format!(
                "{} (not a table, view or materialized view)",
                if o.engine.is_empty() {
                    "object without an engine"
                } else {
                    "dictionary"
                }
            ));
        } else {
            state
                .tables
                .insert(name.clone(), table(name, o, &parts, comment));
        }
    }
    unexpressed.sort();
    (state, unexpressed)
}

fn table(name: &str, o: &LiveObject, parts: &CreateParts, comment: Option<String>) -> TableState {
    let columns = o
        .columns
        .iter()
        .map(|c| ColumnState {
            name: c.name.clone(),
            data_type: ColumnType::parse(&c.data_type),
            default: default_kind(&c.default_kind).map(|kind| DefaultState {
                expr: if kind == DefaultKindState::Ephemeral
                    && parts.bare_ephemeral.contains(&c.name)
                {
                    String::new()
                } else {
                    c.default_expression.clone()
                },
                kind,
            }),
            codec: codec_inner(&c.compression_codec),
            ttl: parts.column_ttls.get(&c.name).cloned(),
            comment: (!c.comment.is_empty()).then(|| c.comment.clone()),
        })
        .collect();
    // The keys as the statement writes them; servers that print no ORDER BY (the old
    // `MergeTree(date, key, 8192)` syntax) have only the columns.
    let (order_by, primary_key) = match parts.order_by.as_ref().filter(|o| !o.is_empty()) {
        Some(order) => (
            key(&o.sorting_key, order),
            parts.primary_key.as_ref().map(|pk| key(&o.primary_key, pk)),
        ),
        None => (
            split_top_level(&o.sorting_key),
            (!o.primary_key.is_empty() && o.primary_key != o.sorting_key)
                .then(|| split_top_level(&o.primary_key)),
        ),
    };
    let indexes = o
        .indexes
        .iter()
        .filter_map(|i| {
            let expr = match parts.index_exprs.get(&i.name) {
                Some(written) => written.clone(),
                // Added by the server (`add_minmax_index_for_numeric_columns`), not declared:
                // the setting brings it back.
                None if i.name.starts_with("auto_minmax_index_") => return None,
                None if split_top_level(&i.expr).len() > 1 => format!("({})", i.expr),
                None => i.expr.clone(),
            };
            Some(IndexState { expr, ..i.clone() })
        })
        .collect();
    let settings = parts
        .settings
        .iter()
        .filter(|(k, v)| !is_server_default(k, v))
        .map(|(k, v)| (unquote_name(k), v.clone()))
        .collect::<BTreeMap<_, _>>();
    TableState {
        logical: name.to_owned(),
        version: None,
        lifecycle: LifecycleState::FullyManaged,
        columns,
        engine: EngineState {
            name: o.engine.clone(),
            args: parts.engine_args.clone(),
        },
        order_by,
        primary_key,
        partition_by: non_empty(&o.partition_key),
        sample_by: non_empty(&o.sampling_key),
        ttl: parts.ttl.clone(),
        settings,
        indexes,
        projections: o
            .projections
            .clone()
            .unwrap_or_else(|| parts.projections.clone()),
        constraints: parts.constraints.clone(),
        comment,
    }
}

/// A key's expressions: the server's column (`sorting_key`: `a, b`) when the statement writes
/// them the way chplan does (`(a, b)`), else the statement's clause (`(a)`, `tuple(a DESC)`,
/// `a` without the version column an engine appends), as a list when that is written the
/// same way, else as one expression.
fn key(column: &str, clause: &str) -> Vec<String> {
    let written = |items: &[String]| match items {
        [] => "tuple()".to_owned(),
        [one] => one.clone(),
        many => format!("({})", many.join(", ")),
    };
    let clause = clause.trim();
    let items = split_top_level(column);
    if written(&items) == clause {
        return items;
    }
    let toks = tokens(clause);
    let inner = match toks.first() {
        Some(t) if t.kind == Kind::Open && matching(&toks, 0) == Some(toks.len() - 1) => {
            &clause[t.end..toks[toks.len() - 1].start]
        }
        _ => clause,
    };
    let items = split_top_level(inner);
    if written(&items) == clause {
        items
    } else {
        vec![clause.to_owned()]
    }
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

fn default_kind(kind: &str) -> Option<DefaultKindState> {
    match kind {
        "DEFAULT" => Some(DefaultKindState::Default),
        "MATERIALIZED" => Some(DefaultKindState::Materialized),
        "ALIAS" => Some(DefaultKindState::Alias),
        "EPHEMERAL" => Some(DefaultKindState::Ephemeral),
        _ => None,
    }
}

/// `CODEC(Delta(4), ZSTD(1))` → `Delta(4), ZSTD(1)`: the state keeps what goes inside.
fn codec_inner(codec: &str) -> Option<String> {
    let c = codec.trim();
    if c.is_empty() {
        return None;
    }
    Some(
        c.strip_prefix("CODEC(")
            .and_then(|r| r.strip_suffix(')'))
            .unwrap_or(c)
            .trim()
            .to_owned(),
    )
}

/// The SELECT of a view: `as_select`, else what follows ` AS ` in `create_table_query`.
pub fn view_select(o: &LiveObject) -> String {
    if !o.as_select.trim().is_empty() {
        return o.as_select.clone();
    }
    let q = &o.create_table_query;
    [" AS SELECT", " AS WITH", " AS (", " AS\n"]
        .iter()
        .filter_map(|m| q.find(m))
        .min()
        .map_or_else(String::new, |i| q[i + 4..].trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_as_written() {
        let k = |column: &str, clause: &str| key(column, clause);
        assert_eq!(k("a, b", "(a, b)"), ["a", "b"]);
        assert_eq!(k("a", "a"), ["a"]);
        assert!(k("", "tuple()").is_empty());
        assert_eq!(k("(a)", "(a)"), ["(a)"]);
        // Directions are only in the statement.
        assert_eq!(k("a, b", "tuple(a DESC, b)"), ["tuple(a DESC, b)"]);
        assert_eq!(k("i", "i DESC"), ["i DESC"]);
        // VersionedCollapsingMergeTree appends its version column.
        assert_eq!(k("a, v", "a"), ["a"]);
        assert_eq!(k("a, b, v", "(a, b)"), ["a", "b"]);
        assert_eq!(k("date, v", "(date)"), ["(date)"]);
        let o = LiveObject {
            name: "t".into(),
            engine: "MergeTree".into(),
            sorting_key: "a".into(),
            primary_key: "a".into(),
            create_table_query: "CREATE TABLE d.t (`a` UInt8, `b` UInt8, INDEX i (a, b) TYPE minmax GRANULARITY 1) ENGINE = MergeTree PRIMARY KEY a ORDER BY a SETTINGS add_minmax_index_for_numeric_columns = 1".into(),
            indexes: ["i", "auto_minmax_index_a"]
                .map(|n| IndexState {
                    name: n.into(),
                    expr: "a, b".into(),
                    index_type: "minmax".into(),
                    granularity: 1,
                })
                .to_vec(),
            ..LiveObject::default()
        };
        let (state, _) = to_state("d", &BTreeMap::from([("t".to_owned(), o)]));
        let t = &state.tables["t"];
        // Declared equal to the sorting key, and kept: the statement says it.
        assert_eq!(t.primary_key.as_deref(), Some(&["a".to_owned()][..]));
        assert_eq!(t.indexes.len(), 1);
        assert_eq!(t.indexes[0].expr, "(a, b)");
    }

    #[test]
    fn text_that_is_not_utf8_is_reported() {
        let o = LiveObject {
            name: "t".into(),
            engine: "MergeTree".into(),
            create_table_query:
                "CREATE TABLE d.t (`\u{FFFD}` UInt8) ENGINE = MergeTree ORDER BY tuple()".into(),
            ..LiveObject::default()
        };
        let (state, unexpressed) = to_state("d", &BTreeMap::from([("t".to_owned(), o)]));
        assert!(state.tables.contains_key("t"));
        assert_eq!(unexpressed.len(), 1, "{unexpressed:?}");
        assert!(unexpressed[0].what.contains("not UTF-8"), "{unexpressed:?}");
    }

    #[test]
    fn codec_and_select() {
        assert_eq!(
            codec_inner("CODEC(Delta(4), ZSTD(1))").as_deref(),
            Some("Delta(4), ZSTD(1)")
        );
        assert_eq!(codec_inner(""), None);
        let o = LiveObject {
            create_table_query: "CREATE VIEW d.v (`id` String) AS SELECT id FROM d.t".into(),
            ..LiveObject::default()
        };
        assert_eq!(view_select(&o), "SELECT id FROM d.t");
    }
}
