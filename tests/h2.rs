//! HTTP/2 with prior knowledge (h2c) over real sockets: the shared cases
//! of `h2_cases.rs` over plain TCP, and what only h2c has (sharing the
//! port with HTTP/1.1 by the preface, the header timeout on the preface,
//! curl's `--http2-prior-knowledge`).

#[path = "h2_cases.rs"]
mod cases;

use std::time::{Duration, Instant};

use bytes::Bytes;
use harrow_server::Config;
use harrow_tests::h2raw::{Duplex, PREFACE};
use harrow_tests::server::{self, each_driver, start};
use harrow_tests::{Raw, body_of};
use http::StatusCode;

use cases::{fetch, get, h2_client};

/// The scheme of the cases' requests.
const SCHEME: &str = "http";

/// A configuration serving h2c.
fn h2_config(config: Config) -> Config {
    Config {
        enable_http2: true,
        ..config
    }
}

/// An HTTP/2 client connection (the h2 crate) to `addr`.
async fn open(addr: std::net::SocketAddr) -> h2::client::SendRequest<Bytes> {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (send, conn) = h2::client::handshake(tcp).await.unwrap();
    tokio::spawn(async move {
        let _ = conn.await;
    });
    send
}

/// A TCP stream to `addr` for hand-made frames.
fn raw_stream(addr: std::net::SocketAddr) -> Box<dyn Duplex> {
    let stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    Box::new(stream)
}

#[test]
fn prior_knowledge_and_http1_share_the_port() {
    each_driver(|config| {
        let server = start(h2_config(config));
        let addr = server.local_addr();
        let (status, headers, body) = h2_client(addr, async |mut send| {
            let a = fetch(&mut send, get("/path?x=1"), Bytes::new()).await;
            let b = fetch(&mut send, get("/stream/3"), Bytes::new()).await;
            assert_eq!(b.2, Bytes::from("chunk-0\nchunk-1\nchunk-2\n"));
            a
        });
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-length"], "25");
        assert_eq!(body, Bytes::from("http://localhost/path?x=1"));
        let mut raw = Raw::connect(addr);
        raw.send(b"GET /path HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(body_of(&raw.read_response()), "/path");
    });
}

#[test]
fn the_preface_is_refused_when_http2_is_off() {
    each_driver(|config| {
        let server = start(config);
        let mut raw = Raw::connect(server.local_addr());
        raw.send(PREFACE);
        let all = raw.read_to_close();
        assert!(
            all.starts_with("HTTP/1.1 505 HTTP Version Not Supported\r\n"),
            "{all:?}"
        );
    });
}

#[test]
fn a_silent_preface_is_cut_off_by_the_header_timeout() {
    each_driver(|config| {
        let server = start(Config {
            header_read_timeout: Some(Duration::from_millis(300)),
            ..h2_config(config)
        });
        let mut stream = std::net::TcpStream::connect(server.local_addr()).unwrap();
        std::io::Write::write_all(&mut stream, PREFACE).unwrap();
        let mut raw = Raw { stream };
        let started = Instant::now();
        assert!(
            raw.closed_within(Duration::from_secs(3)),
            "a client that never sends SETTINGS stayed connected"
        );
        assert!(started.elapsed() >= Duration::from_millis(250));
    });
}

#[test]
fn curl_speaks_http2_with_prior_knowledge() {
    let has_http2 = std::process::Command::new("curl")
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("HTTP2"))
        .unwrap_or(false);
    if !has_http2 {
        server::skip("curl_speaks_http2_with_prior_knowledge: curl with HTTP/2 is not installed");
        return;
    }
    each_driver(|config| {
        let server = start(h2_config(config));
        let url = format!("http://{}/path", server.local_addr());
        let out = std::process::Command::new("curl")
            .args([
                "-sS",
                "--http2-prior-knowledge",
                "-w",
                " %{http_version}",
                &url,
            ])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{url} 2"));
    });
}
