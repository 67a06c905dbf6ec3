//! Helpers for the server-core socket tests: a test service, servers on
//! 127.0.0.1:0 under each driver, and a hyper client. The raw-socket
//! client is [`crate::Raw`].

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use harrow_server::{Body, Config, ConnInfo, Driver, ServerHandle, service_fn};
use http::{Request, Response, StatusCode};

/// The drivers this machine can run: epoll always, io_uring when allowed.
pub fn drivers() -> Vec<Driver> {
    let probe = harrow_server::start_with_config(
        || service_fn(|_req, _conn| async { Response::new(Body::empty()) }),
        "127.0.0.1:0",
        Config {
            driver: Driver::IoUring,
            workers: Some(1),
            ..Default::default()
        },
    );
    match probe {
        Ok(server) => {
            server.shutdown().unwrap();
            vec![Driver::Epoll, Driver::IoUring]
        }
        Err(e) => {
            skip(&format!("the io_uring variant: {e}"));
            vec![Driver::Epoll]
        }
    }
}

/// Skips part of a test that this machine cannot run (io_uring refused, a
/// client not installed), saying why; in CI (`CI` set) it fails instead, so
/// a green run never hides a test that did not run.
pub fn skip(what: &str) {
    assert!(std::env::var_os("CI").is_none(), "cannot run in CI: {what}");
    eprintln!("skipping {what}");
}

/// The test service, except that `/sync-panic` panics in the service's
/// synchronous `call`, before any future exists.
pub fn start_panicky(config: Config) -> ServerHandle {
    harrow_server::start_with_config(
        || {
            service_fn(|req: Request<Body>, conn| {
                if req.uri().path() == "/sync-panic" {
                    panic!("panicked before making a future");
                }
                handle(req, conn)
            })
        },
        "127.0.0.1:0",
        config,
    )
    .expect("server starts")
}

/// Runs `test` once per available driver, with a fresh config for each.
pub fn each_driver(mut test: impl FnMut(Config)) {
    for driver in drivers() {
        eprintln!("-- driver {driver:?}");
        test(Config {
            driver,
            workers: Some(1),
            ..Default::default()
        });
    }
}

/// Starts the test service with `config` on 127.0.0.1:0.
pub fn start(config: Config) -> ServerHandle {
    harrow_server::start_with_config(|| service_fn(handle), "127.0.0.1:0", config)
        .expect("server starts")
}

/// The test service:
/// `/echo` echoes the body (413 past the server's body limit), `/first` answers the size of the body's first chunk
/// as soon as it arrives, `/count` reads the body chunk by chunk and answers
/// `BYTES bytes in CHUNKS chunks` (or the error), `/passthrough` answers with
/// the request body itself as the response body, `/silent` streams one chunk
/// and then nothing, forever, `/path` answers the request target, `/sleep/MS`
/// answers after MS milliseconds, `/panic` panics, `/stream/N` streams N
/// chunks of `chunk-I\n`, `/big/MB` streams MB mebibytes, `/peer` answers the
/// client's port, `/close` asks to close, `/trailers` echoes the trailers,
/// `/empty` answers 204.
pub async fn handle(req: Request<Body>, conn: ConnInfo) -> Response<Body> {
    arrived(&req);
    let path = req.uri().path().to_owned();
    let mut parts = path.trim_start_matches('/').splitn(2, '/');
    let (first, arg) = (parts.next().unwrap_or(""), parts.next().unwrap_or("0"));
    let n: u64 = arg.parse().unwrap_or(0);
    match first {
        "echo" => match req.into_body().collect(usize::MAX).await {
            Ok(body) => Response::new(Body::from(body)),
            Err(harrow_server::CollectError::TooLarge { .. }) => Response::builder()
                .status(StatusCode::PAYLOAD_TOO_LARGE)
                .body(Body::from("request body too large"))
                .unwrap(),
            Err(e) => Response::builder()
                .status(StatusCode::BAD_REQUEST)
                .body(Body::from(e.to_string()))
                .unwrap(),
        },
        "first" => {
            let mut body = req.into_body();
            let first = body
                .next_chunk()
                .await
                .and_then(Result::ok)
                .unwrap_or_default();
            Response::new(Body::from(format!("first chunk: {} bytes", first.len())))
        }
        "count" => {
            let mut body = req.into_body();
            let (mut bytes, mut chunks) = (0, 0);
            while let Some(chunk) = body.next_chunk().await {
                match chunk {
                    Ok(c) => {
                        bytes += c.len();
                        chunks += 1;
                    }
                    Err(e) => {
                        return Response::builder()
                            .status(StatusCode::BAD_REQUEST)
                            .body(Body::from(e.to_string()))
                            .unwrap();
                    }
                }
            }
            Response::new(Body::from(format!("{bytes} bytes in {chunks} chunks")))
        }
        "passthrough" => Response::new(req.into_body()),
        "silent" => {
            use futures_util::StreamExt;
            let first = futures_util::stream::once(std::future::ready(Ok::<_, std::io::Error>(
                Bytes::from_static(b"first\n"),
            )));
            Response::new(Body::from_stream(
                first.chain(futures_util::stream::pending()),
            ))
        }
        "path" => Response::new(Body::from(req.uri().to_string())),
        "sleep" => {
            harrow_server::rt::sleep(Duration::from_millis(n)).await;
            Response::new(Body::from("slept"))
        }
        "panic" => panic!("handler panicked on purpose"),
        "stream" => {
            let chunks =
                (0..n).map(|i| Ok::<_, std::io::Error>(Bytes::from(format!("chunk-{i}\n"))));
            Response::new(Body::from_stream(futures_util::stream::iter(chunks)))
        }
        "big" => {
            let mib = Bytes::from(vec![b'x'; 1 << 20]);
            let chunks = (0..n).map(move |_| Ok::<_, std::io::Error>(mib.clone()));
            Response::new(Body::from_stream(futures_util::stream::iter(chunks)))
        }
        "peer" => {
            let port = conn.remote().port();
            Response::new(Body::from(port.to_string()))
        }
        "close" => Response::builder()
            .header("connection", "close")
            .body(Body::from("bye"))
            .unwrap(),
        "trailers" => {
            let t = req.extensions().get::<harrow_server::Trailers>();
            let text = t.map(|t| format!("{:?}", t.0)).unwrap_or_default();
            Response::new(Body::from(text))
        }
        "empty" => Response::builder()
            .status(StatusCode::NO_CONTENT)
            .body(Body::empty())
            .unwrap(),
        _ => Response::new(Body::from("hello")),
    }
}

/// The targets (path and query) of the requests that reached the test
/// service, so a test can wait for one instead of sleeping.
static ARRIVALS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
static ARRIVED: std::sync::Condvar = std::sync::Condvar::new();

fn arrived(req: &Request<Body>) {
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let mut all = ARRIVALS.lock().unwrap_or_else(|e| e.into_inner());
    all.push(target);
    ARRIVED.notify_all();
}

/// Waits until a request for `target` (path and query, made unique by the
/// test) has reached the test service; panics after `within`.
pub fn wait_until_arrived(target: &str, within: Duration) {
    let deadline = std::time::Instant::now() + within;
    let mut all = ARRIVALS.lock().unwrap_or_else(|e| e.into_inner());
    while !all.iter().any(|t| t == target) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        assert!(
            !left.is_zero(),
            "no request for {target} arrived within {within:?}"
        );
        all = ARRIVED
            .wait_timeout(all, left)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
}

/// Retries `attempt` until it returns `Some`, or panics after `within`
/// saying what was awaited: for events the server does not signal.
pub fn eventually<T>(what: &str, within: Duration, mut attempt: impl FnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + within;
    loop {
        if let Some(value) = attempt() {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what} did not happen within {within:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A real HTTP/1.1 client (hyper) on a current-thread tokio runtime.
pub fn hyper_client<T>(
    addr: SocketAddr,
    f: impl AsyncFnOnce(hyper::client::conn::http1::SendRequest<Full>) -> T,
) -> T {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (send, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
            .await
            .unwrap();
        tokio::spawn(async move {
            let _ = conn.await;
        });
        f(send).await
    })
}

/// The request body type the hyper helpers send.
pub type Full = http_body_util::Full<Bytes>;

/// Sends one request on `send` and collects the response.
pub async fn exchange(
    send: &mut hyper::client::conn::http1::SendRequest<Full>,
    req: Request<Full>,
) -> (StatusCode, http::HeaderMap, Bytes) {
    use http_body_util::BodyExt;
    send.ready().await.unwrap();
    let res = send.send_request(req).await.unwrap();
    let (parts, body) = res.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    (parts.status, parts.headers, body)
}

/// A GET request for `path` with a Host header.
pub fn get(path: &str) -> Request<Full> {
    Request::get(path)
        .header("host", "localhost")
        .body(Full::default())
        .unwrap()
}
