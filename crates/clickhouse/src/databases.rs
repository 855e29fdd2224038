//! The databases a ClickHouse server keeps for itself (`DatabaseCatalog`): its tables, views
//! of them, and the session's temporary tables. A project that named one would have its
//! objects and the runner's journal written among the server's own.

/// The server's databases, as it spells them: `information_schema` is there twice, in both
/// cases, and other spellings (`System`) are ordinary names.
pub const SYSTEM_DATABASES: &[&str] = &[
    "system",
    "information_schema",
    "INFORMATION_SCHEMA",
    "_temporary_and_external_tables",
];

pub fn is_system_database(name: &str) -> bool {
    SYSTEM_DATABASES.contains(&name)
}
