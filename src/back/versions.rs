//! Table versions: recognising an in-place version bump, deciding whether its data can be
//! copied (and how), and the declaration that keeps a retained old version tracked.

use std::collections::BTreeMap;

use crate::back::insertable;
use chplan_clickhouse::casts::{Cast, cast};
use chplan_clickhouse::sqltext::quote_ident;
use chplan_runner::artifacts::plan::ColumnMapping;
use chplan_runner::artifacts::state::{DefaultKindState, LifecycleState, State, TableState};

/// One logical table whose single physical version changed: `old` disappears, `new` appears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bump {
    pub logical: String,
    pub old: String,
    pub new: String,
    /// The old version is already declared as retained (a `retained_*.kdl` written by an
    /// earlier decision, e.g. in `chplan dev`): the bump keeps it, and still has to be planned.
    pub retained: bool,
}

/// Pairs, per logical table, the one physical table that goes away with the one that comes.
/// Side-by-side versions (both declared) are not bumps; neither is a logical table that loses
/// or gains several versions at once (that stays a plain drop and create).
pub fn detect(old: &State, new: &State) -> Vec<Bump> {
    let mut gone: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut came: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let retained = |name: &str, t: &TableState| {
        t.logical != name
            && new.tables.get(name).is_some_and(|n| {
                n.lifecycle == LifecycleState::ExternallyManaged && n.logical == name
            })
    };
    for (name, t) in &old.tables {
        if t.lifecycle != LifecycleState::ExternallyManaged
            && (!new.tables.contains_key(name) || retained(name, t))
        {
            gone.entry(&t.logical).or_default().push(name);
        }
    }
    for (name, t) in &new.tables {
        if !old.tables.contains_key(name) && t.lifecycle != LifecycleState::ExternallyManaged {
            came.entry(&t.logical).or_default().push(name);
        }
    }
    let mut bumps = Vec::new();
    for (logical, olds) in &gone {
        if let (Some([to]), [from]) = (came.get(logical).map(Vec::as_slice), olds.as_slice()) {
            bumps.push(Bump {
                logical: logical.to_string(),
                old: from.to_string(),
                new: to.to_string(),
                retained: retained(from, &old.tables[*from]),
            });
        }
    }
    bumps
}

/// Why a column keeps a bump from being backfilled, and what unblocks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    pub column: String,
    pub reason: String,
    pub help: String,
}

/// How each insertable column of the new version is filled from the old one, or what blocks
/// it. Beyond the seeds' rule (same insertable columns, types and nullability): new columns
/// with a default or Nullable are left to their default, dropped columns are not read, types
/// ClickHouse converts losslessly are cast, and `backfill=` expressions fill the rest.
pub fn mapping(
    old: &TableState,
    new: &TableState,
    expressions: &BTreeMap<String, String>,
    renames: &BTreeMap<String, String>,
) -> Result<Vec<ColumnMapping>, Vec<Blocker>> {
    let mut columns = Vec::new();
    let mut blockers = Vec::new();
    for c in &new.columns {
        if !insertable(c.default.as_ref().map(|d| d.kind))
            || c.default
                .as_ref()
                .is_some_and(|d| d.kind == DefaultKindState::Ephemeral)
        {
            continue;
        }
        if let Some(expr) = expressions.get(&c.name) {
            columns.push(ColumnMapping {
                target: c.name.clone(),
                expr: expr.clone(),
            });
            continue;
        }
        // A column declared `renamed-from` is read under its old name.
        let old_name = renames.get(&c.name).unwrap_or(&c.name);
        let source = old
            .column(old_name)
            .filter(|o| insertable(o.default.as_ref().map(|d| d.kind)));
        match source {
            Some(o) => match cast(&o.data_type, &c.data_type) {
                Cast::Same => columns.push(ColumnMapping {
                    target: c.name.clone(),
                    expr: quote_ident(old_name),
                }),
                Cast::Safe => columns.push(ColumnMapping {
                    target: c.name.clone(),
                    expr: format!("CAST({} AS {})", quote_ident(old_name), c.data_type),
                }),
                Cast::Unsafe(why) => blockers.push(Blocker {
                    column: c.name.clone(),
                    reason: format!("its type changes from {} to {}: {why}", o.data_type, c.data_type),
                    help: format!(
                        "say how to convert it: column {} \"{}\" backfill=\"...\" (SQL over the old table's columns)",
                        c.name, c.data_type
                    ),
                }),
            },
            None => {
                let defaulted = c.default.is_some() || c.data_type.is_nullable();
                if !defaulted {
                    blockers.push(Blocker {
                        column: c.name.clone(),
                        reason: "it is new, has no default and is not Nullable".into(),
                        help: format!(
                            "give it default=\"...\", make it Nullable, or say how to fill it: backfill=\"...\" on column {}",
                            c.name
                        ),
                    });
                }
            }
        }
    }
    if blockers.is_empty() {
        Ok(columns)
    } else {
        Err(blockers)
    }
}

/// The state of a retained old version: exactly what its retained declaration lowers to, so
/// the next plan finds nothing to change.
pub fn retained_state(physical: &str, old: &TableState) -> TableState {
    // Described as it is (engine, keys, settings), so that the live table and its
    // declaration agree and planning against the database finds nothing to do.
    TableState {
        logical: physical.to_string(),
        version: None,
        lifecycle: LifecycleState::ExternallyManaged,
        ..old.clone()
    }
}

/// The KDL that keeps a retained old version tracked: externally managed, under its physical
/// name (so the logical name still means the one current version), described as it is.
pub fn retained_kdl(physical: &str, logical: &str, kept: &TableState, cluster: bool) -> String {
    // A planned state came from KDL: it is written exactly, nothing to report.
    let (table, _) = crate::back::kdl_writer::table_kdl(physical, kept, cluster);
    format!(
        "// Kept when `{logical}` moved to a new version: chplan tracks this table (views may read\n// it) but never creates, alters or drops it. Delete this file once the table is gone.\n{table}"
    )
}
