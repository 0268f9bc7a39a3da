#!/usr/bin/env bash
# What a message pays for crossing between two Herald nodes of one cluster (sharing one Redis),
# against the same scenario on a single node: delivered msg/s, lost and duplicates for 1:1 and
# 1:10 at QoS 0 and 1, then p50/p99 at a fixed rate. The cross-node runs publish on node A and
# subscribe on node B (herald-bench pub-sub --sub-port); single and cross runs are interleaved.
#
#   ./bench/cluster.sh                            # full run (10 s per measurement)
#   DURATION=3 OUT=cluster.json ./bench/cluster.sh
#
# Environment: DURATION (s measured per run, 10), WARMUP (s, 2), PAYLOAD (bytes, 64),
# FIXED_RATE (msg/s of the latency row, 10000), OUT (file the JSON results are written to, none).
set -euo pipefail
# OUT is named from where the script was started, before the cd.
OUT=${OUT:+$(realpath -m "$OUT")}
cd "$(dirname "$0")/.."
source bench/lib.sh

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
PAYLOAD=${PAYLOAD:-64}
FIXED_RATE=${FIXED_RATE:-10000}

WORK=$(mktemp -d /tmp/bench-cluster.XXXXXX)
BENCH=bench/Herald.Bench/bin/Release/net10.0/herald-bench
HERALD_DLL=src/Herald.Server/bin/Release/net10.0/herald.dll
PIDS=()

cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== machine"
print_machine

echo "== build"
build_release

missing=()
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
command -v jq >/dev/null || missing+=(jq)
install_missing "${missing[@]}"
echo "redis: $(/usr/bin/redis-server --version)"

REDIS_PORT=$(free_port)
/usr/bin/redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no >>"$WORK/redis.log" 2>&1 &
PIDS+=($!)
wait_port "$REDIS_PORT"

# start_herald NAME MQTT_PORT [ARGS...] → a Herald in memory on loopback, its log and data in $WORK/NAME
start_herald() {
    local name=$1 port=$2
    shift 2
    mkdir -p "$WORK/$name"
    dotnet "$HERALD_DLL" --Herald:Mqtt:Port="$port" --Herald:Http:Port="$(free_port)" \
        --Herald:Mqtt:Address=127.0.0.1 --Herald:Http:Address=127.0.0.1 \
        --Herald:Mqtt:MaxQueuedMessages=1000000 --Herald:Mqtt:MaxQueuedBytes=1000000000 \
        --Herald:DataDir="$WORK/$name" --Herald:Storage:Provider=Memory \
        --Logging:LogLevel:Default=Warning "$@" >>"$WORK/$name.log" 2>&1 &
    PIDS+=($!)
    echo "$name: pid $! port $port"
}

SINGLE_PORT=$(free_port)
A_PORT=$(free_port)
B_PORT=$(free_port)
start_herald single "$SINGLE_PORT"
start_herald a "$A_PORT" --Herald:Cluster:Redis="127.0.0.1:$REDIS_PORT" --Herald:Cluster:NodeId=a
start_herald b "$B_PORT" --Herald:Cluster:Redis="127.0.0.1:$REDIS_PORT" --Herald:Cluster:NodeId=b
wait_port "$SINGLE_PORT"
wait_port "$A_PORT"
wait_port "$B_PORT"
# Listening is not yet knowing the other node's subscriptions: give the route tables time to sync.
sleep 2

# run_bench NAME PUB_PORT SUB_PORT ARGS... → prints "delivered p50 p99 lost duplicates" (or "- - - - -" on failure)
run_bench() {
    local name=$1 port=$2 sub_port=$3
    shift 3
    local out="$WORK/$name.json"
    "$BENCH" pub-sub --port "$port" --sub-port "$sub_port" --payload "$PAYLOAD" --duration "$DURATION" --warmup "$WARMUP" \
        --json "$@" >"$out" 2>>"$WORK/bench.log" || true
    if jq -e .results >/dev/null 2>&1 <"$out"; then
        # With no message received there is no latency to show, not a latency of 0.
        jq -r '.results | (if .latencyMicroseconds.samples == 0 then "- -" else "\(.latencyMicroseconds.p50) \(.latencyMicroseconds.p99)" end) as $latency
            | "\(.deliveredPerSecond) \($latency) \(.lost) \(.duplicates)"' <"$out"
    else
        echo "- - - - -"
    fi
}

# results_of NAME → the run's "results" object, or null when it failed
results_of() { jq -c .results "$WORK/$1.json" 2>/dev/null || echo null; }

echo "redis port $REDIS_PORT; cross-node runs publish on a ($A_PORT), subscribe on b ($B_PORT)"
echo "== closed loop (1000 outstanding per publisher), ${PAYLOAD}-byte payloads, ${WARMUP} s warm-up + ${DURATION} s measured per run"

scenarios=(
    "1:1 qos0|--scenario one-to-one --qos 0"
    "1:10 qos0|--scenario fan-out --subscribers 10 --qos 0"
    "1:1 qos1|--scenario one-to-one --qos 1"
    "1:10 qos1|--scenario fan-out --subscribers 10 --qos 1"
    "10 pairs qos1 @${FIXED_RATE}/s|--scenario pairs --pairs 10 --qos 1 --rate $FIXED_RATE"
)

table="$WORK/table"
# printf pads by bytes and µ is two: the µs headings get one byte more than their columns.
printf "%-24s %13s %13s %6s %18s %18s %15s %15s\n" scenario "single msg/s" "cross msg/s" ratio \
    "single p50/p99 µs" "cross p50/p99 µs" "lost/dup single" "lost/dup cross" >"$table"
i=0
for entry in "${scenarios[@]}"; do
    label=${entry%%|*}
    read -r -a args <<<"${entry#*|}"
    i=$((i + 1))
    read -r s_rate s_p50 s_p99 s_lost s_dup <<<"$(run_bench "single-$i" "$SINGLE_PORT" "$SINGLE_PORT" "${args[@]}")"
    read -r c_rate c_p50 c_p99 c_lost c_dup <<<"$(run_bench "cross-$i" "$A_PORT" "$B_PORT" "${args[@]}")"
    ratio=$(awk -v s="$s_rate" -v c="$c_rate" 'BEGIN { if (s == "-" || c == "-" || s == 0) print "-"; else printf "%.2f", c / s }')
    line=$(printf "%-24s %13s %13s %6s %17s %17s %15s %15s" "$label" "$s_rate" "$c_rate" "$ratio" \
        "$s_p50/$s_p99" "$c_p50/$c_p99" "$s_lost/$s_dup" "$c_lost/$c_dup")
    echo "$line" >>"$table"
    echo "$line" >&2
    jq -nc --arg scenario "$label" --argjson single "$(results_of "single-$i")" --argjson cross "$(results_of "cross-$i")" \
        '{ $scenario, $single, $cross }' >>"$WORK/results.jsonl"
done
echo
cat "$table"
echo "(msg/s: delivered to subscribers; the fixed-rate row compares p50/p99, its msg/s is the offered rate."
echo " cross: published on node a, received on node b; ratio: cross / single;"
echo " lost/dup: messages never received after a 2 s drain / received twice)"

if [ -n "$OUT" ]; then
    jq -s --argjson duration "$DURATION" --argjson warmup "$WARMUP" --argjson payload "$PAYLOAD" --argjson fixedRate "$FIXED_RATE" \
        '{ parameters: { $duration, $warmup, $payload, $fixedRate }, scenarios: . }' "$WORK/results.jsonl" >"$OUT"
    echo "results written to $OUT"
fi
