//! From a compiled project to a plan: desired state, diff against the last planned state,
//! ordered operations. Shared by `plan`, `check` (unplanned changes) and `build`.

use crate::back::desired;
use crate::back::diff::{self, Field, Problem};
use crate::back::versions::{self, Bump};
use crate::back::{BumpBackfill, render_operations, steps};
use crate::front::compile::Compilation;
use crate::front::diag::{Code, Diagnostic, Diagnostics};
use crate::front::ir::ProjectConfig;
use crate::front::resolve::ObjectKind;
use crate::front::source::Span;
use chplan_runner::artifacts::plan::ColumnMapping;
use chplan_runner::artifacts::plan::{PLAN_FORMAT_VERSION, Plan};
use chplan_runner::artifacts::state::State;
use chplan_runner::migrations::MigrationDir;

pub struct Planned {
    pub old: State,
    pub new: State,
    /// `None` when the desired state equals the last planned one.
    pub plan: Option<Plan>,
    /// Schema files to write for retained old versions: (file name, KDL).
    pub retained: Vec<(String, String)>,
    /// Things the user should know that are not problems (a bump left without backfill, ...).
    pub notes: Vec<String>,
}

/// Asks the person at the terminal; absent when nobody is there (CI, pipes).
pub trait Prompter {
    fn confirm(&mut self, question: &str, default: bool) -> bool;
}

/// How version-bump decisions are taken when the schema does not declare them.
#[derive(Default)]
pub struct PlanOptions<'a> {
    /// Backfill when eligible and drop the old table, without asking.
    pub yes_all: bool,
    /// Never generate backfill SQL for version bumps.
    pub no_auto_backfill_sql: bool,
    pub prompter: Option<&'a mut dyn Prompter>,
    /// Diff against this state (and its digest) instead of `migrations/state.json`: a live
    /// database's (`plan --url`, `dev`).
    pub base: Option<(State, String)>,
}

pub fn migrations(c: &Compilation, config: &ProjectConfig) -> MigrationDir {
    MigrationDir::new(c.project.root.join(&config.migrations_dir))
}

/// Plans the next migration. Problems (changes ClickHouse cannot make in place, forbidden
/// drops, undecided version bumps) are pushed as diagnostics and yield `Err`.
pub fn plan(c: &Compilation, name: &str, diags: &mut Diagnostics) -> Result<Planned, String> {
    plan_with(c, name, &mut PlanOptions::default(), diags)
}

pub fn plan_with(
    c: &Compilation,
    name: &str,
    options: &mut PlanOptions,
    diags: &mut Diagnostics,
) -> Result<Planned, String> {
    let config = c
        .project
        .config
        .as_ref()
        .ok_or("the project has no valid chplan.kdl")?;
    let dir = migrations(c, config);
    let (old, from_state) = match options.base.take() {
        Some(base) => base,
        None => dir.read_state_with_digest()?.unwrap_or_else(|| {
            (
                State::empty(&config.database, config.cluster.as_deref()),
                "empty".to_string(),
            )
        }),
    };
    let mut new = desired::build(config, &c.schema, &c.resolved);
    let renames = desired::renames(&c.schema, &c.resolved);
    let hints = desired::version_hints(&c.schema, &c.resolved);
    let mut retained = Vec::new();
    let mut notes = Vec::new();
    let mut backfills = Vec::new();
    let mut undecided = false;
    for bump in versions::detect(&old, &new) {
        let bump_renames = renames.get(&bump.new).cloned().unwrap_or_default();
        match decide(
            &bump,
            &old,
            &new,
            &hints,
            &bump_renames,
            options,
            diags,
            &mut notes,
        ) {
            Some(d) => {
                backfills.push(BumpBackfill {
                    source: bump.old.clone(),
                    target: bump.new.clone(),
                    columns: d.backfill,
                });
                if d.keep_old {
                    let kept = versions::retained_state(
                        &bump.old,
                        &old.tables[&bump.old],
                        config.cluster.is_some(),
                    );
                    retained.push((
                        format!("retained_{}.kdl", bump.old),
                        versions::retained_kdl(&bump.old, &bump.logical, &kept),
                    ));
                    new.tables.insert(bump.old.clone(), kept);
                }
            }
            None => undecided = true,
        }
    }
    let d = diff::diff(&old, &new, &renames);
    for p in &d.problems {
        diags.push(problem_diagnostic(c, p));
    }
    if !d.problems.is_empty() || undecided {
        return Err("the schema has changes chplan cannot plan".into());
    }
    warn_columns_still_read(c, &new, &d, diags);
    if old == new {
        return Ok(Planned {
            old,
            new,
            plan: None,
            retained,
            notes,
        });
    }
    let steps = steps(&old, &new, &d, &backfills);
    let operations = render_operations(&steps, &config.database, config.cluster.as_deref())?;
    let plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        id: dir.next_id(name)?,
        database: config.database.clone(),
        cluster: config.cluster.clone(),
        from_state,
        to_state: new.digest(),
        operations,
    };
    Ok(Planned {
        old,
        new,
        plan: Some(plan),
        retained,
        notes,
    })
}

struct Decision {
    /// The column mapping when the data is copied.
    backfill: Option<Vec<ColumnMapping>>,
    keep_old: bool,
}

/// The two decisions of a bump, from the declaration, the flags, or the person at the
/// terminal, in that order; `None` (with a diagnostic) when nobody decided.
#[allow(clippy::too_many_arguments)]
fn decide(
    bump: &Bump,
    old: &State,
    new: &State,
    hints: &desired::VersionHints,
    renames: &std::collections::BTreeMap<String, String>,
    options: &mut PlanOptions,
    diags: &mut Diagnostics,
    notes: &mut Vec<String>,
) -> Option<Decision> {
    let (old_t, new_t) = (&old.tables[&bump.old], &new.tables[&bump.new]);
    let span = hints.spans.get(&bump.new).copied();
    let declared = hints.replaces.get(&bump.new);
    if let Some(r) = declared.filter(|r| r.version.is_some()) {
        let expected = old_t.version.clone().unwrap_or_default();
        if r.version.as_deref() != Some(expected.as_str()) {
            diags.push(
                Diagnostic::error(
                    Code::VersionBump,
                    r.span,
                    format!(
                        "`{}` replaces version {} of `{}`, but the planned table is `{}`",
                        bump.new,
                        r.version.as_deref().unwrap_or_default(),
                        bump.logical,
                        bump.old
                    ),
                )
                .help(if expected.is_empty() {
                    "the planned table has no version: write `replaces` without one".to_string()
                } else {
                    format!("write replaces \"{expected}\"")
                }),
            );
            return None;
        }
    }
    let empty = std::collections::BTreeMap::new();
    let exprs = hints.backfill_exprs.get(&bump.new).unwrap_or(&empty);
    let eligibility = versions::mapping(old_t, new_t, exprs, renames);
    let blocked = |blockers: &[versions::Blocker]| -> String {
        blockers
            .iter()
            .map(|b| format!("column `{}`: {} ({})", b.column, b.reason, b.help))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let error = |message: String, help: String| -> Diagnostic {
        match span {
            Some(s) => Diagnostic::error(Code::VersionBump, s, message).label("version bump"),
            None => Diagnostic::unplaced(Code::VersionBump, message),
        }
        .help(help)
    };
    let question_backfill = format!("Backfill data from {} into {}?", bump.old, bump.new);
    let backfill: Option<bool> = match (declared.and_then(|r| r.backfill), &eligibility) {
        (Some(true), Err(blockers)) => {
            // Point at each column that blocks the copy.
            for b in blockers {
                let message = format!(
                    "`{}` declares backfill=#true, but column `{}` cannot be copied from `{}`: {}",
                    bump.new, b.column, bump.old, b.reason
                );
                let at = hints
                    .column_spans
                    .get(&bump.new)
                    .and_then(|c| c.get(&b.column))
                    .copied();
                diags.push(match at {
                    Some(s) => Diagnostic::error(Code::VersionBump, s, message)
                        .label("blocks the backfill")
                        .help(b.help.clone()),
                    None => error(message, b.help.clone()),
                });
            }
            return None;
        }
        (Some(b), _) => Some(b),
        (None, _) if options.no_auto_backfill_sql => Some(false),
        (None, Err(blockers)) => {
            notes.push(format!(
                "{} -> {}: not backfilled, the data cannot be copied as is: {}",
                bump.old,
                bump.new,
                blocked(blockers)
            ));
            Some(false)
        }
        (None, Ok(_)) if options.yes_all => Some(true),
        (None, Ok(_)) => options
            .prompter
            .as_mut()
            .map(|p| p.confirm(&question_backfill, true)),
    };
    let question_keep = format!(
        "Keep old table {}? (it stays, as an externally-managed table)",
        bump.old
    );
    let keep_old: Option<bool> = match declared.and_then(|r| r.keep_old) {
        Some(k) => Some(k),
        None if options.yes_all => Some(false),
        None => options
            .prompter
            .as_mut()
            .map(|p| p.confirm(&question_keep, false)),
    };
    // Dropping a version whose rows were not copied loses them: only an explicit decision
    // (declared, or answered at the prompt) may do that, never the blanket --yes-all.
    let declared_keep = declared.and_then(|r| r.keep_old).is_some();
    let declared_backfill = declared.and_then(|r| r.backfill).is_some();
    if let (Err(blockers), Some(false), Some(false)) = (&eligibility, backfill, keep_old)
        && options.yes_all
        && !declared_keep
        && !declared_backfill
        && !options.no_auto_backfill_sql
    {
        diags.push(error(
            format!(
                "--yes-all would drop `{}`, but its rows cannot be copied into `{}`",
                bump.old, bump.new
            ),
            format!(
                "{}; or decide explicitly: replaces backfill=#false keep-old=#true (or keep-old=#false to drop the rows)",
                blocked(blockers)
            ),
        ));
        return None;
    }
    let (Some(backfill), Some(keep_old)) = (backfill, keep_old) else {
        let mut missing = Vec::new();
        if backfill.is_none() {
            missing.push("backfill or not");
        }
        if keep_old.is_none() {
            missing.push("keep or drop the old table");
        }
        diags.push(error(
            format!(
                "`{}` replaces `{}` (a version bump of `{}`), and nobody decided: {}",
                bump.new,
                bump.old,
                bump.logical,
                missing.join(", ")
            ),
            format!(
                "declare the decisions in the table: {} backfill=#true keep-old=#false; or re-run with --yes-all (backfill when eligible, drop the old table), or at a terminal to be asked",
                match &old_t.version {
                    Some(v) => format!("replaces \"{v}\""),
                    None => "replaces".to_string(),
                }
            ),
        ));
        return None;
    };
    Some(Decision {
        backfill: if backfill { eligibility.ok() } else { None },
        keep_old,
    })
}

/// A diff problem pointed at the KDL that causes it.
fn problem_diagnostic(c: &Compilation, p: &Problem) -> Diagnostic {
    let table = c
        .resolved
        .by_physical
        .get(&p.object)
        .map(|id| c.resolved.object(*id))
        .filter(|o| o.kind == ObjectKind::Table)
        .map(|o| &c.schema.tables[o.decl]);
    let span: Option<Span> = table.map(|t| match &p.field {
        Field::Engine => t.engine.as_ref().map(|e| e.span).unwrap_or(t.name.span),
        Field::OrderBy => t.order_by.as_ref().map(|o| o.span).unwrap_or(t.name.span),
        Field::PrimaryKey => t
            .primary_key
            .as_ref()
            .map(|o| o.span)
            .unwrap_or(t.name.span),
        Field::PartitionBy => t
            .partition_by
            .as_ref()
            .map(|o| o.span)
            .unwrap_or(t.name.span),
        Field::SampleBy => t.sample_by.as_ref().map(|o| o.span).unwrap_or(t.name.span),
        Field::Column(name) => t
            .columns
            .iter()
            .find(|col| &col.name.value == name)
            .map(|col| col.span)
            .unwrap_or(t.name.span),
        Field::Table => t.name.span,
    });
    let d = match span {
        Some(span) => Diagnostic::error(Code::UnplannableChange, span, p.message.clone())
            .label("cannot be applied in place"),
        None => Diagnostic::unplaced(Code::UnplannableChange, p.message.clone()),
    };
    d.help(p.help.clone())
}

/// A dropped or renamed column whose name a dependent view's SELECT still uses: ClickHouse
/// accepts the ALTER and the view breaks, so say so before the plan is applied. Only a
/// warning: the name may belong to another table of the same query.
fn warn_columns_still_read(c: &Compilation, new: &State, d: &diff::Diff, diags: &mut Diagnostics) {
    for change in &d.changes {
        let diff::Change::AlterTable(table, alters) = change else {
            continue;
        };
        let gone: Vec<&str> = alters
            .iter()
            .filter_map(|a| match a {
                diff::Alter::DropColumn(col) => Some(col.name.as_str()),
                diff::Alter::RenameColumn { from, .. } => Some(from.as_str()),
                _ => None,
            })
            .collect();
        let readers = new
            .views
            .iter()
            .map(|(n, v)| (n, &v.select, &v.depends_on))
            .chain(
                new.materialized_views
                    .iter()
                    .map(|(n, v)| (n, &v.select, &v.depends_on)),
            );
        for (view, select, depends_on) in readers {
            if !depends_on.contains(table) {
                continue;
            }
            for column in &gone {
                if !diff::mentions(select, column) {
                    continue;
                }
                let message = format!(
                    "`{view}` still names `{column}`, which this change removes from `{table}`"
                );
                let help = format!(
                    "if `{view}` reads `{table}.{column}`, change its SELECT in the same plan; otherwise (another table's column) ignore this"
                );
                let span = select_span(c, view);
                let d = match span {
                    Some(span) => Diagnostic::warning(Code::ColumnStillRead, span, message)
                        .label("reads the removed column?"),
                    None => Diagnostic::unplaced(Code::ColumnStillRead, message).as_warning(),
                };
                diags.push(d.help(help));
            }
        }
    }
}

fn select_span(c: &Compilation, view: &str) -> Option<Span> {
    let id = c.resolved.by_physical.get(view)?;
    let o = c.resolved.object(*id);
    match o.kind {
        ObjectKind::View => Some(c.schema.views[o.decl].select.span),
        ObjectKind::MaterializedView => Some(c.schema.materialized_views[o.decl].select.span),
        ObjectKind::Table => None,
    }
}
