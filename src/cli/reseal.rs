//! `chplan reseal`: after a reviewed hand edit of a plan.yaml, regenerate its up.sql and
//! recompute chplan.sum.

use std::path::Path;

use super::{Outcome, emit};
use crate::compile::compile;
use crate::migrations::{UP_FILE, up_sql, write_atomic};
use crate::planner;

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
    dir.write_sum()?;
    out.push_str("chplan.sum updated\n");
    emit(&out)?;
    Ok(Outcome::Clean)
}
