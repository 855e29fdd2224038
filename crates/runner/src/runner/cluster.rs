//! The runner on a cluster (`cluster` in `chplan.kdl`, carried by every plan): the hosts of the
//! cluster, the runner's own tables made cluster-wide, and the per-host result of an
//! `ON CLUSTER` statement.
//!
//! ClickHouse answers `ON CLUSTER` DDL with one row per host (`host`, `port`, `status`,
//! `error`, `num_hosts_remaining`, `num_hosts_active`) once every host finished, or fails: with
//! the failing host in the message, or with TIMEOUT_EXCEEDED (159) when some host did not
//! finish within `distributed_ddl_task_timeout`. Then the task's node in ZooKeeper says which
//! hosts did (`<distributed_ddl path>/query-N/finished`), and the others are named.

use crate::client::{Client, ClientError, Request, codes};
use chplan_clickhouse::sql::tokens::tokens;
use chplan_clickhouse::sqltext::{quote_ident, quote_string};

/// One host of the cluster: `host:port` (the native port, as `system.clusters` lists it) and
/// the user the cluster's configuration connects as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    pub address: String,
    pub user: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub name: String,
    /// Every host of every shard, in `system.clusters` order.
    pub hosts: Vec<Host>,
    /// `insert_quorum` for the runner's tables: every host holds a row before its insert
    /// returns.
    quorum: String,
}

impl Cluster {
    /// Reads the cluster's hosts from the server the client talks to.
    pub fn read(client: &Client, name: &str) -> Result<Cluster, String> {
        let rows = client
            .read_rows(
                &format!(
                    "SELECT host_name, port, user FROM system.clusters WHERE cluster = {} \
                     ORDER BY shard_num, replica_num",
                    quote_string(name)
                ),
                &[],
            )
            .map_err(|e| format!("cannot read system.clusters: {e}"))?;
        let hosts: Vec<Host> = rows
            .iter()
            .map(|r| {
                let text = |k: &str| match r.get(k) {
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(v) => v.to_string(),
                    None => String::new(),
                };
                Host {
                    address: format!("{}:{}", text("host_name"), text("port")),
                    user: text("user"),
                }
            })
            .collect();
        if hosts.is_empty() {
            return Err(format!(
                "the plans are for cluster {name}, which the server at {} does not know \
                 (system.clusters has no such cluster): check <remote_servers> in its \
                 configuration, or the server the URL names",
                client.display_url()
            ));
        }
        Ok(Cluster {
            name: name.to_owned(),
            quorum: hosts.len().to_string(),
            hosts,
        })
    }

    /// ` ON CLUSTER `name``, for the runner's own statements.
    pub fn on_cluster(&self) -> String {
        format!(" ON CLUSTER {}", quote_ident(&self.name))
    }

    /// The engine of a runner table: one replicated table shared by every host of every
    /// shard (no `{shard}` in the path), so a runner pointed at any host sees the same journal
    /// and the same claims.
    pub fn engine(&self, database: &str, table: &str) -> String {
        format!(
            "ReplicatedMergeTree({}, '{{shard}}-{{replica}}')",
            quote_string(&format!("/clickhouse/chplan/{database}/{table}"))
        )
    }

    /// Settings of an insert every host must hold before it is acknowledged.
    pub fn quorum_settings(&self) -> [(&str, &str); 2] {
        [
            ("insert_quorum", self.quorum.as_str()),
            ("insert_quorum_timeout", "30000"),
        ]
    }
}

/// Settings of a read that sees every insert acknowledged by a quorum.
pub const CONSISTENT_READ: &[(&str, &str)] = &[("select_sequential_consistency", "1")];

/// One of the runner's own statements: `ON CLUSTER` (with its per-host result checked) on a
/// cluster, plain otherwise.
pub fn run_ddl(client: &Client, cluster: Option<&Cluster>, sql: &str) -> Result<(), ClientError> {
    match cluster {
        Some(_) => run_on_cluster(client, sql, Request::default()),
        None => client.exec(sql, None),
    }
}

/// Whether a statement runs `ON CLUSTER` (the words, outside strings and comments).
pub fn is_on_cluster(sql: &str) -> bool {
    let toks = tokens(sql);
    toks.windows(2)
        .any(|w| w[0].is_word(sql, "ON") && w[1].is_word(sql, "CLUSTER"))
}

/// Runs an `ON CLUSTER` statement and reads its per-host result: `Err` names every host that
/// failed or did not finish. `wait_end_of_query` makes the server answer once, at the end, so
/// an error after the first rows is an error status, never a 200 with an error in the body.
pub fn run_on_cluster(client: &Client, sql: &str, req: Request<'_>) -> Result<(), ClientError> {
    let mut settings: Vec<(&str, &str)> = req.settings.to_vec();
    settings.push(("wait_end_of_query", "1"));
    let result = client.run(
        sql,
        Request {
            settings: &settings,
            ..req
        },
    );
    match result {
        Ok(body) => failed_hosts(&body),
        Err(ClientError::Server {
            code: codes::TIMEOUT_EXCEEDED,
            name,
            message,
            http_status,
        }) => {
            let hosts = task_of(&message)
                .and_then(|task| unfinished_hosts(client, task).ok())
                .filter(|h| !h.is_empty());
            let message = match hosts {
                Some(hosts) => format!(
                    "did not finish on {} within distributed_ddl_task_timeout (the host is down \
                     or slow; it runs the statement when it is back): {message}",
                    hosts.join(", ")
                ),
                None => message,
            };
            Err(ClientError::Server {
                code: codes::TIMEOUT_EXCEEDED,
                name,
                message,
                http_status,
            })
        }
        Err(e) => Err(e),
    }
}

/// The rows of an ON CLUSTER reply (TabSeparated: host, port, status, error, ...): any row
/// with a status other than 0 is a failure on that host.
fn failed_hosts(body: &str) -> Result<(), ClientError> {
    let failed: Vec<String> = body
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            match fields.as_slice() {
                [host, port, status, error, ..] if *status != "0" => {
                    Some(format!("{host}:{port}: {}", unescape_tsv(error)))
                }
                _ => None,
            }
        })
        .collect();
    if failed.is_empty() {
        return Ok(());
    }
    Err(ClientError::Server {
        code: 0,
        name: None,
        message: format!("failed on {}", failed.join("; ")),
        http_status: 200,
    })
}

fn unescape_tsv(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// `/clickhouse/task_queue/ddl/query-0000000002` in a timeout's message.
fn task_of(message: &str) -> Option<&str> {
    let start = message.find("Watching task ")? + "Watching task ".len();
    let rest = &message[start..];
    let end = rest.find(' ').unwrap_or(rest.len());
    Some(&rest[..end])
}

/// The hosts of a distributed DDL task that have not finished it: the task's `hosts` list
/// less its `finished` children (both as the server escapes them, `127%2E0%2E0%2E1:9000`).
pub fn unfinished_hosts(client: &Client, task: &str) -> Result<Vec<String>, ClientError> {
    let (parent, node) = task.rsplit_once('/').unwrap_or(("", task));
    let value = client.read(
        &format!(
            "SELECT value FROM system.zookeeper WHERE path = {} AND name = {} FORMAT TSVRaw",
            quote_string(parent),
            quote_string(node)
        ),
        &[],
    )?;
    let finished = client.read(
        &format!(
            "SELECT name FROM system.zookeeper WHERE path = {} FORMAT TSVRaw",
            quote_string(&format!("{task}/finished"))
        ),
        &[],
    )?;
    let finished: Vec<String> = finished.lines().map(unescape_host).collect();
    Ok(task_hosts(&value)
        .into_iter()
        .filter(|h| !finished.contains(h))
        .collect())
}

/// The `hosts: ['a:1','b:2']` line of a task's value.
fn task_hosts(value: &str) -> Vec<String> {
    let Some(line) = value.lines().find_map(|l| l.strip_prefix("hosts: ")) else {
        return Vec::new();
    };
    line.trim_matches(|c| c == '[' || c == ']')
        .split(',')
        .map(|h| unescape_host(h.trim().trim_matches('\'')))
        .filter(|h| !h.is_empty())
        .collect()
}

/// `127%2E0%2E0%2E1:9000` → `127.0.0.1:9000` (the server escapes `.` and `%` in host names).
fn unescape_host(h: &str) -> String {
    let mut out = String::with_capacity(h.len());
    let bytes = h.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(v) = h
                .get(i + 1..i + 3)
                .and_then(|x| u8::from_str_radix(x, 16).ok())
        {
            out.push(v as char);
            i += 3;
            continue;
        }
        out.push(bytes[i] as char);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_names_its_hosts() {
        let value = "version: 1\nquery: DROP TABLE x ON CLUSTER c\nhosts: ['127%2E0%2E0%2E1:41228','127%2E0%2E0%2E1:31117']\ninitiator: vm:41228\n";
        assert_eq!(
            task_hosts(value),
            vec!["127.0.0.1:41228".to_owned(), "127.0.0.1:31117".to_owned()]
        );
        assert_eq!(
            task_of(
                "Watching task /clickhouse/task_queue/ddl/query-0000000002 is executing longer"
            ),
            Some("/clickhouse/task_queue/ddl/query-0000000002")
        );
    }

    #[test]
    fn a_failed_row_names_its_host() {
        assert!(failed_hosts("127.0.0.1\t9000\t0\t\t1\t1\n127.0.0.1\t9001\t0\t\t0\t0\n").is_ok());
        let e = failed_hosts("127.0.0.1\t9001\t57\tTable x already exists\\n\t0\t0\n").unwrap_err();
        assert!(
            e.to_string()
                .contains("127.0.0.1:9001: Table x already exists"),
            "{e}"
        );
    }
}
