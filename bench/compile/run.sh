#!/usr/bin/env bash
# Compile-time benchmark: the same 50-route app written for harrow (route
# attributes), actix-web (route attributes) and axum (Router), measured in
# the same run, crates alternated.
#
# Method, identical for all three crates:
#   clean:       `cargo clean` (the crate's whole target dir), then
#                `cargo build` (debug profile): every dependency and the app.
#   incremental: after a build, edit one handler's string literal
#                (handler25), then `cargo build` (debug, incremental on).
# Dependencies are fetched before any timing, so no download is timed.
#
# Env: CLEAN_ROUNDS [3], EDIT_ROUNDS [3], JOBS (cargo -j; default: all CPUs),
#      OUT (default bench/results/compile-<timestamp>)
set -euo pipefail
cd "$(dirname "$0")"
CLEAN_ROUNDS=${CLEAN_ROUNDS:-3}
EDIT_ROUNDS=${EDIT_ROUNDS:-3}
OUT=${OUT:-"$(cd .. && pwd)/results/compile-$(date -u +%Y%m%dT%H%M%SZ)"}
CRATES=(harrow-app actix-app axum-app)
JOBS_ARG=()
[ -n "${JOBS:-}" ] && JOBS_ARG=(-j "$JOBS")
mkdir -p "$OUT"
RAW="$OUT/compile.tsv"

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

[ -f harrow-app/src/main.rs ] || ./generate.sh
for c in "${CRATES[@]}"; do
    (cd "$c" && cargo fetch -q)
done
# Fail early (and untimed) if any app does not build.
for c in "${CRATES[@]}"; do
    (cd "$c" && cargo build -q) || { log "error: $c does not build"; exit 1; }
done

{
    echo "# date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "# machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), kernel $(uname -r)"
    echo "# $(rustc --version)"
    echo "# kind crate round wall_s cpu_s"
} >"$RAW"

# timed CRATE: runs `cargo build` in CRATE, prints wall seconds.
# A failed build stops the whole run: its time would mean nothing.
# Prints "WALL CPU": wall seconds and the user+system CPU seconds of cargo
# and every compiler it ran (less sensitive than wall time to other load on
# the machine).
timed() {
    local tf rc=0
    tf=$(mktemp)
    (
        TIMEFORMAT='%R %U %S'
        { time (cd "$1" && cargo build -q "${JOBS_ARG[@]}" 2>>"$OUT/build-$1.log"); } 2>"$tf"
    ) || rc=$?
    if [ "$rc" -ne 0 ]; then
        rm -f "$tf"
        log "error: building $1 failed; see $OUT/build-$1.log"
        return 1
    fi
    awk '{printf "%.2f %.2f", $1, $2 + $3}' "$tf"
    rm -f "$tf"
}

rotate() {
    local n=$1; shift
    local a=("$@") k=${#a[@]} i
    for ((i = 0; i < k; i++)); do printf '%s ' "${a[$(((i + n) % k))]}"; done
}

edit_one_handler() {
    # Changes handler25's string literal ("route 25" or "route 25 edit N").
    sed -i -E 's/"route 25( edit [0-9]+)?"/"route 25 edit '"$2"'"/' "$1/src/main.rs"
}

for r in $(seq 1 "$CLEAN_ROUNDS"); do
    for c in $(rotate $((r - 1)) "${CRATES[@]}"); do
        (cd "$c" && cargo clean -q)
        s=$(timed "$c") || exit 1
        echo -e "clean\t$c\t$r\t${s% *}\t${s#* }" >>"$RAW"
        log "clean build $c round $r: ${s% *} s wall, ${s#* } s CPU"
    done
done
for r in $(seq 1 "$EDIT_ROUNDS"); do
    for c in $(rotate $((r - 1)) "${CRATES[@]}"); do
        timed "$c" >/dev/null || exit 1 # up to date before the edit
        edit_one_handler "$c" "$r"
        s=$(timed "$c") || exit 1
        echo -e "incremental\t$c\t$r\t${s% *}\t${s#* }" >>"$RAW"
        log "incremental rebuild $c round $r: ${s% *} s wall, ${s#* } s CPU"
    done
done
# Put the generated sources back as generated.
for c in "${CRATES[@]}"; do sed -i -E 's/"route 25 edit [0-9]+"/"route 25"/' "$c/src/main.rs"; done

{
    head -3 "$RAW"
    echo
    awk -F'\t' '
        function median(s,    n, a, i, j, t) {
            n = split(s, a, " ")
            for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
            return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        /^#/ { next }
        {
            w[$1, $2] = (($1, $2) in w) ? w[$1, $2] " " $4 : $4
            c[$1, $2] = (($1, $2) in c) ? c[$1, $2] " " $5 : $5
        }
        END {
            printf "medians            %12s %12s %12s   %12s %12s\n", "harrow-app", "actix-app", "axum-app", "harrow/axum", "harrow/actix"
            split("clean incremental", kinds, " ")
            for (k = 1; k <= 2; k++) {
                K = kinds[k]
                h = median(w[K, "harrow-app"]); a = median(w[K, "actix-app"]); x = median(w[K, "axum-app"])
                printf "%-11s wall   %11.2fs %11.2fs %11.2fs   %12.2f %12.2f\n", K, h, a, x, h / x, h / a
                h = median(c[K, "harrow-app"]); a = median(c[K, "actix-app"]); x = median(c[K, "axum-app"])
                printf "%-11s CPU    %11.2fs %11.2fs %11.2fs   %12.2f %12.2f\n", K, h, a, x, h / x, h / a
            }
        }' "$RAW"
} | tee "$OUT/summary.txt"
