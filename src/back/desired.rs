//! The desired state: the resolved schema as plain, span-free data (the `state.json` format),
//! with every SQL reference rewritten to the physical name it resolved to.

use std::collections::BTreeMap;

use crate::front::ir::{
    ConstraintKind, DefaultKind, Lifecycle, ProjectConfig, Schema, SettingValue, Table, Text,
};
use crate::front::resolve::{ObjectId, ObjectKind, Resolved};
use chplan_clickhouse::chtype::ColumnType;
use chplan_clickhouse::engines;
use chplan_clickhouse::sql::deps as sqldeps;
use chplan_clickhouse::sql::keys::key_items;
use chplan_clickhouse::sqltext::{back_quote_if_need, quote_ident, quote_string};
use chplan_runner::artifacts::state::{
    ColumnState, ConstraintKindState, ConstraintState, DefaultKindState, DefaultState, EngineState,
    IndexState, LifecycleState, MaterializedViewState, ProjectionState, State, TableState,
    ViewState,
};

pub fn build(config: &ProjectConfig, schema: &Schema, resolved: &Resolved) -> State {
    let mut state = State::empty(&config.database, config.cluster.as_deref());
    for (i, obj) in resolved.objects.iter().enumerate() {
        let id = ObjectId(i);
        match obj.kind {
            ObjectKind::Table => {
                let t = &schema.tables[obj.decl];
                state.tables.insert(obj.physical.clone(), table(config, t));
            }
            ObjectKind::View => {
                let v = &schema.views[obj.decl];
                state.views.insert(
                    obj.physical.clone(),
                    ViewState {
                        select: rewrite(config, resolved, id, &v.select),
                        depends_on: depends_on(resolved, id),
                        comment: v.comment.as_ref().map(|c| c.value.clone()),
                    },
                );
            }
            ObjectKind::MaterializedView => {
                let v = &schema.materialized_views[obj.decl];
                let to = resolved
                    .edges(id)
                    .writes
                    .map(|w| resolved.object(w).physical.clone())
                    .unwrap_or_else(|| v.to.value.clone());
                state.materialized_views.insert(
                    obj.physical.clone(),
                    MaterializedViewState {
                        to,
                        select: rewrite(config, resolved, id, &v.select),
                        depends_on: depends_on(resolved, id),
                        comment: v.comment.as_ref().map(|c| c.value.clone()),
                    },
                );
            }
        }
    }
    state
}

fn depends_on(resolved: &Resolved, id: ObjectId) -> Vec<String> {
    let mut names: Vec<String> = resolved
        .edges(id)
        .reads
        .iter()
        .map(|r| resolved.object(*r).physical.clone())
        .collect();
    names.sort();
    names
}

/// The SELECT with each resolved table reference replaced by `database`.`physical`.
fn rewrite(config: &ProjectConfig, resolved: &Resolved, id: ObjectId, select: &Text) -> String {
    let mut refs = resolved.edges(id).sql_refs.clone();
    refs.sort_by_key(|r| r.range.start);
    let text = &select.value;
    let mut out = String::with_capacity(text.len() + 32);
    let mut at = 0;
    for r in refs {
        if r.range.start < at || r.range.end > text.len() {
            continue;
        }
        out.push_str(&text[at..r.range.start]);
        out.push_str(&quote_ident(&config.database));
        out.push('.');
        out.push_str(&quote_ident(&resolved.object(r.target).physical));
        at = r.range.end;
    }
    out.push_str(&text[at..]);
    out.trim().to_string()
}

/// The SELECT of a state as a person writes it: the inverse of [`rewrite`]. References to
/// tables of the project's `database` lose the qualifier `rewrite` gave them
/// (`` `shop`.`events_0_1` `` becomes `events_0_1`; backticks stay only where a bare name would
/// not read as the same name); tables of other databases keep theirs. Compiled again, each
/// name resolves to the object it named (physical names are looked up before logical ones),
/// and `rewrite` gives `select` back.
///
/// When dropping the qualifiers would change which tables the SQL is read to name (a CTE of
/// the same name, a name that reads as a keyword) or add a warning, `select` is returned as it
/// is: qualified references compile to the same state.
pub fn unqualify(database: &str, select: &str) -> String {
    let deps = sqldeps::infer(select);
    let own = |r: &sqldeps::TableRef| r.database.as_deref() == Some(database);
    if !deps.tables.iter().any(own) {
        return select.to_string();
    }
    // What inference must find in the result: the same tables, ours without a database.
    let expected: Vec<(Option<&str>, &str)> = deps
        .tables
        .iter()
        .map(|r| (r.database.as_deref().filter(|_| !own(r)), r.name.as_str()))
        .collect();
    for always_quote in [false, true] {
        let mut out = String::with_capacity(select.len());
        let mut at = 0;
        for r in deps.tables.iter().filter(|r| own(r)) {
            let Some(before) = select.get(at..r.span.start) else {
                return select.to_string();
            };
            out.push_str(before);
            let plain = r
                .name
                .starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && r.name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_');
            if plain && !always_quote {
                out.push_str(&r.name);
            } else {
                out.push_str(&quote_ident(&r.name));
            }
            at = r.span.end;
        }
        out.push_str(select.get(at..).unwrap_or(""));
        let again = sqldeps::infer(&out);
        let found: Vec<(Option<&str>, &str)> = again
            .tables
            .iter()
            .map(|r| (r.database.as_deref(), r.name.as_str()))
            .collect();
        if found == expected && (again.problem.is_none() || deps.problem.is_some()) {
            return out;
        }
    }
    select.to_string()
}

fn table(config: &ProjectConfig, t: &Table) -> TableState {
    // A key argument that is exactly a column's name is that column, however odd the name
    // (`order-by "c`ol"`), written as the server writes it; anything else is expressions.
    let exprs = |list: &[Text]| -> Vec<String> {
        list.iter()
            .flat_map(|e| {
                if t.key_is_column(e) {
                    vec![back_quote_if_need(&e.value)]
                } else {
                    key_items(&e.value).into_iter().map(|(n, _)| n).collect()
                }
            })
            .collect()
    };
    TableState {
        logical: t.name.value.clone(),
        version: t.version.as_ref().map(|v| v.value.text.clone()),
        lifecycle: match t.lifecycle.value {
            Lifecycle::FullyManaged => LifecycleState::FullyManaged,
            Lifecycle::DeletionProtected => LifecycleState::DeletionProtected,
            Lifecycle::ExternallyManaged => LifecycleState::ExternallyManaged,
        },
        columns: t
            .columns
            .iter()
            .map(|c| ColumnState {
                name: c.name.value.clone(),
                data_type: match &c.data_type {
                    Some(d) => ColumnType::from(d.clone()),
                    None => ColumnType::parse(&c.type_text.value),
                },
                default: c.default.as_ref().map(|d| DefaultState {
                    kind: match d.kind {
                        DefaultKind::Default => DefaultKindState::Default,
                        DefaultKind::Materialized => DefaultKindState::Materialized,
                        DefaultKind::Alias => DefaultKindState::Alias,
                        DefaultKind::Ephemeral => DefaultKindState::Ephemeral,
                    },
                    expr: d.expr.value.trim().to_string(),
                }),
                codec: c.codec.as_ref().map(|s| s.value.trim().to_string()),
                ttl: c.ttl.as_ref().map(|s| s.value.trim().to_string()),
                comment: c.comment.as_ref().map(|s| s.value.clone()),
            })
            .collect(),
        engine: engine(config, t),
        order_by: t
            .order_by
            .as_ref()
            .map(|o| exprs(&o.value))
            .unwrap_or_default(),
        primary_key: t.primary_key.as_ref().map(|p| exprs(&p.value)),
        partition_by: t.partition_by.as_ref().map(|e| e.value.trim().to_string()),
        sample_by: t.sample_by.as_ref().map(|e| e.value.trim().to_string()),
        ttl: t.ttl.as_ref().map(|e| e.value.trim().to_string()),
        settings: t
            .settings
            .iter()
            .map(|(k, v)| {
                let literal = match &v.value {
                    SettingValue::Int(i) => i.to_string(),
                    SettingValue::Float(f) => f.clone(),
                    SettingValue::Bool(b) => u8::from(*b).to_string(),
                    SettingValue::String(s) => quote_string(s),
                };
                (k.clone(), literal)
            })
            .collect::<BTreeMap<_, _>>(),
        indexes: t
            .indexes
            .iter()
            .map(|i| IndexState {
                name: i.name.value.clone(),
                expr: i.expr.value.trim().to_string(),
                index_type: i.index_type.value.trim().to_string(),
                granularity: i.granularity.as_ref().map(|g| g.value).unwrap_or(1),
            })
            .collect(),
        projections: t
            .projections
            .iter()
            .map(|p| ProjectionState {
                name: p.name.value.clone(),
                query: p.query.value.trim().to_string(),
            })
            .collect(),
        constraints: t
            .constraints
            .iter()
            .map(|c| ConstraintState {
                name: c.name.value.clone(),
                kind: match c.kind {
                    ConstraintKind::Check => ConstraintKindState::Check,
                    ConstraintKind::Assume => ConstraintKindState::Assume,
                },
                expr: c.expr.value.trim().to_string(),
            })
            .collect(),
        comment: t.comment.as_ref().map(|c| c.value.clone()),
    }
}

/// The engine as SQL: parameters in the order the engine takes them; on a cluster, MergeTree
/// engines become their Replicated forms (with the server's default path and replica).
fn engine(config: &ProjectConfig, t: &Table) -> EngineState {
    let Some(e) = &t.engine else {
        let name = if config.cluster.is_some() {
            engines::replicated_form(engines::DEFAULT_ENGINE)
        } else {
            engines::DEFAULT_ENGINE.to_string()
        };
        return EngineState {
            name,
            args: Vec::new(),
        };
    };
    let Some(info) = engines::lookup(&e.name.value) else {
        return EngineState {
            name: e.name.value.clone(),
            args: Vec::new(),
        };
    };
    if info.spec.raw_args {
        return EngineState {
            name: e.name.value.clone(),
            args: e
                .params
                .get("args")
                .map(|a| vec![a.value.trim().to_string()])
                .unwrap_or_default(),
        };
    }
    let replicated = info.replicated || (config.cluster.is_some() && info.spec.merge_tree);
    let mut args = Vec::new();
    for p in info.params() {
        if let Some(v) = e.params.get(p.name) {
            args.push(if p.is_column {
                quote_ident(&v.value)
            } else {
                quote_string(&v.value)
            });
        }
    }
    if info.spec.column_args && !e.args.is_empty() {
        let cols: Vec<String> = e.args.iter().map(|a| quote_ident(&a.value)).collect();
        args.push(if cols.len() == 1 {
            cols[0].clone()
        } else {
            format!("({})", cols.join(", "))
        });
    }
    let name = if replicated {
        engines::replicated_form(info.spec.base)
    } else {
        info.spec.base.to_string()
    };
    EngineState { name, args }
}

/// `renamed-from` declarations by table physical name.
pub fn renames(schema: &Schema, resolved: &Resolved) -> crate::back::diff::Renames {
    let mut out = crate::back::diff::Renames::new();
    for obj in &resolved.objects {
        if obj.kind != ObjectKind::Table {
            continue;
        }
        for c in &schema.tables[obj.decl].columns {
            if let Some(from) = &c.renamed_from {
                out.entry(obj.physical.clone())
                    .or_default()
                    .insert(c.name.value.clone(), from.value.clone());
            }
        }
    }
    out
}

/// What a version declaration says about its bump (`replaces`), by new physical name.
#[derive(Debug, Clone)]
pub struct ReplacesHint {
    /// `None`: whatever version (or unversioned table) was planned last.
    pub version: Option<String>,
    pub backfill: Option<bool>,
    pub keep_old: Option<bool>,
    /// Where problems with the bump point: the `replaces` node, or the new version.
    pub span: crate::front::source::Span,
}

/// Per-table instructions for version bumps: `backfill=` column expressions and `replaces`.
#[derive(Debug, Clone, Default)]
pub struct VersionHints {
    pub backfill_exprs: BTreeMap<String, BTreeMap<String, String>>,
    pub replaces: BTreeMap<String, ReplacesHint>,
    /// Where each table's version is declared (or its name, unversioned), by physical name.
    pub spans: BTreeMap<String, crate::front::source::Span>,
    /// Where each column is declared, by table physical name and column name.
    pub column_spans: BTreeMap<String, BTreeMap<String, crate::front::source::Span>>,
}

pub fn version_hints(schema: &Schema, resolved: &Resolved) -> VersionHints {
    let mut hints = VersionHints::default();
    for obj in &resolved.objects {
        if obj.kind != ObjectKind::Table {
            continue;
        }
        let t = &schema.tables[obj.decl];
        let span = t.version.as_ref().map(|v| v.span).unwrap_or(t.name.span);
        hints.spans.insert(obj.physical.clone(), span);
        for c in &t.columns {
            hints
                .column_spans
                .entry(obj.physical.clone())
                .or_default()
                .insert(c.name.value.clone(), c.span);
            if let Some(expr) = &c.backfill {
                hints
                    .backfill_exprs
                    .entry(obj.physical.clone())
                    .or_default()
                    .insert(c.name.value.clone(), expr.value.trim().to_string());
            }
        }
        if let Some(r) = &t.replaces {
            hints.replaces.insert(
                obj.physical.clone(),
                ReplacesHint {
                    version: r.version.as_ref().map(|v| v.value.text.clone()),
                    backfill: r.backfill.as_ref().map(|b| b.value),
                    keep_old: r.keep_old.as_ref().map(|b| b.value),
                    span: r.span,
                },
            );
        }
    }
    hints
}
