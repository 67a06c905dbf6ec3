# Groups `perf report --no-children --sort symbol -g none` lines by crate.
/%/ {
    p = $1; sub("%", "", p); kernel = ($2 == "[k]"); $1 = ""; $2 = ""; s = $0; k = "kernel and the rest"
    if (s ~ /h2::|hpack|tokio_util/) k = "h2"
    else if (s ~ /http::|bytes::/) k = "http and bytes"
    else if (s ~ /memmove|memcpy/) k = "memmove"
    else if (s ~ /malloc|free|memalign|unlink_chunk|consolidate/) k = "malloc / free"
    else if (s ~ /harrow_server|monoio|tokio::|hyper::|mio::/) k = "runtime and server glue"
    else if (s ~ /tracing/) k = "tracing"
    a[k] += p
}
END { for (k in a) printf "%6.2f%%  %s\n", a[k], k }
