//! The rows `introspect` read, as the state format: the shape a compiled schema has, so live
//! and planned states compare field by field. Texts stay as the server printed them;
//! `align` reconciles spellings.

use std::collections::BTreeMap;

use crate::artifacts::state::{
    ColumnState, DefaultKindState, DefaultState, EngineState, LifecycleState,
    MaterializedViewState, State, TableState, ViewState,
};

use super::create_query::{self, CreateParts};
use super::introspect::LiveObject;
use super::scan::{split_top_level, unquote_name};

/// Something of the live database the state format has no place for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unexpressed {
    pub object: String,
    pub what: String,
}

/// ClickHouse adds this to every MergeTree table that sets no other granularity.
const DEFAULT_SETTINGS: &[(&str, &str)] = &[("index_granularity", "8192")];

/// Whether the server sets `key = value` on its own when a table declares nothing.
pub fn is_server_default(key: &str, value: &str) -> bool {
    DEFAULT_SETTINGS.contains(&(key, value.trim()))
}

/// The runner's own tables, never part of a schema.
pub fn is_runner_table(name: &str) -> bool {
    name.starts_with("_chplan_")
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
            data_type: c.data_type.clone(),
            default: default_kind(&c.default_kind).map(|kind| DefaultState {
                kind,
                expr: c.default_expression.clone(),
            }),
            codec: codec_inner(&c.compression_codec),
            ttl: parts.column_ttls.get(&c.name).cloned(),
            comment: (!c.comment.is_empty()).then(|| c.comment.clone()),
        })
        .collect();
    let order_by = split_top_level(&o.sorting_key);
    let primary_key = (!o.primary_key.is_empty() && o.primary_key != o.sorting_key)
        .then(|| split_top_level(&o.primary_key));
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
        indexes: o.indexes.clone(),
        projections: o
            .projections
            .clone()
            .unwrap_or_else(|| parts.projections.clone()),
        constraints: parts.constraints.clone(),
        comment,
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
