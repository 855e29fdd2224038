//! From syntax to `DataType`: which family takes which arguments, with ClickHouse 26.9's
//! validation under default settings.

use super::names::{self, Family};
use super::syntax::{Arg, Literal, TypeExpr};
use super::{AggregateFunction, DataType, JsonParams, TypeError};
use std::ops::Range;

type Result<T> = std::result::Result<T, TypeError>;

fn err<T>(message: impl Into<String>, span: Range<usize>, help: impl Into<String>) -> Result<T> {
    Err(TypeError::new(message, span, Some(help.into())))
}

/// ClickHouse's default `max_dynamic_paths` and `max_dynamic_types` of `JSON`.
const JSON_DEFAULT_PATHS: u64 = 1024;
const JSON_DEFAULT_TYPES: u64 = 32;
/// Above this `FixedString` needs `allow_suspicious_fixed_string_types`.
const MAX_FIXED_STRING: u64 = 256;

pub(crate) fn build(expr: &TypeExpr) -> Result<DataType> {
    let Some(family) = names::lookup(&expr.name) else {
        let help = match names::suggest(&expr.name) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "see ClickHouse's list of data types".to_string(),
        };
        return err(
            format!("unknown data type `{}`", expr.name),
            expr.name_span.clone(),
            help,
        );
    };
    let args: &[Arg] = expr.args.as_deref().unwrap_or(&[]);
    use DataType as D;
    use Family as F;
    Ok(match family {
        F::UInt8 => numeric(expr, args, 1, D::UInt8)?,
        F::UInt16 => numeric(expr, args, 1, D::UInt16)?,
        F::UInt32 => numeric(expr, args, 1, D::UInt32)?,
        F::UInt64 => numeric(expr, args, 1, D::UInt64)?,
        F::UInt128 => numeric(expr, args, 1, D::UInt128)?,
        F::UInt256 => numeric(expr, args, 1, D::UInt256)?,
        F::Int8 => numeric(expr, args, 1, D::Int8)?,
        F::Int16 => numeric(expr, args, 1, D::Int16)?,
        F::Int32 => numeric(expr, args, 1, D::Int32)?,
        F::Int64 => numeric(expr, args, 1, D::Int64)?,
        F::Int128 => numeric(expr, args, 1, D::Int128)?,
        F::Int256 => numeric(expr, args, 1, D::Int256)?,
        // MySQL's FLOAT(p) and FLOAT(m, d) are accepted and ignored.
        F::Float32 => numeric(expr, args, 2, D::Float32)?,
        F::Float64 => numeric(expr, args, 2, D::Float64)?,
        F::BFloat16 => numeric(expr, args, 2, D::BFloat16)?,
        // VARCHAR(255): the length is accepted and ignored.
        F::String => numeric(expr, args, 1, D::String)?,
        F::Bool => no_args(expr, D::Bool)?,
        F::Uuid => no_args(expr, D::Uuid)?,
        F::IPv4 => no_args(expr, D::IPv4)?,
        F::IPv6 => no_args(expr, D::IPv6)?,
        F::Date => no_args(expr, D::Date)?,
        F::Date32 => no_args(expr, D::Date32)?,
        F::Time => time(args)?,
        F::Nothing => no_args(expr, D::Nothing)?,
        F::Interval(u) => no_args(expr, D::Interval(u))?,
        F::Geo(g) => no_args(expr, D::Geo(g))?,
        F::FixedString => fixed_string(expr, args)?,
        // `DateTime(3)` and `TIMESTAMP(3)` mean `DateTime64(3)`.
        F::DateTime | F::Timestamp => match args.first() {
            Some(Arg::Literal(Literal::Num { .. })) => date_time64(expr, args)?,
            _ => date_time(expr, args)?,
        },
        F::DateTime64 => date_time64(expr, args)?,
        F::Time64 => time64(expr, args)?,
        F::Decimal => decimal(expr, args)?,
        F::Decimal32 => decimal_n(expr, args, 9)?,
        F::Decimal64 => decimal_n(expr, args, 18)?,
        F::Decimal128 => decimal_n(expr, args, 38)?,
        F::Decimal256 => decimal_n(expr, args, 76)?,
        F::Enum => super::enums::build_enum(expr, args, None)?,
        F::Enum8 => super::enums::build_enum(expr, args, Some(8))?,
        F::Enum16 => super::enums::build_enum(expr, args, Some(16))?,
        F::Nullable => nullable(expr, args)?,
        F::LowCardinality => low_cardinality(expr, args)?,
        F::Array => D::Array(Box::new(single_type(expr, args)?.0)),
        F::Tuple => tuple(args)?,
        F::Map => map(expr, args)?,
        F::Nested => nested(expr, args)?,
        F::Variant => variant(expr, args)?,
        F::Dynamic => dynamic(args)?,
        F::Json => json(args)?,
        F::AggregateFunction => D::AggregateFunction(aggregate(expr, args, false)?),
        F::SimpleAggregateFunction => D::SimpleAggregateFunction(aggregate(expr, args, true)?),
        F::QBit => qbit(expr, args)?,
    })
}

/// `Time` is a time of day: a time zone argument (as `DateTime` takes) is a mistake worth
/// pointing at DateTime for, not a silently ignored argument.
fn time(args: &[Arg]) -> Result<DataType> {
    if let Some(a) = args.first() {
        return err(
            "`Time` takes no time zone",
            a.span(),
            "remove the argument; use DateTime for a point in time with a time zone",
        );
    }
    Ok(DataType::Time)
}

/// `Time64` takes only its sub-second precision, which defaults to milliseconds.
fn time64(expr: &TypeExpr, args: &[Arg]) -> Result<DataType> {
    arity(expr, args, 0, 1, "an optional precision")?;
    let precision = match args.first() {
        Some(a) => sub_second_precision(a)?,
        None => 3,
    };
    Ok(DataType::Time64 { precision })
}

/// ClickHouse refuses some types inside `Nullable` (composites, `LowCardinality`, a second
/// `Nullable`); the help says how to write what was meant.
fn nullable(expr: &TypeExpr, args: &[Arg]) -> Result<DataType> {
    let (inner, span) = single_type(expr, args)?;
    if !inner.can_be_inside_nullable() {
        return err(
            format!("`{inner}` cannot be inside `Nullable`"),
            span,
            nullable_help(&inner),
        );
    }
    Ok(DataType::Nullable(Box::new(inner)))
}

/// ClickHouse refuses Nullable map keys.
fn map(expr: &TypeExpr, args: &[Arg]) -> Result<DataType> {
    arity(expr, args, 2, 2, "a key type and a value type")?;
    let key = type_arg(&args[0])?;
    if key.is_nullable() {
        return err(
            format!("a Map key cannot be `{key}`"),
            args[0].span(),
            "use a non-Nullable key type",
        );
    }
    Ok(DataType::Map(Box::new(key), Box::new(type_arg(&args[1])?)))
}

fn nullable_help(inner: &DataType) -> String {
    match inner {
        DataType::LowCardinality(t) => format!("write `LowCardinality(Nullable({t}))`"),
        DataType::Nullable(t) => format!("write `Nullable({t})` once"),
        DataType::Array(t) if t.can_be_inside_nullable() => {
            format!("make the elements nullable: `Array(Nullable({t}))`")
        }
        _ => "make the inner types nullable instead".to_string(),
    }
}

fn arity(expr: &TypeExpr, args: &[Arg], min: usize, max: usize, what: &str) -> Result<()> {
    if (min..=max).contains(&args.len()) {
        return Ok(());
    }
    let span = match args.get(max) {
        Some(extra) if args.len() > max => extra.span().start..expr.span.end,
        _ => expr.span.clone(),
    };
    let count = if min == max {
        format!("exactly {min}")
    } else if max == usize::MAX {
        format!("at least {min}")
    } else {
        format!("{min} to {max}")
    };
    err(
        format!(
            "`{}` takes {count} argument(s), got {}",
            expr.name,
            args.len()
        ),
        span,
        format!("`{}` takes {what}", expr.name),
    )
}

fn no_args(expr: &TypeExpr, t: DataType) -> Result<DataType> {
    match &expr.args {
        None => Ok(t),
        Some(args) => {
            let span = args.first().map_or(expr.span.clone(), |a| a.span());
            err(
                format!("`{}` takes no arguments", expr.name),
                span.start..expr.span.end,
                format!("write `{t}` without parentheses"),
            )
        }
    }
}

/// Numeric types accept (and ignore) MySQL's display width, all other arguments are errors.
fn numeric(expr: &TypeExpr, args: &[Arg], max: usize, t: DataType) -> Result<DataType> {
    arity(
        expr,
        args,
        0,
        max,
        "no arguments (a MySQL display width is ignored)",
    )?;
    for a in args {
        if !matches!(a, Arg::Literal(Literal::Num { .. })) {
            return err(
                format!("unexpected argument to `{}`", expr.name),
                a.span(),
                format!("write `{t}`"),
            );
        }
    }
    Ok(t)
}

pub(crate) fn type_arg(a: &Arg) -> Result<DataType> {
    match a {
        Arg::Type(t) => build(t),
        _ => err(
            "expected a data type",
            a.span(),
            "write a type here, such as `String`",
        ),
    }
}

fn single_type(expr: &TypeExpr, args: &[Arg]) -> Result<(DataType, Range<usize>)> {
    arity(expr, args, 1, 1, "one data type")?;
    Ok((type_arg(&args[0])?, args[0].span()))
}

/// An unsigned integer literal (decimal or hex), as ClickHouse's type arguments allow.
pub(crate) fn uint(a: &Arg, what: &str) -> Result<u64> {
    if let Arg::Literal(Literal::Num { text, span }) = a {
        if let Some(v) = parse_uint(text) {
            return Ok(v);
        }
        return err(
            format!("{what} must be a non-negative integer, got `{text}`"),
            span.clone(),
            format!("write {what} as a whole number"),
        );
    }
    err(
        format!("{what} must be a number"),
        a.span(),
        format!("write {what} as a whole number"),
    )
}

pub(crate) fn parse_uint(text: &str) -> Option<u64> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok();
    }
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn fixed_string(expr: &TypeExpr, args: &[Arg]) -> Result<DataType> {
    arity(expr, args, 1, 1, "its size in bytes")?;
    let n = uint(&args[0], "the FixedString size")?;
    if n == 0 {
        return err(
            "FixedString size must be positive",
            args[0].span(),
            "use a size of at least 1, or `String` for variable length",
        );
    }
    if n > MAX_FIXED_STRING {
        return err(
            format!("FixedString({n}) is larger than {MAX_FIXED_STRING} bytes"),
            args[0].span(),
            "use `String` (larger sizes need `allow_suspicious_fixed_string_types`)",
        );
    }
    Ok(DataType::FixedString(n))
}

fn time_zone(a: &Arg) -> Result<Option<String>> {
    match a {
        // ClickHouse reads an empty time zone as "the server's".
        Arg::Literal(Literal::Str { value, .. }) => {
            Ok((!value.is_empty()).then(|| value.to_string()))
        }
        _ => err(
            "a time zone must be a string literal",
            a.span(),
            "quote it: 'UTC'",
        ),
    }
}

fn date_time(expr: &TypeExpr, args: &[Arg]) -> Result<DataType> {
    arity(expr, args, 0, 1, "an optional time zone")?;
    let tz = match args.first() {
        Some(a) => time_zone(a)?,
        None => None,
    };
    Ok(DataType::DateTime { tz })
}

fn sub_second_precision(a: &Arg) -> Result<u8> {
    let p = uint(a, "the precision")?;
    if p > 9 {
        return err(
            format!("precision {p} is out of range"),
            a.span(),
            "use a precision from 0 to 9 (nanoseconds)",
        );
    }
    Ok(p as u8)
}

fn date_time64(expr: &TypeExpr, args: &[Arg]) -> Result<DataType> {
    arity(expr, args, 0, 2, "a precision and an optional time zone")?;
    let precision = match args.first() {
        Some(a) => sub_second_precision(a)?,
        None => 3,
    };
    let tz = match args.get(1) {
        Some(a) => time_zone(a)?,
        None => None,
    };
    Ok(DataType::DateTime64 { precision, tz })
}

fn decimal(expr: &TypeExpr, args: &[Arg]) -> Result<DataType> {
    arity(expr, args, 0, 2, "a precision and an optional scale")?;
    let precision = match args.first() {
        Some(a) => {
            let p = uint(a, "the precision")?;
            if !(1..=76).contains(&p) {
                return err(
                    format!("Decimal precision {p} is out of range"),
                    a.span(),
                    "use a precision from 1 to 76",
                );
            }
            p as u8
        }
        None => 10,
    };
    let scale = match args.get(1) {
        Some(a) => scale_arg(a, precision)?,
        None => 0,
    };
    Ok(DataType::Decimal { precision, scale })
}

fn scale_arg(a: &Arg, precision: u8) -> Result<u8> {
    let s = uint(a, "the scale")?;
    if s > u64::from(precision) {
        return err(
            format!("Decimal scale {s} is larger than the precision {precision}"),
            a.span(),
            format!("use a scale from 0 to {precision}"),
        );
    }
    Ok(s as u8)
}

fn decimal_n(expr: &TypeExpr, args: &[Arg], precision: u8) -> Result<DataType> {
    arity(expr, args, 1, 1, "its scale")?;
    let scale = scale_arg(&args[0], precision)?;
    Ok(DataType::Decimal { precision, scale })
}

fn low_cardinality(expr: &TypeExpr, args: &[Arg]) -> Result<DataType> {
    let (inner, span) = single_type(expr, args)?;
    let dict = match &inner {
        DataType::Nullable(t) => t.as_ref(),
        t => t,
    };
    use DataType as D;
    match dict {
        D::String | D::FixedString(_) | D::Uuid => {}
        D::UInt8
        | D::UInt16
        | D::UInt32
        | D::UInt64
        | D::UInt128
        | D::UInt256
        | D::Int8
        | D::Int16
        | D::Int32
        | D::Int64
        | D::Int128
        | D::Int256
        | D::Float32
        | D::Float64
        | D::BFloat16
        | D::Bool
        | D::Date
        | D::Date32
        | D::DateTime { .. }
        | D::DateTime64 { .. }
        | D::Time
        | D::Time64 { .. }
        | D::Decimal { .. }
        | D::IPv4
        | D::IPv6
        | D::Interval(_) => {
            return err(
                format!("`LowCardinality({inner})` is refused by default"),
                span,
                format!(
                    "use `{inner}` (LowCardinality of it needs `allow_suspicious_low_cardinality_types`)"
                ),
            );
        }
        _ => {
            return err(
                format!("`{inner}` cannot be inside `LowCardinality`"),
                span,
                "LowCardinality takes String, FixedString, UUID or a Nullable of them",
            );
        }
    }
    Ok(D::LowCardinality(Box::new(inner)))
}

fn tuple(args: &[Arg]) -> Result<DataType> {
    let named = args.iter().any(|a| matches!(a, Arg::Named { .. }));
    let mut elems: Vec<(Option<String>, DataType)> = Vec::with_capacity(args.len());
    for a in args {
        match a {
            Arg::Named {
                name,
                name_span,
                ty,
            } if named => {
                if name.eq_ignore_ascii_case("null") {
                    return err(
                        "tuple element name `null` is reserved",
                        name_span.clone(),
                        "rename the element",
                    );
                }
                if elems.iter().any(|(n, _)| n.as_deref() == Some(name)) {
                    return err(
                        format!("duplicate tuple element name `{name}`"),
                        name_span.clone(),
                        "give every element a distinct name",
                    );
                }
                elems.push((Some(name.to_string()), build(ty)?));
            }
            Arg::Type(t) if !named => elems.push((None, build(t)?)),
            Arg::Type(_) => {
                return err(
                    "names are given for some tuple elements only",
                    a.span(),
                    "name every element (`name Type`) or none",
                );
            }
            _ => {
                return err(
                    "expected a tuple element",
                    a.span(),
                    "write `Type` or `name Type`",
                );
            }
        }
    }
    Ok(DataType::Tuple(elems))
}

fn nested(expr: &TypeExpr, args: &[Arg]) -> Result<DataType> {
    arity(expr, args, 1, usize::MAX, "columns as `name Type`")?;
    let mut elems: Vec<(String, DataType)> = Vec::with_capacity(args.len());
    for a in args {
        let Arg::Named {
            name,
            name_span,
            ty,
        } = a
        else {
            return err("expected a nested column", a.span(), "write `name Type`");
        };
        if elems.iter().any(|(n, _)| n == name) {
            return err(
                format!("duplicate nested column `{name}`"),
                name_span.clone(),
                "give every column a distinct name",
            );
        }
        elems.push((name.to_string(), build(ty)?));
    }
    Ok(DataType::Nested(elems))
}

fn variant(expr: &TypeExpr, args: &[Arg]) -> Result<DataType> {
    arity(expr, args, 1, usize::MAX, "one or more data types")?;
    let mut types: Vec<(String, DataType)> = Vec::with_capacity(args.len());
    for a in args {
        let t = type_arg(a)?;
        let refusal = match &t {
            t if t.is_nullable() => Some("Nullable types are not allowed inside `Variant`"),
            DataType::Dynamic { .. } => Some("`Dynamic` is not allowed inside `Variant`"),
            DataType::Variant(_) => Some("nested `Variant` types are not allowed"),
            _ => None,
        };
        if let Some(message) = refusal {
            return err(message, a.span(), "list the non-Nullable types directly");
        }
        types.push((t.to_string(), t));
    }
    // ClickHouse orders variants by name, so `Variant(String, UInt8)` = `Variant(UInt8, String)`.
    types.sort_by(|a, b| a.0.cmp(&b.0));
    types.dedup_by(|a, b| a.0 == b.0);
    Ok(DataType::Variant(
        types.into_iter().map(|(_, t)| t).collect(),
    ))
}

fn setting_value(value: &Literal, key: &str) -> Result<u64> {
    match value {
        Literal::Num { text, span } => parse_uint(text).ok_or_else(|| {
            TypeError::new(
                format!("`{key}` must be a non-negative integer"),
                span.clone(),
                Some(format!("write `{key}=N`")),
            )
        }),
        Literal::Str { span, .. } => err(
            format!("`{key}` must be a number"),
            span.clone(),
            format!("write `{key}=N` without quotes"),
        ),
    }
}

fn dynamic(args: &[Arg]) -> Result<DataType> {
    let mut max_types = None;
    for a in args {
        match a {
            Arg::Setting { key, value, .. } if key.eq_ignore_ascii_case("max_types") => {
                let n = setting_value(value, "max_types")?;
                if n > 254 {
                    return err(
                        format!("`max_types` {n} is out of range"),
                        value.span(),
                        "use a value from 0 to 254",
                    );
                }
                max_types = Some(n as u32);
            }
            _ => {
                return err(
                    "unexpected argument to `Dynamic`",
                    a.span(),
                    "`Dynamic` takes only `max_types=N`",
                );
            }
        }
    }
    // The default is not printed.
    Ok(DataType::Dynamic {
        max_types: max_types.filter(|n| *n != 32),
    })
}

fn json(args: &[Arg]) -> Result<DataType> {
    let mut p = JsonParams::default();
    for a in args {
        match a {
            Arg::Setting { key, value, .. } if *key == "max_dynamic_paths" => {
                let n = setting_value(value, key)?;
                p.max_dynamic_paths = (n != JSON_DEFAULT_PATHS).then_some(n);
            }
            Arg::Setting { key, value, .. } if *key == "max_dynamic_types" => {
                let n = setting_value(value, key)?;
                p.max_dynamic_types = (n != JSON_DEFAULT_TYPES).then_some(n);
            }
            Arg::Named { name, ty, .. } => p.typed_paths.push((name.to_string(), build(ty)?)),
            Arg::Skip {
                regexp: false,
                path,
                ..
            } => p.skip_paths.push(path.to_string()),
            Arg::Skip {
                regexp: true, path, ..
            } => p.skip_regexps.push(path.to_string()),
            _ => {
                return err(
                    "unexpected argument to `JSON`",
                    a.span(),
                    "JSON takes `max_dynamic_paths=N`, `max_dynamic_types=N`, `path Type`, `SKIP path` and `SKIP REGEXP 're'`",
                );
            }
        }
    }
    p.typed_paths.sort_by(|a, b| a.0.cmp(&b.0));
    p.skip_paths.sort();
    p.skip_regexps.sort();
    Ok(DataType::Json(p))
}

fn aggregate(expr: &TypeExpr, args: &[Arg], simple: bool) -> Result<AggregateFunction> {
    let mut rest = args;
    let mut version = None;
    if !simple && let Some(a @ Arg::Literal(Literal::Num { .. })) = rest.first() {
        version = Some(uint(a, "the aggregate function version")?);
        rest = &rest[1..];
    }
    let Some((func, types)) = rest.split_first() else {
        return err(
            format!("`{}` needs an aggregate function", expr.name),
            expr.span.clone(),
            format!("write `{}(sum, UInt64)`", expr.name),
        );
    };
    let Arg::Type(func) = func else {
        return err(
            "expected an aggregate function name",
            func.span(),
            "write the function, such as `sum` or `quantiles(0.5, 0.9)`",
        );
    };
    let params = match &func.args {
        None => None,
        Some(ps) => Some(
            ps.iter()
                .map(super::literal::canonical_param)
                .collect::<Result<Vec<_>>>()?,
        ),
    };
    if simple {
        arity(expr, args, 2, 2, "a function and one data type")?;
    }
    let args = types.iter().map(type_arg).collect::<Result<Vec<_>>>()?;
    let name = func.name.to_string();
    // SimpleAggregateFunction prints no version.
    let version = if simple {
        None
    } else {
        version.or_else(|| super::literal::default_version(&name))
    };
    Ok(AggregateFunction {
        version,
        name,
        params,
        args,
    })
}

fn qbit(expr: &TypeExpr, args: &[Arg]) -> Result<DataType> {
    arity(expr, args, 2, 2, "an element type and a dimension")?;
    let element = type_arg(&args[0])?;
    if !matches!(
        element,
        DataType::Int8 | DataType::BFloat16 | DataType::Float32 | DataType::Float64
    ) {
        return err(
            format!("QBit cannot hold `{element}`"),
            args[0].span(),
            "use Int8, BFloat16, Float32 or Float64",
        );
    }
    let dimension = uint(&args[1], "the QBit dimension")?;
    if dimension == 0 {
        return err(
            "the QBit dimension must be positive",
            args[1].span(),
            "use a dimension of at least 1",
        );
    }
    Ok(DataType::QBit {
        element: Box::new(element),
        dimension,
    })
}
