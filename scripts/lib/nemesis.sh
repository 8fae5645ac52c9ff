# shellcheck shell=bash
# The chaos run's nemesis: one fault at a time against the running stack, each recorded as a JSON line
#   {"type":"fault","kind":..,"target":..,"role":..,"start":<unix ms>,"end":<unix ms>}
# in TXC_NEMESIS_LOG (its own file, merged into the history before checking). Source after servers.sh, replicas.sh and
# samples.sh, then:
#   txc_nemesis_init FILE          # where fault lines go; names our iptables chain
#   txc_nemesis_inject KIND        # kill-leader | kill-follower | kill-participant | pause-leader | partition-leader |
#                                  # restart-rabbitmq | restart-postgres; durations are drawn from $RANDOM (seed it)
#   txc_nemesis_heal               # undoes whatever may be left: SIGCONT, partition removed, dead processes restarted
#   txc_nemesis_supervise          # restarts a replica or sample that exited on its own, as a service manager would
# Partitions: replica I runs with group id TXC_REPLICA_GID_BASE+I (see replicas.sh); isolating it adds two rules to a
# chain of our own, hooked into OUTPUT: packets to its Raft port (peers -> I) and packets of its group to the others'
# Raft ports (I -> peers) are dropped. Traffic stays on loopback; policies and other chains are never touched.

TXC_NEMESIS_LOG=""
TXC_NEMESIS_CHAIN=""
TXC_NEMESIS_PAUSED=""
TXC_DRAW=0
# Partitions after which no other replica was seen leading (reported by chaos.sh).
TXC_NEMESIS_UNBITTEN=0
# Replicas and samples that exited on their own, each as "name (exit code N)" (reported by chaos.sh).
TXC_NEMESIS_EXITS=()
TXC_NEMESIS_READY_TIMEOUT="${TXC_NEMESIS_READY_TIMEOUT:-45}"
TXC_NEMESIS_KINDS=(kill-leader kill-follower kill-participant pause-leader partition-leader restart-rabbitmq restart-postgres)

txc_nemesis_init() {
    TXC_NEMESIS_LOG="$1"
    : >"$TXC_NEMESIS_LOG"
    # Short (iptables limits chain names to 28 characters) and unique to this run.
    TXC_NEMESIS_CHAIN="TXC_CHAOS_$$"
    if ! command -v iptables >/dev/null 2>&1; then
        txc_apt_install iptables
    fi
}

txc_now_ms() {
    date +%s%3N
}

# Sets TXC_DRAW to a random whole number from MIN to MAX. From bash's $RANDOM, which the caller seeds; never called in
# $(...), where a subshell would draw without advancing our sequence and the seed would no longer replay the run.
txc_nemesis_draw() {
    TXC_DRAW=$(($1 + RANDOM % ($2 - $1 + 1)))
}

# One line, one write: the checker reads faults from this file.
txc_nemesis_record() {
    local kind="$1" target="$2" role="$3" start="$4" end="$5"
    printf '{"type":"fault","kind":"%s","target":"%s","role":"%s","start":%s,"end":%s}\n' \
        "$kind" "$target" "$role" "$start" "$end" >>"$TXC_NEMESIS_LOG"
    txc_log "nemesis: $kind of $target ($role) for $(((end - start) / 1000)).$(((end - start) % 1000 / 100)) s"
}

# Index of the leader, waiting up to SECONDS for one to be known; fails when there is none.
txc_nemesis_leader() {
    local seconds="$1" deadline=$((SECONDS + $1)) index
    while ((SECONDS <= deadline)); do
        index="$(txc_replica_leader_index)"
        if [[ -n $index ]]; then
            printf '%s\n' "$index"
            return 0
        fi
        sleep 0.2
    done
    txc_log "nemesis: no leader known after ${seconds}s"
    return 1
}

txc_nemesis_replica_ready() {
    txc_wait_for "$TXC_NEMESIS_READY_TIMEOUT" "${TXC_REPLICA_PIDS[$1]}" \
        curl -fsS -o /dev/null --max-time 2 "${TXC_REPLICA_URLS[$1]}/health/live" ||
        txc_log "nemesis: replica r$(($1 + 1)) not live within ${TXC_NEMESIS_READY_TIMEOUT}s"
}

# SIGKILL the leader or a follower, leave it down for a few seconds, start it again (it catches up from the log).
txc_nemesis_kill_replica() {
    local role="$1" leader index start
    leader="$(txc_nemesis_leader 20)" || return 0
    index="$leader"
    if [[ $role == follower ]]; then
        index=$(((leader + 1 + RANDOM % (TXC_REPLICA_COUNT - 1)) % TXC_REPLICA_COUNT))
    fi
    start="$(txc_now_ms)"
    txc_replica_kill "$index"
    txc_nemesis_draw 2 5
    sleep "$TXC_DRAW"
    txc_replica_start "$index"
    txc_nemesis_replica_ready "$index"
    txc_nemesis_record "kill-$role" "r$((index + 1))" "$role" "$start" "$(txc_now_ms)"
}

# SIGSTOP the leader for longer than an election timeout (1-2 s), then SIGCONT: it comes back believing it leads.
txc_nemesis_pause_leader() {
    local index pid start
    index="$(txc_nemesis_leader 20)" || return 0
    pid="${TXC_REPLICA_PIDS[$index]}"
    start="$(txc_now_ms)"
    TXC_NEMESIS_PAUSED="$pid"
    kill -STOP -- "-$pid" 2>/dev/null || kill -STOP "$pid"
    txc_nemesis_draw 3 6
    sleep "$TXC_DRAW"
    kill -CONT -- "-$pid" 2>/dev/null || kill -CONT "$pid" 2>/dev/null || true
    TXC_NEMESIS_PAUSED=""
    txc_nemesis_record pause-leader "r$((index + 1))" leader "$start" "$(txc_now_ms)"
}

txc_nemesis_isolate() {
    local index="$1" i
    local -a others=()
    for ((i = 0; i < TXC_REPLICA_COUNT; i++)); do
        ((i == index)) || others+=("${TXC_REPLICA_RAFT_PORTS[$i]}")
    done
    iptables -w -N "$TXC_NEMESIS_CHAIN"
    iptables -w -A "$TXC_NEMESIS_CHAIN" -o lo -p tcp --dport "${TXC_REPLICA_RAFT_PORTS[$index]}" -j DROP
    iptables -w -A "$TXC_NEMESIS_CHAIN" -o lo -p tcp -m owner --gid-owner "$((TXC_REPLICA_GID_BASE + index))" \
        -m multiport --dports "$(IFS=,; printf '%s' "${others[*]}")" -j DROP
    iptables -w -I OUTPUT -j "$TXC_NEMESIS_CHAIN"
}

# Removes our chain if it exists; safe to call any number of times, and from the EXIT trap.
txc_nemesis_unpartition() {
    [[ -n $TXC_NEMESIS_CHAIN ]] || return 0
    iptables -w -n -L "$TXC_NEMESIS_CHAIN" >/dev/null 2>&1 || return 0
    while iptables -w -D OUTPUT -j "$TXC_NEMESIS_CHAIN" 2>/dev/null; do :; done
    iptables -w -F "$TXC_NEMESIS_CHAIN" 2>/dev/null || true
    iptables -w -X "$TXC_NEMESIS_CHAIN" 2>/dev/null || true
}

# Cuts the leader off from the other replicas (not from clients or databases) for a few seconds, and for as long as it
# takes (at most 30 s) until another replica leads: a partition that changes nothing would test nothing. The fault's
# line says whether a new leader was seen ("bit").
txc_nemesis_partition_leader() {
    local index start until limit new="" i role
    index="$(txc_nemesis_leader 20)" || return 0
    start="$(txc_now_ms)"
    txc_nemesis_draw 8 12
    txc_nemesis_isolate "$index"
    until=$((SECONDS + TXC_DRAW))
    limit=$((SECONDS + 30))
    while ((SECONDS < limit)) && { [[ -z $new ]] || ((SECONDS < until)); }; do
        if [[ -z $new ]]; then
            for ((i = 0; i < TXC_REPLICA_COUNT; i++)); do
                ((i != index)) || continue
                # A generous timeout: on a saturated machine a busy replica answers slowly, and a missed answer
                # would read as "no leader".
                role="$(txc_replica_role "$i" 3)"
                if [[ $role == Leader* ]]; then
                    new="r$((i + 1))"
                    txc_log "nemesis: partition bites: r$((i + 1)) leads after $(($(txc_now_ms) - start)) ms; r$((index + 1)) says '$(txc_replica_role "$index" 3)'"
                    break
                fi
            done
        fi
        # The partition lasts up to 30 s: a replica that stops itself meanwhile is not left down for the rest of it
        # (seen: a follower's log failed during a partition, and the other could not win an election alone).
        txc_nemesis_supervise --no-wait
        sleep 0.3
    done
    if [[ -z $new ]]; then
        # What the filter saw: dropped packets per rule, and the group the replica really runs with.
        txc_log "nemesis: WARNING no other replica took over while r$((index + 1)) was isolated; $(grep '^Gid:' \
            "/proc/${TXC_REPLICA_PIDS[$index]}/status" 2>/dev/null | tr -s '\t' ' '); rules:"
        iptables -w -n -v -x -L "$TXC_NEMESIS_CHAIN" >&2 || true
    fi
    txc_nemesis_unpartition
    txc_nemesis_record partition-leader "r$((index + 1))" leader "$start" "$(txc_now_ms)"
    [[ -n $new ]] || TXC_NEMESIS_UNBITTEN=$((TXC_NEMESIS_UNBITTEN + 1))
}

# SIGKILL Inventory or Payments (a participant holding prepared transactions), restart it a few seconds later.
txc_nemesis_kill_participant() {
    local name start
    if ((RANDOM % 2)); then name=inventory; else name=payments; fi
    start="$(txc_now_ms)"
    txc_sample_kill "$name"
    txc_nemesis_draw 2 5
    sleep "$TXC_DRAW"
    txc_sample_start "$name"
    txc_sample_wait_ready "$name" "$TXC_NEMESIS_READY_TIMEOUT" || true
    txc_nemesis_record kill-participant "$name" participant "$start" "$(txc_now_ms)"
}

txc_nemesis_restart_rabbitmq() {
    local start
    start="$(txc_now_ms)"
    txc_nemesis_draw 1 3
    txc_rmq_restart "$TXC_DRAW"
    txc_nemesis_record restart-rabbitmq rabbitmq server "$start" "$(txc_now_ms)"
}

txc_nemesis_restart_postgres() {
    local start
    start="$(txc_now_ms)"
    txc_nemesis_draw 1 3
    txc_pg_restart "$TXC_DRAW"
    txc_nemesis_record restart-postgres postgres server "$start" "$(txc_now_ms)"
}

txc_nemesis_inject() {
    case "$1" in
        kill-leader) txc_nemesis_kill_replica leader ;;
        kill-follower) txc_nemesis_kill_replica follower ;;
        kill-participant) txc_nemesis_kill_participant ;;
        pause-leader) txc_nemesis_pause_leader ;;
        partition-leader) txc_nemesis_partition_leader ;;
        restart-rabbitmq) txc_nemesis_restart_rabbitmq ;;
        restart-postgres) txc_nemesis_restart_postgres ;;
        *) txc_fail "unknown fault kind '$1'"; return 1 ;;
    esac
}

# Waits up to SECONDS until every replica is ready (it knows a leader, so it takes part) and every sample is ready.
txc_nemesis_wait_healthy() {
    local deadline=$((SECONDS + $1)) i name
    for ((i = 0; i < TXC_REPLICA_COUNT; i++)); do
        txc_wait_for "$((deadline - SECONDS > 1 ? deadline - SECONDS : 1))" "${TXC_REPLICA_PIDS[$i]}" \
            curl -fsS -o /dev/null --max-time 2 "${TXC_REPLICA_URLS[$i]}/health/ready" || return 1
    done
    for name in "${!TXC_SAMPLE_PIDS[@]}"; do
        txc_wait_for "$((deadline - SECONDS > 1 ? deadline - SECONDS : 1))" "${TXC_SAMPLE_PIDS[$name]}" \
            curl -fsS -o /dev/null --max-time 2 "${TXC_SAMPLE_URLS[$name]}/health/ready" || return 1
    done
}

# A replica or sample that exited without the nemesis killing it is restarted, as systemd or Kubernetes would restart
# it, and named with its exit code and its last critical or error line. Left down, it would turn every later fault
# into a double fault (a CI run: a replica that stopped itself with exit code 70, then a partition of the leader that
# no other replica could take over for 30 s), and nothing but the recovery time would show it.
# With --no-wait (inside a fault that must keep its timing) it does not wait for the restarted process to be ready.
txc_nemesis_supervise() {
    local wait=1 i name
    [[ ${1:-} != --no-wait ]] || wait=0
    for ((i = 0; i < TXC_REPLICA_COUNT; i++)); do
        if txc_nemesis_exited "$(txc_replica_name "$i")" "${TXC_REPLICA_PIDS[$i]}"; then
            txc_replica_start "$i"
            ((wait == 0)) || txc_nemesis_replica_ready "$i"
        fi
    done
    for name in "${!TXC_SAMPLE_PIDS[@]}"; do
        if txc_nemesis_exited "$name" "${TXC_SAMPLE_PIDS[$name]}"; then
            txc_sample_start "$name"
            ((wait == 0)) || txc_sample_wait_ready "$name" "$TXC_NEMESIS_READY_TIMEOUT" || true
        fi
    done
}

# True when PID (a child of this shell, NAME's process) has exited; says so with its exit code and its log's last
# "crit:" or "fail:" line.
txc_nemesis_exited() {
    local name="$1" pid="$2" code=0 last
    [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null || return 1
    wait "$pid" 2>/dev/null || code=$?
    TXC_NEMESIS_EXITS+=("$name (exit code $code)")
    last="$(grep -E -A1 '(crit|fail): ' "$TXC_SERVERS_DIR/logs/$name.log" 2>/dev/null | tail -n 2 | tr -s ' \n' ' ' | cut -c1-400)"
    txc_log "nemesis: WARNING $name exited on its own with exit code $code; restarting it. Its last error: ${last:-none logged}"
}

# Whatever a fault interrupted half-way (Ctrl-C, a failed restart) is undone: nothing paused, no partition, every
# server, replica and sample running. Also the last step before the system is left to quiesce.
# The caller waits for them to be ready.
txc_nemesis_heal() {
    if [[ -n $TXC_NEMESIS_PAUSED ]]; then
        kill -CONT -- "-$TXC_NEMESIS_PAUSED" 2>/dev/null || kill -CONT "$TXC_NEMESIS_PAUSED" 2>/dev/null || true
        TXC_NEMESIS_PAUSED=""
    fi
    txc_nemesis_unpartition
    if [[ -n $TXC_PG_PID ]] && ! kill -0 "$TXC_PG_PID" 2>/dev/null; then
        txc_pg_launch || true
    fi
    if [[ -n $TXC_RMQ_PID ]] && ! kill -0 "$TXC_RMQ_PID" 2>/dev/null; then
        txc_rmq_launch || true
    fi
    txc_nemesis_supervise --no-wait
}
