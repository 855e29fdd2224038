//! `chplan pull` on the whole corpus of ClickHouse's own DDL (`tests/pull_corpus/harness.rs`
//! says what is measured): run by `scripts/bench-pull`, which passes its options in
//! `PULL_CORPUS_WORKERS` (tables in parallel, default 2), `PULL_CORPUS_TOP` (causes listed per
//! section, default 25) and `PULL_CORPUS_DETAILS` (a file for every statement that did not
//! come out identical). Prints the figures and the leading causes. The normal test suite runs
//! a fixed sample of the same corpus (`tests/pull_corpus.rs`).

#[path = "../tests/support/mod.rs"]
mod support;

// A bench is built with `cfg(test)` but without `#[test]` functions: the harness's unit tests
// (run by tests/pull_corpus.rs) leave an unused `use super::*` here.
#[path = "../tests/pull_corpus/harness.rs"]
#[allow(unused_imports)]
mod harness;

fn main() {
    let rows = harness::load();
    let workers = std::env::var("PULL_CORPUS_WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(2);
    let top = std::env::var("PULL_CORPUS_TOP")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(25);
    let report = harness::run(support::clickhouse(), &rows, workers);
    println!("{}", report.render(top));
    harness::write_details(&report);
}
