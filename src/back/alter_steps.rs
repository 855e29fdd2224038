//! One table's alterations as steps, in an order ClickHouse accepts.

use std::collections::BTreeMap;

use super::ops::{
    AddTableColumn, AddTableConstraint, AddTableIndex, AddTableProjection, ChangeTableColumn,
    DropTableColumn, DropTableConstraint, DropTableIndex, DropTableProjection, KeyColumn,
    ModifyTableComment, ModifyTableOrderBy, ModifyTableSettings, ModifyTableTtl, Op,
    RenameTableColumn,
};
use super::steps::{Step, step};
use crate::back::diff::{Alter, ColumnProperty};
use chplan_runner::artifacts::state::ColumnState;

/// Renames first, then drops of parts that may use columns, column adds and changes, TTL,
/// column drops, then new parts and table settings.
pub fn alter_steps(table: &str, alters: &[Alter]) -> Vec<Step> {
    let rank = |a: &Alter| match a {
        Alter::RenameColumn { .. } => 0,
        Alter::DropConstraint(_) | Alter::DropIndex(_) | Alter::DropProjection(_) => 1,
        Alter::AddColumn { .. } | Alter::ModifyOrderBy { .. } => 2,
        Alter::RemoveColumnProperty { .. } | Alter::ModifyColumn { .. } => 3,
        Alter::CommentColumn { .. } => 3,
        Alter::ModifyTtl(_) => 4,
        Alter::DropColumn(_) => 5,
        Alter::AddIndex(_) | Alter::AddProjection(_) | Alter::AddConstraint(_) => 6,
        Alter::ModifySettings { .. } | Alter::ModifyComment(_) => 7,
    };
    let mut sorted: Vec<&Alter> = alters.iter().collect();
    sorted.sort_by_key(|a| rank(a));
    sorted.into_iter().map(|a| alter_step(table, a)).collect()
}

fn alter_step(t: &str, a: &Alter) -> Step {
    let name = t.to_string();
    match a {
        Alter::AddColumn { column, after } => add_column(t, column, after),
        Alter::DropColumn(c) => drop_column(t, c),
        Alter::ModifyColumn { from, to } => modify_column(t, from, to),
        Alter::RemoveColumnProperty { column, property } => {
            remove_column_property(t, column, *property)
        }
        Alter::CommentColumn { column, comment } => comment_column(t, column, comment),
        Alter::RenameColumn { from, to } => rename_column(t, from, to),
        Alter::ModifyOrderBy { add, order_by } => modify_order_by(t, add, order_by),
        Alter::ModifySettings { set, reset } => modify_settings(t, set, reset),
        Alter::ModifyTtl(ttl) => modify_ttl(t, ttl),
        Alter::ModifyComment(comment) => modify_comment(t, comment),
        Alter::AddIndex(i) => part_step(t, "+ index", &i.name, {
            let index = i.clone();
            Op::AddTableIndex(AddTableIndex { name, index })
        }),
        Alter::DropIndex(i) => part_step(t, "- index", &i.name, {
            let index = i.name.clone();
            Op::DropTableIndex(DropTableIndex { name, index })
        }),
        Alter::AddProjection(p) => part_step(t, "+ projection", &p.name, {
            let projection = p.clone();
            Op::AddTableProjection(AddTableProjection { name, projection })
        }),
        Alter::DropProjection(p) => part_step(t, "- projection", &p.name, {
            let projection = p.name.clone();
            Op::DropTableProjection(DropTableProjection { name, projection })
        }),
        Alter::AddConstraint(c) => part_step(t, "+ constraint", &c.name, {
            let constraint = c.clone();
            Op::AddTableConstraint(AddTableConstraint { name, constraint })
        }),
        Alter::DropConstraint(c) => part_step(t, "- constraint", &c.name, {
            let constraint = c.name.clone();
            Op::DropTableConstraint(DropTableConstraint { name, constraint })
        }),
    }
}

fn column_line(c: &ColumnState) -> String {
    format!("{} {}", c.name, c.data_type)
}

/// An index, projection or constraint added or dropped: named in the id and the description.
fn part_step(t: &str, what: &str, part: &str, op: Op) -> Step {
    step(op, t, Some(part), format!("~ table {t}: {what} {part}"))
}

fn add_column(t: &str, column: &ColumnState, after: &Option<String>) -> Step {
    step(
        Op::AddTableColumn(AddTableColumn {
            name: t.to_string(),
            c: column.clone(),
            after: after.clone(),
        }),
        t,
        Some(&column.name),
        format!("~ table {t}: + column {}", column_line(column)),
    )
}

fn drop_column(t: &str, c: &ColumnState) -> Step {
    step(
        Op::DropTableColumn(DropTableColumn {
            name: t.to_string(),
            column: c.name.clone(),
        }),
        t,
        Some(&c.name),
        format!("~ table {t}: - column {}", column_line(c)),
    )
}

fn modify_column(t: &str, from: &ColumnState, to: &ColumnState) -> Step {
    let description = if from.data_type != to.data_type {
        format!(
            "~ table {t}: ~ column {}: {} -> {}",
            to.name, from.data_type, to.data_type
        )
    } else {
        format!("~ table {t}: ~ column {}", column_line(to))
    };
    let change = ChangeTableColumn::Modify {
        name: t.to_string(),
        c: to.clone(),
    };
    step(
        Op::ChangeTableColumn(change),
        t,
        Some(&to.name),
        description,
    )
}

fn remove_column_property(t: &str, column: &str, property: ColumnProperty) -> Step {
    let keyword = match property {
        ColumnProperty::Default => "DEFAULT",
        ColumnProperty::Codec => "CODEC",
        ColumnProperty::Ttl => "TTL",
    };
    let word = keyword.to_ascii_lowercase();
    let change = ChangeTableColumn::Remove {
        name: t.to_string(),
        column: column.to_string(),
        property: keyword,
    };
    step(
        Op::ChangeTableColumn(change),
        t,
        Some(&format!("{column}:remove-{word}")),
        format!("~ table {t}: ~ column {column}: remove {word}"),
    )
}

fn comment_column(t: &str, column: &str, comment: &Option<String>) -> Step {
    let change = ChangeTableColumn::Comment {
        name: t.to_string(),
        column: column.to_string(),
        comment: comment.clone().unwrap_or_default(),
    };
    step(
        Op::ChangeTableColumn(change),
        t,
        Some(column),
        format!("~ table {t}: ~ column {column}: comment"),
    )
}

fn rename_column(t: &str, from: &str, to: &str) -> Step {
    step(
        Op::RenameTableColumn(RenameTableColumn {
            name: t.to_string(),
            from: from.to_string(),
            to: to.to_string(),
        }),
        t,
        Some(to),
        format!("~ table {t}: column {from} renamed to {to}"),
    )
}

fn modify_order_by(t: &str, add: &[(ColumnState, Option<String>)], order_by: &[String]) -> Step {
    let names: Vec<String> = add.iter().map(|(c, _)| column_line(c)).collect();
    let description = format!(
        "~ table {t}: + column {}, order by ({})",
        names.join(", + column "),
        order_by.join(", ")
    );
    let add = add
        .iter()
        .map(|(column, after)| KeyColumn {
            column: column.clone(),
            after: after.clone(),
        })
        .collect();
    let op = Op::ModifyTableOrderBy(ModifyTableOrderBy {
        name: t.to_string(),
        add,
        order_by: order_by.to_vec(),
    });
    step(op, t, None, description)
}

fn modify_settings(t: &str, set: &BTreeMap<String, String>, reset: &[String]) -> Step {
    step(
        Op::ModifyTableSettings(ModifyTableSettings {
            name: t.to_string(),
            set: set.clone(),
            reset: reset.to_vec(),
        }),
        t,
        None,
        format!("~ table {t}: settings"),
    )
}

fn modify_ttl(t: &str, ttl: &Option<String>) -> Step {
    step(
        Op::ModifyTableTtl(ModifyTableTtl {
            name: t.to_string(),
            ttl: ttl.clone(),
        }),
        t,
        None,
        format!("~ table {t}: ttl"),
    )
}

fn modify_comment(t: &str, comment: &Option<String>) -> Step {
    step(
        Op::ModifyTableComment(ModifyTableComment {
            name: t.to_string(),
            comment: comment.clone().unwrap_or_default(),
        }),
        t,
        None,
        format!("~ table {t}: comment"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::back::render_operations;

    /// The in-place forms no golden plan reaches, rendered as ClickHouse takes them.
    #[test]
    fn in_place_forms_render() {
        let alters = [
            Alter::RemoveColumnProperty {
                column: "x".into(),
                property: ColumnProperty::Codec,
            },
            Alter::CommentColumn {
                column: "x".into(),
                comment: Some("o'k".into()),
            },
            Alter::ModifyTtl(None),
            Alter::ModifySettings {
                set: [("a".to_string(), "1".to_string())].into(),
                reset: vec!["c".into(), "d".into()],
            },
        ];
        let ops = render_operations(&alter_steps("t", &alters), "db", None);
        let found: Vec<(String, String)> = ops
            .unwrap_or_default()
            .into_iter()
            .map(|o| (o.id, o.sql))
            .collect();
        let expected = [
            (
                "change-table-column:t:x:remove-codec",
                "ALTER TABLE `db`.`t`\n    MODIFY COLUMN `x` REMOVE CODEC",
            ),
            (
                "change-table-column:t:x",
                "ALTER TABLE `db`.`t`\n    COMMENT COLUMN `x` 'o\\'k'",
            ),
            ("modify-table-ttl:t", "ALTER TABLE `db`.`t`\n    REMOVE TTL"),
            (
                "modify-table-settings:t",
                "ALTER TABLE `db`.`t`\n    MODIFY SETTING a = 1,\n    RESET SETTING c, d",
            ),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(id, sql)| (id.to_string(), sql.to_string()))
            .collect();
        assert_eq!(found, expected);
    }
}
