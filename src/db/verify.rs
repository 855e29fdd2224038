//! `chplan verify`: proves a migration directory on a scratch database. Every plan is applied
//! from the first, by the runner, to a database created for the purpose (and dropped after);
//! the result must be exactly the declared schema.
//!
//! The plans name the project's database in their SQL, so they are copied into a temporary
//! directory with the scratch database's name in its place (plan, SQL, states; digests
//! recomputed). The runner then applies the copy as it would the original: its drift check
//! before each plan compares the database with the plan's start state, so a plan that does not
//! produce the state it claims fails there, at the plan that is wrong.

use std::io::Write;
use std::path::PathBuf;

use chplan_clickhouse::sql::tokens::{Kind, tokens};
use chplan_clickhouse::sqltext::quote_ident;
use chplan_runner::artifacts::plan::Plan;
use chplan_runner::artifacts::state::{LifecycleState, State};
use chplan_runner::client::{Client, Endpoint};
use chplan_runner::live::{self, Extra};
use chplan_runner::migrations::MigrationDir;
use chplan_runner::runner::apply::{Applied, Options, apply};

/// What a verification found.
#[derive(Debug)]
pub struct Verified {
    pub scratch: String,
    /// Plans applied before it stopped.
    pub applied: bool,
    /// Differences between the scratch database and the declared schema.
    pub differences: Vec<String>,
}

impl Verified {
    pub fn ok(&self) -> bool {
        self.applied && self.differences.is_empty()
    }
}

/// Applies `dir`'s plans to a scratch database on `endpoint` and compares the result with
/// `declared`. The scratch database is dropped afterwards unless `keep`.
pub fn verify(
    endpoint: &Endpoint,
    dir: &MigrationDir,
    declared: &State,
    keep: bool,
    out: &mut dyn Write,
) -> Result<Verified, String> {
    let scratch = format!(
        "{}_chplan_verify_{}",
        declared.database,
        chplan_runner::runner::random_hex(4)
    );
    let copy = TempDir::new(&scratch)?;
    let copied = MigrationDir::new(copy.0.clone());
    copy_renamed(dir, &copied, &declared.database, &scratch)?;
    let client = Client::new(endpoint.clone());
    let _ = writeln!(
        out,
        "verify: applying every plan to scratch database {scratch}"
    );
    let result = run(endpoint, &client, &copied, declared, &scratch, out);
    if !keep {
        let drop = format!("DROP DATABASE IF EXISTS {} SYNC", quote_ident(&scratch));
        if let Err(e) = client.exec(&drop, None) {
            let _ = writeln!(out, "verify: could not drop {scratch}: {e}");
        }
    }
    let (applied, differences) = result?;
    Ok(Verified {
        scratch,
        applied,
        differences,
    })
}

fn run(
    endpoint: &Endpoint,
    client: &Client,
    copied: &MigrationDir,
    declared: &State,
    scratch: &str,
    out: &mut dyn Write,
) -> Result<(bool, Vec<String>), String> {
    stand_ins(client, copied, declared, scratch, out)?;
    let options = Options {
        dry_run: false,
        yes_destructive: true,
        to: None,
        // The scratch database has no writers: every part is the right choice.
        approximate_backfill: true,
        confirm: None,
        no_prompt: None,
    };
    if apply(endpoint, copied, options, out)? != Applied::Complete {
        return Ok((false, Vec::new()));
    }
    let expected = renamed_state(declared, &declared.database, scratch);
    let live = live::read(client, scratch)?;
    let differences = live::diff_live(client, &expected, &live.state, Extra::Report)?;
    Ok((true, differences))
}

/// Externally-managed tables that no plan creates exist in a real database, made by someone
/// else; views over them cannot be created without them. The scratch database gets empty
/// stand-ins with the declared columns (never compared: externally-managed).
fn stand_ins(
    client: &Client,
    copied: &MigrationDir,
    declared: &State,
    scratch: &str,
    out: &mut dyn Write,
) -> Result<(), String> {
    let mut created = std::collections::BTreeSet::new();
    for id in copied.plan_ids()? {
        for op in copied.read_plan(&id)?.operations {
            if op.kind == chplan_runner::artifacts::plan::OpKind::CreateTable {
                created.extend(op.objects);
            }
        }
    }
    let external: Vec<_> = declared
        .tables
        .iter()
        .filter(|(name, t)| {
            t.lifecycle == LifecycleState::ExternallyManaged && !created.contains(*name)
        })
        .collect();
    if external.is_empty() {
        return Ok(());
    }
    let sql = format!("CREATE DATABASE IF NOT EXISTS {}", quote_ident(scratch));
    client
        .exec(&sql, None)
        .map_err(|e| format!("cannot create {scratch}: {e}"))?;
    for (name, t) in external {
        let columns: Vec<String> = t
            .columns
            .iter()
            .map(|c| format!("{} {}", quote_ident(&c.name), c.data_type))
            .collect();
        let sql = format!(
            "CREATE TABLE {}.{} ({}) ENGINE = MergeTree ORDER BY tuple()",
            quote_ident(scratch),
            quote_ident(name),
            columns.join(", ")
        );
        client
            .exec(&sql, None)
            .map_err(|e| format!("cannot create a stand-in for externally-managed {name}: {e}"))?;
        let _ = writeln!(out, "verify: stand-in for externally-managed table {name}");
    }
    Ok(())
}

/// Copies every plan of `from` into `to`, with database `old` renamed to `new`.
fn copy_renamed(
    from: &MigrationDir,
    to: &MigrationDir,
    old: &str,
    new: &str,
) -> Result<(), String> {
    let mut previous: Option<String> = None;
    for id in from.plan_ids()? {
        let plan = from.read_plan(&id)?;
        let (end, _) = from
            .read_plan_state(&id)?
            .ok_or_else(|| format!("{id} has no state.json (run `chplan check`)"))?;
        let end = renamed_state(&end, old, new);
        let start = from
            .read_plan_start(&id)?
            .map(|(s, _)| renamed_state(&s, old, new));
        let renamed = Plan {
            database: new.to_owned(),
            from_state: match (&start, &previous) {
                (Some(s), _) => s.digest(),
                (None, Some(p)) => p.clone(),
                (None, None) => plan.from_state.clone(),
            },
            to_state: end.digest(),
            operations: plan
                .operations
                .iter()
                .map(|op| {
                    let mut op = op.clone();
                    op.sql = rename_database(&op.sql, old, new);
                    op
                })
                .collect(),
            ..plan
        };
        to.write_plan(&renamed, &end, start.as_ref())?;
        previous = Some(end.digest());
    }
    Ok(())
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Result<TempDir, String> {
        let path = std::env::temp_dir().join(format!("chplan-{name}"));
        std::fs::create_dir_all(&path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn renamed_state(s: &State, old: &str, new: &str) -> State {
    let mut s = s.clone();
    s.database = new.to_owned();
    for v in s.views.values_mut() {
        v.select = rename_database(&v.select, old, new);
    }
    for v in s.materialized_views.values_mut() {
        v.select = rename_database(&v.select, old, new);
    }
    s
}

/// `old` as a database qualifier (`` `old`.t ``, `old.t`) becomes `new`; everything else,
/// string literals included, stays as written.
pub fn rename_database(sql: &str, old: &str, new: &str) -> String {
    let toks = tokens(sql);
    let mut out = String::with_capacity(sql.len());
    let mut at = 0;
    for (i, t) in toks.iter().enumerate() {
        let qualifies = toks
            .get(i + 1)
            .is_some_and(|n| n.text(sql) == "." && n.start == t.end);
        let is_old = match t.kind {
            Kind::Word => t.text(sql) == old,
            Kind::Quoted => chplan_clickhouse::sql::tokens::unquote_name(t.text(sql)) == old,
            _ => false,
        };
        // `x.old.t` names a column path, not the database.
        let after_dot = i > 0 && toks[i - 1].text(sql) == "." && toks[i - 1].end == t.start;
        if qualifies && is_old && !after_dot {
            out.push_str(&sql[at..t.start]);
            out.push_str(&quote_ident(new));
            at = t.end;
        }
    }
    out.push_str(&sql[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_only_the_qualifier() {
        assert_eq!(
            rename_database(
                "INSERT INTO `shop`.`t` SELECT a, 'shop.x' FROM shop.t, x.shop.y, shop",
                "shop",
                "scratch_1"
            ),
            "INSERT INTO `scratch_1`.`t` SELECT a, 'shop.x' FROM `scratch_1`.t, x.shop.y, shop"
        );
    }
}
