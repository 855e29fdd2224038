//! The typed middle between steps and SQL: one variant per operation, each a plain struct of
//! what its template renders. The template, the plan's `OpKind` and the id tag of every
//! variant are spelled out here, so renaming a variant changes none of them.

use std::collections::BTreeMap;

use serde::Serialize;

use chplan_runner::artifacts::plan::{self, OpKind};
use chplan_runner::artifacts::state::{ColumnState, ConstraintState, IndexState, ProjectionState};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    CreateTable(CreateTable),
    DropTable(DropObject),
    AddTableColumn(AddTableColumn),
    DropTableColumn(DropTableColumn),
    ChangeTableColumn(ChangeTableColumn),
    RenameTableColumn(RenameTableColumn),
    ModifyTableOrderBy(ModifyTableOrderBy),
    ModifyTableSettings(ModifyTableSettings),
    ModifyTableTtl(ModifyTableTtl),
    ModifyTableComment(ModifyTableComment),
    AddTableIndex(AddTableIndex),
    DropTableIndex(DropTableIndex),
    AddTableProjection(AddTableProjection),
    DropTableProjection(DropTableProjection),
    AddTableConstraint(AddTableConstraint),
    DropTableConstraint(DropTableConstraint),
    CreateView(CreateView),
    DropView(DropObject),
    CreateMaterializedView(CreateMaterializedView),
    DropMaterializedView(DropObject),
    Backfill(Backfill),
    HoldMerges(DropObject),
    ReleaseMerges(DropObject),
    /// A runner-owned table shaped like `like` (an exact backfill's stage).
    CreateStage(CreateStage),
    /// A runner-owned one-column table: the parts an exact backfill reads.
    CreatePartsList(DropObject),
    ChooseParts(ChooseParts),
    ChooseMissedParts(ChooseMissedParts),
    SnapshotParts(SnapshotParts),
    RetireTable(RetireTable),
    MoveParts(MoveParts),
    /// A materialized view that copies a bumped table's new rows into its next version.
    CreateBridge(CreateBridge),
    ExchangeTables(ExchangeTables),
    ModifyMaterializedViewQuery(CreateView),
}

impl Op {
    pub fn template(&self) -> &'static str {
        match self {
            Op::CreateTable(_) => "create_table.sql.j2",
            Op::DropTable(_) => "drop_table.sql.j2",
            Op::AddTableColumn(_) => "add_table_column.sql.j2",
            Op::DropTableColumn(_) => "drop_table_column.sql.j2",
            Op::ChangeTableColumn(_) => "change_table_column.sql.j2",
            Op::RenameTableColumn(_) => "rename_table_column.sql.j2",
            Op::ModifyTableOrderBy(_) => "modify_table_order_by.sql.j2",
            Op::ModifyTableSettings(_) => "modify_table_settings.sql.j2",
            Op::ModifyTableTtl(_) => "modify_table_ttl.sql.j2",
            Op::ModifyTableComment(_) => "modify_table_comment.sql.j2",
            Op::AddTableIndex(_) => "add_table_index.sql.j2",
            Op::DropTableIndex(_) => "drop_table_index.sql.j2",
            Op::AddTableProjection(_) => "add_table_projection.sql.j2",
            Op::DropTableProjection(_) => "drop_table_projection.sql.j2",
            Op::AddTableConstraint(_) => "add_table_constraint.sql.j2",
            Op::DropTableConstraint(_) => "drop_table_constraint.sql.j2",
            Op::CreateView(_) => "create_view.sql.j2",
            Op::DropView(_) => "drop_view.sql.j2",
            Op::CreateMaterializedView(_) => "create_materialized_view.sql.j2",
            Op::DropMaterializedView(_) => "drop_materialized_view.sql.j2",
            Op::Backfill(_) => "backfill.sql.j2",
            Op::HoldMerges(_) => "hold_merges.sql.j2",
            Op::ReleaseMerges(_) => "release_merges.sql.j2",
            Op::CreateStage(_) => "create_stage.sql.j2",
            Op::CreatePartsList(_) => "create_parts_list.sql.j2",
            Op::ChooseParts(_) => "choose_parts.sql.j2",
            Op::ChooseMissedParts(_) => "choose_missed_parts.sql.j2",
            Op::SnapshotParts(_) => "snapshot_parts.sql.j2",
            Op::RetireTable(_) => "retire_table.sql.j2",
            Op::MoveParts(_) => "move_parts.sql.j2",
            Op::CreateBridge(_) => "create_bridge.sql.j2",
            Op::ExchangeTables(_) => "exchange_tables.sql.j2",
            Op::ModifyMaterializedViewQuery(_) => "modify_materialized_view_query.sql.j2",
        }
    }

    pub fn kind(&self) -> OpKind {
        match self {
            Op::CreateTable(_) => OpKind::CreateTable,
            Op::DropTable(_) => OpKind::DropTable,
            Op::AddTableColumn(_) => OpKind::AddTableColumn,
            Op::DropTableColumn(_) => OpKind::DropTableColumn,
            Op::ChangeTableColumn(_) => OpKind::ChangeTableColumn,
            Op::RenameTableColumn(_) => OpKind::RenameTableColumn,
            Op::ModifyTableOrderBy(_) => OpKind::ModifyTableOrderBy,
            Op::ModifyTableSettings(_) => OpKind::ModifyTableSettings,
            Op::ModifyTableTtl(_) => OpKind::ModifyTableTtl,
            Op::ModifyTableComment(_) => OpKind::ModifyTableComment,
            Op::AddTableIndex(_) => OpKind::AddTableIndex,
            Op::DropTableIndex(_) => OpKind::DropTableIndex,
            Op::AddTableProjection(_) => OpKind::AddTableProjection,
            Op::DropTableProjection(_) => OpKind::DropTableProjection,
            Op::AddTableConstraint(_) => OpKind::AddTableConstraint,
            Op::DropTableConstraint(_) => OpKind::DropTableConstraint,
            Op::CreateView(_) => OpKind::CreateView,
            Op::DropView(_) => OpKind::DropView,
            Op::CreateMaterializedView(_) => OpKind::CreateMaterializedView,
            Op::DropMaterializedView(_) => OpKind::DropMaterializedView,
            Op::Backfill(_) => OpKind::Backfill,
            Op::HoldMerges(_) => OpKind::HoldMerges,
            Op::ReleaseMerges(_) => OpKind::ReleaseMerges,
            Op::CreateStage(_) | Op::CreatePartsList(_) => OpKind::CreateTable,
            Op::ChooseParts(_) => OpKind::ChooseParts,
            Op::ChooseMissedParts(_) => OpKind::ChooseMissedParts,
            Op::SnapshotParts(_) => OpKind::SnapshotParts,
            Op::RetireTable(_) => OpKind::RetireTable,
            Op::MoveParts(_) => OpKind::MoveParts,
            Op::CreateBridge(_) => OpKind::CreateMaterializedView,
            Op::ExchangeTables(_) => OpKind::ExchangeTables,
            Op::ModifyMaterializedViewQuery(_) => OpKind::ModifyMaterializedViewQuery,
        }
    }

    /// The copy as plan.yaml records it, for the runner's progress and restarts.
    pub fn backfill(&self) -> Option<&plan::Backfill> {
        match self {
            Op::Backfill(b) => Some(&b.backfill),
            _ => None,
        }
    }
}

/// The first part of an operation id (`add-table-column:events:s`). Ids in written plans are
/// how the journal recognises an operation, so these never change.
pub fn id_tag(kind: OpKind) -> &'static str {
    match kind {
        OpKind::CreateTable => "create-table",
        OpKind::DropTable => "drop-table",
        OpKind::AddTableColumn => "add-table-column",
        OpKind::DropTableColumn => "drop-table-column",
        OpKind::ChangeTableColumn => "change-table-column",
        OpKind::RenameTableColumn => "rename-table-column",
        OpKind::ModifyTableOrderBy => "modify-table-order-by",
        OpKind::ModifyTableSettings => "modify-table-settings",
        OpKind::ModifyTableTtl => "modify-table-ttl",
        OpKind::ModifyTableComment => "modify-table-comment",
        OpKind::AddTableIndex => "add-table-index",
        OpKind::DropTableIndex => "drop-table-index",
        OpKind::AddTableProjection => "add-table-projection",
        OpKind::DropTableProjection => "drop-table-projection",
        OpKind::AddTableConstraint => "add-table-constraint",
        OpKind::DropTableConstraint => "drop-table-constraint",
        OpKind::CreateView => "create-view",
        OpKind::DropView => "drop-view",
        OpKind::CreateMaterializedView => "create-materialized-view",
        OpKind::DropMaterializedView => "drop-materialized-view",
        OpKind::Backfill => "backfill",
        OpKind::HoldMerges => "hold-merges",
        OpKind::ReleaseMerges => "release-merges",
        OpKind::ChooseParts => "choose-parts",
        OpKind::ChooseMissedParts => "choose-missed-parts",
        OpKind::SnapshotParts => "snapshot-parts",
        OpKind::RetireTable => "retire-table",
        OpKind::MoveParts => "move-parts",
        OpKind::ExchangeTables => "exchange-tables",
        OpKind::ModifyMaterializedViewQuery => "modify-materialized-view-query",
        OpKind::RawSql => "raw-sql",
    }
}

/// A table, view or materialized view dropped by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DropObject {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreateTable {
    pub name: String,
    pub columns: Vec<ColumnState>,
    pub indexes: Vec<IndexState>,
    pub projections: Vec<ProjectionState>,
    pub constraints: Vec<ConstraintState>,
    /// The engine with its arguments, as SQL.
    pub engine: String,
    /// Only MergeTree-family engines take `ORDER BY`.
    pub merge_tree: bool,
    pub order_by: Vec<String>,
    pub primary_key: Option<Vec<String>>,
    pub partition_by: Option<String>,
    pub sample_by: Option<String>,
    pub ttl: Option<String>,
    pub settings: BTreeMap<String, String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddTableColumn {
    pub name: String,
    pub c: ColumnState,
    /// The column it follows; `None` puts it first.
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DropTableColumn {
    pub name: String,
    pub column: String,
}

/// The three `ALTER TABLE` forms that change one column in place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change")]
pub enum ChangeTableColumn {
    /// The full new definition.
    #[serde(rename = "modify")]
    Modify { name: String, c: ColumnState },
    /// `property` is the keyword: `DEFAULT`, `CODEC` or `TTL`.
    #[serde(rename = "remove")]
    Remove {
        name: String,
        column: String,
        property: &'static str,
    },
    /// An empty comment clears it.
    #[serde(rename = "comment")]
    Comment {
        name: String,
        column: String,
        comment: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenameTableColumn {
    pub name: String,
    pub from: String,
    pub to: String,
}

/// Columns appended to the sorting key are added in the statement that changes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModifyTableOrderBy {
    pub name: String,
    pub add: Vec<KeyColumn>,
    pub order_by: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyColumn {
    pub column: ColumnState,
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModifyTableSettings {
    pub name: String,
    /// Values as SQL literals.
    pub set: BTreeMap<String, String>,
    pub reset: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModifyTableTtl {
    pub name: String,
    /// `None` removes the table's TTL.
    pub ttl: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModifyTableComment {
    pub name: String,
    /// An empty comment clears it.
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddTableIndex {
    pub name: String,
    pub index: IndexState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DropTableIndex {
    pub name: String,
    pub index: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddTableProjection {
    pub name: String,
    pub projection: ProjectionState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DropTableProjection {
    pub name: String,
    pub projection: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddTableConstraint {
    pub name: String,
    pub constraint: ConstraintState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DropTableConstraint {
    pub name: String,
    pub constraint: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreateView {
    pub name: String,
    pub select: String,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreateMaterializedView {
    pub name: String,
    /// The target table.
    pub to: String,
    pub select: String,
    pub comment: Option<String>,
}

/// A copy into `backfill.target`: from the table `backfill.source` (a version bump), or from a
/// materialized view's `select` (its target filled once, when the view is created).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Backfill {
    pub backfill: plan::Backfill,
    pub select: Option<String>,
    /// An exact backfill reads only the parts listed in this table, of `source_table`.
    pub parts: Option<String>,
    pub source_table: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreateStage {
    pub name: String,
    pub like: String,
}

/// The active parts of `source` no insert through the feeding view wrote, listed into `list`:
/// those in `earlier` (listed before the view existed) and those of inserts that wrote nothing
/// into `view_target`, the view's target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChooseParts {
    pub list: String,
    pub source: String,
    pub earlier: String,
    pub view_target: String,
}

/// The parts of `source` not in `earlier` whose inserts wrote nothing into the tables now
/// named `targets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChooseMissedParts {
    pub list: String,
    pub source: String,
    pub earlier: String,
    pub targets: Vec<String>,
    /// Match the targets by uuid (a target exchanged in between had the same name).
    pub by_uuid: bool,
}

/// A table renamed out of the way before it is dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetireTable {
    pub name: String,
    pub to: String,
}

/// Every active part of `source`, listed into `list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotParts {
    pub list: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MoveParts {
    pub stage: String,
    pub target: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreateBridge {
    pub name: String,
    pub to: String,
    pub source: String,
    pub columns: Vec<plan::ColumnMapping>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExchangeTables {
    pub name: String,
    pub with: String,
}
