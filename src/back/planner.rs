//! From a compiled project to a plan: desired state, diff against the last planned state,
//! ordered operations. Shared by `plan`, `check` (unplanned changes), `build` and the
//! live-database commands.

use crate::back::bump_decisions::decide;
use crate::back::diff::{self, Field, Problem};
use crate::back::versions;
use crate::back::{BumpBackfill, render_operations, steps};
use crate::back::{desired, exact_moves};
use crate::front::compile::Compilation;
use crate::front::diag::{Code, Diagnostic, Diagnostics};
use crate::front::ir::ProjectConfig;
use crate::front::resolve::ObjectKind;
use crate::front::source::Span;
use chplan_runner::artifacts::plan::{OpKind, Operation, PLAN_FORMAT_VERSION, Plan};
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

/// Every object of the desired schema as the statement that creates it, in dependency order
/// (`chplan build`): the plan from an empty database, without its backfills.
pub fn create_operations(
    c: &Compilation,
    config: &ProjectConfig,
) -> Result<Vec<Operation>, String> {
    let new = desired::build(config, &c.schema, &c.resolved);
    let empty = State::empty(&config.database, config.cluster.as_deref());
    let d = diff::diff(&empty, &new, &diff::Renames::new());
    let creates: Vec<_> = steps(&empty, &new, &d, &[])
        .into_iter()
        .filter(|s| s.kind() != OpKind::Backfill)
        .collect();
    render_operations(&creates, &config.database, config.cluster.as_deref())
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
    // Against a live database, a plan with nothing to run says nothing the database needs.
    let live_base = options.base.is_some();
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
    let bumps = decide_bumps(c, config, &old, &mut new, &renames, options, diags);
    let d = diff::diff(&old, &new, &renames);
    for p in &d.problems {
        diags.push(problem_diagnostic(c, p));
    }
    if !d.problems.is_empty() || bumps.undecided {
        return Err("the schema has changes chplan cannot plan".into());
    }
    warn_columns_still_read(c, &new, &d, diags);
    let plan = if old == new {
        None
    } else {
        let steps = exact_moves::exact(&old, &new, steps(&old, &new, &d, &bumps.backfills));
        let operations = render_operations(&steps, &config.database, config.cluster.as_deref())?;
        Some(Plan {
            format_version: PLAN_FORMAT_VERSION,
            id: dir.next_id(name)?,
            database: config.database.clone(),
            cluster: config.cluster.clone(),
            from_state,
            to_state: new.digest(),
            operations,
        })
    };
    let plan = plan.filter(|p| !(p.operations.is_empty() && live_base));
    Ok(Planned {
        old,
        new,
        plan,
        retained: bumps.retained,
        notes: bumps.notes,
    })
}

/// The version bumps of a plan, decided.
struct DecidedBumps {
    backfills: Vec<BumpBackfill>,
    /// Schema files for the old versions kept: (file name, KDL).
    retained: Vec<(String, String)>,
    notes: Vec<String>,
    /// Some bump was left undecided (a diagnostic says which).
    undecided: bool,
}

/// Decides every version bump; an old version that is kept joins the desired state as a
/// retained table, so the plan does not drop it.
fn decide_bumps(
    c: &Compilation,
    config: &ProjectConfig,
    old: &State,
    new: &mut State,
    renames: &diff::Renames,
    options: &mut PlanOptions,
    diags: &mut Diagnostics,
) -> DecidedBumps {
    let hints = desired::version_hints(&c.schema, &c.resolved);
    let mut out = DecidedBumps {
        backfills: Vec::new(),
        retained: Vec::new(),
        notes: Vec::new(),
        undecided: false,
    };
    for bump in versions::detect(old, new) {
        let bump_renames = renames.get(&bump.new).cloned().unwrap_or_default();
        let decision = decide(
            &bump,
            old,
            new,
            &hints,
            &bump_renames,
            options,
            diags,
            &mut out.notes,
        );
        let Some(d) = decision else {
            out.undecided = true;
            continue;
        };
        out.backfills.push(BumpBackfill {
            source: bump.old.clone(),
            target: bump.new.clone(),
            columns: d.backfill,
        });
        if d.keep_old && !bump.retained {
            let kept = versions::retained_state(&bump.old, &old.tables[&bump.old]);
            out.retained.push((
                format!("retained_{}.kdl", bump.old),
                versions::retained_kdl(&bump.old, &bump.logical, &kept, config.cluster.is_some()),
            ));
            new.tables.insert(bump.old.clone(), kept);
        }
    }
    out
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
