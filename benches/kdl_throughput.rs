//! Throughput of the KDL fast path (`chplan::front::kdlfast`) against the `kdl` crate on a
//! generated project; run through `scripts/bench-kdl`, which generates the files into
//! `KDL_BENCH_DIR` (default `/tmp/kdlbench`) and runs `cargo bench --bench kdl_throughput`
//! (release mode). Prints one line: files, MB, both parsers' time and MB/s, and the ratio.
//! Every fast document is also compared with the crate's (as `tests/kdlfast_equivalence.rs`
//! does).

use std::path::PathBuf;

use kdl::KdlDocument;

#[path = "../tests/kdlfast_equivalence/compare.rs"]
mod compare;

use compare::same_doc;

fn main() {
    let root = std::env::var("KDL_BENCH_DIR").unwrap_or_else(|_| "/tmp/kdlbench".into());
    let mut files = Vec::new();
    let mut dirs = vec![PathBuf::from(&root)];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("bench directory").flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "kdl") {
                files.push(std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let bytes: usize = files.iter().map(String::len).sum();
    let mb = bytes as f64 / 1e6;

    // KDL_BENCH_FAST_ONLY=1 skips the slow reference, for profiling the fast path alone.
    if std::env::var_os("KDL_BENCH_FAST_ONLY").is_some() {
        for _ in 0..20 {
            for text in &files {
                std::hint::black_box(chplan::front::kdlfast::parse(text));
            }
        }
        return;
    }
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let t = std::time::Instant::now();
        for text in &files {
            std::hint::black_box(chplan::front::kdlfast::parse(text).expect("fast path"));
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    let t = std::time::Instant::now();
    let reference: Vec<KdlDocument> = files
        .iter()
        .map(|text| KdlDocument::parse_v2(text).unwrap())
        .collect();
    let slow = t.elapsed().as_secs_f64();

    for (text, doc) in files.iter().zip(&reference) {
        let fast = chplan::front::kdlfast::parse(text).unwrap();
        same_doc(&fast, doc, "").unwrap();
    }
    println!(
        "{} files, {mb:.2} MB: kdlfast {:.1} ms = {:.1} MB/s; kdl {:.0} ms = {:.2} MB/s; {:.0}x",
        files.len(),
        best * 1e3,
        mb / best,
        slow * 1e3,
        mb / slow,
        slow / best
    );
}
