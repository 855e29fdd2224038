//! Changes inside one table that exists before and after.

use std::collections::BTreeMap;

use super::columns::{ColumnsDiff, diff_columns};
use super::{Alter, Change, Diff, Field, Problem};
use chplan_clickhouse::sql::keys::compact;
use chplan_runner::artifacts::state::{LifecycleState, TableState};

/// Expressions compared as ClickHouse would (by meaning of their tokens, not spacing).
fn same(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| compact(x) == compact(y))
}

fn same_opt(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => compact(x) == compact(y),
        (None, None) => true,
        _ => false,
    }
}

pub fn diff_table(
    name: &str,
    old: &TableState,
    new: &TableState,
    renames: &BTreeMap<String, String>,
    out: &mut Diff,
) {
    if new.lifecycle == LifecycleState::ExternallyManaged {
        return;
    }
    let mut problems = layout_problems(name, old, new);
    let mut alters = Vec::new();
    let columns = diff_columns(name, old, new, renames, &mut alters, &mut problems);
    if let Some(p) = order_by_change(name, old, new, renames, &columns, &mut alters) {
        problems.push(p);
    }
    part_alters(old, new, &mut alters);
    out.problems.extend(problems);
    if !alters.is_empty() {
        out.changes
            .push(Change::AlterTable(name.to_string(), alters));
    }
}

/// Engine, partition key, sampling key and primary key: changes only a new version can make.
fn layout_problems(name: &str, old: &TableState, new: &TableState) -> Vec<Problem> {
    let rewrite = |field: Field, what: &str, before: String, after: String| Problem {
        object: name.to_string(),
        field,
        message: format!(
            "the {what} of `{name}` changes from {before} to {after}, which ClickHouse cannot do in place"
        ),
        help: format!(
            "declare a new version of `{}` with the new {what} (version=\"...\"); chplan then plans a new table and copies the data",
            new.logical
        ),
    };
    let mut problems = Vec::new();
    if old.engine != new.engine {
        problems.push(rewrite(
            Field::Engine,
            "engine",
            format!("`{}`", old.engine.sql()),
            format!("`{}`", new.engine.sql()),
        ));
    }
    if !same_opt(&old.partition_by, &new.partition_by) {
        problems.push(rewrite(
            Field::PartitionBy,
            "partition key",
            show(&old.partition_by),
            show(&new.partition_by),
        ));
    }
    if !same_opt(&old.sample_by, &new.sample_by) {
        problems.push(rewrite(
            Field::SampleBy,
            "sampling key",
            show(&old.sample_by),
            show(&new.sample_by),
        ));
    }
    let pk_same = match (&old.primary_key, &new.primary_key) {
        (Some(a), Some(b)) => same(a, b),
        (None, None) => true,
        _ => false,
    };
    if !pk_same {
        problems.push(rewrite(
            Field::PrimaryKey,
            "primary key",
            show(&old.primary_key.as_ref().map(|k| k.join(", "))),
            show(&new.primary_key.as_ref().map(|k| k.join(", "))),
        ));
    }

    problems
}

/// The ORDER BY change as an alter (columns added in the same change, appended), or the
/// problem that it cannot be done in place.
fn order_by_change(
    name: &str,
    old: &TableState,
    new: &TableState,
    renames: &BTreeMap<String, String>,
    columns: &ColumnsDiff,
    alters: &mut Vec<Alter>,
) -> Option<Problem> {
    // Keys compared after declared renames, so a refused key-column rename is reported once.
    let renamed_key = |k: &[String]| -> Vec<String> {
        k.iter()
            .map(|e| {
                renames.iter().fold(
                    e.clone(),
                    |acc, (to, from)| if acc == *from { to.clone() } else { acc },
                )
            })
            .collect()
    };
    if !same(&renamed_key(&old.order_by), &new.order_by) {
        // Appending columns added in this very change is the one ORDER BY change ClickHouse
        // allows in place, and only in the ALTER that adds them.
        let prefix = new.order_by.len() >= old.order_by.len()
            && same(&old.order_by, &new.order_by[..old.order_by.len()]);
        let appended = prefix.then(|| &new.order_by[old.order_by.len()..]);
        let added: Vec<&str> = columns.added.iter().map(|(c, _)| c.name.as_str()).collect();
        match appended {
            Some(tail) if !tail.is_empty() && tail.iter().all(|c| added.contains(&c.as_str())) => {
                let in_key: Vec<_> = columns
                    .added
                    .iter()
                    .filter(|(c, _)| tail.contains(&c.name))
                    .cloned()
                    .collect();
                alters.retain(|a| {
                    !matches!(a, Alter::AddColumn { column, .. } if in_key.iter().any(|(c, _)| c.name == column.name))
                });
                alters.push(Alter::ModifyOrderBy {
                    add: in_key,
                    order_by: new.order_by.clone(),
                });
            }
            _ => {
                return Some(Problem {
                    object: name.to_string(),
                    field: Field::OrderBy,
                    message: format!(
                        "the ORDER BY of `{name}` changes from ({}) to ({}), which ClickHouse cannot do in place",
                        old.order_by.join(", "),
                        new.order_by.join(", ")
                    ),
                    help: format!(
                        "only columns added in the same change can be appended to ORDER BY; for any other change declare a new version of `{}`",
                        new.logical
                    ),
                });
            }
        }
    }
    None
}

/// TTL, settings, indexes, projections, constraints and comment: all alterable in place.
fn part_alters(old: &TableState, new: &TableState, alters: &mut Vec<Alter>) {
    if old.ttl != new.ttl {
        alters.push(Alter::ModifyTtl(new.ttl.clone()));
    }
    if old.settings != new.settings {
        let set: BTreeMap<String, String> = new
            .settings
            .iter()
            .filter(|(k, v)| old.settings.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let reset: Vec<String> = old
            .settings
            .keys()
            .filter(|k| !new.settings.contains_key(*k))
            .cloned()
            .collect();
        alters.push(Alter::ModifySettings { set, reset });
    }
    by_name(
        &old.indexes,
        &new.indexes,
        |i| Alter::DropIndex(i.clone()),
        |i| Alter::AddIndex(i.clone()),
        alters,
    );
    by_name(
        &old.projections,
        &new.projections,
        |p| Alter::DropProjection(p.clone()),
        |p| Alter::AddProjection(p.clone()),
        alters,
    );
    by_name(
        &old.constraints,
        &new.constraints,
        |c| Alter::DropConstraint(c.clone()),
        |c| Alter::AddConstraint(c.clone()),
        alters,
    );
    if old.comment != new.comment {
        alters.push(Alter::ModifyComment(new.comment.clone()));
    }
}

fn show(v: &Option<String>) -> String {
    match v {
        Some(s) => format!("`{s}`"),
        None => "none".into(),
    }
}

/// Named parts (indexes, projections, constraints): a changed one is dropped and re-added
/// (drops first, so a changed part keeps its name).
fn by_name<T: PartialEq>(
    old: &[T],
    new: &[T],
    drop: impl Fn(&T) -> Alter,
    add: impl Fn(&T) -> Alter,
    alters: &mut Vec<Alter>,
) {
    for o in old {
        if !new.iter().any(|n| n == o) {
            alters.push(drop(o));
        }
    }
    for n in new {
        if !old.iter().any(|o| o == n) {
            alters.push(add(n));
        }
    }
}
