//! Differential test of `chplan::front::kdlfast::parse` against `kdl::KdlDocument::parse_v2`: whenever
//! the fast path answers, its document must match the `kdl` crate's in every field the compiler
//! reads (names, types, values, entry order, children, and all spans); whenever the crate
//! rejects the text, the fast path must decline.

use std::path::{Path, PathBuf};

use kdl::KdlDocument;

#[path = "kdlfast_equivalence/compare.rs"]
mod compare;

use compare::same_doc;

#[derive(Debug, PartialEq)]
enum Outcome {
    /// Fast path answered and matched.
    Fast,
    /// Fast path declined; the crate accepted.
    Fallback,
    /// Both rejected.
    BothRejected,
}

/// Checks the contract on one input.
fn check(text: &str) -> Result<Outcome, String> {
    let fast = chplan::front::kdlfast::parse(text);
    let slow = KdlDocument::parse_v2(text);
    match (fast, slow) {
        (Some(f), Ok(s)) => same_doc(&f, &s, "").map(|()| Outcome::Fast),
        (Some(_), Err(e)) => Err(format!("fast path accepted what kdl rejects: {e:?}")),
        (None, Ok(_)) => Ok(Outcome::Fallback),
        (None, Err(_)) => Ok(Outcome::BothRejected),
    }
}

fn repo_kdl_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                if name != "target" && name != ".git" {
                    walk(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "kdl") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(Path::new(env!("CARGO_MANIFEST_DIR")), &mut out);
    out.sort();
    out
}

#[test]
fn repository_files_take_the_fast_path() {
    let files = repo_kdl_files();
    assert!(files.len() > 10, "expected the repository's .kdl files");
    let (mut fast, mut rejected) = (0, 0);
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        match check(&text) {
            Ok(Outcome::Fast) => fast += 1,
            // Golden tests keep deliberately broken files; both parsers must reject them.
            Ok(Outcome::BothRejected) => rejected += 1,
            Ok(Outcome::Fallback) => panic!("{}: fast path declined valid KDL", path.display()),
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
    println!(
        "repository: {} files, {fast} fast path, {rejected} rejected by both",
        files.len()
    );
}

const SNIPPETS: &[&str] = &[
    // Nodes, terminators, spacing.
    "",
    "node",
    "node\n",
    "a; b;c\n",
    "a;",
    "a ;",
    "a\r\nb\rc\n",
    "  a   \n\n  b  ",
    "a /* c */ ;",
    "a // trailing\nb",
    "a{}",
    "a {}\nb { c; d }",
    "a { b { c { d 1 } } }",
    "a {\n  b 1\n  c 2\n}\n",
    "a { }",
    "a {\n}",
    "a { b; }",
    "a{b}",
    "\u{FEFF}a 1",
    "a 1 2 3",
    "a\t1\t2",
    "a; ;",
    "a{} b",
    "{ a }",
    "a }",
    "a {",
    // Identifiers.
    "foo-bar_baz.qux 1",
    "- + . -. +. -a +a .a --1 ..5 a.b",
    "node -",
    "ñandú café=日本",
    "a,b <x> @y ~z !w ?q a'b",
    "true",
    "a true",
    "a false",
    "a null",
    "a inf",
    "a nan",
    "a -inf",
    "a +inf",
    "a truex nullish",
    "1a",
    "a 1a",
    "a b\"c\"",
    "a \"b\"c",
    "a b[c]",
    "a .5",
    "a -.5",
    "a +.5",
    "a b/c",
    "a b#c",
    "a b=c=d",
    // Properties.
    "a key=value",
    "a key=\"quoted value\" other=1",
    "a key = 1",
    "a key =1 k2= 2",
    "a \"quoted key\"=1 #\"raw key\"#=2",
    "a key=",
    "a =1",
    "a 1=2",
    "a key=(u8)1",
    "a key=(u8) 1",
    "a key=#true k=#null",
    "a key=true",
    "a k=v k=w",
    "a k=v 1 k2=v2 2",
    // Numbers.
    "a 0 -0 +0 1 -1 +1 123_456 1_ 1__2",
    "a 0x10 0XfF -0x10 +0x1_0 0xdead_beef",
    "a 0o17 0O7 -0o1_7 0b101 0B1_0 -0b1",
    "a 0x 0o8 0b2 0x_1",
    "a 1.5 -1.5 +1.5 1.0e10 1e10 1E-3 1.5e+3 1_0.5_0e1_0",
    "a 1. 1.e5 1e 1.5e 1._5",
    "a 0.1 0.2 0.30000000000000004 1e308 1e400 -1e400 5e-324 2.5e-400",
    "a 170141183460469231731687303715884105727 -170141183460469231731687303715884105727",
    "a 170141183460469231731687303715884105728",
    "a -170141183460469231731687303715884105728",
    "a 0x7fffffffffffffffffffffffffffffff 0x80000000000000000000000000000000",
    "a 1234567890123456789012345678901234567890.5",
    "a 1.1234567890123456789012345678901234567890",
    "a 1e1234567890123456789012345678901234567890",
    "a 0123 00.5",
    "a 1.5.3 0x1.5 1x 0b12",
    "a 1{}",
    "a 1;b",
    "a 1)",
    // Keywords.
    "a #true #false #null #inf #-inf #nan",
    "a #True",
    "a #foo",
    "a #",
    "a #truex",
    "a #true{}",
    "a #true/-x",
    "a #nan; b #-inf",
    // Quoted strings and escapes.
    r#"a "plain" "" "with space""#,
    r#"a "\n\t\\\"\r\b\f\s""#,
    r#"a "\u{41}\u{1F600}\u{10FFFF}\u{0}""#,
    r#"a "\u{D800}""#,
    r#"a "\u{110000}""#,
    r#"a "\u{}""#,
    r#"a "\u{1234567}""#,
    r#"a "\u41""#,
    r#"a "\x41""#,
    r#"a "\q""#,
    "a \"before\\   after\"",
    "a \"before\\\n   after\"",
    "a \"before\\\r\n\t after\"",
    "a \"line\nbreak\"",
    "a \"unterminated",
    "a \"tab\there\"",
    "a \"ünïcödé 日本 🎉\"",
    "a \"nbsp\u{A0}inside\"",
    "a \"nel\u{85}inside\"",
    "a \"bidi\u{202E}inside\"",
    "a \"ctrl\u{1}inside\"",
    "a \"del\u{7F}inside\"",
    "\"quoted node\" 1",
    "\"\" 1",
    // Raw strings.
    r##"a #"raw \n "quoted" string"#"##,
    r###"a ##"has "# inside"## #""#"###,
    r##"a #"""#"##,
    r##"a #""""#"##,
    r###"a #"a"##"###,
    "a #\"unterminated",
    "a #\"line\nbreak\"#",
    "a ##x",
    "a #x\"y\"#",
    // Multi-line strings.
    "a \"\"\"\n    hello\n      world\n    \"\"\"",
    "a \"\"\"\nno indent\n\"\"\"",
    "a \"\"\"\n\"\"\"",
    "a \"\"\"\n  \n  x\n\n  \"\"\"",
    "a \"\"\"\n  x\n \n        \n  \"\"\"",
    "a \"\"\"\r\n  x\r\n  y\r\n  \"\"\"",
    "a \"\"\"\n\tx\n\t\"\"\"",
    "a \"\"\"\n  x \\n y \\\" z \\u{41}\n  \"\"\"",
    "a \"\"\"\n  a\"b\"\"c\n  \"\"\"",
    "a \"\"\"\n  a\"\"\"b\n  \"\"\"",
    "a \"\"\"\n  \\\"\"\"\n  \"\"\"",
    "a \"\"\"\n  x\n y\n  \"\"\"",
    "a \"\"\"\n  x\n  \"\"\" b",
    "a \"\"\"\n  x\n  \"\"\"b",
    "a \"\"\"x\n\"\"\"",
    "a \"\"\"\n  x\\\n  y\n  \"\"\"",
    "a \"\"\"\n  x\n  \"\"\"\"",
    "a \"\"\"\n  unterminated\n",
    "a #\"\"\"\n    raw \\n \"\"\" here\n    \"\"\"#",
    "a ##\"\"\"\n  x\n  \"\"\"##",
    "a #\"\"\"\n  \"\"\"#",
    "a #\"\"\"\n  x\n y\n  \"\"\"#",
    "a #\"\"\"\n  x\n  \"\"\"##",
    "a #\"\"\"\n  x \\ \n  \"\"\"#",
    "a #\"\"\"\n  \\\n  \"\"\"#",
    "a #\"\"\"\r\n  x\r\n\r\n  \"\"\"#",
    "\"\"\"\n  multi-line node name\n  \"\"\" 1",
    // Comments.
    "// only a comment",
    "/* block */ a /* inner */ 1 /* end */",
    "/* nested /* deeper */ still */ a",
    "/* unterminated",
    "/*/ a",
    "/**/a",
    "a /**/1",
    "a 1/**/2",
    "a 1//x\nb",
    "a\\\n  1",
    "a \\\n  1 \\ // comment\n  2",
    "a \\",
    "a \\ x",
    "\\\na",
    "a 1 \\\n",
    // Slashdash.
    "/-a\nb",
    "/- a 1 2\nb",
    "/-a;b",
    "/-a{}b",
    "/-\na\nb",
    "a /-1 2",
    "a 1 /-2",
    "a /-k=v k2=v2",
    "a /-1 /-2 3",
    "a /- /-1 2",
    "a /-\n 1 2",
    "a /-{ b } { c }",
    "a /-{ b } /-{ c } { d } /-{ e }",
    "a { b } /-{ c }",
    "a {}/-{}",
    "a {} /-b",
    "a /-1{}",
    "a 1 /-2 {}",
    "a /-(t)1 2",
    "{ /-a }",
    "a { /-b; c }",
    "a { b /-{ c } }",
    "a /-{} 1",
    "/-a /-b\nc",
    "/-",
    "a /-",
    // Type annotations.
    "(t)a 1",
    "(t) a",
    "( t )a",
    "(\"quoted type\")a (#\"raw\"#)1",
    "a (u8)1 (f32)1.5 (date)\"2020\" (t)#true (t)x",
    "a (t) 1",
    "a (t)k=1",
    "a k=(t)v",
    "()a",
    "(t a",
    "(1)a",
    "(t)(u)a",
    "a (t)",
    "(t\n)a",
    // Unicode whitespace and newlines (the fast path may decline these).
    "a\u{A0}1",
    "a\u{3000}1",
    "a 1\u{85}b 2",
    "a 1\u{2028}b 2",
    "a\u{0B}b",
    "a\u{0C}b",
    "// c\u{2028}a",
    "/* \u{2028} */ a",
    "a\u{FEFF}",
    "\u{FEFF}\u{FEFF}a",
    "a \"x\\\u{A0}y\"",
    "a\u{200E}",
    "a\u{7F}",
    "a\u{0}",
    // Combinations.
    "\u{FEFF}",
    "\u{FEFF}// only a comment\n",
    "a \"\"\"\n  k\n  \"\"\"=1",
    "a key=\"\"\"\n  v\n  \"\"\" other=2",
    "a \"\"\"\r  x\r  \"\"\"",
    "a #nanx",
    "a #-",
    "a +_1 -_1 0_1",
    "a {\n  /-b\n  c\n}\n",
    "a {\n  b /-\n  c\n}",
    "a \"x\"\\\n  \"y\"",
    "(t)\"q\" 1",
    "a 1\\\n",
    "a ###\"x\"## \"###",
    "a \"\\\\\"\"\"",
    "a { b; } ; c",
    "a {} ;",
    "a\n\n\n/-b { c }\n\n",
    "a /*\n multi\n line */ 1",
    "a 1 // comment\r\nb 2",
];

#[test]
fn tricky_snippets() {
    let mut fast = 0;
    let mut failures = Vec::new();
    // Nesting within the fast path's depth limit (64). Beyond it the fast path declines
    // without recursing further; the `kdl` crate itself overflows a debug-mode test thread's
    // stack at ~70 levels, so those inputs are checked against the fast path alone.
    let nested = |depth| format!("{}{}", "a {".repeat(depth), "}".repeat(depth));
    for depth in [65, 70, 100_000] {
        assert!(chplan::front::kdlfast::parse(&nested(depth)).is_none());
    }
    let shallow = nested(60);
    let hashes = format!("a {0}\"x\"{0}", "#".repeat(5000));
    let generated = [shallow.as_str(), hashes.as_str()];
    for snippet in SNIPPETS.iter().copied().chain(generated) {
        match check(snippet) {
            Ok(Outcome::Fast) => fast += 1,
            Ok(_) => {}
            Err(e) => failures.push(format!("{snippet:?}: {e}")),
        }
    }
    println!(
        "snippets: {} total, {fast} fast path",
        SNIPPETS.len() + generated.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every prefix of every repository file (cut at char boundaries).
#[test]
fn prefixes_of_repository_files() {
    let (mut total, mut fast) = (0, 0);
    let mut failures = Vec::new();
    for path in repo_kdl_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        for end in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
            total += 1;
            match check(&text[..end]) {
                Ok(Outcome::Fast) => fast += 1,
                Ok(_) => {}
                Err(e) => failures.push(format!("{} [..{end}]: {e}", path.display())),
            }
        }
    }
    println!("prefixes: {total} total, {fast} fast path");
    assert!(
        failures.is_empty(),
        "{}",
        failures[..failures.len().min(20)].join("\n")
    );
}

/// A tiny deterministic PRNG, so the mutations are reproducible without a dependency.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SIGNIFICANT: &[&str] = &[
    "\"", "#", "/", "*", "\\", "{", "}", ";", "=", "(", ")", "\n", " ", "-", "/-", "\"\"\"", "\r",
    "\t", ".", "0", "e", "_", "x", "\u{A0}", "é", "\u{2028}",
];

fn mutate(rng: &mut XorShift, text: &str) -> String {
    let mut out = text.to_owned();
    for _ in 0..1 + rng.below(3) {
        let mut at = rng.below(out.len() + 1);
        while !out.is_char_boundary(at) {
            at -= 1;
        }
        if rng.below(2) == 0 || out.is_empty() {
            out.insert_str(at, SIGNIFICANT[rng.below(SIGNIFICANT.len())]);
        } else if let Some(c) = out[at..].chars().next() {
            out.replace_range(at..at + c.len_utf8(), "");
        }
    }
    out
}

#[test]
fn random_mutations() {
    let mut seeds: Vec<String> = SNIPPETS.iter().map(|s| s.to_string()).collect();
    for path in repo_kdl_files() {
        seeds.push(std::fs::read_to_string(path).unwrap());
    }
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let rounds = 6000;
    let (mut fast, mut failures) = (0, Vec::new());
    for _ in 0..rounds {
        let seed = &seeds[rng.below(seeds.len())];
        let text = mutate(&mut rng, seed);
        match check(&text) {
            Ok(Outcome::Fast) => fast += 1,
            Ok(_) => {}
            Err(e) => failures.push(format!("{text:?}: {e}")),
        }
    }
    println!("mutations: {rounds} total, {fast} fast path");
    assert!(
        failures.is_empty(),
        "{}",
        failures[..failures.len().min(20)].join("\n")
    );
}
