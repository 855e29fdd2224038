//! Changes into ordered steps: each one operation with what its template renders.

use std::collections::{BTreeMap, BTreeSet};

use super::alter_steps::alter_steps;
use super::ops::{self, CreateMaterializedView, CreateTable, CreateView, DropObject, Op};
use super::order::topological;
use super::select_columns::{insertable, output_names};
use crate::back::diff::{Change, Diff};
use chplan_clickhouse::engines;
use chplan_clickhouse::sqltext::quote_ident;
use chplan_runner::artifacts::plan::{Backfill, ColumnMapping, OpKind};
use chplan_runner::artifacts::state::{MaterializedViewState, State, TableState, ViewState};

/// One operation before rendering: what it does, and how the plan names and describes it.
#[derive(Debug, Clone)]
pub struct Step {
    pub op: Op,
    pub id: String,
    pub objects: Vec<String>,
    pub destructive: bool,
    /// One line a reviewer reads: `+ table events_0_1`, `~ table events: + column s String`.
    pub description: String,
}

impl Step {
    pub fn kind(&self) -> OpKind {
        self.op.kind()
    }
}

/// A step on one object; `detail` (a column, an index, a source) tells apart the ids of
/// several steps of one kind on it.
pub(super) fn step(op: Op, object: &str, detail: Option<&str>, description: String) -> Step {
    let kind = op.kind();
    let tag = ops::id_tag(kind);
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
        op,
        id,
        objects: vec![object.to_string()],
        destructive,
        description,
    }
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

/// Every step of a plan, in phases: drops of views (dependents first), table alterations,
/// new tables, new views (with their backfills), bump backfills, views that must wait for a
/// backfill, then drops of tables.
pub fn steps(old: &State, new: &State, diff: &Diff, bumps: &[BumpBackfill]) -> Vec<Step> {
    let mut phases = object_steps(diff);
    order_view_drops(old, &mut phases.drops_of_views);
    let (view_creates, late_creates) = view_creates(old, new, diff, bumps);
    let mut all = phases.drops_of_views;
    all.extend(phases.alters);
    all.extend(phases.creates);
    all.extend(view_creates);
    all.extend(bumps.iter().filter_map(bump_backfill));
    all.extend(late_creates);
    all.extend(phases.table_drops);
    dedupe_ids(&mut all);
    all
}

/// The steps of changes to tables and of view drops, by phase.
struct Phases {
    drops_of_views: Vec<Step>,
    alters: Vec<Step>,
    creates: Vec<Step>,
    table_drops: Vec<Step>,
}

fn object_steps(diff: &Diff) -> Phases {
    let mut phases = Phases {
        drops_of_views: Vec::new(),
        alters: Vec::new(),
        creates: Vec::new(),
        table_drops: Vec::new(),
    };
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
            Change::DropView(name, _) => phases
                .drops_of_views
                .push(drop_view(name, recreated_views.contains(name.as_str()))),
            Change::DropMaterializedView(name, _) => phases.drops_of_views.push(step(
                Op::DropMaterializedView(DropObject { name: name.clone() }),
                name,
                None,
                format!("- materialized view {name}"),
            )),
            Change::DropTable(name, _) => phases.table_drops.push(step(
                Op::DropTable(DropObject { name: name.clone() }),
                name,
                None,
                format!("- table {name}"),
            )),
            Change::CreateTable(name, t) => phases.creates.push(step(
                Op::CreateTable(create_table(name, t)),
                name,
                None,
                format!("+ table {name}"),
            )),
            Change::AlterTable(name, list) => phases.alters.extend(alter_steps(name, list)),
            Change::CreateView(..) | Change::CreateMaterializedView(..) => {}
        }
    }
    phases
}

fn drop_view(name: &str, recreated: bool) -> Step {
    let mut s = step(
        Op::DropView(DropObject {
            name: name.to_string(),
        }),
        name,
        None,
        format!("- view {name}"),
    );
    // A view holds no data: dropping one that is re-created in this plan loses nothing.
    if recreated {
        s.destructive = false;
        s.description = format!("- view {name} (re-created below)");
    }
    s
}

/// Drop dependents before what they read: reverse dependency order of the old state.
fn order_view_drops(old: &State, drops: &mut [Step]) {
    let old_rank: BTreeMap<String, usize> = topological(old)
        .into_iter()
        .enumerate()
        .map(|(i, name)| (name, i))
        .collect();
    drops.sort_by_key(|s| {
        std::cmp::Reverse(old_rank.get(&s.objects[0]).copied().unwrap_or(usize::MAX))
    });
}

/// Creates of views and materialized views in dependency order: those that can come before the
/// bump backfills, and those that must come after them.
fn view_creates(
    old: &State,
    new: &State,
    diff: &Diff,
    bumps: &[BumpBackfill],
) -> (Vec<Step>, Vec<Step>) {
    let created_tables: BTreeSet<&str> = diff
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateTable(n, _) => Some(n.as_str()),
            _ => None,
        })
        .collect();
    let view_changes: BTreeMap<&str, &Change> = diff
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateView(n, _) | Change::CreateMaterializedView(n, _) => {
                Some((n.as_str(), c))
            }
            _ => None,
        })
        .collect();
    let order = topological(new);
    let late = late_objects(new, &order, bumps);
    let mut early_creates = Vec::new();
    let mut late_creates = Vec::new();
    for name in &order {
        let out = if late.contains(name) {
            &mut late_creates
        } else {
            &mut early_creates
        };
        match view_changes.get(name.as_str()) {
            Some(Change::CreateView(n, v)) => out.push(create_view(n, v)),
            Some(Change::CreateMaterializedView(n, v)) => {
                out.push(create_materialized_view(n, v));
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
    (early_creates, late_creates)
}

/// Materialized views reading a version that is about to be backfilled are created after the
/// backfill (else they would copy the backfilled rows into targets that have them); those
/// writing into it come before (so no insert is lost while it runs). Anything built on a late
/// object is late too.
fn late_objects(new: &State, order: &[String], bumps: &[BumpBackfill]) -> BTreeSet<String> {
    let backfilled: BTreeSet<&str> = bumps
        .iter()
        .filter(|b| b.columns.is_some())
        .map(|b| b.target.as_str())
        .collect();
    let mut late: BTreeSet<String> = BTreeSet::new();
    for name in order {
        let reads: Vec<&String> = new
            .views
            .get(name)
            .map(|v| v.depends_on.iter().collect())
            .or_else(|| {
                new.materialized_views
                    .get(name)
                    .map(|v| v.depends_on.iter().collect())
            })
            .unwrap_or_default();
        let is_mv = new.materialized_views.contains_key(name);
        if reads.iter().any(|r| late.contains(*r))
            || (is_mv && reads.iter().any(|r| backfilled.contains(r.as_str())))
        {
            late.insert(name.clone());
        }
    }
    late
}

fn create_view(name: &str, v: &ViewState) -> Step {
    step(
        Op::CreateView(CreateView {
            name: name.to_string(),
            select: v.select.clone(),
            comment: v.comment.clone(),
        }),
        name,
        None,
        format!("+ view {name}"),
    )
}

fn create_materialized_view(name: &str, v: &MaterializedViewState) -> Step {
    step(
        Op::CreateMaterializedView(CreateMaterializedView {
            name: name.to_string(),
            to: v.to.clone(),
            select: v.select.clone(),
            comment: v.comment.clone(),
        }),
        name,
        None,
        format!("+ materialized view {name} (into {})", v.to),
    )
}

/// A bump's copy runs once the new version and everything that writes into it exist, and
/// before the old version is dropped; `None` when the bump copies nothing.
fn bump_backfill(b: &BumpBackfill) -> Option<Step> {
    let columns = b.columns.as_ref()?;
    let backfill = Backfill {
        source: Some(b.source.clone()),
        target: b.target.clone(),
        columns: columns.clone(),
    };
    let mut s = step(
        Op::Backfill(ops::Backfill {
            backfill,
            select: None,
            parts: None,
            source_table: None,
        }),
        &b.target,
        Some(&b.source),
        format!("> backfill {} from {}", b.target, b.source),
    );
    s.objects = vec![b.target.clone(), b.source.clone()];
    Some(s)
}

/// Repeated ids (two changes of one kind on one object) get `#2`, `#3`, ...
pub(super) fn dedupe_ids(steps: &mut [Step]) {
    let mut seen = BTreeMap::new();
    for s in steps.iter_mut() {
        let n = seen.entry(s.id.clone()).or_insert(0usize);
        *n += 1;
        if *n > 1 {
            s.id = format!("{}#{n}", s.id);
        }
    }
}

/// The backfill of a materialized view's target from the view's SELECT, mapped by name.
pub(super) fn populate(name: &str, v: &MaterializedViewState, new: &State) -> Step {
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
    let backfill = Backfill {
        source: None,
        target: v.to.clone(),
        columns,
    };
    let mut s = step(
        Op::Backfill(ops::Backfill {
            backfill,
            select: Some(v.select.clone()),
            parts: None,
            source_table: None,
        }),
        &v.to,
        Some(name),
        format!("> backfill {} from materialized view {name}{by}", v.to),
    );
    s.objects = vec![v.to.clone(), name.to_string()];
    s
}

pub(super) fn create_table(name: &str, t: &TableState) -> CreateTable {
    CreateTable {
        name: name.to_string(),
        columns: t.columns.clone(),
        indexes: t.indexes.clone(),
        projections: t.projections.clone(),
        constraints: t.constraints.clone(),
        engine: t.engine.sql(),
        merge_tree: engines::is_merge_tree_family(&t.engine.name),
        order_by: t.order_by.clone(),
        primary_key: t.primary_key.clone(),
        partition_by: t.partition_by.clone(),
        sample_by: t.sample_by.clone(),
        ttl: t.ttl.clone(),
        settings: t.settings.clone(),
        comment: t.comment.clone(),
    }
}
