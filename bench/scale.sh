#!/usr/bin/env bash
# CONNS idle MQTT 3.1.1 connections (100,000) held at once by NODES Herald nodes on this machine:
# one process may hold fewer than 20,000 open files here, so the connections are spread evenly
# over the nodes, PROCS_PER_NODE herald-bench conn processes per node, each from its own
# 127.0.k.2-20 source addresses (every address has its own ~28,000 ephemeral ports). The nodes
# are one Herald cluster on a redis-server the script starts, or with CLUSTER=0 independent nodes.
# Reports the connections held, each node's and the total RSS (before and while holding), RSS per
# connection, the connect rate achieved and connect p50/p99, and the failures with their reasons.
#
#   ./bench/scale.sh                                  # 100,000 connections on a 6-node cluster
#   CLUSTER=0 ./bench/scale.sh                        # 6 independent nodes
#   CONNS=20000 NODES=2 RATE=2000 OUT=scale.json ./bench/scale.sh
#
# Environment: CONNS (100000), NODES (6), CLUSTER (1: one cluster on one Redis, 0: single nodes),
# RATE (connections/s over all nodes, 4000), PROCS_PER_NODE (herald-bench conn processes per node, 2),
# HOLD (s the connections are held after the last connected, before the measurement, 10),
# NODE_TIMEOUT (Herald:Cluster:NodeTimeoutSeconds, Herald's default when unset: raise it when the
# nodes log late heartbeats, since a node taken for dead by the others drops its clients),
# EXTRA_ARGS (more arguments for every node, split on spaces), OUT (file the JSON results are written to, none).
set -euo pipefail
# OUT is named from where the script was started, before the cd.
OUT=${OUT:+$(realpath -m "$OUT")}
cd "$(dirname "$0")/.."
source bench/lib.sh

CONNS=${CONNS:-100000}
NODES=${NODES:-6}
CLUSTER=${CLUSTER:-1}
RATE=${RATE:-4000}
PROCS_PER_NODE=${PROCS_PER_NODE:-2}
HOLD=${HOLD:-10}
NODE_TIMEOUT=${NODE_TIMEOUT:-}
read -r -a EXTRA <<<"${EXTRA_ARGS:-}"

WORK=$(mktemp -d /tmp/bench-scale.XXXXXX)
BENCH=bench/Herald.Bench/bin/Release/net10.0/herald-bench
HERALD_DLL=src/Herald.Server/bin/Release/net10.0/herald.dll
PIDS=()
CONN_PIDS=()
CONN_READY=()

cleanup() {
    stop_conns
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
[ "$CLUSTER" = 0 ] || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
command -v jq >/dev/null || missing+=(jq)
install_missing "${missing[@]}"

# Every node and every conn process needs one descriptor per connection.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
PER_NODE=$(((CONNS + NODES - 1) / NODES))
if [ $((PER_NODE + 500)) -gt "$(ulimit -n)" ]; then
    echo "$PER_NODE connections per node do not fit in one process's $(ulimit -n) open files: raise NODES" >&2
    exit 1
fi

cluster_args=()
if [ "$CLUSTER" != 0 ]; then
    echo "redis: $(/usr/bin/redis-server --version)"
    REDIS_PORT=$(free_port)
    # Each node holds a few connections to Redis; the default maxclients (10,000) is plenty.
    /usr/bin/redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no >>"$WORK/redis.log" 2>&1 &
    REDIS_PID=$!
    PIDS+=("$REDIS_PID")
    wait_port "$REDIS_PORT"
    cluster_args=(--Herald:Cluster:Redis="127.0.0.1:$REDIS_PORT")
    [ -z "$NODE_TIMEOUT" ] || cluster_args+=(--Herald:Cluster:NodeTimeoutSeconds="$NODE_TIMEOUT")
fi

# No limit on connections, in all or from one address (0, today's defaults, said out loud so that
# a default limit would not refuse the bench's 19 source addresses per process).
PORTS=()
NODE_PIDS=()
for n in $(seq "$NODES"); do
    port=$(free_port)
    mkdir -p "$WORK/node$n"
    node_args=()
    [ "$CLUSTER" = 0 ] || node_args=("${cluster_args[@]}" --Herald:Cluster:NodeId="node$n")
    dotnet "$HERALD_DLL" --Herald:Mqtt:Port="$port" --Herald:Http:Port="$(free_port)" \
        --Herald:Mqtt:Address=127.0.0.1 --Herald:Http:Address=127.0.0.1 --Herald:DataDir="$WORK/node$n" \
        --Herald:Mqtt:MaxConnections=0 --Herald:Mqtt:MaxConnectionsPerAddress=0 \
        --Logging:LogLevel:Default=Warning "${node_args[@]}" "${EXTRA[@]}" >>"$WORK/node$n.log" 2>&1 &
    PIDS+=($!)
    NODE_PIDS+=($!)
    PORTS+=("$port")
done
for n in $(seq "$NODES"); do
    wait_port "${PORTS[$((n - 1))]}" || { cat "$WORK/node$n.log" >&2; exit 1; }
    echo "node$n: pid ${NODE_PIDS[$((n - 1))]} port ${PORTS[$((n - 1))]}"
done
[ "$CLUSTER" = 0 ] && echo "independent nodes" || echo "one cluster on redis port $REDIS_PORT${NODE_TIMEOUT:+ (NodeTimeoutSeconds $NODE_TIMEOUT)}"
# Let startup (and the cluster's first heartbeats and route loads) settle.
sleep 3

rss_before=()
for pid in "${NODE_PIDS[@]}"; do
    rss_before+=("$(rss_kb "$pid")")
done
redis_before=$([ "$CLUSTER" = 0 ] && echo 0 || rss_kb "$REDIS_PID")

# listen_drops → SYNs the kernel dropped because a listen queue was full (TcpExtListenDrops, the
# whole machine's): each costs its client a retransmission, 1 s later at first
listen_drops() {
    awk '/^TcpExt:/ { if (!names) { for (i = 1; i <= NF; i++) if ($i == "ListenDrops") names = i } else { print $names; exit } }' /proc/net/netstat
}
drops_before=$(listen_drops)

echo "== $CONNS connections: $PER_NODE per node, $PROCS_PER_NODE herald-bench conn processes per node, ${RATE}/s in all"
started=$(date +%s.%N)
for n in $(seq "$NODES"); do
    count=$PER_NODE
    [ $((n * PER_NODE)) -le "$CONNS" ] || count=$((CONNS - (n - 1) * PER_NODE))
    [ "$count" -gt 0 ] || continue
    # Node n's processes bind 127.0.k.x for k = (n-1)·PROCS_PER_NODE+1 ...: no two share an address.
    start_conns "node$n" "${PORTS[$((n - 1))]}" "$count" "$(awk -v r="$RATE" -v c="$count" -v t="$CONNS" 'BEGIN { printf "%.1f", r * c / t }')" \
        "$PROCS_PER_NODE" $(((n - 1) * PROCS_PER_NODE + 1))
done
# Progress every 5 s: the first conn process's last line, and what the processes done connected.
last=$SECONDS
while [ "$(ls "$WORK"/*.ready 2>/dev/null | wc -l)" -lt "${#CONN_PIDS[@]}" ] && kill -0 "${CONN_PIDS[0]}" 2>/dev/null; do
    sleep 0.5
    [ $((SECONDS - last)) -ge 5 ] || continue
    last=$SECONDS
    echo "node1-1: $(tail -1 "$WORK/node1-1.log" 2>/dev/null); processes done: $(ls "$WORK"/*.ready 2>/dev/null | wc -l)/${#CONN_PIDS[@]}" >&2
done
held=$(wait_conns $((CONNS / RATE + 300)))
# Connected when the last process wrote its ready file (once all its attempts were done).
connected_at=$(stat -c %.9Y "$WORK"/*.ready 2>/dev/null | sort -n | tail -1 || true)
connected_at=${connected_at:-$(date +%s.%N)}
echo "held $held after $(awk -v a="$started" -v b="$connected_at" 'BEGIN { printf "%.1f", b - a }') s; holding ${HOLD} s"
sleep "$HOLD"

rss_after=()
for pid in "${NODE_PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then rss_after+=("$(rss_kb "$pid")"); else rss_after+=(0); fi
done
redis_after=$([ "$CLUSTER" = 0 ] && echo 0 || rss_kb "$REDIS_PID")
drops=$(($(listen_drops) - drops_before))
stop_conns

echo
echo "== per node"
printf "%-8s %8s %8s %8s %7s %13s %13s %15s\n" node wanted held failed closed "RSS before" "RSS after" "per connection"
results="$WORK/nodes.jsonl"
for n in $(seq "$NODES"); do
    i=$((n - 1))
    count=$PER_NODE
    [ $((n * PER_NODE)) -le "$CONNS" ] || count=$((CONNS - i * PER_NODE))
    r=$(conn_results "$WORK/node$n"-*.json)
    read -r c f closed <<<"$(jq -r '"\(.connected) \(.failed) \(.closedDuringHold)"' <<<"$r")"
    alive=$([ "${rss_after[$i]}" -gt 0 ] && echo true || echo false)
    per=$(awk -v b="${rss_before[$i]}" -v a="${rss_after[$i]}" -v n="$c" 'BEGIN { if (n > 0 && a > 0) printf "%.0f B", (a - b) * 1024 / n; else print "-" }')
    printf "%-8s %8s %8s %8s %7s %10s MB %10s MB %15s\n" "node$n" "$count" "$c" "$f" "$closed" \
        $((rss_before[i] / 1024)) $((rss_after[i] / 1024)) "$per"
    [ "$alive" = true ] || echo "  node$n exited: $(tail -3 "$WORK/node$n.log")"
    jq -c --arg node "node$n" --argjson wanted "$count" --argjson rssBefore "${rss_before[$i]}" --argjson rssAfter "${rss_after[$i]}" \
        --argjson alive "$alive" '{ $node, $wanted, $alive, rssKilobytes: { before: $rssBefore, after: $rssAfter }, connections: . }' <<<"$r" >>"$results"
done

total=$(conn_results "$WORK"/node*-*.json)
rss_before_sum=$(printf "%s\n" "${rss_before[@]}" | awk '{ s += $1 } END { print s }')
rss_after_sum=$(printf "%s\n" "${rss_after[@]}" | awk '{ s += $1 } END { print s }')
connected=$(jq .connected <<<"$total")
wall=$(awk -v a="$started" -v b="$connected_at" 'BEGIN { printf "%.1f", b - a }')
printf "%-8s %8s %8s %8s %7s %10s MB %10s MB %15s\n" all "$CONNS" "$connected" "$(jq .failed <<<"$total")" "$(jq .closedDuringHold <<<"$total")" \
    $((rss_before_sum / 1024)) $((rss_after_sum / 1024)) \
    "$(awk -v b="$rss_before_sum" -v a="$rss_after_sum" -v n="$connected" 'BEGIN { if (n > 0) printf "%.0f B", (a - b) * 1024 / n; else print "-" }')"
[ "$CLUSTER" = 0 ] || printf "%-8s %8s %8s %8s %7s %10s MB %10s MB\n" redis "" "" "" "" $((redis_before / 1024)) $((redis_after / 1024))
echo "(held: connected, from the ready files and reports; closed: closed by Herald during the ${HOLD} s hold;"
echo " RSS after: ${HOLD} s after the last connection; per connection: (after - before) / held)"

echo
echo "== connect"
jq -r --arg wall "$wall" --argjson rate "$RATE" '
    "\(.connected) of \(.attempted) connected in \($wall) s: \((.connected / ($wall | tonumber)) | floor) connections/s achieved (\($rate)/s asked);"
    + " the slowest process took \(.connectSeconds) s",
    "connect p50 \(.connectMillisecondsP50) ms, p99 \(.connectMillisecondsP99) ms, max \(.connectMillisecondsMax) ms (the slowest of \(.processes) processes)",
    "failed \(.failed)" + (if .failed > 0 then ":" else "" end),
    (.errors | to_entries | sort_by(-.value)[] | "  \(.value) × \(.key)")' <<<"$total"
echo "SYNs dropped by full listen queues meanwhile (TcpExtListenDrops, machine-wide): $drops"
# What the nodes logged at Warning and above, the most frequent first.
for n in $(seq "$NODES"); do
    lines=$(grep -cE "^(warn|fail|crit)" "$WORK/node$n.log" || true)
    [ "$lines" -eq 0 ] || { echo "node$n logged $lines warnings or errors, e.g.:"; grep -A1 -E "^(warn|fail|crit)" "$WORK/node$n.log" | grep -vE "^(warn|fail|crit|--)" | sed 's/^ *//' | sort | uniq -c | sort -rn | head -3; }
done

if [ -n "$OUT" ]; then
    jq -s --argjson conns "$CONNS" --argjson nodes "$NODES" --argjson cluster "$([ "$CLUSTER" = 0 ] && echo false || echo true)" \
        --argjson rate "$RATE" --argjson procsPerNode "$PROCS_PER_NODE" --argjson hold "$HOLD" --arg extraArgs "${EXTRA_ARGS:-}" \
        --argjson wall "$wall" --argjson total "$total" --argjson rssBefore "$rss_before_sum" --argjson rssAfter "$rss_after_sum" \
        --argjson redisBefore "$redis_before" --argjson redisAfter "$redis_after" --argjson listenDrops "$drops" '{
            parameters: { $conns, $nodes, $cluster, $rate, $procsPerNode, $hold, $extraArgs },
            connectWallSeconds: $wall,
            connectionsPerSecond: (if $wall > 0 then ($total.connected / $wall | floor) else null end),
            listenDrops: $listenDrops,
            rssKilobytes: { before: $rssBefore, after: $rssAfter },
            rssBytesPerConnection: (if $total.connected > 0 then (($rssAfter - $rssBefore) * 1024 / $total.connected | floor) else null end),
            redisRssKilobytes: (if $cluster then { before: $redisBefore, after: $redisAfter } else null end),
            connections: $total,
            nodes: . }' "$results" >"$OUT"
    echo "results written to $OUT"
fi
