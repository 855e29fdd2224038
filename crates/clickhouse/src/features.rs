//! Which server version a piece of SQL needs: the features chplan's statements can use that
//! older ClickHouse servers lack, each with the first version that has it.
//!
//! The runner reads `version()` before the first statement and refuses a plan that needs more
//! than the server has, naming the feature, the operation and the version, instead of failing
//! halfway with a syntax error (docs/runner.md, "Server versions"). The versions are the
//! releases whose changelog introduced the feature (a feature once behind an `allow_experimental`
//! setting counts from the release that made it usable without one). A feature is found by the
//! tokens of the statement (`sql::tokens`), never inside string literals or comments.

use std::fmt;

use crate::sql::tokens::{Kind, Tok, tokens};

/// A server version, `major.minor` (patch levels never decide a feature).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
}

impl Version {
    pub const fn new(major: u32, minor: u32) -> Version {
        Version { major, minor }
    }

    /// `version()`'s text: `18.16.1`, `26.9.1.123`, `24.3.2.23-lts`.
    pub fn parse(text: &str) -> Option<Version> {
        let mut parts = text.trim().split(['.', '-']);
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some(Version { major, minor })
    }

    /// Whether `{name:Type}` query parameters are bound by the server.
    pub fn has_query_parameters(self) -> bool {
        self >= QUERY_PARAMETERS
    }

    /// Whether tables take `TTL` (the runner's lock table uses one to expire old claims).
    pub fn has_ttl(self) -> bool {
        self >= TTL
    }

    /// Whether tables take `COMMENT '...'`.
    pub fn has_table_comment(self) -> bool {
        self >= TABLE_COMMENT
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

const QUERY_PARAMETERS: Version = Version::new(19, 11);
const TTL: Version = Version::new(19, 6);
const TABLE_COMMENT: Version = Version::new(21, 6);

/// A feature one statement needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Feature {
    /// What a person calls it: `column CODEC`, `DateTime64`.
    pub name: &'static str,
    pub since: Version,
    /// What to do on an older server, when there is something besides upgrading.
    pub hint: &'static str,
}

/// How a feature shows in a statement's tokens.
enum Shape {
    /// The word followed by `(`: a type, a function, `CODEC(...)`.
    Call(&'static str),
    /// The word anywhere (a keyword outside parentheses need not be a call).
    Word(&'static str),
    /// The first word, then the second later on (`INDEX i ... TYPE`), outside nested brackets.
    Later(&'static str, &'static str),
    /// Two words in a row (`MODIFY QUERY`).
    Adjacent(&'static str, &'static str),
    /// `DROP ... SYNC` / `NO DELAY` at the end of a DROP statement.
    DropSync,
    /// `ALTER TABLE ... ADD|DROP|MODIFY|... COLUMN IF [NOT] EXISTS`.
    ColumnIfExists,
    /// `ENGINE = Replicated...MergeTree` with no arguments: the server's default path.
    ReplicatedWithoutArgs,
    /// `ENGINE = Replicated(...)` of a database.
    ReplicatedDatabase,
    /// `{name:Type}` placeholders.
    Placeholder,
    /// `COMMENT '...'` after the columns of a CREATE TABLE (a column comment is older).
    TableComment,
}

struct Rule {
    feature: Feature,
    shape: Shape,
}

const fn rule(name: &'static str, since: Version, shape: Shape, hint: &'static str) -> Rule {
    Rule {
        feature: Feature { name, since, hint },
        shape,
    }
}

const RULES: &[Rule] = &[
    rule(
        "column CODEC",
        Version::new(19, 1),
        Shape::Call("CODEC"),
        "",
    ),
    rule("TTL", TTL, Shape::Word("TTL"), ""),
    rule(
        "DateTime64",
        Version::new(20, 1),
        Shape::Call("DateTime64"),
        "",
    ),
    rule("now64", Version::new(20, 1), Shape::Call("now64"), ""),
    rule(
        "LowCardinality",
        Version::new(19, 1),
        Shape::Call("LowCardinality"),
        "or allow_experimental_low_cardinality_type = 1 in the server's profile",
    ),
    rule("Map", Version::new(21, 1), Shape::Call("Map"), ""),
    rule(
        "skip index",
        Version::new(19, 6),
        Shape::Later("INDEX", "TYPE"),
        "",
    ),
    rule(
        "constraint",
        Version::new(19, 14),
        Shape::Word("CONSTRAINT"),
        "",
    ),
    rule(
        "projection",
        Version::new(21, 6),
        Shape::Word("PROJECTION"),
        "",
    ),
    rule(
        "EXCHANGE TABLES",
        Version::new(20, 1),
        Shape::Word("EXCHANGE"),
        "",
    ),
    rule(
        "MODIFY QUERY",
        Version::new(21, 1),
        Shape::Adjacent("MODIFY", "QUERY"),
        "",
    ),
    rule(
        "DROP ... SYNC",
        Version::new(20, 1),
        Shape::DropSync,
        "older servers drop at once: remove SYNC from the plan's SQL (then `chplan reseal`)",
    ),
    rule(
        "DROP VIEW",
        Version::new(20, 1),
        Shape::Adjacent("DROP", "VIEW"),
        "older servers drop a view with DROP TABLE: change the plan's SQL (then `chplan reseal`)",
    ),
    rule(
        "ALTER ... COLUMN IF [NOT] EXISTS",
        Version::new(19, 3),
        Shape::ColumnIfExists,
        "older servers need the clause removed from the plan's SQL (then `chplan reseal`)",
    ),
    rule(
        "Replicated engine without arguments (default_replica_path)",
        Version::new(20, 1),
        Shape::ReplicatedWithoutArgs,
        "declare the engine's zoo-path and replica parameters",
    ),
    rule(
        "Replicated database engine",
        Version::new(21, 3),
        Shape::ReplicatedDatabase,
        "",
    ),
    rule("query parameters", QUERY_PARAMETERS, Shape::Placeholder, ""),
    rule("table COMMENT", TABLE_COMMENT, Shape::TableComment, ""),
];

/// The features `sql` needs, in the table's order, each once.
pub fn needed(sql: &str) -> Vec<Feature> {
    let toks = tokens(sql);
    RULES
        .iter()
        .filter(|r| matches(&r.shape, sql, &toks))
        .map(|r| r.feature)
        .collect()
}

/// The features `sql` needs that a server of `version` lacks.
pub fn missing(sql: &str, version: Version) -> Vec<Feature> {
    needed(sql)
        .into_iter()
        .filter(|f| version < f.since)
        .collect()
}

fn matches(shape: &Shape, sql: &str, toks: &[Tok]) -> bool {
    let word = |i: usize, w: &str| toks.get(i).is_some_and(|t| t.is_word(sql, w));
    let text = |i: usize| toks.get(i).map_or("", |t| t.text(sql));
    match shape {
        Shape::Call(name) => (0..toks.len())
            .any(|i| word(i, name) && toks.get(i + 1).is_some_and(|t| t.kind == Kind::Open)),
        Shape::Word(name) => (0..toks.len()).any(|i| word(i, name) && toks[i].depth <= 1),
        Shape::Later(a, b) => (0..toks.len())
            .any(|i| word(i, a) && toks[i].depth <= 1 && (i + 1..toks.len()).any(|j| word(j, b))),
        Shape::Adjacent(a, b) => (0..toks.len()).any(|i| word(i, a) && word(i + 1, b)),
        Shape::DropSync => {
            word(0, "DROP")
                && (toks.last().is_some_and(|t| t.is_word(sql, "SYNC"))
                    || (toks.len() >= 2
                        && word(toks.len() - 2, "NO")
                        && word(toks.len() - 1, "DELAY")))
        }
        Shape::ColumnIfExists => {
            word(0, "ALTER")
                && (0..toks.len()).any(|i| {
                    word(i, "COLUMN")
                        && word(i + 1, "IF")
                        && (word(i + 2, "EXISTS") || (word(i + 2, "NOT") && word(i + 3, "EXISTS")))
                })
        }
        Shape::ReplicatedWithoutArgs => (0..toks.len()).any(|i| {
            word(i, "ENGINE") && {
                let at = if text(i + 1) == "=" { i + 2 } else { i + 1 };
                let name = text(at);
                name.starts_with("Replicated")
                    && name.ends_with("MergeTree")
                    && (toks.get(at + 1).is_none_or(|t| t.kind != Kind::Open)
                        || toks.get(at + 2).is_some_and(|t| t.kind == Kind::Close))
            }
        }),
        Shape::ReplicatedDatabase => {
            word(0, "CREATE")
                && word(1, "DATABASE")
                && (0..toks.len()).any(|i| {
                    word(i, "ENGINE") && {
                        let at = if text(i + 1) == "=" { i + 2 } else { i + 1 };
                        text(at) == "Replicated"
                    }
                })
        }
        Shape::Placeholder => (0..toks.len()).any(|i| {
            text(i) == "{"
                && toks.get(i + 1).is_some_and(|t| t.kind == Kind::Word)
                && text(i + 2) == ":"
        }),
        Shape::TableComment => {
            word(0, "CREATE")
                && (word(1, "TABLE") || (word(1, "MATERIALIZED") || word(1, "VIEW")))
                && (0..toks.len()).any(|i| word(i, "COMMENT") && toks[i].depth == 0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(sql: &str) -> Vec<&'static str> {
        needed(sql).iter().map(|f| f.name).collect()
    }

    #[test]
    fn versions_parse_and_order() {
        assert_eq!(Version::parse("18.16.1"), Some(Version::new(18, 16)));
        assert_eq!(Version::parse("24.3.2.23-lts"), Some(Version::new(24, 3)));
        assert_eq!(Version::parse("x"), None);
        assert!(Version::new(18, 16) < Version::new(19, 1));
        assert!(Version::new(19, 11) > Version::new(19, 6));
        assert!(!Version::new(18, 16).has_query_parameters());
        assert!(Version::new(26, 9).has_query_parameters());
    }

    #[test]
    fn features_are_found_in_tokens_not_in_strings() {
        assert_eq!(
            names(
                "CREATE TABLE t (a UInt64, s String COMMENT 'TTL CODEC(x)') ENGINE = MergeTree ORDER BY a -- TTL"
            ),
            Vec::<&str>::new()
        );
        assert_eq!(
            names(
                "CREATE TABLE t (d DateTime64(3), x LowCardinality(String)) ENGINE = MergeTree ORDER BY d TTL d + INTERVAL 1 DAY"
            ),
            vec!["TTL", "DateTime64", "LowCardinality"]
        );
        assert_eq!(
            names("ALTER TABLE t MODIFY COLUMN a UInt64 CODEC(Delta, ZSTD)"),
            vec!["column CODEC"]
        );
        assert_eq!(
            names("DROP TABLE IF EXISTS db.t ON CLUSTER c SYNC"),
            vec!["DROP ... SYNC"]
        );
        assert_eq!(names("DROP VIEW IF EXISTS db.v"), vec!["DROP VIEW"]);
        assert_eq!(
            names("DROP TABLE IF EXISTS db.t ON CLUSTER c"),
            Vec::<&str>::new()
        );
        assert_eq!(
            names("ALTER TABLE t ON CLUSTER c ADD COLUMN IF NOT EXISTS `s` UInt32 DEFAULT 0"),
            vec!["ALTER ... COLUMN IF [NOT] EXISTS"]
        );
        assert_eq!(
            names("ALTER TABLE t DROP COLUMN IF EXISTS s"),
            vec!["ALTER ... COLUMN IF [NOT] EXISTS"]
        );
        assert_eq!(
            names("CREATE TABLE t (a UInt8) ENGINE = ReplicatedMergeTree ORDER BY a"),
            vec!["Replicated engine without arguments (default_replica_path)"]
        );
        assert_eq!(
            names(
                "CREATE TABLE t (a UInt8) ENGINE = ReplicatedMergeTree('/p/{shard}', '{replica}') ORDER BY a"
            ),
            Vec::<&str>::new()
        );
        assert_eq!(
            names("SELECT * FROM t WHERE x = {x:String}"),
            vec!["query parameters"]
        );
        assert_eq!(
            names("CREATE TABLE t (a UInt8) ENGINE = MergeTree ORDER BY a COMMENT 'x'"),
            vec!["table COMMENT"]
        );
    }

    #[test]
    fn missing_keeps_what_the_version_lacks() {
        let sql =
            "CREATE TABLE t (a UInt64 CODEC(ZSTD), d DateTime64(3)) ENGINE = MergeTree ORDER BY a";
        let old: Vec<_> = missing(sql, Version::new(18, 16))
            .iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(old, vec!["column CODEC", "DateTime64"]);
        let mid: Vec<_> = missing(sql, Version::new(19, 3))
            .iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(mid, vec!["DateTime64"]);
        assert!(missing(sql, Version::new(26, 9)).is_empty());
    }
}
