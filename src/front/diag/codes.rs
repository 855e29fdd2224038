//! Every diagnostic chplan can emit, in one table: a stable code, a kebab-case name, and a
//! one-line summary (docs/diagnostics.md is generated from the same facts by hand; keep in step).

macro_rules! codes {
    ($($variant:ident = $code:literal, $name:literal, $summary:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($variant,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            pub fn code(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* }
            }
        }
    };
}

codes! {
    Io = "E001", "io-error", "a file or directory could not be read";
    KdlSyntax = "E002", "kdl-syntax", "the file is not valid KDL v2";
    UnknownNode = "E003", "unknown-node", "a node name chplan does not know";
    UnknownProperty = "E004", "unknown-property", "a property the node does not take";
    InvalidValue = "E005", "invalid-value", "an argument or property has the wrong kind of value";
    MissingValue = "E006", "missing-value", "a required argument, property or child is missing";
    DuplicateNode = "E007", "duplicate-node", "a node that may appear once appears twice";
    ProjectConfig = "E008", "project-config", "chplan.kdl is missing or incomplete";
    InvalidName = "E009", "invalid-name", "an object or column name ClickHouse would not accept";
    InvalidVersion = "E101", "invalid-version", "a version that is not dot-separated numbers";
    InvalidType = "E102", "invalid-type", "a column type that is malformed or unknown";
    NoColumns = "E103", "no-columns", "a table declares no columns";
    MissingOrderBy = "E104", "missing-order-by", "a MergeTree-family table without ORDER BY";
    DuplicateColumn = "E105", "duplicate-column", "two columns (or indexes, projections, constraints) share a name";
    ConflictingDefault = "E106", "conflicting-default", "more than one of DEFAULT, MATERIALIZED, ALIAS, EPHEMERAL";
    UnknownEngine = "E107", "unknown-engine", "an engine name chplan does not know";
    InvalidEngineParams = "E108", "invalid-engine-params", "engine parameters that do not fit the engine";
    UnknownColumn = "E109", "unknown-column", "a key, parameter or expression names a column the table lacks";
    PrimaryKeyNotPrefix = "E110", "primary-key-not-prefix", "PRIMARY KEY is not a prefix of ORDER BY";
    SampleNotInKey = "E111", "sample-by-not-in-key", "SAMPLE BY is not part of the primary key";
    ProjectionNeedsSetting = "E112", "projection-needs-setting", "a projection on a merging engine without deduplicate_merge_projection_mode";
    FragmentBreaksStatement = "E113", "fragment-breaks-statement", "SQL text from the schema holds a `;`, a comment, a `$$` string, or an unterminated string, quoted name or comment outside string literals";
    MalformedFragment = "E114", "malformed-fragment", "SQL text from the schema is not one piece of what its place takes (unbalanced brackets, several expressions, not a SELECT, not a setting name)";
    DuplicateName = "E201", "duplicate-name", "two declarations have the same physical name";
    UnknownTable = "E202", "unknown-table", "SQL or depends-on names an object that is not declared";
    UnknownTarget = "E203", "unknown-target", "a materialized view writes into a table that is not declared";
    AmbiguousReference = "E204", "ambiguous-reference", "a logical name matches several declared versions";
    InvalidTarget = "E205", "invalid-target", "a materialized view's target is not a table";
    ReservedName = "E206", "reserved-name", "a database the server keeps for itself, or an object name the runner uses";
    DependencyCycle = "E301", "dependency-cycle", "objects depend on each other in a cycle";
    UnplannableChange = "E401", "unplannable-change", "a change ClickHouse cannot apply in place, or one a lifecycle forbids";
    UnplannedChanges = "E402", "unplanned-changes", "the schemas differ from the last plan: no plan covers the change";
    MigrationsTampered = "E403", "migrations-tampered", "chplan.sum does not match the migration files";
    StalePlanSql = "E404", "stale-plan-sql", "an up.sql no longer matches its plan.yaml";
    InvalidMigrations = "E405", "invalid-migrations", "a plan.yaml or state.json cannot be read";
    VersionBump = "E406", "version-bump", "an in-place version bump that is undecided or cannot be done as declared";
    PlanStateMismatch = "E407", "plan-state-mismatch", "a plan's state.json or start.json is missing, unreadable, or not the state the plan records";
    SqlNotParsed = "W001", "sql-not-parsed", "the dependencies of a SELECT could not be inferred";
    ExprNotChecked = "W002", "expression-not-checked", "an expression could not be parsed, so its columns were not checked";
    CrossDatabase = "W003", "cross-database-reference", "SQL reads a table in another database, which chplan does not track";
    NoSchemaFiles = "W004", "no-schema-files", "the schema directory holds no .kdl files";
    ColumnStillRead = "W005", "column-still-read", "a view's SELECT names a column the change drops or renames";
}
