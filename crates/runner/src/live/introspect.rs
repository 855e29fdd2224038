//! What the live database holds, as the server spells it: one read each of `system.tables`,
//! `system.columns`, `system.data_skipping_indices` and `system.projections`.
//!
//! Turning these rows into the state format is `to_state`'s job.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::artifacts::state::{IndexState, ProjectionState};
use crate::client::{Client, ClientError};

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

/// The objects of `database`, by name; empty when the database does not exist.
pub fn introspect(client: &Client, database: &str) -> Result<BTreeMap<String, LiveObject>, String> {
    let params = [("db", database)];
    // `as_select` and `comment` are not in every server version; `create_table_query` always
    // is, and the SELECT of a view is read from it instead.
    let tables = client
        .read_rows(
            "SELECT name, engine, engine_full, sorting_key, primary_key, partition_key, \
             sampling_key, create_table_query, as_select, comment\n\
             FROM system.tables WHERE database = {db:String} ORDER BY name",
            &params,
        )
        .or_else(|e| {
            if is_missing_column(&e) {
                client.read_rows(
                    "SELECT name, engine, engine_full, sorting_key, primary_key, partition_key, \
                     sampling_key, create_table_query\n\
                     FROM system.tables WHERE database = {db:String} ORDER BY name",
                    &params,
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

    let columns = client
        .read_rows(
            "SELECT table, name, type, position, default_kind, default_expression, comment, \
             compression_codec\n\
             FROM system.columns WHERE database = {db:String} ORDER BY table, position",
            &params,
        )
        .map_err(|e| format!("cannot read system.columns: {e}"))?;
    for row in &columns {
        let table = text(row, "table");
        // A table created between the two reads has columns but no object: ignore it, the
        // check is about the objects read from system.tables.
        let Some(object) = objects.get_mut(&table) else {
            continue;
        };
        object.columns.push(LiveColumn {
            name: text(row, "name"),
            data_type: text(row, "type"),
            position: number(row, "position"),
            default_kind: text(row, "default_kind"),
            default_expression: text(row, "default_expression"),
            comment: text(row, "comment"),
            compression_codec: text(row, "compression_codec"),
        });
    }
    indexes_into(client, database, &mut objects)?;
    projections_into(client, database, &mut objects)?;
    Ok(objects)
}

fn indexes_into(
    client: &Client,
    database: &str,
    objects: &mut BTreeMap<String, LiveObject>,
) -> Result<(), String> {
    let rows = match client.read_rows(
        "SELECT table, name, type_full, expr, granularity\n\
         FROM system.data_skipping_indices WHERE database = {db:String}",
        &[("db", database)],
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
    objects: &mut BTreeMap<String, LiveObject>,
) -> Result<(), String> {
    let rows = match client.read_rows(
        "SELECT table, name, query FROM system.projections WHERE database = {db:String}",
        &[("db", database)],
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
    e.code() == Some(60)
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
