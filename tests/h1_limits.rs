//! Size and connection limits: 431, 414, 413 and the connection cap, and a
//! clear error when the port is taken.

use harrow_tests::server;

use std::time::Duration;

use harrow_server::{Body, Config, service_fn};
use harrow_tests::{Raw, body_of};
use server::{each_driver, start};

#[test]
fn oversized_heads_targets_and_bodies_are_refused() {
    each_driver(|config| {
        let config = Config {
            max_head_size: 2048,
            max_uri_len: 256,
            max_headers: 8,
            max_body_size: 1000,
            ..config
        };
        let server = start(config);
        let cases: Vec<(String, &str)> = vec![
            (
                format!(
                    "GET / HTTP/1.1\r\nHost: a\r\nX-Big: {}\r\n\r\n",
                    "v".repeat(4000)
                ),
                "HTTP/1.1 431 Request Header Fields Too Large\r\n",
            ),
            (
                format!(
                    "GET / HTTP/1.1\r\nHost: a\r\n{}\r\n",
                    "X-H: 1\r\n".repeat(20)
                ),
                "HTTP/1.1 431 Request Header Fields Too Large\r\n",
            ),
            (
                format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "p".repeat(1000)),
                "HTTP/1.1 414 URI Too Long\r\n",
            ),
            (
                "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n".to_string(),
                "HTTP/1.1 413 Content Too Large\r\n",
            ),
            (
                format!(
                    "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n{}\r\n",
                    "c".repeat(2048)
                ),
                "HTTP/1.1 413 Content Too Large\r\n",
            ),
        ];
        for (request, status_line) in cases {
            let mut raw = Raw::connect(server.local_addr());
            raw.send(request.as_bytes());
            let all = raw.read_to_close();
            assert!(
                all.starts_with(status_line),
                "want {status_line:?}, got {all:?}"
            );
            assert!(all.contains("connection: close\r\n"));
        }
        // A body at the limit is fine.
        let mut raw = Raw::connect(server.local_addr());
        raw.send(
            format!(
                "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n{}",
                "b".repeat(1000)
            )
            .as_bytes(),
        );
        assert_eq!(body_of(&raw.read_response()).len(), 1000);
    });
}

/// A body over `max_body_size` reaches the service as a body that fails
/// with the limit (so the application answers, through its own layers);
/// one the service never reads is not read either, and the connection
/// closes after the answer.
#[test]
fn an_oversized_body_is_the_services_to_answer_and_closes_the_connection() {
    each_driver(|config| {
        let server = start(Config {
            max_body_size: 1000,
            ..config
        });
        let mut raw = Raw::connect(server.local_addr());
        raw.send(b"POST /path HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n");
        let all = raw.read_to_close();
        assert!(all.starts_with("HTTP/1.1 200 OK\r\n"), "{all:?}");
        assert!(!all.contains("100 Continue"), "{all:?}");
        assert!(all.contains("connection: close\r\n"), "{all:?}");
        assert!(all.ends_with("\r\n\r\n/path"), "{all:?}");
        let mut raw = Raw::connect(server.local_addr());
        raw.send(b"POST /count HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n");
        let all = raw.read_to_close();
        assert!(all.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{all:?}");
        assert!(
            all.ends_with("request body is larger than 1000 bytes"),
            "{all:?}"
        );
    });
}

#[test]
fn connections_over_the_limit_are_closed_at_once() {
    each_driver(|config| {
        let server = start(Config {
            max_connections: 3,
            ..config
        });
        let mut held: Vec<Raw> = (0..3).map(|_| Raw::connect(server.local_addr())).collect();
        // Each held connection is accepted and served.
        for raw in &mut held {
            raw.send(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assert_eq!(body_of(&raw.read_response()), "hello");
        }
        let mut extra = Raw::connect(server.local_addr());
        let _ = std::io::Write::write_all(&mut extra.stream, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assert!(
            extra.closed_within(Duration::from_secs(2)),
            "the fourth connection was not closed"
        );
        // A slot frees when a held connection goes away.
        drop(held.pop());
        let answer = server::eventually("a freed slot", Duration::from_secs(5), || {
            let mut again = Raw::connect(server.local_addr());
            again.send(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            let res = again.read_response();
            (!res.is_empty()).then_some(res)
        });
        assert_eq!(body_of(&answer), "hello");
    });
}

#[test]
fn a_taken_port_is_a_clear_bind_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let err = harrow_server::start(
        || service_fn(|_req, _conn| async { http::Response::new(Body::empty()) }),
        addr,
    )
    .unwrap_err();
    assert!(err.is_bind(), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&format!("cannot listen on {addr}")), "{text}");
    assert!(
        text.to_lowercase().contains("address already in use"),
        "{text}"
    );

    // Another SO_REUSEPORT server on the port is refused too, not shared.
    let first = harrow_server::start(
        || service_fn(|_req, _conn| async { http::Response::new(Body::empty()) }),
        "127.0.0.1:0",
    )
    .unwrap();
    let err = harrow_server::start(
        || service_fn(|_req, _conn| async { http::Response::new(Body::empty()) }),
        first.local_addr(),
    )
    .unwrap_err();
    assert!(err.is_bind(), "{err:?}");
}

#[test]
fn bad_configuration_is_a_readable_error() {
    let err = harrow_server::start_with_config(
        || service_fn(|_req, _conn| async { http::Response::new(Body::empty()) }),
        "127.0.0.1:0",
        Config {
            workers: Some(0),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(err.is_config());
    assert_eq!(
        err.to_string(),
        "invalid server configuration: `workers` must be at least 1"
    );
}
