//! HTTP/1.1 behaviour over real sockets: a table of single exchanges
//! (chunked bodies both ways, HTTP/1.0, Connection: close, absolute-form
//! targets, 204), then what takes several steps: keep-alive, pipelining,
//! 100-continue, HEAD, large bodies with a real client.
//! Every test runs under each available driver (epoll, and io_uring when
//! the machine allows it).

use harrow_tests::server;

use std::time::Duration;

use bytes::Bytes;
use harrow_tests::{Raw, body_of, header_value};
use http::{Request, StatusCode};
use server::{Full, each_driver, exchange, get, hyper_client, start};

/// One request on a fresh connection and what its answer must be.
struct Case {
    name: &'static str,
    /// The exact bytes sent.
    request: &'static str,
    /// The status line.
    status: &'static str,
    /// Text the answer (head and body) must hold, and must not.
    holds: &'static [&'static str],
    lacks: &'static [&'static str],
    /// The body, when it matters.
    body: Option<&'static str>,
    /// Whether the server closes the connection after this answer.
    closes: bool,
}

const CASES: &[Case] = &[
    Case {
        name: "chunked request body, with extensions and trailers, is decoded",
        request: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;name=val\r\nhello\r\n7\r\n, world\r\n0\r\nX-Check: yes\r\n\r\n",
        status: "HTTP/1.1 200 OK",
        holds: &["content-length: 12\r\n"],
        lacks: &[],
        body: Some("hello, world"),
        closes: false,
    },
    Case {
        name: "chunked trailers reach the service",
        request: "POST /trailers HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Check: yes\r\n\r\n",
        status: "HTTP/1.1 200 OK",
        holds: &["\"x-check\": \"yes\""],
        lacks: &[],
        body: None,
        closes: false,
    },
    Case {
        name: "a streamed response is chunked for HTTP/1.1",
        request: "GET /stream/2 HTTP/1.1\r\nHost: a\r\n\r\n",
        status: "HTTP/1.1 200 OK",
        holds: &[
            "transfer-encoding: chunked\r\n",
            "\r\n\r\n8\r\nchunk-0\n\r\n8\r\nchunk-1\n\r\n0\r\n\r\n",
        ],
        lacks: &["content-length"],
        body: None,
        closes: false,
    },
    Case {
        name: "HTTP/1.0 closes unless asked to keep alive",
        request: "GET / HTTP/1.0\r\n\r\n",
        status: "HTTP/1.1 200 OK",
        holds: &["connection: close\r\n"],
        lacks: &[],
        body: Some("hello"),
        closes: true,
    },
    Case {
        name: "HTTP/1.0 keep-alive is answered in kind",
        request: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        status: "HTTP/1.1 200 OK",
        holds: &["connection: keep-alive\r\n"],
        lacks: &["connection: close"],
        body: Some("hello"),
        closes: false,
    },
    Case {
        name: "a streamed body to an HTTP/1.0 client ends with the connection",
        request: "GET /stream/2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        status: "HTTP/1.1 200 OK",
        holds: &[],
        lacks: &["transfer-encoding"],
        body: Some("chunk-0\nchunk-1\n"),
        closes: true,
    },
    Case {
        name: "Connection: close from the client",
        request: "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        status: "HTTP/1.1 200 OK",
        holds: &["connection: close\r\n"],
        lacks: &[],
        body: Some("hello"),
        closes: true,
    },
    Case {
        name: "Connection: close from the service",
        request: "GET /close HTTP/1.1\r\nHost: a\r\n\r\n",
        status: "HTTP/1.1 200 OK",
        holds: &["connection: close\r\n"],
        lacks: &[],
        body: Some("bye"),
        closes: true,
    },
    Case {
        name: "an absolute-form target reaches the service whole",
        request: "GET http://example.com/path?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n",
        status: "HTTP/1.1 200 OK",
        holds: &[],
        lacks: &[],
        body: Some("http://example.com/path?x=1"),
        closes: false,
    },
    Case {
        name: "204 carries neither length nor chunking",
        request: "GET /empty HTTP/1.1\r\nHost: a\r\n\r\n",
        status: "HTTP/1.1 204 No Content",
        holds: &[],
        lacks: &["content-length", "transfer-encoding"],
        body: Some(""),
        closes: false,
    },
];

#[test]
fn exchanges_table() {
    each_driver(|config| {
        let server = start(config);
        for case in CASES {
            let mut raw = Raw::connect(server.local_addr());
            raw.send(case.request.as_bytes());
            let res = if case.closes {
                raw.read_to_close()
            } else {
                raw.read_response()
            };
            let name = case.name;
            let lower = res.to_ascii_lowercase();
            assert!(
                res.starts_with(&format!("{}\r\n", case.status)),
                "{name}: {res:?}"
            );
            for text in case.holds {
                assert!(lower.contains(text), "{name}: no {text:?} in {res:?}");
            }
            for text in case.lacks {
                assert!(!lower.contains(text), "{name}: {text:?} in {res:?}");
            }
            if let Some(body) = case.body {
                assert_eq!(body_of(&res), body, "{name}");
            }
            if case.closes {
                assert!(
                    raw.closed_within(Duration::from_secs(1)),
                    "{name}: left open"
                );
            } else {
                raw.send(b"GET /path HTTP/1.1\r\nHost: a\r\n\r\n");
                assert_eq!(
                    body_of(&raw.read_response()),
                    "/path",
                    "{name}: not reusable"
                );
            }
        }
    });
}

#[test]
fn keep_alive_reuses_one_connection_with_a_real_client() {
    each_driver(|config| {
        let server = start(config);
        let ports = hyper_client(server.local_addr(), async |mut send| {
            let mut ports = Vec::new();
            for _ in 0..5 {
                let (status, headers, body) = exchange(&mut send, get("/peer")).await;
                assert_eq!(status, StatusCode::OK);
                assert!(headers.contains_key("date"), "a Date header is sent");
                ports.push(String::from_utf8(body.to_vec()).unwrap());
            }
            ports
        });
        assert!(
            ports.iter().all(|p| p == &ports[0]),
            "all requests came on one connection: {ports:?}"
        );
    });
}

#[test]
fn sixteen_pipelined_requests_are_answered_in_order() {
    each_driver(|config| {
        let server = start(config);
        let mut raw = Raw::connect(server.local_addr());
        let mut batch = String::new();
        for i in 0..16 {
            // Mix fast and slow handlers: order must hold regardless.
            let path = if i % 5 == 0 {
                format!("/sleep/{}", 20 - i)
            } else {
                format!("/path?i={i}")
            };
            batch.push_str(&format!("GET {path} HTTP/1.1\r\nHost: a\r\n\r\n"));
        }
        raw.send(batch.as_bytes());
        for i in 0..16 {
            let res = raw.read_response();
            assert!(res.starts_with("HTTP/1.1 200 OK\r\n"), "{res}");
            let want = if i % 5 == 0 {
                "slept".to_string()
            } else {
                format!("/path?i={i}")
            };
            assert_eq!(body_of(&res), want, "response {i} out of order");
        }
    });
}

#[test]
fn pipelined_requests_with_bodies_keep_their_boundaries() {
    each_driver(|config| {
        let server = start(config);
        let mut raw = Raw::connect(server.local_addr());
        // One write: heads and bodies of several requests back to back, so
        // every head after the first is parsed from the same read.
        raw.send(
            b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nfirst\
              GET /path?i=2 HTTP/1.1\r\nHost: a\r\n\r\n\
              POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\
              6\r\nthird!\r\n0\r\n\r\n\
              GET /path?i=4 HTTP/1.1\r\nHost: a\r\n\r\n",
        );
        for want in ["first", "/path?i=2", "third!", "/path?i=4"] {
            let res = raw.read_response();
            assert!(res.starts_with("HTTP/1.1 200 OK\r\n"), "{res}");
            assert_eq!(body_of(&res), want);
        }
    });
}

#[test]
fn streamed_response_is_chunked_and_a_real_client_reads_it() {
    each_driver(|config| {
        let server = start(config);
        let (status, headers, body) = hyper_client(server.local_addr(), async |mut send| {
            exchange(&mut send, get("/stream/3")).await
        });
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["transfer-encoding"], "chunked");
        assert_eq!(body, Bytes::from("chunk-0\nchunk-1\nchunk-2\n"));
    });
}

#[test]
fn expect_100_continue_gets_an_interim_response_first() {
    each_driver(|config| {
        let server = start(config);
        let mut raw = Raw::connect(server.local_addr());
        raw.send(
            b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n",
        );
        let interim = raw.read_response();
        assert_eq!(interim, "HTTP/1.1 100 Continue\r\n\r\n");
        raw.send(b"ping");
        let res = raw.read_response();
        assert!(res.starts_with("HTTP/1.1 200 OK"), "{res}");
        assert_eq!(body_of(&res), "ping");
    });
}

#[test]
fn head_has_length_but_no_body() {
    each_driver(|config| {
        let server = start(config);
        let mut raw = Raw::connect(server.local_addr());
        raw.send(b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET /path HTTP/1.1\r\nHost: a\r\n\r\n");
        let head = raw.read_head();
        let lower = head.to_ascii_lowercase();
        assert_eq!(header_value(&lower, "content-length"), Some("5"), "{head}");
        // The HEAD response's body is absent: the next bytes are the GET's response.
        let next = raw.read_response();
        assert!(next.starts_with("HTTP/1.1 200 OK"), "{next:?}");
        assert_eq!(body_of(&next), "/path");
    });
}

#[test]
fn post_with_a_real_client_round_trips_a_large_body() {
    each_driver(|config| {
        let server = start(config);
        let payload = Bytes::from(vec![b'z'; 300_000]);
        let (status, _, body) = hyper_client(server.local_addr(), async |mut send| {
            let req = Request::post("/echo")
                .header("host", "a")
                .body(Full::new(payload.clone()))
                .unwrap();
            exchange(&mut send, req).await
        });
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, payload);
    });
}

#[test]
fn a_backlog_of_pipelined_responses_larger_than_the_socket_buffers_arrives_whole_and_in_order() {
    use std::io::{BufRead, BufReader, Read};
    each_driver(|config| {
        let server = start(config);
        let raw = Raw::connect(server.local_addr());
        const N: usize = 6000;
        let pad = "p".repeat(1000);
        let path = |i: usize| format!("/path?i={i}&pad={pad}");
        // Written from another thread, and read only after a pause: the
        // server fills the socket buffers and must carry on from wherever
        // a write stopped, byte for byte, once the client reads again.
        let mut writer = raw.stream.try_clone().unwrap();
        let requests: Vec<u8> = (0..N)
            .flat_map(|i| format!("GET {} HTTP/1.1\r\nHost: a\r\n\r\n", path(i)).into_bytes())
            .collect();
        let sender = std::thread::spawn(move || {
            use std::io::Write;
            writer.write_all(&requests).unwrap();
        });
        std::thread::sleep(std::time::Duration::from_millis(300));
        let mut reader = BufReader::new(raw.stream);
        for i in 0..N {
            let mut status = String::new();
            reader.read_line(&mut status).unwrap();
            assert_eq!(status, "HTTP/1.1 200 OK\r\n", "response {i}");
            let mut length = None;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length: ") {
                    length = Some(v.trim().parse::<usize>().unwrap());
                }
            }
            let mut body = vec![0u8; length.expect("a Content-Length")];
            reader.read_exact(&mut body).unwrap();
            assert_eq!(String::from_utf8(body).unwrap(), path(i), "response {i}");
        }
        sender.join().unwrap();
    });
}
