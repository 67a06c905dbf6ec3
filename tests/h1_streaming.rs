//! HTTP/1.1 request bodies past the first 64 KiB stream to the service as it
//! reads them, under both drivers: in chunks, before the upload has ended,
//! within the body limit and the body deadline, and an answer given before
//! the body ended closes the connection cleanly.

use harrow_tests::server;

use std::io::Write;
use std::time::{Duration, Instant};

use harrow_server::Config;
use harrow_tests::{Raw, body_of, header_value};
use server::{each_driver, start};

const MIB: usize = 1 << 20;

fn post_head(path: &str, len: usize) -> String {
    format!("POST {path} HTTP/1.1\r\nHost: a\r\nContent-Length: {len}\r\n\r\n")
}

#[test]
fn a_large_body_reaches_the_service_in_chunks_and_the_connection_is_reused() {
    each_driver(|config| {
        let server = start(Config {
            max_body_size: 32 * MIB as u64,
            ..config
        });
        let mut raw = Raw::connect(server.local_addr());
        let len = 8 * MIB;
        raw.send(post_head("/count", len).as_bytes());
        let piece = vec![b'x'; 256 * 1024];
        for _ in 0..len / piece.len() {
            raw.send(&piece);
        }
        let res = raw.read_response();
        assert!(res.starts_with("HTTP/1.1 200 OK\r\n"), "{res}");
        let text = body_of(&res);
        let (bytes, chunks) = text
            .strip_suffix(" chunks")
            .and_then(|t| t.split_once(" bytes in "))
            .unwrap_or_else(|| panic!("unexpected answer {text:?}"));
        assert_eq!(bytes, len.to_string());
        let chunks: usize = chunks.parse().unwrap();
        assert!(chunks > 1, "the body came in {chunks} chunk(s)");
        // The body was read to its end: the connection serves the next request.
        raw.send(b"GET /path HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(body_of(&raw.read_response()), "/path");
    });
}

#[test]
fn the_service_answers_before_the_upload_has_ended() {
    each_driver(|config| {
        let server = start(Config {
            max_body_size: 32 * MIB as u64,
            ..config
        });
        let mut raw = Raw::connect(server.local_addr());
        // Send a fifth of a 4 MiB body, then wait for the answer: it can only
        // come if the service got the body while it was still arriving.
        raw.send(post_head("/first", 4 * MIB).as_bytes());
        raw.send(&vec![b'y'; 800 * 1024]);
        let started = Instant::now();
        let res = raw.read_response();
        assert!(res.starts_with("HTTP/1.1 200 OK\r\n"), "{res}");
        assert!(body_of(&res).starts_with("first chunk: "), "{res}");
        assert!(started.elapsed() < Duration::from_secs(3));
        // The rest of the body was never read, so the connection closes,
        // after the answer and without a reset.
        assert_eq!(header_value(&res, "connection"), Some("close"));
        assert!(raw.closed_within(Duration::from_secs(3)));
    });
}

/// A chunked body of `n` chunks of `size` bytes, with its end.
fn chunked(n: usize, size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.extend_from_slice(format!("{size:x}\r\n").as_bytes());
        out.extend(std::iter::repeat_n(b'z', size));
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

#[test]
fn a_chunked_upload_over_the_limit_fails_in_the_stream() {
    each_driver(|config| {
        let server = start(Config {
            max_body_size: 256 * 1024,
            ..config
        });
        let mut raw = Raw::connect(server.local_addr());
        raw.send(b"POST /count HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
        // 512 KiB in all, twice the limit. The service has been reading the
        // stream and sees the limit as an error in it.
        let _ = raw.stream.write_all(&chunked(16, 32 * 1024));
        let res = raw.read_response();
        assert!(res.starts_with("HTTP/1.1 400 "), "{res}");
        assert_eq!(body_of(&res), "request body is larger than 262144 bytes");
        assert_eq!(header_value(&res, "connection"), Some("close"));
    });
}

#[test]
fn a_request_pipelined_after_a_streamed_body_is_served() {
    each_driver(|config| {
        let server = start(config);
        let mut raw = Raw::connect(server.local_addr());
        let mut batch =
            b"POST /count HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        batch.extend_from_slice(&chunked(25, 8000));
        batch.extend_from_slice(b"GET /path HTTP/1.1\r\nHost: a\r\n\r\n");
        raw.send(&batch);
        let res = raw.read_response();
        assert!(body_of(&res).starts_with("200000 bytes in "), "{res}");
        assert_eq!(body_of(&raw.read_response()), "/path");
    });
}

#[test]
fn a_streamed_body_returned_as_the_response_ends_instead_of_hanging() {
    each_driver(|config| {
        let server = start(Config {
            max_body_size: 32 * MIB as u64,
            ..config
        });
        let mut raw = Raw::connect(server.local_addr());
        raw.send(post_head("/passthrough", MIB).as_bytes());
        let _ = raw.stream.write_all(&vec![b'p'; MIB]);
        // The connection stops reading the body once the service has
        // answered, so the answer carries what was read, then ends cut short.
        let started = Instant::now();
        let all = raw.read_to_close();
        assert!(all.starts_with("HTTP/1.1 200 OK\r\n"), "{all:.60}");
        assert!(started.elapsed() < Duration::from_secs(3));
    });
}

#[test]
fn a_stalled_upload_is_cut_off_by_the_body_timeout() {
    each_driver(|config| {
        let server = start(Config {
            max_body_size: 32 * MIB as u64,
            body_read_timeout: Some(Duration::from_millis(600)),
            ..config
        });
        let mut raw = Raw::connect(server.local_addr());
        raw.send(post_head("/count", 2 * MIB).as_bytes());
        raw.send(&vec![b'w'; 200 * 1024]);
        // ...and nothing more. The service is told the body timed out.
        let started = Instant::now();
        let res = raw.read_response();
        let took = started.elapsed();
        assert!(res.starts_with("HTTP/1.1 400 "), "{res}");
        assert_eq!(body_of(&res), "request body timed out");
        assert!(took < Duration::from_secs(3), "answered after {took:?}");
        assert_eq!(header_value(&res, "connection"), Some("close"));
    });
}

#[test]
fn framework_body_extractors_collect_a_streamed_upload_up_to_the_limit() {
    async fn length(body: bytes::Bytes) -> String {
        body.len().to_string()
    }
    each_driver(|config| {
        let server = harrow::start_with_config(
            || harrow::App::new().post("/len", length),
            "127.0.0.1:0",
            Config {
                max_body_size: 3 * MIB as u64,
                ..config
            },
        )
        .expect("app starts");
        let mut raw = Raw::connect(server.local_addr());
        raw.send(post_head("/len", 2 * MIB).as_bytes());
        raw.send(&vec![b'v'; 2 * MIB]);
        let res = raw.read_response();
        assert!(res.starts_with("HTTP/1.1 200 OK\r\n"), "{res}");
        assert_eq!(body_of(&res), (2 * MIB).to_string());

        // Chunked, so no length to refuse up front: the body extractor's
        // 413 once the stream passes the limit.
        let mut raw = Raw::connect(server.local_addr());
        raw.send(b"POST /len HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
        let _ = raw.stream.write_all(&chunked(8, 512 * 1024));
        let res = raw.read_response();
        assert!(res.starts_with("HTTP/1.1 413 "), "{res}");
        assert_eq!(header_value(&res, "connection"), Some("close"));
    });
}
