#!/usr/bin/env python3
"""Regenerates tests/data/column_types.txt: the canonical column types ClickHouse prints.

The oracle is the real ClickHouse engine packaged as chDB (`pip install chdb-core==26.9.0`).
Every `create_table` statement of ../shared/corpus/ddl.jsonl (beside the repository) is run in one chDB session with
default settings (so nothing "suspicious" gets in: the parser under test validates against the
defaults). A statement that fails for an environment reason (missing cluster, ZooKeeper, S3, a
table it selects from...) is retried once with its engine clause replaced by `ENGINE = Memory`,
since only the column types matter here. Whatever still fails is skipped.

After each statement the types in `system.columns` are collected and the created tables dropped.

Some statements create columns that a plain column declaration refuses under default settings
(`LowCardinality(UInt64)` from `CREATE TABLE ... AS SELECT` or a per-statement setting): every
collected type is re-checked as the only column of a fresh Memory table and kept only if accepted,
so the file matches what `parse_type` (default settings) must accept.

Usage: python3 tests/tools/extract_column_types.py [ddl.jsonl] [out.txt]
       python3 tests/tools/extract_column_types.py --recheck [out.txt]   (re-filter an existing file)
"""
import json
import os
import re
import sys
import tempfile

import chdb
from chdb import session

RECHECK = len(sys.argv) > 1 and sys.argv[1] == "--recheck"
ARGS = sys.argv[2:] if RECHECK else sys.argv[1:]
DDL = "" if RECHECK else (ARGS[0] if ARGS else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "corpus", "ddl.jsonl"))
OUT = (ARGS[0] if RECHECK and ARGS else ARGS[1] if len(ARGS) > 1 else "tests/data/column_types.txt")

USER_DBS = "database NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema')"
ENGINE_RE = re.compile(r"\)\s*ENGINE\s*=", re.IGNORECASE)
DB_RE = re.compile(r"Database (\w+) does not exist")
# Engines and table functions that reach out to the network at CREATE time: chDB would wait on
# connect timeouts, so these statements go straight to the `ENGINE = Memory` fallback.
NETWORK_RE = re.compile(
    r"\b(URL|S3|S3Queue|Kafka|MySQL|PostgreSQL|MaterializedPostgreSQL|HDFS|MongoDB|Redis|RabbitMQ"
    r"|NATS|ODBC|JDBC|AzureBlobStorage|AzureQueue|DeltaLake|Iceberg\w*|Hudi|remote|remoteSecure"
    r"|\w*cluster\w*|ExternalDistributed|YTsaurus|ArrowFlight|Executable\w*|disk)\s*\("
    # Local engines that can block on a lock or a file left by an earlier statement.
    r"|ENGINE\s*=\s*(EmbeddedRocksDB|File|FuzzJSON|FileLog|KeeperMap)\b",
    re.IGNORECASE,
)


def rows(sess, sql):
    text = sess.query(sql, "TSVRaw").bytes().decode()
    return [line.split("\t") for line in text.splitlines() if line]


def run(sess, sql):
    """Runs one DDL statement, creating a missing database once; returns the error or None."""
    for _ in range(3):
        try:
            sess.query(sql)
            return None
        except Exception as err:  # chDB raises a plain RuntimeError with ClickHouse's message
            missing = DB_RE.search(str(err))
            if not missing:
                return str(err)
            sess.query(f"CREATE DATABASE IF NOT EXISTS {missing.group(1)}")
    return "database still missing"


def with_memory_engine(sql):
    match = ENGINE_RE.search(sql)
    if not match:
        return None
    return sql[: match.start() + 1] + " ENGINE = Memory"


def accepted_as_column(sess, types):
    """The types a single-column CREATE TABLE accepts under default settings."""
    sess.query("CREATE DATABASE IF NOT EXISTS oracle_recheck")
    kept = []
    for ty in sorted(types):
        try:
            sess.query("DROP TABLE IF EXISTS oracle_recheck.t")
            sess.query(f"CREATE TABLE oracle_recheck.t (c {ty}) ENGINE = Memory")
            got = rows(sess, "SELECT type FROM system.columns WHERE database = 'oracle_recheck'")
            if got and got[0][0] == ty:
                kept.append(ty)
        except Exception:
            pass
    sess.query("DROP DATABASE oracle_recheck")
    return kept


def write(out_path, header, types):
    with open(out_path, "w", encoding="utf-8") as out:
        out.write(header)
        for ty in types:
            # An enum name with a newline is printed escaped, so a type is always one line.
            if "\n" not in ty:
                out.write(ty + "\n")


def recheck():
    sess = session.Session(tempfile.mkdtemp(prefix="chdb-recheck-"))
    with open(OUT, encoding="utf-8") as f:
        lines = f.read().splitlines()
    header = "".join(l + "\n" for l in lines if l.startswith("#"))
    types = [l for l in lines if l and not l.startswith("#")]
    kept = accepted_as_column(sess, types)
    write(OUT, header, kept)
    print(f"kept {len(kept)} of {len(types)} types -> {OUT}")


def main():
    if RECHECK:
        recheck()
        return
    tmp = tempfile.mkdtemp(prefix="chdb-extract-")
    sess = session.Session(tmp)
    sess.query("CREATE DATABASE IF NOT EXISTS test_db")
    types = set()
    total = created = 0
    with open(DDL, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row.get("kind") != "create_table" or row.get("query_params"):
                continue
            total += 1
            if total % 500 == 0:
                print(f"{total} statements, {len(types)} types", flush=True)
            sql = row["sql"]
            with open("/tmp/extract_column_types.current", "w") as cur:
                cur.write(f"{row['id']}\n")
            err = "network" if NETWORK_RE.search(sql) else run(sess, sql)
            if err is not None:
                fallback = with_memory_engine(sql)
                if fallback is None or run(sess, fallback) is not None:
                    continue
            created += 1
            for (ty,) in rows(sess, f"SELECT DISTINCT type FROM system.columns WHERE {USER_DBS}"):
                types.add(ty)
            for db, name in rows(sess, f"SELECT database, name FROM system.tables WHERE {USER_DBS}"):
                try:
                    sess.query(f"DROP TABLE IF EXISTS `{db}`.`{name}` SYNC")
                except Exception:
                    pass
    version = rows(sess, "SELECT version()")[0][0]
    kept = accepted_as_column(sess, types)
    header = (
        f"# Canonical ClickHouse column types (system.columns.type), chDB {chdb.__version__}"
        f" (ClickHouse {version}).\n"
        f"# Generated by tests/tools/extract_column_types.py from the create_table rows of"
        f" shared/corpus/ddl.jsonl ({created} of {total} statements created a table); only types"
        f" a single-column CREATE TABLE accepts under default settings are kept.\n"
    )
    write(OUT, header, kept)
    print(f"{created}/{total} statements created tables; {len(kept)} of {len(types)} types -> {OUT}")

if __name__ == "__main__":
    main()
