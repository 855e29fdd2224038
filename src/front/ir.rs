//! The schema as declared: plain data lowered from KDL, with the span of every part kept
//! beside it for diagnostics. Nothing here is resolved yet (names are as written).

use std::collections::BTreeMap;

use crate::front::source::Span;
use chplan_clickhouse::chtype::DataType;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// Text taken from a KDL string (SQL, an expression), with a map from offsets in the text back
/// to bytes in the source file, so a problem inside the SQL points at the exact KDL column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub value: String,
    /// The whole KDL value, quotes included.
    pub span: Span,
    /// `(offset in value, byte in file)` at the start of each run that maps one to one;
    /// empty when the string had escapes and offsets cannot be mapped.
    pub segments: Vec<(usize, usize)>,
}

impl Text {
    /// The source span of a byte range of the text (the whole value when it cannot be mapped).
    pub fn span_of(&self, start: usize, end: usize) -> Span {
        let Some(s) = self.map(start) else {
            return self.span;
        };
        let e = self.map(end).filter(|e| *e >= s).unwrap_or(s);
        Span::new(self.span.file, s, e.max(s))
    }

    fn map(&self, offset: usize) -> Option<usize> {
        let idx = self.segments.partition_point(|(c, _)| *c <= offset);
        let (c, src) = *self.segments.get(idx.checked_sub(1)?)?;
        Some(src + (offset - c))
    }
}

/// Project settings from `chplan.kdl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectConfig {
    pub database: String,
    pub schemas_dir: String,
    /// Where chplan.kdl sets `schemas`; `None` when it is the default.
    pub schemas_span: Option<Span>,
    pub migrations_dir: String,
    pub cluster: Option<String>,
}

#[derive(Debug, Default, Clone)]
pub struct Schema {
    pub tables: Vec<Table>,
    pub views: Vec<View>,
    pub materialized_views: Vec<MaterializedView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lifecycle {
    FullyManaged,
    DeletionProtected,
    ExternallyManaged,
}

impl Lifecycle {
    pub const NAMES: &'static [&'static str] =
        &["fully-managed", "deletion-protected", "externally-managed"];

    pub fn parse(s: &str) -> Option<Lifecycle> {
        match s {
            "fully-managed" => Some(Lifecycle::FullyManaged),
            "deletion-protected" => Some(Lifecycle::DeletionProtected),
            "externally-managed" => Some(Lifecycle::ExternallyManaged),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::FullyManaged => "fully-managed",
            Lifecycle::DeletionProtected => "deletion-protected",
            Lifecycle::ExternallyManaged => "externally-managed",
        }
    }
}

/// A table version: dot-separated non-negative numbers, compared numerically.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version {
    pub parts: Vec<u64>,
    pub text: String,
}

impl Version {
    pub fn parse(text: &str) -> Option<Version> {
        if text.is_empty() {
            return None;
        }
        let parts = text
            .split('.')
            .map(|p| {
                if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                    None
                } else {
                    p.parse::<u64>().ok()
                }
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Version {
            parts,
            text: text.to_string(),
        })
    }

    /// The suffix of the physical name: `0.1` gives `0_1`.
    pub fn suffix(&self) -> String {
        self.text.replace('.', "_")
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.parts
            .cmp(&other.parts)
            .then_with(|| self.text.cmp(&other.text))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: Spanned<String>,
    pub version: Option<Spanned<Version>>,
    pub columns: Vec<Column>,
    // Parts most tables leave out are boxed, as in `Column`.
    pub engine: Option<Box<Engine>>,
    pub order_by: Option<Spanned<Vec<Text>>>,
    pub primary_key: Option<Box<Spanned<Vec<Text>>>>,
    pub partition_by: Option<Text>,
    pub sample_by: Option<Box<Text>>,
    pub ttl: Option<Box<Text>>,
    pub settings: BTreeMap<String, Spanned<SettingValue>>,
    pub indexes: Vec<Index>,
    pub projections: Vec<Projection>,
    pub constraints: Vec<Constraint>,
    pub comment: Option<Box<Spanned<String>>>,
    pub lifecycle: Spanned<Lifecycle>,
    /// `replaces "0.0" backfill=#true keep-old=#false`: this version supersedes another in place.
    pub replaces: Option<Box<Replaces>>,
    /// The whole `table` node.
    pub span: Span,
}

impl Table {
    /// Physical name: the logical name, plus `_` and the version with dots as underscores.
    pub fn physical_name(&self) -> String {
        physical_name(&self.name.value, self.version.as_ref().map(|v| &v.value))
    }

    /// Whether a key argument (`order-by`, `primary-key`) is exactly one of the columns' names:
    /// then it is that column, however odd the name (`order-by "c`ol"`), and is written quoted
    /// (`back::desired`), not read as SQL.
    pub fn key_is_column(&self, arg: &Text) -> bool {
        self.columns.iter().any(|c| c.name.value == arg.value)
    }
}

pub fn physical_name(logical: &str, version: Option<&Version>) -> String {
    match version {
        Some(v) => format!("{logical}_{}", v.suffix()),
        None => logical.to_string(),
    }
}

/// The decisions of an in-place version bump, declared on the new version.
#[derive(Debug, Clone)]
pub struct Replaces {
    /// Absent: the version (or unversioned table) planned last.
    pub version: Option<Spanned<Version>>,
    pub backfill: Option<Spanned<bool>>,
    pub keep_old: Option<Spanned<bool>>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: Spanned<String>,
    /// The type as written, beside its parse (None when it did not parse).
    pub type_text: Text,
    pub data_type: Option<DataType>,
    // The optional parts are boxed: most columns have none, and a schema holds a column per
    // few dozen bytes of KDL (`Column` went from 616 to 296 bytes).
    pub default: Option<Box<ColumnDefault>>,
    pub codec: Option<Box<Spanned<String>>>,
    pub ttl: Option<Box<Text>>,
    pub comment: Option<Box<Spanned<String>>>,
    pub renamed_from: Option<Box<Spanned<String>>>,
    /// How to fill this column from the replaced version in a version-bump backfill (SQL over
    /// the old table's columns).
    pub backfill: Option<Box<Text>>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DefaultKind {
    Default,
    Materialized,
    Alias,
    Ephemeral,
}

impl DefaultKind {
    pub fn keyword(self) -> &'static str {
        match self {
            DefaultKind::Default => "DEFAULT",
            DefaultKind::Materialized => "MATERIALIZED",
            DefaultKind::Alias => "ALIAS",
            DefaultKind::Ephemeral => "EPHEMERAL",
        }
    }

    pub fn property(self) -> &'static str {
        match self {
            DefaultKind::Default => "default",
            DefaultKind::Materialized => "materialized",
            DefaultKind::Alias => "alias",
            DefaultKind::Ephemeral => "ephemeral",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ColumnDefault {
    pub kind: DefaultKind,
    pub expr: Text,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingValue {
    Int(i128),
    Float(String),
    Bool(bool),
    String(String),
}

#[derive(Debug, Clone)]
pub struct Engine {
    /// The engine name as written (`ReplicatedReplacingMergeTree`).
    pub name: Spanned<String>,
    /// Named parameters (`ver=updated_at`), in the order the engine takes them.
    pub params: BTreeMap<String, Spanned<String>>,
    /// Positional arguments (`SummingMergeTree` columns).
    pub args: Vec<Spanned<String>>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Index {
    pub name: Spanned<String>,
    pub expr: Text,
    pub index_type: Spanned<String>,
    pub granularity: Option<Spanned<u64>>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Projection {
    pub name: Spanned<String>,
    pub query: Text,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConstraintKind {
    Check,
    Assume,
}

#[derive(Debug, Clone)]
pub struct Constraint {
    pub name: Spanned<String>,
    pub kind: ConstraintKind,
    pub expr: Text,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct View {
    pub name: Spanned<String>,
    pub select: Text,
    pub depends_on: Vec<Spanned<String>>,
    pub comment: Option<Spanned<String>>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct MaterializedView {
    pub name: Spanned<String>,
    pub to: Spanned<String>,
    pub select: Text,
    pub depends_on: Vec<Spanned<String>>,
    pub comment: Option<Spanned<String>>,
    pub span: Span,
}
