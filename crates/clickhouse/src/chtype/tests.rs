use super::*;

fn canon(t: &str) -> String {
    match parse_type(t) {
        Ok(ty) => ty.to_string(),
        Err(e) => panic!("{t}: {e}"),
    }
}

fn error(t: &str) -> TypeError {
    match parse_type(t) {
        Ok(ty) => panic!("{t} parsed as {ty}"),
        Err(e) => e,
    }
}

#[test]
fn canonical_forms() {
    assert_eq!(canon("Decimal32(2)"), "Decimal(9, 2)");
    assert_eq!(canon("DateTime64(3,'UTC')"), "DateTime64(3, 'UTC')");
    assert_eq!(canon("Enum8('a'=1,'b'=2)"), "Enum8('a' = 1, 'b' = 2)");
    assert_eq!(canon("INT"), "Int32");
    assert_eq!(canon("bigint"), "Int64");
    assert_eq!(canon("VARCHAR(255)"), "String");
    assert_eq!(canon("TEXT"), "String");
    assert_eq!(canon("BOOLEAN"), "Bool");
    assert_eq!(canon("DOUBLE"), "Float64");
    assert_eq!(canon("double  precision"), "Float64");
    assert_eq!(canon("TIMESTAMP"), "DateTime");
    assert_eq!(canon("INT(11) UNSIGNED"), "UInt32");
    assert_eq!(canon("Enum('a', 'b')"), "Enum8('a' = 1, 'b' = 2)");
    assert_eq!(
        canon("Enum('a' = 1, 'b' = 1000)"),
        "Enum16('a' = 1, 'b' = 1000)"
    );
    assert_eq!(
        canon(r"Enum8('a\'b' = 1, 'c\\d' = 2)"),
        r"Enum8('a\'b' = 1, 'c\\d' = 2)"
    );
    assert_eq!(
        canon("Variant(String, UInt8, Array(Int8))"),
        "Variant(Array(Int8), String, UInt8)"
    );
    assert_eq!(
        canon("JSON(max_dynamic_paths=10, a.b UInt32, SKIP a.c, SKIP REGEXP 'x')"),
        "JSON(max_dynamic_paths=10, `a.b` UInt32, SKIP `a.c`, SKIP REGEXP 'x')"
    );
    assert_eq!(
        canon("AggregateFunction(quantiles(0.50, 1.0, 1e-7), UInt64)"),
        "AggregateFunction(quantiles(0.5, 1., 1e-7), UInt64)"
    );
    assert_eq!(
        canon("Tuple(`a``b` UInt8, `1a` String)"),
        "Tuple(`a\\`b` UInt8, `1a` String)"
    );
    assert_eq!(
        canon("LowCardinality(Nullable(String))"),
        "LowCardinality(Nullable(String))"
    );
}

#[test]
fn helpers() {
    let t = parse_type("LowCardinality(Nullable(String))").expect("valid");
    assert!(t.is_nullable());
    assert_eq!(t.inner(), &DataType::String);
    assert_eq!(t.name(), "LowCardinality");
    assert!(
        !parse_type("Array(Nullable(String))")
            .expect("valid")
            .is_nullable()
    );
}

#[test]
fn errors_point_at_the_problem() {
    let e = error("Nullable(Int322)");
    assert_eq!(e.span, 9..15);
    assert_eq!(e.help.as_deref(), Some("did you mean `Int32`?"));
    assert_eq!(
        error("string").help.as_deref(),
        Some("did you mean `String`?")
    );
    let e = error("Decimal(80, 2)");
    assert_eq!(e.span, 8..10);
    assert_eq!(error("Decimal(5, 6)").span, 11..12);
    assert_eq!(error("FixedString(0)").span, 12..13);
    assert_eq!(error("DateTime64(10)").span, 11..13);
    assert_eq!(error("Nullable(Array(Int8))").span, 9..20);
    assert_eq!(error("LowCardinality(Int64)").span, 15..20);
    assert_eq!(error("Enum8('a' = 1, 'a' = 2)").span, 15..22);
    assert_eq!(error("Enum8('a' = 1, 'b' = 1)").span, 15..22);
    assert_eq!(error("Enum8('a' = 128)").span, 6..15);
    assert_eq!(error("Array(UInt8").span, 5..11);
    assert_eq!(error("Array(UInt8))").span, 12..13);
    assert_eq!(error("UInt8 garbage").span, 6..13);
    assert_eq!(
        error("Map(String)").message,
        "`Map` takes exactly 2 argument(s), got 1"
    );
    assert!(error("Nothing").message.contains("table column"));
}

#[test]
fn never_panics_on_garbage() {
    let samples = [
        "Tuple(a Nullable(String), b Map(String, Array(Enum8('x' = 1))))",
        "JSON(max_dynamic_paths=10, a.b UInt32, SKIP a.c, SKIP REGEXP 'x\\'')",
        "AggregateFunction(1, sumMapFiltered([1, 2]), Array(UInt8), Array(UInt64))",
        "DateTime64(3, 'Europe/Amsterdam')",
    ];
    for s in samples {
        for end in 0..=s.len() {
            if let Some(prefix) = s.get(..end) {
                let _ = parse_type(prefix);
            }
            if let Some(suffix) = s.get(end..) {
                let _ = parse_type(suffix);
            }
        }
    }
    // A cheap deterministic generator keeps this test free of extra crates.
    let alphabet: Vec<char> = "(),='`\"\\ -+.[]0123456789abxeNTI_é\n".chars().collect();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..20_000 {
        let mut s = String::new();
        for _ in 0..(state % 24) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            s.push(alphabet[(state % alphabet.len() as u64) as usize]);
        }
        let _ = parse_type(&s);
    }
    let deep = "Array(".repeat(10_000);
    assert!(parse_type(&deep).is_err());
    // The deepest nesting allowed must also build and render within a test thread's stack.
    let nested = format!("{}UInt8{}", "Map(String, ".repeat(199), ")".repeat(199));
    assert_eq!(canon(&nested), nested);
    let too_deep = format!("{}UInt8{}", "Array(".repeat(201), ")".repeat(201));
    assert!(error(&too_deep).message.contains("nested too deeply"));
}
