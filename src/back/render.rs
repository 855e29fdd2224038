//! SQL from steps, through the minijinja templates in `templates/` (embedded in the binary).
//! Identifier quoting and string escaping are template filters, never concatenation.

use minijinja::value::{Serde, Value};
use minijinja::{Environment, UndefinedBehavior, context};

use super::steps::Step;
use chplan_clickhouse::sql::fragment;
use chplan_clickhouse::sqltext::{quote_ident, quote_string};
use chplan_runner::artifacts::plan::Operation;

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates![
    "_column.sql.j2",
    "add_table_column.sql.j2",
    "add_table_constraint.sql.j2",
    "add_table_index.sql.j2",
    "add_table_projection.sql.j2",
    "backfill.sql.j2",
    "change_table_column.sql.j2",
    "choose_parts.sql.j2",
    "create_bridge.sql.j2",
    "create_materialized_view.sql.j2",
    "create_parts_list.sql.j2",
    "create_stage.sql.j2",
    "create_table.sql.j2",
    "create_view.sql.j2",
    "drop_materialized_view.sql.j2",
    "drop_table.sql.j2",
    "drop_table_column.sql.j2",
    "drop_table_constraint.sql.j2",
    "drop_table_index.sql.j2",
    "drop_table_projection.sql.j2",
    "drop_view.sql.j2",
    "exchange_tables.sql.j2",
    "hold_merges.sql.j2",
    "modify_materialized_view_query.sql.j2",
    "choose_missed_parts.sql.j2",
    "snapshot_parts.sql.j2",
    "retire_table.sql.j2",
    "modify_table_comment.sql.j2",
    "modify_table_order_by.sql.j2",
    "modify_table_settings.sql.j2",
    "modify_table_ttl.sql.j2",
    "move_parts.sql.j2",
    "release_merges.sql.j2",
    "rename_table_column.sql.j2",
];

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    for (name, source) in TEMPLATES {
        // The templates are part of the binary and tested; a broken one is a build defect.
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("template {name}: {e}"));
    }
    env.add_filter("ident", |s: String| quote_ident(&s));
    env.add_filter("string", |s: String| quote_string(&s));
    env.add_filter("on_cluster", |c: Value| match c.as_str() {
        Some(name) if !name.is_empty() => format!(" ON CLUSTER {}", quote_ident(name)),
        _ => String::new(),
    });
    env.add_filter("key", |items: Vec<String>| match items.as_slice() {
        [] => "tuple()".to_string(),
        [one] => one.clone(),
        many => format!("({})", many.join(", ")),
    });
    env
}

/// The SQL of one step: its operation's fields, with the database and cluster beside them.
pub fn render_sql(
    env: &Environment,
    step: &Step,
    database: &str,
    cluster: Option<&str>,
) -> Result<String, String> {
    let name = step.op.template();
    let template = env
        .get_template(name)
        .map_err(|e| format!("no template {name}: {e}"))?;
    let context = context! {
        database,
        cluster,
        ..Value::from(Serde(&step.op))
    };
    let sql = template
        .render(context)
        .map_err(|e| format!("rendering {} ({name}): {e:#}", step.id))?;
    let sql = sql.trim().to_string();
    one_statement(&step.id, &sql)?;
    Ok(sql)
}

/// How a rendering error that is a bug of chplan's, not a problem of the input, begins:
/// commands exit 2 on it (`is_internal`).
const INTERNAL: &str = "internal error: ";

pub fn is_internal(error: &str) -> bool {
    error.starts_with(INTERNAL)
}

/// Defence in depth behind the fragment checks of `front::lower::fragments`: an operation's
/// SQL is exactly one statement for `clickhouse-client --multiquery` (no `;` inside, no
/// comment that would swallow the `;` up.sql puts after it, nothing unterminated), or nothing
/// is written.
fn one_statement(id: &str, sql: &str) -> Result<(), String> {
    fragment::one_statement(sql).map_err(|p| {
        let at = sql.get(p.range.clone()).unwrap_or("");
        format!(
            "{INTERNAL}the SQL of operation {id} is not exactly one statement ({} at byte {}: `{at}`); nothing was written. This is a bug of chplan: please report it with the schema",
            p.what.message(),
            p.range.start
        )
    })
}

pub fn render_operations(
    steps: &[Step],
    database: &str,
    cluster: Option<&str>,
) -> Result<Vec<Operation>, String> {
    let env = environment();
    steps
        .iter()
        .map(|s| {
            Ok(Operation {
                id: s.id.clone(),
                kind: s.kind(),
                objects: s.objects.clone(),
                destructive: s.destructive,
                description: s.description.clone(),
                backfill: s.op.backfill().cloned(),
                sql: render_sql(&env, s, database, cluster)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_break_is_an_internal_error() {
        for sql in [
            "CREATE VIEW v AS SELECT 1; DROP TABLE t",
            "CREATE VIEW v AS SELECT 1 -- swallows the ;",
            "ALTER TABLE t MODIFY SETTING x = #inf",
            "ALTER TABLE t ADD COLUMN c String DEFAULT 'open",
        ] {
            let e = one_statement("op", sql).unwrap_err();
            assert!(is_internal(&e), "{e}");
        }
        assert!(one_statement("op", "CREATE VIEW v AS SELECT ';', '--'").is_ok());
    }
}
