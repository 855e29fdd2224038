//! The live test cluster `.ci/setup-cluster.sh` starts: ZooKeeper and two clickhouse-server
//! 18.16 replicas of one shard on 127.0.0.1, described by `target/cluster/cluster.env`.
//!
//! Without that file (or with a replica not answering) a test prints why and passes, except
//! under `CI`, where that is a failure: CI must not go green by skipping them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

pub struct Cluster {
    pub name: String,
    pub replicas: Vec<Replica>,
    root: PathBuf,
}

pub struct Replica {
    pub http: u16,
    /// The native port: how `system.clusters` and ON CLUSTER results name the replica.
    pub tcp: u16,
    pidfile: PathBuf,
}

impl Replica {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.http)
    }

    /// `host:port` as the server names this replica in its messages.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.tcp)
    }

    pub fn query(&self, sql: &str) -> Result<String, String> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let mut resp = agent
            .post(format!("{}/", self.url()))
            .send(sql)
            .map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| e.to_string())?;
        if status == 200 { Ok(body) } else { Err(body) }
    }

    /// A statement that must succeed; its reply.
    pub fn exec(&self, sql: &str) -> String {
        self.query(sql)
            .unwrap_or_else(|e| panic!("{sql} on {}: {e}", self.url()))
    }

    /// `count()` of a query's rows, as a number.
    pub fn count(&self, sql: &str) -> u64 {
        self.exec(sql).trim().parse().unwrap_or(0)
    }

    pub fn pings(&self) -> bool {
        self.query("SELECT 1").is_ok()
    }

    /// Kills the replica's server process (SIGKILL; this suite started it).
    pub fn kill(&self) {
        let pid = std::fs::read_to_string(&self.pidfile).unwrap();
        let pid = pid.trim();
        let status = Command::new("kill").args(["-9", pid]).status().unwrap();
        assert!(status.success(), "kill -9 {pid}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Cluster {
    /// Starts whatever is not running (a killed replica comes back with its data and ports).
    pub fn restart(&self) {
        let out = Command::new(self.root.join(".ci/setup-cluster.sh"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "setup-cluster.sh failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Waits until `check` holds on a replica (replication is asynchronous), for 20 s at most.
    pub fn eventually(&self, what: &str, mut check: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !check() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Drops a test's database on every replica when the test ends, passed or not: a replica
/// restarted later loads every replicated table there is, and the suite keeps that short.
pub struct Dropped<'c> {
    pub cluster: &'c Cluster,
    pub database: String,
}

impl Drop for Dropped<'_> {
    fn drop(&mut self) {
        let sql = format!(
            "DROP DATABASE IF EXISTS `{}` ON CLUSTER `{}`",
            self.database, self.cluster.name
        );
        let _ = self.cluster.replicas[0].query(&sql);
    }
}

/// The cluster, or `None` after saying why not (a failure under `CI`).
pub fn cluster() -> Option<&'static Cluster> {
    static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
    match CLUSTER.get_or_init(read) {
        Ok(c) => Some(c),
        Err(why) => {
            if std::env::var_os("CI").is_some() {
                panic!("the test cluster is not available and CI is set: {why}");
            }
            eprintln!(
                "\n*** SKIPPED: {why} (run .ci/setup-cluster.sh); cluster tests did not run ***\n"
            );
            None
        }
    }
}

/// One test at a time on the cluster: a test kills a replica.
pub fn exclusive() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn read() -> Result<Cluster, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let env_file = root.join("target/cluster/cluster.env");
    let text = std::fs::read_to_string(&env_file)
        .map_err(|e| format!("no test cluster: cannot read {}: {e}", env_file.display()))?;
    let vars: BTreeMap<&str, &str> = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect();
    let var = |k: &str| {
        vars.get(k)
            .map(|v| v.to_string())
            .ok_or_else(|| format!("{} has no {k}", env_file.display()))
    };
    let port = |k: &str| -> Result<u16, String> {
        var(k)?.parse().map_err(|_| format!("{k} is not a port"))
    };
    let mut replicas = Vec::new();
    for n in 1..=2 {
        replicas.push(Replica {
            http: port(&format!("CH{n}_HTTP"))?,
            tcp: port(&format!("CH{n}_TCP"))?,
            pidfile: PathBuf::from(var(&format!("CH{n}_PIDFILE"))?),
        });
    }
    let cluster = Cluster {
        name: var("CLUSTER_NAME")?,
        replicas,
        root,
    };
    for r in &cluster.replicas {
        if !r.pings() {
            // A replica an earlier run killed: bring it back once.
            cluster.restart();
            if !r.pings() {
                return Err(format!("replica {} does not answer", r.url()));
            }
        }
    }
    Ok(cluster)
}
