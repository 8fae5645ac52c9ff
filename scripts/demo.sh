#!/usr/bin/env bash
# The whole system on one machine: throwaway PostgreSQL and RabbitMQ, the coordinator, and the Inventory, Payments and
# Orders samples as separate processes, then the load runner placing orders and checking that each one happened
# everywhere or nowhere. Progress goes to stderr; the only stdout line is the load runner's last one:
#   demo: committed=.. aborted=.. in_doubt=.. violations=.. tps=.. p50_ms=.. p99_ms=..
# The exit code is the load runner's. Everything started here is stopped and removed on exit, Ctrl-C included.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: scripts/demo.sh [--orders N] [--concurrency C] [--keep-logs DIR] [--no-build]
  --orders N         orders to place (default 1000)
  --concurrency C    orders in flight at once (default 32)
  --keep-logs DIR    copy the processes' and servers' logs into DIR before cleaning up
  --no-build         use the existing Release build instead of building first
USAGE
}

die() {
    printf 'demo.sh: %s\n' "$*" >&2
    exit 2
}

positive() {
    local name="$1" value="$2" max="$3"
    if ! [[ $value =~ ^[1-9][0-9]{0,6}$ ]] || ((value > max)); then
        die "$name must be a whole number from 1 to $max, not '$value'"
    fi
}

orders=1000
concurrency=32
keep_logs=""
build=1
while (($# > 0)); do
    case "$1" in
        --orders | --concurrency | --keep-logs)
            (($# >= 2)) || die "$1 needs a value"
            case "$1" in
                --orders) orders="$2" ;;
                --concurrency) concurrency="$2" ;;
                --keep-logs) keep_logs="$2" ;;
            esac
            shift 2
            ;;
        --no-build) build=0; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
positive --orders "$orders" 1000000
positive --concurrency "$concurrency" 1024
if [[ -n $keep_logs ]]; then
    if ! mkdir -p -- "$keep_logs" 2>/dev/null || [[ ! -w $keep_logs ]]; then
        die "--keep-logs: cannot write to '$keep_logs'"
    fi
    keep_logs="$(cd "$keep_logs" && pwd)"
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/lib/servers.sh
source "$root/scripts/lib/servers.sh"

# Only the summary may reach stdout: keep it as fd 3 and send everything else to stderr.
exec 3>&1 1>&2

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
configuration=Release
bin() { printf '%s/%s/bin/%s/net10.0\n' "$root" "$1" "$configuration"; }
coordinator_dir="$(bin Coordinator)"
inventory_dir="$(bin SampleServices/Inventory)"
payments_dir="$(bin SampleServices/Payments)"
orders_dir="$(bin SampleServices/Orders)"
runner_dir="$(bin SampleServices/LoadRunner)"
ready_timeout=60

names=()
pids=()
cleaned=""

log() {
    printf '[demo %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

cleanup() {
    [[ -z $cleaned ]] || return 0
    cleaned=1
    local pid
    # SIGTERM to all first so that they shut down cleanly in parallel; whatever still runs 10 s later is killed.
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        txc_stop_process "$pid" TERM 10
    done
    if [[ -n $keep_logs && -n $TXC_SERVERS_DIR ]]; then
        cp -r "$TXC_SERVERS_DIR/logs/." "$keep_logs/" 2>/dev/null || true
        cp "$TXC_SERVERS_DIR/pg/postgres.log" "$keep_logs/postgres.log" 2>/dev/null || true
        cp "$TXC_SERVERS_DIR/rmq/server.log" "$keep_logs/rabbitmq.log" 2>/dev/null || true
        log "logs kept in $keep_logs"
    fi
    txc_servers_stop
    txc_kill_marked
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME DIR COMMAND...: runs in DIR (the content root, where appsettings.json is) in its own session.
start() {
    local name="$1" dir="$2"
    shift 2
    (cd "$dir" && exec setsid "$@") >"$TXC_SERVERS_DIR/logs/$name.log" 2>&1 </dev/null &
    names+=("$name")
    pids+=("$!")
}

wait_ready() {
    local name="$1" url="$2" pid="$3"
    local started=$SECONDS
    until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null || ((SECONDS - started >= ready_timeout)); then
            log "$name did not become ready at $url within ${ready_timeout}s; the end of its log:"
            tail -n 40 "$TXC_SERVERS_DIR/logs/$name.log" >&2 || true
            exit 1
        fi
        sleep 0.3
    done
    log "$name ready at ${url%/health/ready} ($((SECONDS - started))s)"
}

if ((build)); then
    log "building ($configuration)"
    # No build servers: they would outlive the demo.
    dotnet build TxCoordinator.sln -c "$configuration" --disable-build-servers -nologo -v quiet
fi
for dll in "$coordinator_dir/TxCoordinator.Coordinator.dll" "$inventory_dir/TxCoordinator.Samples.Inventory.dll" \
    "$payments_dir/TxCoordinator.Samples.Payments.dll" "$orders_dir/TxCoordinator.Samples.Orders.dll" \
    "$runner_dir/TxCoordinator.Samples.LoadRunner.dll"; do
    [[ -f $dll ]] || { log "missing $dll: run without --no-build"; exit 1; }
done

txc_mark_run
started=$SECONDS
txc_pg_start
txc_rmq_start
mkdir -p "$TXC_SERVERS_DIR/logs"
txc_pg_create_databases coordinator inventory payments
log "servers ready in $((SECONDS - started))s"

coordinator_db="$(txc_pg_connection coordinator)"
inventory_db="$(txc_pg_connection inventory)"
payments_db="$(txc_pg_connection payments)"
mapfile -t ports < <(txc_free_ports 4)
coordinator_url="http://127.0.0.1:${ports[0]}"
inventory_url="http://127.0.0.1:${ports[1]}"
payments_url="http://127.0.0.1:${ports[2]}"
orders_url="http://127.0.0.1:${ports[3]}"

log "applying the coordinator's migrations"
if ! (cd "$coordinator_dir" && ConnectionStrings__Coordinator="$coordinator_db" ConnectionStrings__RabbitMq="$TXC_RMQ_URI" \
    timeout 120 dotnet TxCoordinator.Coordinator.dll migrate) >"$TXC_SERVERS_DIR/logs/migrate.log" 2>&1; then
    log "migration failed:"
    tail -n 40 "$TXC_SERVERS_DIR/logs/migrate.log" >&2
    exit 1
fi

start coordinator "$coordinator_dir" env \
    ConnectionStrings__Coordinator="$coordinator_db" \
    ConnectionStrings__RabbitMq="$TXC_RMQ_URI" \
    dotnet TxCoordinator.Coordinator.dll --urls "$coordinator_url"
# Participants enlist with the coordinator: it must answer first.
wait_ready coordinator "$coordinator_url/health/ready" "${pids[-1]}"

start inventory "$inventory_dir" env \
    ConnectionStrings__Inventory="$inventory_db" \
    ConnectionStrings__RabbitMq="$TXC_RMQ_URI" \
    TransactionParticipant__CoordinatorUrls__0="$coordinator_url" \
    dotnet TxCoordinator.Samples.Inventory.dll --urls "$inventory_url"
start payments "$payments_dir" env \
    ConnectionStrings__Payments="$payments_db" \
    ConnectionStrings__RabbitMq="$TXC_RMQ_URI" \
    TransactionParticipant__CoordinatorUrls__0="$coordinator_url" \
    dotnet TxCoordinator.Samples.Payments.dll --urls "$payments_url"
start orders "$orders_dir" env \
    ConnectionStrings__RabbitMq="$TXC_RMQ_URI" \
    TransactionCoordinator__Urls__0="$coordinator_url" \
    Services__Inventory="$inventory_url" \
    Services__Payments="$payments_url" \
    dotnet TxCoordinator.Samples.Orders.dll --urls "$orders_url"
wait_ready inventory "$inventory_url/health/ready" "${pids[1]}"
wait_ready payments "$payments_url/health/ready" "${pids[2]}"
wait_ready orders "$orders_url/health/ready" "${pids[3]}"

log "running $orders orders at concurrency $concurrency"
runner_out="$TXC_SERVERS_DIR/logs/loadrunner.out"
# In the background so that a signal interrupts `wait` at once; its progress (stderr) stays visible.
(cd "$runner_dir" && exec setsid dotnet TxCoordinator.Samples.LoadRunner.dll \
    --orders-url "$orders_url" --coordinator-url "$coordinator_url" \
    --inventory-db "$inventory_db" --payments-db "$payments_db" --coordinator-db "$coordinator_db" \
    --orders "$orders" --concurrency "$concurrency") >"$runner_out" 2>&2 </dev/null &
names+=(loadrunner)
pids+=("$!")
status=0
wait "${pids[-1]}" || status=$?

summary="$(grep '^demo: ' "$runner_out" | tail -n 1 || true)"
cleanup
if [[ -z $summary ]]; then
    log "the load runner printed no summary (exit code $status)"
    exit $((status == 0 ? 1 : status))
fi
printf '%s\n' "$summary" >&3
exit "$status"
