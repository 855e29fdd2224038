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
