//! What the live database holds: one read of `system.tables` and one of `system.columns`,
//! turned into a plain per-object structure for the drift check.
//!
//! Only the artifact-independent facts the server reports are kept, as the server spells them;
//! interpreting them against a `State` is `drift`'s job.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::client::{Client, ClientError};

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
    /// In `position` order.
    pub columns: Vec<LiveColumn>,
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
    // `as_select` is not in every server version; `create_table_query` always is, and `drift`
    // falls back to it.
    let tables = client
        .read_rows(
            "SELECT name, engine, engine_full, sorting_key, primary_key, partition_key, \
             sampling_key, create_table_query, as_select\n\
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
                columns: Vec::new(),
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
            // UInt64 may come quoted (output_format_json_quote_64bit_integers).
            position: match row.get("position") {
                Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
                Some(Value::String(s)) => s.parse().unwrap_or(0),
                _ => 0,
            },
            default_kind: text(row, "default_kind"),
            default_expression: text(row, "default_expression"),
            comment: text(row, "comment"),
            compression_codec: text(row, "compression_codec"),
        });
    }
    Ok(objects)
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
