//! `chplan reseal`: after a reviewed hand edit of a plan.yaml, regenerate its up.sql and
//! recompute chplan.sum. It also restores the newest plan's state.json from the root one when
//! that is provably its end state (the root file's digest is the plan's `to_state`); older
//! plans' state.json cannot be proven from the directory and are left to `chplan check`.

use std::path::Path;

use super::{Outcome, emit};
use crate::back::planner;
use crate::front::compile::compile;
use chplan_runner::migrations::{STATE_FILE, UP_FILE, up_sql, write_atomic};

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
    dir.write_sum()?;
    out.push_str("chplan.sum updated\n");
    emit(&out)?;
    Ok(Outcome::Clean)
}
