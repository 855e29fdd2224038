//! A small client for ClickHouse's HTTP interface: one statement per request, typed errors,
//! credentials in headers only.
//!
//! Credentials never travel in the URL (proxies and server logs record URLs) and are never part
//! of anything this type prints: `display_url` masks them, errors carry only the server's text,
//! which ClickHouse writes without the password.

use std::fmt;
use std::sync::OnceLock;
use std::thread;
use std::time::Duration;

/// How long a statement may run. Backfills run inside ClickHouse and can take long; a hung
/// connection still ends.
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(6 * 60 * 60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Retries of idempotent reads after a network error, with this back-off between attempts.
const READ_RETRIES: u32 = 3;
const RETRY_BACKOFF: Duration = Duration::from_millis(500);
/// Replies larger than this are an error, not an out-of-memory.
const BODY_LIMIT: u64 = 256 << 20;

pub use chplan_clickhouse::features::Version;

/// Where to connect and as whom.
#[derive(Clone)]
pub struct Endpoint {
    /// `scheme://host:port` plus any path, without user information.
    base: String,
    user: Option<String>,
    password: Option<String>,
}

impl fmt::Debug for Endpoint {
    // Hand-written so that a `{:?}` anywhere can never print the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("url", &self.display_url())
            .finish()
    }
}

impl Endpoint {
    /// Parses `http(s)://[user[:password]@]host[:port][/path]`. Credentials found in the URL are
    /// moved to headers; `user` (from `--user` or `CLICKHOUSE_USER`) wins over the URL's, and
    /// `password` (from `CLICKHOUSE_PASSWORD`) over the URL's.
    pub fn parse(
        url: &str,
        user: Option<String>,
        password: Option<String>,
    ) -> Result<Endpoint, String> {
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| format!("`{}` is not an http:// or https:// URL", mask_url(url)))?;
        if scheme != "http" && scheme != "https" {
            return Err(format!(
                "`{}`: only http:// and https:// are supported",
                mask_url(url)
            ));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let (userinfo, host) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        if host.is_empty() {
            return Err(format!("`{}` names no host", mask_url(url)));
        }
        let decode = |part: &str, what: &str| {
            percent_decode(part).ok_or_else(|| {
                format!(
                    "`{}`: the {what} in the URL is not valid percent-encoding \
                     (write `%40` for `@`, `%3A` for `:`, `%2F` for `/`, `%25` for `%`)",
                    mask_url(url)
                )
            })
        };
        let (url_user, url_password) = match userinfo {
            Some(u) => match u.split_once(':') {
                Some((name, pass)) => {
                    (Some(decode(name, "user")?), Some(decode(pass, "password")?))
                }
                None => (Some(decode(u, "user")?), None),
            },
            None => (None, None),
        };
        let path = path.trim_end_matches('/');
        Ok(Endpoint {
            base: format!("{scheme}://{host}{path}"),
            user: user.or(url_user).filter(|u| !u.is_empty()),
            password: password.or(url_password),
        })
    }

    /// The URL for messages: the user is shown, a password never (`https://u:***@host`).
    pub fn display_url(&self) -> String {
        let (scheme, rest) = self.base.split_once("://").unwrap_or(("http", &self.base));
        match (&self.user, &self.password) {
            (Some(u), Some(_)) => format!("{scheme}://{u}:***@{rest}"),
            (Some(u), None) => format!("{scheme}://{u}@{rest}"),
            (None, Some(_)) => format!("{scheme}://default:***@{rest}"),
            (None, None) => self.base.clone(),
        }
    }
}

/// `%XX` sequences to the bytes they stand for, as URLs carry user information (RFC 3986
/// 3.2.1): a password with `@`, `:`, `/` or `#` can only be given that way. `None` for a
/// broken `%` sequence or bytes that are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A URL with any password replaced by `***`, for messages about URLs that did not parse.
pub fn mask_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            format!("{scheme}://{user}:***@{host}{path}")
        }
        None => url.to_owned(),
    }
}

/// What went wrong with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// ClickHouse answered with an exception.
    Server {
        code: u32,
        /// The error's name (`UNKNOWN_TABLE`) when the message carries it.
        name: Option<String>,
        message: String,
        http_status: u16,
    },
    /// No usable answer: connection refused, timeout, reset, unreadable body.
    Transport(String),
}

impl ClientError {
    pub fn code(&self) -> Option<u32> {
        match self {
            ClientError::Server { code, .. } => Some(*code),
            ClientError::Transport(_) => None,
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Server {
                code,
                name,
                message,
                ..
            } => match name {
                Some(name) => write!(f, "ClickHouse error {code} ({name}): {message}"),
                None => write!(f, "ClickHouse error {code}: {message}"),
            },
            ClientError::Transport(e) => write!(f, "{e}"),
        }
    }
}

/// ClickHouse error codes the runner reacts to.
pub mod codes {
    pub const UNKNOWN_TABLE: u32 = 60;
    pub const UNKNOWN_DATABASE: u32 = 81;
    /// An ON CLUSTER statement some host did not finish within distributed_ddl_task_timeout.
    pub const TIMEOUT_EXCEEDED: u32 = 159;
}

/// Parses an exception body (`Code: 60. DB::Exception: msg. (UNKNOWN_TABLE) (version x)`),
/// with the code from the `X-ClickHouse-Exception-Code` header when there is one. Anything
/// unexpected is kept whole as the message, never a panic.
pub fn parse_exception(http_status: u16, header_code: Option<&str>, body: &str) -> ClientError {
    let body = body.trim();
    let mut code = header_code.and_then(|c| c.trim().parse::<u32>().ok());
    let mut rest = body;
    if let Some(after) = body.strip_prefix("Code: ") {
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse::<u32>() {
            code.get_or_insert(n);
            rest = after[digits.len()..]
                .trim_start_matches(['.', ','])
                .trim_start();
        }
    }
    // Servers before 19.x wrap the message: `Code: 193, e.displayText() = DB::Exception: ...,
    // e.what() = DB::Exception`.
    rest = rest.strip_prefix("e.displayText() = ").unwrap_or(rest);
    rest = rest
        .strip_suffix(", e.what() = DB::Exception")
        .unwrap_or(rest);
    rest = rest.strip_prefix("DB::Exception: ").unwrap_or(rest);
    // Trailing ` (version 26.9.2.1)` then ` (ERROR_NAME)`.
    if let Some(i) = rest.rfind(" (version ")
        && rest.ends_with(')')
    {
        rest = rest[..i].trim_end();
    }
    let mut name = None;
    if rest.ends_with(')')
        && let Some(i) = rest.rfind(" (")
    {
        let candidate = &rest[i + 2..rest.len() - 1];
        if !candidate.is_empty()
            && candidate
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        {
            name = Some(candidate.to_owned());
            rest = rest[..i].trim_end();
        }
    }
    let message = if rest.is_empty() {
        format!("HTTP {http_status} with an empty body")
    } else {
        rest.to_owned()
    };
    ClientError::Server {
        code: code.unwrap_or(0),
        name,
        message,
        http_status,
    }
}

/// One request's options.
#[derive(Default, Clone, Copy)]
pub struct Request<'a> {
    /// Default database for unqualified names (`database=` parameter).
    pub database: Option<&'a str>,
    /// Sent as `query_id=`, so the statement can be found in `system.processes`.
    pub query_id: Option<&'a str>,
    /// Query parameters, bound to `{name:Type}` placeholders by the server: values of
    /// `String` (and scalar) placeholders, escaped here as the server unescapes them.
    pub params: &'a [(&'a str, &'a str)],
    /// Data after the statement (`INSERT ... FORMAT JSONEachRow` rows); the statement then goes
    /// in the URL.
    pub data: Option<&'a str>,
    /// Safe to send again after a network error: reads, and statements whose repetition
    /// changes nothing.
    pub idempotent: bool,
    /// Settings for this request only (`insert_quorum=2`), sent as URL parameters.
    pub settings: &'a [(&'a str, &'a str)],
}

pub struct Client {
    agent: ureq::Agent,
    endpoint: Endpoint,
    /// `version()`, read once on first use.
    version: OnceLock<Version>,
}

impl Client {
    pub fn new(endpoint: Endpoint) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            // ClickHouse puts its error text in non-2xx bodies: keep them.
            .http_status_as_error(false)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(STATEMENT_TIMEOUT))
            .build()
            .into();
        Client {
            agent,
            endpoint,
            version: OnceLock::new(),
        }
    }

    /// The server's version (`SELECT version()`, read once per client): what SQL the runner
    /// may send (docs/runner.md, "Server versions").
    pub fn server_version(&self) -> Result<Version, ClientError> {
        if let Some(v) = self.version.get() {
            return Ok(*v);
        }
        let text = self.read("SELECT version()", &[])?;
        let v = Version::parse(&text).ok_or_else(|| {
            ClientError::Transport(format!("unreadable server version: {}", text.trim()))
        })?;
        Ok(*self.version.get_or_init(|| v))
    }

    pub fn display_url(&self) -> String {
        self.endpoint.display_url()
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Runs a statement and returns the body of the reply.
    pub fn run(&self, sql: &str, req: Request<'_>) -> Result<String, ClientError> {
        let attempts = if req.idempotent { READ_RETRIES + 1 } else { 1 };
        let mut last = None;
        for attempt in 0..attempts {
            if attempt > 0 {
                thread::sleep(RETRY_BACKOFF * attempt);
            }
            match self.once(sql, req) {
                Err(ClientError::Transport(e)) => last = Some(ClientError::Transport(e)),
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| ClientError::Transport("no attempt made".into())))
    }

    /// A read: retried on network errors.
    pub fn read(&self, sql: &str, params: &[(&str, &str)]) -> Result<String, ClientError> {
        self.run(
            sql,
            Request {
                params,
                idempotent: true,
                ..Request::default()
            },
        )
    }

    /// A read whose rows come back as JSON objects (`FORMAT JSONEachRow` is appended).
    pub fn read_rows(
        &self,
        sql: &str,
        params: &[(&str, &str)],
    ) -> Result<Vec<serde_json::Map<String, serde_json::Value>>, ClientError> {
        let body = self.read(&format!("{sql}\nFORMAT JSONEachRow"), params)?;
        parse_rows(&body)
    }

    /// [`Client::read_rows`] with settings for this request (`select_sequential_consistency`).
    pub fn read_rows_with(
        &self,
        sql: &str,
        settings: &[(&str, &str)],
    ) -> Result<Vec<serde_json::Map<String, serde_json::Value>>, ClientError> {
        let body = self.run(
            &format!("{sql}\nFORMAT JSONEachRow"),
            Request {
                settings,
                idempotent: true,
                ..Request::default()
            },
        )?;
        parse_rows(&body)
    }

    /// A statement that changes something: sent once, never retried.
    pub fn exec(&self, sql: &str, query_id: Option<&str>) -> Result<(), ClientError> {
        self.run(
            sql,
            Request {
                query_id,
                ..Request::default()
            },
        )
        .map(drop)
    }

    /// `INSERT INTO {table} FORMAT JSONEachRow` with the given rows: values travel as JSON,
    /// so nothing needs quoting.
    pub fn insert_json(&self, table: &str, rows: &[serde_json::Value]) -> Result<(), ClientError> {
        let data: String = rows.iter().map(|r| format!("{r}\n")).collect();
        self.run(
            &format!("INSERT INTO {table} FORMAT JSONEachRow"),
            Request {
                data: Some(&data),
                ..Request::default()
            },
        )
        .map(drop)
    }

    fn once(&self, sql: &str, req: Request<'_>) -> Result<String, ClientError> {
        let mut r = self.agent.post(format!("{}/", self.endpoint.base));
        if let Some(db) = req.database {
            r = r.query("database", db);
        }
        if let Some(id) = req.query_id {
            r = r.query("query_id", id);
        }
        for (name, value) in req.params {
            r = r.query(format!("param_{name}"), escape_param(value));
        }
        for (name, value) in req.settings {
            r = r.query(*name, *value);
        }
        if let Some(user) = &self.endpoint.user {
            r = r.header("X-ClickHouse-User", user);
        }
        if let Some(password) = &self.endpoint.password {
            r = r.header("X-ClickHouse-Key", password);
        }
        let body = match req.data {
            Some(data) => {
                r = r.query("query", sql);
                data.to_owned()
            }
            None => sql.to_owned(),
        };
        let mut resp = r.send(body).map_err(|e| self.transport(&e))?;
        let status = resp.status().as_u16();
        let header_code = resp
            .headers()
            .get("X-ClickHouse-Exception-Code")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = resp
            .body_mut()
            .with_config()
            .limit(BODY_LIMIT)
            .read_to_vec()
            .map_err(|e| self.transport(&e))?;
        let text = body_text(bytes);
        // A statement can fail after the 200 header was sent (an exception while streaming);
        // ClickHouse then sets the exception-code header or appends the exception to the body.
        if status != 200 || header_code.is_some() {
            return Err(parse_exception(status, header_code.as_deref(), &text));
        }
        Ok(text)
    }
}

fn parse_rows(body: &str) -> Result<Vec<serde_json::Map<String, serde_json::Value>>, ClientError> {
    body.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l).map_err(|e| {
                ClientError::Transport(format!("unreadable row from the server ({e}): {l}"))
            })
        })
        .collect()
}

/// A query parameter's value as the server reads it back: with the escaping of a TSV field
/// (`deserializeTextEscaped`), which ends the value at a raw tab or newline and turns `\'`
/// into `'`. Only these three bytes need escaping; everything else stands for itself.
fn escape_param(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A reply as text. ClickHouse sends names and strings as the bytes they are, which need
/// not be UTF-8 (a column named `` `\xFF` ``): those bytes become U+FFFD instead of failing
/// the whole read, and whoever reads the text can tell (`live::to_state` reports them).
fn body_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

impl Client {
    /// A network failure as a sentence that names the server and what went wrong with it, so
    /// `cannot read the journal: …` says what could not be reached.
    fn transport(&self, e: &ureq::Error) -> ClientError {
        let url = self.endpoint.display_url();
        let what = match e {
            ureq::Error::HostNotFound => format!("the host of {url} was not found"),
            ureq::Error::ConnectionFailed => format!("cannot connect to ClickHouse at {url}"),
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
                format!(
                    "cannot connect to ClickHouse at {url} (connection refused: is the server running, and is the port right?)"
                )
            }
            ureq::Error::Timeout(_) => format!("ClickHouse at {url} did not answer in time"),
            _ => format!("the connection to ClickHouse at {url} failed"),
        };
        ClientError::Transport(format!("{what}: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_that_are_not_utf8_are_read() {
        assert_eq!(body_text(b"{\"name\":\"a\"}".to_vec()), "{\"name\":\"a\"}");
        assert_eq!(body_text(b"col_\xFF\x00x".to_vec()), "col_\u{FFFD}\u{0}x");
    }

    #[test]
    fn old_servers_wrapped_messages_are_unwrapped() {
        let e = parse_exception(
            401,
            None,
            "Code: 193, e.displayText() = DB::Exception: Wrong password for user chplan, e.what() = DB::Exception\n",
        );
        assert!(!e.to_string().contains("e.displayText"), "{e}");
        assert!(
            e.to_string().contains("Wrong password for user chplan"),
            "{e}"
        );
    }

    #[test]
    fn exception_bodies_parse_into_code_name_and_message() {
        let e = parse_exception(
            404,
            Some("60"),
            "Code: 60. DB::Exception: Unknown table expression identifier 'x' in scope SELECT * FROM x. (UNKNOWN_TABLE) (version 26.9.2.1)\n",
        );
        assert_eq!(
            e,
            ClientError::Server {
                code: 60,
                name: Some("UNKNOWN_TABLE".into()),
                message: "Unknown table expression identifier 'x' in scope SELECT * FROM x.".into(),
                http_status: 404
            }
        );
        let e = parse_exception(500, None, "Code: 62. DB::Exception: Syntax error");
        assert_eq!(e.code(), Some(62));
        let e = parse_exception(502, None, "<html>bad gateway</html>");
        assert!(
            matches!(e, ClientError::Server { code: 0, ref message, .. } if message == "<html>bad gateway</html>")
        );
        let e = parse_exception(500, Some("x"), "");
        assert_eq!(e.code(), Some(0));
    }

    #[test]
    fn credentials_leave_the_url_and_are_masked() {
        let e = Endpoint::parse("https://bob:s3cret@host:8443/", None, None).unwrap();
        assert_eq!(e.base, "https://host:8443");
        assert_eq!(e.display_url(), "https://bob:***@host:8443");
        assert!(!format!("{e:?}").contains("s3cret"));
        let e = Endpoint::parse("http://h:8123", Some("u".into()), Some("p".into())).unwrap();
        assert_eq!(e.display_url(), "http://u:***@h:8123");
        assert_eq!(
            mask_url("ftp://a:b@c/d"),
            "ftp://a:***@c/d",
            "even unusable URLs are masked"
        );
        assert!(Endpoint::parse("ftp://a:b@c", None, None).is_err_and(|m| !m.contains(":b@")));
    }

    #[test]
    fn url_credentials_are_percent_decoded() {
        let e = Endpoint::parse(
            "http://de%70loy:S3cr3t%21%40%3A%2F%23%25%C3%A9@host:8123",
            None,
            None,
        )
        .unwrap();
        assert_eq!(e.user.as_deref(), Some("deploy"));
        assert_eq!(e.password.as_deref(), Some("S3cr3t!@:/#%é"));
        assert_eq!(e.base, "http://host:8123");
        // `@` left raw in the password still splits at the last `@`.
        let e = Endpoint::parse("http://u:a@b@host", None, None).unwrap();
        assert_eq!(e.password.as_deref(), Some("a@b"));
        for broken in [
            "http://u:50%@h",
            "http://u:%zz@h",
            "http://u:%FF@h",
            "http://%4@h",
        ] {
            let err = Endpoint::parse(broken, None, None).unwrap_err();
            assert!(err.contains("percent-encoding"), "{broken}: {err}");
            assert!(
                !err.contains("%zz") && !err.contains("50%"),
                "password shown: {err}"
            );
        }
    }
}
