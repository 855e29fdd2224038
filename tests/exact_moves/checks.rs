//! What a scenario expects once the apply is done and the writers have stopped, and a reader
//! sampling a target while the apply runs.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::http::{Http, lit};
use crate::writers::{Batch, now_us};

/// One expectation of a scenario. SQL names tables unqualified (the scenario's database).
pub enum Check {
    /// `table` holds every initial row and every row acknowledged into one of `always`
    /// exactly once; rows acknowledged into one of `before_end` exactly once when the
    /// acknowledgement came before the apply finished (later ones at most once: whether the
    /// old table still feeds the new one after the apply is the plan's choice).
    Acked {
        table: &'static str,
        always: &'static [&'static str],
        before_end: &'static [&'static str],
    },
    /// The rows of `actual` are exactly those of `expected` (a multiset; first column the
    /// key, unique in `expected`): lost, doubled and phantom keys, and whole-row content.
    Same {
        label: &'static str,
        actual: &'static str,
        expected: &'static str,
    },
    /// Aggregates: `actual` and `expected` (first column the group) give the same rows,
    /// compared as sorted text; the differing groups are listed.
    Groups {
        label: &'static str,
        actual: &'static str,
        expected: &'static str,
    },
    /// A query whose single value must be `expected`.
    Value {
        label: &'static str,
        sql: &'static str,
        expected: &'static str,
    },
}

/// A check's outcome: its report line(s) and whether it held.
pub struct Outcome {
    pub text: String,
    pub ok: bool,
    /// Figures for the summary: (lost, doubled, phantom) keys, or mismatching groups.
    pub lost: u64,
    pub doubled: u64,
    pub phantom: u64,
    pub groups: u64,
    /// Lost and doubled keys, as (`lost`|`doubled`, key).
    pub bad: Vec<(String, String)>,
}

impl Outcome {
    fn plain(text: String, ok: bool) -> Outcome {
        Outcome {
            text,
            ok,
            lost: 0,
            doubled: 0,
            phantom: 0,
            groups: 0,
            bad: Vec::new(),
        }
    }
}

/// Loads every batch (acknowledged or not) into `_harness_batches` for the checks' SQL.
pub fn load_batches(http: &Http, key_prefix_rows: &[Batch]) {
    http.exec(
        "CREATE TABLE IF NOT EXISTS _harness_batches \
         (k String, dest String, done_us UInt64, acked UInt8) ENGINE = MergeTree ORDER BY k",
    );
    let mut data = String::new();
    for b in key_prefix_rows {
        for s in b.first..b.first + b.rows {
            let _ = writeln!(
                data,
                "w{}-{s}\t{}\t{}\t{}",
                b.writer,
                b.table,
                b.done_us,
                u8::from(b.error.is_none())
            );
        }
    }
    if !data.is_empty() {
        http.exec(&format!(
            "INSERT INTO _harness_batches FORMAT TabSeparated\n{data}"
        ));
    }
}

fn list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| lit(n)).collect();
    format!("[{}]", quoted.join(", "))
}

/// What `keyed` found.
struct Keyed {
    required: u64,
    found: u64,
    lost: u64,
    doubled: u64,
    extra: u64,
    phantom: u64,
    sample: String,
    /// Lost and doubled keys (up to a few thousand each), as (`lost`|`doubled`, key).
    bad: Vec<(String, String)>,
}

/// Lost / doubled / phantom keys of `actual_keys` against `expected` (`k`, `need`: 1 must
/// be there once, 0 may be there at most once).
fn keyed(http: &Http, expected: &str, actual_keys: &str) -> Keyed {
    let counted = format!(
        "SELECT k, max(need) AS need, countIf(src = 0) AS e, countIf(src = 1) AS a FROM ( \
             SELECT toString(k) AS k, toUInt8(need) AS need, 0 AS src FROM ({expected}) \
             UNION ALL \
             SELECT toString(k) AS k, toUInt8(0) AS need, 1 AS src FROM ({actual_keys}) \
         ) GROUP BY k"
    );
    let sql = format!(
        "SELECT countIf(need = 1) AS required, sum(a) AS found, countIf(need = 1 AND a = 0) AS lost, \
                countIf(a > 1) AS doubled, sumIf(a - 1, a > 1) AS extra, \
                countIf(e = 0 AND a > 0) AS phantom, \
                arrayStringConcat(arrayConcat( \
                    arrayMap(k -> concat('lost ', k), arraySlice(groupArrayIf(k, need = 1 AND a = 0), 1, 3)), \
                    arrayMap(k -> concat('doubled ', k), arraySlice(groupArrayIf(k, a > 1), 1, 3)), \
                    arrayMap(k -> concat('phantom ', k), arraySlice(groupArrayIf(k, e = 0 AND a > 0), 1, 3))), ', ') \
         FROM ({counted}) FORMAT TabSeparated"
    );
    let out = http.exec(&sql);
    let f: Vec<&str> = out.split('\t').collect();
    let n = |i: usize| f.get(i).and_then(|v| v.parse().ok()).unwrap_or(0u64);
    let mut bad = Vec::new();
    if n(2) > 0 || n(3) > 0 {
        let keys = http.exec(&format!(
            "SELECT if(a = 0, 'lost', 'doubled'), k FROM ({counted}) \
             WHERE (need = 1 AND a = 0) OR a > 1 ORDER BY k LIMIT 5000 FORMAT TabSeparated"
        ));
        bad = keys
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(kind, k)| (kind.to_owned(), k.to_owned()))
            .collect();
    }
    Keyed {
        required: n(0),
        found: n(1),
        lost: n(2),
        doubled: n(3),
        extra: n(4),
        phantom: n(5),
        sample: f.get(6).map_or(String::new(), |s| (*s).to_owned()),
        bad,
    }
}

/// Runs one check. `initial` is the number of initial rows (keys `init-0..`), `end_us` when
/// the apply finished.
pub fn run(http: &Http, check: &Check, key: &str, initial: u64, end_us: u64) -> Outcome {
    match check {
        Check::Acked {
            table,
            always,
            before_end,
        } => {
            let mut dests: Vec<&str> = always.to_vec();
            dests.extend_from_slice(before_end);
            let expected = format!(
                "SELECT concat('init-', toString(number)) AS k, 1 AS need FROM numbers({initial}) \
                 UNION ALL \
                 SELECT k, if(acked = 1 AND (has({always}, dest) OR done_us <= {end_us}), 1, 0) AS need \
                 FROM _harness_batches WHERE has({dests}, dest)",
                always = list(always),
                dests = list(&dests),
            );
            let actual = format!("SELECT {key} AS k FROM {table}");
            let Keyed {
                required,
                found,
                lost,
                doubled,
                extra,
                phantom,
                sample,
                bad,
            } = keyed(http, &expected, &actual);
            let ok = lost == 0 && doubled == 0 && phantom == 0;
            let mut text = format!(
                "{table} holds each acked row of {} once: required {required}, found {found}, \
                 lost {lost}, doubled {doubled} (+{extra} copies), phantom {phantom}",
                dests.join("+")
            );
            if !sample.is_empty() {
                let _ = write!(text, " [{sample}]");
            }
            Outcome {
                text,
                ok,
                lost,
                doubled,
                phantom,
                groups: 0,
                bad,
            }
        }
        Check::Same {
            label,
            actual,
            expected,
        } => {
            let exp = format!(
                "SELECT tupleElement(t, 1) AS k, 1 AS need FROM (SELECT tuple(*) AS t FROM ({expected}))"
            );
            let act = format!(
                "SELECT tupleElement(t, 1) AS k FROM (SELECT tuple(*) AS t FROM ({actual}))"
            );
            let Keyed {
                required,
                found,
                lost,
                doubled,
                extra,
                phantom,
                sample,
                bad,
            } = keyed(http, &exp, &act);
            // Whole rows: count and an order-independent fingerprint of both sides.
            let fp = |q: &str| {
                http.exec(&format!(
                    "SELECT count(), sum(cityHash64(t)) FROM (SELECT tuple(*) AS t FROM ({q})) FORMAT TabSeparated"
                ))
            };
            let (fa, fe) = (fp(actual), fp(expected));
            let content = if fa == fe { "same rows" } else { "rows differ" };
            let ok = lost == 0 && doubled == 0 && phantom == 0 && fa == fe;
            let mut text = format!(
                "{label}: expected {required} rows, found {found}, lost {lost}, doubled {doubled} \
                 (+{extra} copies), phantom {phantom}, content: {content}"
            );
            if !sample.is_empty() {
                let _ = write!(text, " [{sample}]");
            }
            Outcome {
                text,
                ok,
                lost,
                doubled,
                phantom,
                groups: 0,
                bad,
            }
        }
        Check::Groups {
            label,
            actual,
            expected,
        } => {
            let rows = |q: &str| -> Vec<(String, String)> {
                let mut v: Vec<(String, String)> = http
                    .exec(&format!("{q} FORMAT TabSeparated"))
                    .lines()
                    .map(|l| match l.split_once('\t') {
                        Some((g, rest)) => (g.to_owned(), rest.to_owned()),
                        None => (l.to_owned(), String::new()),
                    })
                    .collect();
                v.sort();
                v
            };
            let (a, e) = (rows(actual), rows(expected));
            let amap: std::collections::BTreeMap<_, _> = a.iter().cloned().collect();
            let emap: std::collections::BTreeMap<_, _> = e.iter().cloned().collect();
            let mut groups: Vec<&String> = amap.keys().chain(emap.keys()).collect();
            groups.sort();
            groups.dedup();
            let bad: Vec<String> = groups
                .iter()
                .filter(|g| amap.get(**g) != emap.get(**g))
                .map(|g| {
                    format!(
                        "{g}: expected [{}] found [{}]",
                        emap.get(*g).map_or("-", |s| s.as_str()),
                        amap.get(*g).map_or("-", |s| s.as_str())
                    )
                })
                .collect();
            let ok = bad.is_empty() && a.len() == amap.len();
            let mut text = format!(
                "{label}: {} groups expected, {} found, {} mismatching",
                emap.len(),
                amap.len(),
                bad.len()
            );
            // Column totals over every group: how much too much (or too little) overall.
            let totals = |m: &std::collections::BTreeMap<String, String>| -> Vec<i128> {
                let mut t: Vec<i128> = Vec::new();
                for v in m.values() {
                    for (i, f) in v.split('\t').enumerate() {
                        if t.len() <= i {
                            t.push(0);
                        }
                        t[i] += f.parse::<i128>().unwrap_or(0);
                    }
                }
                t
            };
            let (ta, te) = (totals(&amap), totals(&emap));
            if ta != te {
                let diff: Vec<String> = te
                    .iter()
                    .zip(ta.iter().chain(std::iter::repeat(&0)))
                    .map(|(e, a)| format!("{e} -> {a} ({:+})", a - e))
                    .collect();
                let _ = write!(
                    text,
                    "; column totals expected -> found: {}",
                    diff.join(", ")
                );
            }
            if a.len() != amap.len() {
                let _ = write!(text, " (the target's result repeats a group)");
            }
            for b in bad.iter().take(4) {
                let _ = write!(text, "\n      {b}");
            }
            if bad.len() > 4 {
                let _ = write!(text, "\n      ... and {} more", bad.len() - 4);
            }
            Outcome {
                groups: bad.len() as u64,
                ..Outcome::plain(text, ok)
            }
        }
        Check::Value {
            label,
            sql,
            expected,
        } => {
            let got = http.exec(sql);
            Outcome::plain(
                format!("{label}: {got} (expected {expected})"),
                got == *expected,
            )
        }
    }
}

/// A reader sampling one number (a count, a total) from a target every few milliseconds.
pub struct Reader {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<Vec<Sample>>,
    pub baseline: u128,
}

pub struct Sample {
    pub at_us: u64,
    pub value: Result<u128, String>,
}

impl Reader {
    /// Starts sampling `sql`; the value read now is the baseline no later read may fall below.
    pub fn start(url: &str, db: &str, sql: &'static str) -> Reader {
        let http = Http::new(url, db);
        let baseline = read(&http, sql).expect("the reader's baseline");
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            let mut samples = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                let value = read(&http, sql);
                samples.push(Sample {
                    at_us: now_us(),
                    value,
                });
                std::thread::sleep(Duration::from_millis(15));
            }
            samples
        });
        Reader {
            stop,
            handle,
            baseline,
        }
    }

    pub fn stop(self) -> (u128, Vec<Sample>) {
        self.stop.store(true, Ordering::Relaxed);
        (self.baseline, self.handle.join().expect("reader panicked"))
    }
}

fn read(http: &Http, sql: &str) -> Result<u128, String> {
    let text = http.query(sql).map_err(|e| e.to_string())?;
    let t = text.trim();
    t.parse::<u128>()
        .or_else(|_| t.parse::<f64>().map(|f| f as u128))
        .map_err(|_| format!("not a number: {t}"))
}
