//! `table` declarations from `TableState`s.

use std::collections::BTreeSet;

use super::Unexpressed;
use super::engine::engine_line;
use crate::front::ir::{Version, physical_name};
use crate::front::kdl_values::{kdl_quoted, kdl_string, kdl_text, setting_value};
use chplan_clickhouse::engines;
use chplan_clickhouse::sql::keys::key_items;
use chplan_runner::artifacts::state::{
    ColumnState, ConstraintKindState, DefaultKindState, LifecycleState, TableState,
};

/// The `table` declaration that compiles to `t` under the physical name `physical`, in a
/// project with (`cluster`) or without a cluster, and what of `t` it cannot say.
///
/// Children come in the order the docs use: columns, engine, keys, TTL, indexes,
/// projections, constraints, settings, lifecycle, comment; only `lifecycle
/// externally-managed` comes first, since it changes what the rest means. Defaults are left
/// out: the `MergeTree` engine (its `Replicated` form on a cluster), `fully-managed`,
/// `granularity=1`.
pub fn table_kdl(physical: &str, t: &TableState, cluster: bool) -> (String, Vec<Unexpressed>) {
    let mut w = Writer {
        object: physical,
        out: String::new(),
        unexpressed: Vec::new(),
    };
    w.head(physical, t);
    if t.lifecycle == LifecycleState::ExternallyManaged {
        w.line("lifecycle externally-managed");
    } else if t.columns.is_empty() {
        w.cannot("a table chplan manages must have columns; this one has none");
    }
    let mut names = BTreeSet::new();
    for c in &t.columns {
        if !names.insert(c.name.as_str()) {
            w.cannot(format!("column `{}` appears twice", c.name));
        }
        let line = w.column(c);
        w.line(&line);
    }
    let (engine, problem) = engine_line(&t.engine, cluster);
    if let Some(p) = problem {
        w.cannot(p);
    }
    if let Some(engine) = engine {
        w.line(&engine);
    }
    w.keys(t);
    for (what, expr) in [
        ("partition-by", &t.partition_by),
        ("sample-by", &t.sample_by),
        ("ttl", &t.ttl),
    ] {
        if let Some(e) = expr {
            w.line(&format!("{what} {}", kdl_text(e, 4)));
        }
    }
    w.parts(t);
    let mut settings = Vec::new();
    for (name, literal) in &t.settings {
        match setting_value(literal) {
            Some(v) => settings.push(format!("{}={v}", kdl_string(name))),
            None => w.cannot(format!(
                "setting `{name}` = {literal}: settings are numbers, strings or booleans"
            )),
        }
    }
    if !settings.is_empty() {
        // One line when it fits; else one setting a line, joined by line continuations.
        let one_line = format!("settings {}", settings.join(" "));
        if one_line.len() + 4 <= 100 {
            w.line(&one_line);
        } else {
            w.line(&format!(
                "settings \\\n        {}",
                settings.join(" \\\n        ")
            ));
        }
    }
    if t.lifecycle == LifecycleState::DeletionProtected {
        w.line("lifecycle deletion-protected");
    }
    if let Some(c) = &t.comment {
        w.line(&format!("comment {}", kdl_text(c, 4)));
    }
    w.out.push_str("}\n");
    (w.out, w.unexpressed)
}

struct Writer<'a> {
    object: &'a str,
    out: String,
    unexpressed: Vec<Unexpressed>,
}

impl Writer<'_> {
    fn line(&mut self, line: &str) {
        self.out.push_str("    ");
        self.out.push_str(line);
        self.out.push('\n');
    }

    fn cannot(&mut self, what: impl Into<String>) {
        self.unexpressed.push(Unexpressed {
            object: self.object.to_string(),
            what: what.into(),
        });
    }

    /// `table NAME [version="X.Y"] {`: the logical name with a version, else the physical one.
    fn head(&mut self, physical: &str, t: &TableState) {
        let name = match &t.version {
            Some(v) => {
                match Version::parse(v) {
                    Some(parsed) if physical_name(&t.logical, Some(&parsed)) == physical => {}
                    Some(_) => self.cannot(format!(
                        "version {v:?} of `{}` gives the physical name `{}`, not `{physical}`",
                        t.logical,
                        physical_name(&t.logical, Version::parse(v).as_ref())
                    )),
                    None => self.cannot(format!("version {v:?} is not dot-separated numbers")),
                }
                format!("{} version={}", kdl_string(&t.logical), kdl_quoted(v))
            }
            None => {
                if t.logical != physical {
                    self.cannot(format!(
                        "logical name `{}` differs from the physical name without a version; written under the physical name",
                        t.logical
                    ));
                }
                kdl_string(physical)
            }
        };
        if let Some(why) = super::bad_name(&t.logical, false) {
            self.cannot(format!("table name `{}` {why}", t.logical.escape_debug()));
        }
        self.out.push_str(&format!("table {name} {{\n"));
    }

    fn column(&mut self, c: &ColumnState) -> String {
        if let Some(why) = super::bad_name(&c.name, true) {
            self.cannot(format!("column name `{}` {why}", c.name.escape_debug()));
        }
        if c.data_type.known().is_none() {
            self.cannot(format!(
                "column `{}` has type `{}`, which chplan cannot read",
                c.name, c.data_type
            ));
        }
        let mut line = format!(
            "column {} {}",
            kdl_string(&c.name),
            kdl_string(&c.data_type.to_string())
        );
        if let Some(d) = &c.default {
            let key = match d.kind {
                DefaultKindState::Default => "default",
                DefaultKindState::Materialized => "materialized",
                DefaultKindState::Alias => "alias",
                DefaultKindState::Ephemeral => "ephemeral",
            };
            line.push_str(&format!(" {key}={}", kdl_quoted(&d.expr)));
        }
        for (key, value) in [
            ("codec", &c.codec),
            ("ttl", &c.ttl),
            ("comment", &c.comment),
        ] {
            if let Some(v) = value {
                line.push_str(&format!(" {key}={}", kdl_quoted(v)));
            }
        }
        line
    }

    /// `order-by` and `primary-key`, one argument per key expression.
    fn keys(&mut self, t: &TableState) {
        let merge_tree = engines::lookup(&t.engine.name).is_some_and(|i| i.spec.merge_tree);
        if !t.order_by.is_empty() {
            let line = self.key_line("order-by", &t.order_by);
            self.line(&line);
        } else if merge_tree && t.lifecycle != LifecycleState::ExternallyManaged {
            self.line("order-by \"tuple()\"");
        }
        // Written whenever the state has one, even one equal to the sorting key: the compiler
        // keeps "no primary key" and "this primary key" apart, and so does the diff.
        if let Some(pk) = &t.primary_key {
            let line = self.key_line("primary-key", pk);
            self.line(&line);
        }
    }

    fn key_line(&mut self, node: &str, items: &[String]) -> String {
        if items.is_empty() {
            return format!("{node} \"tuple()\"");
        }
        let mut line = node.to_string();
        for item in items {
            line.push(' ');
            match key_arg(item) {
                Some(arg) => line.push_str(&arg),
                None => {
                    self.cannot(format!(
                        "{node} expression `{item}` is a list, not one expression"
                    ));
                    line.push_str(&kdl_quoted(item));
                }
            }
        }
        line
    }

    fn parts(&mut self, t: &TableState) {
        let mut seen = BTreeSet::new();
        for i in &t.indexes {
            if !seen.insert(("index", i.name.as_str())) {
                self.cannot(format!("index `{}` appears twice", i.name));
            }
            let mut line = format!(
                "index {} {} type={}",
                kdl_string(&i.name),
                kdl_quoted(&i.expr),
                kdl_quoted(&i.index_type)
            );
            match i.granularity {
                1 => {}
                0 => self.cannot(format!(
                    "index `{}` has granularity 0; chplan takes a positive number",
                    i.name
                )),
                g => line.push_str(&format!(" granularity={g}")),
            }
            self.line(&line);
        }
        for p in &t.projections {
            if !seen.insert(("projection", p.name.as_str())) {
                self.cannot(format!("projection `{}` appears twice", p.name));
            }
            let line = format!(
                "projection {} {}",
                kdl_string(&p.name),
                kdl_text(&p.query, 4)
            );
            self.line(&line);
        }
        for c in &t.constraints {
            if !seen.insert(("constraint", c.name.as_str())) {
                self.cannot(format!("constraint `{}` appears twice", c.name));
            }
            let key = match c.kind {
                ConstraintKindState::Check => "check",
                ConstraintKindState::Assume => "assume",
            };
            let line = format!(
                "constraint {} {key}={}",
                kdl_string(&c.name),
                kdl_quoted(&c.expr)
            );
            self.line(&line);
        }
    }
}

/// One key expression as an `order-by`/`primary-key` argument that reads back as exactly that
/// one expression: bare for a plain column name, quoted otherwise, in parentheses when the
/// text alone would be read as a list (`(a, b)` as one tuple expression).
fn key_arg(item: &str) -> Option<String> {
    // Read back as this one item (its spacing may be normalised: the compiler collapses
    // whitespace), not as another: `(a)` alone reads as `a`, since one outer pair of
    // parentheses is unwrapped.
    let spaced = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let one = |text: &str| match key_items(text).as_slice() {
        [(read, _)] => spaced(read) == spaced(item),
        _ => false,
    };
    if one(item) {
        let plain = item.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && item.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        return Some(if plain {
            kdl_string(item)
        } else {
            kdl_quoted(item)
        });
    }
    let wrapped = format!("({item})");
    one(&wrapped).then(|| kdl_quoted(&wrapped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_arguments() {
        assert_eq!(key_arg("id").as_deref(), Some("id"));
        assert_eq!(key_arg("toDate(ts)").as_deref(), Some("\"toDate(ts)\""));
        assert_eq!(key_arg("(a, b)").as_deref(), Some("\"((a, b))\""));
        assert_eq!(key_arg("tuple()").as_deref(), Some("\"(tuple())\""));
        // ClickHouse keeps `ORDER BY (a)` as the key `(a)`: it must not come back as `a`.
        assert_eq!(key_arg("(a)").as_deref(), Some("\"((a))\""));
        assert_eq!(key_arg("(a) + (b)").as_deref(), Some("\"(a) + (b)\""));
        assert_eq!(key_arg("null").as_deref(), Some("\"null\""));
        assert_eq!(key_arg("a, b"), None);
        assert_eq!(key_arg("a  b").as_deref(), Some("\"a  b\""));
    }
}
