//! What only `system.tables.create_table_query` tells: column TTLs, constraints, the engine's
//! arguments, the table TTL and SETTINGS, a materialized view's `TO` table, and anything the
//! state format has no place for.

use std::collections::{BTreeMap, BTreeSet};

use crate::artifacts::state::{ConstraintKindState, ConstraintState, ProjectionState};

use chplan_clickhouse::sql::tokens::{Kind, Tok, matching, split_top_level, tokens, unquote_name};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateParts {
    /// Column TTL expressions, by column name.
    pub column_ttls: BTreeMap<String, String>,
    pub constraints: Vec<ConstraintState>,
    /// From the statement, for servers without `system.projections`.
    pub projections: Vec<ProjectionState>,
    pub engine_args: Vec<String>,
    pub ttl: Option<String>,
    /// The `ORDER BY` and `PRIMARY KEY` clauses as printed: `(a)`, `tuple(a DESC, b)`, and
    /// without a column an engine adds to the sorting key (`system.tables.sorting_key` has
    /// neither the parentheses nor the direction, and has the version column of
    /// `VersionedCollapsingMergeTree`).
    pub order_by: Option<String>,
    pub primary_key: Option<String>,
    /// Columns declared `EPHEMERAL` without an expression.
    pub bare_ephemeral: BTreeSet<String>,
    /// Skip index expressions as written, by index name (`system.data_skipping_indices` has
    /// `a, b` for `(a, b)` and an ALIAS column's expression for the column).
    pub index_exprs: BTreeMap<String, String>,
    /// In the order written, values as SQL literals.
    pub settings: Vec<(String, String)>,
    /// A materialized view's `TO` table: database (when written) and name.
    pub to: Option<(Option<String>, String)>,
    /// Parts the state format cannot hold, described for a person.
    pub unexpressed: Vec<String>,
}

/// Table-level clauses, in the order ClickHouse prints them.
const CLAUSES: &[&str] = &[
    "ENGINE",
    "PARTITION",
    "PRIMARY",
    "ORDER",
    "SAMPLE",
    "TTL",
    "SETTINGS",
    "COMMENT",
    "AS",
    "EMPTY",
    "TO",
    "REFRESH",
    "DEFINER",
    "SQL",
    "POPULATE",
];

pub fn parse(query: &str) -> CreateParts {
    let toks = tokens(query);
    let mut parts = CreateParts::default();
    // The element list is the first top-level bracket; views print their columns there too.
    let open = toks
        .iter()
        .position(|t| t.kind == Kind::Open && t.depth == 0 && t.text(query) == "(");
    let mut tail_from = 0;
    if let Some(open) = open {
        // A `TO db.t` before the list belongs to a materialized view.
        parts.to = to_target(query, &toks[..open]);
        if let Some(close) = matching(&toks, open) {
            let inner = &query[toks[open].end..toks[close].start];
            for element in split_top_level(inner) {
                element_into(&element, &mut parts);
            }
            tail_from = close + 1;
        }
    } else {
        parts.to = to_target(query, &toks);
    }
    clauses(query, &toks[tail_from..], &mut parts);
    parts
}

/// `TO name` at the top level of the statement head.
fn to_target(query: &str, toks: &[Tok]) -> Option<(Option<String>, String)> {
    let at = toks
        .iter()
        .position(|t| t.depth == 0 && t.is_word(query, "TO"))?;
    let name_toks: Vec<&Tok> = toks[at + 1..]
        .iter()
        .take_while(|t| matches!(t.kind, Kind::Word | Kind::Quoted) || t.text(query) == ".")
        .collect();
    let parts: Vec<String> = name_toks
        .iter()
        .filter(|t| t.text(query) != ".")
        .map(|t| unquote_name(t.text(query)))
        .collect();
    match parts.as_slice() {
        [name] => Some((None, name.clone())),
        [db, name] => Some((Some(db.clone()), name.clone())),
        _ => None,
    }
}

fn element_into(element: &str, parts: &mut CreateParts) {
    let toks = tokens(element);
    let Some(first) = toks.first() else {
        return;
    };
    let word = |i: usize, w: &str| toks.get(i).is_some_and(|t| t.is_word(element, w));
    if first.kind == Kind::Word && word(0, "INDEX") {
        index_into(element, &toks, parts);
    } else if first.kind == Kind::Word && word(0, "CONSTRAINT") {
        constraint_into(element, &toks, parts);
    } else if first.kind == Kind::Word && word(0, "PROJECTION") {
        projection_into(element, &toks, parts);
    } else if first.kind == Kind::Word && (word(0, "PRIMARY") || word(0, "STATISTICS")) {
        parts.unexpressed.push(format!("table element `{element}`"));
    } else {
        column_into(element, &toks, parts);
    }
}

/// `INDEX name expr TYPE ...`: system.data_skipping_indices holds these, but not the
/// expression as written.
fn index_into(element: &str, toks: &[Tok], parts: &mut CreateParts) {
    let name = toks.get(1).map(|t| unquote_name(t.text(element)));
    let at_type = toks
        .iter()
        .skip(2)
        .position(|t| t.depth == 0 && t.is_word(element, "TYPE"))
        .map(|p| p + 2);
    if let (Some(name), Some(at_type)) = (name, at_type)
        && at_type > 2
    {
        let expr = element[toks[2].start..toks[at_type].start].trim();
        parts.index_exprs.insert(name, expr.to_owned());
    }
}

fn constraint_into(element: &str, toks: &[Tok], parts: &mut CreateParts) {
    let word = |i: usize, w: &str| toks.get(i).is_some_and(|t| t.is_word(element, w));
    let name = toks.get(1).map(|t| unquote_name(t.text(element)));
    let kind = if word(2, "CHECK") {
        Some(ConstraintKindState::Check)
    } else if word(2, "ASSUME") {
        Some(ConstraintKindState::Assume)
    } else {
        None
    };
    match (name, kind) {
        (Some(name), Some(kind)) => parts.constraints.push(ConstraintState {
            name,
            kind,
            expr: toks
                .get(3)
                .map_or("", |t| element[t.start..].trim())
                .to_owned(),
        }),
        _ => parts.unexpressed.push(format!("constraint `{element}`")),
    }
}

fn projection_into(element: &str, toks: &[Tok], parts: &mut CreateParts) {
    let name = toks.get(1).map(|t| unquote_name(t.text(element)));
    let close = toks
        .get(2)
        .filter(|t| t.kind == Kind::Open)
        .and_then(|_| matching(toks, 2));
    let query = close.map(|close| element[toks[2].end..toks[close].start].trim().to_owned());
    // Anything after the query (`WITH SETTINGS (...)`) has no place in the state.
    let whole = toks
        .get(2)
        .and_then(|_| matching(toks, 2))
        .is_some_and(|close| close + 1 == toks.len());
    match (name, query) {
        (Some(name), Some(query)) if whole => {
            parts.projections.push(ProjectionState { name, query })
        }
        _ => parts.unexpressed.push(format!("projection `{element}`")),
    }
}

/// A column: name, type, then keyword-led parts; only what system.columns does not say is
/// taken.
fn column_into(element: &str, toks: &[Tok], parts: &mut CreateParts) {
    let name = unquote_name(toks[0].text(element));
    for (i, &t) in toks.iter().enumerate().skip(1) {
        if t.depth != 0 || t.kind != Kind::Word {
            continue;
        }
        match t.text(element).to_ascii_uppercase().as_str() {
            "EPHEMERAL" => {
                // `EPHEMERAL` alone: system.columns shows the type's default value instead.
                let bare = toks.get(i + 1).is_none_or(|n| {
                    n.depth == 0
                        && ["COMMENT", "CODEC", "TTL", "STATISTICS", "SETTINGS"]
                            .iter()
                            .any(|k| n.is_word(element, k))
                });
                if bare {
                    parts.bare_ephemeral.insert(name.clone());
                }
            }
            "TTL" => {
                let end = next_column_keyword(element, toks, i + 1);
                let text = element[t.end..end].trim().to_owned();
                parts.column_ttls.insert(name.clone(), text);
            }
            "STATISTICS" | "SETTINGS" => {
                let end = next_column_keyword(element, toks, i + 1);
                parts
                    .unexpressed
                    .push(format!("column {name}: {}", element[t.start..end].trim()));
            }
            _ => {}
        }
    }
}

/// Where a column part that started before token `from` ends.
fn next_column_keyword(element: &str, toks: &[Tok], from: usize) -> usize {
    toks[from..]
        .iter()
        .find(|t| {
            t.depth == 0
                && ["COMMENT", "CODEC", "TTL", "STATISTICS", "SETTINGS"]
                    .iter()
                    .any(|k| t.is_word(element, k))
        })
        .map_or(element.len(), |t| t.start)
}

/// Whether the token before `i` is the `BY` of `ORDER BY` (`PARTITION`, `SAMPLE`) or the
/// `KEY` of `PRIMARY KEY`, rather than a name spelled so (`ORDER BY key SETTINGS ...`).
fn follows_keyword(query: &str, toks: &[Tok], i: usize) -> bool {
    let before =
        |n: usize, words: &[&str]| i >= n && words.iter().any(|w| toks[i - n].is_word(query, w));
    (before(1, &["BY"]) && before(2, &["ORDER", "PARTITION", "SAMPLE"]))
        || (before(1, &["KEY"]) && before(2, &["PRIMARY"]))
}

fn clauses(query: &str, toks: &[Tok], parts: &mut CreateParts) {
    let mut starts: Vec<usize> = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if t.depth != 0 || !CLAUSES.iter().any(|c| t.is_word(query, c)) {
            continue;
        }
        let next_is = |w: &str| toks.get(i + 1).is_some_and(|n| n.is_word(query, w));
        // Names can be keywords (`ORDER BY partition`, `ORDER BY order`): a clause's keyword
        // follows the end of an expression or name, never `BY`, an operator or another
        // clause's keyword, and the two-word ones come with their second word.
        let after_expression = i == 0
            || (matches!(
                toks[i - 1].kind,
                Kind::Word | Kind::Quoted | Kind::Str | Kind::Close
            ) && !follows_keyword(query, toks, i)
                && starts.last() != Some(&(i - 1)));
        let second_word = match t.text(query).to_ascii_uppercase().as_str() {
            "PARTITION" | "ORDER" | "SAMPLE" => next_is("BY"),
            "PRIMARY" => next_is("KEY"),
            // `TTL d + 1 TO DISK 'x'` moves parts: that `TO` is no materialized view's target.
            "TO" => !next_is("DISK") && !next_is("VOLUME"),
            _ => true,
        };
        if after_expression && second_word {
            starts.push(i);
        }
    }
    for (n, &s) in starts.iter().enumerate() {
        let end = starts.get(n + 1).map_or(query.len(), |&e| toks[e].start);
        let keyword = toks[s].text(query).to_ascii_uppercase();
        let body = query[toks[s].end..end].trim();
        match keyword.as_str() {
            "ENGINE" => {
                let body = body.trim_start_matches('=').trim();
                if let Some(open) = body.find('(')
                    && let Some(inner) = body[open + 1..].strip_suffix(')')
                {
                    parts.engine_args = split_top_level(inner);
                }
            }
            "TTL" => parts.ttl = Some(body.to_owned()),
            "ORDER" | "PRIMARY" => {
                let word = if keyword == "ORDER" { "BY" } else { "KEY" };
                let key = body
                    .get(..word.len())
                    .filter(|w| w.eq_ignore_ascii_case(word));
                if key.is_some() {
                    let text = body[word.len()..].trim().to_owned();
                    if keyword == "ORDER" {
                        parts.order_by = Some(text);
                    } else {
                        parts.primary_key = Some(text);
                    }
                }
            }
            "SETTINGS" => {
                for item in split_top_level(body) {
                    match item.split_once('=') {
                        Some((k, v)) => parts
                            .settings
                            .push((k.trim().to_owned(), v.trim().to_owned())),
                        None => parts
                            .unexpressed
                            .push(format!("setting `{item}` without a value")),
                    }
                }
            }
            "REFRESH" | "EMPTY" | "POPULATE" => parts
                .unexpressed
                .push(format!("`{}` clause", query[toks[s].start..end].trim())),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Printed by ClickHouse 26.9 for a table using every part.
    const TABLE: &str = "CREATE TABLE x.t (`a` UInt32 CODEC(Delta(4), ZSTD(1)), `v` UInt64 COMMENT 'it\\'s' TTL toDateTime(d) + toIntervalDay(1), `d` Date, `s` String DEFAULT 'x', INDEX ix s TYPE bloom_filter(0.01) GRANULARITY 3, INDEX i2 a TYPE minmax GRANULARITY 1, CONSTRAINT c CHECK a > 0, CONSTRAINT c2 ASSUME d > '2000-01-01', PROJECTION p (SELECT a, count() GROUP BY a)) ENGINE = ReplacingMergeTree(a) PARTITION BY toYYYYMM(d) PRIMARY KEY a ORDER BY (a, d) SAMPLE BY a TTL d + toIntervalYear(1) SETTINGS index_granularity = 4096, min_bytes_for_wide_part = 0, deduplicate_merge_projection_mode = 'drop' COMMENT 'tbl'";

    #[test]
    fn reads_a_table() {
        let p = parse(TABLE);
        assert_eq!(
            p.column_ttls,
            BTreeMap::from([(
                "v".to_owned(),
                "toDateTime(d) + toIntervalDay(1)".to_owned()
            )])
        );
        assert_eq!(p.constraints.len(), 2);
        assert_eq!(p.constraints[1].kind, ConstraintKindState::Assume);
        assert_eq!(p.constraints[1].expr, "d > '2000-01-01'");
        assert_eq!(p.projections[0].query, "SELECT a, count() GROUP BY a");
        assert_eq!(p.engine_args, ["a"]);
        assert_eq!(p.ttl.as_deref(), Some("d + toIntervalYear(1)"));
        assert_eq!(p.settings.len(), 3);
        assert_eq!(p.settings[2].1, "'drop'");
        assert!(p.unexpressed.is_empty());
        assert_eq!(p.to, None);
    }

    #[test]
    fn reads_a_materialized_view() {
        let p = parse(
            "CREATE MATERIALIZED VIEW x.mv TO x.`tg t` (`id` String, `c` UInt64) AS SELECT id, count() AS c FROM x.u GROUP BY id",
        );
        assert_eq!(p.to, Some((Some("x".into()), "tg t".into())));
        let p = parse(
            "CREATE MATERIALIZED VIEW x.mv (`id` String) ENGINE = Memory AS SELECT id FROM x.u",
        );
        assert_eq!(p.to, None);
    }

    #[test]
    fn reads_keys_indexes_and_ttl_as_written() {
        // Printed by ClickHouse 26.9.
        let p = parse(
            "CREATE TABLE p.i1 (`a` UInt8, `b` String, `d` Date, `c` UInt32 ALIAS a + 1, INDEX i1 (a, b) TYPE bloom_filter GRANULARITY 1, INDEX i2 (c) TYPE minmax GRANULARITY 1, INDEX `i 3` lower(b) TYPE set(10) GRANULARITY 2) ENGINE = MergeTree PRIMARY KEY (a) ORDER BY tuple(a DESC, b) TTL d + 1 TO DISK 'default', d + 2 SETTINGS allow_experimental_reverse_key = 1",
        );
        assert_eq!(p.order_by.as_deref(), Some("tuple(a DESC, b)"));
        assert_eq!(p.primary_key.as_deref(), Some("(a)"));
        assert_eq!(p.ttl.as_deref(), Some("d + 1 TO DISK 'default', d + 2"));
        assert_eq!(
            p.index_exprs,
            BTreeMap::from([
                ("i1".to_owned(), "(a, b)".to_owned()),
                ("i2".to_owned(), "(c)".to_owned()),
                ("i 3".to_owned(), "lower(b)".to_owned()),
            ])
        );
        assert!(p.unexpressed.is_empty(), "{:?}", p.unexpressed);
    }

    #[test]
    fn names_that_are_keywords_start_no_clause() {
        let p = parse(
            "CREATE TABLE x.t (`order` Int32, `partition` Date, `ttl` Date) ENGINE = MergeTree PARTITION BY partition ORDER BY order TTL ttl + 1 SETTINGS index_granularity = 8192",
        );
        assert_eq!(p.order_by.as_deref(), Some("order"));
        assert_eq!(p.ttl.as_deref(), Some("ttl + 1"));
        assert_eq!(p.settings.len(), 1);
        let p = parse(
            "CREATE TABLE x.t (`a` Int32) ENGINE = MergeTree ORDER BY a SETTINGS a = 1 COMMENT 'c'",
        );
        assert_eq!(p.order_by.as_deref(), Some("a"));
        assert_eq!(p.settings, [("a".to_owned(), "1".to_owned())]);
    }

    #[test]
    fn reports_what_it_cannot_hold() {
        let p = parse(
            "CREATE TABLE x.t (`a` UInt32 STATISTICS(tdigest), `b` String SETTINGS (max_compress_block_size = 1)) ENGINE = MergeTree ORDER BY a",
        );
        assert_eq!(p.unexpressed.len(), 2, "{:?}", p.unexpressed);
        let p = parse(
            "CREATE TABLE x.t (`a` String EPHEMERAL, `b` String EPHEMERAL COMMENT 'x', `c` String EPHEMERAL 'c') ENGINE = MergeTree ORDER BY tuple()",
        );
        assert_eq!(
            p.bare_ephemeral,
            BTreeSet::from(["a".to_owned(), "b".to_owned()])
        );
        let p = parse(
            "CREATE TABLE x.t (`a` UInt32, PROJECTION p (SELECT a ORDER BY a) WITH SETTINGS (index_granularity = 2)) ENGINE = MergeTree ORDER BY a SETTINGS async_insert, index_granularity = 8192",
        );
        assert!(p.projections.is_empty());
        assert_eq!(p.unexpressed.len(), 2, "{:?}", p.unexpressed);
    }
}
