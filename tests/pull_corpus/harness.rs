//! `chplan pull` on real DDL: ClickHouse's own MergeTree-family `CREATE TABLE` statements
//! (`tests/data/pull_corpus.jsonl`, see tests/data/README.md) created in a source database A,
//! pulled, planned from nothing, applied to a fresh database B, and compared.
//!
//! Used by `tests/pull_corpus.rs`: a fixed sample in the normal test suite, the whole set by
//! `benches/pull_corpus.rs` (`scripts/bench-pull`). docs/pull.md has the figures.
//!
//! For each statement:
//!
//! 1. **Run on its own.** The head `CREATE [OR REPLACE] TABLE [IF NOT EXISTS] [db.]name
//!    [UUID '...']` is rewritten to `` CREATE ... TABLE `A`.`t<id>` `` (whatever database the
//!    statement named, `test_db` or another: the table goes into A, under a name unique to
//!    the statement; a UUID is dropped so no two tables share one). The rest of the statement
//!    is sent unchanged, with the server's default settings. A statement the server refuses
//!    did not run on its own: it is left out of the denominator (counted, by error name).
//! 2. **Pull.** A is pulled once with `chplan::db::pull::pull`. A table pull reports anything of
//!    as not expressible is not identical, the report being the cause.
//! 3. **Plan and apply.** Each table's file goes into a project of its own whose `chplan.kdl`
//!    says `database B<id>`; it is compiled, planned from nothing (`planner::plan`, the plan
//!    `chplan plan` writes) and applied (`runner::apply::apply`, what `chplan apply` runs) to
//!    the fresh database B<id>, which is dropped after the comparison.
//! 4. **Compare.** Identical means: `system.tables.create_table_query` of the table in B equals
//!    the one in A once the database names are replaced by the same placeholder. ClickHouse
//!    prints that statement from the table's definition, so this covers every column (name,
//!    type, order, default, codec, TTL, comment), the engine and its arguments, every key,
//!    the TTL, settings (including those the server filled in), indexes, projections,
//!    constraints and the comment.
//!
//! The cause of a difference is found by reading both tables back into the state format and
//! listing what differs (`chplan_runner::live::differences`): columns, engine, keys, TTL, settings,
//! indexes, projections, constraints, comment.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chplan::db::pull::{PullOptions, pull};
use chplan::front::diag::{Diagnostics, Severity};
use chplan_clickhouse::sql::tokens::{Kind, tokens};
use chplan_runner::client::{Client, ClientError, Endpoint};
use chplan_runner::live::{self, Extra};
use chplan_runner::runner::apply::{Applied, Options, apply};

use crate::support::{ClickHouse, Project};

/// One candidate statement.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: u64,
    pub source_file: String,
    pub sql: String,
}

pub fn load() -> Vec<Row> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pull_corpus.jsonl");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON row");
            Row {
                id: v["id"].as_u64().expect("id"),
                source_file: v["source_file"].as_str().unwrap_or_default().to_owned(),
                sql: v["sql"].as_str().expect("sql").to_owned(),
            }
        })
        .collect()
}

/// `sql` with its `CREATE ... TABLE [IF NOT EXISTS] [db.]name [UUID '...']` head naming
/// `` `database`.`name` `` instead; `None` when the head is not that.
pub fn rename(sql: &str, database: &str, name: &str) -> Option<String> {
    let toks = tokens(sql);
    let word = |i: usize, w: &str| toks.get(i).is_some_and(|t| t.is_word(sql, w));
    let mut i = 0;
    if !word(i, "CREATE") {
        return None;
    }
    i += 1;
    if word(i, "OR") && word(i + 1, "REPLACE") {
        i += 2;
    }
    if !word(i, "TABLE") {
        return None;
    }
    i += 1;
    if word(i, "IF") && word(i + 1, "NOT") && word(i + 2, "EXISTS") {
        i += 3;
    }
    let is_name = |i: usize| {
        toks.get(i)
            .is_some_and(|t| matches!(t.kind, Kind::Word | Kind::Quoted))
    };
    if !is_name(i) {
        return None;
    }
    let start = toks[i].start;
    let mut end = toks[i].end;
    if toks.get(i + 1).is_some_and(|t| t.text(sql) == ".") && is_name(i + 2) {
        end = toks[i + 2].end;
        i += 2;
    }
    if word(i + 1, "UUID") && toks.get(i + 2).is_some_and(|t| t.kind == Kind::Str) {
        end = toks[i + 2].end;
    }
    Some(format!(
        "{}`{database}`.`{name}`{}",
        &sql[..start],
        &sql[end..]
    ))
}

/// A statement declaring a disk on a network endpoint (`disk = disk(type = web, endpoint =
/// ...)`): the server tries to reach it while creating the table and waits on timeouts.
/// Without that endpoint the statement cannot run on its own, so it is not sent.
pub fn needs_network(sql: &str) -> bool {
    let compact: String = sql
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    compact.contains("disk(") && compact.contains("endpoint=")
}

/// What happened to one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The statement did not run on its own: the server's error name.
    DidNotRun { error: String, message: String },
    /// Identical; `exact` when byte for byte, settings in the same order too.
    Identical { exact: bool },
    /// Not identical: the cause (grouped on) and the details of this case.
    Different { cause: String, detail: String },
}

pub struct Report {
    pub results: Vec<(Row, Outcome)>,
    pub timings: Vec<(&'static str, Duration)>,
}

impl Report {
    pub fn ran(&self) -> usize {
        self.results
            .iter()
            .filter(|(_, o)| !matches!(o, Outcome::DidNotRun { .. }))
            .count()
    }

    pub fn identical(&self) -> usize {
        self.results
            .iter()
            .filter(|(_, o)| matches!(o, Outcome::Identical { .. }))
            .count()
    }

    /// Identical byte for byte, the order of the settings included.
    pub fn exact(&self) -> usize {
        self.results
            .iter()
            .filter(|(_, o)| *o == Outcome::Identical { exact: true })
            .count()
    }

    /// Identical tables per 100 that ran on their own.
    pub fn percent(&self) -> f64 {
        100.0 * self.identical() as f64 / self.ran().max(1) as f64
    }

    /// (cause, count, example id, example detail), most frequent first.
    fn grouped(&self, did_not_run: bool) -> Vec<(String, usize, u64, String)> {
        let mut groups: BTreeMap<String, (usize, u64, String)> = BTreeMap::new();
        for (row, o) in &self.results {
            let (key, detail) = match (o, did_not_run) {
                (Outcome::DidNotRun { error, message }, true) => (error, message),
                (Outcome::Different { cause, detail }, false) => (cause, detail),
                _ => continue,
            };
            let g = groups
                .entry(key.clone())
                .or_insert((0, row.id, detail.clone()));
            g.0 += 1;
        }
        let mut out: Vec<_> = groups
            .into_iter()
            .map(|(k, (n, id, d))| (k, n, id, d))
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }

    /// Every statement that did not give an identical table, with its cause and details.
    pub fn details(&self) -> String {
        let mut s = String::new();
        for (row, o) in &self.results {
            let (kind, cause, detail) = match o {
                Outcome::Identical { .. } => continue,
                Outcome::DidNotRun { error, message } => ("did not run", error, message),
                Outcome::Different { cause, detail } => ("not identical", cause, detail),
            };
            s.push_str(&format!(
                "== id {} ({}) {kind}: {cause}\n{}\n{detail}\n\n",
                row.id, row.source_file, row.sql
            ));
        }
        s
    }

    pub fn render(&self, top: usize) -> String {
        let mut s = String::new();
        let n = self.results.len();
        let ran = self.ran();
        let same = self.identical();
        s.push_str(&format!("candidates:            {n}\n"));
        s.push_str(&format!(
            "ran on their own:      {ran} (on ClickHouse 26.9, default settings; the rest are left out)\n"
        ));
        s.push_str(&format!(
            "identical:             {same} of {ran} ({:.1}%)\n",
            self.percent()
        ));
        s.push_str(&format!(
            "  of which byte for byte: {} (the rest list the same settings in another order)\n",
            self.exact()
        ));
        s.push_str(
            "  identical = system.tables.create_table_query of the table applied to B equals\n  \
             the source table's in A, database names aside and the items of its SETTINGS\n  \
             clause in name order (a table's settings are a set; chplan keeps them sorted)\n",
        );
        let show = |s: &mut String, title: &str, groups: Vec<(String, usize, u64, String)>| {
            if groups.is_empty() {
                return;
            }
            s.push_str(&format!("\n{title}\n"));
            let total = groups.len();
            for (cause, count, id, detail) in groups.into_iter().take(top) {
                s.push_str(&format!(
                    "{count:>6}  {cause}\n        e.g. id {id}: {}\n",
                    clip(&detail, 300)
                ));
            }
            if total > top {
                s.push_str(&format!("        ... and {} more causes\n", total - top));
            }
        };
        show(
            &mut s,
            &format!("not identical ({}), by cause:", ran - same),
            self.grouped(false),
        );
        show(
            &mut s,
            &format!("did not run on their own ({}), by error:", n - ran),
            self.grouped(true),
        );
        s.push_str("\ntiming:\n");
        for (what, d) in &self.timings {
            s.push_str(&format!("  {what:<28} {:>8.1} s\n", d.as_secs_f64()));
        }
        s
    }
}

fn clip(s: &str, n: usize) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= n {
        one_line
    } else {
        format!("{}...", one_line.chars().take(n).collect::<String>())
    }
}

/// The server's error name (`UNKNOWN_SETTING`), else its code, else `network error`.
fn error_name(e: &ClientError) -> String {
    match e {
        ClientError::Server {
            name: Some(name), ..
        } => name.clone(),
        ClientError::Server { code, .. } => format!("code {code}"),
        ClientError::Transport(_) => "network error".to_owned(),
    }
}

/// A message with its particulars (names in backticks, quoted values, numbers) blanked, so
/// that the same reason groups across tables.
pub fn generalise(message: &str) -> String {
    let mut out = String::new();
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' | '\'' => {
                out.push(c);
                out.push('…');
                for d in chars.by_ref() {
                    if d == c {
                        break;
                    }
                }
                out.push(c);
            }
            c if c.is_ascii_digit()
                && !out.ends_with(|p: char| p.is_alphanumeric() || p == '_') =>
            {
                out.push('N');
                while chars
                    .peek()
                    .is_some_and(|d| d.is_ascii_digit() || *d == '.')
                {
                    chars.next();
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Databases used by one run; dropped at the end.
pub struct Run<'a> {
    ch: &'a ClickHouse,
    client: Client,
    endpoint: Endpoint,
    source: String,
    prefix: String,
}

pub fn run(ch: &ClickHouse, rows: &[Row], workers: usize) -> Report {
    let endpoint = Endpoint::parse(ch.url(), None, None).expect("chfront URL");
    let source = ch.fresh_database("pullcorpus_a");
    let r = Run {
        ch,
        client: Client::new(endpoint.clone()),
        endpoint,
        prefix: format!("{source}_b"),
        source,
    };
    let mut timings = Vec::new();

    // 1. Every statement in A.
    let t = Instant::now();
    let mut outcomes: Vec<Option<Outcome>> = rows.iter().map(|row| r.create(row)).collect();
    timings.push(("create in A", t.elapsed()));

    // 2. One pull of A.
    let t = Instant::now();
    let pulled = pull(
        &r.client,
        &r.source,
        &PullOptions {
            only: &[],
            externally_managed: false,
        },
    )
    .unwrap_or_else(|e| panic!("pull of {} failed: {e}", r.source));
    timings.push(("pull A", t.elapsed()));

    // 3. and 4. Each table on its own, by `workers` threads.
    let t = Instant::now();
    let todo: Vec<usize> = (0..rows.len()).filter(|&i| outcomes[i].is_none()).collect();
    let next = Mutex::new(todo.into_iter());
    let done: Mutex<Vec<(usize, Outcome)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..workers.max(1) {
            s.spawn(|| {
                loop {
                    let Some(i) = next.lock().unwrap().next() else {
                        break;
                    };
                    let o = r.table(&rows[i], &pulled);
                    done.lock().unwrap().push((i, o));
                }
            });
        }
    });
    for (i, o) in done.into_inner().unwrap() {
        outcomes[i] = Some(o);
    }
    timings.push(("plan, apply, compare", t.elapsed()));
    let _ = ch.query(&format!("DROP DATABASE IF EXISTS `{}`", r.source));

    Report {
        results: rows
            .iter()
            .cloned()
            .zip(
                outcomes
                    .into_iter()
                    .map(|o| o.expect("every row has an outcome")),
            )
            .collect(),
        timings,
    }
}

impl Run<'_> {
    fn table_name(row: &Row) -> String {
        format!("t{}", row.id)
    }

    /// Creates the table in A: `Some` outcome when it did not run.
    fn create(&self, row: &Row) -> Option<Outcome> {
        if needs_network(&row.sql) {
            return Some(Outcome::DidNotRun {
                error: "not sent: a disk with a network endpoint".into(),
                message: "CREATE would wait on the endpoint's connect timeouts".into(),
            });
        }
        let Some(sql) = rename(&row.sql, &self.source, &Self::table_name(row)) else {
            return Some(Outcome::DidNotRun {
                error: "head not CREATE TABLE name".into(),
                message: clip(&row.sql, 200),
            });
        };
        match self.client.exec(&sql, None) {
            Ok(()) => None,
            Err(e) => Some(Outcome::DidNotRun {
                error: error_name(&e),
                message: e.to_string(),
            }),
        }
    }

    fn create_query(&self, database: &str, table: &str) -> Result<String, String> {
        let rows = self
            .client
            .read_rows(
                "SELECT create_table_query FROM system.tables WHERE database = {db:String} AND name = {t:String}",
                &[("db", database), ("t", table)],
            )
            .map_err(|e| e.to_string())?;
        let q = rows
            .first()
            .and_then(|r| r.get("create_table_query"))
            .and_then(|v| v.as_str())
            .ok_or_else(|| format!("{database}.{table} does not exist"))?;
        Ok(q.replace(&format!("{database}."), "DB.")
            .replace(&format!("`{database}`."), "DB."))
    }

    fn table(&self, row: &Row, pulled: &chplan::db::pull::Pulled) -> Outcome {
        let name = Self::table_name(row);
        let different = |cause: String, detail: String| Outcome::Different { cause, detail };
        // Pull: what it reports as not expressible.
        let reported: Vec<&str> = pulled
            .unexpressed
            .iter()
            .filter(|(o, _)| *o == name)
            .map(|(_, w)| w.as_str())
            .collect();
        if let Some(first) = reported.first() {
            return different(
                format!("pull: {}", clip(&generalise(first), 160)),
                reported.join("; "),
            );
        }
        let Some(file) = pulled.files.iter().find(|f| f.object == name) else {
            return different(
                "pull: no file and nothing reported".into(),
                format!("{name} is not among the pulled files"),
            );
        };
        let target = format!("{}{}", self.prefix, row.id);
        let outcome = self.plan_and_apply(&target, file);
        let outcome = match outcome {
            Err((cause, detail)) => different(cause, detail),
            Ok(()) => self.compare(&name, &target, pulled),
        };
        let _ = self
            .ch
            .query(&format!("DROP DATABASE IF EXISTS `{target}` SYNC"));
        outcome
    }

    fn plan_and_apply(
        &self,
        target: &str,
        file: &chplan::back::kdl_writer::KdlFile,
    ) -> Result<(), (String, String)> {
        let dir = Project::new(target).schema(&file.name, &file.text);

        let c = chplan::front::compile::compile(dir.path());
        let first_error = |diags: &Diagnostics| {
            diags
                .sorted()
                .into_iter()
                .find(|d| d.severity == Severity::Error)
                .map(|d| {
                    (
                        format!("compile: {} {}", d.code.code(), d.code.name()),
                        format!("{}\n{}", d.message, file.text),
                    )
                })
        };
        if c.diags.has_errors() {
            return Err(first_error(&c.diags).unwrap_or_default());
        }
        let mut diags = Diagnostics::default();
        let planned = match chplan::back::planner::plan(&c, "init", &mut diags) {
            Ok(p) => p,
            Err(e) => {
                return Err(first_error(&diags)
                    .map(|(k, d)| (k.replace("compile:", "plan:"), d))
                    .unwrap_or((format!("plan: {}", generalise(&e)), e)));
            }
        };
        let Some(plan) = planned.plan else {
            return Err(("plan: empty plan".into(), file.text.clone()));
        };
        let config = c.project.config.as_ref().expect("chplan.kdl read");
        let migrations = chplan::back::planner::migrations(&c, config);
        migrations
            .write_plan(&plan, &planned.new, None)
            .map_err(|e| ("plan: cannot write".to_owned(), e))?;
        let mut out = Vec::new();
        let applied = apply(
            &self.endpoint,
            &migrations,
            Options {
                dry_run: false,
                yes_destructive: false,
                to: None,
                confirm: None,
                no_prompt: None,
                approximate_backfill: false,
            },
            &mut out,
        );
        let out = String::from_utf8_lossy(&out).into_owned();
        match applied {
            Ok(Applied::Complete) => Ok(()),
            Ok(Applied::Stopped) => {
                // `ClickHouse error 36 (BAD_ARGUMENTS): ...` in the runner's message.
                let name = out
                    .split("ClickHouse error ")
                    .nth(1)
                    .and_then(|r| r.split_once('(').map(|(_, r)| r))
                    .and_then(|r| r.split_once(')').map(|(n, _)| n))
                    .filter(|n| n.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
                    .unwrap_or("stopped");
                Err((
                    format!("apply: {name}"),
                    format!("{out}\n{}", chplan_runner::migrations::up_sql(&plan)),
                ))
            }
            Err(e) => Err(("apply: error".into(), e)),
        }
    }

    fn compare(&self, name: &str, target: &str, pulled: &chplan::db::pull::Pulled) -> Outcome {
        let (a, b) = match (
            self.create_query(&self.source, name),
            self.create_query(target, name),
        ) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => {
                return Outcome::Different {
                    cause: "compare: cannot read".into(),
                    detail: e,
                };
            }
        };
        if a == b {
            return Outcome::Identical { exact: true };
        }
        if sorted_settings(&a) == sorted_settings(&b) {
            return Outcome::Identical { exact: false };
        }
        let mut expected = pulled.state.clone();
        expected.tables.retain(|n, _| n == name);
        expected.views.clear();
        expected.materialized_views.clear();
        let found = match live::read(&self.client, target) {
            Ok(l) => l.state,
            Err(e) => {
                return Outcome::Different {
                    cause: "compare: cannot read".into(),
                    detail: e,
                };
            }
        };
        let mut found_table = found;
        found_table.tables.retain(|n, _| n == name);
        let lines = live::differences(&expected, &found_table, Extra::Report);
        let mut parts: Vec<String> = lines.iter().map(|l| part_of(name, l)).collect();
        parts.sort();
        parts.dedup();
        let cause = if parts.is_empty() {
            "different: only in create_table_query".to_owned()
        } else {
            format!("different: {}", parts.join(", "))
        };
        Outcome::Different {
            cause,
            detail: format!("{}\nA: {a}\nB: {b}", lines.join("\n")),
        }
    }
}

/// A `CREATE TABLE` statement as ClickHouse prints it, with the items of its top-level
/// `SETTINGS` clause (which comes after the engine and before `COMMENT`) in name order.
pub fn sorted_settings(query: &str) -> String {
    let toks = tokens(query);
    let Some(at) = toks
        .iter()
        .position(|t| t.depth == 0 && t.is_word(query, "SETTINGS"))
    else {
        return query.to_owned();
    };
    let end = toks[at + 1..]
        .iter()
        .find(|t| t.depth == 0 && t.is_word(query, "COMMENT"))
        .map_or(query.len(), |t| t.start);
    let mut items = chplan_clickhouse::sql::tokens::split_top_level(&query[toks[at].end..end]);
    items.sort();
    format!(
        "{} {}{}{}",
        &query[..toks[at].end],
        items.join(", "),
        if end < query.len() { " " } else { "" },
        &query[end..]
    )
}

/// The part of a table a difference line (`t: column x: default: expected ..., found ...`)
/// is about.
fn part_of(table: &str, line: &str) -> String {
    let rest = line
        .strip_prefix(table)
        .and_then(|r| r.strip_prefix(": "))
        .unwrap_or(line);
    let what = [": expected ", ": missing", ": not in the state"]
        .iter()
        .filter_map(|m| rest.find(m))
        .min()
        .map_or(rest, |i| &rest[..i]);
    if let Some(column) = what.strip_prefix("column ") {
        if what == "column order" {
            return "column order".into();
        }
        if rest[what.len()..].starts_with(": missing") {
            return "column missing".into();
        }
        if rest[what.len()..].starts_with(": not in the state") {
            return "column extra".into();
        }
        for part in ["default", "codec", "TTL", "comment"] {
            if column.ends_with(&format!(": {part}")) {
                return format!("column {part}");
            }
        }
        return "column type".into();
    }
    for part in ["index", "projection", "constraint"] {
        if what.starts_with(&format!("{part} ")) {
            return part.into();
        }
    }
    what.to_owned()
}

/// With `PULL_CORPUS_DETAILS=FILE`, every statement that did not give an identical table, with
/// its cause and details, is written to FILE.
pub fn write_details(report: &Report) {
    if let Some(path) = std::env::var_os("PULL_CORPUS_DETAILS") {
        std::fs::write(&path, report.details()).expect("write the details file");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_the_head() {
        let r = |s: &str| rename(s, "a", "t1").unwrap();
        assert_eq!(
            r("CREATE TABLE test_db.x (a UInt8) ENGINE = MergeTree ORDER BY a"),
            "CREATE TABLE `a`.`t1` (a UInt8) ENGINE = MergeTree ORDER BY a"
        );
        assert_eq!(
            r("create or replace table if not exists `x y` UUID '1-2' (a UInt8)"),
            "create or replace table if not exists `a`.`t1` (a UInt8)"
        );
        assert_eq!(
            r("CREATE TABLE table(a UInt8)"),
            "CREATE TABLE `a`.`t1`(a UInt8)"
        );
        assert_eq!(rename("ATTACH TABLE x (a UInt8)", "a", "t"), None);
    }

    #[test]
    fn sorts_settings() {
        assert_eq!(
            sorted_settings(
                "CREATE TABLE d.t (`a` UInt8 SETTINGS (z = 1)) ENGINE = MergeTree ORDER BY a SETTINGS y = 1, x = f(1, 2) COMMENT 'c'"
            ),
            "CREATE TABLE d.t (`a` UInt8 SETTINGS (z = 1)) ENGINE = MergeTree ORDER BY a SETTINGS x = f(1, 2), y = 1 COMMENT 'c'"
        );
        assert_eq!(
            sorted_settings("CREATE TABLE t SETTINGS b = 1, a = 2"),
            "CREATE TABLE t SETTINGS a = 2, b = 1"
        );
    }

    #[test]
    fn generalises_messages() {
        assert_eq!(
            generalise("engine `X(sign)` has 2 args, 'y' and x1"),
            "engine `…` has N args, '…' and x1"
        );
    }

    #[test]
    fn parts_of_differences() {
        assert_eq!(
            part_of("t", "t: column a: default: expected x, found y"),
            "column default"
        );
        assert_eq!(
            part_of("t", "t: column a: expected x, found y"),
            "column type"
        );
        assert_eq!(
            part_of("t", "t: column a: missing (expected UInt8)"),
            "column missing"
        );
        assert_eq!(
            part_of("t", "t: setting s: expected 1, found 2"),
            "setting s"
        );
        assert_eq!(part_of("t", "t: index i: expected x, found y"), "index");
        assert_eq!(
            part_of("t", "t: sorting key: expected x, found y"),
            "sorting key"
        );
    }
}
