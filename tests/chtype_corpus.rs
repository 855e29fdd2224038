//! The type parser against ClickHouse 26.9's own answers (checked-in oracle output; the scripts
//! in tests/tools/ regenerate it with chDB, which is not needed here).

use chplan_clickhouse::chtype::parse_type;

fn data_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

#[test]
fn canonical_types_round_trip() {
    let text = include_str!("data/column_types.txt");
    let mut failures = Vec::new();
    let mut count = 0;
    for line in data_lines(text) {
        count += 1;
        match parse_type(line) {
            Ok(t) if t.to_string() == line => {}
            Ok(t) => failures.push(format!("{line}\n  rendered as {t}")),
            Err(e) => failures.push(format!("{line}\n  error: {e} at {:?}", e.span)),
        }
    }
    println!("canonical types: {count}, failures: {}", failures.len());
    assert!(count > 0);
    // Informational: the parser runs for every column of large projects.
    let start = std::time::Instant::now();
    let rounds = 20;
    for _ in 0..rounds {
        for line in data_lines(text) {
            let _ = std::hint::black_box(parse_type(line));
        }
    }
    let per_type = start.elapsed() / (rounds * count) as u32;
    println!("parse time per canonical type: {per_type:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn aliases_render_canonically() {
    let text = include_str!("data/column_type_aliases.tsv");
    let mut failures = Vec::new();
    let mut count = 0;
    for line in data_lines(text) {
        let Some((input, canonical)) = line.split_once('\t') else {
            panic!("malformed line: {line}");
        };
        count += 1;
        match parse_type(input) {
            Ok(t) if t.to_string() == canonical => {}
            Ok(t) => failures.push(format!("{input}: got {t}, ClickHouse says {canonical}")),
            Err(e) => failures.push(format!("{input}: error {e}, ClickHouse says {canonical}")),
        }
    }
    println!("aliases: {count}, failures: {}", failures.len());
    assert!(count > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn invalid_types_are_refused() {
    let text = include_str!("data/column_types_invalid.txt");
    let mut failures = Vec::new();
    let mut count = 0;
    for line in data_lines(text) {
        let (input, refusal) = line.split_once('\t').unwrap_or((line, ""));
        count += 1;
        match parse_type(input) {
            Err(e) => {
                assert!(
                    e.span.start <= e.span.end && e.span.end <= input.len(),
                    "{input}"
                );
                assert!(e.help.is_some(), "{input}: no help");
            }
            Ok(t) => failures.push(format!("{input}: accepted as {t}; ClickHouse: {refusal}")),
        }
    }
    println!("invalid types: {count}, failures: {}", failures.len());
    assert!(count > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
