//! `view` and `materialized-view` declarations from their states.

use super::Unexpressed;
use crate::back::desired::unqualify;
use crate::front::kdl_values::{block, kdl_quoted, kdl_string, kdl_text};
use chplan_clickhouse::sql::deps as sqldeps;
use chplan_runner::artifacts::state::{MaterializedViewState, State, ViewState};

/// The `view` declaration that compiles to `v` under the name `name` in the project of
/// `state` (whose database and objects its SQL is read against), and what it cannot say.
pub fn view_kdl(state: &State, name: &str, v: &ViewState) -> (String, Vec<Unexpressed>) {
    let mut unexpressed = Vec::new();
    let head = format!("view {} {{\n", kdl_string(name));
    let body = body(
        state,
        name,
        &v.select,
        &v.depends_on,
        v.comment.as_deref(),
        &mut unexpressed,
    );
    check_name(name, "view", &mut unexpressed);
    (format!("{head}{body}}}\n"), unexpressed)
}

/// The `materialized-view` declaration that compiles to `v` under the name `name` in the
/// project of `state`, and what it cannot say. `to=` names the target by its physical name,
/// which always means exactly that table.
pub fn materialized_view_kdl(
    state: &State,
    name: &str,
    v: &MaterializedViewState,
) -> (String, Vec<Unexpressed>) {
    let mut unexpressed = Vec::new();
    if !state.tables.contains_key(&v.to) {
        unexpressed.push(Unexpressed {
            object: name.to_string(),
            what: format!(
                "writes into `{}`, which is not a table of database `{}` in the state",
                v.to, state.database
            ),
        });
    }
    let head = format!(
        "materialized-view {} to={} {{\n",
        kdl_string(name),
        kdl_string(&v.to)
    );
    let body = body(
        state,
        name,
        &v.select,
        &v.depends_on,
        v.comment.as_deref(),
        &mut unexpressed,
    );
    check_name(name, "materialized view", &mut unexpressed);
    (format!("{head}{body}}}\n"), unexpressed)
}

fn check_name(name: &str, what: &str, unexpressed: &mut Vec<Unexpressed>) {
    if let Some(why) = super::bad_name(name, false) {
        unexpressed.push(Unexpressed {
            object: name.to_string(),
            what: format!("{what} name `{}` {why}", name.escape_debug()),
        });
    }
}

/// `comment`, `select` and, for what the SQL does not show, `depends-on`.
fn body(
    state: &State,
    name: &str,
    select: &str,
    depends_on: &[String],
    comment: Option<&str>,
    unexpressed: &mut Vec<Unexpressed>,
) -> String {
    let mut cannot = |what: String| {
        unexpressed.push(Unexpressed {
            object: name.to_string(),
            what,
        })
    };
    let mut out = String::new();
    if let Some(c) = comment {
        out.push_str(&format!("    comment {}\n", kdl_text(c, 4)));
    }
    let sql = unqualify(&state.database, select);
    out.push_str(&format!("    select {}\n", select_value(&sql)));
    let (inferred, problems) = reads(state, &sql);
    for p in problems {
        cannot(p);
    }
    for r in &inferred {
        if !depends_on.contains(r) {
            cannot(format!(
                "its SELECT reads `{r}`, which the state does not list among its dependencies"
            ));
        }
    }
    let declared: Vec<&String> = depends_on
        .iter()
        .filter(|d| !inferred.contains(d))
        .collect();
    for d in &declared {
        if lookup(state, d).is_none() {
            cannot(format!("depends on `{d}`, which is not in the state"));
        }
    }
    if !declared.is_empty() {
        let names: Vec<String> = declared.iter().map(|d| kdl_string(d)).collect();
        out.push_str(&format!("    depends-on {}\n", names.join(" ")));
    }
    out
}

/// A SELECT: on its own line when short, else a `"""` block with the SQL's lines as they are.
fn select_value(sql: &str) -> String {
    let quoted = kdl_quoted(sql);
    if !sql.contains('\n') && "    select ".len() + quoted.len() <= 100 {
        return quoted;
    }
    block(sql, 4).unwrap_or(quoted)
}

/// What the compiler will find the SQL reads, as physical names of the state (the way
/// `resolve::views` resolves them: physical name first, then the single version of a logical
/// name), and the references it could not resolve.
fn reads(state: &State, sql: &str) -> (Vec<String>, Vec<String>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for r in sqldeps::infer(sql).tables {
        if let Some(db) = &r.database
            && (db.eq_ignore_ascii_case("system")
                || db.eq_ignore_ascii_case("information_schema")
                || db != &state.database)
        {
            continue;
        }
        match lookup(state, &r.name) {
            Some(p) => found.push(p),
            None => problems.push(format!(
                "its SELECT names `{}`, which is not one object of the state",
                r.qualified()
            )),
        }
    }
    found.sort();
    found.dedup();
    problems.sort();
    problems.dedup();
    (found, problems)
}

fn lookup(state: &State, name: &str) -> Option<String> {
    if state.tables.contains_key(name)
        || state.views.contains_key(name)
        || state.materialized_views.contains_key(name)
    {
        return Some(name.to_string());
    }
    let mut versions = state.tables.iter().filter(|(_, t)| t.logical == name);
    match (versions.next(), versions.next()) {
        (Some((physical, _)), None) => Some(physical.clone()),
        _ => None,
    }
}
