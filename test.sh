#!/usr/bin/env bash
# Runs every Herald test. Installs the independent MQTT clients the tests drive when they are
# missing, then `dotnet test`; the last line is "tests: N passed, M failed[, K skipped]".
set -uo pipefail
cd "$(dirname "$0")"

sudo_cmd=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo_cmd="sudo"; fi

missing=()
command -v mosquitto_pub >/dev/null 2>&1 || missing+=(mosquitto-clients)
# mosquitto_passwd (in the broker package): password files to import, hashed by Mosquitto itself.
command -v mosquitto_passwd >/dev/null 2>&1 || missing+=(mosquitto)
# redis-server: the Redis auth store's tests start one on a free loopback port.
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
/usr/bin/python3 -c 'import paho.mqtt.client' >/dev/null 2>&1 || missing+=(python3-paho-mqtt)
# chromium: the dashboard's tests drive it headless through Microsoft.Playwright.
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet test Herald.slnx --nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# One summary line per test project: "Passed!  - Failed: 0, Passed: 52, Skipped: 0, Total: 52, ..."
read -r passed failed skipped < <(grep -E '(Passed|Failed)! +- Failed:' "$log" | awk -F'[:,]' '
  { f += $2; p += $4; s += $6 } END { printf "%d %d %d\n", p, f, s }')
projects=$(grep -cE '(Passed|Failed)! +- Failed:' "$log")
expected=$(find tests -name '*.Tests.csproj' | wc -l)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
if [ "$projects" -lt "$expected" ]; then
  echo "test.sh: only $projects of $expected test projects reported results (build error?)"
  failed=$((failed > 0 ? failed : 1))
fi

line="tests: $passed passed, $failed failed"
if [ "$skipped" -gt 0 ]; then line="$line, $skipped skipped"; fi
echo "$line"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
