//! Request smuggling vectors sent as raw bytes: each is answered 400 (or
//! 501 for an unsupported coding) and the connection is closed, and the
//! request hidden behind it is never answered.

use harrow_tests::server;

use std::time::{Duration, Instant};

use harrow_tests::Raw;
use server::{each_driver, start};

/// Each vector carries a second request that a lenient parser would see.
const VECTORS: &[(&str, &str)] = &[
    (
        "CL and TE together",
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /path?smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    ),
    (
        "TE and CL together",
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n0\r\n\r\nGET /path?smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    ),
    (
        "differing Content-Length",
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\nGET /path?smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    ),
    (
        "final coding not chunked",
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\nGET /path?smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    ),
    (
        "obfuscated chunked",
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\nGET /path?smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    ),
    (
        "obs-fold",
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\nGET /path?smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    ),
    (
        "space before colon",
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\nGET /path?smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    ),
    (
        "NUL in a value",
        "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\0c\r\n\r\nGET /path?smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    ),
    (
        "CR in a value",
        "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\nGET /path?smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    ),
    (
        "bare LF",
        "GET / HTTP/1.1\nHost: a\n\nGET /path?smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    ),
    (
        "bad token in a name",
        "GET / HTTP/1.1\r\nHost: a\r\nX[A]: b\r\n\r\nGET /path?smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    ),
    (
        "TE in HTTP/1.0",
        "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /path?smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    ),
    (
        "bad chunk size",
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5x\r\nhello\r\n0\r\n\r\nGET /path?smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    ),
    (
        "chunk size overflow",
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1ffffffffffffffff\r\nhello\r\n0\r\n\r\nGET /path?smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    ),
    (
        "missing Host",
        "GET / HTTP/1.1\r\n\r\nGET /path?smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    ),
    (
        "two Hosts",
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\nGET /path?smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    ),
    // Issue 11: RFC 9112 §3.2, an invalid Host value.
    (
        "space in Host",
        "GET / HTTP/1.1\r\nHost: exa mple.com\r\n\r\nGET /path?smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    ),
    (
        "path and userinfo in Host",
        "GET / HTTP/1.1\r\nHost: a/b@c\r\n\r\nGET /path?smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    ),
    // Issue 11: a malformed request line is 400, not 505.
    (
        "space in the target",
        "GET /a b HTTP/1.1\r\nHost: a\r\n\r\nGET /path?smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    ),
    (
        "garbage before the method",
        "xyz GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /path?smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    ),
];

#[test]
fn every_vector_is_refused_and_closed() {
    each_driver(|config| {
        let server = start(config);
        for (name, bytes) in VECTORS {
            let mut raw = Raw::connect(server.local_addr());
            raw.send(bytes.as_bytes());
            let started = Instant::now();
            let all = raw.read_to_close();
            assert!(
                started.elapsed() < Duration::from_secs(4),
                "{name}: the connection was not closed"
            );
            assert!(
                all.starts_with("HTTP/1.1 400 Bad Request\r\n"),
                "{name}: {all:?}"
            );
            assert!(all.contains("connection: close\r\n"), "{name}: {all:?}");
            assert_eq!(
                all.matches("HTTP/1.1 ").count(),
                1,
                "{name}: a second response leaked: {all:?}"
            );
            assert!(!all.contains("smuggled"), "{name}: {all:?}");
        }
    });
}

/// Issue 11: a well-formed version other than HTTP/1.x is 505; a higher
/// HTTP/1 minor version is served as HTTP/1.1 (RFC 9110 §2.5).
#[test]
fn versions_are_505_only_when_well_formed_and_not_http1() {
    each_driver(|config| {
        let server = start(config);
        let mut raw = Raw::connect(server.local_addr());
        raw.send(b"GET /path HTTP/2.0\r\nHost: a\r\n\r\n");
        let all = raw.read_to_close();
        assert!(
            all.starts_with("HTTP/1.1 505 HTTP Version Not Supported\r\n"),
            "{all:?}"
        );
        let mut raw = Raw::connect(server.local_addr());
        raw.send(b"GET /path HTTP/1.7\r\nHost: a\r\n\r\n");
        let res = raw.read_response();
        assert!(res.starts_with("HTTP/1.1 200 OK\r\n"), "{res:?}");
        assert!(res.ends_with("\r\n\r\n/path"), "{res:?}");
    });
}

#[test]
fn unsupported_coding_is_501_and_closed() {
    each_driver(|config| {
        let server = start(config);
        let mut raw = Raw::connect(server.local_addr());
        raw.send(
            b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        );
        let all = raw.read_to_close();
        assert!(
            all.starts_with("HTTP/1.1 501 Not Implemented\r\n"),
            "{all:?}"
        );
        assert!(all.ends_with("transfer coding not supported\n"), "{all:?}");
    });
}
