//! `chplan reseal`: after a reviewed hand edit of a plan.yaml, regenerate its up.sql and
//! recompute chplan.sum. It also restores the newest plan's state.json from the root one when
//! that is provably its end state (the root file's digest is the plan's `to_state`); older
//! plans' state.json cannot be proven from the directory and are left to `chplan check`.
//!
//! When the newest plan's SQL was fixed together with the schemas (the advice after a failed
//! operation), the plan's end state follows the schemas: it is taken from them when they
//! differ from it only in objects the plan's operations touch. A difference elsewhere is a
//! change no operation makes, left to the next `chplan plan`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::{Outcome, emit};
use crate::back::{desired, planner};
use crate::front::compile::compile;
use chplan_runner::artifacts::state::State;
use chplan_runner::migrations::{MigrationDir, STATE_FILE, UP_FILE, up_sql, write_atomic};

pub fn run(project: &Path) -> Result<Outcome, String> {
    let c = compile(project);
    let config = c
        .project
        .config
        .as_ref()
        .ok_or("the project has no valid chplan.kdl")?;
    let dir = planner::migrations(&c, config);
    let mut out = String::new();
    for id in dir.plan_ids()? {
        let plan = dir.read_plan(&id)?;
        let path = dir.root.join(&id).join(UP_FILE);
        let sql = up_sql(&plan);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(sql.as_str()) {
            write_atomic(&path, sql.as_bytes())?;
            out.push_str(&format!("rewrote {id}/{UP_FILE} from its plan.yaml\n"));
        }
    }
    if let Some(id) = dir.restore_newest_plan_state()? {
        out.push_str(&format!(
            "wrote {id}/{STATE_FILE} from {STATE_FILE} (the state the plan ends at)\n"
        ));
    }
    if !c.diags.has_errors() {
        let desired = desired::build(config, &c.schema, &c.resolved);
        out.push_str(&follow_schemas(&dir, &desired)?);
    }
    dir.write_sum()?;
    out.push_str("chplan.sum updated\n");
    emit(&out)?;
    Ok(Outcome::Clean)
}

/// The newest plan's end state taken from the schemas when they differ from it only in
/// objects its operations touch; what it did, as lines for the output.
fn follow_schemas(dir: &MigrationDir, desired: &State) -> Result<String, String> {
    let Some(id) = dir.plan_ids()?.pop() else {
        return Ok(String::new());
    };
    let plan = dir.read_plan(&id)?;
    let Some((ends_at, _)) = dir.read_plan_state(&id)? else {
        return Ok(String::new());
    };
    let differing = differing_objects(&ends_at, desired);
    if differing.is_empty() {
        return Ok(String::new());
    }
    let touched: BTreeSet<&str> = plan
        .operations
        .iter()
        .flat_map(|o| o.objects.iter().map(String::as_str))
        .collect();
    let untouched: Vec<&str> = differing
        .iter()
        .map(String::as_str)
        .filter(|n| !touched.contains(n))
        .collect();
    if !untouched.is_empty() {
        return Ok(format!(
            "the schemas also differ from the state {id} ends at in {}, which none of its \
             operations touch: {id} keeps its end state (plan those changes with `chplan plan`)\n",
            untouched.join(", ")
        ));
    }
    dir.set_newest_plan_state(&plan, desired)?;
    Ok(format!(
        "{id} ends at the schemas' state now ({} changed with its operations): wrote its \
         plan.yaml to_state, {STATE_FILE} and {UP_FILE}\n",
        differing.join(", ")
    ))
}

/// Names of the tables and views that differ between two states.
fn differing_objects(a: &State, b: &State) -> Vec<String> {
    fn names<T: PartialEq>(
        a: &BTreeMap<String, T>,
        b: &BTreeMap<String, T>,
        out: &mut BTreeSet<String>,
    ) {
        for (name, x) in a {
            if b.get(name) != Some(x) {
                out.insert(name.clone());
            }
        }
        out.extend(b.keys().filter(|n| !a.contains_key(*n)).cloned());
    }
    let mut out = BTreeSet::new();
    names(&a.tables, &b.tables, &mut out);
    names(&a.views, &b.views, &mut out);
    names(&a.materialized_views, &b.materialized_views, &mut out);
    if a.database != b.database || a.cluster != b.cluster {
        out.insert(String::from("(the project settings)"));
    }
    out.into_iter().collect()
}
