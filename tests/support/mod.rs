//! A real ClickHouse engine for integration tests.
//!
//! No ClickHouse server can be installed where the tests run, so each test
//! binary starts `tests/chfront/chfront.py`: chDB (the ClickHouse engine as a
//! library) behind ClickHouse's HTTP interface. Tests talk to it over HTTP
//! exactly as the runner talks to a real server. `.ci/setup-clickhouse.sh`
//! installs chDB; see `tests/chfront/README.md` for what differs from a
//! real server.
//!
//! Use from an integration test with `mod support;`.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

pub mod cli;
pub mod cluster;
pub mod fragments;
pub mod multiquery;
pub mod project;
pub mod pty;

#[allow(unused_imports)]
pub use project::Project;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::Duration;

const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running chfront server.
pub struct ClickHouse {
    url: String,
    agent: ureq::Agent,
    credentials: Option<(String, String)>,
    child: Mutex<Child>,
    // Held, never written: the server exits when this pipe closes, which
    // happens even when the test process dies without running destructors
    // (statics never drop, and a panicking test may abort).
    _stdin: ChildStdin,
    next_database: AtomicU64,
}

/// An HTTP reply, with what tests assert on.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    /// The value of a header, matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The server shared by all tests of this test binary, with its data in a
/// temporary directory that the server removes when it exits.
pub fn clickhouse() -> &'static ClickHouse {
    static SHARED: OnceLock<ClickHouse> = OnceLock::new();
    SHARED.get_or_init(|| {
        let data = tempfile::Builder::new()
            .prefix("chfront-")
            .tempdir()
            .expect("create a temporary data directory")
            .keep();
        ClickHouse::start(&data, None, &["--remove-data-on-exit"])
    })
}

/// The interpreter `.ci/setup-clickhouse.sh` installed chDB into (chfront and
/// `multiquery.py` run on it).
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("CHFRONT_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = std::env::var_os("CHFRONT_VENV").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/chdb-venv"),
        PathBuf::from,
    );
    let python = venv.join("bin/python");
    assert!(
        python.exists(),
        "{} not found: run .ci/setup-clickhouse.sh to install chDB (or set CHFRONT_PYTHON)",
        python.display()
    );
    python
}

impl ClickHouse {
    /// Starts a server of its own on `data` (kept after it stops, so a
    /// second start on the same directory sees the same databases). With a
    /// password, requests must authenticate as `default` with it.
    pub fn start(data: &Path, password: Option<&str>, extra_args: &[&str]) -> ClickHouse {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/chfront/chfront.py");
        let mut cmd = Command::new(python());
        // Relative paths in SQL (a `local_blob_storage` disk's `path = './x/'`) resolve
        // against the server's working directory: keep them inside its data directory.
        cmd.current_dir(data)
            .arg(&script)
            .args(["--host", "127.0.0.1", "--port", "0", "--exit-on-stdin-eof"])
            .arg("--data")
            .arg(data)
            .args(extra_args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(p) = password {
            cmd.args(["--password", p]);
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", script.display()));
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");

        // The server prints one line once it listens; it names the port it
        // chose. Read it on a thread so a hung start hits the timeout.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(START_TIMEOUT).unwrap_or_default();
        let Some(url) = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .map(|u| u.trim_end_matches('/').to_owned())
        else {
            let _ = child.kill();
            panic!(
                "chfront did not start within {START_TIMEOUT:?} (its stderr is above); \
                 is chDB installed? run .ci/setup-clickhouse.sh"
            );
        };

        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(300)))
            .build()
            .into();
        let ch = ClickHouse {
            url,
            agent,
            credentials: password.map(|p| ("default".to_owned(), p.to_owned())),
            child: Mutex::new(child),
            _stdin: stdin,
            next_database: AtomicU64::new(0),
        };
        let ping = ch.agent.get(format!("{}/ping", ch.url)).call();
        match ping {
            Ok(r) if r.status() == 200 => ch,
            other => panic!("chfront at {} does not answer /ping: {other:?}", ch.url),
        }
    }

    /// Base URL, e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Runs one statement; the body of the reply, or its status and body.
    pub fn query(&self, sql: &str) -> Result<String, (u16, String)> {
        let reply = self.request(sql, &[], &[]);
        if reply.status == 200 {
            Ok(reply.body)
        } else {
            Err((reply.status, reply.body))
        }
    }

    /// Runs one statement, panicking with the server's error if it fails.
    pub fn exec(&self, sql: &str) -> String {
        self.query(sql)
            .unwrap_or_else(|(status, body)| panic!("{sql}\n-> HTTP {status}: {body}"))
    }

    /// POSTs `body` with URL parameters and headers of the caller's choice;
    /// the server's credentials are added unless the request carries some.
    pub fn request(&self, body: &str, params: &[(&str, &str)], headers: &[(&str, &str)]) -> Reply {
        let mut req = self.agent.post(format!("{}/", self.url));
        for (k, v) in params {
            req = req.query(*k, *v);
        }
        let has_auth = headers.iter().any(|(n, _)| {
            n.eq_ignore_ascii_case("authorization")
                || n.to_ascii_lowercase().starts_with("x-clickhouse-")
        }) || params.iter().any(|(k, _)| *k == "user" || *k == "password");
        if let (Some((user, password)), false) = (&self.credentials, has_auth) {
            req = req
                .header("X-ClickHouse-User", user)
                .header("X-ClickHouse-Key", password);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut resp = req
            .send(body)
            .unwrap_or_else(|e| panic!("HTTP request to {} failed: {e}", self.url));
        let headers = resp
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        Reply {
            status: resp.status().as_u16(),
            headers,
            body: resp
                .body_mut()
                .with_config()
                .limit(256 << 20)
                .read_to_string()
                .expect("read reply body"),
        }
    }

    /// Creates a database no other test uses, so tests can run in parallel.
    pub fn fresh_database(&self, prefix: &str) -> String {
        let prefix: String = prefix
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let n = self.next_database.fetch_add(1, Ordering::Relaxed);
        let name = format!("{prefix}_{n}");
        self.exec(&format!("CREATE DATABASE `{name}`"));
        name
    }
}

impl Drop for ClickHouse {
    fn drop(&mut self) {
        let child = self.child.get_mut().unwrap_or_else(|e| e.into_inner());
        let _ = child.kill();
        let _ = child.wait();
    }
}
