//! From a `State` back to chplan KDL: the declarations that, compiled, give that state again.
//!
//! A pure function of the state (no I/O, no clock): one file per table, view and materialized
//! view, formatted as a person writes them (see docs/schema-language.md). What the language
//! cannot say is never dropped silently: it comes back as [`Unexpressed`], for the caller to
//! report, and the file holds the closest declaration.
//!
//! A state compiled by chplan comes back equal (`==`). A state spelled otherwise (from a live
//! database: engine columns without backticks, `Decimal(18,4)`, raw engine arguments as
//! several strings, string literals with other escapes, spaces around expressions) is written
//! with the same meaning and compiles to the compiler's spelling of it; that is not reported.
//!
//! The parts: `values.rs` (KDL strings, blocks, setting values), `table.rs`, `engine.rs`
//! (engine arguments back to named parameters), `view.rs` (views, materialized views and
//! their dependencies). View SQL in a state names tables as `` `db`.`physical` ``;
//! `desired::unqualify` (beside the `rewrite` it inverts) turns it back into what a person
//! writes.

mod engine;
mod table;
mod view;

use std::collections::BTreeSet;

pub use table::table_kdl;
pub use view::{materialized_view_kdl, view_kdl};

use crate::front::kdl_values::kdl_string;
use crate::front::lower::name_problem as bad_name;
use chplan_runner::artifacts::state::State;

/// One schema file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KdlFile {
    /// A file name (`events_0_1.kdl`): the physical name, with characters that are not safe in
    /// a file name replaced by `_`; unique, also where case is ignored.
    pub name: String,
    /// The physical name of the object the file declares.
    pub object: String,
    pub text: String,
}

/// Something in a state that the written KDL does not say, so that compiling it would not
/// give the state back (or would fail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unexpressed {
    /// Physical name of the object.
    pub object: String,
    pub what: String,
}

/// Every table, view and materialized view of `state` as a schema file, sorted by file name,
/// with what the files cannot say. Same state, same bytes.
pub fn object_files(state: &State) -> (Vec<KdlFile>, Vec<Unexpressed>) {
    let header = format!(
        "// Written by chplan from the schema of database {}.\n",
        kdl_string(&state.database)
    );
    let cluster = state.cluster.is_some();
    let mut written: Vec<(String, String)> = Vec::new();
    let mut unexpressed = Vec::new();
    for (name, t) in &state.tables {
        let (text, u) = table_kdl(name, t, cluster);
        written.push((name.clone(), text));
        unexpressed.extend(u);
    }
    let mut taken: BTreeSet<&str> = state.tables.keys().map(String::as_str).collect();
    for (name, v) in &state.views {
        let (text, u) = view_kdl(state, name, v);
        written.push((name.clone(), text));
        unexpressed.extend(u);
        if !taken.insert(name) {
            unexpressed.push(shared_name(name));
        }
    }
    for (name, v) in &state.materialized_views {
        let (text, u) = materialized_view_kdl(state, name, v);
        written.push((name.clone(), text));
        unexpressed.extend(u);
        if !taken.insert(name) {
            unexpressed.push(shared_name(name));
        }
    }
    written.sort();
    let mut used = BTreeSet::new();
    let mut files: Vec<KdlFile> = written
        .into_iter()
        .map(|(object, text)| KdlFile {
            name: file_name(&object, &mut used),
            object,
            text: format!("{header}{text}"),
        })
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    (files, unexpressed)
}

fn shared_name(name: &str) -> Unexpressed {
    Unexpressed {
        object: name.to_string(),
        what: "tables, views and materialized views share one namespace, and another object has this name".into(),
    }
}

/// `<physical>.kdl` with anything but ASCII letters, digits, `_`, and `-` and `.` (not
/// leading: no hidden files, nothing that reads as a command-line option) replaced by `_`, short enough for any file system, and numbered when that name (ignoring
/// case) is already used.
fn file_name(object: &str, used: &mut BTreeSet<String>) -> String {
    let mut stem: String = object
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if c.is_ascii_alphanumeric() || c == '_' || (matches!(c, '-' | '.') && i > 0) {
                c
            } else {
                '_'
            }
        })
        .take(200)
        .collect();
    if stem.is_empty() {
        stem.push('_');
    }
    let mut name = format!("{stem}.kdl");
    let mut n = 2;
    while !used.insert(name.to_lowercase()) {
        name = format!("{stem}_{n}.kdl");
        n += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_and_unique() {
        let mut used = BTreeSet::new();
        assert_eq!(file_name("events_0_1", &mut used), "events_0_1.kdl");
        assert_eq!(file_name("Events_0_1", &mut used), "Events_0_1_2.kdl");
        assert_eq!(file_name("../x y", &mut used), "_._x_y.kdl");
        assert_eq!(file_name("", &mut used), "_.kdl");
        assert_eq!(file_name("-x", &mut used), "_x.kdl");
        assert_eq!(file_name("é", &mut used), "__2.kdl");
    }
}
