#!/usr/bin/env bash
# User-space instructions per request, counted by callgrind: exact and
# repeatable whatever else the machine is doing, unlike timings.
#
# Usage: bench/instructions.sh [SERVER...]
#   SERVER: harrow-epoll hyper may actix (default: all four), or floor: the
#   contract-floor program (no server, no IO), the least work per request
#   under harrow-server's http::Request -> http::Response contract, or
#   app / core: the framework-cost server (src/bin/harrow-app.rs) serving
#   through harrow::App or through the bare core; their difference is the
#   framework's cost per request; harrow-app-metrics: that App with the
#   metrics layer, or metrics-scrape: one scrape of its metrics page with
#   100 series (per scrape, not per request). io_uring is not measured:
#   valgrind does not follow io_uring's shared rings.
#
# Environment (defaults in brackets):
#   DEPTH [16]        requests per connection per round trip (1: no pipelining)
#   PATHQ [/plaintext] the path requested
#   PORT_BASE [19080] first port used
#   KEEP []           a directory to keep each server's callgrind output in
#                     (NAME.out, of the larger run), for callgrind_annotate
#   BIN [target/release] where the server binaries are: another commit's
#                     bench build, to compare commits with this script
#   NO_BUILD=1        skip the cargo build
#
# Each server runs twice under callgrind, serving 16,000 and then 80,000
# requests from bench/pipe_client.py (4 connections, 127.0.0.1 only); the
# difference in instructions over the difference in requests leaves out
# start-up and shutdown. Needs valgrind and python3 (valgrind is installed
# with apt-get when missing).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
BIN=${BIN:-$BENCH_DIR/target/release}
DEPTH=${DEPTH:-16}
PATHQ=${PATHQ:-/plaintext}
port=${PORT_BASE:-19080}
SERVERS=("$@")
[ ${#SERVERS[@]} -gt 0 ] || SERVERS=(harrow-epoll hyper may actix)

die() { echo "instructions.sh: $*" >&2; exit 1; }
command -v python3 >/dev/null || die "python3 is needed"
if ! command -v valgrind >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && apt-get install -y -qq valgrind >/dev/null
    else
        sudo apt-get update -qq && sudo apt-get install -y -qq valgrind >/dev/null
    fi
fi
[ "${NO_BUILD:-0}" = 1 ] || (cd "$BENCH_DIR" && cargo build --release --bins -q)

server_cmd() {
    case $1 in
        harrow-epoll) echo "$BIN/harrow-server $2 epoll" ;;
        harrow-app) echo "$BIN/harrow-app $2 epoll app" ;;
        harrow-app-metrics | metrics-scrape) echo "$BIN/harrow-app $2 epoll metrics" ;;
        hyper) echo "$BIN/hyper $2" ;;
        actix) echo "$BIN/actix $2" ;;
        may) echo "$BIN/may-minihttp $2" ;;
        app) echo "$BIN/harrow-app $2 epoll app" ;;
        core) echo "$BIN/harrow-app $2 epoll core" ;;
        *) die "unknown server $1 (io_uring cannot run under valgrind)" ;;
    esac
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# count NAME REQUESTS: prints "instructions requests" for one callgrind run.
count() {
    local name=$1 want=$2 cmd pid n ir
    if [ "$name" = floor ]; then
        n=$(valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" \
            "$BIN/contract-floor" $((want / 16)) 2>"$work/vg.log")
        ir=$(awk '/Collected :/ {gsub(",", "", $4); print $4}' "$work/vg.log")
        echo "$ir $n"
        return
    fi
    port=$((port + 1))
    cmd=$(server_cmd "$name" "$port")
    # shellcheck disable=SC2086
    valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" $cmd >"$work/vg.log" 2>&1 &
    pid=$!
    if [ "$name" = metrics-scrape ]; then
        n=$(python3 "$BENCH_DIR/scrape_client.py" "$port" $((want / 100)))
    else
        n=$(python3 "$BENCH_DIR/pipe_client.py" "$port" $((want / 4 / DEPTH)) 4 "$PATHQ" "$DEPTH")
    fi
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    ir=$(awk '/Collected :/ {gsub(",", "", $4); print $4}' "$work/vg.log")
    if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp "$work/cg.out" "$KEEP/$name.out"; fi
    [ -n "$ir" ] || die "$name: callgrind wrote no total (see $work/vg.log)"
    echo "$ir $n"
}

echo "# user-space instructions per request (callgrind), depth $DEPTH, $PATHQ"
for name in "${SERVERS[@]}"; do
    read -r ir1 n1 < <(count "$name" 16000)
    read -r ir2 n2 < <(count "$name" 80000)
    awk -v a="$ir1" -v b="$ir2" -v m="$n1" -v n="$n2" -v s="$name" \
        'BEGIN { printf "%-14s %6.0f\n", s, (b - a) / (n - m) }'
done
