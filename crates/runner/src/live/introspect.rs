//! What the live database holds, as the server spells it: one read each of `system.tables`,
//! `system.columns`, `system.data_skipping_indices` and `system.projections`, of this server or
//! of one replica of its cluster (`Source`). Servers from 18.16 on: a system table or column an
//! older version lacks is read without (docs/runner.md, "Server versions").
//!
//! Turning these rows into the state format is `to_state`'s job.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::artifacts::state::{IndexState, ProjectionState};
use crate::client::{Client, ClientError};
use chplan_clickhouse::sqltext::quote_string;

/// One table, view or materialized view of the database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveObject {
    pub name: String,
    /// `MergeTree`, `ReplacingMergeTree`, `View`, `MaterializedView`, ...
    pub engine: String,
    pub engine_full: String,
    pub sorting_key: String,
    pub primary_key: String,
    pub partition_key: String,
    pub sampling_key: String,
    pub create_table_query: String,
    /// The SELECT of a view (empty for tables, and on servers without the column).
    pub as_select: String,
    pub comment: String,
    /// In `position` order.
    pub columns: Vec<LiveColumn>,
    /// In definition order.
    pub indexes: Vec<IndexState>,
    /// `None` on servers without `system.projections` (the CREATE statement has them).
    pub projections: Option<Vec<ProjectionState>>,
}

impl LiveObject {
    pub fn column(&self, name: &str) -> Option<&LiveColumn> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn is_view(&self) -> bool {
        self.engine == "View"
    }

    pub fn is_materialized_view(&self) -> bool {
        self.engine == "MaterializedView"
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveColumn {
    pub name: String,
    pub data_type: String,
    pub position: u64,
    /// `DEFAULT`, `MATERIALIZED`, `ALIAS`, `EPHEMERAL`, or empty.
    pub default_kind: String,
    pub default_expression: String,
    pub comment: String,
    pub compression_codec: String,
}

/// Where the system tables are read from: the server the client talks to, or one replica of
/// its cluster through `remote()` (the drift check on a cluster reads every replica).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    Local,
    /// `host:port` (the native port, as `system.clusters` lists it) and the user the cluster's
    /// configuration names for it.
    Replica {
        address: &'a str,
        user: &'a str,
    },
}

impl Source<'_> {
    /// The system table `name` as this source reads it.
    fn table(&self, name: &str) -> String {
        match self {
            Source::Local => format!("system.{name}"),
            Source::Replica { address, user } => format!(
                "remote({}, system.{name}, {})",
                quote_string(address),
                quote_string(user)
            ),
        }
    }
}

/// The objects of `database`, by name; empty when the database does not exist.
pub fn introspect(client: &Client, database: &str) -> Result<BTreeMap<String, LiveObject>, String> {
    introspect_on(client, database, Source::Local)
}

/// [`introspect`] of the server `source` names. The database is a quoted literal, not a query
/// parameter: servers before 19.11 bind none, and one spelling serves every version.
pub fn introspect_on(
    client: &Client,
    database: &str,
    source: Source<'_>,
) -> Result<BTreeMap<String, LiveObject>, String> {
    let db = quote_string(database);
    let tables_table = source.table("tables");
    // `as_select` and `comment` are not in every server version; `create_table_query` always
    // is, and the SELECT of a view is read from it instead.
    let tables = client
        .read_rows(
            &format!(
                "SELECT name, engine, engine_full, sorting_key, primary_key, partition_key, \
                 sampling_key, create_table_query, as_select, comment\n\
                 FROM {tables_table} WHERE database = {db} ORDER BY name"
            ),
            &[],
        )
        .or_else(|e| {
            if is_missing_column(&e) {
                client.read_rows(
                    &format!(
                        "SELECT name, engine, engine_full, sorting_key, primary_key, \
                         partition_key, sampling_key, create_table_query\n\
                         FROM {tables_table} WHERE database = {db} ORDER BY name"
                    ),
                    &[],
                )
            } else {
                Err(e)
            }
        })
        .map_err(|e| format!("cannot read system.tables: {e}"))?;
    let mut objects = BTreeMap::new();
    for row in &tables {
        let name = text(row, "name");
        if name.is_empty() {
            return Err(format!("unexpected row from system.tables: {row:?}"));
        }
        objects.insert(
            name.clone(),
            LiveObject {
                name,
                engine: text(row, "engine"),
                engine_full: text(row, "engine_full"),
                sorting_key: text(row, "sorting_key"),
                primary_key: text(row, "primary_key"),
                partition_key: text(row, "partition_key"),
                sampling_key: text(row, "sampling_key"),
                create_table_query: text(row, "create_table_query"),
                as_select: text(row, "as_select"),
                comment: text(row, "comment"),
                columns: Vec::new(),
                indexes: Vec::new(),
                projections: None,
            },
        );
    }

    let columns_table = source.table("columns");
    // `position` and `compression_codec` came with 19.x; before, columns are listed in their
    // table's order and have no codecs.
    let columns = client
        .read_rows(
            &format!(
                "SELECT table, name, type, position, default_kind, default_expression, comment, \
                 compression_codec\n\
                 FROM {columns_table} WHERE database = {db} ORDER BY table, position"
            ),
            &[],
        )
        .or_else(|e| {
            if is_missing_column(&e) {
                client.read_rows(
                    &format!(
                        "SELECT table, name, type, default_kind, default_expression, comment\n\
                         FROM {columns_table} WHERE database = {db}"
                    ),
                    &[],
                )
            } else {
                Err(e)
            }
        })
        .map_err(|e| format!("cannot read system.columns: {e}"))?;
    for row in &columns {
        let table = text(row, "table");
        // A table created between the two reads has columns but no object: ignore it, the
        // check is about the objects read from system.tables.
        let Some(object) = objects.get_mut(&table) else {
            continue;
        };
        let position = match number(row, "position") {
            0 => object.columns.len() as u64 + 1,
            p => p,
        };
        object.columns.push(LiveColumn {
            name: text(row, "name"),
            data_type: text(row, "type"),
            position,
            default_kind: text(row, "default_kind"),
            default_expression: text(row, "default_expression"),
            comment: text(row, "comment"),
            compression_codec: text(row, "compression_codec"),
        });
    }
    indexes_into(client, database, source, &mut objects)?;
    projections_into(client, database, source, &mut objects)?;
    Ok(objects)
}

fn indexes_into(
    client: &Client,
    database: &str,
    source: Source<'_>,
    objects: &mut BTreeMap<String, LiveObject>,
) -> Result<(), String> {
    let rows = match client.read_rows(
        &format!(
            "SELECT table, name, type_full, expr, granularity\n\
             FROM {} WHERE database = {}",
            source.table("data_skipping_indices"),
            quote_string(database)
        ),
        &[],
    ) {
        Ok(rows) => rows,
        // Servers before 20.x have no such table and no skip indexes to read.
        Err(e) if is_missing_table(&e) => return Ok(()),
        Err(e) => return Err(format!("cannot read system.data_skipping_indices: {e}")),
    };
    for row in &rows {
        if let Some(object) = objects.get_mut(&text(row, "table")) {
            object.indexes.push(IndexState {
                name: text(row, "name"),
                expr: text(row, "expr"),
                index_type: text(row, "type_full"),
                granularity: number(row, "granularity"),
            });
        }
    }
    Ok(())
}

fn projections_into(
    client: &Client,
    database: &str,
    source: Source<'_>,
    objects: &mut BTreeMap<String, LiveObject>,
) -> Result<(), String> {
    let rows = match client.read_rows(
        &format!(
            "SELECT table, name, query FROM {} WHERE database = {}",
            source.table("projections"),
            quote_string(database)
        ),
        &[],
    ) {
        Ok(rows) => rows,
        Err(e) if is_missing_table(&e) || is_missing_column(&e) => return Ok(()),
        Err(e) => return Err(format!("cannot read system.projections: {e}")),
    };
    for object in objects.values_mut() {
        object.projections = Some(Vec::new());
    }
    for row in &rows {
        if let Some(list) = objects
            .get_mut(&text(row, "table"))
            .and_then(|o| o.projections.as_mut())
        {
            list.push(ProjectionState {
                name: text(row, "name"),
                query: text(row, "query"),
            });
        }
    }
    Ok(())
}

/// UInt64 may come quoted (output_format_json_quote_64bit_integers).
fn number(row: &Map<String, Value>, key: &str) -> u64 {
    match row.get(key) {
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

/// UNKNOWN_TABLE (60): a system table this server version does not have.
fn is_missing_table(e: &ClientError) -> bool {
    // Through `remote()`, 18.16 reports a missing table as a failed connection (279) whose
    // log says so.
    e.code() == Some(60)
        || matches!(e, ClientError::Server { code: 279, message, .. } if message.contains("There is no table"))
}

/// A string field, empty when absent or not a string: a server that lacks a column or
/// reports it differently must not make the runner panic.
fn text(row: &Map<String, Value>, key: &str) -> String {
    match row.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// UNKNOWN_IDENTIFIER (47): an older server without `system.tables.as_select`.
fn is_missing_column(e: &ClientError) -> bool {
    e.code() == Some(47)
}
