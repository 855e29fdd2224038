//! From a compiled project to a plan: desired state, diff against the last planned state,
//! ordered operations. Shared by `plan`, `check` (unplanned changes) and `build`.

use crate::artifacts::plan::{PLAN_FORMAT_VERSION, Plan};
use crate::artifacts::state::State;
use crate::compile::Compilation;
use crate::desired;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::diff::{self, Field, Problem};
use crate::ir::ProjectConfig;
use crate::migrations::MigrationDir;
use crate::plan::{render_operations, steps};
use crate::resolve::ObjectKind;
use crate::source::Span;

pub struct Planned {
    pub old: State,
    pub new: State,
    /// `None` when the desired state equals the last planned one.
    pub plan: Option<Plan>,
}

pub fn migrations(c: &Compilation, config: &ProjectConfig) -> MigrationDir {
    MigrationDir::new(c.project.root.join(&config.migrations_dir))
}

/// Plans the next migration. Problems (changes ClickHouse cannot make in place, forbidden
/// drops) are pushed as diagnostics and yield `Err`.
pub fn plan(c: &Compilation, name: &str, diags: &mut Diagnostics) -> Result<Planned, String> {
    let config = c
        .project
        .config
        .as_ref()
        .ok_or("the project has no valid chplan.kdl")?;
    let dir = migrations(c, config);
    let old = dir
        .read_state()?
        .unwrap_or_else(|| State::empty(&config.database, config.cluster.as_deref()));
    let new = desired::build(config, &c.schema, &c.resolved);
    let renames = desired::renames(&c.schema, &c.resolved);
    let d = diff::diff(&old, &new, &renames);
    for p in &d.problems {
        diags.push(problem_diagnostic(c, p));
    }
    if !d.problems.is_empty() {
        return Err("the schema has changes chplan cannot plan".into());
    }
    warn_columns_still_read(c, &new, &d, diags);
    if old == new {
        return Ok(Planned {
            old,
            new,
            plan: None,
        });
    }
    let steps = steps(&old, &new, &d);
    let operations = render_operations(&steps, &config.database, config.cluster.as_deref())?;
    let from_state = if dir.read_state()?.is_some() {
        old.digest()
    } else {
        "empty".to_string()
    };
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
