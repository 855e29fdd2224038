//! `migrations/NNNN_slug/plan.yaml`: the ordered operations of one migration.

use serde::{Deserialize, Serialize};

pub const PLAN_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub format_version: u32,
    /// The migration directory's name, e.g. `0002_add_status`.
    pub id: String,
    pub database: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Digest of the state the plan starts from (`empty` for the first plan): the previous
    /// plan's `to_state`.
    pub from_state: String,
    /// Digest of the state it produces: of the bytes of the plan directory's `state.json`.
    pub to_state: String,
    pub operations: Vec<Operation>,
}

/// The operation kinds; names follow the seeds where they exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum OpKind {
    CreateTable,
    DropTable,
    AddTableColumn,
    DropTableColumn,
    ChangeTableColumn,
    RenameTableColumn,
    ModifyTableOrderBy,
    ModifyTableSettings,
    ModifyTableTtl,
    ModifyTableComment,
    AddTableIndex,
    DropTableIndex,
    AddTableProjection,
    DropTableProjection,
    AddTableConstraint,
    DropTableConstraint,
    CreateView,
    DropView,
    CreateMaterializedView,
    DropMaterializedView,
    Backfill,
    /// `SYSTEM STOP MERGES` on an exact backfill's source, before the view that feeds the
    /// target from it exists: a part then holds rows of one side of the view only.
    HoldMerges,
    /// `SYSTEM START MERGES` once the backfill has read the chosen parts.
    ReleaseMerges,
    /// Lists the source's parts that the feeding view did not see. `objects`: the list table,
    /// then the source. The runner first waits for inserts that started before and flushes the
    /// logs (docs/runner.md, "Exact backfills").
    ChooseParts,
    /// Moves the staged rows into the target, one `MOVE PARTITION` per partition of the stage
    /// (the statement takes the partition id as the parameter `partition`). `objects`: the
    /// stage, then the target.
    MoveParts,
    /// Lists the source's parts not listed before whose inserts wrote nothing into the given
    /// tables (by uuid, from `system.part_log`): after a rebuilt target is exchanged, the rows
    /// that reached neither the rebuild nor the exchanged target; after a view is re-pointed,
    /// those written while it did not exist. `objects` as for ChooseParts.
    ChooseMissedParts,
    /// Lists every active part of the source before a view over it is re-created, for the
    /// ChooseMissedParts after it. `objects` as for ChooseParts.
    SnapshotParts,
    /// `RENAME TABLE` of a version about to be dropped (`objects`: the table, its new name);
    /// the runner then waits for the inserts still running into it. Skipped when the table is
    /// gone already (an earlier attempt renamed it).
    RetireTable,
    /// `EXCHANGE TABLES`: needs an Atomic database. `objects`: the target, then its rebuild.
    /// The runner first waits for running inserts, and never runs it twice.
    ExchangeTables,
    ModifyMaterializedViewQuery,
    RawSql,
}

impl OpKind {
    /// Moves or guards rows without changing any object's shape: the drift check does not
    /// count it as touching its objects.
    pub fn moves_rows_only(self) -> bool {
        matches!(
            self,
            OpKind::Backfill
                | OpKind::HoldMerges
                | OpKind::ReleaseMerges
                | OpKind::ChooseParts
                | OpKind::ChooseMissedParts
                | OpKind::SnapshotParts
                | OpKind::MoveParts
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// Stable within the plan, derived from what the operation does (not its position).
    pub id: String,
    pub kind: OpKind,
    /// Physical names of the objects it touches.
    pub objects: Vec<String>,
    pub destructive: bool,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backfill: Option<Backfill>,
    pub sql: String,
}

/// An `INSERT INTO target SELECT ... FROM source`, kept structured so the runner can show its
/// progress and restart it cleanly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Backfill {
    /// Physical name of the table read (absent when the source is a materialized view's SELECT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub target: String,
    /// Target column and the expression that fills it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<ColumnMapping>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnMapping {
    pub target: String,
    pub expr: String,
}
