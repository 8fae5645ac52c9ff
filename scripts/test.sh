#!/usr/bin/env bash
# Builds the solution, starts throwaway PostgreSQL and RabbitMQ servers, runs every test project against them, then
# the chaos run's quick profile twice (scripts/chaos.sh --quick: the whole stack under faults, each run counted as
# one test; the second with Coordinator:DurableEnlistments), and prints one summary line: "tests: <N> passed, <F>
# failed, <S> skipped". Exits non-zero on any failure, on a test host that crashed or hung, or when no test ran at
# all. The full output is also kept in TestResults/test-run.log, the chaos runs' in TestResults/chaos.log and
# TestResults/chaos-durable-enlistments.log. TXC_TEST_CHAOS=0 leaves them out (they are then counted skipped).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/lib/servers.sh
source "$root/scripts/lib/servers.sh"

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# A hung test must fail the run, not eat the CI job: the test host is killed after this long on a single test.
hang_timeout="${TXC_TEST_HANG_TIMEOUT:-5m}"
log_dir="$root/TestResults"
log="$log_dir/test-run.log"
mkdir -p "$log_dir"

# A test host killed for hanging (or crashing) never stops the services its fixtures started: they are found by the
# marker they inherit (txc_mark_run, below) and killed, on the way out as after the tests.
trap 'txc_kill_marked; txc_servers_stop' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v dotnet >/dev/null 2>&1 || { echo "test.sh: dotnet (SDK 10) is not installed" >&2; exit 1; }

# Build servers (msbuild nodes, the compiler server) would outlive this script: run without them.
echo "test.sh: building (Release)" >&2
dotnet build TxCoordinator.sln -c Release --disable-build-servers -nologo

started=$SECONDS
txc_ensure_chromium
txc_pg_start
txc_rmq_start
echo "test.sh: servers ready in $((SECONDS - started))s" >&2
export TXC_TEST_POSTGRES="$TXC_PG_CONNECTION"
export TXC_TEST_RABBITMQ="$TXC_RMQ_URI"

# The integration tests keep each process's output in a txc-integration-* folder under the temp folder: moved into
# TestResults below, so that a failure can be read after the run (and /tmp does not fill up with them).
started_marker="$(mktemp)"
status=0
txc_mark_run
dotnet test TxCoordinator.sln -c Release --no-build --nologo \
    --blame-hang --blame-hang-timeout "$hang_timeout" --blame-hang-dump-type none \
    --results-directory "$log_dir" 2>&1 | tee "$log" || status=$?
txc_kill_marked

# One "Passed!  - Failed: 0, Passed: 12, Skipped: 0, Total: 12, ..." (or "Failed!  - ...") line per test project.
read -r passed failed skipped projects < <(
    sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$log" | awk '
        /(Passed|Failed)! +- +Failed: / {
            projects++
            for (i = 1; i < NF; i++) {
                if ($i == "Failed:") f += $(i + 1)
                if ($i == "Passed:") p += $(i + 1)
                if ($i == "Skipped:") s += $(i + 1)
            }
        }
        END { printf "%d %d %d %d\n", p, f, s, projects }')

mkdir -p "$log_dir/integration-logs"
find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'txc-integration-*' -newer "$started_marker" \
    -exec mv -t "$log_dir/integration-logs" {} + 2>/dev/null || true
rm -f "$started_marker"

# The chaos run starts its own servers: ours are stopped first so that it has the machine's CPU to itself. It runs
# twice: as shipped, then with Coordinator:DurableEnlistments, whose failover path (a new leader keeps the Active
# transactions it inherits) the default never takes.
chaos_failed_logs=()
run_chaos() { # <log file> [NAME=VALUE ...]: one quick chaos run with those settings, counted as one test
    local chaos_log=$1 chaos_status=0 chaos_line
    shift
    echo "test.sh: chaos run (${*:-as shipped}: scripts/chaos.sh --quick), log in $chaos_log" >&2
    chaos_line="$(env "$@" scripts/chaos.sh --quick --no-build 2>"$chaos_log")" || chaos_status=$?
    echo "test.sh: ${chaos_line:-chaos.sh printed no summary} (exit code $chaos_status)" >&2
    # What passed but deserves a look (a process that exited on its own, a partition no replica took over) shows on
    # the CI page too, not only in the log.
    grep -h 'WARNING' "$chaos_log" | cut -c1-600 | sed 's/^/test.sh: chaos /' >&2 || true
    if ((chaos_status == 0)); then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        chaos_failed_logs+=("$chaos_log")
    fi
}
txc_servers_stop
if [[ ${TXC_TEST_CHAOS:-1} == 0 ]]; then
    echo "test.sh: chaos runs skipped (TXC_TEST_CHAOS=0)" >&2
    skipped=$((skipped + 2))
else
    run_chaos "$log_dir/chaos.log"
    run_chaos "$log_dir/chaos-durable-enlistments.log" Coordinator__DurableEnlistments=true
fi

exit_code=0
if ((status != 0)); then
    echo "test.sh: dotnet test exited with $status (see $log)" >&2
    exit_code=1
fi
if ((failed > 0)); then
    exit_code=1
fi
if ((passed + failed == 0)); then
    echo "test.sh: no test ran ($projects test project summaries found)" >&2
    exit_code=1
fi
if ((status != 0 || failed > 0)); then
    # The end of the output is what a CI page shows: each failed test in the order it failed, with the start of its
    # error (the first one's at length: what fails after it may only be its consequence).
    echo "test.sh: failed tests, in the order they failed (logs in $log_dir/integration-logs):" >&2
    sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$log" | awk '
        /^ +Failed [^ ]+ \[/ { name = $2; next }
        name != "" && /^ +Error Message:/ { keep = (++failures == 1) ? 14 : 1; printf "  %s\n", name; next }
        name != "" && keep > 0 {
            if (/^ +Stack Trace:/) { keep = 0; name = ""; next }
            sub(/^ +/, ""); printf "    %s\n", substr($0, 1, 300); keep--
            if (keep == 0) name = ""
        }' >&2
fi
for chaos_log in "${chaos_failed_logs[@]}"; do
    # Its timeline (faults and what the script saw), each process's errors, then the checker's verdict.
    echo "test.sh: the chaos run failed (its log: $chaos_log):" >&2
    grep -E '^\[servers [0-9:]+\] nemesis|^\[chaos ' "$chaos_log" | tail -n 40 >&2 || true
    grep -E '^\[digest\]' "$chaos_log" >&2 || true
    awk '/^ *\[check\] VIOLATION/ { if (++v <= 5) print; next } /^ *\[check\]/ { print }
        END { if (v > 5) printf "  [check] ... and %d more violations\n", v - 5 }' "$chaos_log" >&2
done
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$exit_code"
