//! `chplan plan`: diff the schemas against the last planned state and write the next
//! migration (plan.yaml, up.sql, the new state.json, chplan.sum).

use std::path::Path;

use super::{Outcome, emit};
use crate::compile::compile;
use crate::diag::{Diagnostics, Format, render};
use crate::migrations::plan_yaml;
use crate::planner;

#[derive(clap::Args)]
pub struct Args {
    /// Name of the migration (its directory is NNNN_NAME).
    #[arg(long, default_value = "change")]
    name: String,
    /// Print the plan; write nothing.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(project: &Path, args: &Args) -> Result<Outcome, String> {
    let c = compile(project);
    let mut diags = Diagnostics::default();
    diags.extend(c.diags.clone());
    if diags.has_errors() {
        eprint!(
            "{}",
            render(&diags.sorted(), &c.project.sources, Format::Human)
        );
        eprintln!("chplan plan: fix the errors above first");
        return Ok(Outcome::Problems);
    }
    let planned = match planner::plan(&c, &args.name, &mut diags) {
        Ok(p) => p,
        Err(e) => {
            eprint!(
                "{}",
                render(&diags.sorted(), &c.project.sources, Format::Human)
            );
            eprintln!("chplan plan: {e}");
            return Ok(Outcome::Problems);
        }
    };
    if !diags.is_empty() {
        eprint!(
            "{}",
            render(&diags.sorted(), &c.project.sources, Format::Human)
        );
    }
    let Some(plan) = planned.plan else {
        emit("No changes: the schemas match the last plan.\n")?;
        return Ok(Outcome::Clean);
    };
    let mut out = String::new();
    for op in &plan.operations {
        out.push_str(&op.description);
        out.push('\n');
    }
    if plan.operations.is_empty() {
        out.push_str("(no SQL: only tracked metadata changed)\n");
    }
    if args.dry_run {
        out.push('\n');
        out.push_str(&plan_yaml(&plan)?);
        emit(&out)?;
        return Ok(Outcome::Clean);
    }
    let config = c.project.config.as_ref().ok_or("no chplan.kdl")?;
    let dir = planner::migrations(&c, config);
    dir.write_plan(&plan, &planned.new)?;
    out.push_str(&format!(
        "\nWrote {}/{}/ ({} operation{}{}); review plan.yaml, then commit it with the schemas.\n",
        config.migrations_dir,
        plan.id,
        plan.operations.len(),
        if plan.operations.len() == 1 { "" } else { "s" },
        match plan.operations.iter().filter(|o| o.destructive).count() {
            0 => String::new(),
            n => format!(", {n} destructive"),
        }
    ));
    emit(&out)?;
    Ok(Outcome::Clean)
}
