# Shared by the bench scripts (sourced, not run): what the machine is, packages the scripts need,
# free loopback ports, and waiting for a broker to listen.

# print_machine [DIR] → cpus, memory, the disk holding DIR (when given) and the OS, one line each
print_machine() {
    echo "cpus:  $(nproc) ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'))"
    echo "ram:   $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    [ -z "${1:-}" ] || echo "disk:  $(df -h --output=source,fstype "$1" | tail -1 | tr -s ' ') (the data directories live in $1)"
    echo "os:    $(uname -sr); $(dotnet --version 2>/dev/null | sed 's/^/.NET SDK /')"
}

# install_missing PACKAGE... → installs with apt-get those given (the caller checks what is missing)
install_missing() {
    [ $# -gt 0 ] || return 0
    echo "installing $*"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# build_release → Herald and herald-bench in Release; stops the script when either did not build
# (the caller sets HERALD_DLL and BENCH to what the build makes)
build_release() {
    dotnet build -c Release src/Herald.Server -v quiet -nologo | grep -E "error|Warn|warn" || true
    dotnet build -c Release bench/Herald.Bench -v quiet -nologo | grep -E "error|Warn|warn" || true
    [ -f "$HERALD_DLL" ] && [ -x "$BENCH" ] || { echo "build failed" >&2; exit 1; }
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
        || shuf -i 20000-60000 -n 1
}

# wait_port PORT → returns once something accepts connections on 127.0.0.1:PORT (30 s at most)
wait_port() {
    for _ in $(seq 300); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on port $1" >&2
    return 1
}

file_size() { stat -c %s "$1" 2>/dev/null || echo 0; }

# rss_kb PID → the process's resident set in KiB
rss_kb() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }

# start_conns NAME PORT COUNT RATE PROCS FIRST → PROCS herald-bench conn processes opening COUNT idle
# connections in all to 127.0.0.1:PORT at RATE/s in all, held until stop_conns. Process k binds
# 127.0.(FIRST+k-1).2-20 (each source address has its own ~28,000 ephemeral ports), appends its pid
# to CONN_PIDS and writes $WORK/NAME-k.ready (the number connected, once every attempt is done),
# $WORK/NAME-k.json (its report, after stop_conns) and $WORK/NAME-k.log (its progress).
start_conns() {
    local name=$1 port=$2 count=$3 rate=$4 procs=$5 first=$6
    local per=$(((count + procs - 1) / procs))
    # A connection is one descriptor; the runtime holds about a hundred more.
    if [ "$per" -gt $(($(ulimit -n) - 200)) ]; then
        echo "$per connections per herald-bench conn process do not fit in its $(ulimit -n) open files: use more processes" >&2
        return 1
    fi
    if [ $((first + procs - 1)) -gt 255 ]; then
        echo "source networks 127.0.$first.x to 127.0.$((first + procs - 1)).x: the last is past 127.0.255.x" >&2
        return 1
    fi
    local k n net
    for k in $(seq "$procs"); do
        n=$per
        [ $((k * per)) -le "$count" ] || n=$((count - (k - 1) * per))
        [ "$n" -gt 0 ] || continue
        net=$((first + k - 1))
        "$BENCH" conn --port "$port" --count "$n" --rate "$(awk -v r="$rate" -v n="$n" -v c="$count" 'BEGIN { printf "%.1f", r * n / c }')" \
            --source-addresses "127.0.$net.2-127.0.$net.20" --hold 86400 --ready-file "$WORK/$name-$k.ready" --json \
            >"$WORK/$name-$k.json" 2>"$WORK/$name-$k.log" &
        CONN_PIDS+=($!)
        CONN_READY+=("$WORK/$name-$k.ready")
    done
}

# wait_conns TIMEOUT → prints the number connected by every process start_conns started, once each
# has written its ready file or exited (TIMEOUT s at most)
wait_conns() {
    local deadline=$((SECONDS + $1)) held=0 i
    for i in "${!CONN_PIDS[@]}"; do
        while [ ! -s "${CONN_READY[$i]}" ] && kill -0 "${CONN_PIDS[$i]}" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
            sleep 0.2
        done
        held=$((held + $(cat "${CONN_READY[$i]}" 2>/dev/null || echo 0)))
    done
    echo "$held"
}

# stop_conns → ends the hold of every process start_conns started (SIGTERM: each then writes its report)
stop_conns() {
    local pid
    for pid in "${CONN_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${CONN_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    CONN_PIDS=()
    CONN_READY=()
}

# conn_results FILE... → the conn reports summed as one JSON object: attempted, connected, failed,
# closedDuringHold, errors by message, and the slowest process's connectSeconds and p50/p99/max
# (percentiles cannot be merged from their summaries); a report missing or cut short counts as none
conn_results() {
    local file
    for file in "$@"; do
        jq -ce '.results' "$file" 2>/dev/null || true
    done | jq -s '{
        processes: length,
        attempted: (map(.attempted) | add // 0),
        connected: (map(.connected) | add // 0),
        failed: (map(.failed) | add // 0),
        closedDuringHold: (map(.closedDuringHold) | add // 0),
        errors: (map(.errors | to_entries[]) | group_by(.key) | map({ key: .[0].key, value: (map(.value) | add) }) | from_entries),
        connectSeconds: (map(.connectSeconds) | max),
        connectMillisecondsP50: (map(.connectMillisecondsP50) | max),
        connectMillisecondsP99: (map(.connectMillisecondsP99) | max),
        connectMillisecondsMax: (map(.connectMillisecondsMax) | max) }'
}
