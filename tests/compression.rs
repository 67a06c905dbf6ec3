//! The compression middleware over real sockets, under each driver: every
//! coding round-tripped through its decoder, whole and streamed bodies,
//! a stream flushed chunk by chunk, what is left alone, and curl
//! `--compressed`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use bytes::Bytes;
use harrow::middleware::Compression;
use harrow::test::{TestServer, spawn_server_with_config};
use harrow::{App, Body, Config, IntoResponse, Response, StatusCode};
use harrow_tests::server::{self, each_driver};
use harrow_tests::{RawResponse, request};

fn json_text() -> String {
    let items: Vec<String> = (0..200)
        .map(|i| format!("{{\"id\":{i},\"name\":\"item number {i}\",\"tags\":[\"a\",\"b\"]}}"))
        .collect();
    format!("[{}]", items.join(","))
}

async fn json() -> Response {
    ([("content-type", "application/json")], json_text()).into_response()
}

async fn small() -> &'static str {
    "tiny"
}

async fn png() -> Response {
    ([("content-type", "image/png")], vec![7u8; 4096]).into_response()
}

async fn no_transform() -> Response {
    ([("cache-control", "no-transform")], "x".repeat(4096)).into_response()
}

async fn encoded() -> Response {
    ([("content-encoding", "gzip")], vec![1u8; 4096]).into_response()
}

async fn tagged() -> Response {
    ([("etag", "\"v1\"")], "y".repeat(4096)).into_response()
}

async fn partial() -> Response {
    (
        StatusCode::PARTIAL_CONTENT,
        [("content-range", "bytes 0-4095/9999")],
        "z".repeat(4096),
    )
        .into_response()
}

/// Server-sent events: one event now, the next after 1.5 s.
async fn events() -> Response {
    let stream = futures_util::stream::unfold(0, |n| async move {
        match n {
            0 => Some((Ok::<_, std::io::Error>(Bytes::from("data: first\n\n")), 1)),
            1 => {
                harrow::rt::sleep(Duration::from_millis(1500)).await;
                Some((Ok(Bytes::from("data: second\n\n")), 2))
            }
            _ => None,
        }
    });
    (
        [("content-type", "text/event-stream")],
        Body::from_stream(stream),
    )
        .into_response()
}

/// A streamed body of many chunks.
async fn chunks() -> Response {
    let parts = (0..50)
        .map(|i| Ok::<_, std::io::Error>(Bytes::from(format!("line {i} of a streamed body\n"))));
    (
        [("content-type", "text/plain")],
        Body::from_stream(futures_util::stream::iter(parts)),
    )
        .into_response()
}

fn start(config: Config) -> TestServer {
    spawn_server_with_config(
        || {
            App::new()
                .get("/json", json)
                .get("/small", small)
                .get("/png", png)
                .get("/no-transform", no_transform)
                .get("/encoded", encoded)
                .get("/tagged", tagged)
                .get("/partial", partial)
                .get("/events", events)
                .get("/chunks", chunks)
                .layer(Compression::new())
        },
        config,
    )
    .expect("server starts")
}

fn decode(coding: &str, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match coding {
        "gzip" => {
            flate2::read::GzDecoder::new(data)
                .read_to_end(&mut out)
                .unwrap();
        }
        "br" => {
            brotli::Decompressor::new(data, 4096)
                .read_to_end(&mut out)
                .unwrap();
        }
        "zstd" => out = zstd::stream::decode_all(data).unwrap(),
        other => panic!("unknown coding {other}"),
    }
    out
}

fn get(addr: SocketAddr, path: &str, accept: &str) -> RawResponse {
    request(addr, "GET", path, &[("accept-encoding", accept)], b"")
}

#[test]
fn every_coding_round_trips() {
    let want = json_text();
    let chunked: String = (0..50)
        .map(|i| format!("line {i} of a streamed body\n"))
        .collect();
    each_driver(|config| {
        let server = start(config);
        let addr = server.addr();
        for coding in ["gzip", "br", "zstd"] {
            let res = get(addr, "/json", coding);
            assert_eq!(res.header("content-encoding"), Some(coding));
            assert_eq!(res.header("vary"), Some("accept-encoding"));
            assert_eq!(
                res.header("content-length"),
                Some(res.body.len().to_string().as_str())
            );
            assert!(
                res.body.len() < want.len() / 4,
                "{coding}: {} bytes",
                res.body.len()
            );
            assert_eq!(decode(coding, &res.body), want.as_bytes(), "{coding}");

            let res = get(addr, "/chunks", coding);
            assert_eq!(res.header("content-encoding"), Some(coding));
            assert_eq!(res.header("transfer-encoding"), Some("chunked"));
            assert_eq!(
                decode(coding, &res.body),
                chunked.as_bytes(),
                "{coding} streamed"
            );
        }
    });
}

#[test]
fn negotiation_and_what_is_left_alone() {
    each_driver(|config| {
        let server = start(config);
        let addr = server.addr();
        let cases: &[(&str, &str, Option<&str>, Option<&str>)] = &[
            (
                "/json",
                "gzip, deflate, br, zstd",
                Some("zstd"),
                Some("accept-encoding"),
            ),
            (
                "/json",
                "gzip;q=0.8, br;q=0.9",
                Some("br"),
                Some("accept-encoding"),
            ),
            ("/json", "br;q=0.1, identity", None, Some("accept-encoding")),
            (
                "/json",
                "identity;q=0, gzip",
                Some("gzip"),
                Some("accept-encoding"),
            ),
            ("/json", "deflate", None, Some("accept-encoding")),
            ("/json", "", None, Some("accept-encoding")),
            ("/small", "gzip", None, None),
            ("/png", "gzip", None, None),
            ("/no-transform", "gzip", None, None),
            ("/encoded", "br", Some("gzip"), None),
            ("/partial", "gzip", None, None),
        ];
        for (path, accept, coding, vary) in cases {
            let res = get(addr, path, accept);
            assert_eq!(res.header("content-encoding"), *coding, "{path} {accept:?}");
            assert_eq!(res.header("vary"), *vary, "{path} {accept:?}");
        }
        let res = get(addr, "/tagged", "gzip");
        assert_eq!(res.header("etag"), Some("W/\"v1\""));
        assert_eq!(get(addr, "/tagged", "").header("etag"), Some("\"v1\""));
    });
}

/// Reads one chunk of a chunked body (its data), or `None` at the end.
fn read_chunk(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\r\n") {
        stream.read_exact(&mut byte).unwrap();
        line.push(byte[0]);
    }
    let size =
        usize::from_str_radix(std::str::from_utf8(&line[..line.len() - 2]).unwrap(), 16).unwrap();
    let mut data = vec![0u8; size + 2];
    stream.read_exact(&mut data).unwrap();
    data.truncate(size);
    (size > 0).then_some(data)
}

#[test]
fn a_compressed_event_stream_is_flushed_per_event() {
    each_driver(|config| {
        let server = start(config);
        for coding in ["gzip", "br", "zstd"] {
            let mut stream = TcpStream::connect(server.addr()).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            write!(stream, "GET /events HTTP/1.1\r\nhost: x\r\naccept-encoding: {coding}\r\nconnection: close\r\n\r\n").unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                stream.read_exact(&mut byte).unwrap();
                head.push(byte[0]);
            }
            let head = String::from_utf8(head).unwrap();
            assert!(
                head.contains(&format!("content-encoding: {coding}")),
                "{head}"
            );
            let started = Instant::now();
            let first = read_chunk(&mut stream).unwrap();
            assert!(
                started.elapsed() < Duration::from_millis(1000),
                "{coding}: the first event waited for the second"
            );
            let decoded = partial_decode(coding, &first);
            assert_eq!(decoded, b"data: first\n\n", "{coding}");
            let mut all = first;
            while let Some(chunk) = read_chunk(&mut stream) {
                all.extend_from_slice(&chunk);
            }
            assert_eq!(
                decode(coding, &all),
                b"data: first\n\ndata: second\n\n",
                "{coding}"
            );
        }
    });
}

/// Decodes the start of a compressed stream (no end yet).
fn partial_decode(coding: &str, data: &[u8]) -> Vec<u8> {
    match coding {
        "gzip" => {
            let mut d = flate2::write::GzDecoder::new(Vec::new());
            d.write_all(data).unwrap();
            d.flush().unwrap();
            d.get_ref().clone()
        }
        "br" => {
            let mut d = brotli::DecompressorWriter::new(Vec::new(), 4096);
            d.write_all(data).unwrap();
            d.flush().unwrap();
            d.get_ref().clone()
        }
        "zstd" => {
            let mut d = zstd::stream::write::Decoder::new(Vec::new()).unwrap();
            d.write_all(data).unwrap();
            d.flush().unwrap();
            d.get_ref().clone()
        }
        other => panic!("unknown coding {other}"),
    }
}

#[test]
fn curl_compressed_decodes_every_coding() {
    let want = json_text();
    each_driver(|config| {
        let server = start(config);
        let url = server.url("/json");
        for (coding, feature) in [("gzip", "libz"), ("br", "brotli"), ("zstd", "zstd")] {
            let has = std::process::Command::new("curl")
                .arg("-V")
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).contains(feature))
                .unwrap_or(false);
            if !has {
                server::skip(&format!(
                    "curl --compressed with {coding}: this curl lacks {feature}"
                ));
                continue;
            }
            let out = std::process::Command::new("curl")
                .args([
                    "-sS",
                    "--compressed",
                    "-H",
                    &format!("accept-encoding: {coding}"),
                    "-D",
                    "-",
                ])
                .arg(&url)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8(out.stdout).unwrap();
            let (head, body) = text.split_once("\r\n\r\n").unwrap();
            assert!(
                head.to_ascii_lowercase()
                    .contains(&format!("content-encoding: {coding}")),
                "{head}"
            );
            assert_eq!(body, want, "{coding}");
        }
    });
}
