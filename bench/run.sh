#!/usr/bin/env bash
# Load benchmarks: harrow-server (io_uring and epoll drivers) against hyper,
# actix-web and may_minihttp, one server core each, on 127.0.0.1 only.
#
# Usage: bench/run.sh [PART...]      PART: h1 mem h2 framework files ws tls (default: the first four)
#
#   h1         wrk: plaintext (64 conns), plaintext pipelined 16 deep, JSON (64 conns)
#   mem        server RSS per idle keep-alive connection at IDLE_CONNS connections
#   h2         h2load -c16 -m32 against harrow (enable_http2), hyper and monoio-http (h2 prior knowledge)
#   framework  the full harrow::App (50 routes, one middleware) against the bare core
#   files      static files and compressed JSON: harrow (ServeDir, Compression) against
#              nginx, actix-files and tower-http's ServeDir (axum): a 4 KiB file, a
#              100 MiB file, a 10 KiB JSON document gzipped per request; harrow also
#              with zero-copy off (files-harrow-uring-copy: read and written, no sendfile)
#   ws         WebSocket echo: harrow (both drivers) against axum (tokio-tungstenite) and
#              fastwebsockets: WS_SOCKETS sockets each echoing 32-byte text messages,
#              then 64 KiB binary ones, one at a time per socket; the same over HTTP/2
#              (RFC 8441, many sockets per connection; harrow and axum only); and server
#              RSS per idle open WebSocket at WS_IDLE sockets
#   tls        HTTPS, one self-signed ECDSA P-256 certificate for all: harrow (both
#              drivers) against hyper + tokio-rustls and actix-web + rustls; new
#              connections with a full TLS 1.3 handshake and one request each
#              (tls-connect), new connections resuming a session (wrk with
#              Connection: close), keep-alive requests for /plaintext and for a
#              64 KiB body (wrk), and HTTP/2 (h2load -c16 -m32) for harrow and hyper
#
# Environment (defaults in brackets):
#   ROUNDS [3]       rounds; each round runs every server once per scenario,
#                    in an order rotated each round
#   DURATION [5]     seconds of each measured wrk/h2load run
#   WARMUP [1]       seconds of unmeasured load before each run
#   CONNS [64]       wrk connections
#   DEPTH [16]       pipelining depth
#   IDLE_CONNS [10000]
#   MEM_SERVERS      servers for mem (default: harrow-uring harrow-epoll hyper actix may)
#   SERVERS          servers for h1 (default: harrow-uring harrow-epoll hyper actix may monoio-http)
#   H2_SERVERS       servers for h2 (default: the harrow drivers, hyper, monoio-http)
#   H2_CONNS [16]    h2load connections
#   WS_SOCKETS [1000] WebSockets of the ws echo scenarios
#   WS_BIG_SOCKETS [WS_SOCKETS] WebSockets of the 64 KiB scenario
#   WS_IDLE [10000]  WebSockets of the ws memory test
#   WS_SERVERS       servers for ws (default: ws-harrow-uring ws-harrow-epoll ws-axum ws-fws)
#   WS_H2_CONNS [10] HTTP/2 connections of the ws-h2 scenarios (WebSocket over HTTP/2)
#   WS_H2_STREAMS [100] WebSockets per connection in ws-h2-small (10 in ws-h2-64k)
#   WS_H2_SERVERS    servers for ws-h2 (default: WS_SERVERS but ws-fws, which has no HTTP/2)
#   TLS_SERVERS      servers for tls (default: tls-harrow-uring tls-harrow-epoll tls-hyper
#                    tls-actix); TLS_H2_SERVERS the same for its HTTP/2 runs (default:
#                    the first three)
#   SERVER_CPU [0]   core(s) the server is pinned to; LOAD_CPU [1] core(s) of wrk/h2load
#   WORKERS [1]      server worker threads (harrow workers, hyper's and actix's
#                    threads, monoio-http runtimes); LOAD_THREADS [1] wrk/h2load threads
#
# Many-core mode: the same parts with N workers pinned to N cores and the
# load on others, e.g. on 16 cores:
#   WORKERS=8 SERVER_CPU=0-7 LOAD_CPU=8-15 LOAD_THREADS=8 CONNS=512 bench/run.sh h1 h2
#   PORT_BASE [18080] first of the 27 ports the servers listen on
#   OUT              results directory (default: bench/results/<UTC timestamp>)
#   NO_BUILD=1       skip the cargo build
#
# Every run is bounded in time; servers are stopped after each run.
set -euo pipefail

cd "$(dirname "$0")"
BENCH_DIR=$(pwd)

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
CONNS=${CONNS:-64}
DEPTH=${DEPTH:-16}
IDLE_CONNS=${IDLE_CONNS:-10000}
SERVERS=${SERVERS:-"harrow-uring harrow-epoll hyper actix may monoio-http"}
H2_SERVERS=${H2_SERVERS:-"harrow-uring-h2 harrow-epoll-h2 hyper-h2 monoio-http-h2"}
H2_CONNS=${H2_CONNS:-16}
WS_SOCKETS=${WS_SOCKETS:-1000}
WS_BIG_SOCKETS=${WS_BIG_SOCKETS:-$WS_SOCKETS}
WS_IDLE=${WS_IDLE:-10000}
WS_SERVERS=${WS_SERVERS:-"ws-harrow-uring ws-harrow-epoll ws-axum ws-fws"}
WS_H2_CONNS=${WS_H2_CONNS:-10}
WS_H2_STREAMS=${WS_H2_STREAMS:-100}
WS_H2_SERVERS=${WS_H2_SERVERS:-$(echo "$WS_SERVERS" | tr ' ' '\n' | grep -v '^ws-fws$' | tr '\n' ' ')}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
WORKERS=${WORKERS:-1}
LOAD_THREADS=${LOAD_THREADS:-1}
export WORKERS
PORT_BASE=${PORT_BASE:-18080}
OUT=${OUT:-"$BENCH_DIR/results/$(date -u +%Y%m%dT%H%M%SZ)"}
BIN="$BENCH_DIR/target/release"
HZ=$(getconf CLK_TCK)

PARTS=("$@")
[ ${#PARTS[@]} -eq 0 ] && PARTS=(h1 mem h2 framework)

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- tools -----------------------------------------------------------------

need_pkgs=()
command -v wrk >/dev/null || need_pkgs+=(wrk)
command -v h2load >/dev/null || need_pkgs+=(nghttp2-client)
command -v taskset >/dev/null || need_pkgs+=(util-linux)
case " $* " in *" files "*) command -v nginx >/dev/null || need_pkgs+=(nginx-light) ;; esac
if [ ${#need_pkgs[@]} -gt 0 ]; then
    log "installing ${need_pkgs[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi
[ "$(nproc)" -ge 2 ] || log "warning: fewer than 2 CPUs; server and load generator share a core"

# Enough file descriptors for 10,000 connections on each side.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -gt $((IDLE_CONNS + 100)) ] || log "warning: open-files limit $(ulimit -n) is below IDLE_CONNS"

if [ "${NO_BUILD:-0}" != 1 ]; then
    log "building (release)"
    if [ "${PARTS[*]}" = ws ]; then
        cargo build --release --bin ws-harrow --bin ws-axum --bin ws-fastwebsockets --bin ws-load >&2
    else
        cargo build --release --bins >&2
    fi
fi

mkdir -p "$OUT"
RAW="$OUT/raw.tsv"
{
    echo "# date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "# machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), kernel $(uname -r)"
    echo "# commit: $(git -C "$BENCH_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "# rounds=$ROUNDS duration=${DURATION}s warmup=${WARMUP}s conns=$CONNS depth=$DEPTH server_cpu=$SERVER_CPU load_cpu=$LOAD_CPU workers=$WORKERS load_threads=$LOAD_THREADS"
    echo "# part scenario server round req/s p99_ms server_cpu_s requests req_per_server_cpu_s"
} >"$RAW"

# --- servers ---------------------------------------------------------------

# server_cmd NAME PORT: the command line of a server.
server_cmd() {
    local name=$1 port=$2
    case $name in
        harrow-uring) echo "$BIN/harrow-server $port uring" ;;
        harrow-epoll) echo "$BIN/harrow-server $port epoll" ;;
        harrow-uring-h2) echo "$BIN/harrow-server $port uring h2" ;;
        harrow-epoll-h2) echo "$BIN/harrow-server $port epoll h2" ;;
        hyper) echo "$BIN/hyper $port" ;;
        hyper-h2) echo "$BIN/hyper $port h2" ;;
        monoio-http) echo "$BIN/monoio-http $port" ;;
        monoio-http-h2) echo "$BIN/monoio-http $port h2" ;;
        actix) echo "$BIN/actix $port" ;;
        may) echo "$BIN/may-minihttp $port" ;;
        harrow-app-uring) echo "$BIN/harrow-app $port uring app" ;;
        harrow-app-epoll) echo "$BIN/harrow-app $port epoll app" ;;
        core-uring) echo "$BIN/harrow-app $port uring core" ;;
        core-epoll) echo "$BIN/harrow-app $port epoll core" ;;
        files-harrow-uring) echo "$BIN/files-harrow $port uring $FILES_DIR" ;;
        files-harrow-epoll) echo "$BIN/files-harrow $port epoll $FILES_DIR" ;;
        files-harrow-uring-copy) echo "$BIN/files-harrow $port uring $FILES_DIR copy" ;;
        files-actix) echo "$BIN/files-actix $port $FILES_DIR" ;;
        files-axum) echo "$BIN/files-axum $port $FILES_DIR" ;;
        files-nginx) echo "nginx -p $OUT/nginx/ -c $(nginx_conf "$port")" ;;
        ws-harrow-uring) echo "$BIN/ws-harrow $port uring" ;;
        ws-harrow-epoll) echo "$BIN/ws-harrow $port epoll" ;;
        ws-axum) echo "$BIN/ws-axum $port" ;;
        ws-fws) echo "$BIN/ws-fastwebsockets $port" ;;
        tls-harrow-uring) echo "$BIN/harrow-server $port uring tls $TLS_CERT $TLS_KEY" ;;
        tls-harrow-epoll) echo "$BIN/harrow-server $port epoll tls $TLS_CERT $TLS_KEY" ;;
        tls-hyper) echo "$BIN/hyper $port h1 tls $TLS_CERT $TLS_KEY" ;;
        tls-actix) echo "$BIN/actix $port tls $TLS_CERT $TLS_KEY" ;;
        *) die "unknown server $name" ;;
    esac
}

# A fixed port per server name, so that restarts never meet their own
# TIME_WAIT sockets from another server.
server_port() {
    local i=0 n
    for n in harrow-uring harrow-epoll hyper actix may harrow-uring-h2 harrow-epoll-h2 hyper-h2 \
        harrow-app-uring harrow-app-epoll core-uring core-epoll \
        files-harrow-uring files-harrow-epoll files-actix files-axum files-nginx \
        monoio-http monoio-http-h2 \
        ws-harrow-uring ws-harrow-epoll ws-axum ws-fws \
        tls-harrow-uring tls-harrow-epoll tls-hyper tls-actix files-harrow-uring-copy; do
        [ "$n" = "$1" ] && { echo $((PORT_BASE + i)); return; }
        i=$((i + 1))
    done
    die "unknown server $1"
}

SERVER_PID=""
start_server() {
    local name=$1 port=$2 cmd
    cmd=$(server_cmd "$name" "$port")
    # shellcheck disable=SC2086
    taskset -c "$SERVER_CPU" $cmd >"$OUT/server-$name.log" 2>&1 &
    SERVER_PID=$!
    local i
    for i in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        kill -0 "$SERVER_PID" 2>/dev/null || die "$name exited at start; see $OUT/server-$name.log"
        sleep 0.1
    done
    die "$name did not listen on $port within 10 s"
}

stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    local i
    for i in $(seq 1 30); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}
trap stop_server EXIT

# Server CPU time (user + system, all threads) in clock ticks.
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
rss_kib() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }

# wrk's latency figure ("1.23ms", "850.00us", "1.02s") in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); print v + 0 }
        else if (v ~ /m$/) { sub(/m$/, "", v); print v * 60000 }
        else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000 }
        else print v }'
}

# wrk_args SCENARIO PORT
wrk_args() {
    case $1 in
        plaintext) echo "-c$CONNS http://127.0.0.1:$2/plaintext" ;;
        pipelined) echo "-c$CONNS -s $BENCH_DIR/pipeline.lua http://127.0.0.1:$2/plaintext -- $DEPTH" ;;
        json) echo "-c$CONNS http://127.0.0.1:$2/json" ;;
        fw-plaintext) echo "-c$CONNS http://127.0.0.1:$2/plaintext" ;;
        fw-json) echo "-c$CONNS http://127.0.0.1:$2/json" ;;
        fs-small) echo "-c$CONNS http://127.0.0.1:$2/static/small.bin" ;;
        fs-large) echo "-c4 http://127.0.0.1:$2/static/large.bin" ;;
        fs-json) echo "-c$CONNS -H accept-encoding:gzip http://127.0.0.1:$2/json" ;;
        tls-resume) echo "-c$CONNS -s $BENCH_DIR/close.lua https://127.0.0.1:$2/plaintext" ;;
        tls-plaintext) echo "-c$CONNS https://127.0.0.1:$2/plaintext" ;;
        tls-64k) echo "-c$CONNS https://127.0.0.1:$2/64k" ;;
        *) die "unknown scenario $1" ;;
    esac
}

# run_wrk SCENARIO SERVER ROUND: one measured wrk run against a fresh server.
run_wrk() {
    local sc=$1 name=$2 rd=$3 port args t0 t1 out
    port=$(server_port "$name")
    args=$(wrk_args "$sc" "$port")
    start_server "$name" "$port"
    # shellcheck disable=SC2086
    [ "$WARMUP" -gt 0 ] && taskset -c "$LOAD_CPU" wrk -t"$LOAD_THREADS" -d"${WARMUP}s" $args >/dev/null
    t0=$(cpu_ticks "$SERVER_PID")
    out="$OUT/wrk-$sc-$name-$rd.txt"
    # shellcheck disable=SC2086
    taskset -c "$LOAD_CPU" wrk -t"$LOAD_THREADS" -d"${DURATION}s" --latency $args >"$out"
    t1=$(cpu_ticks "$SERVER_PID")
    stop_server
    local rps p99 reqs errs cpu rpc
    rps=$(awk '/^Requests\/sec:/{print $2}' "$out")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
    reqs=$(awk '/requests in/{print $1}' "$out")
    errs=$(awk '/Non-2xx|Socket errors/' "$out")
    [ -n "$errs" ] && log "  $name $sc: $errs"
    cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$HZ" 'BEGIN{printf "%.2f", (b - a) / hz}')
    rpc=$(awk -v r="$reqs" -v c="$cpu" 'BEGIN{ if (c > 0) printf "%.0f", r / c; else print 0 }')
    printf 'wrk\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sc" "$name" "$rd" "$rps" "$p99" "$cpu" "$reqs" "$rpc" >>"$RAW"
    log "  $sc $name round $rd: $rps req/s, p99 ${p99} ms, server CPU ${cpu} s, $rpc req/CPU-s"
}

# run_conn SERVER ROUND: one run of tls-connect (CONNS loops of connect, full
# TLS 1.3 handshake, one request, close) against a fresh server. The
# figure per CPU-second is new connections per server CPU-second.
run_conn() {
    local sc=tls-conn name=$1 rd=$2 port t0 t1 out
    port=$(server_port "$name")
    start_server "$name" "$port"
    [ "$WARMUP" -gt 0 ] && taskset -c "$LOAD_CPU" "$BIN/tls-connect" "$port" "$CONNS" "$WARMUP" >/dev/null
    t0=$(cpu_ticks "$SERVER_PID")
    out="$OUT/conn-$name-$rd.txt"
    taskset -c "$LOAD_CPU" timeout $((DURATION + 30)) \
        "$BIN/tls-connect" "$port" "$CONNS" "$DURATION" >"$out" || log "  tls-connect exited $? against $name"
    t1=$(cpu_ticks "$SERVER_PID")
    stop_server
    local conns failed resumed p99 cpu rps rpc
    conns=$(awk '{print $2}' "$out")
    failed=$(awk '{print $4}' "$out")
    resumed=$(awk '{print $8}' "$out")
    p99=$(awk '{print $12}' "$out")
    [ -n "$conns" ] || conns=0
    [ "${failed:-0}" = 0 ] || log "  $name $sc: $failed connections failed"
    [ "${resumed:-0}" = 0 ] || die "$name resumed $resumed sessions; see $out"
    rps=$(awk -v n="$conns" -v d="$DURATION" 'BEGIN{printf "%.2f", n / d}')
    cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$HZ" 'BEGIN{printf "%.2f", (b - a) / hz}')
    rpc=$(awk -v r="$conns" -v c="$cpu" 'BEGIN{ if (c > 0) printf "%.0f", r / c; else print 0 }')
    printf 'conn\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sc" "$name" "$rd" "$rps" "$p99" "$cpu" "$conns" "$rpc" >>"$RAW"
    log "  $sc $name round $rd: $rps conn/s, p99 ${p99} ms, server CPU ${cpu} s, $rpc conn/CPU-s"
}

# h2_url SCENARIO PORT: the URL h2load asks for.
h2_url() {
    case $1 in
        h2-plaintext) echo "http://127.0.0.1:$2/plaintext" ;;
        tls-h2-plaintext) echo "https://127.0.0.1:$2/plaintext" ;;
        *) die "unknown scenario $1" ;;
    esac
}

# run_h2 SERVER ROUND [SCENARIO]: one h2load run (H2_CONNS connections x 32
# streams); SCENARIO h2-plaintext (the default, h2c) or tls-h2-plaintext.
run_h2() {
    local name=$1 rd=$2 sc=${3:-h2-plaintext} port url t0 t1 out
    port=$(server_port "$name")
    url=$(h2_url "$sc" "$port")
    start_server "$name" "$port"
    out="$OUT/h2load-$sc-$name-$rd.txt"
    [ "$sc" = h2-plaintext ] && out="$OUT/h2load-$name-$rd.txt"
    # Warm-up as a separate, unmeasured run, so that the CPU window and the
    # request count cover the same period.
    [ "$WARMUP" -gt 0 ] && { taskset -c "$LOAD_CPU" timeout $((WARMUP + 30)) \
        h2load -t"$LOAD_THREADS" -c"$H2_CONNS" -m32 -D "$WARMUP" "$url" >"$out.warmup" 2>&1 ||
        log "  h2load warm-up exited $? against $name (see $out.warmup)"; }
    t0=$(cpu_ticks "$SERVER_PID")
    taskset -c "$LOAD_CPU" timeout $((DURATION + 30)) \
        h2load -t"$LOAD_THREADS" -c"$H2_CONNS" -m32 -D "$DURATION" \
        "$url" >"$out" 2>&1 || log "  h2load exited $? against $name (see $out)"
    t1=$(cpu_ticks "$SERVER_PID")
    local alive=yes
    kill -0 "$SERVER_PID" 2>/dev/null || alive=no
    stop_server
    local rps reqs ok failed cpu rpc
    rps=$(awk '/^finished in/{gsub(",", "", $4); print $4}' "$out")
    reqs=$(awk '/^requests:/{print $8}' "$out") # succeeded
    failed=$(awk '/^requests:/{print $10 + $12 + $14}' "$out")
    [ -n "$rps" ] || rps=0
    [ -n "$reqs" ] || reqs=0
    cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$HZ" 'BEGIN{printf "%.2f", (b - a) / hz}')
    rpc=$(awk -v r="$reqs" -v c="$cpu" 'BEGIN{ if (c > 0) printf "%.0f", r / c; else print 0 }')
    # h2load gives no percentile: p99 is recorded as 0.
    printf 'h2\t%s\t%s\t%s\t%s\t0\t%s\t%s\t%s\n' "$sc" "$name" "$rd" "$rps" "$cpu" "$reqs" "$rpc" >>"$RAW"
    log "  $sc $name round $rd: $rps req/s, $reqs succeeded, ${failed:-?} failed/errored/timed out, server alive after: $alive, CPU ${cpu} s"
}

# rotate N WORDS...: the words rotated left by N.
rotate() {
    local n=$1; shift
    local a=("$@") k=${#a[@]} i
    for ((i = 0; i < k; i++)); do printf '%s ' "${a[$(((i + n) % k))]}"; done
}

# --- parts -----------------------------------------------------------------

part_h1() {
    log "HTTP/1.1 (wrk -t$LOAD_THREADS -c$CONNS, ${DURATION}s, $ROUNDS rounds): $SERVERS"
    local rd sc name
    for rd in $(seq 1 "$ROUNDS"); do
        for sc in plaintext pipelined json; do
            # shellcheck disable=SC2086
            for name in $(rotate $((rd - 1)) $SERVERS); do
                run_wrk "$sc" "$name" "$rd"
            done
        done
    done
}

part_h2() {
    log "HTTP/2 (h2load -t$LOAD_THREADS -c$H2_CONNS -m32, ${DURATION}s, $ROUNDS rounds)"
    local rd name
    for rd in $(seq 1 "$ROUNDS"); do
        for name in $(rotate $((rd - 1)) $H2_SERVERS); do
            run_h2 "$name" "$rd"
        done
    done
}

part_framework() {
    if [ ! -x "$BIN/harrow-app" ]; then
        log "framework: no harrow-app binary (the harrow crate is not merged here); skipped"
        return
    fi
    log "framework cost: harrow::App against the bare core (wrk -t$LOAD_THREADS -c$CONNS)"
    local rd sc name
    for rd in $(seq 1 "$ROUNDS"); do
        for sc in fw-plaintext fw-json; do
            for name in $(rotate $((rd - 1)) harrow-app-uring core-uring harrow-app-epoll core-epoll); do
                run_wrk "$sc" "$name" "$rd"
            done
        done
    done
}

FILES_DIR="$OUT/files"

# nginx_conf PORT: writes nginx's configuration for the files benchmark (one
# process, no master, sendfile on, gzip level 6 for the JSON document, as
# harrow's default) and prints its path.
nginx_conf() {
    local conf="$OUT/nginx/nginx-$1.conf"
    mkdir -p "$OUT/nginx/logs"
    cat >"$conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
error_log $OUT/nginx/error.log warn;
pid $OUT/nginx/nginx-$1.pid;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 600;
    keepalive_requests 10000000;
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$1;
        location /static/ { alias $FILES_DIR/; }
        location = /json {
            alias $FILES_DIR/data.json;
            default_type application/json;
            gzip on;
            gzip_types application/json;
            gzip_comp_level 6;
            gzip_min_length 1024;
        }
    }
}
CONF
    echo "$conf"
}

part_files() {
    log "files: harrow (ServeDir, Compression) against nginx, actix-files, tower-http ServeDir"
    [ -f "$FILES_DIR/large.bin" ] || "$BIN/files-harrow" prepare "$FILES_DIR"
    local names=${FILES_SERVERS:-"files-harrow-uring files-harrow-epoll files-harrow-uring-copy files-nginx files-actix files-axum"}
    local rd sc name
    for rd in $(seq 1 "$ROUNDS"); do
        for sc in fs-small fs-large fs-json; do
            # shellcheck disable=SC2086
            for name in $(rotate $((rd - 1)) $names); do
                run_wrk "$sc" "$name" "$rd"
            done
        done
    done
}

TLS_CERT="$OUT/tls/cert.pem"
TLS_KEY="$OUT/tls/key.pem"

# tls_cert: one self-signed ECDSA P-256 certificate for localhost and
# 127.0.0.1, shared by every TLS server.
tls_cert() {
    [ -f "$TLS_CERT" ] && return
    mkdir -p "$OUT/tls"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$TLS_KEY" -out "$TLS_CERT" -days 30 -subj /CN=localhost \
        -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>"$OUT/tls/openssl.log" ||
        die "openssl could not make the certificate; see $OUT/tls/openssl.log"
}

# check_handshakes: hyper's TLS server counts full and resumed handshakes
# (COUNT_HANDSHAKES=1) while tls-connect, then wrk with Connection: close,
# run against it for 2 s each. tls-connect must make only full handshakes
# (the part stops otherwise); wrk's share of resumed ones is recorded, as
# what the tls-resume figures are made of.
check_handshakes() {
    local port line
    port=$(server_port tls-hyper)
    : >"$OUT/tls/handshake-check.txt"
    COUNT_HANDSHAKES=1 start_server tls-hyper "$port"
    taskset -c "$LOAD_CPU" "$BIN/tls-connect" "$port" "$CONNS" 2 >"$OUT/tls/check-tls-connect.txt"
    stop_server
    line=$(grep '^handshakes:' "$OUT/server-tls-hyper.log" | tail -1)
    echo "tls-connect $port $CONNS 2: client: $(cat "$OUT/tls/check-tls-connect.txt"); server, every 1000: $line" >>"$OUT/tls/handshake-check.txt"
    log "  tls-connect, as hyper counted: $line"
    case $line in
        *" 0 resumed") ;;
        *) die "tls-connect resumed TLS sessions (or hyper counted none); see $OUT/tls/" ;;
    esac
    COUNT_HANDSHAKES=1 start_server tls-hyper "$port"
    # shellcheck disable=SC2086
    taskset -c "$LOAD_CPU" wrk -t1 -d2s $(wrk_args tls-resume "$port") >"$OUT/tls/check-wrk.txt"
    stop_server
    line=$(grep '^handshakes:' "$OUT/server-tls-hyper.log" | tail -1)
    echo "wrk -t1 -d2s $(wrk_args tls-resume "$port"): server, every 1000: $line" >>"$OUT/tls/handshake-check.txt"
    log "  wrk with Connection: close, as hyper counted: $line"
}

part_tls() {
    local names=${TLS_SERVERS:-"tls-harrow-uring tls-harrow-epoll tls-hyper tls-actix"}
    local h2names=${TLS_H2_SERVERS:-"tls-harrow-uring tls-harrow-epoll tls-hyper"}
    log "TLS: new connections (tls-connect, then wrk), keep-alive /plaintext and /64k (wrk -t$LOAD_THREADS -c$CONNS), HTTP/2 (h2load -t$LOAD_THREADS -c$H2_CONNS -m32)"
    tls_cert
    check_handshakes
    local rd sc name
    for rd in $(seq 1 "$ROUNDS"); do
        # shellcheck disable=SC2086
        for name in $(rotate $((rd - 1)) $names); do
            run_conn "$name" "$rd"
        done
        for sc in tls-resume tls-plaintext tls-64k; do
            # shellcheck disable=SC2086
            for name in $(rotate $((rd - 1)) $names); do
                run_wrk "$sc" "$name" "$rd"
            done
        done
        # shellcheck disable=SC2086
        for name in $(rotate $((rd - 1)) $h2names); do
            run_h2 "$name" "$rd" tls-h2-plaintext
        done
    done
}

part_mem() {
    local names=${MEM_SERVERS:-"harrow-uring harrow-epoll hyper actix may"}
    log "memory per idle keep-alive connection, $IDLE_CONNS connections: $names"
    local mem="$OUT/memory.tsv"
    echo -e "# server\tconnections\trss_before_kib\trss_idle_kib\tkib_per_connection" >"$mem"
    local name port r0 r1 cpid i
    for name in $names; do
        port=$(server_port "$name")
        start_server "$name" "$port"
        sleep 1
        r0=$(rss_kib "$SERVER_PID")
        taskset -c "$LOAD_CPU" "$BIN/idle-conns" "$port" "$IDLE_CONNS" 15 >"$OUT/idle-$name.out" 2>"$OUT/idle-$name.err" &
        cpid=$!
        for i in $(seq 1 600); do
            grep -q '^idle\|^failed' "$OUT/idle-$name.out" && break
            kill -0 "$cpid" 2>/dev/null || break
            sleep 0.1
        done
        if ! grep -q '^idle' "$OUT/idle-$name.out"; then
            log "  $name: the client could not hold $IDLE_CONNS connections: $(tail -2 "$OUT/idle-$name.err" | tr '\n' ' ')"
            kill "$cpid" 2>/dev/null || true
            wait "$cpid" 2>/dev/null || true
            stop_server
            echo -e "$name\t$IDLE_CONNS\t$r0\t-\t-" >>"$mem"
            continue
        fi
        sleep 2
        r1=$(rss_kib "$SERVER_PID")
        kill "$cpid" 2>/dev/null || true
        wait "$cpid" 2>/dev/null || true
        stop_server
        local per
        per=$(awk -v a="$r0" -v b="$r1" -v n="$IDLE_CONNS" 'BEGIN{printf "%.2f", (b - a) / n}')
        echo -e "$name\t$IDLE_CONNS\t$r0\t$r1\t$per" >>"$mem"
        log "  $name: RSS $r0 KiB -> $r1 KiB with $IDLE_CONNS idle connections: $per KiB each"
    done
}

# ws_args SCENARIO: ws-load's mode, then sockets (or connections and
# streams), message size and kind of a WebSocket scenario.
ws_args() {
    case $1 in
        ws-small) echo "echo $WS_SOCKETS 32 text" ;;
        ws-64k) echo "echo $WS_BIG_SOCKETS 65536 binary" ;;
        ws-h2-small) echo "h2echo $WS_H2_CONNS $WS_H2_STREAMS 32 text" ;;
        ws-h2-64k) echo "h2echo $WS_H2_CONNS $((WS_H2_STREAMS / 10)) 65536 binary" ;;
        *) die "unknown scenario $1" ;;
    esac
}

# run_ws SCENARIO SERVER ROUND: one measured WebSocket echo run against a
# fresh server. ws-load opens the sockets, puts WARMUP s of unmeasured load
# on them, then reads the server's CPU time itself at both ends of the
# DURATION s it counts echoes in.
run_ws() {
    local sc=$1 name=$2 rd=$3 port out line
    port=$(server_port "$name")
    start_server "$name" "$port"
    out="$OUT/ws-$sc-$name-$rd"
    local args
    read -r -a args <<<"$(ws_args "$sc")"
    taskset -c "$LOAD_CPU" timeout $((WARMUP + DURATION + 120)) \
        "$BIN/ws-load" "${args[0]}" "$port" "${args[@]:1}" "$WARMUP" "$DURATION" "$SERVER_PID" \
        >"$out.out" 2>"$out.err" || log "  ws-load exited $? against $name (see $out.err)"
    local alive=yes
    kill -0 "$SERVER_PID" 2>/dev/null || alive=no
    stop_server
    line=$(grep '^echo' "$out.out" || true)
    local echoes secs ticks eps cpu epc
    echoes=$(echo "$line" | awk '{print $4 + 0}')
    secs=$(echo "$line" | awk '{print $5 + 0}')
    ticks=$(echo "$line" | awk '{print $6 + 0}')
    eps=$(awk -v n="$echoes" -v s="$secs" 'BEGIN{ if (s > 0) printf "%.0f", n / s; else print 0 }')
    cpu=$(awk -v t="$ticks" -v hz="$HZ" 'BEGIN{printf "%.2f", t / hz}')
    epc=$(awk -v n="$echoes" -v c="$cpu" 'BEGIN{ if (c > 0) printf "%.0f", n / c; else print 0 }')
    # No latency figure: p99 is recorded as 0.
    printf 'ws\t%s\t%s\t%s\t%s\t0\t%s\t%s\t%s\n' "$sc" "$name" "$rd" "$eps" "$cpu" "$echoes" "$epc" >>"$RAW"
    log "  $sc $name round $rd: $eps echoes/s, server CPU ${cpu} s, $epc echoes/CPU-s, server alive after: $alive"
}

part_ws() {
    log "WebSocket echo ($WS_SOCKETS sockets x 32 B text, $WS_BIG_SOCKETS x 64 KiB binary, ${DURATION}s, $ROUNDS rounds): $WS_SERVERS"
    log "  over HTTP/2: $WS_H2_CONNS connections x $WS_H2_STREAMS sockets x 32 B, x $((WS_H2_STREAMS / 10)) x 64 KiB: $WS_H2_SERVERS"
    local rd sc name
    for rd in $(seq 1 "$ROUNDS"); do
        for sc in ws-small ws-64k ws-h2-small ws-h2-64k; do
            local servers=$WS_SERVERS
            case $sc in ws-h2-*) servers=$WS_H2_SERVERS ;; esac
            # shellcheck disable=SC2086
            for name in $(rotate $((rd - 1)) $servers); do
                run_ws "$sc" "$name" "$rd"
            done
        done
    done
    log "memory per idle open WebSocket, $WS_IDLE sockets: $WS_SERVERS"
    local mem="$OUT/ws-memory.tsv"
    echo -e "# server\tsockets\trss_before_kib\trss_open_kib\trss_after_one_message_kib\tkib_per_socket_open\tkib_per_socket_after_one_message" >"$mem"
    local port line
    for name in $WS_SERVERS; do
        port=$(server_port "$name")
        start_server "$name" "$port"
        sleep 1
        taskset -c "$LOAD_CPU" timeout 300 "$BIN/ws-load" idle "$port" "$WS_IDLE" "$SERVER_PID" \
            >"$OUT/ws-idle-$name.out" 2>"$OUT/ws-idle-$name.err" ||
            log "  ws-load idle exited $? against $name (see $OUT/ws-idle-$name.err)"
        stop_server
        line=$(grep '^idle' "$OUT/ws-idle-$name.out" || true)
        if [ -z "$line" ]; then
            echo -e "$name\t$WS_IDLE\t-\t-\t-\t-\t-" >>"$mem"
            continue
        fi
        echo "$line" | awk -v name="$name" 'BEGIN{OFS="\t"} {
            printf "%s\t%d\t%d\t%d\t%d\t%.2f\t%.2f\n", name, $2, $3, $4, $5, ($4 - $3) / $2, ($5 - $3) / $2 }' >>"$mem"
        log "  $name: $(tail -1 "$mem" | awk '{print "RSS " $3 " KiB -> " $4 " KiB open, " $5 " KiB after one message each: " $6 " / " $7 " KiB per socket"}')"
    done
}

for part in "${PARTS[@]}"; do
    case $part in
        h1) part_h1 ;;
        mem) part_mem ;;
        h2) part_h2 ;;
        framework) part_framework ;;
        files) part_files ;;
        ws) part_ws ;;
        tls) part_tls ;;
        *) die "unknown part $part (use h1 mem h2 framework files ws tls)" ;;
    esac
done

# --- report ----------------------------------------------------------------

{
    head -4 "$RAW"
    echo
    awk -f "$BENCH_DIR/summarize.awk" "$RAW"
    if [ -f "$OUT/memory.tsv" ]; then
        echo
        echo "memory per idle keep-alive connection"
        column -t -s $'\t' "$OUT/memory.tsv" 2>/dev/null || cat "$OUT/memory.tsv"
    fi
    if [ -f "$OUT/ws-memory.tsv" ]; then
        echo
        echo "memory per idle open WebSocket"
        column -t -s $'\t' "$OUT/ws-memory.tsv" 2>/dev/null || cat "$OUT/ws-memory.tsv"
    fi
} | tee "$OUT/summary.txt"
log "raw results and wrk/h2load outputs in $OUT"
