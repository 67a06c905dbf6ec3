//! harrow-server (the bare core, no framework) serving /plaintext, /json
//! and /64k (64 KiB), with one worker (or `WORKERS`).
//!
//! Usage: harrow-server PORT [uring|epoll] [h2] [tls CERT KEY]
//!        (`SQPOLL_MS=N`: io_uring SQPOLL)
//!
//! `tls` serves HTTPS with the PEM certificate chain and key given, with
//! HTTP/2 on (ALPN chooses `h2` or `http/1.1`).

use std::time::Duration;

use bytes::Bytes;
use harrow_bench::{BODY_64K, PLAINTEXT, arg, json_body, port_arg, tls_args};
use harrow_server::{Body, Config, Driver, TlsConfig, service_fn};
use http::{HeaderValue, Response, StatusCode, header};

fn main() {
    let port = port_arg();
    let driver = match arg(2).as_deref() {
        None | Some("uring") => Driver::IoUring,
        Some("epoll") => Driver::Epoll,
        Some(other) => panic!("unknown driver {other:?}: use uring or epoll"),
    };
    let h2 = arg(3).as_deref() == Some("h2");
    let tls = tls_args(3).map(|(cert, key)| TlsConfig::from_pem_files(cert, key));
    let config = Config {
        workers: Some(harrow_bench::workers()),
        // `SQPOLL_MS`: a submission-polling kernel thread per worker, idle
        // after that many milliseconds.
        uring_sqpoll: std::env::var("SQPOLL_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map(Duration::from_millis),
        driver,
        enable_http2: h2 || tls.is_some(),
        tls,
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
                    "/64k" => {
                        let mut res = Response::new(Body::from(Bytes::from_static(&BODY_64K)));
                        res.headers_mut().insert(
                            header::CONTENT_TYPE,
                            HeaderValue::from_static("application/octet-stream"),
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
