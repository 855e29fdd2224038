//! The runner's half of an exact backfill (docs/runner.md, "Exact backfills"). The plan's
//! statements do the copying; what cannot be a statement is here: waiting for inserts that
//! started before the feeding view existed, flushing the logs the part choice reads, refusing
//! a choice the logs cannot make exactly, and moving the stage one partition at a time.

use std::thread;
use std::time::{Duration, Instant};

use crate::artifacts::plan::{OpKind, Operation, Plan};
use crate::client::{Client, ClientError, Request};
use chplan_clickhouse::sqltext::{quote_ident, quote_string};

/// How long inserts that were running when the feeding view appeared may take to finish.
const INSERT_WAIT: Duration = Duration::from_secs(600);
const POLL: Duration = Duration::from_millis(100);
/// Partition moves run at once.
const MOVERS: usize = 4;

/// The logs pending operations read that this server does not keep (`<part_log>` or
/// `<query_log>` missing from its configuration): part choices read `system.part_log`; a
/// catch-up keeps to finished inserts and an exchange looks for an earlier attempt, both in
/// `system.query_log`.
pub fn missing_logs(client: &Client, plans: &[&Plan]) -> Result<Vec<&'static str>, ClientError> {
    let kinds: Vec<OpKind> = plans
        .iter()
        .flat_map(|p| &p.operations)
        .map(|op| op.kind)
        .collect();
    let mut needed = Vec::new();
    if kinds
        .iter()
        .any(|k| matches!(k, OpKind::ChooseParts | OpKind::ChooseMissedParts))
    {
        needed.push("part_log");
    }
    if kinds
        .iter()
        .any(|k| matches!(k, OpKind::ChooseMissedParts | OpKind::ExchangeTables))
    {
        needed.push("query_log");
    }
    if needed.is_empty() {
        return Ok(needed);
    }
    // A configured log's table appears with its first flush: a server that has logged
    // nothing yet has none. (Without the privilege the check below still decides.)
    let _ = client.exec("SYSTEM FLUSH LOGS", None);
    let present = client.read(
        "SELECT name FROM system.tables WHERE database = 'system' AND name IN ('part_log', 'query_log')",
        &[],
    )?;
    Ok(needed
        .into_iter()
        .filter(|l| !present.lines().any(|p| p.trim() == *l))
        .collect())
}

/// The list table and the source of a ChooseParts operation, the stage and the target of a
/// MoveParts one (plan.rs documents the order of `objects`).
fn pair(op: &Operation) -> Result<(&str, &str), String> {
    match op.objects.as_slice() {
        [a, b, ..] => Ok((a.as_str(), b.as_str())),
        _ => Err(format!(
            "operation {} names {} object(s); a {:?} operation names two",
            op.id,
            op.objects.len(),
            op.kind
        )),
    }
}

/// Waits until every insert running now has ended: each may have built its pipeline before
/// the last change to the views (`what` says which, for the message). Returns the server's
/// clock (`now64(6)`) read just before: every part committed before it belongs to an insert
/// that has now ended.
pub fn wait_for_inserts(client: &Client, what: &str) -> Result<String, String> {
    let now = client
        .read("SELECT now64(6)", &[])
        .map(|b| b.trim().to_owned())
        .map_err(|e| format!("cannot read the server's clock: {e}"))?;
    let running = |client: &Client| -> Result<Vec<String>, String> {
        client
            .read(
                "SELECT query_id FROM system.processes WHERE query_kind = 'Insert'",
                &[],
            )
            .map(|b| b.lines().map(str::to_owned).collect())
            .map_err(|e| format!("cannot read system.processes: {e}"))
    };
    let before = running(client)?;
    let start = Instant::now();
    loop {
        let now_running = running(client)?;
        if !before.iter().any(|q| now_running.contains(q)) {
            return Ok(now);
        }
        if start.elapsed() > INSERT_WAIT {
            return Err(format!(
                "inserts that were running when {what} are still running after {} s; run \
                 apply again once they have finished",
                INSERT_WAIT.as_secs()
            ));
        }
        thread::sleep(POLL);
    }
}

/// Before a part choice: inserts running now may have started before the feeding view existed
/// (or before the exchange, or the re-created view), so their parts are not all written yet.
/// Waits until each of them has ended and flushes the logs. Returns the moment the choice may
/// look up to (`wait_for_inserts`): a part committed later came from an insert that started
/// after the change, whose logs may lag, and is left to the view.
pub fn settle(client: &Client, op: &Operation) -> Result<String, String> {
    let (_, source) = pair(op)?;
    let settled = wait_for_inserts(client, &format!("the views reading {source} changed"))?;
    flush_logs(client)?;
    Ok(settled)
}

fn flush_logs(client: &Client) -> Result<(), String> {
    client
        .exec("SYSTEM FLUSH LOGS", None)
        .map_err(|e| format!("cannot flush the logs (SYSTEM FLUSH LOGS): {e}"))
}

/// Whether an earlier attempt at this EXCHANGE (query ids `<prefix>...`) finished: exchanging
/// again would swap the tables back.
pub fn already_exchanged(
    client: &Client,
    op: &Operation,
    database: &str,
    prefix: &str,
) -> Result<bool, String> {
    let (target, _) = pair(op)?;
    flush_logs(client)?;
    let body = client
        .read(
            // A front that gives the server its own query ids (tests/chfront) keeps the
            // client's in log_comment.
            "SELECT count() FROM system.query_log \
             WHERE type = 'QueryFinish' AND has(tables, {table:String}) \
               AND (startsWith(query_id, {prefix:String}) OR position(log_comment, {prefix:String}) > 0)",
            &[
                ("prefix", prefix),
                ("table", &format!("{database}.{target}")),
            ],
        )
        .map_err(|e| format!("cannot read system.query_log: {e}"))?;
    Ok(body.trim() != "0")
}

/// `--approximate-backfill` on a server without the logs: every part of the source is chosen,
/// so rows the view also copied are copied twice.
pub fn approximate_choice(op: &Operation, database: &str) -> Result<String, String> {
    let (list, source) = pair(op)?;
    Ok(format!(
        "INSERT INTO {}.{} (part) SELECT name FROM system.parts \
         WHERE database = {} AND table = {} AND active AND rows > 0",
        quote_ident(database),
        quote_ident(list),
        quote_string(database),
        quote_string(source)
    ))
}

/// Runs the MoveParts statement once per partition still in the stage. After a kill, the
/// partitions already moved are gone from the stage, so running it again moves the rest.
pub fn move_partitions(
    client: &Client,
    op: &Operation,
    database: &str,
    query_id: &str,
) -> Result<(), ClientError> {
    let (stage, _) = pair(op).map_err(ClientError::Transport)?;
    // From the parts' metadata, not the rows: a move leaves an empty covering part behind.
    let partitions = client.read(
        "SELECT DISTINCT partition_id FROM system.parts \
         WHERE database = {db:String} AND table = {t:String} AND active AND rows > 0 \
         ORDER BY 1",
        &[("db", database), ("t", stage)],
    )?;
    let partitions: Vec<(usize, &str)> = partitions.lines().enumerate().collect();
    // A move is a rename of part directories: the statements' round trips are most of its
    // time, so a few run at once (the server serialises what must be).
    let next = std::sync::atomic::AtomicUsize::new(0);
    let worker = || -> Result<(), ClientError> {
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some((n, partition)) = partitions.get(i) else {
                return Ok(());
            };
            client.run(
                &op.sql,
                Request {
                    database: Some(database),
                    query_id: Some(&format!("{query_id}-{n}")),
                    params: &[("partition", partition)],
                    ..Request::default()
                },
            )?;
        }
    };
    thread::scope(|scope| {
        let workers: Vec<_> = (0..MOVERS.min(partitions.len()))
            .map(|_| scope.spawn(worker))
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(ClientError::Transport("a move panicked".into())))
            })
            .collect::<Result<Vec<()>, ClientError>>()
    })?;
    Ok(())
}

/// Renames a version about to be dropped out of the way (unless an earlier attempt did), then
/// waits for the inserts still running into it: they may not have reached its views yet, and
/// find them under the new name.
pub fn retire(
    client: &Client,
    op: &Operation,
    database: &str,
    query_id: &str,
) -> Result<(), ClientError> {
    let (name, _) = pair(op).map_err(ClientError::Transport)?;
    let present = client.read(
        "SELECT count() FROM system.tables WHERE database = {db:String} AND name = {t:String}",
        &[("db", database), ("t", name)],
    )?;
    if present.trim() != "0" {
        client.run(
            &op.sql,
            Request {
                database: Some(database),
                query_id: Some(query_id),
                ..Request::default()
            },
        )?;
    }
    wait_for_inserts(client, &format!("{name} was renamed away"))
        .map_err(ClientError::Transport)?;
    Ok(())
}

/// One operation with the runner's halves of the protocol around its statement, outside a
/// journaled apply (`chplan dev` on a local database): waits and flushes before a part
/// choice or an exchange, one move per partition.
pub fn run_once(
    client: &Client,
    op: &Operation,
    database: &str,
    query_id: &str,
) -> Result<(), String> {
    let settled = match op.kind {
        OpKind::ChooseParts | OpKind::ChooseMissedParts => Some(settle(client, op)?),
        OpKind::ExchangeTables => {
            wait_for_inserts(client, "the feeding views were dropped")?;
            None
        }
        OpKind::MoveParts => {
            return move_partitions(client, op, database, query_id).map_err(|e| e.to_string());
        }
        OpKind::RetireTable => {
            return retire(client, op, database, query_id).map_err(|e| e.to_string());
        }
        _ => None,
    };
    let params: Vec<(&str, &str)> = settled.iter().map(|t| ("settled", t.as_str())).collect();
    client
        .run(
            &op.sql,
            Request {
                database: Some(database),
                query_id: Some(query_id),
                params: &params,
                ..Request::default()
            },
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
}
