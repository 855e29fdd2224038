//! Canonical text by the server: ClickHouse reformats what it stores (expressions, SELECTs,
//! TTLs), so both sides of a comparison are printed by `formatQuerySingleLineOrNull` first.

use std::collections::BTreeMap;

use crate::client::Client;

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
/// compared as written.
pub fn canonicalise(client: &Client, queries: &[&str]) -> Result<BTreeMap<String, String>, String> {
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
    }
}
