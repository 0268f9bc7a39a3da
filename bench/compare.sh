#!/usr/bin/env bash
# Herald against Mosquitto on this machine, with bench/Herald.Bench driving both the same way:
# delivered msg/s and p99 per scenario (runs interleaved, Herald then Mosquitto), p99 at a fixed
# rate (Herald with its default durable store and with Storage:Provider=Memory; the median of
# LATENCY_RUNS interleaved runs each), then memory per idle connection (broker RSS before and after
# holding CONNS connections, on freshly started brokers).
#
#   ./bench/compare.sh                         # full run (10 s per measurement, 15,000 connections)
#   CONNS=2000 DURATION=5 ./bench/compare.sh   # quick run
#
# Environment: DURATION (s measured per run, 10), WARMUP (s, 2), PAYLOAD (bytes, 64),
# FIXED_RATE (msg/s of the latency row, 10000), CONNS (idle connections, 15000),
# LATENCY_RUNS (runs per fixed-rate row, 3), CONN_RATE (connections/s, 2000),
# CONN_PROCS (herald-bench conn processes, 3), SETTLE (s from the last connection to the RSS
# reading, 10: the idle state, after Herald's memory trim that follows a wave of connections), HOLD (s, 5).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
PAYLOAD=${PAYLOAD:-64}
FIXED_RATE=${FIXED_RATE:-10000}
CONNS=${CONNS:-15000}
CONN_RATE=${CONN_RATE:-2000}
CONN_PROCS=${CONN_PROCS:-3}
HOLD=${HOLD:-5}
LATENCY_RUNS=${LATENCY_RUNS:-3}
SETTLE=${SETTLE:-10}

WORK=$(mktemp -d /tmp/bench-compare.XXXXXX)
BENCH=bench/Herald.Bench/bin/Release/net10.0/herald-bench
HERALD_DLL=src/Herald.Server/bin/Release/net10.0/herald.dll
HERALD_PID=""
HERALD_MEMORY_PID=""
MOSQUITTO_PID=""

stop_brokers() {
    for pid in $HERALD_PID $HERALD_MEMORY_PID $MOSQUITTO_PID; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in $HERALD_PID $HERALD_MEMORY_PID $MOSQUITTO_PID; do
        wait "$pid" 2>/dev/null || true
    done
    HERALD_PID=""
    HERALD_MEMORY_PID=""
    MOSQUITTO_PID=""
}
cleanup() {
    stop_brokers
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== machine"
print_machine

echo "== build"
build_release

missing=()
[ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
command -v jq >/dev/null || missing+=(jq)
install_missing "${missing[@]}"
echo "mosquitto: $(/usr/sbin/mosquitto -h 2>/dev/null | head -1)"

# Both brokers may need one descriptor per connection.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

start_brokers() {
    HERALD_PORT=$(free_port)
    HERALD_HTTP_PORT=$(free_port)
    MOSQUITTO_PORT=$(free_port)
    dotnet "$HERALD_DLL" --Herald:Mqtt:Port="$HERALD_PORT" --Herald:Http:Port="$HERALD_HTTP_PORT" \
        --Herald:Mqtt:Address=127.0.0.1 --Herald:Http:Address=127.0.0.1 \
        --Herald:Mqtt:MaxQueuedMessages=1000000 --Herald:Mqtt:MaxQueuedBytes=1000000000 --Herald:DataDir="$WORK/herald-data" \
        --Logging:LogLevel:Default=Warning >>"$WORK/herald.log" 2>&1 &
    HERALD_PID=$!
    HERALD_MEMORY_PORT=$(free_port)
    dotnet "$HERALD_DLL" --Herald:Mqtt:Port="$HERALD_MEMORY_PORT" --Herald:Http:Port="$(free_port)" \
        --Herald:Mqtt:Address=127.0.0.1 --Herald:Http:Address=127.0.0.1 --Herald:Storage:Provider=Memory \
        --Herald:Mqtt:MaxQueuedMessages=1000000 --Herald:Mqtt:MaxQueuedBytes=1000000000 --Herald:DataDir="$WORK/herald-memory-data" \
        --Logging:LogLevel:Default=Warning >>"$WORK/herald-memory.log" 2>&1 &
    HERALD_MEMORY_PID=$!
    cat >"$WORK/mosquitto.conf" <<CONF
listener $MOSQUITTO_PORT 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 1000000
log_type error
log_dest stderr
CONF
    /usr/sbin/mosquitto -c "$WORK/mosquitto.conf" >>"$WORK/mosquitto.log" 2>&1 &
    MOSQUITTO_PID=$!
    wait_port "$HERALD_PORT"
    wait_port "$HERALD_MEMORY_PORT"
    wait_port "$MOSQUITTO_PORT"
}

# run_bench NAME PORT ARGS... → prints "delivered p99 lost duplicates" (or "- - - -" on failure)
run_bench() {
    local name=$1 port=$2
    shift 2
    local out="$WORK/$name.json"
    "$BENCH" pub-sub --port "$port" --payload "$PAYLOAD" --duration "$DURATION" --warmup "$WARMUP" --json "$@" \
        >"$out" 2>>"$WORK/bench.log" || true
    if jq -e .results >/dev/null 2>&1 <"$out"; then
        jq -r '.results | "\(.deliveredPerSecond) \(.latencyMicroseconds.p99) \(.lost) \(.duplicates)"' <"$out"
    else
        echo "- - - -"
    fi
}

start_brokers
echo "herald pid $HERALD_PID port $HERALD_PORT; mosquitto pid $MOSQUITTO_PID port $MOSQUITTO_PORT"
echo "== throughput: closed loop (1000 outstanding per publisher), ${PAYLOAD}-byte payloads, ${WARMUP} s warm-up + ${DURATION} s measured per run"

scenarios=(
    "1:1 qos0|--scenario one-to-one --qos 0"
    "1:10 qos0|--scenario fan-out --subscribers 10 --qos 0"
    "1:100 qos0|--scenario fan-out --subscribers 100 --qos 0"
    "20 pairs qos0|--scenario pairs --pairs 20 --qos 0"
    "20:1 qos0|--scenario fan-in --publishers 20 --qos 0"
    "1:1 qos1|--scenario one-to-one --qos 1"
    "1:10 qos1|--scenario fan-out --subscribers 10 --qos 1"
    "1:100 qos1|--scenario fan-out --subscribers 100 --qos 1"
    "20 pairs qos1|--scenario pairs --pairs 20 --qos 1"
    "20:1 qos1|--scenario fan-in --publishers 20 --qos 1"
    "10 pairs qos1 @${FIXED_RATE}/s|--scenario pairs --pairs 10 --qos 1 --rate $FIXED_RATE"
    "  same, Herald in memory|--scenario pairs --pairs 10 --qos 1 --rate $FIXED_RATE|memory"
)

# median_of_runs < lines "rate p99 lost duplicates" → the median p99, the losses summed ("- - - -" if a run failed):
# a fixed-rate row's p99 from one run on a shared machine is mostly that moment's noise
median_of_runs() {
    local lines
    lines=$(cat)
    if awk '$2 == "-" { bad = 1 } END { exit !bad }' <<<"$lines"; then
        echo "- - - -"
        return
    fi
    echo "$(tail -1 <<<"$lines" | cut -d' ' -f1)" \
        "$(cut -d' ' -f2 <<<"$lines" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')" \
        "$(awk '{ s += $3 } END { print s }' <<<"$lines")" "$(awk '{ s += $4 } END { print s }' <<<"$lines")"
}

table="$WORK/table"
printf "%-24s %14s %14s %7s %14s %14s %15s %15s\n" scenario "herald msg/s" "mosquitto msg/s" ratio "herald p99 µs" "mosq. p99 µs" "lost/dup H" "lost/dup M" >"$table"
i=0
for entry in "${scenarios[@]}"; do
    IFS='|' read -r label arguments store <<<"$entry"
    read -r -a args <<<"$arguments"
    i=$((i + 1))
    herald_port=$HERALD_PORT
    [ "$store" != memory ] || herald_port=$HERALD_MEMORY_PORT
    if [[ " ${args[*]} " == *" --rate "* ]]; then
        # Interleaved run by run, so a noisy moment hits both brokers alike.
        h_runs=() m_runs=()
        for k in $(seq "$LATENCY_RUNS"); do
            h_runs+=("$(run_bench "herald-$i-$k" "$herald_port" "${args[@]}")")
            m_runs+=("$(run_bench "mosquitto-$i-$k" "$MOSQUITTO_PORT" "${args[@]}")")
        done
        read -r h_rate h_p99 h_lost h_dup <<<"$(printf "%s\n" "${h_runs[@]}" | median_of_runs)"
        read -r m_rate m_p99 m_lost m_dup <<<"$(printf "%s\n" "${m_runs[@]}" | median_of_runs)"
    else
        read -r h_rate h_p99 h_lost h_dup <<<"$(run_bench "herald-$i" "$herald_port" "${args[@]}")"
        read -r m_rate m_p99 m_lost m_dup <<<"$(run_bench "mosquitto-$i" "$MOSQUITTO_PORT" "${args[@]}")"
    fi
    ratio=$(awk -v h="$h_rate" -v m="$m_rate" 'BEGIN { if (h == "-" || m == "-" || m == 0) print "-"; else printf "%.2f", h / m }')
    line=$(printf "%-24s %14s %14s %7s %14s %14s %15s %15s" "$label" "$h_rate" "$m_rate" "$ratio" "$h_p99" "$m_p99" "$h_lost/$h_dup" "$m_lost/$m_dup")
    echo "$line" >>"$table"
    echo "$line" >&2
done
echo
cat "$table"
echo "(msg/s: delivered to subscribers; the fixed-rate row compares p99, its msg/s is the offered rate."
echo " ratio: Herald / Mosquitto; lost/dup: messages never received after a 2 s drain / received twice)"

# hold_connections PORT NAME → prints the number of connections held, after writing RSS samples
hold_connections() {
    local port=$1 name=$2 pid=$3
    local per=$(((CONNS + CONN_PROCS - 1) / CONN_PROCS))
    local pids=() ready=()
    sleep 1
    local before
    before=$(rss_kb "$pid")
    for k in $(seq "$CONN_PROCS"); do
        local count=$per
        [ $((k * per)) -le "$CONNS" ] || count=$((CONNS - (k - 1) * per))
        [ "$count" -gt 0 ] || continue
        local file="$WORK/$name-ready-$k"
        ready+=("$file")
        # Each process gets its own 127.0.k.2-20 source addresses: ~28,000 ports each, plenty.
        "$BENCH" conn --port "$port" --count "$count" --rate $((CONN_RATE / CONN_PROCS + 1)) \
            --source-addresses "127.0.$k.2-127.0.$k.20" --hold "$((SETTLE + HOLD))" --ready-file "$file" --json \
            >"$WORK/$name-conn-$k.json" 2>>"$WORK/bench.log" &
        pids+=($!)
    done
    local deadline=$((SECONDS + CONNS / CONN_RATE + 60))
    for file in "${ready[@]}"; do
        while [ ! -s "$file" ] && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    done
    sleep "$SETTLE"
    local after held=0
    after=$(rss_kb "$pid")
    for file in "${ready[@]}"; do
        held=$((held + $(cat "$file" 2>/dev/null || echo 0)))
    done
    wait "${pids[@]}" || true
    echo "$before $after $held"
}

echo
echo "== memory per idle connection: $CONNS connections (${CONN_PROCS} herald-bench conn processes, ${CONN_RATE}/s), brokers restarted"
stop_brokers
start_brokers
printf "%-10s %12s %12s %10s %14s\n" broker "RSS before" "RSS after" held "per connection"
for broker in herald mosquitto; do
    if [ $broker = herald ]; then port=$HERALD_PORT pid=$HERALD_PID; else port=$MOSQUITTO_PORT pid=$MOSQUITTO_PID; fi
    read -r before after held <<<"$(hold_connections "$port" "$broker" "$pid")"
    per=$(awk -v b="$before" -v a="$after" -v n="$held" 'BEGIN { if (n > 0) printf "%.1f KB", (a - b) / n; else print "-" }')
    printf "%-10s %9s MB %9s MB %10s %14s\n" $broker "$((before / 1024))" "$((after / 1024))" "$held" "$per"
done
