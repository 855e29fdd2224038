#!/usr/bin/env bash
# Starts a real ClickHouse server for the transport tests (tests/transport_server.rs).
#
# Debian's clickhouse-server is version 18.16 (2018): far too old for chplan's DDL, which is
# why the rest of the suite runs on chDB (.ci/setup-clickhouse.sh). It is used only for what
# only a real server shows: authentication errors, exception bodies, query ids, and a second
# connection watching system.processes.
#
# Idempotent: installs the packages if missing, writes its own config under
# target/clickhouse-server/ (never /etc: CI machines and developer machines alike keep theirs),
# starts the server in the background unless the pidfile names a live one, waits for /ping.
# No systemd: the binary is started directly. Needs root (or sudo-less apt) only to install.
#
#   HTTP 127.0.0.1:${CHPLAN_CH_HTTP_PORT:-18123}, TCP 127.0.0.1:${CHPLAN_CH_TCP_PORT:-19000}
#   users: default (no password), chplan / s3cret-pw
#
# `--stop` stops the server this script started.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/target/clickhouse-server"
HTTP_PORT="${CHPLAN_CH_HTTP_PORT:-18123}"
TCP_PORT="${CHPLAN_CH_TCP_PORT:-19000}"
PIDFILE="$DIR/clickhouse-server.pid"
PING="http://127.0.0.1:$HTTP_PORT/ping"

log() { echo "setup-clickhouse-server: $*"; }

running_pid() {
    [ -s "$PIDFILE" ] || return 1
    local pid
    pid="$(cat "$PIDFILE")"
    # A stale pidfile (machine rebooted, pid reused) must not count: check the process is ours.
    [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q clickhouse-server \
        && echo "$pid"
}

pings() { curl -fsS --max-time 2 "$PING" >/dev/null 2>&1; }

if [ "${1:-}" = "--stop" ]; then
    if pid="$(running_pid)"; then
        kill "$pid"
        # The server shuts down for several seconds; its data directory stays locked until it
        # has exited, so a start right after a stop would fail.
        for _ in $(seq 1 60); do
            [ -d "/proc/$pid" ] || break
            sleep 0.5
        done
        log "stopped pid $pid"
    else
        log "not running"
    fi
    exit 0
fi

if pid="$(running_pid)" && pings; then
    log "already running (pid $pid) on 127.0.0.1:$HTTP_PORT"
    exit 0
fi
# Started from another checkout (its own target/): as good, if it has our user.
if pings && curl -fsS --max-time 2 -H 'X-ClickHouse-User: chplan' -H 'X-ClickHouse-Key: s3cret-pw' \
    --data-binary 'SELECT 1' "http://127.0.0.1:$HTTP_PORT/" >/dev/null 2>&1; then
    log "a server with user chplan already answers on 127.0.0.1:$HTTP_PORT; using it"
    exit 0
fi

if ! command -v clickhouse-server >/dev/null && [ ! -x /usr/sbin/clickhouse-server ]; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        log "clickhouse-server is not installed and cannot be (needs root and apt-get)"
        exit 1
    fi
    log "installing clickhouse-server and clickhouse-client (Debian 18.16)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq clickhouse-server clickhouse-client curl </dev/null
fi
command -v curl >/dev/null || {
    log "curl missing: apt-get install -y curl"
    exit 1
}
SERVER="$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)"

# Another process on our ports would answer our tests as if it were this server: refuse.
port_busy() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
for port in "$HTTP_PORT" "$TCP_PORT"; do
    if port_busy "$port"; then
        log "port $port on 127.0.0.1 is in use by another process; set CHPLAN_CH_HTTP_PORT/CHPLAN_CH_TCP_PORT"
        exit 1
    fi
done

mkdir -p "$DIR/data" "$DIR/tmp" "$DIR/log" "$DIR/user_files" "$DIR/format_schemas"
# Written every start, so a change here takes effect on the next run.
cat >"$DIR/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>information</level>
        <log>$DIR/log/clickhouse-server.log</log>
        <errorlog>$DIR/log/clickhouse-server.err.log</errorlog>
        <size>100M</size>
        <count>2</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>$HTTP_PORT</http_port>
    <tcp_port>$TCP_PORT</tcp_port>
    <max_connections>256</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>50</max_concurrent_queries>
    <!-- Small caches: this is a test server on a shared machine. -->
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <mark_cache_size>268435456</mark_cache_size>
    <path>$DIR/data/</path>
    <tmp_path>$DIR/tmp/</tmp_path>
    <user_files_path>$DIR/user_files/</user_files_path>
    <format_schema_path>$DIR/format_schemas/</format_schema_path>
    <users_config>$DIR/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <mlock_executable>false</mlock_executable>
    <!-- The transport tests look up their query ids here. -->
    <query_log>
        <database>system</database>
        <table>query_log</table>
        <partition_by>toYYYYMM(event_date)</partition_by>
        <flush_interval_milliseconds>1000</flush_interval_milliseconds>
    </query_log>
</yandex>
XML
cat >"$DIR/users.xml" <<'XML'
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>2000000000</max_memory_usage>
            <log_queries>1</log_queries>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
        <chplan>
            <password>s3cret-pw</password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </chplan>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
XML

log "starting $SERVER on 127.0.0.1:$HTTP_PORT (data in $DIR)"
# setsid + nohup: the server outlives this script and the CI step's shell; stdin from
# /dev/null so a non-interactive CI runner never blocks on it.
(
    cd "$DIR"
    setsid nohup "$SERVER" --config-file="$DIR/config.xml" --pidfile="$PIDFILE" \
        </dev/null >>"$DIR/log/stdout.log" 2>&1 &
)
for _ in $(seq 1 60); do
    if pings; then
        log "ready: $PING (pid $(cat "$PIDFILE" 2>/dev/null || echo '?'))"
        exit 0
    fi
    sleep 0.5
done
log "no answer on $PING after 30 s; last log lines:"
tail -n 20 "$DIR/log/clickhouse-server.err.log" "$DIR/log/stdout.log" 2>/dev/null || true
exit 1
