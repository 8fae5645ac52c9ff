#!/usr/bin/env bash
# Kernel crossings per operation: how many system calls and context switches the whole machine makes for one
# operation of the floor (peer a), the routing slip (peer c), TxCoordinator with 3 replicas (peer d) and the samples'
# HTTP calls with no coordinator (peer e), each at concurrency 32 on one throwaway stack (scripts/demo.sh --keep). On a
# 2-core VM every crossing is dear; this is the measurement behind "What is left" in docs/benchmarks.md. Counted with
# `perf stat -a` over the middle of each measured window, so they include PostgreSQL, RabbitMQ and every replica. One
# line per peer on stdout:
#   crossings: peer=<p> ops_per_s=<x> syscalls_per_op=<x> context_switches_per_op=<x>
# Needs perf (Debian: linux-perf) and root (system-wide counters). Ctrl-C stops everything it started.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: bench/crossings.sh [--duration S] [--no-build]
  --duration S   seconds counted per peer (default 20); each peer runs 20 s longer, the stack's first 90 s more
  --no-build     use the existing Release build
USAGE
}

die() {
    printf 'crossings.sh: %s\n' "$*" >&2
    exit 2
}

duration=20
build=1
while (($# > 0)); do
    case "$1" in
        --duration)
            (($# >= 2)) || die "--duration needs a value"
            duration="$2"
            shift 2
            ;;
        --no-build) build=0; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
if ! [[ $duration =~ ^[1-9][0-9]{0,3}$ ]] || ((duration > 600)); then
    die "--duration must be a whole number of seconds from 1 to 600, not '$duration'"
fi
command -v perf >/dev/null || die "perf is not installed (Debian: apt-get install linux-perf)"
perf stat -a -e raw_syscalls:sys_enter,context-switches -x, -- true >/dev/null 2>&1 ||
    die "perf cannot count system-wide here (run as root, or lower kernel.perf_event_paranoid)"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/servers.sh
source "$root/scripts/lib/servers.sh" # for txc_free_ports only: the stack itself is scripts/demo.sh's
work="$(mktemp -d /tmp/txc-crossings.XXXXXX)"
bench_dll="$root/bench/TxBench/bin/Release/net10.0/TxCoordinator.Bench.dll"
pids=()

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        timeout 60 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[crossings %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

if ((build)); then
    log "building (Release)"
    dotnet build "$root/TxCoordinator.sln" -c Release --disable-build-servers -nologo -v quiet >"$work/build.log" 2>&1 ||
        { cat "$work/build.log" >&2; die "the build failed"; }
fi

log "starting the stack (scripts/demo.sh --keep)"
# Without the demo's console span exporter, as bench/run.sh runs the stack: writing every span costs more than it shows.
Coordinator__Telemetry__ConsoleExporter=false Telemetry__ConsoleExporter=false \
    setsid "$root/scripts/demo.sh" --orders 20 --keep --no-build >"$work/demo.out" 2>"$work/demo.err" &
pids+=($!)
for _ in $(seq 1 100); do
    grep -q 'orders: http' "$work/demo.err" && break
    kill -0 "${pids[0]}" 2>/dev/null || { tail -20 "$work/demo.err" >&2; die "the stack did not start"; }
    sleep 3
done
grep -q 'orders: http' "$work/demo.err" || die "the stack did not start within 5 minutes"
orders_url="$(grep -oE 'orders: http://127.0.0.1:[0-9]+' "$work/demo.err" | tail -1 | awk '{print $2}')"
pg="$(grep -oE 'PostgreSQL: Host=[^ ]+' "$work/demo.err" | tail -1 | sed 's/PostgreSQL: //')"
rabbitmq="$(grep -oE 'RabbitMQ: amqp://[^ ]+' "$work/demo.err" | tail -1 | sed 's/RabbitMQ: //')"
databases=(--inventory-db "$pg;Database=inventory" --payments-db "$pg;Database=payments")

# peer LABEL WARMUP MODE ARGS...: runs TxBench for WARMUP + duration + 20 s and counts the middle `duration` seconds.
peer() {
    local label="$1" warmup="$2"
    shift 2
    dotnet "$bench_dll" "$@" --concurrency 32 --warmup "$warmup" --duration "$((duration + 20))" \
        >"$work/$label.json" 2>"$work/$label.err" &
    local bench=$!
    pids+=("$bench")
    # Waited for in the background, so that a signal ends the run at once.
    sleep "$((warmup + 10))" &
    wait $!
    perf stat -a -e raw_syscalls:sys_enter,context-switches -x, -o "$work/$label.perf" -- sleep "$duration" &
    wait $!
    wait "$bench" || { tail -5 "$work/$label.err" >&2; die "TxBench $1 failed"; }
    python3 - "$work/$label.json" "$work/$label.perf" "$label" "$duration" <<'PY'
import json, sys
figures = json.load(open(sys.argv[1]))
counts = {}
for line in open(sys.argv[2]):
    parts = line.strip().split(",")
    if len(parts) > 2 and parts[0].isdigit():
        counts[parts[2]] = int(parts[0])
per_second = figures["finished_per_s"]
window_ops = per_second * float(sys.argv[4])
print(f"crossings: peer={sys.argv[3]} ops_per_s={per_second:.1f}"
      f" syscalls_per_op={counts['raw_syscalls:sys_enter'] / window_ops:.1f}"
      f" context_switches_per_op={counts['context-switches'] / window_ops:.1f}")
PY
}

log "txc-3: 90 s to warm the fresh stack, then $((duration + 20)) s"
peer txc-3 90 orders --orders-url "$orders_url" "${databases[@]}"
log "floor"
peer floor 10 floor "${databases[@]}"
# start_worker NAME LINE ARGS...: starts TxBench ARGS in the background and waits until its log shows LINE.
start_worker() {
    local name="$1" line="$2"
    shift 2
    dotnet "$bench_dll" "$@" >"$work/$name.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 120); do
        grep -q -- "$line" "$work/$name.log" && return 0
        kill -0 "${pids[-1]}" 2>/dev/null || { tail -20 "$work/$name.log" >&2; die "$name stopped"; }
        sleep 0.5
    done
    die "$name did not start within 60 s"
}

log "saga (starting its worker)"
# As bench/run.sh does: the slips go out only once the worker's queues exist.
start_worker saga-worker "saga-worker ready" saga-worker --rabbitmq "$rabbitmq" "${databases[@]}"
peer saga 30 saga --rabbitmq "$rabbitmq" "${databases[@]}"
log "chain (starting its three processes)"
mapfile -t ports < <(txc_free_ports 3)
chain=(http://127.0.0.1:"${ports[0]}" http://127.0.0.1:"${ports[1]}" http://127.0.0.1:"${ports[2]}")
start_worker chain-inventory "chain inventory ready" chain-serve --role inventory --db "$pg;Database=inventory" --urls "${chain[0]}"
start_worker chain-payments "chain payments ready" chain-serve --role payments --db "$pg;Database=payments" --urls "${chain[1]}"
start_worker chain-orders "chain orders ready" chain-serve --role orders --inventory-url "${chain[0]}" --payments-url "${chain[1]}" \
    --urls "${chain[2]}"
peer chain 60 chain --orders-url "${chain[2]}" "${databases[@]}"
