#!/usr/bin/env python3
"""Regenerates tests/data/pull_corpus.jsonl: the candidate statements of the `chplan pull`
corpus benchmark (scripts/bench-pull, tests/pull_corpus.rs).

From ../shared/corpus/ddl.jsonl (beside the repository), the `create_table` statements whose
ENGINE clause names a non-replicated MergeTree-family engine (MergeTree, ReplacingMergeTree,
SummingMergeTree, AggregatingMergeTree, CollapsingMergeTree, VersionedCollapsingMergeTree),
except those that cannot run on their own by construction: with `{name:Type}` query
parameters, temporary tables, and statements taking their columns or data from elsewhere
(`AS SELECT`, `AS other_table`, `AS table_function()`, `EMPTY AS`, `CLONE AS`: any `AS` at
the top level of the statement). Only `id`, `source_file` and `sql` are kept.

The statements are not run here: which of them run on their own on ClickHouse 26.9 is part
of what the benchmark measures.

Usage: python3 tests/tools/extract_pull_corpus.py [ddl.jsonl] [out.jsonl]
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DDL = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "shared", "corpus", "ddl.jsonl")
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "..", "data", "pull_corpus.jsonl")

ENGINES = {
    "MergeTree",
    "ReplacingMergeTree",
    "SummingMergeTree",
    "AggregatingMergeTree",
    "CollapsingMergeTree",
    "VersionedCollapsingMergeTree",
}


def tokens(sql):
    """(kind, text, depth) for words, quoted names, strings and punctuation; comments skipped."""
    out = []
    i, n, depth = 0, len(sql), 0
    while i < n:
        c = sql[i]
        if c.isspace():
            i += 1
        elif sql.startswith("--", i) or c == "#":
            j = sql.find("\n", i)
            i = n if j < 0 else j + 1
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif c in "'`\"":
            j = i + 1
            while j < n:
                if sql[j] == "\\":
                    j += 2
                    continue
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            out.append(("str" if c == "'" else "name", sql[i:j + 1], depth))
            i = j + 1
        elif c in "([{":
            out.append(("open", c, depth))
            depth += 1
            i += 1
        elif c in ")]}":
            depth = max(depth - 1, 0)
            out.append(("close", c, depth))
            i += 1
        elif c.isalnum() or c == "_":
            j = i
            while j < n and (sql[j].isalnum() or sql[j] == "_"):
                j += 1
            out.append(("word", sql[i:j], depth))
            i = j
        else:
            out.append(("punct", c, depth))
            i += 1
    return out


def engine_of(toks):
    """The engine name of the top-level ENGINE clause, or None."""
    for k, (kind, text, depth) in enumerate(toks):
        if kind == "word" and depth == 0 and text.upper() == "ENGINE":
            rest = toks[k + 1:]
            if rest and rest[0][1] == "=":
                rest = rest[1:]
            if rest and rest[0][0] in ("word", "name"):
                return rest[0][1].strip("`\"")
            return None
    return None


def why_not(row):
    """Why a create_table row is not a candidate, or None."""
    if row.get("query_params"):
        return "query parameters"
    toks = tokens(row["sql"])
    head = [t[1].upper() for t in toks[:4] if t[0] == "word"]
    if "TEMPORARY" in head:
        return "temporary table"
    top = [t[1].upper() for t in toks if t[0] == "word" and t[2] == 0]
    if "AS" in top:
        return "AS (SELECT, other table, table function)"
    if "EMPTY" in top:
        return "EMPTY AS"
    engine = engine_of(toks)
    if engine not in ENGINES:
        return "engine"
    return None


def main():
    kept, skipped = [], {}
    with open(DDL) as f:
        for line in f:
            row = json.loads(line)
            if row["kind"] != "create_table":
                continue
            reason = why_not(row)
            if reason:
                skipped[reason] = skipped.get(reason, 0) + 1
                continue
            kept.append({"id": row["id"], "source_file": row["source_file"], "sql": row["sql"]})
    with open(OUT, "w") as f:
        for row in kept:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(kept)} candidates written to {OUT}")
    for reason, n in sorted(skipped.items(), key=lambda x: -x[1]):
        print(f"  skipped {n}: {reason}")


if __name__ == "__main__":
    main()
