//! The diff pass: the previous state and the desired state in, every change out.
//!
//! Changes ClickHouse cannot apply in place, and changes a lifecycle forbids, are problems
//! (the caller turns them into diagnostics on the KDL); everything else is a `Change`.

mod columns;

pub use columns::mentions;
mod tables;

use std::collections::BTreeMap;

use chplan_runner::artifacts::state::{
    ColumnState, ConstraintState, IndexState, LifecycleState, MaterializedViewState,
    ProjectionState, State, TableState, ViewState,
};

/// `renamed-from` declarations: table physical name → (new column → old column).
pub type Renames = BTreeMap<String, BTreeMap<String, String>>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    CreateTable(String, TableState),
    DropTable(String, TableState),
    AlterTable(String, Vec<Alter>),
    CreateView(String, ViewState),
    DropView(String, ViewState),
    CreateMaterializedView(String, MaterializedViewState),
    DropMaterializedView(String, MaterializedViewState),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Alter {
    AddColumn {
        column: ColumnState,
        after: Option<String>,
    },
    DropColumn(ColumnState),
    /// Type, default, codec or TTL changed: the full new definition.
    ModifyColumn {
        from: ColumnState,
        to: ColumnState,
    },
    /// A default, codec or TTL that is no longer declared.
    RemoveColumnProperty {
        column: String,
        property: ColumnProperty,
    },
    CommentColumn {
        column: String,
        comment: Option<String>,
    },
    RenameColumn {
        from: String,
        to: String,
    },
    /// Columns appended to the sorting key must be added in the same statement.
    ModifyOrderBy {
        add: Vec<(ColumnState, Option<String>)>,
        order_by: Vec<String>,
    },
    ModifySettings {
        set: BTreeMap<String, String>,
        reset: Vec<String>,
    },
    ModifyTtl(Option<String>),
    ModifyComment(Option<String>),
    AddIndex(IndexState),
    DropIndex(IndexState),
    AddProjection(ProjectionState),
    DropProjection(ProjectionState),
    AddConstraint(ConstraintState),
    DropConstraint(ConstraintState),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnProperty {
    Default,
    Codec,
    Ttl,
}

/// What part of a declaration a problem is about, so it can be pointed at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Table,
    Engine,
    OrderBy,
    PrimaryKey,
    PartitionBy,
    SampleBy,
    Column(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Physical name of the object.
    pub object: String,
    pub field: Field,
    pub message: String,
    pub help: String,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Diff {
    pub changes: Vec<Change>,
    pub problems: Vec<Problem>,
}

pub fn diff(old: &State, new: &State, renames: &Renames) -> Diff {
    let mut out = Diff::default();
    for (name, t) in &old.tables {
        if new.tables.contains_key(name) {
            continue;
        }
        match t.lifecycle {
            LifecycleState::ExternallyManaged => {}
            LifecycleState::DeletionProtected => out.problems.push(Problem {
                object: name.clone(),
                field: Field::Table,
                message: format!("table `{name}` is deletion-protected and would be dropped"),
                help: format!(
                    "keep its declaration; to really drop it, first set `lifecycle fully-managed` on `{}` and plan, then remove it",
                    t.logical
                ),
            }),
            LifecycleState::FullyManaged => {
                out.changes.push(Change::DropTable(name.clone(), t.clone()))
            }
        }
    }
    for (name, t) in &new.tables {
        match old.tables.get(name) {
            None if t.lifecycle == LifecycleState::ExternallyManaged => {}
            None => out
                .changes
                .push(Change::CreateTable(name.clone(), t.clone())),
            Some(before) => {
                let empty = BTreeMap::new();
                let table_renames = renames.get(name).unwrap_or(&empty);
                tables::diff_table(name, before, t, table_renames, &mut out);
            }
        }
    }
    // A view over a table whose columns were dropped, renamed or retyped is re-created: its
    // stored column list would be stale, and a view that reads a dropped column must fail
    // at apply time rather than be left broken.
    let reshaped: std::collections::BTreeSet<&str> = out
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::AlterTable(name, alters)
                if alters.iter().any(|a| {
                    matches!(
                        a,
                        Alter::DropColumn(_)
                            | Alter::RenameColumn { .. }
                            | Alter::ModifyColumn { .. }
                    )
                }) =>
            {
                Some(name.as_str())
            }
            _ => None,
        })
        .collect();
    let recreate = |name: &String, v: &ViewState| {
        old.views.get(name) != Some(v) || v.depends_on.iter().any(|d| reshaped.contains(d.as_str()))
    };
    let mut view_changes = Vec::new();
    for (name, v) in &old.views {
        if new.views.get(name).is_none_or(|nv| recreate(name, nv)) {
            view_changes.push(Change::DropView(name.clone(), v.clone()));
        }
    }
    for (name, v) in &new.views {
        if recreate(name, v) {
            view_changes.push(Change::CreateView(name.clone(), v.clone()));
        }
    }
    out.changes.extend(view_changes);
    for (name, v) in &old.materialized_views {
        if new.materialized_views.get(name) != Some(v) {
            out.changes
                .push(Change::DropMaterializedView(name.clone(), v.clone()));
        }
    }
    for (name, v) in &new.materialized_views {
        if old.materialized_views.get(name) != Some(v) {
            out.changes
                .push(Change::CreateMaterializedView(name.clone(), v.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests;
