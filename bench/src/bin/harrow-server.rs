//! harrow-server (the bare core, no framework) serving /plaintext and /json,
//! with one worker (or `WORKERS`).
//!
//! Usage: harrow-server PORT [uring|epoll] [h2]   (`SQPOLL_MS=N`: io_uring SQPOLL)

use std::time::Duration;

use harrow_bench::{PLAINTEXT, arg, json_body, port_arg};
use harrow_server::{Body, Config, Driver, service_fn};
use http::{HeaderValue, Response, StatusCode, header};

fn main() {
    let port = port_arg();
    let driver = match arg(2).as_deref() {
        None | Some("uring") => Driver::IoUring,
        Some("epoll") => Driver::Epoll,
        Some(other) => panic!("unknown driver {other:?}: use uring or epoll"),
    };
    let h2 = arg(3).as_deref() == Some("h2");
    let config = Config {
        workers: Some(harrow_bench::workers()),
        // `SQPOLL_MS`: a submission-polling kernel thread per worker, idle
        // after that many milliseconds.
        uring_sqpoll: std::env::var("SQPOLL_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map(Duration::from_millis),
        driver,
        enable_http2: h2,
        max_connections: 20_000,
        keep_alive_timeout: Some(Duration::from_secs(600)),
        connection_timeout: Some(Duration::from_secs(3600)),
        ..Default::default()
    };
    harrow_server::run_with_config(
        || {
            service_fn(|req: http::Request<Body>, _conn| async move {
                match req.uri().path() {
                    "/plaintext" => {
                        let mut res = Response::new(Body::from(PLAINTEXT));
                        res.headers_mut()
                            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
                        res
                    }
                    "/json" => {
                        let mut res = Response::new(Body::from(json_body()));
                        res.headers_mut().insert(
                            header::CONTENT_TYPE,
                            HeaderValue::from_static("application/json"),
                        );
                        res
                    }
                    _ => {
                        let mut res = Response::new(Body::from(()));
                        *res.status_mut() = StatusCode::NOT_FOUND;
                        res
                    }
                }
            })
        },
        ("127.0.0.1", port),
        config,
    )
    .expect("harrow-server failed");
}
