//! Changes into ordered steps: each one operation with its template input.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::order::topological;
use super::select_columns::{insertable, output_names};
use crate::back::diff::{Alter, Change, ColumnProperty, Diff};
use chplan_clickhouse::engines;
use chplan_clickhouse::sqltext::quote_ident;
use chplan_runner::artifacts::plan::{Backfill, ColumnMapping, OpKind};
use chplan_runner::artifacts::state::{ColumnState, MaterializedViewState, State};

/// One operation before rendering: what it is, and the data its template renders.
#[derive(Debug, Clone)]
pub struct Step {
    pub kind: OpKind,
    pub id: String,
    pub objects: Vec<String>,
    pub destructive: bool,
    /// One line a reviewer reads: `+ table events_0_1`, `~ table events: + column s String`.
    pub description: String,
    pub context: Value,
    pub backfill: Option<Backfill>,
}

fn step(
    kind: OpKind,
    object: &str,
    detail: Option<&str>,
    description: String,
    context: Value,
) -> Step {
    let tag = kebab(kind);
    let id = match detail {
        Some(d) => format!("{tag}:{object}:{d}"),
        None => format!("{tag}:{object}"),
    };
    let destructive = matches!(
        kind,
        OpKind::DropTable
            | OpKind::DropTableColumn
            | OpKind::DropView
            | OpKind::DropMaterializedView
    );
    let mut description = description;
    if destructive {
        description.push_str(" (destructive)");
    }
    Step {
        kind,
        id,
        objects: vec![object.to_string()],
        destructive,
        description,
        context,
        backfill: None,
    }
}

pub fn kebab(kind: OpKind) -> String {
    let name = format!("{kind:?}");
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

fn column_line(c: &ColumnState) -> String {
    format!("{} {}", c.name, c.data_type)
}

/// A decided version bump: the new version replaces `source`; `columns` when data is copied.
#[derive(Debug, Clone)]
pub struct BumpBackfill {
    pub source: String,
    pub target: String,
    pub columns: Option<Vec<ColumnMapping>>,
}

/// A materialized view re-created only because a table it touches moved to a new version:
/// its target must not be repopulated (the bump's backfill copies the data once).
fn only_renamed(
    before: Option<&MaterializedViewState>,
    after: &MaterializedViewState,
    bumps: &[BumpBackfill],
) -> bool {
    let Some(before) = before else {
        return false;
    };
    let rename = |name: &str| -> String {
        bumps
            .iter()
            .find(|b| b.source == name)
            .map(|b| b.target.clone())
            .unwrap_or_else(|| name.to_string())
    };
    let mut select = before.select.clone();
    for b in bumps {
        select = select.replace(&quote_ident(&b.source), &quote_ident(&b.target));
    }
    rename(&before.to) == after.to && select == after.select
}

pub fn steps(old: &State, new: &State, diff: &Diff, bumps: &[BumpBackfill]) -> Vec<Step> {
    let mut drops_of_views = Vec::new();
    let mut alters = Vec::new();
    let mut creates = Vec::new();
    let mut table_drops = Vec::new();
    let created_tables: BTreeSet<&str> = diff
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateTable(n, _) => Some(n.as_str()),
            _ => None,
        })
        .collect();
    let recreated_views: BTreeSet<&str> = diff
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateView(n, _) => Some(n.as_str()),
            _ => None,
        })
        .collect();
    for change in &diff.changes {
        match change {
            Change::DropView(name, _) => {
                let mut s = step(
                    OpKind::DropView,
                    name,
                    None,
                    format!("- view {name}"),
                    json!({ "name": name }),
                );
                // A view holds no data: dropping one that is re-created in this plan loses nothing.
                if recreated_views.contains(name.as_str()) {
                    s.destructive = false;
                    s.description = format!("- view {name} (re-created below)");
                }
                drops_of_views.push(s)
            }
            Change::DropMaterializedView(name, _) => drops_of_views.push(step(
                OpKind::DropMaterializedView,
                name,
                None,
                format!("- materialized view {name}"),
                json!({ "name": name }),
            )),
            Change::DropTable(name, _) => table_drops.push(step(
                OpKind::DropTable,
                name,
                None,
                format!("- table {name}"),
                json!({ "name": name }),
            )),
            Change::CreateTable(name, t) => creates.push(step(
                OpKind::CreateTable,
                name,
                None,
                format!("+ table {name}"),
                json!({ "name": name, "table": table_context(t) }),
            )),
            Change::AlterTable(name, list) => alters.extend(alter_steps(name, list)),
            Change::CreateView(..) | Change::CreateMaterializedView(..) => {}
        }
    }
    // Drop dependents before what they read: reverse dependency order of the old state.
    let old_rank: std::collections::BTreeMap<String, usize> = topological(old)
        .into_iter()
        .enumerate()
        .map(|(i, name)| (name, i))
        .collect();
    drops_of_views.sort_by_key(|s| {
        std::cmp::Reverse(old_rank.get(&s.objects[0]).copied().unwrap_or(usize::MAX))
    });

    let view_changes: std::collections::BTreeMap<&str, &Change> = diff
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateView(n, _) | Change::CreateMaterializedView(n, _) => {
                Some((n.as_str(), c))
            }
            _ => None,
        })
        .collect();
    // Materialized views reading a version that is about to be backfilled are created after
    // the backfill (else they would copy the backfilled rows into targets that have them);
    // those writing into it come before (so no insert is lost while it runs). Anything built
    // on a late object is late too.
    let backfilled: BTreeSet<&str> = bumps
        .iter()
        .filter(|b| b.columns.is_some())
        .map(|b| b.target.as_str())
        .collect();
    let mut late: BTreeSet<String> = BTreeSet::new();
    let mut view_creates = Vec::new();
    let mut late_creates = Vec::new();
    for name in topological(new) {
        let reads: Vec<&String> = new
            .views
            .get(&name)
            .map(|v| v.depends_on.iter().collect())
            .or_else(|| {
                new.materialized_views
                    .get(&name)
                    .map(|v| v.depends_on.iter().collect())
            })
            .unwrap_or_default();
        let is_mv = new.materialized_views.contains_key(&name);
        let is_late = reads.iter().any(|r| late.contains(*r))
            || (is_mv && reads.iter().any(|r| backfilled.contains(r.as_str())));
        if is_late {
            late.insert(name.clone());
        }
        let out = if is_late {
            &mut late_creates
        } else {
            &mut view_creates
        };
        if let Some(change) = view_changes.get(name.as_str()) {
            match change {
                Change::CreateView(n, v) => out.push(step(
                    OpKind::CreateView,
                    n,
                    None,
                    format!("+ view {n}"),
                    json!({ "name": n, "view": v }),
                )),
                Change::CreateMaterializedView(n, v) => {
                    out.push(step(
                        OpKind::CreateMaterializedView,
                        n,
                        None,
                        format!("+ materialized view {n} (into {})", v.to),
                        json!({ "name": n, "view": v }),
                    ));
                    // Sources all created in this plan are empty: nothing to copy.
                    let has_data = v
                        .depends_on
                        .iter()
                        .any(|s| !created_tables.contains(s.as_str()));
                    if has_data && !only_renamed(old.materialized_views.get(n), v, bumps) {
                        out.push(populate(n, v, new));
                    }
                }
                _ => {}
            }
        }
    }

    // A bump's copy runs once the new version and everything that writes into it exist, and
    // before the old version is dropped.
    let mut bump_backfills = Vec::new();
    for b in bumps {
        let Some(columns) = &b.columns else { continue };
        let mut s = step(
            OpKind::Backfill,
            &b.target,
            Some(&b.source),
            format!("> backfill {} from {}", b.target, b.source),
            json!({ "target": b.target, "source": b.source, "select": null, "columns": columns }),
        );
        s.objects = vec![b.target.clone(), b.source.clone()];
        s.backfill = Some(Backfill {
            source: Some(b.source.clone()),
            target: b.target.clone(),
            columns: columns.clone(),
        });
        bump_backfills.push(s);
    }
    let mut all = drops_of_views;
    all.extend(alters);
    all.extend(creates);
    all.extend(view_creates);
    all.extend(bump_backfills);
    all.extend(late_creates);
    all.extend(table_drops);
    dedupe_ids(&mut all);
    all
}

/// Repeated ids (two changes of one kind on one object) get `#2`, `#3`, ...
fn dedupe_ids(steps: &mut [Step]) {
    let mut seen = std::collections::BTreeMap::new();
    for s in steps.iter_mut() {
        let n = seen.entry(s.id.clone()).or_insert(0usize);
        *n += 1;
        if *n > 1 {
            s.id = format!("{}#{n}", s.id);
        }
    }
}

/// The backfill of a materialized view's target from the view's SELECT, mapped by name.
fn populate(name: &str, v: &MaterializedViewState, new: &State) -> Step {
    let target = new.tables.get(&v.to);
    let outputs = output_names(&v.select, new);
    let columns: Vec<ColumnMapping> = match (target, &outputs) {
        (Some(t), Some(outputs)) => t
            .columns
            .iter()
            .filter(|c| insertable(c.default.as_ref().map(|d| d.kind)))
            .filter(|c| outputs.contains(&c.name))
            .map(|c| ColumnMapping {
                target: c.name.clone(),
                expr: c.name.clone(),
            })
            .collect(),
        _ => Vec::new(),
    };
    let by = if columns.is_empty() {
        " (columns by position)"
    } else {
        ""
    };
    let mut s = step(
        OpKind::Backfill,
        &v.to,
        Some(name),
        format!("> backfill {} from materialized view {name}{by}", v.to),
        json!({ "target": v.to, "source": null, "select": v.select, "columns": columns }),
    );
    s.objects = vec![v.to.clone(), name.to_string()];
    s.backfill = Some(Backfill {
        source: None,
        target: v.to.clone(),
        columns,
    });
    s
}

fn table_context(t: &chplan_runner::artifacts::state::TableState) -> Value {
    let mut v = serde_json::to_value(t).unwrap_or(Value::Null);
    // The state format leaves empty lists out; templates are strict about undefined values.
    if let Some(map) = v.as_object_mut() {
        for key in ["indexes", "projections", "constraints"] {
            map.entry(key).or_insert_with(|| json!([]));
        }
        map.entry("settings").or_insert_with(|| json!({}));
    }
    if let Some(engine) = v.get_mut("engine").and_then(Value::as_object_mut) {
        let merge_tree = engines::is_merge_tree_family(&t.engine.name);
        engine.insert("merge_tree".into(), Value::Bool(merge_tree));
        engine.entry("args").or_insert_with(|| json!([]));
    }
    v
}

/// Alterations of one table, in an order ClickHouse accepts: renames, drops of parts that may
/// use columns, column adds and changes, TTL, column drops, then new parts and table settings.
fn alter_steps(table: &str, alters: &[Alter]) -> Vec<Step> {
    let rank = |a: &Alter| match a {
        Alter::RenameColumn { .. } => 0,
        Alter::DropConstraint(_) | Alter::DropIndex(_) | Alter::DropProjection(_) => 1,
        Alter::AddColumn { .. } | Alter::ModifyOrderBy { .. } => 2,
        Alter::RemoveColumnProperty { .. } | Alter::ModifyColumn { .. } => 3,
        Alter::CommentColumn { .. } => 3,
        Alter::ModifyTtl(_) => 4,
        Alter::DropColumn(_) => 5,
        Alter::AddIndex(_) | Alter::AddProjection(_) | Alter::AddConstraint(_) => 6,
        Alter::ModifySettings { .. } | Alter::ModifyComment(_) => 7,
    };
    let mut sorted: Vec<&Alter> = alters.iter().collect();
    sorted.sort_by_key(|a| rank(a));
    sorted.into_iter().map(|a| alter_step(table, a)).collect()
}

fn alter_step(t: &str, a: &Alter) -> Step {
    match a {
        Alter::AddColumn { column, after } => step(
            OpKind::AddTableColumn,
            t,
            Some(&column.name),
            format!("~ table {t}: + column {}", column_line(column)),
            json!({ "name": t, "c": column, "after": after }),
        ),
        Alter::DropColumn(c) => step(
            OpKind::DropTableColumn,
            t,
            Some(&c.name),
            format!("~ table {t}: - column {}", column_line(c)),
            json!({ "name": t, "column": c.name }),
        ),
        Alter::ModifyColumn { from, to } => step(
            OpKind::ChangeTableColumn,
            t,
            Some(&to.name),
            if from.data_type != to.data_type {
                format!(
                    "~ table {t}: ~ column {}: {} -> {}",
                    to.name, from.data_type, to.data_type
                )
            } else {
                format!("~ table {t}: ~ column {}", column_line(to))
            },
            json!({ "name": t, "change": "modify", "c": to }),
        ),
        Alter::RemoveColumnProperty { column, property } => {
            let p = match property {
                ColumnProperty::Default => "DEFAULT",
                ColumnProperty::Codec => "CODEC",
                ColumnProperty::Ttl => "TTL",
            };
            step(
                OpKind::ChangeTableColumn,
                t,
                Some(&format!("{column}:remove-{}", p.to_ascii_lowercase())),
                format!(
                    "~ table {t}: ~ column {column}: remove {}",
                    p.to_ascii_lowercase()
                ),
                json!({ "name": t, "change": "remove", "column": column, "property": p }),
            )
        }
        Alter::CommentColumn { column, comment } => step(
            OpKind::ChangeTableColumn,
            t,
            Some(column),
            format!("~ table {t}: ~ column {column}: comment"),
            json!({ "name": t, "change": "comment", "column": column, "comment": comment.clone().unwrap_or_default() }),
        ),
        Alter::RenameColumn { from, to } => step(
            OpKind::RenameTableColumn,
            t,
            Some(to),
            format!("~ table {t}: column {from} renamed to {to}"),
            json!({ "name": t, "from": from, "to": to }),
        ),
        Alter::ModifyOrderBy { add, order_by } => {
            let added: Vec<Value> = add
                .iter()
                .map(|(c, after)| json!({ "column": c, "after": after }))
                .collect();
            let names: Vec<String> = add.iter().map(|(c, _)| column_line(c)).collect();
            step(
                OpKind::ModifyTableOrderBy,
                t,
                None,
                format!(
                    "~ table {t}: + column {}, order by ({})",
                    names.join(", + column "),
                    order_by.join(", ")
                ),
                json!({ "name": t, "add": added, "order_by": order_by }),
            )
        }
        Alter::ModifySettings { set, reset } => step(
            OpKind::ModifyTableSettings,
            t,
            None,
            format!("~ table {t}: settings"),
            json!({ "name": t, "set": set, "reset": reset }),
        ),
        Alter::ModifyTtl(ttl) => step(
            OpKind::ModifyTableTtl,
            t,
            None,
            format!("~ table {t}: ttl"),
            match ttl {
                Some(ttl) => json!({ "name": t, "ttl": ttl }),
                None => json!({ "name": t }),
            },
        ),
        Alter::ModifyComment(comment) => step(
            OpKind::ModifyTableComment,
            t,
            None,
            format!("~ table {t}: comment"),
            json!({ "name": t, "comment": comment.clone().unwrap_or_default() }),
        ),
        Alter::AddIndex(i) => step(
            OpKind::AddTableIndex,
            t,
            Some(&i.name),
            format!("~ table {t}: + index {}", i.name),
            json!({ "name": t, "index": i }),
        ),
        Alter::DropIndex(i) => step(
            OpKind::DropTableIndex,
            t,
            Some(&i.name),
            format!("~ table {t}: - index {}", i.name),
            json!({ "name": t, "index": i.name }),
        ),
        Alter::AddProjection(p) => step(
            OpKind::AddTableProjection,
            t,
            Some(&p.name),
            format!("~ table {t}: + projection {}", p.name),
            json!({ "name": t, "projection": p }),
        ),
        Alter::DropProjection(p) => step(
            OpKind::DropTableProjection,
            t,
            Some(&p.name),
            format!("~ table {t}: - projection {}", p.name),
            json!({ "name": t, "projection": p.name }),
        ),
        Alter::AddConstraint(c) => step(
            OpKind::AddTableConstraint,
            t,
            Some(&c.name),
            format!("~ table {t}: + constraint {}", c.name),
            json!({ "name": t, "constraint": c }),
        ),
        Alter::DropConstraint(c) => step(
            OpKind::DropTableConstraint,
            t,
            Some(&c.name),
            format!("~ table {t}: - constraint {}", c.name),
            json!({ "name": t, "constraint": c.name }),
        ),
    }
}
