//! How version-bump decisions are taken: declared in the schema, from flags, or asked; and
//! refused when nobody decided. (The plans themselves run on ClickHouse in golden_plan.)

mod support;

use std::path::Path;

use chplan::back::planner::{self, PlanOptions, Prompter};
use chplan::front::compile::compile;
use chplan::front::diag::{Code, Diagnostics};
use chplan_runner::artifacts::plan::OpKind;
use support::Project;

const BEFORE: &str = r#"table aircraft version="0.0" {
    column icao24 String
    column callsign String
    column latitude Float64
    order-by icao24
}
"#;

/// `BEFORE` planned (through the library, as `chplan plan` does), then `after` in its place.
fn project(after: &str) -> Project {
    let dir = Project::new("shop").schema("a.kdl", BEFORE);
    let c = compile(dir.path());
    let mut diags = Diagnostics::default();
    let p = planner::plan(&c, "init", &mut diags).unwrap();
    planner::migrations(&c, c.project.config.as_ref().unwrap())
        .write_plan(&p.plan.unwrap(), &p.new, None)
        .unwrap();
    dir.write("a.kdl", after);
    dir
}

struct Scripted(Vec<(String, bool)>, Vec<bool>);

impl Prompter for Scripted {
    fn confirm(&mut self, question: &str, default: bool) -> bool {
        let answer = self.1.remove(0);
        self.0.push((question.to_string(), default));
        answer
    }
}

fn kinds(p: &planner::Planned) -> Vec<OpKind> {
    p.plan
        .as_ref()
        .unwrap()
        .operations
        .iter()
        .map(|o| o.kind)
        .collect()
}

fn plan(dir: &Path, options: &mut PlanOptions) -> (Result<planner::Planned, String>, Diagnostics) {
    let c = compile(dir);
    assert!(!c.diags.has_errors(), "{:?}", c.diags.sorted());
    let mut diags = Diagnostics::default();
    (planner::plan_with(&c, "bump", options, &mut diags), diags)
}

const BUMPED: &str = r#"table aircraft version="0.1" {
    column icao24 String
    column callsign String
    column latitude Float64
    order-by icao24 callsign
}
"#;

#[test]
fn undecided_bump_is_refused_with_the_fix() {
    let dir = project(BUMPED);
    let (result, diags) = plan(dir.path(), &mut PlanOptions::default());
    assert!(result.is_err());
    let d = diags.sorted();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, Code::VersionBump);
    let help = d[0].help.as_deref().unwrap();
    assert!(
        help.contains("replaces \"0.0\"") && help.contains("--yes-all"),
        "{help}"
    );
}

#[test]
fn yes_all_backfills_and_drops() {
    let dir = project(BUMPED);
    let mut options = PlanOptions {
        yes_all: true,
        ..Default::default()
    };
    let p = plan(dir.path(), &mut options).0.unwrap();
    assert_eq!(
        kinds(&p),
        [
            OpKind::CreateTable,
            OpKind::HoldMerges,
            OpKind::CreateTable,            // the part list before the bridge
            OpKind::SnapshotParts,          // into it
            OpKind::CreateMaterializedView, // the bridge from aircraft_0_0
            OpKind::CreateTable,            // stage
            OpKind::CreateTable,            // part list
            OpKind::ChooseParts,
            OpKind::Backfill,
            OpKind::ReleaseMerges,
            OpKind::MoveParts,
            OpKind::DropTable,   // stage
            OpKind::DropTable,   // part list
            OpKind::DropTable,   // part list before
            OpKind::RetireTable, // aircraft_0_0 renamed away, running inserts waited for
            OpKind::DropTable,
            OpKind::DropMaterializedView, // the bridge, with aircraft_0_0
        ]
    );
    assert!(p.retained.is_empty());
}

#[test]
fn the_prompt_asks_both_questions_and_keeping_retains() {
    let dir = project(BUMPED);
    let mut prompter = Scripted(Vec::new(), vec![true, true]);
    let mut options = PlanOptions {
        prompter: Some(&mut prompter),
        ..Default::default()
    };
    let p = plan(dir.path(), &mut options).0.unwrap();
    assert_eq!(
        kinds(&p),
        [
            OpKind::CreateTable,
            OpKind::HoldMerges,
            OpKind::CreateTable,            // the part list before the bridge
            OpKind::SnapshotParts,          // into it
            OpKind::CreateMaterializedView, // the bridge from aircraft_0_0
            OpKind::CreateTable,            // stage
            OpKind::CreateTable,            // part list
            OpKind::ChooseParts,
            OpKind::Backfill,
            OpKind::ReleaseMerges,
            OpKind::MoveParts,
            OpKind::DropTable, // stage
            OpKind::DropTable, // part list
            OpKind::DropTable, // part list before
        ]
    );
    assert_eq!(p.retained.len(), 1);
    assert_eq!(p.retained[0].0, "retained_aircraft_0_0.kdl");
    assert!(p.retained[0].1.contains("lifecycle externally-managed"));
    assert_eq!(
        prompter.0,
        [
            (
                "Backfill data from aircraft_0_0 into aircraft_0_1?".to_string(),
                true
            ),
            (
                "Keep old table aircraft_0_0? (it stays, as an externally-managed table)"
                    .to_string(),
                false
            )
        ]
    );
}

#[test]
fn declared_decisions_need_no_prompt_and_blockers_are_named() {
    let declared = BUMPED.replace(
        "    column icao24 String\n",
        "    replaces \"0.0\" backfill=#true keep-old=#false\n    column icao24 String\n",
    );
    let narrowed = declared.replace("column latitude Float64", "column latitude Float32");
    let dir = project(&narrowed);
    let (result, diags) = plan(dir.path(), &mut PlanOptions::default());
    assert!(result.is_err());
    let d = diags.sorted();
    assert!(d[0].message.contains("column `latitude`"), "{:?}", d[0]);
    assert!(
        d[0].help.as_deref().unwrap().contains("backfill=\""),
        "{:?}",
        d[0]
    );
    // An explicit expression unblocks it.
    let fixed = narrowed.replace(
        "column latitude Float32",
        "column latitude Float32 backfill=\"toFloat32(latitude)\"",
    );
    std::fs::write(dir.path().join("schemas/a.kdl"), fixed).unwrap();
    let p = plan(dir.path(), &mut PlanOptions::default()).0.unwrap();
    let ops = &p.plan.as_ref().unwrap().operations;
    let backfill = ops.iter().find(|o| o.kind == OpKind::Backfill).unwrap();
    assert!(
        backfill.sql.contains("toFloat32(latitude)"),
        "{}",
        backfill.sql
    );
    assert_eq!(
        backfill.backfill.as_ref().unwrap().source.as_deref(),
        Some("aircraft_0_0")
    );
}

#[test]
fn no_auto_backfill_never_copies() {
    let dir = project(BUMPED);
    let mut options = PlanOptions {
        yes_all: true,
        no_auto_backfill_sql: true,
        ..Default::default()
    };
    let p = plan(dir.path(), &mut options).0.unwrap();
    assert_eq!(
        kinds(&p),
        [
            OpKind::CreateTable,
            OpKind::DropTable,
            // A bridge an earlier plan (a bump that kept aircraft_0_0) may have made.
            OpKind::DropMaterializedView,
        ]
    );
}

/// A retained declaration written by an earlier decision (`chplan dev` answered "keep") does
/// not hide the bump from the production plan: the bump is still planned, with its backfill,
/// and the old version stays because the file keeps it. Nothing is asked about keeping.
#[test]
fn a_retained_declaration_keeps_the_bump_planned() {
    let dir = project(BUMPED);
    dir.write(
        "retained_aircraft_0_0.kdl",
        "table aircraft_0_0 {\n    lifecycle externally-managed\n    column icao24 String\n    \
         column callsign String\n    column latitude Float64\n    order-by icao24\n}\n",
    );
    let mut prompter = Scripted(Vec::new(), vec![true]);
    let mut options = PlanOptions {
        prompter: Some(&mut prompter),
        ..Default::default()
    };
    let p = plan(dir.path(), &mut options).0.unwrap();
    let ops = &p.plan.as_ref().unwrap().operations;
    let backfill = ops.iter().find(|o| o.kind == OpKind::Backfill).unwrap();
    assert_eq!(
        backfill.backfill.as_ref().unwrap().source.as_deref(),
        Some("aircraft_0_0")
    );
    assert!(
        !ops.iter().any(
            |o| matches!(o.kind, OpKind::DropTable | OpKind::RetireTable)
                && o.objects[0] == "aircraft_0_0"
        ),
        "{ops:?}"
    );
    assert!(p.retained.is_empty(), "the retained file exists already");
    assert_eq!(
        prompter.0,
        [(
            "Backfill data from aircraft_0_0 into aircraft_0_1?".to_string(),
            true
        )]
    );
}

/// A bump whose rows cannot be copied: the keep question itself says why, before it is
/// answered (in `plan` and in `dev` alike).
#[test]
fn the_keep_question_says_why_the_rows_cannot_be_copied() {
    let dir = project(&BUMPED.replace("column latitude Float64", "column latitude Float32"));
    let mut prompter = Scripted(Vec::new(), vec![true]);
    let mut options = PlanOptions {
        prompter: Some(&mut prompter),
        ..Default::default()
    };
    let p = plan(dir.path(), &mut options).0.unwrap();
    assert_eq!(p.retained.len(), 1);
    assert_eq!(prompter.0.len(), 1, "{:?}", prompter.0);
    let question = &prompter.0[0].0;
    assert!(
        question.starts_with("Keep old table aircraft_0_0?")
            && question.contains("its rows are not copied into aircraft_0_1 (column `latitude`"),
        "{question}"
    );
}
