#!/usr/bin/env bash
# Starts a real ClickHouse cluster for tests/cluster.rs: one ZooKeeper and two Debian
# clickhouse-server 18.16 instances on 127.0.0.1, one cluster `chplan_test` of one shard with
# two replicas, `<macros>` {shard}/{replica} and `<distributed_ddl>` for ON CLUSTER.
#
# Why 18.16: it is the only ClickHouse server Debian packages (chDB, the suite's modern engine,
# has no ZooKeeper and no distributed DDL worker). Why ZooKeeper: Replicated engines and ON
# CLUSTER need it; Debian's `zookeeper` package is the Java server, started here directly.
#
# Idempotent: installs the packages if missing, keeps the ports of an earlier start
# (target/cluster/cluster.env) while they are free or ours, starts whatever is not running (a
# replica a test killed comes back with its data), and waits until every node answers. Config and
# data live under target/cluster/, never /etc. No systemd.
#
# target/cluster/cluster.env (sourced by shell, parsed by tests/support/cluster.rs):
#   CLUSTER_NAME, ZK_PORT, CH1_HTTP, CH1_TCP, CH1_PIDFILE, CH2_HTTP, CH2_TCP, CH2_PIDFILE
#
# `--stop` stops everything this script started.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/target/cluster"
ENV_FILE="$DIR/cluster.env"
CLUSTER_NAME=chplan_test
ZK_HOME=/usr/share/zookeeper

log() { echo "setup-cluster: $*"; }

# pid in $1's pidfile, if that process is alive and its command line contains $2.
running_pid() {
    [ -s "$1" ] || return 1
    local pid
    pid="$(cat "$1")"
    [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$2" \
        && echo "$pid"
}

stop_one() { # pidfile, pattern
    local pid
    if pid="$(running_pid "$1" "$2")"; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 60); do
            [ -d "/proc/$pid" ] || break
            sleep 0.25
        done
        kill -9 "$pid" 2>/dev/null || true
        log "stopped pid $pid ($(basename "$1" .pid))"
    fi
}

if [ "${1:-}" = "--stop" ]; then
    for n in 1 2; do
        stop_one "$DIR/ch$n/clickhouse-server.pid" "$DIR/ch$n/config.xml"
    done
    stop_one "$DIR/zookeeper/zookeeper.pid" "$DIR/zookeeper/zoo.cfg"
    exit 0
fi

need_install=()
[ -d "$ZK_HOME" ] || need_install+=(zookeeper)
command -v java >/dev/null || need_install+=(default-jre-headless)
[ -x /usr/sbin/clickhouse-server ] || command -v clickhouse-server >/dev/null \
    || need_install+=(clickhouse-server clickhouse-client)
command -v curl >/dev/null || need_install+=(curl)
if [ "${#need_install[@]}" -gt 0 ]; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        log "missing ${need_install[*]} and cannot install them (needs root and apt-get)"
        exit 1
    fi
    log "installing ${need_install[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_install[@]}" </dev/null >/dev/null
fi
SERVER="$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)"

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
declare -A TAKEN=()
free_port() {
    local p
    for _ in $(seq 1 200); do
        p=$((20000 + RANDOM % 30000))
        if [ -z "${TAKEN[$p]:-}" ] && ! port_busy "$p"; then
            TAKEN[$p]=1
            echo "$p"
            return 0
        fi
    done
    log "no free port found"
    return 1
}

mkdir -p "$DIR"
# Ports of an earlier start are kept: a restarted replica must come back where the cluster's
# configuration (and ZooKeeper's replica records) say it is.
if [ -s "$ENV_FILE" ]; then
    # shellcheck disable=SC1090
    source "$ENV_FILE"
fi
for var in ZK_PORT CH1_HTTP CH1_TCP CH1_INTER CH2_HTTP CH2_TCP CH2_INTER; do
    if [ -z "${!var:-}" ]; then
        printf -v "$var" '%s' "$(free_port)"
    fi
    TAKEN[${!var}]=1
done

write_env() {
    cat >"$ENV_FILE.tmp" <<ENV
CLUSTER_NAME=$CLUSTER_NAME
ZK_PORT=$ZK_PORT
CH1_HTTP=$CH1_HTTP
CH1_TCP=$CH1_TCP
CH1_INTER=$CH1_INTER
CH1_PIDFILE=$DIR/ch1/clickhouse-server.pid
CH2_HTTP=$CH2_HTTP
CH2_TCP=$CH2_TCP
CH2_INTER=$CH2_INTER
CH2_PIDFILE=$DIR/ch2/clickhouse-server.pid
ENV
    mv "$ENV_FILE.tmp" "$ENV_FILE"
}

# ---- ZooKeeper ------------------------------------------------------------------------------
ZK_DIR="$DIR/zookeeper"
zk_ok() { [ "$(echo ruok | timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$ZK_PORT; cat >&3; cat <&3" 2>/dev/null)" = imok ]; }
if ! running_pid "$ZK_DIR/zookeeper.pid" "$ZK_DIR/zoo.cfg" >/dev/null; then
    if port_busy "$ZK_PORT"; then
        log "port $ZK_PORT is taken by another process; remove $ENV_FILE to choose new ports"
        exit 1
    fi
    mkdir -p "$ZK_DIR/data" "$ZK_DIR/log"
    cat >"$ZK_DIR/zoo.cfg" <<CFG
tickTime=500
initLimit=10
syncLimit=5
dataDir=$ZK_DIR/data
clientPort=$ZK_PORT
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=ruok,stat
maxClientCnxns=200
CFG
    CP="$(find "$ZK_HOME" /usr/share/java -maxdepth 2 -name '*.jar' 2>/dev/null | tr '\n' ':')"
    log "starting ZooKeeper on 127.0.0.1:$ZK_PORT"
    (
        cd "$ZK_DIR"
        setsid nohup java -Xmx256m -Dzookeeper.log.dir="$ZK_DIR/log" \
            -Dzookeeper.root.logger=WARN,CONSOLE -cp "$CP:/etc/zookeeper/conf" \
            org.apache.zookeeper.server.quorum.QuorumPeerMain "$ZK_DIR/zoo.cfg" \
            </dev/null >>"$ZK_DIR/log/stdout.log" 2>&1 &
        echo $! >"$ZK_DIR/zookeeper.pid"
    )
fi
for _ in $(seq 1 120); do
    zk_ok && break
    sleep 0.25
done
if ! zk_ok; then
    log "ZooKeeper does not answer on 127.0.0.1:$ZK_PORT; last log lines:"
    tail -n 20 "$ZK_DIR/log/stdout.log" || true
    exit 1
fi
write_env

# ---- ClickHouse replicas --------------------------------------------------------------------
replica_xml() {
    cat <<XML
                <replica><host>127.0.0.1</host><port>$CH1_TCP</port></replica>
                <replica><host>127.0.0.1</host><port>$CH2_TCP</port></replica>
XML
}

start_replica() { # n http tcp interserver
    local n="$1" http="$2" tcp="$3" inter="$4" d="$DIR/ch$1"
    if running_pid "$d/clickhouse-server.pid" "$d/config.xml" >/dev/null; then
        return 0
    fi
    for port in "$http" "$tcp" "$inter"; do
        if port_busy "$port"; then
            log "port $port is taken by another process; remove $ENV_FILE to choose new ports"
            exit 1
        fi
    done
    mkdir -p "$d/data" "$d/tmp" "$d/log" "$d/user_files" "$d/format_schemas"
    cat >"$d/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>information</level>
        <log>$d/log/clickhouse-server.log</log>
        <errorlog>$d/log/clickhouse-server.err.log</errorlog>
        <size>50M</size>
        <count>2</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>$http</http_port>
    <tcp_port>$tcp</tcp_port>
    <interserver_http_port>$inter</interserver_http_port>
    <interserver_http_host>127.0.0.1</interserver_http_host>
    <max_connections>256</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>50</max_concurrent_queries>
    <uncompressed_cache_size>134217728</uncompressed_cache_size>
    <mark_cache_size>134217728</mark_cache_size>
    <path>$d/data/</path>
    <tmp_path>$d/tmp/</tmp_path>
    <user_files_path>$d/user_files/</user_files_path>
    <format_schema_path>$d/format_schemas/</format_schema_path>
    <users_config>$DIR/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <mlock_executable>false</mlock_executable>
    <zookeeper>
        <node><host>127.0.0.1</host><port>$ZK_PORT</port></node>
        <session_timeout_ms>10000</session_timeout_ms>
    </zookeeper>
    <remote_servers>
        <$CLUSTER_NAME>
            <shard>
                <internal_replication>true</internal_replication>
$(replica_xml)
            </shard>
        </$CLUSTER_NAME>
    </remote_servers>
    <macros>
        <shard>01</shard>
        <replica>r$n</replica>
    </macros>
    <distributed_ddl>
        <path>/clickhouse/task_queue/ddl</path>
    </distributed_ddl>
    <query_log>
        <database>system</database>
        <table>query_log</table>
        <partition_by>toYYYYMM(event_date)</partition_by>
        <flush_interval_milliseconds>1000</flush_interval_milliseconds>
    </query_log>
</yandex>
XML
    # A pidfile left by a server that died would make the wait below think the new one died.
    rm -f "$d/clickhouse-server.pid"
    log "starting replica r$n on 127.0.0.1 (http $http, tcp $tcp)"
    (
        cd "$d"
        setsid nohup "$SERVER" --config-file="$d/config.xml" --pidfile="$d/clickhouse-server.pid" \
            </dev/null >>"$d/log/stdout.log" 2>&1 &
    )
}

cat >"$DIR/users.xml" <<'XML'
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>1000000000</max_memory_usage>
            <log_queries>1</log_queries>
            <!-- A replica that is down makes ON CLUSTER wait this long before answering. -->
            <distributed_ddl_task_timeout>10</distributed_ddl_task_timeout>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
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

# A replica whose start-up fails (18.16 exits when ZooKeeper drops its first session, as a
# ZooKeeper started a moment ago may) is started again, three times at most.
replica_up() { # n
    local port_var="CH${1}_HTTP"
    curl -fsS --max-time 2 "http://127.0.0.1:${!port_var}/ping" >/dev/null 2>&1
}
wait_replica() { # n: 0 once it answers, 1 when its process is gone, 2 after 60 s
    local d="$DIR/ch$1"
    for _ in $(seq 1 240); do
        replica_up "$1" && return 0
        if [ -s "$d/clickhouse-server.pid" ] && ! running_pid "$d/clickhouse-server.pid" "$d/config.xml" >/dev/null; then
            return 1
        fi
        sleep 0.25
    done
    return 2
}
start_replica 1 "$CH1_HTTP" "$CH1_TCP" "$CH1_INTER"
start_replica 2 "$CH2_HTTP" "$CH2_TCP" "$CH2_INTER"
for n in 1 2; do
    ok=
    for attempt in 1 2 3; do
        if wait_replica "$n"; then
            ok=1
            break
        fi
        log "replica r$n did not come up (attempt $attempt); starting it again"
        sleep 1
        case $n in
            1) start_replica 1 "$CH1_HTTP" "$CH1_TCP" "$CH1_INTER" ;;
            2) start_replica 2 "$CH2_HTTP" "$CH2_TCP" "$CH2_INTER" ;;
        esac
    done
    if [ -z "$ok" ]; then
        port_var="CH${n}_HTTP"
        log "replica r$n does not answer on 127.0.0.1:${!port_var}; last log lines:"
        grep -E '<Error>|Exception' "$DIR/ch$n/log/clickhouse-server.err.log" 2>/dev/null | tail -n 5 || true
        exit 1
    fi
done
log "ready: cluster $CLUSTER_NAME, replicas http://127.0.0.1:$CH1_HTTP and http://127.0.0.1:$CH2_HTTP (ZooKeeper $ZK_PORT; $ENV_FILE)"
