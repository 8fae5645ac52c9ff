#!/usr/bin/env bash
# How a follower catches up: the demo's stack (throwaway PostgreSQL and RabbitMQ, 3 coordinator replicas, the
# samples) under the load runner's orders, one follower killed with SIGKILL and restarted after --down seconds, while
# the leader goes on deciding. Every 2 s it prints what the follower and the leader have stored and applied
# (GET /cluster/self); at the end, the load runner's check of every order, and the one stdout line
#   catchup: down_s=<n> behind=<entries> stored_s=<x> applied_s=<x> timeouts=<n> violations=<n> in_doubt=<n>
# behind: entries the follower lacked when restarted; stored_s / applied_s: seconds from its restart until its log /
# its database was within 200 entries of the leader's (none if it never was while orders ran); timeouts: Raft
# requests the follower's transport gave up on (DotNext event 74022). Exit code 1 if it never caught up.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: scripts/catchup.sh [--down S] [--orders N] [--env KEY=VALUE]... [--keep-logs DIR] [--no-build]
  --down S           seconds the follower stays down (default 150: more than one snapshot's worth of entries at ~300 orders/s)
  --orders N         orders the load runner places at concurrency 32 (default 90000, about 5 minutes)
  --env KEY=VALUE    a setting for every replica (e.g. Coordinator__Cluster__SnapshotEvery=40000); repeatable
  --keep-logs DIR    copy the processes' logs into DIR
  --no-build         use the existing Release build instead of building first
USAGE
}

die() {
    printf 'catchup.sh: %s\n' "$*" >&2
    exit 2
}

down=150
orders=90000
keep_logs=""
build=1
replica_env=()
while (($# > 0)); do
    case "$1" in
        --down | --orders | --env | --keep-logs)
            (($# >= 2)) || die "$1 needs a value"
            case "$1" in
                --down) down="$2" ;;
                --orders) orders="$2" ;;
                --env) [[ $2 == *=* ]] || die "--env wants KEY=VALUE, not '$2'"; replica_env+=("$2") ;;
                --keep-logs) keep_logs="$2" ;;
            esac
            shift 2
            ;;
        --no-build) build=0; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
[[ $down =~ ^[1-9][0-9]{0,4}$ ]] || die "--down must be whole seconds from 1 to 99999, not '$down'"
[[ $orders =~ ^[1-9][0-9]{0,6}$ ]] || die "--orders must be a whole number from 1 to 9999999, not '$orders'"
if [[ -n $keep_logs ]]; then
    mkdir -p -- "$keep_logs" 2>/dev/null && [[ -w $keep_logs ]] || die "--keep-logs: cannot write to '$keep_logs'"
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

exec 3>&1 1>&2
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 Logging__Console__FormatterName=simple \
    Logging__Console__FormatterOptions__TimestampFormat="HH:mm:ss.fff "
coordinator_dir="$(txc_bin Coordinator)"
runner_dir="$(txc_bin SampleServices/LoadRunner)"
pids=()
cleaned=""

log() {
    printf '[catchup %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
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
    dotnet build TxCoordinator.sln -c "$TXC_CONFIGURATION" --disable-build-servers -nologo -v quiet
fi
[[ -f $coordinator_dir/TxCoordinator.Coordinator.dll ]] || { log "missing the build: run without --no-build"; exit 1; }

txc_mark_run
txc_pg_start
txc_rmq_start
mkdir -p "$TXC_SERVERS_DIR/logs"
TXC_REPLICA_ENV=("${replica_env[@]}")
txc_replicas_init 3 "$coordinator_dir"
txc_samples_init
for i in 0 1 2; do txc_replica_start "$i"; done
txc_replicas_wait_ready 60 || exit 1
for name in inventory payments orders; do txc_sample_start "$name"; done
for name in inventory payments orders; do txc_sample_wait_ready "$name" 60 || exit 1; done

runner_out="$TXC_SERVERS_DIR/logs/loadrunner.out"
(cd "$runner_dir" && exec setsid dotnet TxCoordinator.Samples.LoadRunner.dll \
    --orders-url "${TXC_SAMPLE_URLS[orders]}" --coordinator-url "${TXC_REPLICA_URLS[0]}" \
    --inventory-db "$TXC_INVENTORY_DB" --payments-db "$TXC_PAYMENTS_DB" \
    --coordinator-db "$(txc_pg_connection "${TXC_REPLICA_DBS[0]}")" \
    --orders "$orders" --concurrency 32) >"$runner_out" 2>"$TXC_SERVERS_DIR/logs/loadrunner.err" </dev/null &
runner_pid=$!
pids+=("$runner_pid")

# "<commit index> <applied index> <role>" of replica I as it reports itself, or nothing when it does not answer.
indexes() { txc_replica_self "$1" 2 commitIndex appliedIndex role; }

running() { kill -0 "$runner_pid" 2>/dev/null; }

# 40 s of orders before the fault, so that the group runs at its steady rate.
for ((t = 0; t < 40; t++)); do running && sleep 1; done
running || { log "the load runner ended before the fault: $(tail -n 2 "$runner_out")"; exit 1; }
leader="$(txc_replica_leader_index)"
[[ -n $leader ]] || { log "no leader"; exit 1; }
follower=$(((leader + 1) % 3))
name="$(txc_replica_name "$follower")"
log "killing the follower $name; the leader is $(txc_replica_name "$leader")"
txc_replica_kill "$follower"
for ((t = 0; t < down; t++)); do running && sleep 1; done
read -r leader_commit _ _ <<<"$(indexes "$leader")"
txc_replica_start "$follower"
restarted=$SECONDS
log "restarted $name; the leader has committed ${leader_commit:-?} entries"

stored_s=none
applied_s=none
while running; do
    read -r f_commit f_applied f_role <<<"$(indexes "$follower")"
    read -r l_commit _ _ <<<"$(indexes "$leader")"
    elapsed=$((SECONDS - restarted))
    log "+${elapsed}s $name: ${f_role:-down} stored ${f_commit:--} applied ${f_applied:--} | leader stored ${l_commit:--}"
    if [[ -n ${f_commit:-} && -n ${l_commit:-} ]]; then
        [[ $stored_s != none ]] || ((l_commit - f_commit > 200)) || stored_s=$elapsed
        [[ $applied_s != none ]] || ((l_commit - f_applied > 200)) || applied_s=$elapsed
    fi
    [[ $applied_s == none ]] || break
    ((elapsed < 600)) || break
    sleep 2
done
status=0
wait "$runner_pid" || status=$?
summary="$(grep '^demo: ' "$runner_out" | tail -n 1 || true)"
log "load runner: ${summary:-no summary (exit code $status)}"
[[ $summary =~ violations=([0-9]+) ]] && violations="${BASH_REMATCH[1]}" || violations=unknown
[[ $summary =~ in_doubt=([0-9]+) ]] && in_doubt="${BASH_REMATCH[1]}" || in_doubt=unknown

# What the restarted follower's own first line says it had: "N entries committed in its log" on its second start.
own="$(grep -o '[0-9]* entries committed in its log' "$TXC_SERVERS_DIR/logs/$name.log" | tail -n 1 | grep -o '^[0-9]*' || true)"
behind=$((${leader_commit:-0} - ${own:-0}))
timeouts="$(grep -c 'TcpServer\[74022\]' "$TXC_SERVERS_DIR/logs/$name.log" || true)"
printf 'catchup: down_s=%s behind=%s stored_s=%s applied_s=%s timeouts=%s violations=%s in_doubt=%s\n' \
    "$down" "$behind" "$stored_s" "$applied_s" "${timeouts:-0}" "$violations" "$in_doubt" >&3
[[ $applied_s != none && $violations == 0 && $in_doubt == 0 && $status == 0 ]]
