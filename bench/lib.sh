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
