#!/usr/bin/env python3
"""Runs one SQL script as clickhouse-client --multiquery runs it, on chDB (ClickHouse's own
statement splitter and engine, in process), and says how many statements ClickHouse executed.

Usage: multiquery.py SETUP_SQL SCRIPT_FILE [CHECK_SQL ...]
SETUP_SQL runs first (not counted); then the script, as one multi-statement query; the
number of statements is the rise of system.events' `Query` counter, less the query that reads
it. Each CHECK_SQL then runs and its TSV result is returned. Prints one JSON object:
{"executed": N, "error": null or "...", "checks": ["...", ...]}.
Standard library only, apart from chdb-core.
"""

import json
import shutil
import sys
import tempfile

from chdb import session


def main():
    setup, script_file, checks = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(script_file, encoding="utf-8") as f:
        script = f.read()
    data = tempfile.mkdtemp(prefix="chplan-multiquery-")
    s = session.Session(data)

    def q(sql):
        return s.query(sql, "TSV").bytes().decode()

    def queries():
        return int(q("SELECT value FROM system.events WHERE event = 'Query'").strip() or 0)

    error = None
    try:
        s.query(setup)
        before = queries()
        try:
            s.query(script)
        except Exception as e:  # the engine's error, as the client would print it
            error = str(e)
        executed = queries() - before - 1
        out = {"executed": executed, "error": error, "checks": [q(c) for c in checks]}
    finally:
        s.close()
        shutil.rmtree(data, ignore_errors=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
