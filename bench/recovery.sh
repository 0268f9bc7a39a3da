#!/usr/bin/env bash
# Recovery after a crash: fill Herald's SQLite store with MESSAGES queued QoS 1 messages for
# SESSIONS offline persistent sessions, SIGKILL Herald, start it again on the same data directory,
# and time from the start of the new process until (a) the MQTT port accepts a connection and
# (b) every offline session's CONNECT (clean session false) has its CONNACK. The sessions then
# drain, which checks that the store gave every acknowledged message back. A first row does the
# same with the sessions and no messages: the cost of starting .NET and Herald, without recovery.
#
#   ./bench/recovery.sh                    # 1,000,000 messages
#   MESSAGES=100000 ./bench/recovery.sh
#
# Environment: MESSAGES (1000000), SESSIONS (offline persistent sessions, 1), PAYLOAD (bytes, 64),
# SYNC (Full or Normal, Full), PUBLISHERS (1), OUTSTANDING (unacknowledged per publisher, 1000).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

MESSAGES=${MESSAGES:-1000000}
SESSIONS=${SESSIONS:-1}
PAYLOAD=${PAYLOAD:-64}
SYNC=${SYNC:-Full}
PUBLISHERS=${PUBLISHERS:-1}
OUTSTANDING=${OUTSTANDING:-1000}
# Herald drops what exceeds a session's queue bound: keep it well above MESSAGES.
MAX_QUEUED=$((MESSAGES * 2 > 2000000 ? MESSAGES * 2 : 2000000))
# How long the bench waits for the restarted Herald to listen and answer the CONNECTs.
WAIT=${WAIT:-300}

WORK=$(mktemp -d /tmp/bench-recovery.XXXXXX)
BENCH=bench/Herald.Bench/bin/Release/net10.0/herald-bench
HERALD_DLL=src/Herald.Server/bin/Release/net10.0/herald.dll
HERALD_PID=""
BENCH_PID=""

cleanup() {
    for pid in $HERALD_PID $BENCH_PID; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in $HERALD_PID $BENCH_PID; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== machine"
print_machine "$WORK"

echo "== build"
build_release

command -v jq >/dev/null || install_missing jq


# start_herald DATADIR PORT → sets HERALD_PID
start_herald() {
    dotnet "$HERALD_DLL" --Herald:Mqtt:Port="$2" --Herald:Http:Port="$(free_port)" \
        --Herald:Mqtt:Address=127.0.0.1 --Herald:Http:Address=127.0.0.1 --Herald:DataDir="$1" \
        --Herald:Storage:Provider=Sqlite --Herald:Storage:Synchronous="$SYNC" \
        --Herald:Mqtt:MaxQueuedMessages="$MAX_QUEUED" --Herald:Mqtt:MaxQueuedBytes=$((MAX_QUEUED * 1024)) \
        --Logging:LogLevel:Default=Warning >>"$WORK/herald.log" 2>&1 &
    HERALD_PID=$!
}

ms_since() { awk -v t="$1" -v t0="$2" 'BEGIN { if (t > 0) printf "%.0f", (t - t0) / 1e6; else print "-" }'; }

table="$WORK/table"
printf "%-10s %10s %10s %10s %8s %12s %12s %12s %12s\n" queued "db MB" "wal MB" "B/msg" "fill s" "listen ms" "connack ms" "drain msg/s" "lost/dup" >"$table"

# recover COUNT: one row of the table
recover() {
    local count=$1 data="$WORK/data-$1" port
    echo "-- $count messages: fill" >&2
    port=$(free_port)
    start_herald "$data" "$port"
    wait_port "$port"
    local fill
    fill=$("$BENCH" persist --port "$port" --count "$count" --subscribers "$SESSIONS" --payload "$PAYLOAD" \
        --publishers "$PUBLISHERS" --outstanding "$OUTSTANDING" --publish-only --json 2>>"$WORK/bench.log" || true)
    # The files as the crash leaves them: SIGKILL, no shutdown, no checkpoint.
    local db wal
    db=$(file_size "$data/herald.db")
    wal=$(file_size "$data/herald.db-wal")
    kill -KILL "$HERALD_PID"
    wait "$HERALD_PID" 2>/dev/null || true
    HERALD_PID=""

    echo "-- $count messages: restart" >&2
    # The bench is up and retrying before Herald starts, so its own start-up is not counted.
    port=$(free_port)
    local ready="$WORK/ready-$count" out="$WORK/drain-$count.json" t0
    "$BENCH" persist --port "$port" --count "$count" --subscribers "$SESSIONS" --drain-only \
        --wait "$WAIT" --ready-file "$ready" --json >"$out" 2>>"$WORK/bench.log" &
    BENCH_PID=$!
    while [ ! -s "$ready" ]; do
        kill -0 "$BENCH_PID" 2>/dev/null || { echo "herald-bench persist --drain-only failed; see below" >&2; tail -5 "$WORK/bench.log" >&2; exit 1; }
        sleep 0.01
    done
    t0=$(date +%s%N)
    start_herald "$data" "$port"
    wait "$BENCH_PID" || true
    BENCH_PID=""
    kill "$HERALD_PID" 2>/dev/null || true
    wait "$HERALD_PID" 2>/dev/null || true
    HERALD_PID=""

    local drain listen connack rate lost dup fill_s per
    drain=$(cat "$out")
    listen=$(ms_since "$(jq -r '.drain.acceptedUnixNanoseconds // 0' <<<"$drain" 2>/dev/null || echo 0)" "$t0")
    connack=$(ms_since "$(jq -r '.drain.connAckUnixNanoseconds // 0' <<<"$drain" 2>/dev/null || echo 0)" "$t0")
    rate=$(jq -r '.drain.receivedPerSecond // "-"' <<<"$drain" 2>/dev/null || echo -)
    lost=$(jq -r '.drain.lost // "-"' <<<"$drain" 2>/dev/null || echo -)
    dup=$(jq -r '.drain.duplicates // "-"' <<<"$drain" 2>/dev/null || echo -)
    [ "$(jq -r '.drain.sessionsPresent // 0' <<<"$drain" 2>/dev/null || echo 0)" = "$SESSIONS" ] \
        || echo "warning: after the restart Herald had $(jq -r '.drain.sessionsPresent // 0' <<<"$drain" 2>/dev/null || echo 0) of $SESSIONS sessions" >&2
    fill_s=$(jq -r '.publish.seconds // "-"' <<<"$fill" 2>/dev/null || echo -)
    [ "$rate" = 0 ] && [ "$count" = 0 ] && rate="-"
    per=$(awk -v b="$((db + wal))" -v n="$count" 'BEGIN { if (n > 0) printf "%.0f", b / n; else print "-" }')
    local line
    line=$(printf "%-10s %10s %10s %10s %8s %12s %12s %12s %12s" "$count" \
        "$(awk -v b="$db" 'BEGIN { printf "%.1f", b / 1048576 }')" "$(awk -v b="$wal" 'BEGIN { printf "%.1f", b / 1048576 }')" \
        "$per" "$fill_s" "$listen" "$connack" "$rate" "$lost/$dup")
    echo "$line" >>"$table"
    echo "$line" >&2
}

echo "== $SESSIONS offline persistent session(s), QoS 1, $PAYLOAD-byte payloads, SQLite synchronous $SYNC; SIGKILL, then restart"
recover 0
recover "$MESSAGES"
echo
cat "$table"
echo "(queued: messages per session, acknowledged before the SIGKILL; db/wal MB: herald.db and herald.db-wal as the kill left them,"
echo " B/msg: both / queued; fill s: publishing them; listen / connack ms: from the start of the new process (date +%s%N)"
echo " until the MQTT port accepted a connection / until the CONNACK of the last of the $SESSIONS session(s) (clean session false);"
echo " drain msg/s, lost/dup: the sessions then took their messages back: never received / received twice.)"
