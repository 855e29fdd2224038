use std::collections::BTreeMap;

use super::*;
use chplan_clickhouse::chtype::ColumnType;
use chplan_runner::artifacts::state::{
    ColumnState, EngineState, LifecycleState, State, TableState,
};

fn col(name: &str, ty: &str) -> ColumnState {
    ColumnState {
        name: name.into(),
        data_type: ColumnType::parse(ty),
        default: None,
        codec: None,
        ttl: None,
        comment: None,
    }
}

fn table(columns: Vec<ColumnState>, order_by: &[&str]) -> TableState {
    TableState {
        logical: "t".into(),
        version: None,
        lifecycle: LifecycleState::FullyManaged,
        columns,
        engine: EngineState {
            name: "MergeTree".into(),
            args: vec![],
        },
        order_by: order_by.iter().map(|s| s.to_string()).collect(),
        primary_key: None,
        partition_by: None,
        sample_by: None,
        ttl: None,
        settings: BTreeMap::new(),
        indexes: vec![],
        projections: vec![],
        constraints: vec![],
        comment: None,
    }
}

fn state(t: TableState) -> State {
    let mut s = State::empty("db", None);
    s.tables.insert("t".into(), t);
    s
}

fn alters(d: &Diff) -> Vec<Alter> {
    match d.changes.as_slice() {
        [Change::AlterTable(_, a)] => a.clone(),
        other => panic!("expected one AlterTable, got {other:?}"),
    }
}

#[test]
fn appending_a_new_column_to_order_by_is_in_place() {
    let old = state(table(vec![col("id", "String")], &["id"]));
    let new = state(table(
        vec![col("id", "String"), col("ts", "DateTime")],
        &["id", "ts"],
    ));
    let d = diff(&old, &new, &Renames::new());
    assert!(d.problems.is_empty(), "{:?}", d.problems);
    let a = alters(&d);
    assert_eq!(a.len(), 1, "{a:?}");
    assert!(
        matches!(&a[0], Alter::ModifyOrderBy { add, order_by } if add.len() == 1 && order_by == &["id", "ts"])
    );
}

#[test]
fn reordering_order_by_is_a_problem() {
    let old = state(table(
        vec![col("a", "String"), col("b", "String")],
        &["a", "b"],
    ));
    let new = state(table(
        vec![col("a", "String"), col("b", "String")],
        &["b", "a"],
    ));
    let d = diff(&old, &new, &Renames::new());
    assert_eq!(d.problems.len(), 1);
    assert_eq!(d.problems[0].field, Field::OrderBy);
}

#[test]
fn spacing_in_keys_is_not_a_change() {
    let old = state(table(vec![col("a", "String")], &["lower( a )"]));
    let new = state(table(vec![col("a", "String")], &["lower(a)"]));
    let d = diff(&old, &new, &Renames::new());
    assert!(d.problems.is_empty() && d.changes.is_empty(), "{d:?}");
}

#[test]
fn declared_rename_is_not_drop_and_add() {
    let old = state(table(
        vec![col("id", "String"), col("uid", "UInt64")],
        &["id"],
    ));
    let new = state(table(
        vec![col("id", "String"), col("user_id", "UInt64")],
        &["id"],
    ));
    let mut renames = Renames::new();
    renames.insert(
        "t".into(),
        BTreeMap::from([("user_id".into(), "uid".into())]),
    );
    let a = alters(&diff(&old, &new, &renames));
    assert_eq!(
        a,
        vec![Alter::RenameColumn {
            from: "uid".into(),
            to: "user_id".into()
        }]
    );
    // Without the declaration: a drop and an add, never a guessed rename.
    let a = alters(&diff(&old, &new, &Renames::new()));
    assert!(
        a.iter()
            .any(|x| matches!(x, Alter::DropColumn(c) if c.name == "uid"))
    );
    assert!(
        a.iter()
            .any(|x| matches!(x, Alter::AddColumn { column, .. } if column.name == "user_id"))
    );
}

#[test]
fn lifecycles_are_obeyed() {
    let mut protected = table(vec![col("id", "String"), col("x", "UInt8")], &["id"]);
    protected.lifecycle = LifecycleState::DeletionProtected;
    let old = state(protected.clone());
    // Dropping the table is refused.
    let d = diff(&old, &State::empty("db", None), &Renames::new());
    assert_eq!(d.problems.len(), 1);
    assert!(d.changes.is_empty());
    // Dropping one of its columns is refused.
    let mut fewer = protected.clone();
    fewer.columns.pop();
    let d = diff(&old, &state(fewer), &Renames::new());
    assert_eq!(d.problems.len(), 1);

    let mut external = table(vec![col("id", "String")], &[]);
    external.lifecycle = LifecycleState::ExternallyManaged;
    // Never created, altered or dropped.
    let d = diff(
        &State::empty("db", None),
        &state(external.clone()),
        &Renames::new(),
    );
    assert!(d.changes.is_empty());
    let mut changed = external.clone();
    changed.columns.push(col("y", "UInt8"));
    let d = diff(&state(external.clone()), &state(changed), &Renames::new());
    assert!(d.changes.is_empty());
    let d = diff(&state(external), &State::empty("db", None), &Renames::new());
    assert!(d.changes.is_empty() && d.problems.is_empty());
}

#[test]
fn type_change_is_a_modify_with_the_full_definition() {
    let old = state(table(
        vec![col("id", "String"), col("c", "String")],
        &["id"],
    ));
    let new = state(table(
        vec![col("id", "String"), col("c", "LowCardinality(String)")],
        &["id"],
    ));
    let a = alters(&diff(&old, &new, &Renames::new()));
    assert!(
        matches!(&a[..], [Alter::ModifyColumn { from, to }] if from.data_type.to_string() == "String" && to.data_type.to_string() == "LowCardinality(String)")
    );
}
