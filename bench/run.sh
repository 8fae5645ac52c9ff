#!/usr/bin/env bash
# Benchmarks of issue 5, in one run on this machine: TxCoordinator side by side with the floor (PREPARE/COMMIT
# PREPARED by one process), the bus floor (request/response round trips) and the MassTransit routing slip a team
# would build instead, all on the same throwaway PostgreSQL and RabbitMQ (scripts/lib/servers.sh), the same data
# (LoadRunner's seed: 200 products, 1,000 customers) and the same order mix. See docs/benchmarks.md.
#
# Writes bench/results/<date>-<commit>.{md,json,png} (or --out DIR); progress goes to stderr; the last stdout line is
#   bench: txc_tps=<x> floor_tps=<x> ratio=<x> txc_p99_ms=<x> floor_p99_ms=<x> saga_tps=<x>
# (txc: 3 replicas, the default; all at concurrency 32). Everything started here is stopped on exit, Ctrl-C included.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: bench/run.sh [--quick] [--duration S] [--warmup S] [--stack-warmup S] [--concurrency LIST] [--peers LIST] [--out DIR] [--keep-logs DIR] [--no-build]
  --quick             short phases at concurrency 32 only, no sweeps (within 6 minutes)
  --duration S        measured seconds per phase (default 20; --quick 15)
  --warmup S          warm-up seconds per phase, excluded from the figures (default 10; --quick 8)
  --stack-warmup S    unmeasured load on each freshly started stack before its first phase (default 30; --quick 45)
  --concurrency LIST  concurrency sweep for floor and txc-3, e.g. 1,8,32,64 (default; --quick: 32). 32 is always run.
  --peers LIST        any of floor,bus,saga,chain,txc-1,txc-3,participants (default: all; --quick: floor,bus,saga,txc-3)
  --out DIR           where the results go (default bench/results)
  --keep-logs DIR     copy every process's and server's log into DIR before cleaning up (a failed run keeps
                      them in a new ${TMPDIR:-/tmp}/txc-bench-failed.* folder without being asked)
  --no-build          use the existing Release build
USAGE
}

die() {
    printf 'bench/run.sh: %s\n' "$*" >&2
    exit 2
}

all_peers="floor,bus,saga,chain,txc-1,txc-3,participants"
quick=0
duration=""
warmup=""
stack_warmup=""
concurrency=""
peers=""
out=""
keep_logs=""
build=1
while (($# > 0)); do
    case "$1" in
        --duration | --warmup | --stack-warmup | --concurrency | --peers | --out | --keep-logs)
            (($# >= 2)) || die "$1 needs a value"
            case "$1" in
                --duration) duration="$2" ;;
                --warmup) warmup="$2" ;;
                --stack-warmup) stack_warmup="$2" ;;
                --concurrency) concurrency="$2" ;;
                --peers) peers="$2" ;;
                --out) out="$2" ;;
                --keep-logs) keep_logs="$2" ;;
            esac
            shift 2
            ;;
        --quick) quick=1; shift ;;
        --no-build) build=0; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
if ((quick)); then
    duration="${duration:-15}"
    warmup="${warmup:-8}"
    stack_warmup="${stack_warmup:-45}"
    concurrency="${concurrency:-32}"
    peers="${peers:-floor,bus,saga,txc-3}"
else
    duration="${duration:-20}"
    warmup="${warmup:-10}"
    stack_warmup="${stack_warmup:-30}"
    concurrency="${concurrency:-1,8,32,64}"
    peers="${peers:-$all_peers}"
fi
[[ $duration =~ ^[1-9][0-9]{0,3}$ ]] || die "--duration must be a whole number of seconds from 1 to 9999, not '$duration'"
[[ $warmup =~ ^[0-9]{1,4}$ ]] || die "--warmup must be a whole number of seconds from 0 to 9999, not '$warmup'"
[[ $stack_warmup =~ ^[0-9]{1,4}$ ]] || die "--stack-warmup must be a whole number of seconds from 0 to 9999, not '$stack_warmup'"
IFS=, read -r -a sweep <<<"$concurrency"
((${#sweep[@]} > 0)) || die "--concurrency needs at least one value"
for c in "${sweep[@]}"; do
    [[ $c =~ ^[1-9][0-9]{0,3}$ ]] && ((c <= 1024)) || die "--concurrency values must be whole numbers from 1 to 1024, not '$c'"
done
[[ " ${sweep[*]} " == *" 32 "* ]] || sweep+=(32)
mapfile -t sweep < <(printf '%s\n' "${sweep[@]}" | sort -n -u)
IFS=, read -r -a selected <<<"$peers"
((${#selected[@]} > 0)) || die "--peers needs at least one peer"
for p in "${selected[@]}"; do
    [[ ",$all_peers," == *",$p,"* ]] || die "unknown peer '$p' (peers: $all_peers)"
done
wants() { [[ " ${selected[*]} " == *" $1 "* ]]; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [[ -n $out ]]; then
    mkdir -p -- "$out" 2>/dev/null && [[ -w $out ]] || die "--out: cannot write to '$out'"
    out="$(cd "$out" && pwd)"
else
    out="$root/bench/results"
    mkdir -p "$out"
fi
if [[ -n $keep_logs ]]; then
    mkdir -p -- "$keep_logs" 2>/dev/null && [[ -w $keep_logs ]] || die "--keep-logs: cannot write to '$keep_logs'"
    keep_logs="$(cd "$keep_logs" && pwd)"
fi
command -v python3 >/dev/null 2>&1 || die "python3 is needed for the report"

# shellcheck source=scripts/lib/servers.sh
source "$root/scripts/lib/servers.sh"
# shellcheck source=scripts/lib/replicas.sh
source "$root/scripts/lib/replicas.sh"

# Only the summary may reach stdout: keep it as fd 3 and send everything else to stderr.
exec 3>&1 1>&2
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
coordinator_dir="$(txc_bin Coordinator)"
inventory_dir="$(txc_bin SampleServices/Inventory)"
payments_dir="$(txc_bin SampleServices/Payments)"
orders_dir="$(txc_bin SampleServices/Orders)"
bench_dir="$(txc_bin bench/TxBench)"
ready_timeout=60
participant_count=8

log() {
    printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

# Processes started here besides the replicas, by name (pids[i] is names[i]).
names=()
pids=()
phase_pid=""
work=""
cleaned=""

# Rolls back every prepared transaction still in any database of our throwaway server (a phase interrupted between
# PREPARE and COMMIT PREPARED), so that nothing is left holding locks even before the server goes away.
rollback_prepared() {
    [[ -n $TXC_PG_PID && $TXC_SERVERS_MODE == local ]] || return 0
    local db gid count=0
    while read -r db gid; do
        [[ -n $gid ]] || continue
        "$TXC_PG_BIN/psql" -X -q -h 127.0.0.1 -p "$TXC_PG_PORT" -U postgres -d "$db" \
            -c "ROLLBACK PREPARED '${gid//\'/\'\'}'" >/dev/null 2>&1 && count=$((count + 1))
    done < <("$TXC_PG_BIN/psql" -X -q -A -t -F ' ' -h 127.0.0.1 -p "$TXC_PG_PORT" -U postgres -d postgres \
        -c "SELECT database, gid FROM pg_prepared_xacts" 2>/dev/null || true)
    ((count == 0)) || log "rolled back $count prepared transaction(s) left behind"
}

cleanup() {
    local status=$?
    [[ -z $cleaned ]] || return 0
    cleaned=1
    # A run that failed keeps its logs even when not asked to: the cause of a failure seen once is otherwise lost
    # with the throwaway servers' folder. Ctrl-C (130) and a request to stop (143) are not failures.
    if ((status != 0 && status != 130 && status != 143)) && [[ -z $keep_logs && -n $TXC_SERVERS_DIR ]]; then
        keep_logs="$(mktemp -d "${TMPDIR:-/tmp}/txc-bench-failed.XXXXXX")"
    fi
    # The load generator first (SIGTERM: it rolls back what it prepared), then everything else in parallel.
    [[ -z $phase_pid ]] || txc_stop_process "$phase_pid" TERM 30
    txc_stop_processes "${pids[@]}" "${TXC_REPLICA_PIDS[@]}"
    TXC_REPLICA_PIDS=()
    rollback_prepared || true
    if [[ -n $keep_logs && -n $TXC_SERVERS_DIR ]]; then
        cp -r "$TXC_SERVERS_DIR/logs/." "$keep_logs/" 2>/dev/null || true
        [[ -z $work ]] || cp -r "$work/phases" "$keep_logs/" 2>/dev/null || true
        cp "$TXC_SERVERS_DIR/pg/postgres.log" "$keep_logs/postgres.log" 2>/dev/null || true
        log "logs kept in $keep_logs"
    fi
    txc_servers_stop
    txc_kill_marked
    [[ -z $work ]] || rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME DIR COMMAND...: in DIR (the content root, where appsettings.json is), in its own session.
start() {
    local name="$1" dir="$2"
    shift 2
    (cd "$dir" && exec setsid "$@") >"$TXC_SERVERS_DIR/logs/$name.log" 2>&1 </dev/null &
    names+=("$name")
    pids+=("$!")
}

# Stops the processes named in "$@" (and forgets them).
stop_named() {
    local -a keep_names=() keep_pids=() stop=()
    local i
    for i in "${!names[@]}"; do
        if [[ " $* " == *" ${names[$i]} "* ]]; then
            stop+=("${pids[$i]}")
        else
            keep_names+=("${names[$i]}")
            keep_pids+=("${pids[$i]}")
        fi
    done
    ((${#stop[@]} == 0)) || txc_stop_processes "${stop[@]}"
    names=("${keep_names[@]}")
    pids=("${keep_pids[@]}")
}

pid_of() {
    local i
    for i in "${!names[@]}"; do
        [[ ${names[$i]} != "$1" ]] || { printf '%s\n' "${pids[$i]}"; return 0; }
    done
    return 1
}

wait_ready() {
    local name="$1" url="$2" pid
    pid="$(pid_of "$name")"
    if ! txc_wait_for "$ready_timeout" "$pid" curl -fsS -o /dev/null --max-time 2 "$url"; then
        log "$name did not become ready at $url within ${ready_timeout}s; the end of its log:"
        tail -n 40 "$TXC_SERVERS_DIR/logs/$name.log" >&2 || true
        exit 1
    fi
}

# Waits until a worker's log shows LINE (the bench workers print it once their bus is up).
wait_log() {
    local name="$1" line="$2" pid
    pid="$(pid_of "$name")"
    if ! txc_wait_for "$ready_timeout" "$pid" grep -q -- "$line" "$TXC_SERVERS_DIR/logs/$name.log"; then
        log "$name did not start within ${ready_timeout}s; the end of its log:"
        tail -n 40 "$TXC_SERVERS_DIR/logs/$name.log" >&2 || true
        exit 1
    fi
}

# "name=pid,..." for --watch: the servers always, then the extra NAME=PIDS given.
watch_list() {
    local list="postgres=$TXC_PG_PID,rabbitmq=$TXC_RMQ_PID+$TXC_EPMD_PID" entry
    for entry in "$@"; do
        list+=",$entry"
    done
    printf '%s\n' "$list"
}

# phase ID MODE ARGS...: runs one measured phase of TxBench; its JSON line goes to $work/phases/ID.json.
phase() {
    local id="$1"
    shift
    log "phase $id: $*"
    local status=0
    # In the background so that a signal interrupts `wait` at once; its progress (stderr) stays visible.
    (cd "$bench_dir" && exec setsid dotnet TxCoordinator.Bench.dll "$@" --warmup "${phase_warmup:-$warmup}" --duration "$duration" --label "$id") \
        >"$work/phases/$id.out" 2>&2 </dev/null &
    phase_pid=$!
    wait "$phase_pid" || status=$?
    phase_pid=""
    # Exit code 1 with figures means nothing committed in the window: a result to report, not a reason to stop.
    if ((status > 1)) || ! tail -n 1 "$work/phases/$id.out" | python3 -c 'import json,sys; json.loads(sys.stdin.read())' 2>/dev/null; then
        log "phase $id failed (exit code $status)"
        exit 1
    fi
    ((status == 0)) || log "phase $id: nothing committed in the measured window"
    tail -n 1 "$work/phases/$id.out" >"$work/phases/$id.json"
}

# The coordinator with REPLICAS replicas and the three samples, as scripts/demo.sh starts them.
start_stack() {
    local replicas="$1" i
    txc_replicas_init "$replicas" "$coordinator_dir"
    coordinator_urls_env=()
    orders_coordinator_env=()
    coordinator_urls=""
    for ((i = 0; i < replicas; i++)); do
        txc_replica_start "$i"
        coordinator_urls_env+=("TransactionParticipant__CoordinatorUrls__${i}=${TXC_REPLICA_URLS[$i]}")
        orders_coordinator_env+=("TransactionCoordinator__Urls__${i}=${TXC_REPLICA_URLS[$i]}")
        coordinator_urls+="${coordinator_urls:+,}${TXC_REPLICA_URLS[$i]}"
    done
    txc_replicas_wait_ready "$ready_timeout" || exit 1
    local -a ports
    mapfile -t ports < <(txc_free_ports 3)
    inventory_url="http://127.0.0.1:${ports[0]}"
    payments_url="http://127.0.0.1:${ports[1]}"
    orders_url="http://127.0.0.1:${ports[2]}"
    start inventory "$inventory_dir" env ConnectionStrings__Inventory="$inventory_db" ConnectionStrings__RabbitMq="$TXC_RMQ_URI" \
        "${coordinator_urls_env[@]}" dotnet TxCoordinator.Samples.Inventory.dll --urls "$inventory_url"
    start payments "$payments_dir" env ConnectionStrings__Payments="$payments_db" ConnectionStrings__RabbitMq="$TXC_RMQ_URI" \
        "${coordinator_urls_env[@]}" dotnet TxCoordinator.Samples.Payments.dll --urls "$payments_url"
    start orders "$orders_dir" env ConnectionStrings__RabbitMq="$TXC_RMQ_URI" "${orders_coordinator_env[@]}" \
        Services__Inventory="$inventory_url" Services__Payments="$payments_url" \
        dotnet TxCoordinator.Samples.Orders.dll --urls "$orders_url"
    wait_ready inventory "$inventory_url/health/ready"
    wait_ready payments "$payments_url/health/ready"
    wait_ready orders "$orders_url/health/ready"
    log "stack ready: $replicas replica(s) at $coordinator_urls, orders at $orders_url"
}

stop_stack() {
    stop_named inventory payments orders "${participant_names[@]}"
    txc_replicas_stop
    participant_names=()
}

# "coordinator=pid+pid+pid" (sessions of every replica).
replica_watch() {
    local joined
    joined="$(IFS=+; printf '%s' "${TXC_REPLICA_PIDS[*]}")"
    printf 'coordinator=%s\n' "$joined"
}

if ((build)); then
    log "building ($TXC_CONFIGURATION)"
    dotnet build TxCoordinator.sln -c "$TXC_CONFIGURATION" --disable-build-servers -nologo -v quiet
fi
for dll in "$coordinator_dir/TxCoordinator.Coordinator.dll" "$inventory_dir/TxCoordinator.Samples.Inventory.dll" \
    "$payments_dir/TxCoordinator.Samples.Payments.dll" "$orders_dir/TxCoordinator.Samples.Orders.dll" \
    "$bench_dir/TxCoordinator.Bench.dll"; do
    [[ -f $dll ]] || die "missing $dll: run without --no-build"
done

txc_mark_run
run_started=$SECONDS
work="$(mktemp -d "${TMPDIR:-/tmp}/txc-bench.XXXXXX")"
mkdir -p "$work/phases"
# The chart is an SVG page screenshot: install Debian's chromium now, as the servers are, not find it missing at the
# end. Without it the figures are still worth having: the chart then stays a page.
if [[ -z ${TXC_CHROMIUM:-} ]]; then
    txc_ensure_chromium || true
    [[ -n ${TXC_CHROMIUM:-} ]] || log "chromium could not be installed: the chart will stay as an HTML page"
fi
txc_pg_start
txc_rmq_start
mkdir -p "$TXC_SERVERS_DIR/logs"
participant_dbs=()
for ((i = 1; i <= participant_count; i++)); do participant_dbs+=("bench_p$i"); done
txc_pg_create_databases inventory payments "${participant_dbs[@]}"
inventory_db="$(txc_pg_connection inventory)"
payments_db="$(txc_pg_connection payments)"
participant_names=()

if wants floor; then
    for c in "${sweep[@]}"; do
        phase "floor-c$c" floor --inventory-db "$inventory_db" --payments-db "$payments_db" --concurrency "$c" --watch "$(watch_list)"
    done
fi
if wants bus; then
    phase bus-mt-c32 bus --client mt --rabbitmq "$TXC_RMQ_URI" --concurrency 32 --watch "$(watch_list)"
    # The messages the coordinator and the SDK actually send (not persisted, not confirmed): what the report's bound
    # on any coordinator's cost prices, which full runs alone compute (it needs the chain).
    if ((!quick)); then
        phase bus-mt-transient-c32 bus --client mt-transient --rabbitmq "$TXC_RMQ_URI" --concurrency 32 --watch "$(watch_list)"
    fi
    phase bus-raw-c32 bus --client raw --rabbitmq "$TXC_RMQ_URI" --concurrency 32 --watch "$(watch_list)"
fi
if wants saga; then
    start saga-worker "$bench_dir" dotnet TxCoordinator.Bench.dll saga-worker \
        --rabbitmq "$TXC_RMQ_URI" --inventory-db "$inventory_db" --payments-db "$payments_db"
    wait_log saga-worker "saga-worker ready"
    phase saga-c32 saga --rabbitmq "$TXC_RMQ_URI" --inventory-db "$inventory_db" --payments-db "$payments_db" \
        --concurrency 32 --watch "$(watch_list "saga-worker=$(pid_of saga-worker)")"
    stop_named saga-worker
fi
if wants chain; then
    mapfile -t ports < <(txc_free_ports 3)
    chain_inventory="http://127.0.0.1:${ports[0]}"
    chain_payments="http://127.0.0.1:${ports[1]}"
    chain_orders="http://127.0.0.1:${ports[2]}"
    start chain-inventory "$bench_dir" dotnet TxCoordinator.Bench.dll chain-serve --role inventory --db "$inventory_db" --urls "$chain_inventory"
    start chain-payments "$bench_dir" dotnet TxCoordinator.Bench.dll chain-serve --role payments --db "$payments_db" --urls "$chain_payments"
    start chain-orders "$bench_dir" dotnet TxCoordinator.Bench.dll chain-serve --role orders \
        --inventory-url "$chain_inventory" --payments-url "$chain_payments" --urls "$chain_orders"
    wait_ready chain-inventory "$chain_inventory/health/ready"
    wait_ready chain-payments "$chain_payments/health/ready"
    wait_ready chain-orders "$chain_orders/health/ready"
    # Fresh processes: the phase waits out their tiered JIT as the first TxCoordinator phase does.
    phase_warmup=$((warmup + stack_warmup)) phase chain-c32 chain --orders-url "$chain_orders" --inventory-db "$inventory_db" \
        --payments-db "$payments_db" --concurrency 32 \
        --watch "$(watch_list "inventory=$(pid_of chain-inventory)" "payments=$(pid_of chain-payments)" "orders=$(pid_of chain-orders)")"
    stop_named chain-inventory chain-payments chain-orders
fi
for replicas in 1 3; do
    wants "txc-$replicas" || { ((replicas == 3)) && wants participants; } || continue
    start_stack "$replicas"
    watch="$(watch_list "$(replica_watch)" "inventory=$(pid_of inventory)" "payments=$(pid_of payments)" "orders=$(pid_of orders)")"
    if wants "txc-$replicas"; then
        if ((replicas == 3)); then levels=("${sweep[@]}"); else levels=(32); fi
        for c in "${levels[@]}"; do
            # A fresh stack spends its first minute compiling hot code (tiered JIT): the first phase waits that out.
            phase_warmup=$((c == levels[0] ? warmup + stack_warmup : warmup))
            phase "txc-$replicas-c$c" orders --orders-url "$orders_url" --inventory-db "$inventory_db" --payments-db "$payments_db" \
                --concurrency "$c" --watch "$watch"
        done
    fi
    if ((replicas == 3)) && wants participants; then
        stop_named inventory payments orders
        participant_urls=()
        mapfile -t ports < <(txc_free_ports "$participant_count")
        for ((i = 1; i <= participant_count; i++)); do
            participant_urls+=("http://127.0.0.1:${ports[$((i - 1))]}")
            participant_names+=("participant-$i")
            # Eight pools of Npgsql's default 100 could ask PostgreSQL for twice the 400 connections it allows (53300
            # "too many clients", seen in the participants phases of 2026-12-06): 8 x 40 leaves room for the coordinators.
            start "participant-$i" "$bench_dir" dotnet TxCoordinator.Bench.dll participant-serve --name "bench-p$i" \
                --db "$(txc_pg_connection "bench_p$i");Maximum Pool Size=40" --rabbitmq "$TXC_RMQ_URI" --coordinator-url "$coordinator_urls" \
                --urls "${participant_urls[$((i - 1))]}"
        done
        for ((i = 1; i <= participant_count; i++)); do
            wait_ready "participant-$i" "${participant_urls[$((i - 1))]}/health/ready"
        done
        # The eight participants start up on the replicas' two cores: in one full run (of 555c7f6) a replica answered
        # 503 on /health/ready right after them, and the phase refused to start. Ready again first, or its log's end.
        txc_replicas_wait_ready "$ready_timeout" || exit 1
        # Widest first: its longer warm-up warms every participant process.
        for n in 8 4 2 1; do
            urls="$(IFS=,; printf '%s' "${participant_urls[*]:0:$n}")"
            participant_pids="$(for ((i = 1; i <= n; i++)); do pid_of "participant-$i"; done | paste -sd+)"
            for payload in 100 10240; do
                phase_warmup=$((n == 8 && payload == 100 ? warmup + stack_warmup : warmup))
                phase "participants-$n-b$payload" participants --coordinator-url "$coordinator_urls" --participant-urls "$urls" \
                    --payload "$payload" --concurrency 32 \
                    --watch "$(watch_list "$(replica_watch)" "participants=$participant_pids")"
            done
        done
    fi
    stop_stack
done
rollback_prepared

commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty=""
[[ -z "$(git -C "$root" status --porcelain 2>/dev/null)" ]] || dirty=" (with uncommitted changes)"
base="$out/$(date +%Y-%m-%d)-$commit"
command_line="bench/run.sh"
((quick)) && command_line+=" --quick"
command_line+=" --duration $duration --warmup $warmup --stack-warmup $stack_warmup --concurrency $(IFS=,; printf '%s' "${sweep[*]}") --peers $peers"
machine="$(nproc) CPU(s): $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); $(awk '/MemTotal/ {printf "%.0f GiB RAM", $2 / 1048576}' /proc/meminfo); $(. /etc/os-release && printf '%s' "$PRETTY_NAME"); kernel $(uname -r); .NET $(dotnet --version); PostgreSQL $("$TXC_PG_BIN/postgres" --version | awk '{print $3}'); load average before the report: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$root/bench/report.py" --phases "$work/phases" --base "$base" --commit "$commit$dirty" \
    --command "$command_line" --machine "$machine" --elapsed "$((SECONDS - run_started))"
chart="$base.html"
if [[ -n ${TXC_CHROMIUM:-} ]] && timeout 60 "$TXC_CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$work/chromium" \
    --screenshot="$base.png" --window-size="1200,$(wants participants && echo 1900 || echo 1350)" "file://$base.html" >"$work/chromium.log" 2>&1 &&
    [[ -s $base.png ]]; then
    rm -f "$base.html"
    chart="$base.png"
else
    [[ ! -s $work/chromium.log ]] || tail -n 5 "$work/chromium.log" >&2
    log "no PNG from chromium (${TXC_CHROMIUM:-none}): the chart stays as $base.html"
fi
log "results: $base.md, $base.json, $chart ($((SECONDS - run_started)) s)"
summary="$(python3 "$root/bench/report.py" --summary "$base.json")"
cleanup
printf '%s\n' "$summary" >&3
