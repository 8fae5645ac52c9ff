# shellcheck shell=bash
# Throwaway PostgreSQL 15 and RabbitMQ servers for tests and the demo.
#
# Source this file, then:
#   txc_servers_init                 # private folder (mktemp -d), registers nothing: the caller owns the traps
#   txc_pg_start                     # exports TXC_PG_PORT, TXC_PG_CONNECTION (admin database "postgres")
#   txc_pg_create_databases a b c    # creates databases; txc_pg_connection NAME prints a database's connection string
#   txc_rmq_start                    # exports TXC_RMQ_PORT, TXC_RMQ_URI
#   txc_servers_stop                 # stops both and deletes the folder; idempotent, safe from an EXIT trap
#
# Where the servers come from (TXC_SERVERS): "auto" (default) uses docker compose (docker-compose.yml's postgres and
# rabbitmq services) when a Docker engine answers, else local PostgreSQL 15 / RabbitMQ binaries installed from apt when
# missing; "docker" or "local" forces one.
#
# Everything listens on 127.0.0.1 only, on ports that were free a moment before, with data, logs, sockets, the
# Erlang cookie and even the Erlang port mapper (epmd) private to the folder: system instances and other runs on the
# same machine are never touched. The caller is expected to run with `set -euo pipefail`.

TXC_PG_BIN="${TXC_PG_BIN:-/usr/lib/postgresql/15/bin}"
TXC_RMQ_BIN="${TXC_RMQ_BIN:-/usr/lib/rabbitmq/bin}"
TXC_SERVER_START_TIMEOUT="${TXC_SERVER_START_TIMEOUT:-45}"

TXC_SERVERS_DIR=""
# This script's own mark (txc_mark_run); never exported, so a script started from this one marks anew.
TXC_OWN_MARK=""
export -n TXC_OWN_MARK
TXC_PG_PID=""
TXC_RMQ_PID=""
TXC_EPMD_PID=""
TXC_LAST_PID=""
TXC_PG_LAUNCHES=0
TXC_RMQ_LAUNCHES=0
TXC_RMQ_EPMD_PORT=""
TXC_RMQ_ENV=()
TXC_SERVERS_MODE=""
TXC_COMPOSE_PROJECT=""
TXC_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TXC_COMPOSE_FILE="$TXC_REPO_ROOT/docker-compose.yml"
# The scripts run what `dotnet build -c $TXC_CONFIGURATION` put in each project's output folder.
TXC_CONFIGURATION=Release

# txc_bin PROJECT_FOLDER: that project's build output, e.g. txc_bin SampleServices/Orders.
txc_bin() {
    printf '%s/%s/bin/%s/net10.0\n' "$TXC_REPO_ROOT" "$1" "$TXC_CONFIGURATION"
}

txc_log() {
    printf '[servers %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

txc_fail() {
    txc_log "ERROR: $*"
    return 1
}

# Prints the command prefix that runs a program as USER when we are root (the servers refuse to run as root).
txc_as_prefix() {
    if [[ $EUID -eq 0 ]]; then
        printf '%s\n' setpriv "--reuid=$1" "--regid=$1" --init-groups --
    fi
}

# Runs a command as USER (see txc_as_prefix) from folder DIR, so that it never needs access to our own cwd.
txc_as() {
    local user="$1" dir="$2"
    shift 2
    local -a prefix
    mapfile -t prefix < <(txc_as_prefix "$user")
    (cd "$dir" && exec "${prefix[@]}" "$@")
}

# Starts a server in the background as USER from DIR, in its own session: a Ctrl-C in the terminal must not kill it
# before our trap stops it cleanly. Sets TXC_LAST_PID (the session leader, so also its process group id).
txc_spawn() {
    local user="$1" dir="$2" log="$3"
    shift 3
    local -a prefix
    mapfile -t prefix < <(txc_as_prefix "$user")
    (cd "$dir" && exec setsid "${prefix[@]}" "$@") >"$log" 2>&1 </dev/null &
    TXC_LAST_PID=$!
}

# Prints COUNT distinct loopback ports that nobody uses right now, all below the kernel's ephemeral range: a port
# from that range can be taken, while its server is down (the chaos run kills and restarts them on the same port), as
# the local end of any process's outgoing connection, and the server then cannot listen on it again.
txc_free_ports() {
    local count="$1" low=32768 floor=20000
    if [[ -r /proc/sys/net/ipv4/ip_local_port_range ]]; then
        read -r low _ </proc/sys/net/ipv4/ip_local_port_range
    fi
    ((low - floor >= 1000)) || floor=$((low > 2024 ? low - 1000 : 1024))
    if command -v python3 >/dev/null 2>&1; then
        python3 - "$count" "$floor" "$low" <<'PY'
import random, socket, sys
count, floor, low = (int(a) for a in sys.argv[1:4])
held = []
for _ in range(200 * count):
    if len(held) == count:
        break
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", random.randrange(floor, low)))
        held.append(s)
    except OSError:
        s.close()
if len(held) < count:
    sys.exit("no free port found below " + str(low))
print("\n".join(str(s.getsockname()[1]) for s in held))
PY
        return
    fi
    # Without python: probe random ports with bash's /dev/tcp (a port nobody listens on refuses the connection).
    local -a picked=()
    local port attempts=0
    while ((${#picked[@]} < count)); do
        ((++attempts <= 200)) || { txc_fail "no free port found"; return 1; }
        port=$((floor + RANDOM % (low - floor)))
        [[ " ${picked[*]} " == *" $port "* ]] && continue
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            picked+=("$port")
        fi
    done
    printf '%s\n' "${picked[@]}"
}

# Installs missing server packages from apt without letting their maintainer scripts start system services.
txc_apt_install() {
    [[ $EUID -eq 0 ]] || { txc_fail "missing packages ($*) and not root: install them first"; return 1; }
    local created_policy=""
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        created_policy=1
    fi
    txc_log "installing $* from apt"
    local status=0
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; } >&2 || status=$?
    [[ -z $created_policy ]] || rm -f /usr/sbin/policy-rc.d
    return "$status"
}

# Sets TXC_SERVERS_MODE to docker or local (see the top of this file). Call it directly, never in $(...).
txc_servers_mode() {
    [[ -z $TXC_SERVERS_MODE ]] || return 0
    case "${TXC_SERVERS:-auto}" in
        local | docker) TXC_SERVERS_MODE="$TXC_SERVERS" ;;
        auto)
            if command -v docker >/dev/null 2>&1 && timeout 10 docker info >/dev/null 2>&1 &&
                timeout 10 docker compose version >/dev/null 2>&1; then
                TXC_SERVERS_MODE=docker
            else
                TXC_SERVERS_MODE=local
            fi
            ;;
        *) txc_fail "TXC_SERVERS must be auto, docker or local, not '$TXC_SERVERS'"; return 1 ;;
    esac
    txc_log "servers: $TXC_SERVERS_MODE"
}

txc_ensure_prerequisites() {
    txc_servers_mode
    local -a missing=()
    if [[ $TXC_SERVERS_MODE == docker ]]; then
        command -v python3 >/dev/null 2>&1 || missing+=(python3)
        command -v curl >/dev/null 2>&1 || missing+=(curl)
        ((${#missing[@]} == 0)) || txc_apt_install "${missing[@]}"
        return 0
    fi
    [[ -x $TXC_PG_BIN/postgres && -x $TXC_PG_BIN/initdb && -x $TXC_PG_BIN/pg_isready && -x $TXC_PG_BIN/psql ]] ||
        missing+=(postgresql-15)
    [[ -x $TXC_RMQ_BIN/rabbitmq-server ]] || missing+=(rabbitmq-server)
    command -v python3 >/dev/null 2>&1 || missing+=(python3)
    command -v curl >/dev/null 2>&1 || missing+=(curl)
    command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)
    if ((${#missing[@]} > 0)); then
        txc_apt_install "${missing[@]}"
    fi
    if [[ $EUID -eq 0 ]]; then
        local user
        for user in postgres rabbitmq; do
            id -u "$user" >/dev/null 2>&1 ||
                useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$user"
        done
    fi
}

# Debian's chromium, for the dashboard's browser test (Playwright drives it; no browser is ever downloaded) and the
# benchmark's chart.
# Exports TXC_CHROMIUM.
txc_ensure_chromium() {
    local path
    path="$(command -v chromium || true)"
    if [[ -z $path ]]; then
        txc_apt_install chromium
        path="$(command -v chromium)"
    fi
    TXC_CHROMIUM="$path"
    export TXC_CHROMIUM
}

txc_servers_init() {
    [[ -z $TXC_SERVERS_DIR ]] || return 0
    txc_ensure_prerequisites
    TXC_SERVERS_DIR="$(mktemp -d "${TMPDIR:-/tmp}/txc-servers.XXXXXX")"
    # The servers run as their own users and must be able to reach their sub-folders.
    chmod 755 "$TXC_SERVERS_DIR"
    export TXC_SERVERS_DIR
    txc_log "working folder $TXC_SERVERS_DIR"
}

# Waits until COMMAND succeeds, at most SECONDS; fails early when process PID (if given) has died.
txc_wait_for() {
    local seconds="$1" pid="$2"
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
            return 1
        fi
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

# Stops PID (started with setsid, so it leads its own process group): SIGNAL, then SIGKILL to the group after GRACE s.
txc_stop_process() {
    local pid="$1" signal="$2" grace="$3"
    [[ -n $pid ]] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    kill "-$signal" "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + grace))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        txc_log "process $pid did not stop within ${grace}s: killing its process group"
    fi
    # Also reaps children that outlived their leader.
    kill -KILL -- "-$pid" 2>/dev/null || true
    # Our own background child: collect it so no zombie stays behind.
    wait "$pid" 2>/dev/null || true
}

# Stops several processes at once: SIGTERM to all first, so that they shut down in parallel, then each as
# txc_stop_process does (whatever still runs 10 s later is killed with its process group).
txc_stop_processes() {
    local pid
    for pid in "$@"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "$@"; do
        txc_stop_process "$pid" TERM 10
    done
}

txc_pg_start() {
    [[ -z $TXC_PG_PID ]] || return 0
    txc_servers_init
    if [[ $TXC_SERVERS_MODE == docker ]]; then
        txc_docker_up postgres
        TXC_PG_PID=docker
        TXC_PG_CONNECTION="Host=127.0.0.1;Port=$TXC_PG_PORT;Username=postgres;Password=postgres"
        export TXC_PG_PORT TXC_PG_CONNECTION
        txc_log "PostgreSQL ready on 127.0.0.1:$TXC_PG_PORT (docker compose project $TXC_COMPOSE_PROJECT)"
        return 0
    fi
    local started=$SECONDS
    local dir="$TXC_SERVERS_DIR/pg"
    mkdir -p "$dir"
    [[ $EUID -ne 0 ]] || chown postgres: "$dir"
    TXC_PG_PORT="$(txc_free_ports 1)"
    txc_log "PostgreSQL: initdb in $dir/data"
    txc_as postgres "$dir" "$TXC_PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
        >"$dir/initdb.log" 2>&1 || { tail -n 20 "$dir/initdb.log" >&2; txc_fail "initdb failed"; return 1; }
    txc_pg_launch || return 1
    TXC_PG_CONNECTION="Host=127.0.0.1;Port=$TXC_PG_PORT;Username=postgres;Password=postgres"
    export TXC_PG_PORT TXC_PG_CONNECTION
    txc_log "PostgreSQL ready on 127.0.0.1:$TXC_PG_PORT (pid $TXC_PG_PID, $((SECONDS - started))s)"
}

# Starts the postmaster on TXC_PG_PORT over the existing data folder and waits until it accepts connections. Used by
# txc_pg_start and, for fault injection, txc_pg_restart (same port, same data: clients only see a restart).
# TXC_PG_EXTRA adds server options, for profiling, e.g. "-c shared_preload_libraries=pg_stat_statements".
txc_pg_launch() {
    local dir="$TXC_SERVERS_DIR/pg" extra=()
    read -ra extra <<<"${TXC_PG_EXTRA:-}"
    txc_spawn postgres "$dir" "$dir/postgres.log.$((++TXC_PG_LAUNCHES))" \
        "$TXC_PG_BIN/postgres" -D "$dir/data" -p "$TXC_PG_PORT" -k "$dir" \
        -c listen_addresses=127.0.0.1 -c max_prepared_transactions=1000 -c max_connections=400 "${extra[@]}"
    TXC_PG_PID=$TXC_LAST_PID
    ln -sf "postgres.log.$TXC_PG_LAUNCHES" "$dir/postgres.log"
    if ! txc_wait_for "$TXC_SERVER_START_TIMEOUT" "$TXC_PG_PID" \
        "$TXC_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$TXC_PG_PORT" -U postgres -d postgres -t 2; then
        tail -n 30 "$dir/postgres.log" >&2
        txc_fail "PostgreSQL did not become ready on 127.0.0.1:$TXC_PG_PORT within ${TXC_SERVER_START_TIMEOUT}s"
        return 1
    fi
}

# Crashes PostgreSQL (SIGQUIT: immediate shutdown, crash recovery at the next start), waits DOWNTIME seconds, then
# starts it again on the same port and data folder. Prepared transactions survive; every session is cut.
txc_pg_restart() {
    local downtime="${1:-0}"
    [[ -n $TXC_PG_PID && $TXC_PG_PID != docker ]] || { txc_fail "txc_pg_restart needs a local PostgreSQL"; return 1; }
    txc_stop_process "$TXC_PG_PID" QUIT 20
    sleep "$downtime"
    txc_pg_launch
}

# Prints the connection string of database NAME on our PostgreSQL.
txc_pg_connection() {
    printf 'Host=127.0.0.1;Port=%s;Username=postgres;Password=postgres;Database=%s\n' "$TXC_PG_PORT" "$1"
}

txc_pg_create_databases() {
    [[ -n $TXC_PG_PID ]] || { txc_fail "PostgreSQL is not started"; return 1; }
    local name
    for name in "$@"; do
        [[ $name =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || { txc_fail "invalid database name '$name'"; return 1; }
        # Idempotent: docker-compose.yml's init script already creates the demo's databases.
        printf "SELECT 'CREATE DATABASE %s' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '%s')\\gexec\n" \
            "$name" "$name" | txc_psql >&2
    done
    txc_log "PostgreSQL: created database(s) $*"
}

# psql against our server's admin database, reading SQL from stdin.
txc_psql() {
    if [[ $TXC_SERVERS_MODE == docker ]]; then
        txc_compose exec -T postgres psql -X -q -v ON_ERROR_STOP=1 -U postgres -d postgres
    else
        "$TXC_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$TXC_PG_PORT" -U postgres -d postgres
    fi
}

txc_pg_stop() {
    [[ -n $TXC_PG_PID ]] || return 0
    if [[ $TXC_PG_PID == docker ]]; then
        TXC_PG_PID=""
        return 0
    fi
    # SIGINT is PostgreSQL's "fast" shutdown: roll back sessions, checkpoint, exit.
    txc_stop_process "$TXC_PG_PID" INT 20
    txc_log "PostgreSQL stopped"
    TXC_PG_PID=""
}

# rabbitmqctl against our node, as the rabbitmq user with our private cookie and epmd; never runs over 60 s.
txc_rmqctl() {
    txc_as rabbitmq "$TXC_SERVERS_DIR/rmq" env "${TXC_RMQ_ENV[@]}" \
        timeout 60 "$TXC_RMQ_BIN/rabbitmqctl" -n "$TXC_RMQ_NODE" "$@"
}

txc_port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

txc_epmd_knows() {
    epmd -port "$1" -names 2>/dev/null | grep -q "^name $2 "
}

txc_rmq_start() {
    [[ -z $TXC_RMQ_PID ]] || return 0
    txc_servers_init
    if [[ $TXC_SERVERS_MODE == docker ]]; then
        txc_docker_up rabbitmq
        TXC_RMQ_PID=docker
        TXC_RMQ_URI="amqp://txc:txc@127.0.0.1:$TXC_RMQ_PORT/"
        export TXC_RMQ_PORT TXC_RMQ_URI
        txc_log "RabbitMQ ready on 127.0.0.1:$TXC_RMQ_PORT (docker compose project $TXC_COMPOSE_PROJECT)"
        return 0
    fi
    local started=$SECONDS
    local dir="$TXC_SERVERS_DIR/rmq"
    mkdir -p "$dir/home" "$dir/mnesia" "$dir/log"
    local -a ports
    mapfile -t ports < <(txc_free_ports 3)
    TXC_RMQ_PORT="${ports[0]}"
    local dist_port="${ports[1]}" epmd_port="${ports[2]}"
    TXC_RMQ_NODE="txc$$x${RANDOM}@localhost"

    printf '[].\n' >"$dir/enabled_plugins"
    printf 'listeners.tcp.default = 127.0.0.1:%s\nloopback_users = none\n' "$TXC_RMQ_PORT" >"$dir/rabbitmq.conf"
    : >"$dir/rabbitmq-env.conf"
    # A private cookie: rabbitmqctl must talk to this node and no other.
    python3 -c 'import secrets; print(secrets.token_hex(16).upper(), end="")' >"$dir/home/.erlang.cookie"
    chmod 400 "$dir/home/.erlang.cookie"
    [[ $EUID -ne 0 ]] || chown -R rabbitmq: "$dir"

    # The Erlang distribution (node and CLI) binds to loopback only; epmd is ours, on its own port, so that
    # stopping it never disturbs another RabbitMQ on this machine and nothing is left running afterwards.
    TXC_RMQ_ENV=(
        "HOME=$dir/home"
        "RABBITMQ_NODENAME=$TXC_RMQ_NODE"
        "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1"
        "RABBITMQ_NODE_PORT=$TXC_RMQ_PORT"
        "RABBITMQ_DIST_PORT=$dist_port"
        "RABBITMQ_MNESIA_BASE=$dir/mnesia"
        "RABBITMQ_LOG_BASE=$dir/log"
        "RABBITMQ_PID_FILE=$dir/rabbitmq.pid"
        "RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins"
        "RABBITMQ_CONFIG_FILE=$dir/rabbitmq"
        "RABBITMQ_ADVANCED_CONFIG_FILE=$dir/advanced.config"
        "RABBITMQ_CONF_ENV_FILE=$dir/rabbitmq-env.conf"
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}"
        "RABBITMQ_CTL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}"
        "ERL_EPMD_ADDRESS=127.0.0.1"
        "ERL_EPMD_PORT=$epmd_port"
    )

    txc_spawn rabbitmq "$dir" "$dir/epmd.log" /usr/bin/env "${TXC_RMQ_ENV[@]}" epmd -address 127.0.0.1 -port "$epmd_port"
    TXC_EPMD_PID=$TXC_LAST_PID
    txc_wait_for 10 "$TXC_EPMD_PID" /usr/bin/env "ERL_EPMD_PORT=$epmd_port" epmd -port "$epmd_port" -names ||
        { cat "$dir/epmd.log" >&2; txc_fail "epmd did not start on 127.0.0.1:$epmd_port"; return 1; }

    txc_log "RabbitMQ: starting node $TXC_RMQ_NODE"
    TXC_RMQ_EPMD_PORT="$epmd_port"
    txc_rmq_launch || return 1
    TXC_RMQ_URI="amqp://guest:guest@127.0.0.1:$TXC_RMQ_PORT/"
    export TXC_RMQ_PORT TXC_RMQ_URI
    txc_log "RabbitMQ ready on 127.0.0.1:$TXC_RMQ_PORT (node $TXC_RMQ_NODE, $((SECONDS - started))s)"
}

# Starts the node (its name, ports and data are already set up) and waits until it has finished booting. Used by
# txc_rmq_start and, for fault injection, txc_rmq_restart.
txc_rmq_launch() {
    local dir="$TXC_SERVERS_DIR/rmq"
    txc_spawn rabbitmq "$dir" "$dir/server.log.$((++TXC_RMQ_LAUNCHES))" /usr/bin/env "${TXC_RMQ_ENV[@]}" "$TXC_RMQ_BIN/rabbitmq-server"
    TXC_RMQ_PID=$TXC_LAST_PID
    ln -sf "server.log.$TXC_RMQ_LAUNCHES" "$dir/server.log"
    local node_short="${TXC_RMQ_NODE%@*}"
    local deadline=$((SECONDS + TXC_SERVER_START_TIMEOUT))
    # The AMQP listener opens near the end of the boot; waiting for it first (a cheap probe) spares us
    # await_startup's own 10-second polling, and await_startup then confirms that the boot has finished.
    if ! txc_wait_for "$TXC_SERVER_START_TIMEOUT" "$TXC_RMQ_PID" txc_epmd_knows "$TXC_RMQ_EPMD_PORT" "$node_short" ||
        ! txc_wait_for "$((deadline - SECONDS > 1 ? deadline - SECONDS : 1))" "$TXC_RMQ_PID" \
            txc_port_open "$TXC_RMQ_PORT" ||
        ! txc_rmqctl await_startup --timeout "$((deadline - SECONDS > 1 ? deadline - SECONDS : 1))" >&2; then
        tail -n 30 "$dir/server.log" >&2
        txc_fail "RabbitMQ did not start on 127.0.0.1:$TXC_RMQ_PORT within ${TXC_SERVER_START_TIMEOUT}s"
        return 1
    fi
}

# Crashes the RabbitMQ node (SIGKILL to its process group: no goodbye to clients), waits DOWNTIME seconds, then
# starts it again with the same node name, port and data: durable queues and persistent messages come back, and
# every client has to reconnect by itself. epmd keeps running.
txc_rmq_restart() {
    local downtime="${1:-0}"
    [[ -n $TXC_RMQ_PID && $TXC_RMQ_PID != docker ]] || { txc_fail "txc_rmq_restart needs a local RabbitMQ"; return 1; }
    kill -KILL -- "-$TXC_RMQ_PID" 2>/dev/null || true
    wait "$TXC_RMQ_PID" 2>/dev/null || true
    sleep "$downtime"
    txc_rmq_launch
}

txc_rmq_stop() {
    if [[ $TXC_RMQ_PID == docker ]]; then
        TXC_RMQ_PID=""
    elif [[ -n $TXC_RMQ_PID ]]; then
        if kill -0 "$TXC_RMQ_PID" 2>/dev/null; then
            txc_rmqctl stop >/dev/null 2>&1 || txc_log "rabbitmqctl stop failed: terminating the node"
        fi
        txc_stop_process "$TXC_RMQ_PID" TERM 20
        txc_log "RabbitMQ stopped"
        TXC_RMQ_PID=""
    fi
    if [[ -n $TXC_EPMD_PID ]]; then
        txc_stop_process "$TXC_EPMD_PID" TERM 5
        TXC_EPMD_PID=""
    fi
}

# Stops whatever was started and removes the folder. Idempotent: EXIT, INT and TERM traps may all end up here.
txc_servers_stop() {
    txc_rmq_stop || true
    txc_pg_stop || true
    if [[ -n $TXC_COMPOSE_PROJECT ]]; then
        txc_compose down --volumes --timeout 10 >&2 2>&1 || txc_log "docker compose down failed"
        txc_log "docker compose project $TXC_COMPOSE_PROJECT removed"
        TXC_COMPOSE_PROJECT=""
    fi
    if [[ -n $TXC_SERVERS_DIR ]]; then
        rm -rf -- "$TXC_SERVERS_DIR"
        txc_log "removed $TXC_SERVERS_DIR"
        TXC_SERVERS_DIR=""
    fi
}

# Tags every process started from now on (through the environment they inherit), so that txc_kill_marked can find
# whatever outlived its parent: a service a killed test host had started, say. Exact match: never a broad name. A
# script started under another's mark (bench/run.sh from a test, say) adds a mark of its own to the inherited ones:
# what it starts carries both, so the outer script still finds it, and the inner one kills only what it started, not
# its parent's processes too. The script's own mark is not exported: each script that marks gets a new one.
txc_mark_run() {
    [[ -z $TXC_OWN_MARK ]] || return 0
    TXC_OWN_MARK="txc-$$-$RANDOM$RANDOM"
    TXC_RUN_MARKER="${TXC_RUN_MARKER:+$TXC_RUN_MARKER,}$TXC_OWN_MARK"
    export TXC_RUN_MARKER
}

txc_kill_marked() {
    [[ -n $TXC_OWN_MARK ]] || return 0
    local environ pid command
    for environ in /proc/[0-9]*/environ; do
        pid="${environ#/proc/}"
        pid="${pid%/environ}"
        [[ $pid != "$$" && $pid != "$BASHPID" ]] || continue
        # One of the comma-separated marks is ours (the marks are letters, digits and dashes: no regex escapes).
        if grep -qz -- "^TXC_RUN_MARKER=\(.*,\)\{0,1\}$TXC_OWN_MARK\(,.*\)\{0,1\}\$" "$environ" 2>/dev/null; then
            command="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-120 || true)"
            if kill -KILL "$pid" 2>/dev/null; then
                txc_log "killed leftover process $pid: $command"
            fi
        fi
    done
}

# docker compose on our private project. Both host ports are always passed: compose re-reads the whole file on every
# call and would otherwise recreate a running server with its default port.
txc_compose() {
    TXC_PG_HOST_PORT="$TXC_PG_PORT" TXC_RMQ_HOST_PORT="$TXC_RMQ_PORT" \
        docker compose --project-name "$TXC_COMPOSE_PROJECT" --file "$TXC_COMPOSE_FILE" "$@"
}

# Starts one server of docker-compose.yml on a free loopback port and waits for its health check.
txc_docker_up() {
    local service="$1"
    if [[ -z $TXC_COMPOSE_PROJECT ]]; then
        TXC_COMPOSE_PROJECT="txc-$$-$RANDOM"
        local -a ports
        mapfile -t ports < <(txc_free_ports 2)
        TXC_PG_PORT="${ports[0]}"
        TXC_RMQ_PORT="${ports[1]}"
    fi
    txc_log "docker compose: starting $service"
    txc_compose up --detach --wait --wait-timeout "$((TXC_SERVER_START_TIMEOUT * 2))" "$service" >&2 ||
        { txc_compose logs --tail 30 "$service" >&2 || true; txc_fail "$service did not start under docker compose"; return 1; }
}
