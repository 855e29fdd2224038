//! Issue 13 (High), bounded and seeded: `;`, `--`, `/*`, `#`, quotes and brackets inserted
//! at random places into the fragments of a valid schema (`support::fragments`). For each
//! mutant, `check` either refuses it with a diagnostic (and nothing panics), or accepts it,
//! and then every operation it renders — every object created from nothing, and the plan from
//! the valid schema to the mutant (ALTERs: defaults, codecs, TTLs, settings, indexes,
//! projections, constraints, views) — is exactly one statement, and the `up.sql` of that plan
//! cuts into exactly its operations.

mod support;

use chplan::back::planner;
use chplan::front::compile::compile;
use chplan::front::diag::Diagnostics;
use chplan_clickhouse::sql::fragment;
use chplan_runner::artifacts::plan::Operation;
use chplan_runner::migrations::up_sql;
use support::Project;
use support::cli::ok;
use support::fragments::{Lcg, mutate, schema, statements, valid};

const MUTANTS: usize = 3000;

fn assert_one_statement_each(ops: &[Operation], mutant: &str) {
    for op in ops {
        if let Err(p) = fragment::one_statement(&op.sql) {
            panic!(
                "operation {} is not one statement ({:?}):\n{}\nschema:\n{mutant}",
                op.id, p, op.sql
            );
        }
    }
}

#[test]
fn mutated_fragments_are_refused_or_render_one_statement_each() {
    let p = Project::new("fz").schema("s.kdl", &schema(&valid()));
    ok(p.path(), &["plan", "--name", "base"]);
    let file = p.path().join("schemas/s.kdl");
    let mut rng = Lcg(13);
    let (mut refused, mut accepted, mut planned, mut operations) = (0, 0, 0, 0);
    for _ in 0..MUTANTS {
        let mut fragments = valid();
        mutate(&mut rng, &mut fragments);
        let mutant = schema(&fragments);
        std::fs::write(&file, &mutant).unwrap();
        let c = compile(p.path());
        if c.diags.has_errors() {
            refused += 1;
            continue;
        }
        accepted += 1;
        let config = c.project.config.as_ref().unwrap();
        let creates = planner::create_operations(&c, config)
            .unwrap_or_else(|e| panic!("an accepted schema did not render: {e}\n{mutant}"));
        assert_one_statement_each(&creates, &mutant);
        operations += creates.len();
        let mut diags = Diagnostics::default();
        match planner::plan(&c, "fuzz", &mut diags) {
            Ok(planned_now) => {
                let Some(plan) = planned_now.plan else {
                    continue;
                };
                planned += 1;
                operations += plan.operations.len();
                assert_one_statement_each(&plan.operations, &mutant);
                let cut = statements(&up_sql(&plan))
                    .unwrap_or_else(|e| panic!("up.sql does not cut: {e}\n{mutant}"));
                let sqls: Vec<String> = plan
                    .operations
                    .iter()
                    .map(|o| o.sql.trim().trim_end_matches(';').to_owned())
                    .collect();
                assert_eq!(cut, sqls, "up.sql is not its operations:\n{mutant}");
            }
            // A change that cannot be planned (a new partition key needs a version) is
            // refused with a diagnostic; an internal error would be a bug.
            Err(e) => assert!(
                diags.has_errors(),
                "plan failed without a diagnostic: {e}\n{mutant}"
            ),
        }
    }
    println!(
        "{MUTANTS} mutants: {refused} refused, {accepted} accepted ({planned} planned), \
         {operations} operations, each one statement"
    );
    assert_eq!(refused + accepted, MUTANTS);
    assert!(
        refused > MUTANTS / 2 && accepted > 100,
        "{refused} refused, {accepted} accepted"
    );
}
