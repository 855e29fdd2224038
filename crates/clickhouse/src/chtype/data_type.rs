//! The type tree.

/// A ClickHouse column type. `Display` renders the canonical form that ClickHouse prints in
/// `system.columns.type`; two spellings of the same type compare equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataType {
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    UInt128,
    UInt256,
    Int8,
    Int16,
    Int32,
    Int64,
    Int128,
    Int256,
    Float32,
    Float64,
    BFloat16,
    Bool,
    String,
    FixedString(u64),
    Uuid,
    IPv4,
    IPv6,
    Date,
    Date32,
    DateTime {
        tz: Option<String>,
    },
    DateTime64 {
        precision: u8,
        tz: Option<String>,
    },
    Time,
    Time64 {
        precision: u8,
    },
    Decimal {
        precision: u8,
        scale: u8,
    },
    /// Entries sorted by value, as ClickHouse keeps them.
    Enum8(Vec<(String, i16)>),
    Enum16(Vec<(String, i16)>),
    Nothing,
    Interval(IntervalUnit),
    Geo(GeoKind),
    Nullable(Box<DataType>),
    LowCardinality(Box<DataType>),
    Array(Box<DataType>),
    /// Element names are either all present or all absent.
    Tuple(Vec<(Option<String>, DataType)>),
    Map(Box<DataType>, Box<DataType>),
    Nested(Vec<(String, DataType)>),
    /// Sorted by canonical name and deduplicated, as ClickHouse does.
    Variant(Vec<DataType>),
    Dynamic {
        max_types: Option<u32>,
    },
    Json(JsonParams),
    AggregateFunction(AggregateFunction),
    SimpleAggregateFunction(AggregateFunction),
    QBit {
        element: Box<DataType>,
        dimension: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IntervalUnit {
    Nanosecond,
    Microsecond,
    Millisecond,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GeoKind {
    Point,
    Ring,
    LineString,
    MultiLineString,
    Polygon,
    MultiPolygon,
    MultiPoint,
    Geometry,
}

/// Parameters of `JSON(...)`; defaults are left out, so `JSON(max_dynamic_paths=1024)` is `JSON`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JsonParams {
    pub max_dynamic_paths: Option<u64>,
    pub max_dynamic_types: Option<u64>,
    /// Sorted by path.
    pub typed_paths: Vec<(String, DataType)>,
    /// Sorted.
    pub skip_paths: Vec<String>,
    /// Sorted.
    pub skip_regexps: Vec<String>,
}

/// `AggregateFunction(version, name(params), args...)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AggregateFunction {
    /// Printed only when not 0.
    pub version: Option<u64>,
    pub name: String,
    /// `None` when written without parentheses; each parameter in its canonical literal form.
    pub params: Option<Vec<String>>,
    pub args: Vec<DataType>,
}

impl DataType {
    pub fn is_nullable(&self) -> bool {
        match self {
            DataType::Nullable(_) => true,
            DataType::LowCardinality(inner) => inner.is_nullable(),
            _ => false,
        }
    }

    /// The type with `LowCardinality` and `Nullable` wrappers removed.
    pub fn inner(&self) -> &DataType {
        match self {
            DataType::Nullable(inner) | DataType::LowCardinality(inner) => inner.inner(),
            _ => self,
        }
    }

    /// The canonical family name: `Decimal`, `Nullable`, `Array`, `Enum8`, ...
    pub fn name(&self) -> &'static str {
        use DataType as D;
        match self {
            D::UInt8 => "UInt8",
            D::UInt16 => "UInt16",
            D::UInt32 => "UInt32",
            D::UInt64 => "UInt64",
            D::UInt128 => "UInt128",
            D::UInt256 => "UInt256",
            D::Int8 => "Int8",
            D::Int16 => "Int16",
            D::Int32 => "Int32",
            D::Int64 => "Int64",
            D::Int128 => "Int128",
            D::Int256 => "Int256",
            D::Float32 => "Float32",
            D::Float64 => "Float64",
            D::BFloat16 => "BFloat16",
            D::Bool => "Bool",
            D::String => "String",
            D::FixedString(_) => "FixedString",
            D::Uuid => "UUID",
            D::IPv4 => "IPv4",
            D::IPv6 => "IPv6",
            D::Date => "Date",
            D::Date32 => "Date32",
            D::DateTime { .. } => "DateTime",
            D::DateTime64 { .. } => "DateTime64",
            D::Time => "Time",
            D::Time64 { .. } => "Time64",
            D::Decimal { .. } => "Decimal",
            D::Enum8(_) => "Enum8",
            D::Enum16(_) => "Enum16",
            D::Nothing => "Nothing",
            D::Interval(u) => u.type_name(),
            D::Geo(g) => g.name(),
            D::Nullable(_) => "Nullable",
            D::LowCardinality(_) => "LowCardinality",
            D::Array(_) => "Array",
            D::Tuple(_) => "Tuple",
            D::Map(..) => "Map",
            D::Nested(_) => "Nested",
            D::Variant(_) => "Variant",
            D::Dynamic { .. } => "Dynamic",
            D::Json(_) => "JSON",
            D::AggregateFunction(_) => "AggregateFunction",
            D::SimpleAggregateFunction(_) => "SimpleAggregateFunction",
            D::QBit { .. } => "QBit",
        }
    }

    /// ClickHouse's `canBeInsideNullable`. Since 26.x a `Tuple` can be (`Nullable(Tuple(...))`).
    pub fn can_be_inside_nullable(&self) -> bool {
        !matches!(
            self,
            DataType::Nullable(_)
                | DataType::LowCardinality(_)
                | DataType::Array(_)
                | DataType::Map(..)
                | DataType::Nested(_)
                | DataType::Variant(_)
                | DataType::Dynamic { .. }
                | DataType::AggregateFunction(_)
        ) && !matches!(
            self,
            DataType::Geo(
                GeoKind::Ring
                    | GeoKind::LineString
                    | GeoKind::MultiLineString
                    | GeoKind::Polygon
                    | GeoKind::MultiPolygon
                    | GeoKind::MultiPoint
                    | GeoKind::Geometry
            )
        )
    }
}

impl IntervalUnit {
    pub fn type_name(self) -> &'static str {
        match self {
            IntervalUnit::Nanosecond => "IntervalNanosecond",
            IntervalUnit::Microsecond => "IntervalMicrosecond",
            IntervalUnit::Millisecond => "IntervalMillisecond",
            IntervalUnit::Second => "IntervalSecond",
            IntervalUnit::Minute => "IntervalMinute",
            IntervalUnit::Hour => "IntervalHour",
            IntervalUnit::Day => "IntervalDay",
            IntervalUnit::Week => "IntervalWeek",
            IntervalUnit::Month => "IntervalMonth",
            IntervalUnit::Quarter => "IntervalQuarter",
            IntervalUnit::Year => "IntervalYear",
        }
    }
}

impl GeoKind {
    pub fn name(self) -> &'static str {
        match self {
            GeoKind::Point => "Point",
            GeoKind::Ring => "Ring",
            GeoKind::LineString => "LineString",
            GeoKind::MultiLineString => "MultiLineString",
            GeoKind::Polygon => "Polygon",
            GeoKind::MultiPolygon => "MultiPolygon",
            GeoKind::MultiPoint => "MultiPoint",
            GeoKind::Geometry => "Geometry",
        }
    }
}
