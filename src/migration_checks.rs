//! What `check` verifies about the migration directory: it is sealed (chplan.sum matches),
//! every up.sql is what its plan.yaml renders, and no schema change is left unplanned.

use std::fs;

use crate::compile::Compilation;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::migrations::{UP_FILE, up_sql};
use crate::planner;

pub fn check(c: &Compilation, diags: &mut Diagnostics) {
    let Some(config) = &c.project.config else {
        return;
    };
    let dir = planner::migrations(c, config);
    // A project that has not planned yet has nothing to keep in step.
    if !dir.root.exists() {
        return;
    }
    let shown = |f: &str| format!("{}/{f}", config.migrations_dir);
    // Messages name files relative to the project, as diagnostics do everywhere else.
    let root = dir.root.display().to_string();
    let relative = |e: String| e.replace(&root, &config.migrations_dir);
    match (dir.read_sum(), dir.compute_sum()) {
        (Ok(Some(recorded)), Ok(actual)) if recorded != actual => {
            let changed = changed_files(&recorded, &actual);
            diags.push(
                Diagnostic::unplaced(
                    Code::MigrationsTampered,
                    format!(
                        "{} does not match the migration files (changed: {})",
                        shown("chplan.sum"),
                        changed.join(", ")
                    ),
                )
                .help("if the edit was reviewed and intended, run `chplan reseal`; after a merge conflict, re-plan from the main branch's migrations instead"),
            );
        }
        (Ok(None), Ok(_)) if dir.read_state().ok().flatten().is_some() => diags.push(
            Diagnostic::unplaced(
                Code::MigrationsTampered,
                format!("{} is missing", shown("chplan.sum")),
            )
            .help("run `chplan reseal` to seal the reviewed migration files"),
        ),
        (Err(e), _) | (_, Err(e)) => {
            diags.push(Diagnostic::unplaced(Code::InvalidMigrations, relative(e)));
        }
        _ => {}
    }
    let ids = match dir.plan_ids() {
        Ok(ids) => ids,
        Err(e) => {
            diags.push(Diagnostic::unplaced(Code::InvalidMigrations, relative(e)));
            return;
        }
    };
    for id in ids {
        match dir.read_plan(&id) {
            Ok(plan) => {
                let path = dir.root.join(&id).join(UP_FILE);
                let on_disk = fs::read_to_string(&path).unwrap_or_default();
                if on_disk != up_sql(&plan) {
                    diags.push(
                        Diagnostic::unplaced(
                            Code::StalePlanSql,
                            format!("{} does not match its plan.yaml", shown(&format!("{id}/{UP_FILE}"))),
                        )
                        .help("up.sql is generated from plan.yaml: edit the plan, then run `chplan reseal`"),
                    );
                }
            }
            Err(e) => diags.push(
                Diagnostic::unplaced(Code::InvalidMigrations, relative(e))
                    .help("fix the YAML by hand, or restore it from version control"),
            ),
        }
    }
    let mut plan_diags = Diagnostics::default();
    match planner::plan(c, "check", &mut plan_diags) {
        Ok(planned) => {
            diags.extend(plan_diags);
            if let Some(plan) = planned.plan {
                let mut list: Vec<String> = plan
                    .operations
                    .iter()
                    .map(|o| o.description.clone())
                    .collect();
                if list.is_empty() {
                    list.push("(no SQL: lifecycles or externally-managed tables changed)".into());
                }
                if list.len() > 10 {
                    let more = list.len() - 10;
                    list.truncate(10);
                    list.push(format!("... and {more} more"));
                }
                diags.push(
                    Diagnostic::unplaced(
                        Code::UnplannedChanges,
                        format!(
                            "the schemas have changes no plan covers:\n{}",
                            list.join("\n")
                        ),
                    )
                    .help("run `chplan plan --name SLUG` and commit the new migration with the schemas"),
                );
            }
        }
        Err(_) if plan_diags.has_errors() => diags.extend(plan_diags),
        Err(e) => diags.push(Diagnostic::unplaced(Code::InvalidMigrations, relative(e))),
    }
}

fn changed_files(recorded: &str, actual: &str) -> Vec<String> {
    let lines = |s: &str| -> Vec<(String, String)> {
        s.lines()
            .skip(1)
            .filter_map(|l| l.split_once(' '))
            .map(|(f, d)| (f.to_string(), d.to_string()))
            .collect()
    };
    let (r, a) = (lines(recorded), lines(actual));
    let mut changed: Vec<String> = a
        .iter()
        .filter(|x| !r.contains(x))
        .map(|(f, _)| f.clone())
        .chain(
            r.iter()
                .filter(|(f, _)| !a.iter().any(|(g, _)| g == f))
                .map(|(f, _)| format!("{f} (removed)")),
        )
        .collect();
    changed.sort();
    changed.dedup();
    if changed.is_empty() {
        changed.push("the sum line".into());
    }
    changed
}
