# shellcheck shell=bash
# A few lines per process log that say what went wrong, for a run whose logs will be gone by the time someone reads
# its output (a CI page shows only the end of it): per log, its most frequent warnings and errors with their counts,
# and its last errors with their time and the first line of their message. Console logs carry a timestamp when the
# process runs with Logging__Console__FormatterOptions__TimestampFormat set (chaos.sh sets it).
#
#   txc_log_digest DIR [PATTERN...]   # prints "[digest] ..." lines to stdout, for each DIR/*.log (or each PATTERN)

txc_log_digest() {
    local dir="$1" file
    shift
    local -a patterns=("$@")
    ((${#patterns[@]} > 0)) || patterns=("*.log")
    local pattern
    for pattern in "${patterns[@]}"; do
        for file in "$dir"/$pattern; do
            [[ -f $file ]] || continue
            awk -v name="$(basename "$file")" '
                function flush_message(line) {
                    sub(/^ +/, "", line)
                    last[++count] = stamp level " " category ": " substr(line, 1, 180)
                }
                match($0, /^([0-9:.]+ )?(warn|fail|crit): [^ ]+/) {
                    head = substr($0, RSTART, RLENGTH)
                    stamp = ""; if (match(head, /^[0-9:.]+ /)) { stamp = substr(head, 1, RLENGTH) }
                    rest = substr(head, length(stamp) + 1)
                    level = substr(rest, 1, 4); category = substr(rest, 7)
                    own = (category ~ /^TxCoordinator\./)
                    # The class name is enough to tell them apart.
                    parts = split(category, segment, "."); category = segment[parts]
                    seen[level " " category]++
                    pending = (level != "warn" || own)
                    next
                }
                pending { flush_message($0); pending = 0 }
                END {
                    n = 0
                    for (key in seen) { keys[++n] = key }
                    # Most frequent first (a small insertion sort: awk has no portable sort).
                    for (i = 2; i <= n; i++) {
                        k = keys[i]; j = i - 1
                        while (j > 0 && seen[keys[j]] < seen[k]) { keys[j + 1] = keys[j]; j-- }
                        keys[j + 1] = k
                    }
                    line = ""
                    for (i = 1; i <= n && i <= 5; i++) { line = line (i > 1 ? "; " : "") seen[keys[i]] " x " keys[i] }
                    if (n > 5) { line = line "; " (n - 5) " more kinds" }
                    printf "[digest] %s: %s\n", name, (n == 0 ? "no warnings or errors" : line)
                    for (i = (count > 4 ? count - 3 : 1); i <= count; i++) { printf "[digest]   %s\n", last[i] }
                }' "$file"
        done
    done
}
