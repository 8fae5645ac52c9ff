# shellcheck shell=bash
# The coordinator's replicas as separate processes, for the demo and the benchmarks. Source after servers.sh, with
# PostgreSQL and RabbitMQ started and TXC_SERVERS_DIR/logs existing, then:
#   txc_replicas_init COUNT COORDINATOR_DIR   # COUNT 1 (a lone coordinator, no Raft), 3 or 5; creates and migrates
#                                             # one database per replica; sets TXC_REPLICA_URLS
#   txc_replica_start I                       # starts replica I (0-based) in its own session; TXC_REPLICA_PIDS[I]
#   txc_replica_kill I                        # SIGKILL, like a crash
#   txc_replicas_wait_ready SECONDS           # every replica answers /health/ready (replicated: a leader is known)
#   txc_replica_leader                        # prints the leader's id (r1..rN) as the replicas report it, or nothing
#   txc_replica_leader_index                  # prints the leader's index (0-based), or nothing
#   txc_replica_self I SECONDS FIELD...       # prints FIELDs of replica I's GET /cluster/self, space-separated, or
#                                             # nothing when it does not answer within SECONDS
#   txc_replicas_stop                         # SIGTERM, then SIGKILL after 10 s
# Optional: TXC_REPLICA_ENV (array) adds settings to every replica's environment; TXC_REPLICA_GID_BASE runs replica I
# with group id BASE+I (user unchanged), so that packet filters can tell its traffic apart (scripts/lib/nemesis.sh).
# Replica I is "r<I+1>": database coordinator_r<I+1>, log and snapshots in TXC_SERVERS_DIR/raft/r<I+1>, output
# appended to TXC_SERVERS_DIR/logs/coordinator-r<I+1>.log (a restart keeps the first run's output).

TXC_REPLICA_COUNT=0
TXC_REPLICA_DIR=""
TXC_REPLICA_URLS=()
TXC_REPLICA_DBS=()
TXC_REPLICA_PIDS=()
TXC_REPLICA_MEMBERS=()
TXC_REPLICA_RAFT_PORTS=()
TXC_REPLICA_ENV=()
TXC_REPLICA_GID_BASE="${TXC_REPLICA_GID_BASE:-}"

txc_replicas_init() {
    TXC_REPLICA_COUNT="$1"
    TXC_REPLICA_DIR="$2"
    local -a ports names=()
    mapfile -t ports < <(txc_free_ports $((2 * TXC_REPLICA_COUNT)))
    TXC_REPLICA_URLS=()
    TXC_REPLICA_MEMBERS=()
    TXC_REPLICA_RAFT_PORTS=()
    local i
    for ((i = 0; i < TXC_REPLICA_COUNT; i++)); do
        TXC_REPLICA_URLS+=("http://127.0.0.1:${ports[$i]}")
        names+=("coordinator_r$((i + 1))")
        TXC_REPLICA_RAFT_PORTS+=("${ports[$((TXC_REPLICA_COUNT + i))]}")
        # The same member list for every replica: its id, its Raft (TCP) endpoint and its HTTP API.
        TXC_REPLICA_MEMBERS+=("Coordinator__Cluster__Members__${i}__Id=r$((i + 1))"
            "Coordinator__Cluster__Members__${i}__RaftEndPoint=127.0.0.1:${ports[$((TXC_REPLICA_COUNT + i))]}"
            "Coordinator__Cluster__Members__${i}__HttpUrl=${TXC_REPLICA_URLS[$i]}")
    done
    ((TXC_REPLICA_COUNT > 1)) || names=(coordinator)
    TXC_REPLICA_DBS=("${names[@]}")
    txc_pg_create_databases "${names[@]}"
    # In parallel: each is a separate .NET start-up, seconds each on a busy machine.
    local name failed=0
    local -a jobs=()
    for name in "${names[@]}"; do
        (cd "$TXC_REPLICA_DIR" && ConnectionStrings__Coordinator="$(txc_pg_connection "$name")" \
            ConnectionStrings__RabbitMq="$TXC_RMQ_URI" exec timeout 120 dotnet TxCoordinator.Coordinator.dll migrate) \
            >"$TXC_SERVERS_DIR/logs/migrate-$name.log" 2>&1 &
        jobs+=("$!")
    done
    local i
    for i in "${!names[@]}"; do
        if ! wait "${jobs[$i]}"; then
            tail -n 40 "$TXC_SERVERS_DIR/logs/migrate-${names[$i]}.log" >&2
            txc_log "migrating the coordinator database ${names[$i]} failed"
            failed=1
        fi
    done
    ((failed == 0)) || { txc_fail "coordinator migrations failed"; return 1; }
    txc_log "coordinator: $TXC_REPLICA_COUNT replica(s), databases migrated"
}

txc_replica_name() {
    if ((TXC_REPLICA_COUNT > 1)); then printf 'coordinator-r%s\n' "$(($1 + 1))"; else printf 'coordinator\n'; fi
}

txc_replica_start() {
    local i="$1" name
    name="$(txc_replica_name "$i")"
    local -a cluster=()
    if ((TXC_REPLICA_COUNT > 1)); then
        cluster=("${TXC_REPLICA_MEMBERS[@]}" "Coordinator__Cluster__ReplicaId=r$((i + 1))"
            "Coordinator__Cluster__DataPath=$TXC_SERVERS_DIR/raft/r$((i + 1))")
    fi
    local -a group=()
    if [[ -n $TXC_REPLICA_GID_BASE ]]; then
        group=(setpriv "--regid=$((TXC_REPLICA_GID_BASE + i))" --clear-groups)
    fi
    (cd "$TXC_REPLICA_DIR" && exec setsid "${group[@]}" env \
        ConnectionStrings__Coordinator="$(txc_pg_connection "${TXC_REPLICA_DBS[$i]}")" \
        ConnectionStrings__RabbitMq="$TXC_RMQ_URI" \
        "${cluster[@]}" "${TXC_REPLICA_ENV[@]}" \
        dotnet TxCoordinator.Coordinator.dll --urls "${TXC_REPLICA_URLS[$i]}") \
        >>"$TXC_SERVERS_DIR/logs/$name.log" 2>&1 </dev/null &
    TXC_REPLICA_PIDS[i]=$!
}

txc_replica_kill() {
    local pid="${TXC_REPLICA_PIDS[$1]}"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

txc_replicas_wait_ready() {
    local seconds="$1" i
    for ((i = 0; i < TXC_REPLICA_COUNT; i++)); do
        if ! txc_wait_for "$seconds" "${TXC_REPLICA_PIDS[$i]}" \
            curl -fsS -o /dev/null --max-time 2 "${TXC_REPLICA_URLS[$i]}/health/ready"; then
            tail -n 40 "$TXC_SERVERS_DIR/logs/$(txc_replica_name "$i").log" >&2 || true
            txc_fail "coordinator replica $((i + 1)) not ready at ${TXC_REPLICA_URLS[$i]} within ${seconds}s"
            return 1
        fi
    done
}

# The leader as the first answering replica reports it (its "leader" field of GET /cluster/self).
txc_replica_leader() {
    local url
    for url in "${TXC_REPLICA_URLS[@]}"; do
        curl -fsS --max-time 1 "$url/cluster/self" 2>/dev/null |
            python3 -c 'import json, sys; print(json.load(sys.stdin).get("leader") or "")' 2>/dev/null && return 0
    done
    return 0
}

# Index (0-based) of the leader as the replicas report it, or nothing.
txc_replica_leader_index() {
    local leader
    leader="$(txc_replica_leader)"
    if [[ $leader =~ ^r([0-9])$ ]]; then
        printf '%s\n' "$((BASH_REMATCH[1] - 1))"
    fi
}

# Fields of replica I as it reports itself (GET /cluster/self: role, term, commitIndex, appliedIndex, ...), in the
# order asked and space-separated (a missing one empty), or nothing when it does not answer within SECONDS.
txc_replica_self() {
    local i="$1" seconds="$2"
    shift 2
    curl -fsS --max-time "$seconds" "${TXC_REPLICA_URLS[$i]}/cluster/self" 2>/dev/null |
        python3 -c 'import json, sys; s = json.load(sys.stdin); print(*("" if s.get(f) is None else s[f] for f in sys.argv[1:]))' \
            "$@" 2>/dev/null || true
}

# Role of replica I as it reports itself ("Leader" once it decides), or nothing when it does not answer within
# SECONDS (default 1).
txc_replica_role() {
    txc_replica_self "$1" "${2:-1}" role
}

txc_replicas_stop() {
    txc_stop_processes "${TXC_REPLICA_PIDS[@]}"
    TXC_REPLICA_PIDS=()
}
