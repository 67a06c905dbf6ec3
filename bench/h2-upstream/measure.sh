#!/usr/bin/env bash
# User-space instructions per HTTP/2 request (callgrind) for harrow-server
# (epoll driver: valgrind cannot follow io_uring) and hyper, built once
# against the pristine h2 that bench/Cargo.lock pins and once against that h2
# with h2.patch applied. Nothing of h2 is kept in the repository: the pristine
# source is copied from the local cargo registry (`cargo fetch` fills it) to
# a temporary directory and patched there; bench/Cargo.lock is restored.
#
# Usage: bench/h2-upstream/measure.sh [SERVER...]   SERVER: harrow hyper
#   (default: both). Each server is run under callgrind for N1 and N2
#   requests of `h2load -c4 -m32 -t1` on /plaintext; the instruction
#   difference over the request difference leaves out start-up and shutdown.
# Environment: N1 [20000], N2 [100000], PORT_BASE [19400], KEEP [] (a
#   directory to keep the callgrind files in, for callgrind_annotate).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BENCH=$(cd "$HERE/.." && pwd)
N1=${N1:-20000}
N2=${N2:-100000}
port=${PORT_BASE:-19400}
SERVERS=("$@")
[ ${#SERVERS[@]} -gt 0 ] || SERVERS=(harrow hyper)

die() { echo "measure.sh: $*" >&2; exit 1; }
for tool in valgrind h2load patch; do command -v $tool >/dev/null || die "$tool is needed"; done

ver=$(awk '/^name = "h2"$/ {getline; gsub(/"/, "", $3); print $3; exit}' "$BENCH/Cargo.lock")
[ -n "$ver" ] || die "no h2 in bench/Cargo.lock"
(cd "$BENCH" && cargo fetch -q)
src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/h2-"$ver" 2>/dev/null | head -1)
[ -d "$src" ] || die "h2 $ver not in the cargo registry"

work=$(mktemp -d)
cp "$BENCH/Cargo.lock" "$work/Cargo.lock.orig"
trap 'cp "$work/Cargo.lock.orig" "$BENCH/Cargo.lock"; rm -rf "$work"' EXIT
cp -r "$src" "$work/h2"
(cd "$work/h2" && patch -s -p1 <"$HERE/h2.patch")

bin_of() { case $1 in harrow) echo harrow-server ;; hyper) echo hyper ;; *) die "unknown server $1" ;; esac; }
args_of() { case $1 in harrow) echo "epoll h2" ;; hyper) echo "h2" ;; esac; }

# build VARIANT: builds the servers' binaries and copies them to $work/VARIANT.
build() {
    local variant=$1 bins=() s
    for s in "${SERVERS[@]}"; do bins+=(--bin "$(bin_of "$s")"); done
    mkdir -p "$work/$variant"
    if [ "$variant" = patched ]; then
        (cd "$BENCH" && cargo build -q --release "${bins[@]}" \
            --config "patch.crates-io.h2.path=\"$work/h2\"")
    else
        cp "$work/Cargo.lock.orig" "$BENCH/Cargo.lock"
        (cd "$BENCH" && cargo build -q --release "${bins[@]}")
    fi
    for s in "${SERVERS[@]}"; do cp "$BENCH/target/release/$(bin_of "$s")" "$work/$variant/"; done
}

# count BINARY ARGS N OUT: prints "instructions requests" for one run.
count() {
    local bin=$1 args=$2 n=$3 out=$4 pid ok ir
    port=$((port + 1))
    # shellcheck disable=SC2086
    valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" $port $args >"$out.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 150); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
    h2load -n "$n" -c4 -m32 -t1 "http://127.0.0.1:$port/plaintext" >"$out.h2load" 2>&1
    ok=$(awk '/^requests:/ {print $8}' "$out.h2load")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    ir=$(awk '/Collected :/ {gsub(",", "", $4); print $4}' "$out.log")
    [ -n "$ir" ] && [ "$ok" = "$n" ] || die "$bin: run failed (see $out.log, $out.h2load)"
    echo "$ir $ok"
}

build patched
build pristine
echo "# user-space instructions per HTTP/2 request (callgrind), h2 $ver, h2load -c4 -m32, /plaintext"
printf '%-8s %10s %10s %8s\n' server pristine patched change
for s in "${SERVERS[@]}"; do
    per=()
    for variant in pristine patched; do
        read -r ir1 n1 < <(count "$work/$variant/$(bin_of "$s")" "$(args_of "$s")" "$N1" "$work/$s-$variant-1.out")
        read -r ir2 n2 < <(count "$work/$variant/$(bin_of "$s")" "$(args_of "$s")" "$N2" "$work/$s-$variant-2.out")
        per+=("$(awk -v a="$ir1" -v b="$ir2" -v m="$n1" -v n="$n2" 'BEGIN { printf "%.0f", (b - a) / (n - m) }')")
        if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp "$work/$s-$variant-2.out" "$KEEP/$s-$variant.out"; fi
    done
    awk -v s="$s" -v a="${per[0]}" -v b="${per[1]}" \
        'BEGIN { printf "%-8s %10d %10d %+7.1f%%\n", s, a, b, 100 * (b - a) / a }'
done
