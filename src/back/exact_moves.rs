//! Backfills made exact under live writes (docs/runner.md, "Exact backfills"). The steps pass
//! plans each copy as one `INSERT ... SELECT`; here every copy whose source may be written to
//! while the plan runs becomes the protocol:
//!
//! 1. merges held on the source and its parts listed, then the view that feeds the target
//!    from it created: every later part was written either through that view or not at all;
//! 2. the parts the view did not copy chosen: those listed, and those of inserts committed
//!    before the runner's settle moment that wrote nothing into the view's target
//!    (`system.part_log`; the runner first waits for the inserts running then);
//! 3. those parts copied into a stage no view writes into (a killed copy is emptied and redone),
//!    merges released once every copy from the source has read it, the stage moved into the
//!    target partition by partition (a move triggers no view: rows reach dependents once).
//!
//! A side-by-side view's target and a bumped table's next version are filled in place; the old
//! version is renamed away and waited on before its drop. A materialized view whose SELECT
//! changes over a target that has data is rebuilt beside it: a new table fed by a temporary
//! view per view writing into the target, filled as above, exchanged with the target once the
//! views read with the new SELECT and the feeds are gone, then caught up with what the views
//! wrote in between. A view re-created only because a version it touches moved is dropped and
//! created next to each other, and what its source received in between is caught up through
//! it and every view downstream.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::ops::{
    self, ChooseMissedParts, ChooseParts, CreateBridge, CreateStage, DropObject, ExchangeTables,
    Op, SnapshotParts,
};
use super::steps::{Step, create_table, dedupe_ids, populate, step};
use chplan_clickhouse::sqltext::quote_ident;
use chplan_runner::artifacts::plan::OpKind;
use chplan_runner::artifacts::state::{MaterializedViewState, State};

/// Runner-owned names: `_chplan_` keeps them out of every managed name and the drift check.
fn stage_of(key: &str) -> String {
    format!("_chplan_stage_{key}")
}
fn parts_of(key: &str) -> String {
    format!("_chplan_parts_{key}")
}
fn before_of(key: &str) -> String {
    format!("_chplan_before_{key}")
}
fn rebuild_of(target: &str) -> String {
    format!("_chplan_rebuild_{target}")
}
fn retired_of(table: &str) -> String {
    format!("_chplan_retired_{table}")
}
fn feed_of(view: &str) -> String {
    format!("_chplan_feed_{view}")
}
/// The view that keeps a bumped table's new rows flowing into its next version.
pub fn bridge_of(table: &str) -> String {
    format!("_chplan_bridge_{table}")
}

/// The plan's steps with every live copy made exact, views touched by a bump changed in
/// place, and the bridges of dropped versions dropped with them.
pub fn exact(old: &State, new: &State, steps: Vec<Step>) -> Vec<Step> {
    if new.cluster.is_some() {
        // Parts and logs are per replica; the cluster protocol is not built yet.
        return steps;
    }
    let steps = exact_copies(old, new, steps);
    let steps = swap_renamed_views(old, new, steps);
    let mut out = hold_once(drop_bridges(old, steps));
    dedupe_ids(&mut out);
    out
}

fn exact_copies(old: &State, new: &State, steps: Vec<Step>) -> Vec<Step> {
    let created: BTreeSet<String> = steps
        .iter()
        .filter(|s| s.kind() == OpKind::CreateTable)
        .map(|s| s.objects[0].clone())
        .collect();
    let mut rebuilt: BTreeSet<String> = BTreeSet::new();
    let mut out: Vec<Step> = Vec::with_capacity(steps.len());
    // A queue: taking the head of a Vec of every step of a big plan was quadratic.
    let mut pending: VecDeque<Step> = steps.into();
    while let Some(s) = pending.pop_front() {
        let Op::Backfill(b) = &s.op else {
            out.push(s);
            continue;
        };
        let target = b.backfill.target.clone();
        if rebuilt.contains(&target) {
            // Its rebuild, planned with the first view writing into it, fills it whole.
            continue;
        }
        match (&b.backfill.source, &b.select) {
            (Some(source), _) => {
                let source = source.clone();
                bump(&mut out, &mut pending, &s, &source, &target);
            }
            (None, Some(_)) => {
                let view = s.objects[1].clone();
                let has_rows = !created.contains(&target) && old.tables.contains_key(&target);
                if has_rows && rebuild_target(&mut out, old, new, &target) {
                    rebuilt.insert(target);
                    continue;
                }
                match sole_source(new, &view) {
                    Some(source) if !has_rows => {
                        guard_before_view(&mut out, &source, &view, &view);
                        out.extend(fill(&s, &source, &view, &target, &view));
                    }
                    _ => out.push(s),
                }
            }
            (None, None) => out.push(s),
        }
    }
    out
}

/// The one table a materialized view reads: what triggers it. Views over joins keep the plain
/// copy (a filter on the parts would also cut the joined side), and so do two views reading
/// one table into one target: an insert through either would count as through both.
fn sole_source(new: &State, view: &str) -> Option<String> {
    let v = new.materialized_views.get(view)?;
    let source = match v.depends_on.as_slice() {
        [one] if new.tables.contains_key(one) => one.clone(),
        _ => return None,
    };
    let twin = new
        .materialized_views
        .iter()
        .any(|(name, w)| name != view && w.to == v.to && w.depends_on.contains(&source));
    (!twin).then_some(source)
}

/// `guard` just before the step that creates `view`.
fn guard_before_view(out: &mut Vec<Step>, source: &str, view: &str, key: &str) {
    let at = out
        .iter()
        .position(|s| s.kind() == OpKind::CreateMaterializedView && s.objects[0] == view)
        .unwrap_or(out.len());
    for (i, g) in guard(source, key).into_iter().enumerate() {
        out.insert(at + i, g);
    }
}

/// Step 1 of the protocol before the feeding view exists: merges held on `source` and its
/// parts listed. Those parts predate the view; any later part came from an insert that the
/// logs describe.
fn guard(source: &str, key: &str) -> Vec<Step> {
    let before = before_of(key);
    let mut snapshot = step(
        Op::SnapshotParts(SnapshotParts {
            list: before.clone(),
            source: source.to_string(),
        }),
        source,
        Some(key),
        format!("? list the parts of {source} as they are before the view"),
    );
    snapshot.objects = vec![before.clone(), source.to_string()];
    vec![hold(source), parts_list_step(&before), snapshot]
}

fn stage_step(stage: &str, like: &str) -> Step {
    step(
        Op::CreateStage(CreateStage {
            name: stage.to_string(),
            like: like.to_string(),
        }),
        stage,
        None,
        format!("+ stage {stage} (shaped like {like})"),
    )
}

fn parts_list_step(list: &str) -> Step {
    step(
        Op::CreatePartsList(named(list)),
        list,
        None,
        format!("+ part list {list}"),
    )
}

fn hold(source: &str) -> Step {
    step(
        Op::HoldMerges(named(source)),
        source,
        None,
        format!("|| hold merges on {source} until its parts are chosen and read"),
    )
}

fn release(source: &str) -> Step {
    step(
        Op::ReleaseMerges(named(source)),
        source,
        None,
        format!("|| release merges on {source}"),
    )
}

fn named(name: &str) -> DropObject {
    DropObject {
        name: name.to_string(),
    }
}

/// A step whose id carries `key` when several copies fill one table.
fn keyed_step(op: Op, into: &str, key: &str, description: String) -> Step {
    let detail = (key != into).then_some(key);
    step(op, into, detail, description)
}

/// Steps 2 and 3 of the protocol, for the copy `s` into `into` of what `view` did not copy;
/// `key` names the stage and part list.
fn fill(s: &Step, source: &str, view: &str, into: &str, key: &str) -> Vec<Step> {
    let mut steps = fill_read(s, source, view, into, key);
    steps.push(release(source));
    steps.extend(fill_finish(into, key));
    steps
}

/// The stage and part list made, the parts chosen and copied into the stage.
fn fill_read(s: &Step, source: &str, view: &str, into: &str, key: &str) -> Vec<Step> {
    let Op::Backfill(b) = &s.op else {
        return vec![s.clone()];
    };
    let (stage, parts) = (stage_of(key), parts_of(key));
    let mut copy = b.clone();
    copy.backfill.target = stage.clone();
    copy.parts = Some(parts.clone());
    copy.source_table = Some(source.to_string());
    let mut backfill = s.clone();
    backfill.op = Op::Backfill(copy);
    backfill.description = format!(
        "{} (the parts of {source} that {view} did not copy, into {stage})",
        s.description
    );
    let mut choose = keyed_step(
        Op::ChooseParts(ChooseParts {
            list: parts.clone(),
            source: source.to_string(),
            earlier: before_of(key),
            view_target: into.to_string(),
        }),
        into,
        key,
        format!("? choose the parts of {source} written without {view}"),
    );
    choose.objects = vec![parts.clone(), source.to_string()];
    vec![
        stage_step(&stage, into),
        parts_list_step(&parts),
        choose,
        backfill,
    ]
}

/// The stage moved into `into`, then it and the part list dropped.
fn fill_finish(into: &str, key: &str) -> Vec<Step> {
    let (stage, parts) = (stage_of(key), parts_of(key));
    let before = before_of(key);
    vec![
        move_stage(&stage, into, key),
        runner_drop(&stage, &format!("- stage {stage}")),
        runner_drop(&parts, &format!("- part list {parts}")),
        runner_drop(&before, &format!("- part list {before}")),
    ]
}

fn move_stage(stage: &str, into: &str, key: &str) -> Step {
    let mut mv = keyed_step(
        Op::MoveParts(ops::MoveParts {
            stage: stage.to_string(),
            target: into.to_string(),
        }),
        into,
        key,
        format!("> move the staged rows into {into}, one partition at a time"),
    );
    mv.objects = vec![stage.to_string(), into.to_string()];
    mv
}

/// Dropping an object the protocol made: nothing of the schema's is lost.
fn runner_drop(name: &str, description: &str) -> Step {
    let mut s = step(Op::DropTable(named(name)), name, None, String::new());
    s.destructive = false;
    s.description = description.to_string();
    s
}

fn runner_drop_view(name: &str, description: &str) -> Step {
    let mut s = step(
        Op::DropMaterializedView(named(name)),
        name,
        None,
        String::new(),
    );
    s.destructive = false;
    s.description = description.to_string();
    s
}

/// An in-place version bump: the old version feeds the new one through a bridge view until
/// it is dropped, so rows written to it at any time before then arrive exactly once.
fn bump(out: &mut Vec<Step>, pending: &mut VecDeque<Step>, s: &Step, source: &str, target: &str) {
    let Op::Backfill(b) = &s.op else { return };
    let bridge = bridge_of(source);
    out.extend(guard(source, target));
    out.push(step(
        Op::CreateBridge(CreateBridge {
            name: bridge.clone(),
            to: target.to_string(),
            source: source.to_string(),
            columns: b.backfill.columns.clone(),
        }),
        &bridge,
        None,
        format!(
            "+ bridge {bridge}: rows written to {source} reach {target} until {source} is dropped"
        ),
    ));
    out.extend(fill(s, source, &bridge, target, target));
    let Some(at) = pending
        .iter()
        .position(|l| l.kind() == OpKind::DropTable && l.objects[0] == source)
    else {
        return;
    };
    // Renamed away first: an insert already running into it (it may not have reached its
    // views yet) still finds its bridge; once they have ended nothing can write to it.
    let retired = retired_of(source);
    let mut retire = step(
        Op::RetireTable(ops::RetireTable {
            name: source.to_string(),
            to: retired.clone(),
        }),
        source,
        None,
        format!(
            "- table {source}: renamed to {retired}, then inserts still running into it waited \
             for (destructive; writers must have moved to {target}: until this step, what they \
             write to {source} reaches {target} through {bridge})"
        ),
    );
    retire.destructive = true;
    retire.objects = vec![source.to_string(), retired.clone()];
    let drop = runner_drop(&retired, &format!("- table {retired} (was {source})"));
    let drop_bridge = runner_drop_view(&bridge, &format!("- bridge {bridge} ({source} is gone)"));
    pending.remove(at);
    for s in [drop_bridge, drop, retire] {
        pending.insert(at, s);
    }
}

/// A materialized view's new SELECT over a target that holds rows: the target rebuilt beside
/// it from every view that writes into it, then exchanged. False (nothing planned) when some
/// such view reads more than one table: its copy cannot be cut by parts.
fn rebuild_target(out: &mut Vec<Step>, old: &State, new: &State, target: &str) -> bool {
    let Some(t) = new.tables.get(target) else {
        return false;
    };
    let writers: Vec<(&String, &MaterializedViewState, String)> = new
        .materialized_views
        .iter()
        .filter(|(_, v)| v.to == target)
        .filter_map(|(name, v)| sole_source(new, name).map(|src| (name, v, src)))
        .collect();
    let all = new
        .materialized_views
        .values()
        .filter(|v| v.to == target)
        .count();
    if writers.len() != all {
        return false;
    }
    // The views are changed in place below, not dropped and re-created.
    out.retain(|o| {
        !(matches!(
            o.kind(),
            OpKind::DropMaterializedView | OpKind::CreateMaterializedView
        ) && writers.iter().any(|(name, _, _)| **name == o.objects[0]))
    });
    let rebuild = rebuild_of(target);
    out.push(step(
        Op::CreateTable(create_table(&rebuild, t)),
        &rebuild,
        None,
        format!("+ table {rebuild} (the rebuilt {target}, exchanged with it below)"),
    ));
    for (name, v, source) in &writers {
        let feed = feed_of(name);
        out.extend(guard(source, name));
        out.push(step(
            Op::CreateMaterializedView(ops::CreateMaterializedView {
                name: feed.clone(),
                to: rebuild.clone(),
                select: v.select.clone(),
                comment: None,
            }),
            &feed,
            None,
            format!("+ materialized view {feed} (into {rebuild}, as {name} writes)"),
        ));
    }
    for (name, v, source) in &writers {
        let mut copy = populate(name, v, new);
        if let Op::Backfill(b) = &mut copy.op {
            b.backfill.target = rebuild.clone();
        }
        out.extend(fill_read(&copy, source, &feed_of(name), &rebuild, name));
    }
    for (name, _, _) in &writers {
        let (stage, _) = (stage_of(name), parts_of(name));
        out.push(move_stage(&stage, &rebuild, name));
        out.push(runner_drop(&stage, &format!("- stage {stage}")));
    }
    for (name, v, _) in &writers {
        let before = old.materialized_views.get(*name);
        if before.is_some_and(|b| b.select != v.select) {
            out.push(step(
                Op::ModifyMaterializedViewQuery(ops::CreateView {
                    name: name.to_string(),
                    select: v.select.clone(),
                    comment: None,
                }),
                name,
                None,
                format!(
                    "~ materialized view {name}: the new SELECT (into {target} as it is until \
                     the exchange)"
                ),
            ));
        }
        if before.is_some_and(|b| b.comment != v.comment) {
            out.push(step(
                Op::ModifyTableComment(ops::ModifyTableComment {
                    name: name.to_string(),
                    comment: v.comment.clone().unwrap_or_default(),
                }),
                name,
                None,
                format!("~ materialized view {name}: comment"),
            ));
        }
    }
    // One view per source at the exchange: an insert resolving two views around it could send
    // both copies to one table. What the views write between the drops and the exchange lands
    // in the old target only, and is caught up below.
    for (name, _, _) in &writers {
        let feed = feed_of(name);
        out.push(runner_drop_view(
            &feed,
            &format!("- materialized view {feed} (the rebuild is fed by {name} once exchanged)"),
        ));
    }
    let mut swap = step(
        Op::ExchangeTables(ExchangeTables {
            name: target.to_string(),
            with: rebuild.clone(),
        }),
        target,
        None,
        format!(
            "<> exchange {target} with {rebuild}: readers see the rebuilt rows at once (rows \
             written into {target} other than by its views are not carried over)"
        ),
    );
    swap.objects = vec![target.to_string(), rebuild.clone()];
    out.push(swap);
    for (name, v, source) in &writers {
        let earlier = parts_of(name);
        let key = format!("{name}_catch_up");
        let (stage, parts) = (stage_of(&key), parts_of(&key));
        out.push(stage_step(&stage, target));
        out.push(parts_list_step(&parts));
        let mut choose = step(
            Op::ChooseMissedParts(ChooseMissedParts {
                list: parts.clone(),
                source: source.to_string(),
                earlier: earlier.clone(),
                targets: vec![target.to_string()],
                // The old target wrote under the same name until the exchange.
                by_uuid: true,
            }),
            target,
            Some(name),
            format!(
                "? choose the parts of {source} whose rows the rebuilt {target} lacks \
                 (written between the feed's drop and the exchange)"
            ),
        );
        choose.objects = vec![parts.clone(), source.to_string()];
        out.push(choose);
        let mut copy = populate(name, v, new);
        copy.id = format!("{}:catch-up", copy.id);
        if let Op::Backfill(b) = &mut copy.op {
            b.backfill.target = stage.clone();
            b.parts = Some(parts.clone());
            b.source_table = Some(source.to_string());
        }
        copy.description = format!(
            "> catch up {target} from materialized view {name} (those parts, into {stage})"
        );
        out.push(copy);
        out.push(release(source));
        out.push(move_stage(&stage, target, &key));
        out.push(runner_drop(&stage, &format!("- stage {stage}")));
        out.push(runner_drop(&parts, &format!("- part list {parts}")));
        out.push(runner_drop(&earlier, &format!("- part list {earlier}")));
        let before = before_of(name);
        out.push(runner_drop(&before, &format!("- part list {before}")));
    }
    out.push(runner_drop(
        &rebuild,
        &format!("- table {rebuild} (the rows of {target} before the rebuild)"),
    ));
    true
}

/// A materialized view dropped and re-created only because a version it touches moved (same
/// SELECT but for the version names, no repopulation) keeps feeding its target throughout:
/// - it reads a bumped version, its target stays: re-pointed (`repoint`) right after the
///   bridges of the versions it read, instead of a drop at the start and a create at the end
///   (before, the old version feeds it; after, the bridge carries the old version's rows to
///   the new one, which feeds it);
/// - its target moved to a bridged next version: re-pointed after the bridge and after the
///   views reading the next version have moved to it.
fn swap_renamed_views(old: &State, new: &State, steps: Vec<Step>) -> Vec<Step> {
    let bridges: BTreeMap<String, String> = steps
        .iter()
        .filter_map(|s| match &s.op {
            Op::CreateBridge(b) => Some((b.source.clone(), b.to.clone())),
            _ => None,
        })
        .collect();
    let populated: BTreeSet<&str> = steps
        .iter()
        .filter(|s| s.kind() == OpKind::Backfill && s.objects.len() > 1)
        .map(|s| s.objects[1].as_str())
        .collect();
    let dropped: BTreeSet<&str> = steps
        .iter()
        .filter(|s| s.kind() == OpKind::DropMaterializedView)
        .map(|s| s.objects[0].as_str())
        .collect();
    // A view's replacement steps, emitted once the bridges it waits for exist (modifications
    // before re-creations).
    struct Swap {
        steps: Vec<Step>,
        waits: BTreeSet<String>,
        recreate: bool,
    }
    let mut swaps: BTreeMap<String, Swap> = BTreeMap::new();
    for s in &steps {
        let Op::CreateMaterializedView(c) = &s.op else {
            continue;
        };
        let (Some(before), Some(after)) = (
            old.materialized_views.get(&c.name),
            new.materialized_views.get(&c.name),
        ) else {
            continue;
        };
        if !dropped.contains(c.name.as_str()) || populated.contains(c.name.as_str()) {
            continue;
        }
        let reads_bridged: BTreeSet<String> = before
            .depends_on
            .iter()
            .filter(|t| bridges.contains_key(*t))
            .cloned()
            .collect();
        if before.to == after.to && before.comment == after.comment && !reads_bridged.is_empty() {
            let swap = Swap {
                steps: repoint(new, s, &c.name, &[&after.to]),
                waits: reads_bridged,
                recreate: false,
            };
            swaps.insert(c.name.clone(), swap);
        } else if bridges.get(&before.to) == Some(&after.to) {
            let mut waits = reads_bridged;
            waits.insert(before.to.clone());
            let swap = Swap {
                steps: repoint(new, s, &c.name, &[&before.to, &after.to]),
                waits,
                recreate: true,
            };
            swaps.insert(c.name.clone(), swap);
        }
    }
    let mut out = Vec::with_capacity(steps.len());
    let mut seen: BTreeSet<String> = BTreeSet::new();
    // Those waiting for bridges go out right after them; the others where the create was.
    let waiting: Vec<String> = swaps
        .iter()
        .filter(|(_, q)| !q.waits.is_empty())
        .map(|(n, _)| n.clone())
        .collect();
    let mut queued: Vec<Swap> = waiting.iter().filter_map(|n| swaps.remove(n)).collect();
    let emit_ready = |out: &mut Vec<Step>, queued: &mut Vec<Swap>, seen: &BTreeSet<String>| {
        let (mut ready, later): (Vec<Swap>, Vec<Swap>) =
            queued.drain(..).partition(|q| q.waits.is_subset(seen));
        *queued = later;
        ready.sort_by_key(|q| q.recreate);
        out.extend(ready.into_iter().flat_map(|q| q.steps));
    };
    for s in steps {
        let name = s.objects.first().cloned().unwrap_or_default();
        match s.kind() {
            OpKind::DropMaterializedView | OpKind::CreateMaterializedView
                if waiting.contains(&name) => {}
            OpKind::DropMaterializedView if swaps.contains_key(&name) => {}
            OpKind::CreateMaterializedView if swaps.contains_key(&name) => {
                out.extend(swaps.remove(&name).expect("checked").steps);
            }
            _ => {
                let bridged = match &s.op {
                    Op::CreateBridge(b) => Some(b.source.clone()),
                    _ => None,
                };
                out.push(s);
                if let Some(from) = bridged {
                    seen.insert(from);
                    emit_ready(&mut out, &mut queued, &seen);
                }
            }
        }
    }
    out.extend(queued.into_iter().flat_map(|q| q.steps));
    out
}

/// A view re-created only because a version it touches moved: its source (it reads the next
/// version) or its target (it writes into the next version, bridged from the old) changed.
/// ClickHouse has no atomic way to change either (`CREATE OR REPLACE` doubles and loses rows
/// under concurrent inserts; `MODIFY QUERY` lets an insert resolving the views around it
/// miss the view), so it is dropped and re-created next to each other, and what its source
/// received in between is caught up: with merges held on the source and its parts listed
/// before the drop, the parts after it whose inserts wrote nothing into `checked` (its old and
/// new target) are copied through the view into a stage, and through every view downstream of
/// its target into stages of their own (a move triggers no view), then all moved in.
fn repoint(new: &State, create: &Step, view: &str, checked: &[&str]) -> Vec<Step> {
    let Op::CreateMaterializedView(c) = &create.op else {
        return vec![create.clone()];
    };
    let to = c.to.as_str();
    let mut drop = runner_drop_view(view, "");
    let Some((source, v)) = sole_source(new, view).zip(new.materialized_views.get(view)) else {
        drop.description = format!(
            "- materialized view {view} (re-created into {to} at once below: an insert into \
             its sources between the two is not copied)"
        );
        return vec![drop, create.clone()];
    };
    drop.description = format!(
        "- materialized view {view} (re-created into {to} at once below; what {source} receives \
         in between is caught up)"
    );
    let key = format!("{view}_gap");
    let (earlier, parts) = (before_of(&key), parts_of(&key));
    let mut steps = guard(&source, &key);
    steps.extend([drop, create.clone(), parts_list_step(&parts)]);
    let mut choose = step(
        Op::ChooseMissedParts(ChooseMissedParts {
            list: parts.clone(),
            source: source.clone(),
            earlier: earlier.clone(),
            targets: checked.iter().map(|t| t.to_string()).collect(),
            by_uuid: false,
        }),
        to,
        Some(view),
        format!(
            "? choose the parts of {source} written while {view} was re-created (their rows \
             reached none of {})",
            checked.join(", ")
        ),
    );
    choose.objects = vec![parts.clone(), source.clone()];
    steps.push(choose);
    // The copies: the view's, then each view downstream from the stage before it.
    let mut copies: Vec<(String, String, String)> = Vec::new(); // (key, stage, into)
    let stage = stage_of(&key);
    steps.push(stage_step(&stage, to));
    let mut copy = populate(view, v, new);
    copy.id = format!("{}:gap", copy.id);
    if let Op::Backfill(b) = &mut copy.op {
        b.backfill.target = stage.clone();
        b.parts = Some(parts.clone());
        b.source_table = Some(source.clone());
    }
    copy.description =
        format!("> copy into {stage} what {view} missed (the parts just chosen of {source})");
    steps.push(copy);
    copies.push((key, stage.clone(), to.to_string()));
    let mut frontier = vec![(to.to_string(), stage)];
    while let Some((table, table_stage)) = frontier.pop() {
        for (d, dv) in &new.materialized_views {
            if d == view || sole_source(new, d).as_deref() != Some(table.as_str()) {
                continue;
            }
            let key = format!("{view}_gap_{d}");
            let stage = stage_of(&key);
            steps.push(stage_step(&stage, &dv.to));
            let mut reading_stage = dv.clone();
            reading_stage.select = dv.select.replace(
                &format!("{}.{}", quote_ident(&new.database), quote_ident(&table)),
                &format!(
                    "{}.{}",
                    quote_ident(&new.database),
                    quote_ident(&table_stage)
                ),
            );
            let mut copy = populate(d, &reading_stage, new);
            copy.id = format!("{}:gap", copy.id);
            if let Op::Backfill(b) = &mut copy.op {
                b.backfill.target = stage.clone();
            }
            copy.description = format!("> copy into {stage} what {d} makes of {table_stage}");
            steps.push(copy);
            copies.push((key, stage.clone(), dv.to.clone()));
            frontier.push((dv.to.clone(), stage));
        }
    }
    steps.push(release(&source));
    for (key, stage, into) in &copies {
        steps.push(move_stage(stage, into, key));
    }
    for (_, stage, _) in &copies {
        steps.push(runner_drop(stage, &format!("- stage {stage}")));
    }
    steps.push(runner_drop(&parts, &format!("- part list {parts}")));
    steps.push(runner_drop(&earlier, &format!("- part list {earlier}")));
    steps
}

/// Merges held once per source, and released only after the last copy that reads it.
fn hold_once(steps: Vec<Step>) -> Vec<Step> {
    let reads_of = |s: &Step| match &s.op {
        Op::Backfill(b) if b.parts.is_some() => b.source_table.clone(),
        _ => None,
    };
    let mut last_read: BTreeMap<String, usize> = BTreeMap::new();
    let kept: Vec<Step> = steps
        .into_iter()
        .filter(|s| s.kind() != OpKind::ReleaseMerges)
        .collect();
    for (i, s) in kept.iter().enumerate() {
        if let Some(src) = reads_of(s) {
            last_read.insert(src, i);
        }
    }
    let mut held: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::with_capacity(kept.len());
    for (i, s) in kept.into_iter().enumerate() {
        if s.kind() == OpKind::HoldMerges && !held.insert(s.objects[0].clone()) {
            continue;
        }
        let read = reads_of(&s);
        out.push(s);
        if let Some(src) = read
            && last_read.get(&src) == Some(&i)
        {
            held.remove(&src);
            out.push(release(&src));
        }
    }
    out
}

/// Drops of old versions also drop the bridge that fed the next one, when there is one.
fn drop_bridges(old: &State, steps: Vec<Step>) -> Vec<Step> {
    let bridged_now: BTreeSet<String> = steps
        .iter()
        .filter_map(|s| match &s.op {
            Op::CreateBridge(b) => Some(b.source.clone()),
            _ => None,
        })
        .collect();
    // A table some version bump may have bridged: a version, or one with another version.
    let may_feed = |name: &str| {
        bridged_now.contains(name)
            || old.tables.get(name).is_some_and(|t| {
                t.version.is_some()
                    || old
                        .tables
                        .iter()
                        .any(|(other, o)| other != name && o.logical == t.logical)
            })
    };
    let mut out = Vec::with_capacity(steps.len());
    for s in steps {
        let bridged = s.kind() == OpKind::DropTable && may_feed(&s.objects[0]);
        let name = s.objects[0].clone();
        out.push(s);
        if bridged {
            let bridge = bridge_of(&name);
            out.push(runner_drop_view(
                &bridge,
                &format!("- bridge {bridge} (if any: {name} is gone)"),
            ));
        }
    }
    out
}
