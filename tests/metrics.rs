//! The metrics page over real sockets, under both drivers: it parses as
//! the Prometheus text format, and its numbers are what the client sent:
//! requests per route template, method and status, their histograms, the
//! connections, and the bytes each way.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use harrow::metrics::Metrics;
use harrow::middleware::{Next, from_fn};
use harrow::test::TestClient;
use harrow::{App, Config, IntoResponse, Path, Request, Response, StatusCode};
use harrow_tests::prometheus::Exposition;
use harrow_tests::server::{each_driver, eventually};
use harrow_tests::{Raw, body_of};

const REQUESTS: &str = "harrow_http_requests_total";
const DURATION: &str = "harrow_http_request_duration_seconds";

async fn user(Path(id): Path<u64>) -> String {
    format!("user {id}")
}

async fn fail() -> StatusCode {
    StatusCode::INTERNAL_SERVER_ERROR
}

fn app(metrics: &Metrics) -> App {
    App::new()
        .get("/users/{id}", user)
        .get("/fail", fail)
        .get("/metrics", metrics.endpoint())
        .layer(metrics.layer())
}

/// Starts `app` with a fresh registry.
fn start(config: Config) -> harrow::ServerHandle {
    let metrics = Metrics::new();
    harrow::start_with_config(move || app(&metrics), "127.0.0.1:0", config).expect("starts")
}

/// The labels of a request series.
fn series<'a>(route: &'a str, method: &'a str, status: &'a str) -> [(&'a str, &'a str); 3] {
    [("route", route), ("method", method), ("status", status)]
}

fn parse(text: &str) -> Exposition {
    Exposition::parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// A keep-alive connection that adds up the bytes of every request and
/// response that went over it.
struct Counted {
    raw: Raw,
    sent: usize,
    received: usize,
}

impl Counted {
    fn get(&mut self, path: &str) -> String {
        self.exchange(&format!("GET {path} HTTP/1.1\r\nhost: a\r\n\r\n"))
    }

    fn exchange(&mut self, request: &str) -> String {
        self.raw.send(request.as_bytes());
        let response = self.raw.read_response();
        self.sent += request.len();
        self.received += response.len();
        response
    }
}

#[test]
fn the_page_parses_and_counts_requests_connections_and_bytes() {
    each_driver(|config| {
        let server = start(config);
        let mut conn = Counted {
            raw: Raw::connect(server.local_addr()),
            sent: 0,
            received: 0,
        };
        for id in 0..5 {
            assert!(
                conn.get(&format!("/users/{id}"))
                    .starts_with("HTTP/1.1 200")
            );
        }
        for path in ["/nowhere", "/users/1/more", "/nowhere?x=1"] {
            assert!(conn.get(path).starts_with("HTTP/1.1 404"));
        }
        for _ in 0..2 {
            let post = "POST /users/1 HTTP/1.1\r\nhost: a\r\ncontent-length: 0\r\n\r\n";
            assert!(conn.exchange(post).starts_with("HTTP/1.1 405"));
        }
        assert!(conn.get("/fail").starts_with("HTTP/1.1 500"));
        assert!(conn.get("/users/x").starts_with("HTTP/1.1 400"));
        let (sent, received) = (conn.sent, conn.received);

        let response = conn.get("/metrics");
        assert!(response.contains("content-type: text/plain; version=0.0.4; charset=utf-8"));
        let page = parse(body_of(&response));
        let requests = |labels: [(&str, &str); 3]| page.value(REQUESTS, &labels);
        assert_eq!(requests(series("/users/{id}", "GET", "200")), Some(5.0));
        assert_eq!(requests(series("unmatched", "GET", "404")), Some(3.0));
        assert_eq!(requests(series("/users/{id}", "POST", "405")), Some(2.0));
        assert_eq!(requests(series("/fail", "GET", "500")), Some(1.0));
        assert_eq!(requests(series("/users/{id}", "GET", "400")), Some(1.0));
        assert_eq!(
            page.named(REQUESTS).count(),
            5,
            "no other series, the scrape not yet counted"
        );
        assert_eq!(page.sum(REQUESTS), 12.0);
        let users = series("/users/{id}", "GET", "200");
        let count = page.value(&format!("{DURATION}_count"), &users);
        assert_eq!(count, Some(5.0));
        let sum = page.value(&format!("{DURATION}_sum"), &users).unwrap();
        assert!(sum > 0.0 && sum < 5.0, "{sum}");

        let worker = [("worker", "0")];
        assert_eq!(page.value("harrow_connections_open", &worker), Some(1.0));
        assert_eq!(
            page.value("harrow_connections_accepted_total", &worker),
            Some(1.0)
        );
        assert_eq!(
            page.value("harrow_connections_rejected_total", &worker),
            Some(0.0)
        );
        let scrape = "GET /metrics HTTP/1.1\r\nhost: a\r\n\r\n".len();
        assert_eq!(
            page.value("harrow_received_bytes_total", &worker),
            Some((sent + scrape) as f64),
            "every request byte, the scrape's too"
        );
        assert_eq!(
            page.value("harrow_sent_bytes_total", &worker),
            Some(received as f64),
            "every response byte before the page"
        );

        // The first scrape is counted, and its bytes, on the next.
        let first_page = conn.received - received;
        let page = parse(body_of(&conn.get("/metrics")));
        assert_eq!(
            page.value(REQUESTS, &series("/metrics", "GET", "200")),
            Some(1.0)
        );
        assert_eq!(
            page.value("harrow_sent_bytes_total", &worker),
            Some((received + first_page) as f64)
        );
    });
}

#[test]
fn the_server_core_counts_connections_and_bytes_for_any_service() {
    each_driver(|config| {
        let server = harrow_tests::server::start(Config {
            max_connections: 1,
            ..config
        });
        let stats = server.stats().clone();
        let mut conn = Counted {
            raw: Raw::connect(server.local_addr()),
            sent: 0,
            received: 0,
        };
        for path in ["/path", "/stream/3", "/empty"] {
            conn.get(path);
        }
        let mut refused = Raw::connect(server.local_addr());
        assert!(refused.closed_within(Duration::from_secs(5)));
        let worker = stats.workers()[0];
        assert_eq!(worker.worker, 0);
        assert_eq!(worker.connections_open, 1);
        assert_eq!(worker.connections_accepted, 1);
        assert_eq!(worker.connections_rejected, 1);
        assert_eq!(worker.bytes_received, conn.sent as u64);
        assert_eq!(worker.bytes_sent, conn.received as u64);
        drop(conn);
        eventually("the connection's close", Duration::from_secs(5), || {
            (stats.workers()[0].connections_open == 0).then_some(())
        });
    });
}

#[test]
fn workers_are_added_up_on_every_scrape() {
    each_driver(|config| {
        let server = start(Config {
            workers: Some(2),
            ..config
        });
        let addr = server.local_addr();
        let mut request_bytes = 0;
        for id in 0..24 {
            let response = harrow_tests::get(addr, &format!("/users/{id}"));
            assert_eq!(response.status, 200);
            request_bytes +=
                format!("GET /users/{id} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n")
                    .len();
        }
        let scrape = format!("GET /metrics HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n");
        let page = parse(&harrow_tests::get(addr, "/metrics").text());
        assert_eq!(
            page.value(REQUESTS, &series("/users/{id}", "GET", "200")),
            Some(24.0)
        );
        let workers: Vec<&str> = page
            .named("harrow_connections_open")
            .map(|s| s.labels["worker"].as_str())
            .collect();
        assert_eq!(workers, ["0", "1"]);
        assert_eq!(page.sum("harrow_connections_accepted_total"), 25.0);
        assert_eq!(
            page.sum("harrow_received_bytes_total"),
            (request_bytes + scrape.len()) as f64
        );
        let open = page.sum("harrow_connections_open");
        assert!((1.0..=25.0).contains(&open), "{open}");
    });
}

/// Bytes through a tokio stream, counted each way.
struct Tally {
    inner: tokio::net::TcpStream,
    read: Arc<AtomicU64>,
    written: Arc<AtomicU64>,
}

impl tokio::io::AsyncRead for Tally {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = buf.filled().len() - before;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        polled
    }
}

impl tokio::io::AsyncWrite for Tally {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = polled {
            self.written.fetch_add(n as u64, Ordering::Relaxed);
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[test]
fn http2_requests_and_bytes_are_counted() {
    each_driver(|config| {
        let server = start(Config {
            enable_http2: true,
            ..config
        });
        let addr = server.local_addr();
        let (read, written) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let tally = (read.clone(), written.clone());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let text = rt.block_on(async move {
            let inner = tokio::net::TcpStream::connect(addr).await.unwrap();
            let io = Tally {
                inner,
                read: tally.0,
                written: tally.1,
            };
            let (send, conn) = h2::client::handshake(io).await.unwrap();
            tokio::spawn(async move {
                let _ = conn.await;
            });
            for path in ["/users/1", "/users/2", "/users/3", "/nowhere", "/metrics"] {
                let mut send = send.clone().ready().await.unwrap();
                let req = http::Request::get(format!("http://localhost{path}"))
                    .body(())
                    .unwrap();
                let (response, _) = send.send_request(req, true).unwrap();
                let mut body = response.await.unwrap().into_body();
                let mut text = Vec::new();
                while let Some(chunk) = body.data().await {
                    let chunk: Bytes = chunk.unwrap();
                    let _ = body.flow_control().release_capacity(chunk.len());
                    text.extend_from_slice(&chunk);
                }
                if path == "/metrics" {
                    return String::from_utf8(text).unwrap();
                }
            }
            unreachable!("the loop ends with the page")
        });
        let page = parse(&text);
        assert_eq!(
            page.value(REQUESTS, &series("/users/{id}", "GET", "200")),
            Some(3.0)
        );
        assert_eq!(
            page.value(REQUESTS, &series("unmatched", "GET", "404")),
            Some(1.0)
        );
        let worker = [("worker", "0")];
        assert_eq!(
            page.value("harrow_connections_accepted_total", &worker),
            Some(1.0)
        );
        // The page was made while frames were still crossing (window
        // updates, acknowledgements): the server has read no more than the
        // client wrote and written no more than it read, and every request.
        let received = page.value("harrow_received_bytes_total", &worker).unwrap();
        let sent = page.value("harrow_sent_bytes_total", &worker).unwrap();
        let (written, read) = (
            written.load(Ordering::Relaxed) as f64,
            read.load(Ordering::Relaxed) as f64,
        );
        assert!(
            received > 24.0 + 5.0 * 9.0 && received <= written,
            "{received} of {written}"
        );
        assert!(sent > 4.0 * 9.0 && sent <= read, "{sent} of {read}");
    });
}

#[test]
fn routes_are_labelled_by_template_and_unmatched_requests_share_one_label() {
    let metrics = Metrics::with_buckets([0.5, 0.001]);
    async fn deny(req: Request, next: Next) -> Response {
        if req.headers().contains_key("x-deny") {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        next.run(req).await
    }
    async fn boom() -> &'static str {
        panic!("a handler that panics")
    }
    let app = App::new()
        .get("/users/{id}", user)
        .get("/boom", boom)
        .get("/metrics", metrics.endpoint())
        .layer(from_fn(deny))
        .layer(metrics.layer());
    let client = TestClient::new(app);
    for id in 0..50 {
        client.get(&format!("/users/{id}")).send();
    }
    client.get("/a").send();
    client.get("/b/c").send();
    client.get("/users/1").header("x-deny", "1").send();
    assert_eq!(client.get("/boom").send().status(), 500);
    let page = parse(client.get("/metrics").send().text());
    assert_eq!(page.named(REQUESTS).count(), 4, "{:?}", page.samples);
    assert_eq!(
        page.value(REQUESTS, &series("/boom", "GET", "500")),
        Some(1.0),
        "a panic is counted as the 500 the app answers"
    );
    assert_eq!(
        page.value(REQUESTS, &series("/users/{id}", "GET", "200")),
        Some(50.0)
    );
    assert_eq!(
        page.value(REQUESTS, &series("unmatched", "GET", "404")),
        Some(2.0)
    );
    assert_eq!(
        page.value(REQUESTS, &series("unmatched", "GET", "401")),
        Some(1.0),
        "answered before routing: no template known"
    );
    let les: Vec<&str> = page
        .named(&format!("{DURATION}_bucket"))
        .filter(|s| s.labels["status"] == "401")
        .map(|s| s.labels["le"].as_str())
        .collect();
    assert_eq!(les, ["0.001", "0.5", "+Inf"]);
    assert!(
        page.named("harrow_connections_open").next().is_none(),
        "no server in the test client"
    );
}

#[test]
fn two_registries_on_one_app_both_see_the_route() {
    let (outer, inner) = (Metrics::new(), Metrics::new());
    let app = App::new()
        .get("/users/{id}", user)
        .layer(inner.layer())
        .layer(outer.layer());
    let client = TestClient::new(app);
    for id in 0..3 {
        client.get(&format!("/users/{id}")).send();
    }
    for metrics in [outer, inner] {
        let page = parse(&metrics.render(None));
        let users = series("/users/{id}", "GET", "200");
        assert_eq!(page.value(REQUESTS, &users), Some(3.0));
    }
}
