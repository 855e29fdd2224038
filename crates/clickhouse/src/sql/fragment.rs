//! Is a piece of SQL from a schema one piece of what its place allows? chplan pastes
//! fragments (a view's SELECT, a default, a key, a codec list, a setting name, ...) into the
//! statements of `up.sql`, a script for `clickhouse-client --multiquery`: a `;` outside a
//! string literal would start another statement there, a comment would hide what follows it
//! (the statement's own `;` included), an unterminated string, quoted name or comment would
//! swallow the rest of the script, and an unbalanced bracket would close the statement's own.
//!
//! The text is cut by the one scanner (`sql::tokens::lex`); what is inside a string literal
//! or a quoted name is never looked at, so `'a;b -- c'` is fine anywhere.

use std::ops::Range;

use crate::sql::tokens::{Kind, Lexed, Tok, lex};

/// What a place in a statement takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A query: a view's or materialized view's SELECT (with WITH, UNION), a projection body.
    Query,
    /// One expression: a default, a key item, a TTL, a constraint, an index expression or
    /// type, an engine argument or parameter.
    Expr,
    /// A list of expressions: a codec list, a table TTL with several rules.
    ExprList,
    /// A bare name: a setting's.
    Name,
}

/// What is wrong with a fragment, and where (a byte range of the fragment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub range: Range<usize>,
    pub what: What,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    /// A `;` outside string literals.
    Separator,
    /// `--`, `#` or `/* */` outside string literals.
    Comment,
    /// A string literal (`Kind::Str`), quoted name (`Kind::Quoted`) or comment
    /// (`Kind::Comment`) that never ends.
    Unterminated(Kind),
    /// A `$$...$$` string (ClickHouse's heredoc): servers and clients that predate it split
    /// statements inside it.
    Heredoc,
    /// A closing bracket with no opening one before it.
    Unopened,
    /// An opening bracket never closed.
    Unclosed,
    /// A closing bracket of another kind than the open one (`(]`).
    Mismatched,
    /// A top-level `,` where one expression goes.
    SeveralExpressions,
    /// A query place whose text does not start with SELECT or WITH.
    NotAQuery,
    /// A name place whose text is not a plain name.
    NotAName,
}

impl What {
    /// True when the problem would change which statements a script runs, not only make
    /// this one malformed.
    pub fn breaks_statement(self) -> bool {
        matches!(
            self,
            What::Separator | What::Comment | What::Heredoc | What::Unterminated(_)
        )
    }

    pub fn message(self) -> &'static str {
        match self {
            What::Separator => {
                "`;` ends the statement: what follows would run as another statement"
            }
            What::Comment => "a comment would hide the rest of the statement in up.sql",
            What::Heredoc => {
                "a $$ string: older servers and clients read a `;` inside it as the end of the statement"
            }
            What::Unterminated(Kind::Str) => "unterminated string literal",
            What::Unterminated(Kind::Quoted) => "unterminated quoted name",
            What::Unterminated(_) => "unterminated comment",
            What::Unopened => "closing bracket without an opening one",
            What::Unclosed => "bracket never closed",
            What::Mismatched => "closing bracket of another kind than the one open",
            What::SeveralExpressions => "a top-level `,` makes this more than one expression",
            What::NotAQuery => "not a query: it must start with SELECT or WITH",
            What::NotAName => "not a setting name",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            What::Separator => "statement separator",
            What::Comment => "comment",
            What::Heredoc => "heredoc string",
            What::Unterminated(_) => "opened here, never closed",
            What::Unopened => "nothing to close",
            What::Unclosed => "never closed",
            What::Mismatched => "does not match",
            What::SeveralExpressions => "second expression starts after this",
            What::NotAQuery => "expected SELECT or WITH",
            What::NotAName => "not a name",
        }
    }

    pub fn help(self) -> &'static str {
        match self {
            What::Separator => {
                "a fragment is part of one statement: remove the `;` (inside a string literal, 'a;b', it is fine); write other statements as RawSql operations in the plan"
            }
            What::Comment => {
                "remove the SQL comment; put notes in a KDL comment (// ...) beside the node (inside a string literal, '--', it is fine)"
            }
            What::Heredoc => "write the string in single quotes: 'text' (a quote inside it as \\')",
            What::Unterminated(Kind::Str) => {
                "close the string with ' (write a quote inside it as \\' or '')"
            }
            What::Unterminated(Kind::Quoted) => {
                "close the name with the quote it opened with (` or \")"
            }
            What::Unterminated(_) => "remove the comment, or close it with */",
            What::Unopened | What::Unclosed | What::Mismatched => {
                "balance the brackets: every (, [ and { needs its closing ), ] and }"
            }
            What::SeveralExpressions => {
                "give one expression; for several, wrap them in a tuple: (a, b)"
            }
            What::NotAQuery => "write a SELECT: \"SELECT ... FROM ...\"",
            What::NotAName => {
                "a setting name is letters, digits and `_`, starting with a letter or `_` (index_granularity); give its value after =: settings index_granularity=8192"
            }
        }
    }
}

/// The first problem of `text` for `place`, or nothing when it is one clean piece of it.
pub fn check(text: &str, place: Place) -> Result<(), Problem> {
    if place == Place::Name {
        return name(text);
    }
    if plainly_clean(text, place) {
        return Ok(());
    }
    check_by_tokens(text, place)
}

fn check_by_tokens(text: &str, place: Place) -> Result<(), Problem> {
    let lexed = lex(text);
    breaks(text, &lexed)?;
    brackets(text, &lexed.toks)?;
    match place {
        Place::Query => query(text, &lexed.toks),
        Place::Expr => one_expression(&lexed.toks),
        Place::ExprList | Place::Name => Ok(()),
    }
}

/// Whether `text` passes what every place asks (no separator, comment or unterminated token,
/// balanced brackets). When it does not, `check` reports it in any place, so an analysis that
/// fails on the same text (a parse for column references) has nothing to add.
pub fn well_formed(text: &str) -> bool {
    if plainly_clean(text, Place::ExprList) {
        return true;
    }
    let lexed = lex(text);
    breaks(text, &lexed).is_ok() && brackets(text, &lexed.toks).is_ok()
}

/// Rendered SQL is exactly one statement: no separator (but one at the very end), no
/// comment, nothing unterminated, brackets balanced. The guard after rendering.
pub fn one_statement(sql: &str) -> Result<(), Problem> {
    if plainly_one_statement(sql) {
        return Ok(());
    }
    one_statement_by_tokens(sql)
}

fn one_statement_by_tokens(sql: &str) -> Result<(), Problem> {
    let mut lexed = lex(sql);
    if lexed.refusal.is_none()
        && let Some(last) = lexed.toks.last()
        && last.kind == Kind::Semicolon
    {
        lexed.toks.pop();
    }
    breaks(sql, &lexed)?;
    brackets(sql, &lexed.toks)
}

/// Most fragments (`toYYYYMM(created_at)`, a SELECT without literals) hold nothing that can
/// hide or end anything: no quote, `;`, `#`, `$`, backslash, `--` or `/*`. Then the tokens
/// `check` looks at are the bytes themselves: brackets, commas at the top level and the first
/// word, read here without the tokenizer (which costs a schema's check a third of its time).
/// `false` only says "ask the tokenizer", which also names the problem when there is one.
fn plainly_clean(text: &str, place: Place) -> bool {
    let b = text.as_bytes();
    let hazard = |i: usize| match b[i] {
        b';' | b'#' | b'$' | b'\\' | b'\'' | b'"' | b'`' => true,
        b'-' => b.get(i + 1) == Some(&b'-'),
        b'/' => b.get(i + 1) == Some(&b'*'),
        c => !c.is_ascii(),
    };
    let mut open = Vec::new();
    for (i, &c) in b.iter().enumerate() {
        if hazard(i) {
            return false;
        }
        match c {
            b'(' | b'[' | b'{' | b')' | b']' | b'}' if !pair_bracket(&mut open, c) => {
                return false;
            }
            b',' if open.is_empty() && place == Place::Expr => return false,
            _ => {}
        }
    }
    if !open.is_empty() {
        return false;
    }
    if place == Place::Query {
        let rest = text.trim_start_matches(|c: char| c.is_ascii_whitespace() || "([{".contains(c));
        let word = &rest[..rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len())];
        return word.eq_ignore_ascii_case("SELECT") || word.eq_ignore_ascii_case("WITH");
    }
    true
}

/// An opening bracket pushed, a closing one matched with the last open; false when it does
/// not close that one.
fn pair_bracket(open: &mut Vec<u8>, c: u8) -> bool {
    let opens = match c {
        b')' => b'(',
        b']' => b'[',
        b'}' => b'{',
        _ => {
            open.push(c);
            return true;
        }
    };
    open.pop() == Some(opens)
}

/// Rendered SQL quotes every name and string it writes (`sqltext`): outside those quotes it
/// is plain when it has no `;` (but one at the end), `#`, `$`, `--` or `/*`, and its brackets
/// pair. Read byte by byte as ClickHouse's lexer reads quotes (a backslash escapes the next
/// byte, a doubled quote is a quote), this costs a fraction of the tokenizer, which a plan
/// would otherwise run over every statement. `false` only says "ask the tokenizer".
fn plainly_one_statement(sql: &str) -> bool {
    let b = sql.trim_end().as_bytes();
    let b = b.strip_suffix(b";").unwrap_or(b);
    let mut open = Vec::new();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 1;
            } else if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            b'\'' | b'"' | b'`' => quote = Some(c),
            b';' | b'#' | b'$' | b'\\' => return false,
            b'-' if b.get(i + 1) == Some(&b'-') => return false,
            b'/' if b.get(i + 1) == Some(&b'*') => return false,
            b'(' | b'[' | b'{' | b')' | b']' | b'}' if !pair_bracket(&mut open, c) => {
                return false;
            }
            _ => {}
        }
        i += 1;
    }
    quote.is_none() && open.is_empty()
}

/// The first separator, comment or unterminated token.
fn breaks(text: &str, lexed: &Lexed) -> Result<(), Problem> {
    let heredoc = |t: &Tok| t.kind == Kind::Str && t.text(text).starts_with('$');
    let first = lexed
        .toks
        .iter()
        .find(|t| matches!(t.kind, Kind::Semicolon | Kind::Comment) || heredoc(t));
    if let Some(r) = lexed.refusal
        && first.is_none_or(|t| r.at <= t.start)
    {
        let width = if r.kind == Kind::Comment { 2 } else { 1 };
        // A `$$` string is refused whether it ends or not.
        let what = if text[r.at..].starts_with('$') {
            What::Heredoc
        } else {
            What::Unterminated(r.kind)
        };
        return Err(Problem {
            range: r.at..r.at + width,
            what,
        });
    }
    match first {
        None => Ok(()),
        Some(t) => Err(Problem {
            range: t.start..t.end,
            what: match t.kind {
                Kind::Semicolon => What::Separator,
                Kind::Comment => What::Comment,
                _ => What::Heredoc,
            },
        }),
    }
}

fn brackets(text: &str, toks: &[Tok]) -> Result<(), Problem> {
    let mut open: Vec<&Tok> = Vec::new();
    for t in toks {
        match t.kind {
            Kind::Open => open.push(t),
            Kind::Close => {
                let Some(o) = open.pop() else {
                    return Err(Problem {
                        range: t.start..t.end,
                        what: What::Unopened,
                    });
                };
                let pair = (o.text(text), t.text(text));
                if !matches!(pair, ("(", ")") | ("[", "]") | ("{", "}")) {
                    return Err(Problem {
                        range: t.start..t.end,
                        what: What::Mismatched,
                    });
                }
            }
            _ => {}
        }
    }
    match open.last() {
        Some(o) => Err(Problem {
            range: o.start..o.end,
            what: What::Unclosed,
        }),
        None => Ok(()),
    }
}

fn query(text: &str, toks: &[Tok]) -> Result<(), Problem> {
    let first = toks.iter().find(|t| t.kind != Kind::Open);
    match first {
        Some(t) if t.is_word(text, "SELECT") || t.is_word(text, "WITH") => Ok(()),
        Some(t) => Err(Problem {
            range: t.start..t.end,
            what: What::NotAQuery,
        }),
        None => Err(Problem {
            range: 0..text.len(),
            what: What::NotAQuery,
        }),
    }
}

fn one_expression(toks: &[Tok]) -> Result<(), Problem> {
    match toks.iter().find(|t| t.kind == Kind::Comma && t.depth == 0) {
        Some(t) => Err(Problem {
            range: t.start..t.end,
            what: What::SeveralExpressions,
        }),
        None => Ok(()),
    }
}

/// A setting name: `[A-Za-z_][A-Za-z0-9_]*`, what ClickHouse's settings are called.
fn name(text: &str) -> Result<(), Problem> {
    let ok = text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        return Ok(());
    }
    let bad = text
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_alphanumeric() || *c == '_') || (*i == 0 && c.is_ascii_digit()))
        .map_or(0, |(i, _)| i);
    let width = text[bad..].chars().next().map_or(0, char::len_utf8);
    Err(Problem {
        range: bad..bad + width,
        what: What::NotAName,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The statement shortcut never accepts what the tokenizer refuses (seeded random
    /// statements built from rendered pieces and hostile ones).
    #[test]
    fn the_statement_shortcut_agrees_with_the_tokens() {
        let pieces = [
            "CREATE TABLE `db`.`t` (",
            "`a\\`b`",
            "`c\\\\`",
            "'it\\'s'",
            "'a''b'",
            "\"q\"",
            " String",
            ", ",
            ")",
            "(",
            "[",
            "]",
            "{",
            "}",
            " ENGINE = MergeTree ORDER BY x",
            ";",
            "--",
            "/*",
            "*/",
            "#",
            "$$",
            "'",
            "`",
            "\"",
            "\\",
            "é",
            "\n",
            "-",
            "/",
            "*",
        ];
        let mut seed: u64 = 5;
        let mut accepted = 0;
        for _ in 0..60_000 {
            let mut sql = String::new();
            for _ in 0..6 {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                sql.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            if plainly_one_statement(&sql) {
                accepted += 1;
                assert_eq!(one_statement_by_tokens(&sql), Ok(()), "{sql:?}");
            }
        }
        assert!(accepted > 1000, "{accepted}");
    }

    /// The shortcut never accepts what the tokenizer refuses (seeded random fragments).
    #[test]
    fn the_shortcut_agrees_with_the_tokens() {
        let pieces = [
            "a", "SELECT", "with", " ", "(", ")", "[", "]", "{", "}", ",", "-", "/", "*", "1",
            "x_1", "'", ";", "#", "$", "`", "\"", "\\", "--", "/*", "*/", "é", "\n", "+",
        ];
        let mut seed: u64 = 11;
        let mut accepted = 0;
        for _ in 0..20_000 {
            let mut text = String::new();
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            for k in 0..(seed >> 60) + 1 {
                let r = (seed >> (k * 4 % 56)) as usize;
                text.push_str(pieces[r % pieces.len()]);
            }
            for place in [Place::Query, Place::Expr, Place::ExprList] {
                if plainly_clean(&text, place) {
                    accepted += 1;
                    assert_eq!(
                        check_by_tokens(&text, place),
                        Ok(()),
                        "{text:?} as {place:?}"
                    );
                }
            }
        }
        assert!(accepted > 1000, "{accepted}");
    }

    fn what(text: &str, place: Place) -> Option<(What, &str)> {
        check(text, place)
            .err()
            .map(|p| (p.what, &text[p.range.clone()]))
    }

    #[test]
    fn separators_and_comments_outside_strings_are_refused() {
        assert_eq!(
            what("SELECT id FROM t; DROP TABLE v", Place::Query),
            Some((What::Separator, ";"))
        );
        assert_eq!(
            what("SELECT id FROM t -- note", Place::Query),
            Some((What::Comment, "-- note"))
        );
        assert_eq!(
            what("a /* b */ + 1", Place::Expr),
            Some((What::Comment, "/* b */"))
        );
        assert_eq!(what("a # b", Place::Expr), Some((What::Comment, "#")));
        assert_eq!(what("x = 'a;b -- c /* d'", Place::Expr), None);
        assert_eq!(what("`a;b` + \"c--d\"", Place::Expr), None);
        assert_eq!(
            what("'a\\'; DROP TABLE t", Place::Expr),
            Some((What::Unterminated(Kind::Str), "'"))
        );
    }

    #[test]
    fn unterminated_and_unbalanced() {
        assert_eq!(
            what("f('x)", Place::Expr),
            Some((What::Unterminated(Kind::Str), "'"))
        );
        assert_eq!(
            what("`x", Place::Expr),
            Some((What::Unterminated(Kind::Quoted), "`"))
        );
        assert_eq!(
            what("x /* y", Place::Expr),
            Some((What::Unterminated(Kind::Comment), "/*"))
        );
        assert_eq!(what("f(x", Place::Expr), Some((What::Unclosed, "(")));
        assert_eq!(what("x)", Place::Expr), Some((What::Unopened, ")")));
        assert_eq!(what("f(x]", Place::Expr), Some((What::Mismatched, "]")));
        assert_eq!(what("LZ4, ZSTD(3)", Place::ExprList), None);
    }

    #[test]
    fn place_shapes() {
        assert_eq!(
            what("a, b", Place::Expr),
            Some((What::SeveralExpressions, ","))
        );
        assert_eq!(what("(a, b)", Place::Expr), None);
        assert_eq!(what("WITH 1 AS x SELECT x", Place::Query), None);
        assert_eq!(what("(SELECT 1) UNION ALL (SELECT 2)", Place::Query), None);
        assert_eq!(
            what("DROP TABLE t", Place::Query),
            Some((What::NotAQuery, "DROP"))
        );
        assert_eq!(what("index_granularity", Place::Name), None);
        assert_eq!(
            what("index_granularity = 8192; DROP", Place::Name),
            Some((What::NotAName, " "))
        );
        assert_eq!(what("1x", Place::Name), Some((What::NotAName, "1")));
    }

    #[test]
    fn one_statement_allows_a_final_separator_only() {
        assert!(one_statement("CREATE VIEW v AS SELECT 1;").is_ok());
        assert!(one_statement("SELECT ';' -- x").is_err());
        assert!(one_statement("SELECT 1; SELECT 2").is_err());
        assert!(one_statement("SELECT 'open").is_err());
    }
}
