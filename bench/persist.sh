#!/usr/bin/env bash
# Persistent sessions on disk: how fast Herald accepts QoS 1 messages for an offline persistent
# session when each PUBACK waits until the message is durable (SQLite, synchronous FULL, then
# NORMAL), how fast the session drains when it comes back, whether every message arrives, and
# what each costs on disk while it waits. Herald in memory and Mosquitto with persistence on run
# the same way for comparison. Each run gets a freshly started broker and an empty data directory.
#
#   ./bench/persist.sh                          # 100,000 messages per run
#   COUNT=20000 MOSQUITTO=0 ./bench/persist.sh  # quick, Herald only
#
# Environment: COUNT (messages, 100000), PAYLOAD (bytes, 64), QOS (1), PUBLISHERS (1),
# OUTSTANDING (unacknowledged messages per publisher, 1000), MOSQUITTO (1 compares, 0 skips).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

COUNT=${COUNT:-100000}
PAYLOAD=${PAYLOAD:-64}
QOS=${QOS:-1}
PUBLISHERS=${PUBLISHERS:-1}
OUTSTANDING=${OUTSTANDING:-1000}
MOSQUITTO=${MOSQUITTO:-1}
# Herald and Mosquitto drop what exceeds a session's queue bound: keep it well above COUNT.
MAX_QUEUED=$((COUNT * 2 > 2000000 ? COUNT * 2 : 2000000))

WORK=$(mktemp -d /tmp/bench-persist.XXXXXX)
BENCH=bench/Herald.Bench/bin/Release/net10.0/herald-bench
HERALD_DLL=src/Herald.Server/bin/Release/net10.0/herald.dll
BROKER_PID=""

stop_broker() {
    if [ -n "$BROKER_PID" ]; then
        kill "$BROKER_PID" 2>/dev/null || true
        wait "$BROKER_PID" 2>/dev/null || true
    fi
    BROKER_PID=""
}
cleanup() {
    stop_broker
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== machine"
print_machine "$WORK"

echo "== build"
build_release

missing=()
[ "$MOSQUITTO" = 0 ] || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
command -v jq >/dev/null || missing+=(jq)
install_missing "${missing[@]}"
[ "$MOSQUITTO" = 0 ] || echo "mosquitto: $(/usr/sbin/mosquitto -h 2>/dev/null | head -1)"


# start_herald DATADIR PROVIDER [SYNC] → sets BROKER_PID and PORT
start_herald() {
    local data=$1 provider=$2 sync=${3:-Full}
    PORT=$(free_port)
    dotnet "$HERALD_DLL" --Herald:Mqtt:Port="$PORT" --Herald:Http:Port="$(free_port)" \
        --Herald:Mqtt:Address=127.0.0.1 --Herald:Http:Address=127.0.0.1 --Herald:DataDir="$data" \
        --Herald:Storage:Provider="$provider" --Herald:Storage:Synchronous="$sync" \
        --Herald:Mqtt:MaxQueuedMessages="$MAX_QUEUED" --Herald:Mqtt:MaxQueuedBytes=$((MAX_QUEUED * 1024)) \
        --Logging:LogLevel:Default=Warning >>"$WORK/herald.log" 2>&1 &
    BROKER_PID=$!
    wait_port "$PORT"
}

# start_mosquitto DATADIR → sets BROKER_PID and PORT (a restart keeps the port: its config names it)
start_mosquitto() {
    local data=$1
    if [ ! -f "$data/mosquitto.conf" ]; then
        PORT=$(free_port)
        mkdir -p "$data"
        # user: started as root, Mosquitto would switch to the mosquitto user, who cannot write here.
        cat >"$data/mosquitto.conf" <<CONF
listener $PORT 127.0.0.1
user $(id -un)
allow_anonymous true
persistence true
persistence_location $data/
max_queued_messages $MAX_QUEUED
log_type error
log_dest stderr
CONF
    fi
    /usr/sbin/mosquitto -c "$data/mosquitto.conf" >>"$WORK/mosquitto.log" 2>&1 &
    BROKER_PID=$!
    wait_port "$PORT"
}

# persist ARGS... → the bench's JSON on stdout (progress and errors to bench.log)
persist() {
    "$BENCH" persist --port "$PORT" --count "$COUNT" --payload "$PAYLOAD" --qos "$QOS" \
        --publishers "$PUBLISHERS" --outstanding "$OUTSTANDING" --json "$@" 2>>"$WORK/bench.log" || true
}

table="$WORK/table"
printf "%-26s %14s %11s %14s %12s %10s %10s\n" "broker / storage" "publish msg/s" "ack p99 ms" "drain msg/s" "lost/dup" "disk MB" "B/msg" >"$table"

# row LABEL PUBLISH_JSON DRAIN_JSON DISK_BYTES (DISK_BYTES "-" when not measured)
row() {
    local label=$1 pub=$2 drain=$3 disk=$4 rate p99 drate lost dup
    rate=$(jq -r '.publish.ackedPerSecond // "-"' <<<"$pub" 2>/dev/null || echo -)
    p99=$(jq -r '(.publish.ackLatencyMicroseconds.p99 // empty) / 1000 | . * 10 | round / 10' <<<"$pub" 2>/dev/null || true)
    drate=$(jq -r '.drain.receivedPerSecond // "-"' <<<"$drain" 2>/dev/null || echo -)
    lost=$(jq -r '.drain.lost // "-"' <<<"$drain" 2>/dev/null || echo -)
    dup=$(jq -r '.drain.duplicates // "-"' <<<"$drain" 2>/dev/null || echo -)
    local mb="-" per="-"
    if [ "$disk" != "-" ]; then
        mb=$(awk -v b="$disk" 'BEGIN { printf "%.1f", b / 1048576 }')
        per=$(awk -v b="$disk" -v n="$COUNT" 'BEGIN { printf "%.0f", b / n }')
    fi
    local line
    line=$(printf "%-26s %14s %11s %14s %12s %10s %10s" "$label" "$rate" "${p99:--}" "$drate" "$lost/$dup" "$mb" "$per")
    echo "$line" >>"$table"
    echo "$line" >&2
}

echo "== $COUNT messages of $PAYLOAD B at QoS $QOS, $PUBLISHERS publisher(s) with $OUTSTANDING unacknowledged each, to 1 offline persistent session"
for mode in "Sqlite Full" "Sqlite Normal" "Memory"; do
    read -r provider sync <<<"$mode"
    data="$WORK/herald-$provider-${sync:-none}"
    start_herald "$data" "$provider" "${sync:-Full}"
    pub=$(persist --publish-only)
    # Measured while every message is stored and the session offline: the database and its WAL.
    disk="-"
    if [ "$provider" = Sqlite ]; then
        if [ -f "$data/herald.db" ]; then
            disk=$(($(file_size "$data/herald.db") + $(file_size "$data/herald.db-wal")))
        else
            echo "no $data/herald.db: does this Herald build have the SQLite store?" >&2
        fi
    fi
    drain=$(persist --drain-only)
    stop_broker
    label="herald ${provider,,}${sync:+ ${sync,,}}"
    row "$label" "$pub" "$drain" "$disk"
done

if [ "$MOSQUITTO" != 0 ]; then
    data="$WORK/mosquitto"
    start_mosquitto "$data"
    pub=$(persist --publish-only)
    # Mosquitto keeps everything in memory and writes mosquitto.db only at exit or every
    # autosave_interval (30 min by default): stop it to get the file, then drain after a restart.
    stop_broker
    disk=$(file_size "$data/mosquitto.db")
    start_mosquitto "$data"
    drain=$(persist --drain-only)
    stop_broker
    row "mosquitto persistence" "$pub" "$drain" "$disk"
fi

echo
cat "$table"
echo "(publish msg/s: acknowledged by the broker (PUBACK$([ "$QOS" = 2 ] && echo "/PUBCOMP")), which for Herald's SQLite store means durable;"
echo " drain msg/s: received by the session after it reconnects, each acknowledged; lost/dup: never received / received twice;"
if [ "$MOSQUITTO" != 0 ]; then
    echo " disk: herald.db + herald.db-wal while the messages wait for the offline session, per message = / $COUNT."
    echo " Mosquitto acknowledges from memory and writes mosquitto.db only at exit or autosave (every 30 min by default):"
    echo " its disk is the file written by stopping it after the publish, and its drain follows a restart from that file.)"
else
    echo " disk: herald.db + herald.db-wal while the messages wait for the offline session, per message = / $COUNT.)"
fi
