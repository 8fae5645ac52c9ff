#!/usr/bin/env bash
# Fault injection in the manner of Jepsen's bank test: the whole stack as real processes (throwaway PostgreSQL and
# RabbitMQ, 3 coordinator replicas, Inventory, Payments, Orders) under a steady stream of orders, while a nemesis
# injects one fault at a time: SIGKILL of the leader, of a follower, of a participant; SIGSTOP of the leader; a
# RabbitMQ restart; a PostgreSQL restart; a partition isolating the leader. Then everything is healed, orders stop,
# the system quiesces and a checker reads the whole history (every order, what the client was told, every fault, the
# final rows, every replica's decisions) for atomicity, durability, conservation, leftovers, agreement between the
# replicas and in-doubt transactions. The only stdout line is
#   chaos: tx=<n> faults=<k> violations=<v> in_doubt=<d> max_recovery_s=<x>
# and the exit code is non-zero when violations or in_doubt are not 0. Progress goes to stderr.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: scripts/chaos.sh [--quick | --duration D] [--seed S] [--concurrency C] [--keep-logs DIR] [--no-build]
  --quick            about 100 s of orders and faults, every fault kind at least once; under 5 minutes (the default)
  --duration D       orders and faults for D: seconds, or a number with s, m or h (90s, 30m, 2h); at least 60s
  --seed S           seeds the nemesis's schedule and the orders (default: random, printed)
  --concurrency C    orders in flight at once (default 16)
  --keep-logs DIR    copy the logs and the history into DIR (on failure they are always kept, in a printed folder)
  --no-build         use the existing Release build instead of building first
USAGE
}

die() {
    printf 'chaos.sh: %s\n' "$*" >&2
    exit 2
}

# Seconds in a duration such as 90, 90s, 30m or 2h; empty when it is not one.
parse_duration() {
    if [[ $1 =~ ^([1-9][0-9]{0,5})([smh]?)$ ]]; then
        local n="${BASH_REMATCH[1]}"
        case "${BASH_REMATCH[2]}" in
            m) n=$((n * 60)) ;;
            h) n=$((n * 3600)) ;;
        esac
        printf '%s\n' "$n"
    fi
}

quick_seconds=100
workload_seconds=""
seed=""
concurrency=16
keep_logs=""
build=1
while (($# > 0)); do
    case "$1" in
        --quick) [[ -z $workload_seconds ]] || die "give --quick or --duration, not both"; workload_seconds=$quick_seconds; shift ;;
        --duration | --seed | --concurrency | --keep-logs)
            (($# >= 2)) || die "$1 needs a value"
            case "$1" in
                --duration)
                    [[ -z $workload_seconds ]] || die "give --quick or --duration, not both"
                    workload_seconds="$(parse_duration "$2")"
                    [[ -n $workload_seconds ]] || die "--duration must be seconds or a number with s, m or h (90s, 30m, 2h), not '$2'"
                    ((workload_seconds >= 60 && workload_seconds <= 86400)) || die "--duration must be from 60s to 24h, not '$2'"
                    ;;
                --seed) [[ $2 =~ ^[0-9]{1,9}$ ]] || die "--seed must be a whole number (at most 9 digits), not '$2'"; seed="$2" ;;
                --concurrency)
                    [[ $2 =~ ^[1-9][0-9]{0,2}$ ]] && (($2 <= 256)) || die "--concurrency must be from 1 to 256, not '$2'"
                    concurrency="$2"
                    ;;
                --keep-logs) keep_logs="$2" ;;
            esac
            shift 2
            ;;
        --no-build) build=0; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
workload_seconds="${workload_seconds:-$quick_seconds}"
seed="${seed:-$((RANDOM * 32768 + RANDOM))}"
if [[ -n $keep_logs ]]; then
    mkdir -p -- "$keep_logs" 2>/dev/null && [[ -w $keep_logs ]] || die "--keep-logs: cannot write to '$keep_logs'"
    keep_logs="$(cd "$keep_logs" && pwd)"
fi
((EUID == 0)) || die "needs root: faults use iptables and signals to other users' processes"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/lib/servers.sh
source "$root/scripts/lib/servers.sh"
# shellcheck source=scripts/lib/replicas.sh
source "$root/scripts/lib/replicas.sh"
# shellcheck source=scripts/lib/samples.sh
source "$root/scripts/lib/samples.sh"
# shellcheck source=scripts/lib/nemesis.sh
source "$root/scripts/lib/nemesis.sh"
# shellcheck source=scripts/lib/digest.sh
source "$root/scripts/lib/digest.sh"

# Only the summary may reach stdout: keep it as fd 3 and send everything else to stderr.
exec 3>&1 1>&2

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Every process's log lines carry the time, to be laid beside the nemesis's.
export Logging__Console__FormatterName=simple Logging__Console__FormatterOptions__TimestampFormat="HH:mm:ss.fff "
coordinator_dir="$(txc_bin Coordinator)"
runner_dir="$(txc_bin SampleServices/LoadRunner)"
runner_dll="$runner_dir/TxCoordinator.Samples.LoadRunner.dll"
ready_timeout=90
# Faults stop this long before the orders do, so that the last leader fault's recovery is seen.
tail_seconds=15
in_doubt_after=10
runner_pid=""
cleaned=""
status=1
started_at=$SECONDS

log() {
    printf '[chaos %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

# Keeps the logs and the history where a person can read them: always on failure or after a process exited on its own
# (txc_nemesis_supervise), otherwise with --keep-logs.
keep_evidence() {
    local into="$keep_logs"
    if [[ -z $into ]]; then
        ((status != 0 || ${#TXC_NEMESIS_EXITS[@]} > 0)) || return 0
        into="$(mktemp -d "${TMPDIR:-/tmp}/txc-chaos-logs.XXXXXX")"
    fi
    [[ -n $TXC_SERVERS_DIR && -d $TXC_SERVERS_DIR/logs ]] || return 0
    cp -r "$TXC_SERVERS_DIR/logs/." "$into/" 2>/dev/null || true
    cp -L "$TXC_SERVERS_DIR"/pg/postgres.log.* "$into/" 2>/dev/null || true
    cp -L "$TXC_SERVERS_DIR"/rmq/server.log.* "$into/" 2>/dev/null || true
    log "logs and history kept in $into"
}

cleanup() {
    [[ -z $cleaned ]] || return 0
    cleaned=1
    # The partition first: a chain left behind would cut this machine's loopback traffic on those ports.
    txc_nemesis_unpartition || true
    [[ -z $TXC_NEMESIS_PAUSED ]] || kill -CONT -- "-$TXC_NEMESIS_PAUSED" 2>/dev/null || true
    local -a samples
    mapfile -t samples < <(txc_sample_pids)
    txc_stop_processes ${runner_pid:+"$runner_pid"} "${samples[@]}" "${TXC_REPLICA_PIDS[@]}"
    TXC_REPLICA_PIDS=()
    keep_evidence
    txc_servers_stop
    txc_kill_marked
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ((build)); then
    log "building ($TXC_CONFIGURATION)"
    # No build servers: they would outlive the run.
    dotnet build TxCoordinator.sln -c "$TXC_CONFIGURATION" --disable-build-servers -nologo -v quiet
fi
for dll in "$coordinator_dir/TxCoordinator.Coordinator.dll" "$runner_dll"; do
    [[ -f $dll ]] || { log "missing $dll: run without --no-build"; exit 1; }
done

log "seed $seed (replay with --seed $seed), $workload_seconds s of orders at concurrency $concurrency"
txc_mark_run
txc_pg_start
txc_rmq_start
mkdir -p "$TXC_SERVERS_DIR/logs"
history="$TXC_SERVERS_DIR/logs/history.jsonl"
faults="$TXC_SERVERS_DIR/logs/faults.jsonl"
stop_file="$TXC_SERVERS_DIR/stop-orders"
txc_nemesis_init "$faults"

# Each replica in its own group, so that a partition can single out its traffic; unresponsive participants are asked
# again every 2 s at most rather than after up to 30 s (the default), so that a healed system finishes promptly; and a
# snapshot every 200 log entries rather than 10,000, so that a run takes dozens and a replica that was killed or cut
# off receives the leader's (docs/reliability.md, item 13: with the default a quick run took none).
TXC_REPLICA_GID_BASE=$((47000 + ($$ % 500) * 5))
TXC_REPLICA_ENV=("Coordinator__ResendMaxDelay=00:00:02" "Coordinator__Cluster__SnapshotEvery=200")
txc_replicas_init 3 "$coordinator_dir"
txc_samples_init
for i in 0 1 2; do
    txc_replica_start "$i"
done
txc_replicas_wait_ready "$ready_timeout"
for name in inventory payments orders; do
    txc_sample_start "$name"
done
for name in inventory payments orders; do
    txc_sample_wait_ready "$name" "$ready_timeout"
done
log "stack ready after $((SECONDS - started_at))s"

(cd "$runner_dir" && exec setsid dotnet "$runner_dll" run \
    --orders-url "${TXC_SAMPLE_URLS[orders]}" --inventory-db "$TXC_INVENTORY_DB" --payments-db "$TXC_PAYMENTS_DB" \
    --duration $((workload_seconds + 600)) --stop-file "$stop_file" --concurrency "$concurrency" \
    --seed $((seed % 2147483647)) --history "$history") >>"$TXC_SERVERS_DIR/logs/loadrunner.log" 2>&1 </dev/null &
runner_pid=$!
# Faults start once orders flow: seeding must not be what they hit.
txc_wait_for 60 "$runner_pid" grep -q '"type":"invoke"' "$history" ||
    { tail -n 20 "$TXC_SERVERS_DIR/logs/loadrunner.log" >&2; log "the load runner placed no order"; exit 1; }
workload_start=$SECONDS
faults_until=$((workload_start + workload_seconds - tail_seconds))
log "orders flowing; faults until +$((workload_seconds - tail_seconds))s"

# True when an order invoked at or after unix ms SINCE has committed (only the history's recent lines are read): the
# checker's notion of "recovered".
committed_since() {
    local since="${1:-0}" invoked
    while read -r invoked; do
        ((invoked >= since)) && return 0
    done < <(tail -n 400 "$history" | grep '"type":"complete"' | grep '"outcome":"committed"' |
        sed -n 's/.*"invoked":\([0-9]*\).*/\1/p')
    return 1
}

# Every kind once, in a seeded order, then seeded random kinds; one at a time with a few quiet seconds between.
# Seeded only now: starting the servers draws ports from RANDOM as many times as it takes to find free ones. The keys
# are drawn here, not in the pipeline that sorts them: bash reseeds RANDOM in every subshell, so a draw there would
# ignore --seed.
RANDOM=$seed
keyed=()
for kind in "${TXC_NEMESIS_KINDS[@]}"; do
    printf -v key '%05d %s' "$RANDOM" "$kind"
    keyed+=("$key")
done
mapfile -t schedule < <(printf '%s\n' "${keyed[@]}" | sort | cut -d' ' -f2)
done_kinds=0
sleep 5
while :; do
    if ((done_kinds < ${#schedule[@]})); then
        kind="${schedule[$done_kinds]}"
    else
        ((SECONDS < faults_until)) || break
        kind="${TXC_NEMESIS_KINDS[$((RANDOM % ${#TXC_NEMESIS_KINDS[@]}))]}"
    fi
    done_kinds=$((done_kinds + 1))
    # A fault that could not be undone is left to the heal below; the run goes on.
    txc_nemesis_inject "$kind" || log "fault $kind did not complete (status $?)"
    txc_nemesis_supervise
    if ! kill -0 "$runner_pid" 2>/dev/null; then
        log "the load runner died; the end of its log:"
        tail -n 20 "$TXC_SERVERS_DIR/logs/loadrunner.log" >&2
        break
    fi
    # One fault at a time: the system works again before the next. An order placed since this fault began has
    # committed, and every replica and sample is up (a replica restarted a moment ago may still be catching up: hit
    # now, the cluster would face two faults at once).
    if ! txc_wait_for 30 "$runner_pid" committed_since "$(tail -n 1 "$faults" | sed -n 's/.*"start":\([0-9]*\).*/\1/p')"; then
        log "no order placed since the fault began has committed within 30 s of its end; going on"
    fi
    txc_nemesis_supervise
    txc_nemesis_wait_healthy 60 || log "not everything is healthy after 60 s; going on"
    txc_nemesis_draw 3 6
    sleep "$TXC_DRAW"
    # --quick must fit in 5 minutes: only the first round of kinds may run past the window.
    ((done_kinds < ${#schedule[@]} || SECONDS < faults_until)) || break
done
while ((SECONDS < workload_start + workload_seconds)); do sleep 1; done
((TXC_NEMESIS_UNBITTEN == 0)) || log "WARNING: after $TXC_NEMESIS_UNBITTEN partition(s) no other replica was seen leading"

log "healing"
txc_nemesis_heal
txc_replicas_wait_ready "$ready_timeout" || true
for name in inventory payments orders; do
    txc_sample_wait_ready "$name" "$ready_timeout" || true
done
healed_at="$(txc_now_ms)"
healed_seconds=$SECONDS
printf '{"type":"heal","wall":%s}\n' "$healed_at" >>"$faults"
: >"$stop_file"
log "orders stopped; waiting for the answers still due"
if ! txc_wait_for 75 "" bash -c "! kill -0 $runner_pid 2>/dev/null"; then
    log "the load runner still waits for answers after 75 s: stopping it (those orders count as indeterminate)"
fi
txc_stop_process "$runner_pid" TERM 5
runner_pid=""

while ((SECONDS < healed_seconds + in_doubt_after)); do sleep 0.2; done
leader="$(txc_replica_leader_index)"
coordinator_db="$(txc_pg_connection "${TXC_REPLICA_DBS[${leader:-0}]}")"
runner() {
    (cd "$runner_dir" && dotnet "$runner_dll" "$@" --inventory-db "$TXC_INVENTORY_DB" --payments-db "$TXC_PAYMENTS_DB" \
        --coordinator-db "$coordinator_db" --history "$history") 2>&1 | sed 's/^/  /' >&2 ||
        log "load runner '$1' failed: the check will say what is missing"
}
runner outstanding --label "heal+${in_doubt_after}s"
# A replica that was stopping itself when the heal looked (a failed log takes it a moment) is restarted before the
# final state is read from every replica.
txc_nemesis_supervise
((${#TXC_NEMESIS_EXITS[@]} == 0)) ||
    log "WARNING: ${#TXC_NEMESIS_EXITS[@]} process(es) exited on their own and were restarted: $(printf '%s, ' "${TXC_NEMESIS_EXITS[@]}" | sed 's/, $//')"
# Every replica's own database too: they apply one log, so they must agree on every transaction they finished.
replica_dbs=""
for i in "${!TXC_REPLICA_DBS[@]}"; do
    replica_dbs+="${replica_dbs:+|}r$((i + 1))=$(txc_pg_connection "${TXC_REPLICA_DBS[$i]}")"
done
runner final --settle 60 --replica-dbs "$replica_dbs"

cat "$faults" >>"$history"
summary="$(cd "$runner_dir" && dotnet "$runner_dll" check --history "$history" 2>"$TXC_SERVERS_DIR/logs/check.log")" && status=0 || status=$?
sed 's/^/  /' "$TXC_SERVERS_DIR/logs/check.log" >&2
if ((status != 0)); then
    # The logs are kept on this machine only; a CI page shows this output alone.
    txc_log_digest "$TXC_SERVERS_DIR/logs" "coordinator-*.log" inventory.log payments.log orders.log loadrunner.log >&2
fi
log "seed $seed; $((SECONDS - started_at))s in all"
cleanup
printf '%s\n' "$summary" >&3
exit "$status"
