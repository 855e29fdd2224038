//! Canonical text by the server: ClickHouse reformats what it stores (expressions, SELECTs,
//! TTLs), so both sides of a comparison are printed by `formatQuerySingleLineOrNull` first.

use std::collections::BTreeMap;

use crate::client::Client;
use chplan_clickhouse::sql::tokens::{Kind, tokens};
use chplan_clickhouse::sqltext::unquote_ident;

/// Removes the qualification by the project's own database (`db.t`, `` `db`.t ``) so a view
/// the server qualified compares equal to one the state wrote either way.
pub fn strip_database(text: &str, database: &str) -> String {
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
/// compared as written. A server without that function (before 23.x; 18.16 on a test cluster)
/// gets [`token_form`] instead: weaker (it does not know that `INTERVAL 1 DAY` is
/// `toIntervalDay(1)`), but spacing, line breaks and quoting of plain names never count.
pub fn canonicalise(client: &Client, queries: &[&str]) -> Result<BTreeMap<String, String>, String> {
    let has_function = match client.server_version() {
        Ok(v) => v.has_query_parameters(),
        Err(e) => return Err(format!("cannot read the server version: {e}")),
    };
    if !has_function {
        return Ok(by_tokens(queries));
    }
    match canonicalise_on_server(client, queries) {
        Err(e) if e.contains("ClickHouse error 46") => Ok(by_tokens(queries)),
        other => other,
    }
}

fn by_tokens(queries: &[&str]) -> BTreeMap<String, String> {
    queries
        .iter()
        .map(|q| ((*q).to_owned(), token_form(&without_outer_cast(q))))
        .collect()
}

/// `SELECT CAST(x, 'T')` → `SELECT x`: 18.x stores a column's default wrapped in a cast to the
/// column's type (`DEFAULT 0` reads back `DEFAULT CAST(0, 'UInt32')`); the type is the
/// column's, compared on its own.
fn without_outer_cast(q: &str) -> String {
    let toks = tokens(q);
    let shape = toks.len() >= 7
        && toks[0].is_word(q, "SELECT")
        && toks[1].is_word(q, "CAST")
        && toks[2].kind == Kind::Open
        && chplan_clickhouse::sql::tokens::matching(&toks, 2) == Some(toks.len() - 1)
        && toks[toks.len() - 2].kind == Kind::Str
        && toks[toks.len() - 3].kind == Kind::Comma
        && toks[toks.len() - 3].depth == toks[3].depth;
    if !shape {
        return q.to_owned();
    }
    format!("SELECT {}", &q[toks[3].start..toks[toks.len() - 3].start])
}

/// A query's tokens joined by single spaces, none around `.` or inside brackets, plain names
/// unquoted: the same text however it was laid out or quoted.
pub fn token_form(sql: &str) -> String {
    let toks = tokens(sql);
    let mut out = String::with_capacity(sql.len());
    let mut glue_next = true;
    for t in &toks {
        let text = t.text(sql);
        let piece = match t.kind {
            Kind::Quoted => match unquote_ident(text) {
                Some(name) if unquote_ident(&name).as_deref() == Some(name.as_str()) => name,
                _ => text.to_owned(),
            },
            _ => text.to_owned(),
        };
        let glue = glue_next || matches!(t.kind, Kind::Close | Kind::Comma) || piece == ".";
        if !glue {
            out.push(' ');
        }
        out.push_str(&piece);
        glue_next = t.kind == Kind::Open || piece == ".";
    }
    out
}

fn canonicalise_on_server(
    client: &Client,
    queries: &[&str],
) -> Result<BTreeMap<String, String>, String> {
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
    // The texts travel as one query parameter, never inside the SQL: a JSON array in a String
    // parameter, as the client escapes String values for the server (an `Array(String)`
    // parameter would be read as a quoted literal, without that unescaping).
    let array = serde_json::to_string(queries).unwrap_or_default();
    let rows = client
        .read_rows(
            "SELECT arrayMap(q -> formatQuerySingleLineOrNull(q), \
             JSONExtract({queries:String}, 'Array(String)')) AS r",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(
            strip_database("SELECT shop.a FROM `shop`.t, workshop.t", "shop"),
            "SELECT a FROM t, workshop.t"
        );
        assert_eq!(
            token_form("SELECT a,\n  count() AS n\nFROM `shop`.`t`  GROUP BY a"),
            token_form("SELECT a, count() AS n FROM shop.t GROUP BY a")
        );
        assert_eq!(
            by_tokens(&["SELECT CAST(0, 'UInt32')"])
                .values()
                .next()
                .unwrap(),
            &token_form("SELECT 0")
        );
        assert_eq!(token_form("SELECT `a b` FROM t"), "SELECT `a b` FROM t");
    }
}
