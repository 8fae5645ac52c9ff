#!/usr/bin/env bash
# The whole system on one machine: throwaway PostgreSQL and RabbitMQ, the coordinator's replicas (3 by default, a
# Raft group), and the Inventory, Payments and Orders samples as separate processes, then the load runner placing orders and checking that each one happened
# everywhere or nowhere. Progress goes to stderr; the only stdout line is the load runner's last one:
#   demo: committed=.. aborted=.. in_doubt=.. violations=.. tps=.. p50_ms=.. p99_ms=..
# The exit code is the load runner's. Everything started here is stopped and removed on exit, Ctrl-C included.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: scripts/demo.sh [--orders N] [--concurrency C] [--replicas 1|3|5] [--kill-leader] [--keep] [--keep-logs DIR] [--no-build]
  --orders N         orders to place (default 1000)
  --concurrency C    orders in flight at once (default 32)
  --replicas R       coordinator replicas (default 3, a Raft group; 1 runs a lone coordinator without Raft)
  --kill-leader      SIGKILL the coordinator leader in the middle of the run and restart it a few seconds later
  --keep             leave everything running after the summary line, print the addresses, stop on Ctrl-C
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
replicas=3
kill_leader=0
keep=0
while (($# > 0)); do
    case "$1" in
        --orders | --concurrency | --keep-logs | --replicas)
            (($# >= 2)) || die "$1 needs a value"
            case "$1" in
                --orders) orders="$2" ;;
                --concurrency) concurrency="$2" ;;
                --keep-logs) keep_logs="$2" ;;
                --replicas) replicas="$2" ;;
            esac
            shift 2
            ;;
        --kill-leader) kill_leader=1; shift ;;
        --keep) keep=1; shift ;;
        --no-build) build=0; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
positive --orders "$orders" 1000000
positive --concurrency "$concurrency" 1024
[[ $replicas =~ ^[135]$ ]] || die "--replicas must be 1, 3 or 5, not '$replicas'"
if ((keep)); then
    # Left running for a look around: every process also prints its spans (OpenTelemetry console exporter), unless
    # they are set to false already (to profile or load the kept stack without the cost of printing spans).
    export Coordinator__Telemetry__ConsoleExporter="${Coordinator__Telemetry__ConsoleExporter:-true}"
    export Telemetry__ConsoleExporter="${Telemetry__ConsoleExporter:-true}"
fi
((replicas > 1 || !kill_leader)) || die "--kill-leader needs a replicated coordinator (--replicas 3 or 5)"
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
# shellcheck source=scripts/lib/replicas.sh
source "$root/scripts/lib/replicas.sh"
# shellcheck source=scripts/lib/samples.sh
source "$root/scripts/lib/samples.sh"

# Only the summary may reach stdout: keep it as fd 3 and send everything else to stderr.
exec 3>&1 1>&2

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
coordinator_dir="$(txc_bin Coordinator)"
inventory_dir="$(txc_bin SampleServices/Inventory)"
payments_dir="$(txc_bin SampleServices/Payments)"
orders_dir="$(txc_bin SampleServices/Orders)"
runner_dir="$(txc_bin SampleServices/LoadRunner)"
ready_timeout=60

pids=()
cleaned=""

log() {
    printf '[demo %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

cleanup() {
    [[ -z $cleaned ]] || return 0
    cleaned=1
    txc_stack_stop "$keep_logs" "${pids[@]}"
    [[ -z $keep_logs ]] || log "logs kept in $keep_logs"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ((build)); then
    log "building ($TXC_CONFIGURATION)"
    # No build servers: they would outlive the demo.
    dotnet build TxCoordinator.sln -c "$TXC_CONFIGURATION" --disable-build-servers -nologo -v quiet
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
log "servers ready in $((SECONDS - started))s"
log "applying the coordinator's migrations"
txc_replicas_init "$replicas" "$coordinator_dir"

txc_samples_init
coordinator_url="${TXC_REPLICA_URLS[0]}"
coordinator_db="$(txc_pg_connection "${TXC_REPLICA_DBS[0]}")"
for ((i = 0; i < replicas; i++)); do
    txc_replica_start "$i"
done
# Participants enlist with the coordinator: it must answer first (ready means a leader is elected, when replicated).
started=$SECONDS
txc_replicas_wait_ready "$ready_timeout" || exit 1
log "coordinator ready: ${TXC_REPLICA_URLS[*]} ($((SECONDS - started))s)"

for name in inventory payments orders; do
    txc_sample_start "$name"
done
for name in inventory payments orders; do
    txc_sample_wait_ready "$name" "$ready_timeout" || exit 1
done
orders_url="${TXC_SAMPLE_URLS[orders]}"
inventory_url="${TXC_SAMPLE_URLS[inventory]}"
payments_url="${TXC_SAMPLE_URLS[payments]}"

log "running $orders orders at concurrency $concurrency"
runner_out="$TXC_SERVERS_DIR/logs/loadrunner.out"
# In the background so that a signal interrupts `wait` at once; its progress (stderr) stays visible.
(cd "$runner_dir" && exec setsid dotnet TxCoordinator.Samples.LoadRunner.dll \
    --orders-url "$orders_url" --coordinator-url "$coordinator_url" \
    --inventory-db "$TXC_INVENTORY_DB" --payments-db "$TXC_PAYMENTS_DB" --coordinator-db "$coordinator_db" \
    --orders "$orders" --concurrency "$concurrency") >"$runner_out" 2>&2 </dev/null &
runner_pid=$!
pids+=("$runner_pid")

# Sleeps up to SECONDS while the load runner runs; false once it has finished.
runner_sleep() {
    local until=$((SECONDS + $1))
    while ((SECONDS < until)); do
        kill -0 "$runner_pid" 2>/dev/null || return 1
        sleep 0.2
    done
}

if ((kill_leader)) && runner_sleep 6; then
    leader="$(txc_replica_leader)"
    if [[ $leader =~ ^r([0-9])$ ]]; then
        index=$((BASH_REMATCH[1] - 1))
        log "killing the coordinator leader $leader (pid ${TXC_REPLICA_PIDS[$index]}) with SIGKILL"
        txc_replica_kill "$index"
        killed_at=$SECONDS
        until new_leader="$(txc_replica_leader)"; [[ -n $new_leader && $new_leader != "$leader" ]]; do
            ((SECONDS - killed_at < 30)) || break
            sleep 0.1
        done
        log "new leader: ${new_leader:-none} (about $((SECONDS - killed_at))s after the kill)"
        # Back after a while, so that it has to catch up from the others' log.
        runner_sleep 5 || true
        txc_replica_start "$index"
        log "restarted $leader (pid ${TXC_REPLICA_PIDS[$index]})"
    else
        log "no leader found to kill"
    fi
fi

status=0
wait "$runner_pid" || status=$?

if ((replicas > 1)); then
    # The leader's own measurements: how long a batch of changes took to be committed by a majority and applied.
    leader="$(txc_replica_leader)"
    if [[ $leader =~ ^r([0-9])$ ]]; then
        curl -fsS --max-time 2 "${TXC_REPLICA_URLS[$((BASH_REMATCH[1] - 1))]}/cluster/self" 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)
r, b, a = s.get("replicationMs") or {}, s.get("batchSize") or {}, s.get("applyMs") or {}
print("[demo] raft: leader %s, term %s, commit index %s; decision-log commit latency p50=%s ms p99=%s ms over the last %s entries, %.1f changes per entry, apply to PostgreSQL p50=%s ms"
      % (s["replicaId"], s["term"], s["commitIndex"], r.get("p50"), r.get("p99"), r.get("samples"), b.get("mean", 0), a.get("p50")), file=sys.stderr)' || true
    fi
fi

summary="$(grep '^demo: ' "$runner_out" | tail -n 1 || true)"
if [[ -z $summary ]]; then
    log "the load runner printed no summary (exit code $status)"
    exit $((status == 0 ? 1 : status))
fi
if ((!keep)); then
    # Stopped first, so that the summary is the last line on the terminal too.
    cleanup
    printf '%s\n' "$summary" >&3
    exit "$status"
fi

printf '%s\n' "$summary" >&3
if ((keep)); then
    # Everything stays up for a look around; the EXIT trap stops it all on Ctrl-C.
    log "the stack keeps running; Ctrl-C stops everything. Addresses:"
    log "  coordinator API (any replica): ${TXC_REPLICA_URLS[*]}  (POST /transactions, GET /transactions/{id})"
    base="${TXC_REPLICA_URLS[0]}"
    for path in dashboard metrics cluster openapi/v1.json; do
        if [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$base/$path" || true) == 200 ]]; then
            log "  $path: $base/$path"
        fi
    done
    log "  orders: $orders_url/orders   inventory: $inventory_url   payments: $payments_url"
    log "  logs, with each process's spans (console exporter): $TXC_SERVERS_DIR/logs/*.log"
    log "  PostgreSQL: $TXC_PG_CONNECTION   RabbitMQ: $TXC_RMQ_URI   CLI: scripts/txc/bin/Release/net10.0/TxCoordinator.Cli --coordinator ${TXC_REPLICA_URLS[0]} status"
    # In the background and waited for, so that Ctrl-C interrupts at once and the EXIT trap stops everything.
    while :; do
        sleep 3600 &
        wait $! || true
    done
fi
exit "$status"
