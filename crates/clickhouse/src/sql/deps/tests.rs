use super::*;

/// Asserts a clean result (no problem) with these tables, in order, and functions.
#[track_caller]
fn check(sql: &str, tables: &[&str], functions: &[&str], method: Method) {
    let deps = infer(sql);
    assert_eq!(deps.problem, None, "{sql}");
    let got: Vec<String> = deps.tables.iter().map(TableRef::qualified).collect();
    assert_eq!(got, tables, "{sql}");
    assert_eq!(deps.table_functions, functions, "{sql}");
    assert_eq!(deps.method, method, "{sql}");
    assert_spans(sql, &deps);
}

/// As `check`, for statements either method may read.
#[track_caller]
fn check_any(sql: &str, tables: &[&str], functions: &[&str]) {
    let method = infer(sql).method;
    check(sql, tables, functions, method);
}

#[track_caller]
fn flagged(sql: &str) -> SqlDeps {
    let deps = infer(sql);
    assert!(
        deps.problem.is_some(),
        "expected a problem for {sql}: {deps:?}"
    );
    deps
}

/// The text at each span, unquoted, is the reference itself.
#[track_caller]
fn assert_spans(sql: &str, deps: &SqlDeps) {
    for t in &deps.tables {
        let text = sql
            .get(t.span.clone())
            .unwrap_or_else(|| panic!("bad span {t:?}"));
        assert_eq!(unquote_name(text), t.qualified(), "span of {t:?} in {sql}");
    }
}

/// `a.b`, `` `a`.`b` ``, `"a"."b"` to `a.b`, undoing doubled quotes.
fn unquote_name(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    let mut quote = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q && chars.peek() == Some(&q) => {
                chars.next();
                out.push(q);
            }
            Some(q) if c == q => quote = None,
            // The escapes `quote_ident` writes; ClickHouse keeps unknown ones as written.
            Some(q) if c == '\\' && chars.peek().is_some_and(|n| *n == q || *n == '\\') => {
                out.extend(chars.next())
            }
            Some(_) => out.push(c),
            None if c == '`' || c == '"' => quote = Some(c),
            None if c.is_whitespace() => {}
            None => out.push(c),
        }
    }
    out
}

const P: Method = Method::Parser;
const T: Method = Method::Tokens;

#[test]
fn plain_and_qualified_tables() {
    check("SELECT a FROM t", &["t"], &[], P);
    check("SELECT a FROM db.t", &["db.t"], &[], P);
    let deps = infer("SELECT a FROM db.t");
    assert_eq!(deps.tables[0].database.as_deref(), Some("db"));
    assert_eq!(deps.tables[0].name, "t");
}

#[test]
fn quoted_names_are_unquoted_and_spans_cover_the_quotes() {
    let sql = "SELECT * FROM shop.`events` AS e JOIN \"my db\".\"t\"\"x\" USING (id)";
    check(sql, &["shop.events", "my db.t\"x"], &[], P);
    let deps = infer(sql);
    assert_eq!(&sql[deps.tables[0].span.clone()], "shop.`events`");
    assert_eq!(&sql[deps.tables[1].span.clone()], "\"my db\".\"t\"\"x\"");
}

#[test]
fn backslash_escapes_in_quoted_names_read_as_clickhouse_writes_them() {
    // `quote_ident` and the server both write a backtick in a name as \`.
    let sql = "SELECT `x\\`y` FROM db.`a\\`b` JOIN `c\\\\` USING (id)";
    check(sql, &["db.a`b", "c\\"], &[], P);
    let deps = infer(sql);
    assert_eq!(&sql[deps.tables[0].span.clone()], "db.`a\\`b`");
}

#[test]
fn spans_are_bytes_after_non_ascii_text() {
    let sql = "SELECT 'ünïcödé ✓', \"naïve\" FROM\n  -- ça\n  db.`tåble`";
    let deps = infer(sql);
    assert_eq!(deps.problem, None);
    assert_eq!(&sql[deps.tables[0].span.clone()], "db.`tåble`");
    // ClickHouse bare words are ASCII: the tokenizer splits this one, which is flagged.
    flagged("SELECT * FROM db.tåble");
    // Same through the token fallback (scalar WITH does not parse).
    let sql = "WITH 'é' AS x SELECT x FROM `ü`.t FINAL";
    let deps = infer(sql);
    assert_eq!(deps.method, T);
    assert_eq!(&sql[deps.tables[0].span.clone()], "`ü`.t");
}

#[test]
fn duplicates_are_kept_in_order() {
    check(
        "SELECT * FROM b JOIN a ON 1 WHERE x IN (SELECT x FROM b)",
        &["b", "a", "b"],
        &[],
        P,
    );
}

#[test]
fn cte_names_are_not_tables() {
    check(
        "WITH x AS (SELECT * FROM t) SELECT * FROM x",
        &["t"],
        &[],
        P,
    );
    check(
        "SELECT * FROM (WITH x AS (SELECT * FROM t) SELECT * FROM x) AS s JOIN u ON 1",
        &["t", "u"],
        &[],
        P,
    );
    check(
        "WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r",
        &[],
        &[],
        P,
    );
    // Scalar WITH: the alias is not a table, the table with the same name is.
    check(
        "WITH (SELECT max(i) FROM t1) AS t1 SELECT t1 FROM t1",
        &["t1", "t1"],
        &[],
        T,
    );
    check(
        "WITH 42 AS ttt, c AS (SELECT 1 FROM src) SELECT ttt FROM c JOIN d ON 1",
        &["src", "d"],
        &[],
        T,
    );
}

#[test]
fn table_functions_are_not_tables() {
    check(
        "SELECT * FROM numbers(10) AS n JOIN remote('h', db, t) USING (number)",
        &[],
        &["numbers", "remote"],
        P,
    );
    check(
        "SELECT * FROM file('a.csv', CSV) UNION ALL SELECT * FROM cluster('c', db.t) UNION ALL SELECT * FROM merge('db', '^t')",
        &[],
        &["cluster", "file", "merge"],
        P,
    );
}

#[test]
fn subqueries_everywhere() {
    check(
        "SELECT (SELECT max(x) FROM a) AS m FROM (SELECT * FROM b) AS s \
         LEFT JOIN (SELECT * FROM c) AS j ON s.k = j.k \
         WHERE k IN (SELECT k FROM d) AND EXISTS (SELECT 1 FROM e) AND m > (SELECT 1 FROM f)",
        &["a", "b", "c", "d", "e", "f"],
        &[],
        P,
    );
    check(
        "SELECT 1 FROM a UNION ALL SELECT 2 FROM b INTERSECT SELECT 3 FROM c EXCEPT SELECT 4 FROM d",
        &["a", "b", "c", "d"],
        &[],
        P,
    );
    check(
        "SELECT if(x > 0, (SELECT 1 FROM a), arrayMap(y -> y, [(SELECT 2 FROM b)])) FROM c",
        &["a", "b", "c"],
        &[],
        P,
    );
}

#[test]
fn in_table_reads_the_table_unless_it_is_an_alias() {
    check_any("SELECT * FROM a WHERE x IN b", &["a", "b"], &[]);
    check_any("SELECT * FROM a WHERE x NOT IN db.b", &["a", "db.b"], &[]);
    check_any("SELECT * FROM a WHERE x GLOBAL IN b", &["a", "b"], &[]);
    check_any(
        "SELECT * FROM a WHERE x GLOBAL NOT IN (SELECT x FROM b)",
        &["a", "b"],
        &[],
    );
    check_any("SELECT 1 AS a0, (1) IN a0 FROM t0", &["t0"], &[]);
    check_any("SELECT * FROM a WHERE x IN (1, 2)", &["a"], &[]);
}

#[test]
fn array_join_is_not_a_table() {
    check("SELECT * FROM t ARRAY JOIN arr AS a", &["t"], &[], P);
    check(
        "SELECT * FROM t ARRAY JOIN arr AS a, arr2 AS b",
        &["t"],
        &[],
        P,
    );
    check(
        "SELECT * FROM t LEFT ARRAY JOIN range(3) AS r",
        &["t"],
        &[],
        P,
    );
    check(
        "SELECT * FROM t ARRAY JOIN [1, 2] AS a, b AS c LEFT JOIN u ON 1",
        &["t", "u"],
        &[],
        T,
    );
}

#[test]
fn dictionaries_are_not_tables() {
    check(
        "SELECT dictGet('db.dict', 'v', k), dictGetUInt64('d2', 'v', k) FROM t",
        &["t"],
        &[],
        P,
    );
}

#[test]
fn keywords_the_parser_takes_for_aliases() {
    check("SELECT * FROM t FINAL WHERE x = 1", &["t"], &[], P);
    check(
        "SELECT * FROM t ANY LEFT JOIN u USING (k)",
        &["t", "u"],
        &[],
        P,
    );
    check("SELECT * FROM t AS a FINAL", &["t"], &[], T);
    check(
        "SELECT * FROM t AS a ANY LEFT JOIN u AS b USING k",
        &["t", "u"],
        &[],
        T,
    );
    check(
        "SELECT * FROM t AS a GLOBAL ALL INNER JOIN db.u AS b ON a.k = b.k ASOF JOIN v ON 1 SEMI LEFT JOIN w USING (k)",
        &["t", "db.u", "v", "w"],
        &[],
        T,
    );
    check(
        "SELECT * FROM t SAMPLE 1/10 OFFSET 1/2, u",
        &["t", "u"],
        &[],
        P,
    );
}

#[test]
fn syntax_only_the_fallback_reads() {
    check("SELECT * FROM a JOIN b USING k", &["a", "b"], &[], T);
    check(
        "SELECT * FROM 01_t JOIN db.02_u USING (k)",
        &["01_t", "db.02_u"],
        &[],
        P,
    );
    check("SELECT x ? 1 : 2 FROM t", &["t"], &[], T);
    check("SELECT tup.1 FROM t", &["t"], &[], T);
    check(
        "SELECT * FROM (EXPLAIN indexes = 1 SELECT count() FROM tab)",
        &["tab"],
        &["viewExplain"],
        T,
    );
    check(
        "SELECT * FROM a, (SELECT * FROM b) AS s, c",
        &["a", "b", "c"],
        &[],
        P,
    );
    check("SELECT * FROM (a JOIN b ON 1)", &["a", "b"], &[], P);
}

#[test]
fn unreliable_input_is_flagged() {
    let deps = flagged("SELECT * FROM {t:Identifier}");
    assert!(deps.tables.is_empty());
    flagged("SELECT * FROM a WHERE x IN {t:Identifier}");
    flagged("");
    flagged("   \n");
    flagged("SELECT * FROM (SELECT * FROM t");
    flagged("SELECT * FROM t)");
    flagged("SELECT 'unterminated FROM t");
    flagged("SELECT * FROM a.b.c");
    // A value parameter is fine.
    check("SELECT * FROM t WHERE x = {v:UInt8}", &["t"], &[], P);
}

#[test]
fn deep_nesting_does_not_overflow() {
    let depth = 5_000;
    let sql = format!(
        "SELECT * FROM {}t{}",
        "(SELECT * FROM ".repeat(depth),
        ")".repeat(depth)
    );
    flagged(&sql);
    let sql = format!("SELECT {} FROM t", "(".repeat(depth));
    flagged(&sql);
    let sql = format!("SELECT 1{} FROM t", " + 1".repeat(20_000));
    let _ = infer(&sql);
}

#[derive(serde::Deserialize)]
struct Line {
    id: u64,
    select_sql: String,
}

fn corpus() -> Vec<Line> {
    // The corpus lives with the workspace's other test data.
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/view_selects.jsonl"
    ))
    .lines()
    .filter(|l| !l.trim().is_empty())
    .filter_map(|l| serde_json::from_str(l).ok())
    .collect()
}

#[test]
fn corpus_spans_are_exact() {
    let lines = corpus();
    assert!(lines.len() > 400);
    for line in &lines {
        let deps = infer(&line.select_sql);
        for t in &deps.tables {
            let text = line.select_sql.get(t.span.clone());
            assert_eq!(
                text.map(unquote_name),
                Some(t.qualified()),
                "id {}: {t:?}",
                line.id
            );
        }
    }
}

#[test]
fn corpus_truncations_never_panic() {
    for line in corpus() {
        let sql = &line.select_sql;
        for (i, _) in sql.char_indices() {
            let deps = infer(&sql[..i]);
            assert_spans(&sql[..i], &deps);
            let deps = infer(&sql[i..]);
            assert_spans(&sql[i..], &deps);
        }
    }
}

#[test]
fn random_garbage_never_panics() {
    const PIECES: &[&str] = &[
        "SELECT",
        "FROM",
        "JOIN",
        "ARRAY",
        "IN",
        "GLOBAL",
        "WITH",
        "AS",
        "EXPLAIN",
        "FINAL",
        "USING",
        "ON",
        "(",
        ")",
        ",",
        ".",
        "`",
        "\"",
        "'",
        "{",
        "}",
        ":",
        "?",
        "t",
        "db",
        "1",
        "01_x",
        "é",
        "✓",
        " ",
        "\n",
        "--",
        "/*",
        "*/",
        "numbers(",
        "ANY",
        "LEFT",
        "UNION",
        "Identifier",
        "\\",
        "[",
        "]",
        "#",
        "0x",
        "1e",
    ];
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let len = next() % 24;
        let mut sql = String::new();
        for _ in 0..len {
            let piece = PIECES[(next() % PIECES.len() as u64) as usize];
            sql.push_str(piece);
            if next() % 2 == 0 {
                sql.push(' ');
            }
        }
        let deps = infer(&sql);
        assert_spans(&sql, &deps);
    }
}
