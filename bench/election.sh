#!/usr/bin/env bash
# Leader election time after a SIGKILL, measured on real processes: three coordinator replicas (throwaway
# PostgreSQL and RabbitMQ as in scripts/demo.sh); the leader is killed, and the time until another replica reports
# itself as deciding leader (elected and caught up with the log) is recorded; the killed replica is restarted and
# the group left to settle before the next kill. Prints one line per kill, then:
#   election: kills=<n> median_ms=<x> max_ms=<x> min_ms=<x>
# usage: bench/election.sh [--kills N (20)] [--replicas 3|5] [--no-build]
set -euo pipefail

kills=20
replicas=3
build=1
while (($# > 0)); do
    case "$1" in
        --kills) kills="$2"; shift 2 ;;
        --replicas) replicas="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        *) echo "usage: bench/election.sh [--kills N] [--replicas 3|5] [--no-build]" >&2; exit 2 ;;
    esac
done
[[ $kills =~ ^[1-9][0-9]{0,3}$ ]] || { echo "election.sh: --kills must be 1-9999" >&2; exit 2; }
[[ $replicas =~ ^[35]$ ]] || { echo "election.sh: --replicas must be 3 or 5" >&2; exit 2; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/lib/servers.sh
source "$root/scripts/lib/servers.sh"
# shellcheck source=scripts/lib/replicas.sh
source "$root/scripts/lib/replicas.sh"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

cleanup() {
    txc_replicas_stop
    txc_servers_stop
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ((build)); then
    dotnet build Coordinator -c "$TXC_CONFIGURATION" --disable-build-servers -nologo -v quiet >&2
fi
txc_pg_start
txc_rmq_start
mkdir -p "$TXC_SERVERS_DIR/logs"
txc_replicas_init "$replicas" "$(txc_bin Coordinator)"
for ((i = 0; i < replicas; i++)); do
    txc_replica_start "$i"
done
txc_replicas_wait_ready 60

now_ms() { date +%s%3N; }
samples=()
for ((k = 1; k <= kills; k++)); do
    leader="$(txc_replica_leader)"
    [[ $leader =~ ^r([0-9])$ ]] || { txc_fail "no leader before kill $k"; exit 1; }
    victim=$((BASH_REMATCH[1] - 1))
    killed=$(now_ms)
    txc_replica_kill "$victim"
    elected=""
    while [[ -z $elected ]]; do
        for ((i = 0; i < replicas; i++)); do
            if ((i != victim)) && [[ $(txc_replica_role "$i") == Leader ]]; then
                elected="r$((i + 1))"
                break
            fi
        done
        (($(now_ms) - killed < 30000)) || { txc_fail "no new leader 30 s after killing $leader"; exit 1; }
    done
    took=$(($(now_ms) - killed))
    samples+=("$took")
    printf 'kill %d: leader %s killed, %s leads after %d ms\n' "$k" "$leader" "$elected" "$took"
    txc_replica_start "$victim"
    txc_replicas_wait_ready 60
    sleep 1
done

printf '%s\n' "${samples[@]}" | sort -n | awk '
    { v[NR] = $1 }
    END {
        median = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "election: kills=%d median_ms=%d max_ms=%d min_ms=%d\n", NR, median, v[NR], v[1]
    }'
