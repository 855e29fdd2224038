use super::*;

fn names(text: &str) -> Vec<String> {
    match column_refs(text) {
        Ok(refs) => refs.into_iter().map(|r| r.name).collect(),
        Err(e) => panic!("{text}: {e:?}"),
    }
}

#[test]
fn order_by_list() {
    let refs = column_refs("id, toDate(created_at)").expect("parses");
    assert_eq!(
        refs,
        vec![
            ColumnRef {
                name: "id".into(),
                span: 0..2
            },
            ColumnRef {
                name: "created_at".into(),
                span: 11..21
            },
        ]
    );
}

#[test]
fn partition_and_empty_tuple() {
    assert_eq!(names("toYYYYMM(created_at)"), ["created_at"]);
    assert!(names("tuple()").is_empty());
    assert!(names("").is_empty());
}

#[test]
fn ttl_rules() {
    assert_eq!(names("created_at + INTERVAL 90 DAY DELETE"), ["created_at"]);
    assert_eq!(
        names(
            "d + INTERVAL 1 DAY TO DISK 'cold', d + INTERVAL 2 DAY TO VOLUME 'v', e + toIntervalDay(3)"
        ),
        ["d", "d", "e"]
    );
    assert_eq!(
        names(
            "d + INTERVAL 1 MONTH RECOMPRESS CODEC(ZSTD(17)), d + INTERVAL 1 YEAR DELETE WHERE x = 1"
        ),
        ["d", "d", "x"]
    );
    assert_eq!(
        names("d + INTERVAL 1 DAY GROUP BY k SET v = max(v)"),
        ["d", "k", "v", "v"]
    );
}

#[test]
fn lambdas_and_nested() {
    assert_eq!(names("arrayMap(x -> x + a, arr)"), ["a", "arr"]);
    assert_eq!(names("arrayFilter((x, y) -> x > y, xs, ys)"), ["xs", "ys"]);
    assert_eq!(names("n.x"), ["n.x"]);
    let refs = column_refs("length(n.x) > 0").expect("parses");
    assert_eq!(refs[0].span, 7..10);
}

#[test]
fn defaults_constraints_and_indexes() {
    assert_eq!(names("amount >= 0"), ["amount"]);
    assert_eq!(names("now()"), Vec::<String>::new());
    assert_eq!(names("lower(name) || 'x'"), ["name"]);
    assert_eq!(names("`weird col` * 2"), ["weird col"]);
    assert_eq!(names("CAST(a AS String)"), ["a"]);
    assert_eq!(names("if(a IS NULL, b, c[1])"), ["a", "b", "c"]);
    assert_eq!(names("quantile(0.5)(x)"), ["x"]);
}

#[test]
fn errors_have_byte_spans() {
    let e = column_refs("a +").expect_err("incomplete");
    assert!(e.span.start <= 3, "{e:?}");
    let e = column_refs("é, (b").expect_err("unbalanced");
    assert!(e.span.end <= "é, (b".len(), "{e:?}");
    for garbage in [
        "(((", ")", "'", "a b c d", "SELECT", "\u{0}", "é)é", "a FROM t",
    ] {
        let _ = column_refs(garbage);
    }
}
