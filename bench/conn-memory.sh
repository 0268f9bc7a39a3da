#!/usr/bin/env bash
# Memory per idle connection in Herald, and what it is made of: a freshly started Release Herald's
# RSS and GC heap before and while it holds CONNS idle MQTT 3.1.1 connections (herald-bench conn,
# from 127.0.k.2-20), then the live objects the connections added, by type, from two gcdumps
# (dotnet-gcdump, before connecting and while holding): every type with at least MIN_SHARE × the
# connections held more instances, in bytes and instances per connection, and their total.
#
#   ./bench/conn-memory.sh                               # 15,000 connections
#   CONNS=5000 OUT=mem.json ./bench/conn-memory.sh
#   EXTRA_ARGS="--Herald:Mqtt:Transport=Kestrel" ./bench/conn-memory.sh
#
# Environment: CONNS (idle connections, 15000), CONN_RATE (connections/s, 2000),
# CONN_PROCS (herald-bench conn processes, 3; each holds fewer connections than its open-file limit),
# SETTLE (s between the last connection and the measurement, 10: Herald trims memory a few seconds
# after a wave of connections settles), MIN_SHARE (0.9),
# EXTRA_ARGS (more Herald arguments, split on spaces), OUT (file the JSON results are written to, none).
set -euo pipefail
# OUT is named from where the script was started, before the cd.
OUT=${OUT:+$(realpath -m "$OUT")}
cd "$(dirname "$0")/.."
source bench/lib.sh

CONNS=${CONNS:-15000}
CONN_RATE=${CONN_RATE:-2000}
CONN_PROCS=${CONN_PROCS:-3}
SETTLE=${SETTLE:-10}
MIN_SHARE=${MIN_SHARE:-0.9}
read -r -a EXTRA <<<"${EXTRA_ARGS:-}"

WORK=$(mktemp -d /tmp/bench-conn-memory.XXXXXX)
BENCH=bench/Herald.Bench/bin/Release/net10.0/herald-bench
HERALD_DLL=src/Herald.Server/bin/Release/net10.0/herald.dll
HERALD_PID=""
CONN_PIDS=()
CONN_READY=()

cleanup() {
    stop_conns
    if [ -n "$HERALD_PID" ]; then
        kill "$HERALD_PID" 2>/dev/null || true
        wait "$HERALD_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== machine"
print_machine

echo "== build"
build_release

command -v jq >/dev/null || install_missing jq
export PATH="$PATH:$HOME/.dotnet/tools"
if ! command -v dotnet-gcdump >/dev/null; then
    echo "installing dotnet-gcdump"
    dotnet tool install -g dotnet-gcdump >/dev/null
fi
echo "dotnet-gcdump: $(dotnet-gcdump --version)"

# Herald needs one descriptor per connection.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ $((CONNS + 500)) -gt "$(ulimit -n)" ]; then
    echo "$CONNS connections do not fit in one Herald's $(ulimit -n) open files: bench/scale.sh spreads them over nodes" >&2
    exit 1
fi

PORT=$(free_port)
dotnet "$HERALD_DLL" --Herald:Mqtt:Port="$PORT" --Herald:Http:Port="$(free_port)" \
    --Herald:Mqtt:Address=127.0.0.1 --Herald:Http:Address=127.0.0.1 --Herald:DataDir="$WORK/herald-data" \
    --Logging:LogLevel:Default=Warning "${EXTRA[@]}" >>"$WORK/herald.log" 2>&1 &
HERALD_PID=$!
wait_port "$PORT" || { cat "$WORK/herald.log" >&2; exit 1; }
echo "herald pid $HERALD_PID port $PORT${EXTRA_ARGS:+ ($EXTRA_ARGS)}"

# heap_types GCDUMP → "instances bytes type" per type, tab-separated; the report lists a type once
# per size class ("System.Byte[] (Bytes > 1K)"), merged here. Its columns: bytes per object, count, type.
heap_types() {
    dotnet-gcdump report "$1" | awk '
        /^ +[0-9,]+ +[0-9,]+  / {
            size = $1; count = $2
            gsub(",", "", size); gsub(",", "", count)
            type = $0
            sub(/^ *[0-9,]+ +[0-9,]+ +/, "", type)
            sub(/ \(Bytes > [0-9]+[KM]\)/, "", type)
            sub(/ +\[[^]]*\]$/, "", type)
            bytes[type] += size * count; instances[type] += count
        }
        END { for (t in bytes) printf "%d\t%d\t%s\n", instances[t], bytes[t], t }'
}

# heap_bytes GCDUMP → the live bytes of the GC heap the dump found
heap_bytes() { dotnet-gcdump report "$1" | awk '/GC Heap bytes/ { gsub(",", "", $1); print $1; exit }'; }

# gcdump NAME → $WORK/NAME.gcdump (the dump forces a full collection first)
gcdump() {
    dotnet-gcdump collect -p "$HERALD_PID" -o "$WORK/$1.gcdump" >>"$WORK/gcdump.log" 2>&1 \
        || { cat "$WORK/gcdump.log" >&2; exit 1; }
}

# Let startup settle, then the baseline: the dump's collection comes before the RSS reading, so
# both readings are of a heap the connections alone grew from.
sleep 2
gcdump before
sleep 1
rss_before=$(rss_kb "$HERALD_PID")

echo "== $CONNS idle connections (${CONN_PROCS} herald-bench conn processes, ${CONN_RATE}/s)"
started=$SECONDS
start_conns herald "$PORT" "$CONNS" "$CONN_RATE" "$CONN_PROCS" 1
held=$(wait_conns $((CONNS / CONN_RATE + 120)))
echo "held $held after $((SECONDS - started)) s"
sleep "$SETTLE"
rss_after=$(rss_kb "$HERALD_PID")
gcdump after
# Every process still running is every connection it made still held during the dump (the report says).
stop_conns
conn=$(conn_results "$WORK"/herald-*.json)
[ "$held" -gt 0 ] || { echo "no connection held" >&2; jq . <<<"$conn" >&2; exit 1; }

heap_types "$WORK/before.gcdump" >"$WORK/before.types"
heap_types "$WORK/after.gcdump" >"$WORK/after.types"
heap_before=$(heap_bytes "$WORK/before.gcdump")
heap_after=$(heap_bytes "$WORK/after.gcdump")

# per connection: "bytes instances type", the types that grew by at least MIN_SHARE × held, largest first
awk -F '\t' -v held="$held" -v share="$MIN_SHARE" '
    FNR == NR { instances[$3] = $1; bytes[$3] = $2; next }
    {
        n = $1 - instances[$3]; b = $2 - bytes[$3]
        if (n >= share * held) printf "%.1f\t%.2f\t%s\n", b / held, n / held, $3
    }' "$WORK/before.types" "$WORK/after.types" | sort -t $'\t' -k1,1gr -k3 >"$WORK/breakdown"

echo
echo "== live objects per connection (types with at least ${MIN_SHARE} × $held more instances while holding)"
printf "%10s %10s  %s\n" "bytes" "instances" "type"
awk -F '\t' '{ printf "%10.1f %10.2f  %s\n", $1, $2, $3; total += $1 } END { printf "%10.1f %10s  %s\n", total, "", "total" }' "$WORK/breakdown"
types_total=$(awk -F '\t' '{ total += $1 } END { printf "%.1f", total }' "$WORK/breakdown")

echo
echo "== memory per connection"
printf "%-10s %12s %12s %10s %15s\n" "" before after held "per connection"
printf "%-10s %9s KB %9s KB %10s %13s B\n" RSS "$rss_before" "$rss_after" "$held" $(((rss_after - rss_before) * 1024 / held))
printf "%-10s %9s KB %9s KB %10s %13s B\n" "GC heap" $((heap_before / 1024)) $((heap_after / 1024)) "$held" $(((heap_after - heap_before) / held))
printf "%-10s %12s %12s %10s %13s B\n" "types" "" "" "$held" "$types_total"
echo "(RSS: the process's resident set, before: after the first dump, after: $SETTLE s after the last connection, before the second;"
echo " GC heap: the live objects the dumps found after their full collection; types: the total of the table above)"
jq -r '"connections: \(.connected) of \(.attempted) connected, \(.failed) failed, \(.closedDuringHold) closed by Herald while held;"
    + " connect p50 \(.connectMillisecondsP50) ms, p99 \(.connectMillisecondsP99) ms (slowest process)",
    (.errors | to_entries[] | "  \(.value) × \(.key)")' <<<"$conn"

if [ -n "$OUT" ]; then
    jq -R -s 'split("\n") | map(select(length > 0) | split("\t") | { type: .[2], bytes: (.[0] | tonumber), instances: (.[1] | tonumber) })' \
        "$WORK/breakdown" >"$WORK/breakdown.json"
    jq -n --argjson conns "$CONNS" --argjson rate "$CONN_RATE" --argjson procs "$CONN_PROCS" --argjson minShare "$MIN_SHARE" \
        --arg extraArgs "${EXTRA_ARGS:-}" --argjson held "$held" --argjson rssBefore "$rss_before" --argjson rssAfter "$rss_after" \
        --argjson heapBefore "$heap_before" --argjson heapAfter "$heap_after" --argjson types "$(cat "$WORK/breakdown.json")" \
        --argjson conn "$conn" '{
            parameters: { $conns, $rate, $procs, $minShare, $extraArgs },
            held: $held,
            rssKilobytes: { before: $rssBefore, after: $rssAfter },
            rssBytesPerConnection: ((($rssAfter - $rssBefore) * 1024 / $held) | floor),
            gcHeapBytes: { before: $heapBefore, after: $heapAfter },
            gcHeapBytesPerConnection: ((($heapAfter - $heapBefore) / $held) | floor),
            perConnection: { types: $types, bytes: ($types | map(.bytes) | add // 0) },
            connections: $conn }' >"$OUT"
    echo "results written to $OUT"
fi
