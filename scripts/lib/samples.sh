# shellcheck shell=bash
# The Inventory, Payments and Orders samples as processes, for the demo and the chaos run. Source after servers.sh
# and replicas.sh, with PostgreSQL, RabbitMQ and the replicas set up (txc_replicas_init), then:
#   txc_samples_init                      # creates the inventory and payments databases, picks ports; sets
#                                         # TXC_SAMPLE_URLS[name] and TXC_INVENTORY_DB / TXC_PAYMENTS_DB
#   txc_sample_start NAME                 # inventory | payments | orders, in its own session; TXC_SAMPLE_PIDS[name]
#   txc_sample_wait_ready NAME SECONDS    # /health/ready answers; prints the end of its log when it does not
#   txc_sample_kill NAME                  # SIGKILL, like a crash
#   txc_stack_stop KEEP_DIR [PID...]      # stops PIDs, the samples and the replicas together, copies every log into
#                                         # KEEP_DIR (unless empty), then stops the servers and anything left marked
# Output is appended to TXC_SERVERS_DIR/logs/NAME.log, so that a restart keeps the first run's output.

declare -gA TXC_SAMPLE_URLS=()
declare -gA TXC_SAMPLE_PIDS=()
declare -gA TXC_SAMPLE_DIRS=()
TXC_INVENTORY_DB=""
TXC_PAYMENTS_DB=""

txc_samples_init() {
    local name
    txc_pg_create_databases inventory payments
    TXC_INVENTORY_DB="$(txc_pg_connection inventory)"
    TXC_PAYMENTS_DB="$(txc_pg_connection payments)"
    local -a ports
    mapfile -t ports < <(txc_free_ports 3)
    local i=0
    for name in inventory payments orders; do
        TXC_SAMPLE_URLS[$name]="http://127.0.0.1:${ports[$i]}"
        TXC_SAMPLE_DIRS[$name]="$(txc_bin "SampleServices/${name^}")"
        i=$((i + 1))
    done
}

# The environment each sample needs: its database, the broker, every coordinator replica and, for Orders, the others.
txc_sample_env() {
    local name="$1" i
    printf '%s\n' "ConnectionStrings__RabbitMq=$TXC_RMQ_URI"
    case "$name" in
        inventory) printf '%s\n' "ConnectionStrings__Inventory=$TXC_INVENTORY_DB" ;;
        payments) printf '%s\n' "ConnectionStrings__Payments=$TXC_PAYMENTS_DB" ;;
        orders)
            printf '%s\n' "Services__Inventory=${TXC_SAMPLE_URLS[inventory]}" "Services__Payments=${TXC_SAMPLE_URLS[payments]}"
            for ((i = 0; i < ${#TXC_REPLICA_URLS[@]}; i++)); do
                printf '%s\n' "TransactionCoordinator__Urls__${i}=${TXC_REPLICA_URLS[$i]}"
            done
            return 0
            ;;
    esac
    for ((i = 0; i < ${#TXC_REPLICA_URLS[@]}; i++)); do
        printf '%s\n' "TransactionParticipant__CoordinatorUrls__${i}=${TXC_REPLICA_URLS[$i]}"
    done
}

txc_sample_start() {
    local name="$1"
    local -a environment
    mapfile -t environment < <(txc_sample_env "$name")
    # Runs in its folder (the content root, where appsettings.json is).
    (cd "${TXC_SAMPLE_DIRS[$name]}" && exec setsid env "${environment[@]}" \
        dotnet "TxCoordinator.Samples.${name^}.dll" --urls "${TXC_SAMPLE_URLS[$name]}") \
        >>"$TXC_SERVERS_DIR/logs/$name.log" 2>&1 </dev/null &
    TXC_SAMPLE_PIDS[$name]=$!
}

txc_sample_wait_ready() {
    local name="$1" seconds="$2" started=$SECONDS
    if ! txc_wait_for "$seconds" "${TXC_SAMPLE_PIDS[$name]}" \
        curl -fsS -o /dev/null --max-time 2 "${TXC_SAMPLE_URLS[$name]}/health/ready"; then
        tail -n 40 "$TXC_SERVERS_DIR/logs/$name.log" >&2 || true
        txc_fail "$name did not become ready at ${TXC_SAMPLE_URLS[$name]} within ${seconds}s"
        return 1
    fi
    txc_log "$name ready at ${TXC_SAMPLE_URLS[$name]} ($((SECONDS - started))s)"
}

txc_sample_kill() {
    local pid="${TXC_SAMPLE_PIDS[$1]:-}"
    [[ -n $pid ]] || return 0
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

txc_sample_pids() {
    local name
    for name in "${!TXC_SAMPLE_PIDS[@]}"; do
        printf '%s\n' "${TXC_SAMPLE_PIDS[$name]}"
    done
}

txc_stack_stop() {
    local keep="$1"
    shift
    # All at once, so that they shut down in parallel.
    local -a samples
    mapfile -t samples < <(txc_sample_pids)
    txc_stop_processes "$@" "${samples[@]}" "${TXC_REPLICA_PIDS[@]}"
    TXC_REPLICA_PIDS=()
    if [[ -n $keep && -n $TXC_SERVERS_DIR ]]; then
        cp -r "$TXC_SERVERS_DIR/logs/." "$keep/" 2>/dev/null || true
        cp "$TXC_SERVERS_DIR/pg/postgres.log" "$keep/postgres.log" 2>/dev/null || true
        cp "$TXC_SERVERS_DIR/rmq/server.log" "$keep/rabbitmq.log" 2>/dev/null || true
    fi
    txc_servers_stop
    txc_kill_marked
}
