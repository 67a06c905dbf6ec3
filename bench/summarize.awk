# Summarizes the raw TSV written by run.sh.
# Input rows: part scenario server round rps p99_ms cpu_s requests req_per_cpu_s
# (part is "wrk", "h2" or "conn"); header lines start with '#'.
# Prints medians per (scenario, server) and, for each harrow variant and
# each peer, the median over rounds of the per-round ratio harrow/peer.
# Portable awk (no gawk extensions).

function median(s,    n, a, i, j, t) {
    n = split(s, a, " ")
    if (n == 0) return "-"
    for (i = 2; i <= n; i++) {
        t = a[i] + 0
        for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]
        a[j + 1] = t
    }
    if (n % 2) return a[(n + 1) / 2]
    return (a[n / 2] + a[n / 2 + 1]) / 2
}

function add(arr, key, v) { arr[key] = (key in arr) ? arr[key] " " v : v }

/^#/ || NF < 9 { next }
{
    sc = $2; sv = $3; rd = $4
    if (!(sc in seen_sc)) { seen_sc[sc] = 1; scs[++nsc] = sc }
    if (!((sc, sv) in seen_sv)) { seen_sv[sc, sv] = 1; svs[sc, ++nsv[sc]] = sv }
    add(RPS, sc SUBSEP sv, $5); add(P99, sc SUBSEP sv, $6)
    add(CPU, sc SUBSEP sv, $7); add(RPC, sc SUBSEP sv, $9)
    rps[sc, sv, rd] = $5; rpc[sc, sv, rd] = $9; rounds[rd] = 1
}
END {
    printf "%-16s %-16s %12s %9s %14s %8s %7s\n", "scenario", "server", "req/s", "p99 ms", "req/CPU-s", "CPU s", "runs"
    for (i = 1; i <= nsc; i++) {
        sc = scs[i]
        for (j = 1; j <= nsv[sc]; j++) {
            sv = svs[sc, j]; k = sc SUBSEP sv
            p = median(P99[k])
            # wrk reports 0 for p99 under pipelining; h2load gives none: shown as "-".
            # Under pipelining wrk's latency histogram is not trustworthy (it
            # often reports a p99 of 0): not shown.
            p = (p + 0 > 0 && sc != "pipelined") ? sprintf("%.2f", p) : "-"
            printf "%-16s %-16s %12.0f %9s %14.0f %8.2f %7d\n", sc, sv, median(RPS[k]), p, median(RPC[k]), median(CPU[k]), split(RPS[k], tmp, " ")
        }
    }
    printf "\nratios (median over rounds of the same-round ratio; > 1 means the first server is ahead)\n"
    printf "%-16s %-16s %-16s %9s %11s\n", "scenario", "server", "peer", "req/s", "req/CPU-s"
    for (i = 1; i <= nsc; i++) {
        sc = scs[i]
        for (a = 1; a <= nsv[sc]; a++) {
            h = svs[sc, a]
            if (h !~ /harrow/) continue
            for (b = 1; b <= nsv[sc]; b++) {
                p = svs[sc, b]
                if (p ~ /harrow/) continue
                # The framework's bare core is compared on the same driver only.
                if (p ~ /^core-/ && substr(p, 6) != substr(h, length(h) - length(p) + 6)) continue
                r1 = ""; r2 = ""
                for (rd in rounds) {
                    if ((sc, h, rd) in rps && (sc, p, rd) in rps && rps[sc, p, rd] > 0 && rpc[sc, p, rd] > 0) {
                        r1 = r1 " " rps[sc, h, rd] / rps[sc, p, rd]
                        r2 = r2 " " rpc[sc, h, rd] / rpc[sc, p, rd]
                    }
                }
                if (r1 != "") printf "%-16s %-16s %-16s %9.3f %11.3f\n", sc, h, p, median(r1), median(r2)
            }
        }
    }
}
