//! A small ClickHouse HTTP client of the harness's own: every writer, reader and poller has
//! one (its own connection pool), and a failed statement is a value, with the server's error
//! code, never a panic (`support::ClickHouse::query` panics on transport errors).

use std::fmt;
use std::time::Duration;

/// A failed statement: ClickHouse's error code when the server sent one, and its text.
#[derive(Debug, Clone)]
pub struct ChError {
    pub code: Option<u32>,
    pub text: String,
}

impl fmt::Display for ChError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            Some(code) => write!(f, "code {code}: {}", self.text),
            None => write!(f, "{}", self.text),
        }
    }
}

/// Statements against one database of the server.
pub struct Http {
    agent: ureq::Agent,
    url: String,
}

impl Http {
    /// A client for `database` on the server at `url`; unqualified names in its statements
    /// resolve in that database.
    pub fn new(url: &str, database: &str) -> Http {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        Http {
            agent,
            url: format!("{}/?database={database}", url.trim_end_matches('/')),
        }
    }

    /// Runs one statement; its reply body.
    pub fn query(&self, sql: &str) -> Result<String, ChError> {
        let mut resp = self.agent.post(&self.url).send(sql).map_err(|e| ChError {
            code: None,
            text: format!("transport error: {e}"),
        })?;
        let status = resp.status().as_u16();
        let header_code = resp
            .headers()
            .get("X-ClickHouse-Exception-Code")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let body = resp
            .body_mut()
            .with_config()
            .limit(256 << 20)
            .read_to_string()
            .map_err(|e| ChError {
                code: None,
                text: format!("reading the reply failed: {e}"),
            })?;
        if status == 200 {
            return Ok(body);
        }
        Err(ChError {
            code: header_code.or_else(|| body_code(&body)),
            text: format!("HTTP {status}: {}", body.trim()),
        })
    }

    /// Runs one statement, panicking with the server's error if it fails (set-up and checks).
    pub fn exec(&self, sql: &str) -> String {
        self.query(sql)
            .unwrap_or_else(|e| panic!("{sql}\n-> {e}"))
            .trim()
            .to_owned()
    }
}

/// `Code: 60. DB::Exception: ...` → 60.
fn body_code(body: &str) -> Option<u32> {
    let rest = body.trim_start().strip_prefix("Code: ")?;
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// A string literal for SQL.
pub fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}
