//! "Did you mean ...?" by edit distance.

/// The closest candidate within a distance proportional to the word's length.
pub fn closest<'a, I, S>(word: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str> + 'a,
{
    let limit = (word.chars().count() / 3).max(1) + 1;
    let lower = word.to_ascii_lowercase();
    let mut best: Option<(usize, String)> = None;
    for c in candidates {
        let c = c.as_ref();
        let lc = c.to_ascii_lowercase();
        // A word that starts with a candidate (or is its start) is a near miss: `version`/`ver`.
        let prefix =
            lc.len() >= 3 && lower.len() >= 3 && (lower.starts_with(&lc) || lc.starts_with(&lower));
        let d = if prefix { 1 } else { distance(&lower, &lc) };
        if d <= limit
            && best
                .as_ref()
                .is_none_or(|(bd, bc)| (d, c) < (*bd, bc.as_str()))
        {
            best = Some((d, c.to_string()));
        }
    }
    best.map(|(_, c)| c)
}

/// Damerau-Levenshtein (optimal string alignment) distance over chars.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// " (did you mean `x`?)" or nothing.
pub fn did_you_mean<I, S>(word: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    closest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_and_transpositions() {
        assert_eq!(
            closest("colum", ["column", "engine"]).as_deref(),
            Some("column")
        );
        assert_eq!(
            closest("ordre-by", ["order-by", "partition-by"]).as_deref(),
            Some("order-by")
        );
        assert_eq!(closest("xyz", ["column", "engine"]), None);
    }
}
