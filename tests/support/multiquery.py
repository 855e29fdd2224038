#!/usr/bin/env python3
"""Runs SQL scripts as clickhouse-client --multiquery runs them, on chDB (ClickHouse's own
statement splitter and engine, in process), and says how many statements ClickHouse executed.

Reads a JSON list of jobs on standard input, each {"setup": SQL, "script": SQL, "checks":
[SQL, ...]}, and runs them in order in one chDB session: the setup first (not counted), then
the script as one multi-statement query, whose number of statements is the rise of
system.events' `Query` counter, less the query that reads it; then each check, whose TSV
result is returned. Prints a JSON list, one {"executed": N, "error": null or "...",
"checks": ["...", ...]} per job. Standard library only, apart from chdb-core.
"""

import json
import shutil
import sys
import tempfile

from chdb import session


def main():
    jobs = json.load(sys.stdin)
    data = tempfile.mkdtemp(prefix="chplan-multiquery-")
    s = session.Session(data)

    def q(sql):
        return s.query(sql, "TSV").bytes().decode()

    def queries():
        return int(q("SELECT value FROM system.events WHERE event = 'Query'").strip() or 0)

    out = []
    try:
        for job in jobs:
            s.query(job["setup"])
            before = queries()
            error = None
            try:
                s.query(job["script"])
            except Exception as e:  # the engine's error, as the client would print it
                error = str(e)
            executed = queries() - before - 1
            out.append({"executed": executed, "error": error,
                        "checks": [q(c) for c in job["checks"]]})
    finally:
        s.close()
        shutil.rmtree(data, ignore_errors=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
