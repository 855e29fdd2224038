//! Column changes of one table: renames (only when declared), drops, adds, modifications.

use std::collections::BTreeMap;

use super::{Alter, ColumnProperty, Field, Problem};
use chplan_runner::artifacts::state::{ColumnState, LifecycleState, TableState};

pub struct ColumnsDiff {
    /// Columns added, with the column they follow.
    pub added: Vec<(ColumnState, Option<String>)>,
}

pub fn diff_columns(
    table: &str,
    old: &TableState,
    new: &TableState,
    renames: &BTreeMap<String, String>,
    alters: &mut Vec<Alter>,
    problems: &mut Vec<Problem>,
) -> ColumnsDiff {
    // The old columns as they are named after the declared renames.
    let mut renamed: BTreeMap<&str, &str> = BTreeMap::new();
    for (to, from) in renames {
        let applies =
            old.column(from).is_some() && old.column(to).is_none() && new.column(to).is_some();
        if applies && in_key(old, from) {
            problems.push(Problem {
                object: table.to_string(),
                field: Field::Column(to.clone()),
                message: format!(
                    "column `{from}` of `{table}` is part of its sorting, primary or partition key and cannot be renamed in place"
                ),
                help: format!(
                    "ClickHouse refuses to rename key columns: keep the name `{from}`, or declare a new version of `{}` with the new name",
                    new.logical
                ),
            });
            // Seen as renamed, so the key change it implies is not reported a second time.
            renamed.insert(from.as_str(), to.as_str());
            continue;
        }
        if applies {
            renamed.insert(from.as_str(), to.as_str());
            alters.push(Alter::RenameColumn {
                from: from.clone(),
                to: to.clone(),
            });
        }
    }
    let current_name = |c: &ColumnState| -> String {
        renamed
            .get(c.name.as_str())
            .map(|s| s.to_string())
            .unwrap_or_else(|| c.name.clone())
    };

    for c in &old.columns {
        let name = current_name(c);
        if new.column(&name).is_some() {
            continue;
        }
        if new.lifecycle == LifecycleState::DeletionProtected {
            problems.push(Problem {
                object: table.to_string(),
                field: Field::Table,
                message: format!(
                    "column `{}` of deletion-protected table `{table}` would be dropped",
                    c.name
                ),
                help: format!(
                    "keep the column; if it was renamed, declare it: column NEW_NAME TYPE renamed-from=\"{}\"",
                    c.name
                ),
            });
        } else {
            alters.push(Alter::DropColumn(c.clone()));
        }
    }

    let mut added = Vec::new();
    let mut previous: Option<String> = None;
    for c in &new.columns {
        let before = old.columns.iter().find(|o| current_name(o) == c.name);
        match before {
            None => {
                added.push((c.clone(), previous.clone()));
                alters.push(Alter::AddColumn {
                    column: c.clone(),
                    after: previous.clone(),
                });
            }
            Some(o) => modify(o, c, alters),
        }
        previous = Some(c.name.clone());
    }
    ColumnsDiff { added }
}

/// Whether a column appears in the sorting, primary or partition key (as a whole word).
fn in_key(t: &TableState, column: &str) -> bool {
    let exprs = t
        .order_by
        .iter()
        .chain(t.primary_key.iter().flatten())
        .chain(t.partition_by.iter())
        .chain(t.sample_by.iter());
    exprs.into_iter().any(|e| mentions(e, column))
}

/// `column` occurs in `expr` as a whole identifier (not inside a longer name).
pub fn mentions(expr: &str, column: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    expr.match_indices(column).any(|(i, _)| {
        let before = expr[..i].chars().next_back();
        let after = expr[i + column.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word) && before != Some('.')
    })
}

fn modify(old: &ColumnState, new: &ColumnState, alters: &mut Vec<Alter>) {
    let mut old = old.clone();
    old.name = new.name.clone();
    for (property, before, after) in [
        (
            ColumnProperty::Default,
            old.default.is_some(),
            new.default.is_some(),
        ),
        (
            ColumnProperty::Codec,
            old.codec.is_some(),
            new.codec.is_some(),
        ),
        (ColumnProperty::Ttl, old.ttl.is_some(), new.ttl.is_some()),
    ] {
        if before && !after {
            alters.push(Alter::RemoveColumnProperty {
                column: new.name.clone(),
                property,
            });
        }
    }
    let definition_changed = old.data_type != new.data_type
        || (new.default.is_some() && old.default != new.default)
        || (new.codec.is_some() && old.codec != new.codec)
        || (new.ttl.is_some() && old.ttl != new.ttl);
    if definition_changed {
        alters.push(Alter::ModifyColumn {
            from: old.clone(),
            to: new.clone(),
        });
    } else if old.comment != new.comment {
        alters.push(Alter::CommentColumn {
            column: new.name.clone(),
            comment: new.comment.clone(),
        });
    }
}
