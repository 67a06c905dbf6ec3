//! The Prometheus text exposition format (version 0.0.4), written by hand:
//! `# HELP` and `# TYPE` lines, then one `name{label="value"} number` line
//! per sample, label values escaped.

use std::collections::BTreeMap;
use std::fmt::Write;

use harrow_server::WorkerStats;

use super::series::{Bounds, Labels, METHODS, Reading};

/// The `Content-Type` of the page.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The route label of requests that matched no route (or were answered
/// before routing). Templates start with `/`, so it cannot be one.
pub(crate) const UNMATCHED: &str = "unmatched";

/// The page for `series` (summed over workers), with the server's
/// connection and byte counters per worker when `workers` is known.
pub(crate) fn render(
    series: &BTreeMap<Labels, Reading>,
    bounds: &Bounds,
    workers: Option<&[WorkerStats]>,
) -> String {
    // Each series' labels, escaped once for all its lines.
    let labels: Vec<String> = series.keys().map(label_set).collect();
    let lines = series.len() * (bounds.seconds.len() + 4) + 16;
    let mut out = String::with_capacity(lines * 112);
    requests(&mut out, series, &labels);
    durations(&mut out, series, &labels, bounds);
    if let Some(workers) = workers {
        server(&mut out, workers);
    }
    out
}

fn requests(out: &mut String, series: &BTreeMap<Labels, Reading>, labels: &[String]) {
    let name = "harrow_http_requests_total";
    header(
        out,
        name,
        "counter",
        "Requests answered, by route template, method and status.",
    );
    for (reading, labels) in series.values().zip(labels) {
        sample(out, name, labels, None, reading.count());
    }
}

fn durations(
    out: &mut String,
    series: &BTreeMap<Labels, Reading>,
    labels: &[String],
    bounds: &Bounds,
) {
    let name = "harrow_http_request_duration_seconds";
    header(
        out,
        name,
        "histogram",
        "Time from a request reaching the Metrics layer to its response head, by route \
         template, method and status.",
    );
    let (bucket, sum, count) = (
        format!("{name}_bucket"),
        format!("{name}_sum"),
        format!("{name}_count"),
    );
    let les: Vec<String> = bounds.seconds.iter().map(f64::to_string).collect();
    for (reading, labels) in series.values().zip(labels) {
        let mut cumulated = 0;
        for (i, le) in les.iter().enumerate() {
            cumulated += reading.buckets.get(i).copied().unwrap_or(0);
            sample(out, &bucket, labels, Some(le), cumulated);
        }
        let total = reading.count();
        sample(out, &bucket, labels, Some("+Inf"), total);
        let seconds = reading.sum_nanos as f64 / 1e9;
        let _ = writeln!(out, "{sum}{{{labels}}} {seconds}");
        sample(out, &count, labels, None, total);
    }
}

fn server(out: &mut String, workers: &[WorkerStats]) {
    type Read = fn(&WorkerStats) -> u64;
    let families: [(&str, &str, &str, Read); 6] = [
        (
            "harrow_connections_open",
            "gauge",
            "Connections open now, by worker.",
            |w| w.connections_open,
        ),
        (
            "harrow_connections_accepted_total",
            "counter",
            "Connections accepted, by worker.",
            |w| w.connections_accepted,
        ),
        (
            "harrow_connections_rejected_total",
            "counter",
            "Connections closed at once because the worker's share of max_connections \
             was taken, by worker.",
            |w| w.connections_rejected,
        ),
        (
            "harrow_received_bytes_total",
            "counter",
            "Bytes read from connections (after TLS decryption), by worker.",
            |w| w.bytes_received,
        ),
        (
            "harrow_sent_bytes_total",
            "counter",
            "Bytes written to connections (before TLS encryption), by worker.",
            |w| w.bytes_sent,
        ),
        (
            "harrow_sent_file_bytes_total",
            "counter",
            "Of the bytes written, those the kernel sent straight from files (sendfile), \
             by worker.",
            |w| w.bytes_sent_from_files,
        ),
    ];
    let labels: Vec<String> = workers
        .iter()
        .map(|w| format!("worker=\"{}\"", w.worker))
        .collect();
    for (name, kind, help, read) in families {
        header(out, name, kind, help);
        for (worker, labels) in workers.iter().zip(&labels) {
            sample(out, name, labels, None, read(worker));
        }
    }
}

/// `route="…",method="…",status="…"`, escaped.
fn label_set(labels: &Labels) -> String {
    let route = labels.route.as_deref().unwrap_or(UNMATCHED);
    let method = METHODS[usize::from(labels.method).min(METHODS.len() - 1)];
    let mut out = String::with_capacity(route.len() + 40);
    out.push_str("route=\"");
    escape_label(&mut out, route);
    out.push_str("\",method=\"");
    out.push_str(method);
    out.push_str("\",status=\"");
    push_u64(&mut out, u64::from(labels.status));
    out.push('"');
    out
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// One line: `name{labels,le="le"} value`; `labels` already escaped.
fn sample(out: &mut String, name: &str, labels: &str, le: Option<&str>, value: u64) {
    out.push_str(name);
    out.push('{');
    out.push_str(labels);
    if let Some(le) = le {
        out.push_str(",le=\"");
        out.push_str(le);
        out.push('"');
    }
    out.push_str("} ");
    push_u64(out, value);
    out.push('\n');
}

/// Writes `n` in decimal, without the formatting machinery (a page has
/// thousands of these).
fn push_u64(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

/// Writes `value` as a label value: backslash, double quote and line feed
/// escaped, as the format asks.
fn escape_label(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(route: Option<&str>, method: u8, status: u16) -> Labels {
        Labels {
            route: route.map(Into::into),
            method,
            status,
        }
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in [0, 7, 10, 999, 1_000_000, u64::MAX] {
            let mut out = String::new();
            push_u64(&mut out, n);
            assert_eq!(out, n.to_string());
        }
    }

    #[test]
    fn label_values_are_escaped() {
        let cases = [
            ("/plain/{id}", "/plain/{id}"),
            ("a\"b", "a\\\"b"),
            ("back\\slash", "back\\\\slash"),
            ("two\nlines", "two\\nlines"),
            ("é", "é"),
        ];
        for (value, written) in cases {
            let mut out = String::new();
            escape_label(&mut out, value);
            assert_eq!(out, written);
        }
    }

    #[test]
    fn a_histogram_is_cumulated_and_closed_by_inf_sum_and_count() {
        let bounds = Bounds::new([0.001, 0.01]);
        let mut series = BTreeMap::new();
        series.insert(
            labels(Some("/users/{id}"), 0, 200),
            Reading {
                buckets: vec![2, 0, 1],
                sum_nanos: 1_500_000_000,
            },
        );
        series.insert(
            labels(None, 9, 404),
            Reading {
                buckets: vec![1, 0, 0],
                sum_nanos: 1_000,
            },
        );
        let page = render(&series, &bounds, None);
        let expected = "\
# HELP harrow_http_requests_total Requests answered, by route template, method and status.
# TYPE harrow_http_requests_total counter
harrow_http_requests_total{route=\"unmatched\",method=\"other\",status=\"404\"} 1
harrow_http_requests_total{route=\"/users/{id}\",method=\"GET\",status=\"200\"} 3
# HELP harrow_http_request_duration_seconds Time from a request reaching the Metrics layer to its response head, by route template, method and status.
# TYPE harrow_http_request_duration_seconds histogram
harrow_http_request_duration_seconds_bucket{route=\"unmatched\",method=\"other\",status=\"404\",le=\"0.001\"} 1
harrow_http_request_duration_seconds_bucket{route=\"unmatched\",method=\"other\",status=\"404\",le=\"0.01\"} 1
harrow_http_request_duration_seconds_bucket{route=\"unmatched\",method=\"other\",status=\"404\",le=\"+Inf\"} 1
harrow_http_request_duration_seconds_sum{route=\"unmatched\",method=\"other\",status=\"404\"} 0.000001
harrow_http_request_duration_seconds_count{route=\"unmatched\",method=\"other\",status=\"404\"} 1
harrow_http_request_duration_seconds_bucket{route=\"/users/{id}\",method=\"GET\",status=\"200\",le=\"0.001\"} 2
harrow_http_request_duration_seconds_bucket{route=\"/users/{id}\",method=\"GET\",status=\"200\",le=\"0.01\"} 2
harrow_http_request_duration_seconds_bucket{route=\"/users/{id}\",method=\"GET\",status=\"200\",le=\"+Inf\"} 3
harrow_http_request_duration_seconds_sum{route=\"/users/{id}\",method=\"GET\",status=\"200\"} 1.5
harrow_http_request_duration_seconds_count{route=\"/users/{id}\",method=\"GET\",status=\"200\"} 3
";
        assert_eq!(page, expected);
    }

    #[test]
    fn the_server_section_has_one_sample_per_worker_and_family() {
        let mut one = WorkerStats::default();
        one.worker = 1;
        one.connections_open = 2;
        one.bytes_sent = 99;
        one.bytes_sent_from_files = 40;
        let page = render(&BTreeMap::new(), &Bounds::new([]), Some(&[one]));
        for line in [
            "# TYPE harrow_connections_open gauge",
            "harrow_connections_open{worker=\"1\"} 2",
            "harrow_connections_accepted_total{worker=\"1\"} 0",
            "harrow_connections_rejected_total{worker=\"1\"} 0",
            "harrow_received_bytes_total{worker=\"1\"} 0",
            "# TYPE harrow_sent_bytes_total counter",
            "harrow_sent_bytes_total{worker=\"1\"} 99",
            "# TYPE harrow_sent_file_bytes_total counter",
            "harrow_sent_file_bytes_total{worker=\"1\"} 40",
        ] {
            assert!(
                page.lines().any(|l| l == line),
                "no line {line:?} in\n{page}"
            );
        }
    }
}
