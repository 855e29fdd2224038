//! A schema with a SQL fragment in every place chplan pastes one (defaults, codecs, TTLs,
//! keys, settings, index, projection, constraint, engine `args=`, view and materialized-view
//! SELECTs), whose valid spelling puts `;`, `--`, `/*` and `#` inside string literals; and
//! `statements`, an `up.sql` cut into its statements as `clickhouse-client --multiquery`
//! cuts it (at `;` outside literals and comments). Used by `tests/fragment_fuzz.rs` and
//! `tests/up_sql_statements.rs`.

use chplan_clickhouse::sql::tokens::{Kind, lex};

/// (placeholder, valid fragment). Every fragment is hostile but valid: the punctuation that
/// would break a statement is inside string literals.
pub const FRAGMENTS: &[(&str, &str)] = &[
    ("DEFAULT", "toUInt64(1) + 2"),
    ("CODEC", "Delta, ZSTD(3)"),
    ("MATERIALIZED", "concat(id, 'x;y -- z')"),
    ("COLUMN_TTL", "ts + INTERVAL 1 DAY"),
    ("ORDER_BY", "toStartOfHour(ts)"),
    ("PARTITION_BY", "toYYYYMM(ts)"),
    ("TTL", "ts + INTERVAL 30 DAY DELETE"),
    ("SETTING", "merge_with_ttl_timeout"),
    ("INDEX_EXPR", "lower(id)"),
    ("INDEX_TYPE", "bloom_filter(0.01)"),
    ("PROJECTION", "SELECT id, count() GROUP BY id"),
    ("CHECK", "amount >= 0 AND note != '--;'"),
    ("ENGINE_ARGS", "1, 5, 3"),
    (
        "VIEW",
        "SELECT id, 'a;b' AS s, '/* c' AS c FROM events WHERE id != ';'",
    ),
    ("MV", "SELECT id, amount FROM events WHERE note != '# ;'"),
];

const TEMPLATE: &str = r#"table events version="0.1" {
    column id String
    column ts DateTime
    column amount UInt64 default={DEFAULT} codec={CODEC}
    column note String materialized={MATERIALIZED} ttl={COLUMN_TTL}
    order-by id {ORDER_BY}
    primary-key id
    partition-by {PARTITION_BY}
    ttl {TTL}
    settings index_granularity=8192 {SETTING}=3600
    index i {INDEX_EXPR} type={INDEX_TYPE} granularity=4
    projection p {PROJECTION}
    constraint c check={CHECK}
}

table random {
    column id String
    engine GenerateRandom args={ENGINE_ARGS}
}

table copy {
    column id String
    column amount UInt64
    order-by id
}

view v {
    select {VIEW}
}

materialized-view m to=copy {
    select {MV}
}
"#;

/// The schema with `fragments[i]` in the place of `FRAGMENTS[i]`.
pub fn schema(fragments: &[String]) -> String {
    let mut out = TEMPLATE.to_owned();
    for ((name, _), value) in FRAGMENTS.iter().zip(fragments) {
        out = out.replace(
            &format!("{{{name}}}"),
            &chplan::front::kdl_values::kdl_quoted(value),
        );
    }
    out
}

/// The valid fragments.
pub fn valid() -> Vec<String> {
    FRAGMENTS.iter().map(|(_, v)| v.to_string()).collect()
}

/// What mutations insert: statement separators, comments, quotes, brackets, escapes.
pub const PIECES: &[&str] = &[
    ";",
    "--",
    "-- x\n",
    "/*",
    "*/",
    "/* y */",
    "#",
    "'",
    "''",
    "\\'",
    "`",
    "\"",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "\\",
    "\n",
    ",",
    "; DROP TABLE fz.copy; ",
    "'; DROP TABLE fz.copy; --",
    "$$",
];

/// A small deterministic generator, so a failure reproduces.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

/// One to three `PIECES` inserted at random places of random fragments.
pub fn mutate(rng: &mut Lcg, fragments: &mut [String]) {
    for _ in 0..1 + rng.next(3) {
        let f = &mut fragments[rng.next(FRAGMENTS.len())];
        let piece = PIECES[rng.next(PIECES.len())];
        let mut at = rng.next(f.len() + 1);
        while !f.is_char_boundary(at) {
            at -= 1;
        }
        f.insert_str(at, piece);
    }
}

/// The statements of a script, as `--multiquery` runs them: cut at every `;` outside string
/// literals, quoted names and comments, comments left out, empty pieces dropped. `Err` when
/// the script ends inside a string, quoted name or comment.
pub fn statements(script: &str) -> Result<Vec<String>, String> {
    let lexed = lex(script);
    if let Some(r) = lexed.refusal {
        return Err(format!("unterminated {:?} at byte {}", r.kind, r.at));
    }
    let mut out = Vec::new();
    let mut current = String::new();
    let mut last_end: Option<usize> = None;
    let mut after_comment = false;
    for t in &lexed.toks {
        match t.kind {
            Kind::Comment => {
                after_comment = true;
                last_end = Some(t.end);
            }
            Kind::Semicolon => {
                if !current.trim().is_empty() {
                    out.push(current.trim().to_owned());
                }
                current.clear();
                last_end = None;
                after_comment = false;
            }
            _ => {
                // What lies between two tokens (spaces, line breaks) is kept; a comment
                // between them is one space.
                if let Some(e) = last_end {
                    if after_comment {
                        current.push(' ');
                    } else {
                        current.push_str(&script[e..t.start]);
                    }
                }
                after_comment = false;
                current.push_str(t.text(script));
                last_end = Some(t.end);
            }
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_owned());
    }
    Ok(out)
}
