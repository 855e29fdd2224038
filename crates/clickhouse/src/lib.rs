//! ClickHouse knowledge, gathered in one place: data types (`chtype`), which type changes a
//! `CAST` carries without loss (`casts`), table engines (`engines`), identifier and string
//! quoting (`sqltext`), the server's own databases (`databases`), which server version SQL needs
//! (`features`), and what a piece of SQL names (`sql`).
//!
//! Pure functions over text and values: no IO, no compiler pass, no artifact format. Every
//! other crate of the workspace may use it; it uses none of them.

pub mod casts;
pub mod chtype;
pub mod databases;
pub mod engines;
pub mod features;
pub mod sql;
pub mod sqltext;
