//! Measures `sqldeps::infer` against the tables ClickHouse's own parser found in the
//! view SELECTs of ClickHouse's test suite (`tests/data/view_selects.jsonl`).
//!
//! The oracle lists CTE names among the tables (its parser does not resolve them); they
//! are not tables, so they are removed from the expected set before comparing.

use std::collections::BTreeSet;
use std::time::Instant;

use chplan_clickhouse::sql::deps::{Method, infer};
use serde::Deserialize;
use sqlparser::dialect::ClickHouseDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer};

/// At most this many lines may differ from the oracle, and each must be flagged.
const MAX_MISMATCHES: usize = 1;

#[derive(Deserialize)]
struct Line {
    id: u64,
    select_sql: String,
    tables: Vec<String>,
    table_functions: Vec<String>,
}

/// Names defined as `WITH name AS (...)` (or `, name AS (...)`), by token pattern.
fn cte_names(sql: &str) -> BTreeSet<String> {
    let Ok(tokens) = Tokenizer::new(&ClickHouseDialect {}, sql).tokenize() else {
        return BTreeSet::new();
    };
    let toks: Vec<Token> = tokens
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let is_kw = |t: &Token, k: Keyword| matches!(t, Token::Word(w) if w.keyword == k);
    toks.windows(4)
        .filter_map(|w| match w {
            [before, Token::Word(name), as_, Token::LParen]
                if is_kw(as_, Keyword::AS)
                    && (is_kw(before, Keyword::WITH)
                        || is_kw(before, Keyword::RECURSIVE)
                        || *before == Token::Comma) =>
            {
                Some(name.value.clone())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn corpus_accuracy() {
    let text = include_str!("data/view_selects.jsonl");
    let lines: Vec<Line> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("corpus line is valid JSON"))
        .collect();

    let (mut exact, mut fallback, mut flagged, mut cte_dropped) = (0, 0, 0, 0);
    let mut silent = Vec::new();
    let mut flagged_mismatch = Vec::new();
    let mut elapsed = std::time::Duration::ZERO;
    let mut slowest = (std::time::Duration::ZERO, 0);
    for line in &lines {
        let one = Instant::now();
        let deps = infer(&line.select_sql);
        elapsed += one.elapsed();
        slowest = slowest.max((one.elapsed(), line.id));
        let ctes = cte_names(&line.select_sql);
        let expected: BTreeSet<&str> = line
            .tables
            .iter()
            .map(String::as_str)
            .filter(|t| !ctes.contains(*t))
            .collect();
        cte_dropped += line.tables.len() - expected.len();
        let got_owned: BTreeSet<String> = deps.tables.iter().map(|t| t.qualified()).collect();
        let got: BTreeSet<&str> = got_owned.iter().map(String::as_str).collect();
        let want_functions: BTreeSet<&str> =
            line.table_functions.iter().map(String::as_str).collect();
        let got_functions: BTreeSet<&str> =
            deps.table_functions.iter().map(String::as_str).collect();

        if deps.method == Method::Tokens {
            fallback += 1;
        }
        if deps.problem.is_some() {
            flagged += 1;
        }
        if got == expected && got_functions == want_functions {
            exact += 1;
            continue;
        }
        let report = format!(
            "id {}: want {:?} {:?}, got {:?} {:?} via {:?}, problem {:?}",
            line.id, expected, want_functions, got, got_functions, deps.method, deps.problem
        );
        if deps.problem.is_some() {
            flagged_mismatch.push(report);
        } else {
            silent.push(report);
        }
    }

    let total = lines.len();
    println!("sqldeps corpus: {total} view SELECTs");
    println!(
        "  exact matches: {exact}/{total} ({:.1}%)",
        100.0 * exact as f64 / total as f64
    );
    println!("  token fallback: {fallback}");
    println!("  flagged (problem set): {flagged}");
    println!("  wrong and flagged: {}", flagged_mismatch.len());
    for r in &flagged_mismatch {
        println!("    {r}");
    }
    println!("  wrong and NOT flagged (silent): {}", silent.len());
    for r in &silent {
        println!("    {r}");
    }
    println!("  oracle CTE names not counted as tables: {cte_dropped}");
    println!(
        "  infer time: {elapsed:?} total, {:?} per query (this build's profile)",
        elapsed / total as u32
    );
    println!("  slowest: {:?} (id {})", slowest.0, slowest.1);

    assert!(silent.is_empty(), "silent mismatches: {silent:#?}");
    assert!(
        flagged_mismatch.len() <= MAX_MISMATCHES,
        "accuracy regressed: {} flagged mismatches",
        flagged_mismatch.len()
    );
}
