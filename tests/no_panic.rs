//! No input makes the compiler panic: every golden schema, cut short at many points and with
//! bytes flipped, goes through the whole front (parse, lower, resolve, graph, render).

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use chplan::cli::check_report;
use chplan::front::compile::compile;
use chplan::front::diag::Format;
use support::Project;

fn schema_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("golden")];
    stack.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas"));
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "kdl") && !p.ends_with("chplan.kdl") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A small deterministic generator, so a failure reproduces.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

#[test]
fn mutated_schemas_never_panic() {
    let dir = Project::new("shop");
    let target = dir.path().join("schemas/x.kdl");
    let significant = b"\"#/*\\{}();=,.` \n'x0";
    let mut rng = Lcg(7);
    let mut runs = 0;
    for file in schema_files() {
        let text = fs::read(&file).unwrap();
        let step = (text.len() / 12).max(1);
        let mut variants: Vec<Vec<u8>> = (0..text.len())
            .step_by(step)
            .map(|i| text[..i].to_vec())
            .collect();
        for _ in 0..12 {
            let mut v = text.clone();
            for _ in 0..3 {
                let at = rng.next(v.len() + 1);
                let b = significant[rng.next(significant.len())];
                if rng.next(2) == 0 && at < v.len() {
                    v[at] = b;
                } else {
                    v.insert(at.min(v.len()), b);
                }
            }
            variants.push(v);
        }
        for v in variants {
            fs::write(&target, &v).unwrap();
            let c = compile(dir.path());
            for format in [Format::Human, Format::Json, Format::Github] {
                let _ = check_report(&c, format);
            }
            runs += 1;
        }
    }
    assert!(runs > 500, "only {runs} variants ran");
    println!("{runs} mutated projects compiled without a panic");
}
