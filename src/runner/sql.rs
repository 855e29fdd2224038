//! Quoting for the few statements the runner writes itself (journal, lock, TRUNCATE).
//! Values never go into SQL text: they travel as JSON rows or query parameters.

/// A backquoted identifier, with `\` and `` ` `` escaped as ClickHouse reads them.
pub fn ident(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('`');
    for c in name.chars() {
        if c == '`' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('`');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(super::ident("a`b\\c"), "`a\\`b\\\\c`");
    }
}
