#!/usr/bin/env bash
# Installs the ClickHouse engine the integration tests run against: chDB
# (ClickHouse as an in-process Python library), served over HTTP by
# tests/chfront/chfront.py. No server binary can be downloaded where the
# project runs, but PyPI is reachable, so the engine comes from there.
#
# Idempotent and quick when already done. The venv lives under target/ so it
# is git-ignored and `cargo clean` is the way to drop it. tests/support finds
# the interpreter at the same path (or at $CHFRONT_PYTHON).
set -euo pipefail

CHDB_VERSION="26.9.0"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${CHFRONT_VENV:-$ROOT/target/chdb-venv}"
PY="$VENV/bin/python"

log() { echo "setup-clickhouse: $*"; }

installed_version() {
    [ -x "$PY" ] || return 1
    "$PY" - <<'PY' 2>/dev/null
import importlib.metadata as m
print(m.version("chdb-core"))
PY
}

if [ "$(installed_version || true)" = "$CHDB_VERSION" ]; then
    log "chdb-core $CHDB_VERSION already installed in $VENV"
    exit 0
fi

HOST_PY="${PYTHON:-python3}"
command -v "$HOST_PY" >/dev/null || { log "no $HOST_PY on PATH"; exit 1; }

# A venv whose creation failed halfway has a python but no pip: redo it.
if ! "$PY" -m pip --version >/dev/null 2>&1; then
    log "creating venv $VENV with $($HOST_PY --version 2>&1)"
    rm -rf "$VENV"
    mkdir -p "$(dirname "$VENV")"
    if ! "$HOST_PY" -m venv "$VENV" >/dev/null 2>&1; then
        # Debian's python3 ships venv separately (python3-venv); fall back
        # to it rather than failing on a fresh machine.
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            log "python venv module missing; installing python3-venv"
            DEBIAN_FRONTEND=noninteractive apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
            rm -rf "$VENV"
            "$HOST_PY" -m venv "$VENV"
        else
            log "cannot create a venv: install python3-venv"; exit 1
        fi
    fi
fi

log "installing chdb-core==$CHDB_VERSION into $VENV"
# --no-deps: chdb-core pulls in numpy, pandas and pyarrow (~330 MB) for
# its DataFrame/Arrow Python APIs; chfront only moves bytes.
"$PY" -m pip install --disable-pip-version-check --no-input --quiet --no-deps \
    "chdb-core==$CHDB_VERSION"
log "installed chdb-core $(installed_version)"
