//! The drift check: does the live database still hold what the plans say it holds?
//!
//! The artifacts keep one full state, `migrations/state.json`, the END state of the newest
//! plan; a plan records only the digest of its start state. So the check compares the live
//! database with `state.json`, restricted to what must already match it:
//!
//! - every managed object of `state.json` that no pending operation touches is exactly as
//!   `state.json` describes it (pending operations are those of every plan, also beyond
//!   `--to`, not recorded as done: an object they do not touch is the same before and after
//!   them);
//! - an object whose only pending operation creates it (`CREATE ... IF NOT EXISTS`) must, if it
//!   already exists, have the shape `state.json` gives it: otherwise the create would silently
//!   keep the wrong object;
//! - objects touched by other pending operations are not checked: their expected shape before
//!   those operations is not in the artifacts. Backfills change rows, not shapes, and count as
//!   no touch.
//!
//! With nothing pending this is the whole of `state.json`. Unmanaged objects (not in the state),
//! `externally-managed` tables and the runner's own `_chplan_*` tables are never checked.
//! Expressions and SELECTs are compared after the server canonicalised both sides
//! (`formatQuerySingleLine`), so a formatting difference is never drift.

use std::collections::{BTreeMap, BTreeSet};

use crate::artifacts::plan::{OpKind, Operation, Plan};
use crate::artifacts::state::{LifecycleState, State, TableState};
use crate::migrations::MigrationDir;

use super::client::Client;
use super::introspect::{LiveObject, introspect};
use super::journal::Journal;
use super::progress::{OpState, load_plans, plan_states};

/// The outcome of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// One line per difference, each naming its object.
    Found(Vec<String>),
    /// Nothing differs; the text says what was compared.
    None(String),
    /// The check could not be made (no `state.json`, or it does not belong to the newest
    /// plan); the text says why.
    Unchecked(String),
}

/// What to compare, from the pending operations.
#[derive(Debug, Default)]
pub struct Scope {
    /// Touched by a pending operation other than a create or a backfill: not checked.
    pub skip: BTreeSet<String>,
    /// Created by a pending operation and touched by no other: checked only if it exists.
    pub created: BTreeSet<String>,
}

impl Scope {
    pub fn new<'o>(pending: impl IntoIterator<Item = &'o Operation>) -> Scope {
        let mut scope = Scope::default();
        for op in pending {
            let creates = matches!(
                op.kind,
                OpKind::CreateTable | OpKind::CreateView | OpKind::CreateMaterializedView
            );
            for object in &op.objects {
                if op.kind == OpKind::Backfill {
                    continue;
                }
                // A second touch (a create after a drop, a change after a create) means the
                // shape before the plans is unknown.
                if creates && !scope.created.contains(object) && !scope.skip.contains(object) {
                    scope.created.insert(object.clone());
                } else {
                    scope.created.remove(object);
                    scope.skip.insert(object.clone());
                }
            }
        }
        scope
    }
}

/// Checks `dir`'s database on the server `client` talks to; reads only.
pub fn check(client: &Client, dir: &MigrationDir) -> Result<Drift, String> {
    let (database, plans) = load_plans(dir, None)?;
    let Some((state, digest)) = dir.read_state_with_digest()? else {
        return Ok(Drift::Unchecked(format!(
            "no {}/state.json to compare with",
            dir.root.display()
        )));
    };
    // Guarded by load_plans: there is at least one plan.
    if let Some(newest) = plans.last()
        && newest.to_state != digest
    {
        return Ok(Drift::Unchecked(format!(
            "state.json is not the end state of the newest plan {} (run `chplan check`)",
            newest.id
        )));
    }
    let entries = Journal::new(client, &database)
        .read()
        .map_err(|e| format!("cannot read the journal: {e}"))?;
    let pending = pending_operations(&plans, &entries);
    let all_applied = pending.is_empty();
    let scope = Scope::new(pending);
    let live = introspect(client, &database)?;
    let differences = compare(client, &state, &live, &scope)?;
    if !differences.is_empty() {
        return Ok(Drift::Found(differences));
    }
    Ok(Drift::None(if all_applied {
        "up to date, no drift".to_owned()
    } else {
        let skipped = scope.skip.len();
        format!("no drift (objects the pending operations change were not compared: {skipped})")
    }))
}

/// Operations of every plan not recorded as done. A plan whose journal does not match it
/// counts as wholly pending: the check then compares less, never more (apply refuses such a
/// plan anyway).
fn pending_operations<'p>(
    plans: &'p [Plan],
    entries: &super::journal::Entries,
) -> Vec<&'p Operation> {
    let mut out = Vec::new();
    for plan in plans {
        match plan_states(plan, entries) {
            Ok(states) => out.extend(
                plan.operations
                    .iter()
                    .zip(states)
                    .filter(|(_, s)| *s != OpState::Done)
                    .map(|(op, _)| op),
            ),
            Err(_) => out.extend(plan.operations.iter()),
        }
    }
    out
}

/// An object of the state, as the comparison sees it.
enum Expected<'s> {
    Table(&'s TableState),
    View(&'s str),
    MaterializedView { to: &'s str, select: &'s str },
}

impl Expected<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Expected::Table(_) => "a table",
            Expected::View(_) => "a view",
            Expected::MaterializedView { .. } => "a materialized view",
        }
    }
}

fn found_kind(o: &LiveObject) -> &'static str {
    if o.is_view() {
        "a view"
    } else if o.is_materialized_view() {
        "a materialized view"
    } else {
        "a table"
    }
}

/// The differences between `state`'s managed objects in `scope` and `live`.
pub fn compare(
    client: &Client,
    state: &State,
    live: &BTreeMap<String, LiveObject>,
    scope: &Scope,
) -> Result<Vec<String>, String> {
    let mut expected: BTreeMap<&str, Expected> = BTreeMap::new();
    for (name, t) in &state.tables {
        if t.lifecycle != LifecycleState::ExternallyManaged {
            expected.insert(name, Expected::Table(t));
        }
    }
    for (name, v) in &state.views {
        expected.insert(name, Expected::View(&v.select));
    }
    for (name, v) in &state.materialized_views {
        expected.insert(
            name,
            Expected::MaterializedView {
                to: &v.to,
                select: &v.select,
            },
        );
    }
    expected.retain(|name, _| !name.starts_with("_chplan_") && !scope.skip.contains(*name));

    // Pass 1: structural differences, and the expressions to canonicalise.
    let mut out = Vec::new();
    let mut pairs: Vec<Pair> = Vec::new();
    for (name, want) in &expected {
        let Some(got) = live.get(*name) else {
            if !scope.created.contains(*name) {
                out.push(format!("{name}: missing (expected {})", want.kind()));
            }
            continue;
        };
        if want.kind() != found_kind(got) {
            out.push(format!(
                "{name}: expected {}, found {} (engine {})",
                want.kind(),
                found_kind(got),
                got.engine
            ));
            continue;
        }
        match want {
            Expected::Table(t) => table(name, t, got, &mut out, &mut pairs),
            Expected::View(select) => pairs.push(Pair::query(
                name,
                "SELECT".into(),
                select,
                &view_select(got),
            )),
            Expected::MaterializedView { to, select } => {
                let target = mv_target(&got.create_table_query, &state.database);
                if target.as_deref() != Some(*to) {
                    out.push(format!(
                        "{name}: target: expected TO {to}, found {}",
                        target.map_or("no TO table".to_owned(), |t| format!("TO {t}"))
                    ));
                }
                pairs.push(Pair::query(
                    name,
                    "SELECT".into(),
                    select,
                    &view_select(got),
                ));
            }
        }
    }

    // Pass 2: one request canonicalises every expression of both sides.
    let texts: BTreeSet<&str> = pairs
        .iter()
        .flat_map(|p| [p.expected.as_str(), p.found.as_str()])
        .filter(|q| !q.is_empty())
        .collect();
    let canonical = canonicalise(client, &texts.into_iter().collect::<Vec<_>>())?;
    let canon = |q: &str| -> String {
        let c = canonical
            .get(q)
            .cloned()
            .unwrap_or_else(|| q.trim().to_owned());
        strip_database(&c, &state.database)
    };
    for p in &pairs {
        let (want, got) = (canon(&p.expected), canon(&p.found));
        if want != got {
            let show = |s: &str| {
                let s = if p.is_query {
                    s
                } else {
                    s.strip_prefix("SELECT ").unwrap_or(s)
                };
                if s.is_empty() {
                    p.absent.clone()
                } else {
                    s.to_owned()
                }
            };
            out.push(format!(
                "{}: {}: expected {}, found {}",
                p.object,
                p.what,
                show(&want),
                show(&got)
            ));
        }
    }
    out.sort();
    Ok(out)
}

/// Two expressions (or queries) that must mean the same.
struct Pair {
    object: String,
    what: String,
    /// Full queries, as sent to `formatQuery`; empty when there is no expression.
    expected: String,
    found: String,
    is_query: bool,
    /// Shown for an empty side.
    absent: String,
}

impl Pair {
    fn expr(object: &str, what: String, expected: &str, found: &str, absent: &str) -> Pair {
        let wrap = |e: &str| {
            if e.trim().is_empty() {
                String::new()
            } else {
                format!("SELECT {e}")
            }
        };
        Pair {
            object: object.to_owned(),
            what,
            expected: wrap(expected),
            found: wrap(found),
            is_query: false,
            absent: absent.to_owned(),
        }
    }

    fn query(object: &str, what: String, expected: &str, found: &str) -> Pair {
        Pair {
            object: object.to_owned(),
            what,
            expected: expected.trim().to_owned(),
            found: found.trim().to_owned(),
            is_query: true,
            absent: "none".to_owned(),
        }
    }
}

fn table(
    name: &str,
    t: &TableState,
    got: &LiveObject,
    out: &mut Vec<String>,
    pairs: &mut Vec<Pair>,
) {
    if t.engine.name != got.engine {
        out.push(format!(
            "{name}: engine: expected {}, found {}",
            t.engine.name, got.engine
        ));
    }
    // The state writes an empty key for `tuple()`; the server shows an empty sorting_key.
    let order_by = t.order_by.join(", ");
    let order_by = if order_by == "tuple()" { "" } else { &order_by };
    pairs.push(Pair::expr(
        name,
        "sorting key".into(),
        order_by,
        &got.sorting_key,
        "tuple()",
    ));
    if let Some(p) = &t.partition_by {
        pairs.push(Pair::expr(
            name,
            "partition key".into(),
            p,
            &got.partition_key,
            "none",
        ));
    } else if !got.partition_key.is_empty() {
        out.push(format!(
            "{name}: partition key: expected none, found {}",
            got.partition_key
        ));
    }
    for c in &t.columns {
        let Some(lc) = got.column(&c.name) else {
            out.push(format!("{name}: column {}: missing", c.name));
            continue;
        };
        if c.data_type != lc.data_type {
            out.push(format!(
                "{name}: column {}: expected {}, found {}",
                c.name, c.data_type, lc.data_type
            ));
        }
        let want_kind = c.default.as_ref().map_or("", |d| d.kind.keyword());
        if want_kind != lc.default_kind {
            let show = |k: &str| {
                if k.is_empty() {
                    "no default".to_owned()
                } else {
                    k.to_owned()
                }
            };
            out.push(format!(
                "{name}: column {}: default kind: expected {}, found {}",
                c.name,
                show(want_kind),
                show(&lc.default_kind)
            ));
        } else if let Some(d) = &c.default {
            pairs.push(Pair::expr(
                name,
                format!("column {}: {} expression", c.name, want_kind),
                &d.expr,
                &lc.default_expression,
                "none",
            ));
        }
    }
    for lc in &got.columns {
        if t.column(&lc.name).is_none() {
            out.push(format!(
                "{name}: column {}: not in the state (extra column of type {})",
                lc.name, lc.data_type
            ));
        }
    }
}

/// The SELECT of a view: `as_select`, else what follows ` AS ` in `create_table_query`.
fn view_select(o: &LiveObject) -> String {
    if !o.as_select.trim().is_empty() {
        return o.as_select.clone();
    }
    let q = &o.create_table_query;
    [" AS SELECT", " AS WITH", " AS (", " AS\n"]
        .iter()
        .filter_map(|m| q.find(m))
        .min()
        .map_or_else(String::new, |i| q[i + 4..].trim().to_owned())
}

/// The `TO` table of a materialized view's `CREATE` statement, without its database.
fn mv_target(create: &str, database: &str) -> Option<String> {
    let i = create.find(" TO ")?;
    let rest = &create[i + 4..];
    let end = rest.find([' ', '(']).unwrap_or(rest.len());
    let qualified = strip_database(&rest[..end], database);
    Some(qualified.trim_matches('`').to_owned())
}

/// Removes the qualification by the project's own database (`db.t`, `` `db`.t ``) so a view
/// the server qualified compares equal to one the state wrote either way.
fn strip_database(text: &str, database: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let forms = [format!("`{database}`."), format!("{database}.")];
    'scan: while !rest.is_empty() {
        // Only at the start of a name: `workshop.t` is not `shop.` + `t`.
        let at_boundary = out
            .chars()
            .last()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '.'));
        if at_boundary {
            for f in &forms {
                if let Some(after) = rest.strip_prefix(f.as_str()) {
                    rest = after;
                    continue 'scan;
                }
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

/// Canonical single-line text of each query, by the server (`formatQuerySingleLineOrNull`):
/// one request for all of them. A query the server cannot parse is absent from the map and
/// compared as written.
fn canonicalise(client: &Client, queries: &[&str]) -> Result<BTreeMap<String, String>, String> {
    // Parameters travel in the URL, which the server limits (http_max_uri_size, 1 MiB by
    // default): batches stay well below it once percent-encoded.
    const BATCH_CHARS: usize = 100_000;
    let mut out = BTreeMap::new();
    let mut batch: Vec<&str> = Vec::new();
    let mut size = 0;
    for q in queries {
        if !batch.is_empty() && size + q.len() > BATCH_CHARS {
            out.extend(canonicalise_batch(client, &batch)?);
            batch.clear();
            size = 0;
        }
        batch.push(q);
        size += q.len();
    }
    if !batch.is_empty() {
        out.extend(canonicalise_batch(client, &batch)?);
    }
    Ok(out)
}

fn canonicalise_batch(
    client: &Client,
    queries: &[&str],
) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    // The texts travel as one Array(String) query parameter, never inside the SQL.
    let array = format!(
        "[{}]",
        queries
            .iter()
            .map(|q| quote(q))
            .collect::<Vec<_>>()
            .join(",")
    );
    let rows = client
        .read_rows(
            "SELECT arrayMap(q -> formatQuerySingleLineOrNull(q), {queries:Array(String)}) AS r",
            &[("queries", &array)],
        )
        .map_err(|e| format!("cannot canonicalise expressions on the server: {e}"))?;
    let results = rows
        .first()
        .and_then(|r| r.get("r"))
        .and_then(|r| r.as_array())
        .ok_or_else(|| "unexpected reply from formatQuerySingleLineOrNull".to_owned())?;
    for (q, r) in queries.iter().zip(results) {
        if let Some(s) = r.as_str() {
            out.insert((*q).to_owned(), s.to_owned());
        }
    }
    Ok(out)
}

/// A string literal in ClickHouse's text format (for an array parameter's value).
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Runs the check before an apply and prints its result; `Ok(false)` when drift was found
/// (then nothing may be applied).
pub fn before_apply(
    client: &Client,
    dir: &MigrationDir,
    database: &str,
    out: &mut dyn std::io::Write,
) -> Result<bool, String> {
    let drift = check(client, dir)?;
    for line in describe(&drift, database) {
        let _ = writeln!(out, "{line}");
    }
    if matches!(drift, Drift::Found(_)) {
        let _ = writeln!(
            out,
            "refusing to apply: nothing was applied. The database changed outside chplan. \
             Either undo those changes by hand, or bring the schemas in line with the live \
             database and make a new plan once the pending ones are applied."
        );
        return Ok(false);
    }
    Ok(true)
}

/// The lines to print for a check's result.
pub fn describe(drift: &Drift, database: &str) -> Vec<String> {
    match drift {
        Drift::Found(d) => {
            let mut lines = vec![format!(
                "drift: {database} differs from what the plans expect ({} difference(s)):",
                d.len()
            )];
            lines.extend(d.iter().map(|l| format!("  {l}")));
            lines
        }
        Drift::None(s) => vec![format!("drift: {s}")],
        Drift::Unchecked(why) => vec![format!("drift: not checked: {why}")],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_checks_what_pending_operations_leave_alone() {
        let op = |kind, objects: &[&str]| Operation {
            id: String::new(),
            kind,
            objects: objects.iter().map(|s| s.to_string()).collect(),
            destructive: false,
            description: String::new(),
            backfill: None,
            sql: String::new(),
        };
        let ops = [
            op(OpKind::CreateTable, &["new"]),
            op(OpKind::DropTable, &["old"]),
            op(OpKind::CreateTable, &["old"]),
            op(OpKind::Backfill, &["new", "src"]),
            op(OpKind::AddTableColumn, &["changed"]),
        ];
        let s = Scope::new(&ops);
        assert_eq!(s.created, BTreeSet::from(["new".to_owned()]));
        assert_eq!(
            s.skip,
            BTreeSet::from(["changed".to_owned(), "old".to_owned()])
        );
    }

    #[test]
    fn helpers() {
        assert_eq!(quote("a'b\\c\n"), "'a\\'b\\\\c\\n'");
        assert_eq!(
            mv_target(
                "CREATE MATERIALIZED VIEW d.mv TO d.t2 (`id` String) AS SELECT",
                "d"
            ),
            Some("t2".into())
        );
        assert_eq!(mv_target("CREATE MATERIALIZED VIEW d.mv ENGINE", "d"), None);
        let o = LiveObject {
            create_table_query: "CREATE VIEW d.v (`id` String) AS SELECT id FROM d.t".into(),
            ..LiveObject::default()
        };
        assert_eq!(view_select(&o), "SELECT id FROM d.t");
        assert_eq!(
            strip_database("SELECT shop.a FROM `shop`.t, workshop.t", "shop"),
            "SELECT a FROM t, workshop.t"
        );
    }
}
