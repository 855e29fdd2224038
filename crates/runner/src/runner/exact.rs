//! The runner's half of an exact backfill (docs/runner.md, "Exact backfills"). The plan's
//! statements do the copying; what cannot be a statement is here: waiting for inserts that
//! started before the feeding view existed, flushing the logs the part choice reads, refusing
//! a choice the logs cannot make exactly, and moving the stage one partition at a time.

use std::thread;
use std::time::{Duration, Instant};

use crate::artifacts::plan::{OpKind, Operation, Plan};
use crate::client::{Client, ClientError, Request};
use chplan_clickhouse::sqltext::{quote_ident, quote_string};

/// The system tables the part choice reads.
pub const LOGS: [&str; 2] = ["part_log", "query_log"];

/// How long inserts that were running when the feeding view appeared may take to finish.
const INSERT_WAIT: Duration = Duration::from_secs(600);
const POLL: Duration = Duration::from_millis(100);

/// The logs of `LOGS` this server does not keep (`<part_log>`/`<query_log>` missing from its
/// configuration), when some pending plan chooses parts.
pub fn missing_logs(client: &Client, plans: &[&Plan]) -> Result<Vec<&'static str>, ClientError> {
    let chooses = plans.iter().flat_map(|p| &p.operations).any(|op| {
        matches!(
            op.kind,
            OpKind::ChooseParts | OpKind::ChooseMissedParts | OpKind::ExchangeTables
        )
    });
    if !chooses {
        return Ok(Vec::new());
    }
    let present = client.read(
        "SELECT name FROM system.tables WHERE database = 'system' AND name IN ('part_log', 'query_log')",
        &[],
    )?;
    Ok(LOGS
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
/// the last change to the views (`what` says which, for the message).
pub fn wait_for_inserts(client: &Client, what: &str) -> Result<(), String> {
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
        let now = running(client)?;
        if !before.iter().any(|q| now.contains(q)) {
            return Ok(());
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

/// Before a part choice: every insert running now may have started before the feeding view
/// existed (or, for the catch-up after an exchange, before the exchange), so its parts are
/// not all written yet. Wait until each of them has ended; the logs then hold every part and
/// the views each insert went through.
pub fn settle(client: &Client, op: &Operation, database: &str) -> Result<(), String> {
    let (_, source) = pair(op)?;
    wait_for_inserts(client, &format!("the views reading {source} changed"))?;
    client
        .exec("SYSTEM FLUSH LOGS", None)
        .map_err(|e| format!("cannot flush the logs (SYSTEM FLUSH LOGS): {e}"))?;
    let unlogged = unlogged_parts(client, database, source)
        .map_err(|e| format!("cannot read system.part_log: {e}"))?;
    if !unlogged.is_empty() {
        return Err(format!(
            "{} part(s) of {source} were written by inserts that system.query_log does not \
             record ({}): which views they went through is unknown, so the copy cannot be \
             exact. Turn on log_queries for every writer, or run apply with \
             --approximate-backfill to copy every part",
            unlogged.len(),
            unlogged.join(", ")
        ));
    }
    Ok(())
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
    client
        .exec("SYSTEM FLUSH LOGS", None)
        .map_err(|e| format!("cannot flush the logs (SYSTEM FLUSH LOGS): {e}"))?;
    let body = client
        .read(
            "SELECT count() FROM system.query_log \
             WHERE type = 'QueryFinish' AND startsWith(query_id, {prefix:String}) \
               AND has(tables, {table:String})",
            &[
                ("prefix", prefix),
                ("table", &format!("{database}.{target}")),
            ],
        )
        .map_err(|e| format!("cannot read system.query_log: {e}"))?;
    Ok(body.trim() != "0")
}

/// Active parts of `source` that an insert wrote (part_log) but that query_log does not know.
fn unlogged_parts(
    client: &Client,
    database: &str,
    source: &str,
) -> Result<Vec<String>, ClientError> {
    let body = client.read(
        "SELECT name FROM system.parts \
         WHERE database = {db:String} AND table = {t:String} AND active AND rows > 0 \
         AND name IN (\
           SELECT part_name FROM system.part_log \
           WHERE event_type = 'NewPart' AND database = {db:String} AND table = {t:String} \
             AND (SELECT uuid FROM system.tables WHERE database = {db:String} AND name = {t:String}) \
                 IN (table_uuid, toUUID('00000000-0000-0000-0000-000000000000')) \
             AND query_id NOT IN (SELECT query_id FROM system.query_log WHERE query_kind = 'Insert')) \
         ORDER BY name",
        &[("db", database), ("t", source)],
    )?;
    Ok(body.lines().map(str::to_owned).collect())
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
    let partitions = client.read(
        &format!(
            "SELECT DISTINCT _partition_id FROM {}.{} ORDER BY 1",
            quote_ident(database),
            quote_ident(stage)
        ),
        &[],
    )?;
    for (n, partition) in partitions.lines().enumerate() {
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
    match op.kind {
        OpKind::ChooseParts | OpKind::ChooseMissedParts => settle(client, op, database)?,
        OpKind::ExchangeTables => wait_for_inserts(client, "the feeding views were dropped")?,
        OpKind::MoveParts => {
            return move_partitions(client, op, database, query_id).map_err(|e| e.to_string());
        }
        _ => {}
    }
    client
        .run(
            &op.sql,
            Request {
                database: Some(database),
                query_id: Some(query_id),
                ..Request::default()
            },
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
}
