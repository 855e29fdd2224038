//! Backfills made exact under live writes (docs/runner.md, "Exact backfills"). The steps pass
//! plans each copy as one `INSERT ... SELECT`; here every copy whose source may be written to
//! while the plan runs becomes the protocol:
//!
//! 1. merges held on the source, then the view that feeds the target from it created: from
//!    then on every part of the source was written either through that view or not at all;
//! 2. the parts no insert wrote through the view chosen from `system.part_log` and
//!    `system.query_log` (the runner first waits for inserts already running);
//! 3. those parts copied into a stage no view writes into (a killed copy is emptied and redone),
//!    merges released once every copy from the source has read it, the stage moved into the
//!    target partition by partition (a move triggers no view: rows reach dependents once).
//!
//! A side-by-side view's target and a bumped table's next version are filled in place. A
//! materialized view whose SELECT changes over a target that has data is rebuilt beside it:
//! a new table fed by a temporary view per view writing into the target, filled as above, then
//! exchanged with the target once the view itself reads with the new SELECT, so readers never
//! see a half-built target. A view re-created only because a version it reads moved is
//! changed in place (`MODIFY QUERY`) where both sides of the change lead its rows to the same
//! tables exactly once.

use std::collections::{BTreeMap, BTreeSet};

use super::ops::{
    self, ChooseMissedParts, ChooseParts, CreateBridge, CreateStage, DropObject, ExchangeTables, Op,
};
use super::steps::{Step, create_table, dedupe_ids, populate, step};
use chplan_runner::artifacts::plan::OpKind;
use chplan_runner::artifacts::state::{MaterializedViewState, State};

/// Runner-owned names: `_chplan_` keeps them out of every managed name and the drift check.
fn stage_of(key: &str) -> String {
    format!("_chplan_stage_{key}")
}
fn parts_of(key: &str) -> String {
    format!("_chplan_parts_{key}")
}
fn rebuild_of(target: &str) -> String {
    format!("_chplan_rebuild_{target}")
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
    let mut pending = steps;
    while !pending.is_empty() {
        let s = pending.remove(0);
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
                        hold_before_view(&mut out, &source, &view);
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
/// copy (a filter on the parts would also cut the joined side).
fn sole_source(new: &State, view: &str) -> Option<String> {
    let v = new.materialized_views.get(view)?;
    match v.depends_on.as_slice() {
        [one] if new.tables.contains_key(one) => Some(one.clone()),
        _ => None,
    }
}

/// Merges held on `source` just before the step that creates `view`.
fn hold_before_view(out: &mut Vec<Step>, source: &str, view: &str) {
    let at = out
        .iter()
        .position(|s| s.kind() == OpKind::CreateMaterializedView && s.objects[0] == view)
        .unwrap_or(out.len());
    out.insert(at, hold(source));
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
            view: view.to_string(),
        }),
        into,
        key,
        format!("? choose the parts of {source} written without {view}"),
    );
    choose.objects = vec![parts.clone(), source.to_string()];
    vec![
        step(
            Op::CreateStage(CreateStage {
                name: stage.clone(),
                like: into.to_string(),
            }),
            &stage,
            None,
            format!("+ stage {stage} (shaped like {into})"),
        ),
        step(
            Op::CreatePartsList(named(&parts)),
            &parts,
            None,
            format!("+ part list {parts}"),
        ),
        choose,
        backfill,
    ]
}

/// The stage moved into `into`, then it and the part list dropped.
fn fill_finish(into: &str, key: &str) -> Vec<Step> {
    let (stage, parts) = (stage_of(key), parts_of(key));
    vec![
        move_stage(&stage, into, key),
        runner_drop(&stage, &format!("- stage {stage}")),
        runner_drop(&parts, &format!("- part list {parts}")),
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
fn bump(out: &mut Vec<Step>, pending: &mut [Step], s: &Step, source: &str, target: &str) {
    let Op::Backfill(b) = &s.op else { return };
    let bridge = bridge_of(source);
    out.push(hold(source));
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
    for later in pending.iter_mut() {
        if later.kind() == OpKind::DropTable && later.objects[0] == source {
            later.description = format!(
                "- table {source} (destructive; writers must have moved to {target}: until \
                 this step, what they write to {source} reaches {target} through {bridge})"
            );
        }
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
        out.push(hold(source));
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
        out.push(step(
            Op::CreateStage(CreateStage {
                name: stage.clone(),
                like: target.to_string(),
            }),
            &stage,
            None,
            format!("+ stage {stage} (shaped like {target})"),
        ));
        out.push(step(
            Op::CreatePartsList(named(&parts)),
            &parts,
            None,
            format!("+ part list {parts}"),
        ));
        let mut choose = step(
            Op::ChooseMissedParts(ChooseMissedParts {
                list: parts.clone(),
                source: source.to_string(),
                earlier: earlier.clone(),
                target: target.to_string(),
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
    }
    out.push(runner_drop(
        &rebuild,
        &format!("- table {rebuild} (the rows of {target} before the rebuild)"),
    ));
    true
}

/// A materialized view dropped and re-created only because a version it touches moved (same
/// SELECT but for the version names, no repopulation) keeps feeding its target throughout:
/// - it reads a bumped version, its target stays: one `MODIFY QUERY` right after the bridges
///   of the versions it read, instead of a drop at the start and a create at the end (before,
///   the old version feeds it; after, the bridge carries the old version's rows to the new
///   one, which feeds it: every insert reaches the target once);
/// - its target moved to a bridged next version: the drop moved next to the create, after
///   the bridge and after the views reading the next version have moved to it (rows before
///   the drop reach the next version through the bridge). ClickHouse has no atomic way to
///   re-point a view (`CREATE OR REPLACE` doubles and loses rows under concurrent inserts):
///   an insert in the instant between the two is not copied, and the drop says so.
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
        if before.to == after.to && before.comment == after.comment {
            let modify = step(
                Op::ModifyMaterializedViewQuery(ops::CreateView {
                    name: c.name.clone(),
                    select: c.select.clone(),
                    comment: None,
                }),
                &c.name,
                None,
                format!(
                    "~ materialized view {}: reads the new versions (in place: no insert is missed)",
                    c.name
                ),
            );
            let swap = Swap {
                steps: vec![modify],
                waits: reads_bridged,
                recreate: false,
            };
            swaps.insert(c.name.clone(), swap);
        } else if bridges.get(&before.to) == Some(&after.to) {
            let mut drop = runner_drop_view(&c.name, "");
            drop.destructive = true;
            drop.description = format!(
                "- materialized view {} (destructive; re-created into {} at once below: an \
                 insert into its source between the two is not copied)",
                c.name, after.to
            );
            let mut waits = reads_bridged;
            waits.insert(before.to.clone());
            let swap = Swap {
                steps: vec![drop, s.clone()],
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
