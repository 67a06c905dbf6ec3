//! WebSocket over HTTP/2 (RFC 8441), with the h2 crate as the client: the
//! server offers extended CONNECT in its SETTINGS, a `#[get]` route's
//! handler accepts a CONNECT with `:protocol: websocket` with a `200`, and
//! frames go both ways on that stream while other streams go on beside it.
//! Bad handshakes, protocol errors, a client that stops reading, a drain,
//! a socket that outlives the connection timeout, and the same over TLS;
//! under each driver.

use std::future::poll_fn;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use h2::{RecvStream, SendStream};
use harrow::test::{TestServer, spawn_server_with_config};
use harrow::ws::{Message, WebSocketUpgrade};
use harrow::{App, Config, Response, State};
use harrow_tests::server::each_driver;
use harrow_tests::ws::{compressed, echo_messages, frame, frame_len, inflated, read_frame};
use http::StatusCode;
use tokio::io::{AsyncRead, AsyncWrite};

const TEXT: u8 = 0x1;
const BINARY: u8 = 0x2;
const CLOSE: u8 = 0x8;
const PING: u8 = 0x9;

async fn echo(ws: WebSocketUpgrade) -> Response {
    ws.protocols(["chat"])
        .max_message_size(128 * 1024)
        .on_upgrade(|mut socket| async move { echo_messages(&mut socket).await })
}

/// Echoes with permessage-deflate on.
async fn deflate(ws: WebSocketUpgrade) -> Response {
    ws.compression(true)
        .on_upgrade(|mut socket| async move { echo_messages(&mut socket).await })
}

/// Counts, when dropped, one socket whose handler is gone.
struct Ended(Arc<AtomicUsize>);

impl Drop for Ended {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Echoes like `echo`, and counts the sockets whose handler has ended or
/// was dropped (as it is where it waits when its socket ends).
async fn counted(ws: WebSocketUpgrade, State(ended): State<Arc<AtomicUsize>>) -> Response {
    ws.on_upgrade(move |mut socket| async move {
        let _ended = Ended(ended);
        while let Some(Ok(message)) = socket.recv().await {
            if socket.send(message).await.is_err() {
                break;
            }
        }
    })
}

/// Message `i` of the firehose: 64 KiB that say which message they are.
fn firehose_message(i: usize) -> Vec<u8> {
    (0..64 * 1024).map(|j| (i * 7 + j / 1024) as u8).collect()
}

/// Sends 128 messages of 64 KiB, counting each one sent.
async fn firehose(ws: WebSocketUpgrade, State(sent): State<Arc<AtomicUsize>>) -> Response {
    ws.on_upgrade(move |mut socket| async move {
        for i in 0..128 {
            if socket.send(Bytes::from(firehose_message(i))).await.is_err() {
                break;
            }
            sent.fetch_add(1, Ordering::SeqCst);
        }
        while let Some(Ok(message)) = socket.recv().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
    })
}

fn start(config: Config, sent: Arc<AtomicUsize>) -> TestServer {
    let config = Config {
        enable_http2: true,
        ..config
    };
    spawn_server_with_config(
        move || {
            App::new()
                .state(sent.clone())
                .get("/echo", echo)
                .get("/firehose", firehose)
                .get("/counted", counted)
                .get("/deflate", deflate)
                .get("/plain", || async { "plain" })
        },
        config,
    )
    .expect("the server starts")
}

/// Runs `test` on a current-thread tokio runtime, for the h2 client.
fn run<F: Future<Output = ()>>(test: F) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(test);
}

/// An HTTP/2 client connection over `io`, once the server's SETTINGS have
/// said it takes extended CONNECT.
async fn handshake<T>(io: T) -> h2::client::SendRequest<Bytes>
where
    T: AsyncRead + AsyncWrite + Unpin + 'static,
{
    handshake_and_connection(io).await.0
}

/// [`handshake`], with the task driving the connection, which ends when
/// the connection does.
async fn handshake_and_connection<T>(
    io: T,
) -> (h2::client::SendRequest<Bytes>, tokio::task::JoinHandle<()>)
where
    T: AsyncRead + AsyncWrite + Unpin + 'static,
{
    let (client, conn) = h2::client::handshake(io)
        .await
        .expect("an HTTP/2 handshake");
    let driving = tokio::task::spawn_local(async move {
        let _ = conn.await;
    });
    let deadline = Instant::now() + Duration::from_secs(5);
    while !client.is_extended_connect_protocol_enabled() {
        assert!(
            Instant::now() < deadline,
            "no SETTINGS_ENABLE_CONNECT_PROTOCOL"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    (client, driving)
}

async fn h2c(addr: SocketAddr) -> h2::client::SendRequest<Bytes> {
    handshake(tokio::net::TcpStream::connect(addr).await.unwrap()).await
}

/// A request for `url` with `headers`; a CONNECT carries `:protocol:
/// websocket`.
fn request(method: &str, url: &str, headers: &[(&str, &str)]) -> http::Request<()> {
    let mut req = http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let mut req = req.body(()).unwrap();
    if method == "CONNECT" {
        req.extensions_mut()
            .insert(h2::ext::Protocol::from_static("websocket"));
    }
    req
}

/// A WebSocket on an HTTP/2 stream, from the client's side.
struct H2Ws {
    send: SendStream<Bytes>,
    recv: RecvStream,
    input: Vec<u8>,
}

impl H2Ws {
    /// Opens a WebSocket at `url`: the server's answer, and the socket
    /// when it is a 200.
    async fn open(
        client: &mut h2::client::SendRequest<Bytes>,
        url: &str,
        headers: &[(&str, &str)],
    ) -> (http::response::Parts, Option<H2Ws>) {
        let req = request("CONNECT", url, headers);
        let (res, send) = client.send_request(req, false).unwrap();
        let (parts, recv) = res.await.expect("an answer").into_parts();
        let ws = (parts.status == StatusCode::OK).then(|| H2Ws {
            send,
            recv,
            input: Vec::new(),
        });
        (parts, ws)
    }

    /// Opens a WebSocket that must be accepted.
    async fn accepted(client: &mut h2::client::SendRequest<Bytes>, url: &str) -> H2Ws {
        let (parts, ws) = Self::open(client, url, &[("sec-websocket-version", "13")]).await;
        assert_eq!(parts.status, StatusCode::OK);
        ws.expect("an open socket")
    }

    fn send(&mut self, frame: Vec<u8>) {
        self.send.send_data(Bytes::from(frame), false).unwrap();
    }

    /// The server's next frame; `None` once it ended its side.
    async fn next(&mut self) -> Option<(u8, Vec<u8>)> {
        loop {
            if let Some(len) = frame_len(&self.input).filter(|n| *n <= self.input.len()) {
                let frame = read_frame(&mut &self.input[..len]);
                self.input.drain(..len);
                return Some(frame);
            }
            match poll_fn(|cx| self.recv.poll_data(cx)).await {
                Some(Ok(data)) => {
                    self.recv
                        .flow_control()
                        .release_capacity(data.len())
                        .unwrap();
                    self.input.extend_from_slice(&data);
                }
                Some(Err(e)) => panic!("the stream failed: {e}"),
                None => {
                    assert!(self.input.is_empty(), "a frame cut short");
                    return None;
                }
            }
        }
    }

    /// Sends a close 1000 and reads on to the server's answer and the end
    /// of its side.
    async fn close(mut self) {
        self.send(frame(true, CLOSE, &1000u16.to_be_bytes(), true, 0));
        self.send.send_data(Bytes::new(), true).unwrap();
        assert_eq!(
            self.next().await,
            Some((0x88, 1000u16.to_be_bytes().to_vec()))
        );
        assert_eq!(self.next().await, None);
    }
}

/// Echoes, a ping, a request beside the socket and a clean close, with
/// URLs at `base` (`http://localhost` or `https://localhost`).
async fn echoes_and_closes(mut client: h2::client::SendRequest<Bytes>, base: &str) {
    let headers = [
        ("sec-websocket-version", "13"),
        ("sec-websocket-protocol", "superchat, chat"),
    ];
    let (parts, ws) = H2Ws::open(&mut client, &format!("{base}/echo"), &headers).await;
    assert_eq!(parts.status, StatusCode::OK);
    assert_eq!(parts.headers["sec-websocket-protocol"], "chat");
    for absent in [
        "sec-websocket-accept",
        "upgrade",
        "connection",
        "content-length",
    ] {
        assert!(!parts.headers.contains_key(absent), "{absent}");
    }
    let mut ws = ws.unwrap();
    ws.send(frame(true, TEXT, b"over one stream", true, 0));
    assert_eq!(ws.next().await, Some((0x81, b"over one stream".to_vec())));
    let big: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    ws.send(frame(true, BINARY, &big, true, 0));
    assert_eq!(ws.next().await, Some((0x82, big)));
    ws.send(frame(true, PING, b"p", true, 0));
    assert_eq!(ws.next().await, Some((0x8a, b"p".to_vec())));
    // The connection's other streams go on while the socket is open.
    let (res, _) = client
        .send_request(request("GET", &format!("{base}/plain"), &[]), true)
        .unwrap();
    let res = res.await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let mut body = res.into_body();
    assert_eq!(body.data().await.unwrap().unwrap(), "plain");
    ws.close().await;
}

#[test]
fn a_get_route_accepts_an_extended_connect_and_echoes_on_the_stream() {
    each_driver(|config| {
        let server = start(config, Arc::default());
        let addr = server.addr();
        run(tokio::task::LocalSet::new().run_until(async move {
            echoes_and_closes(h2c(addr).await, "http://localhost").await;
        }));
    });
}

#[test]
fn bad_handshakes_over_http2_get_clear_answers() {
    each_driver(|config| {
        let server = start(config, Arc::default());
        let addr = server.addr();
        run(tokio::task::LocalSet::new().run_until(async move {
            let mut client = h2c(addr).await;
            // No version: 400 (HTTP/2 has no 426), naming the one the
            // server speaks.
            let (parts, ws) = H2Ws::open(&mut client, "http://localhost/echo", &[]).await;
            assert_eq!(parts.status, StatusCode::BAD_REQUEST);
            assert_eq!(parts.headers["sec-websocket-version"], "13");
            assert!(ws.is_none());
            // A GET cannot be upgraded on an HTTP/2 stream.
            let (res, _) = client
                .send_request(
                    request(
                        "GET",
                        "http://localhost/echo",
                        &[("sec-websocket-version", "13")],
                    ),
                    true,
                )
                .unwrap();
            assert_eq!(res.await.unwrap().status(), StatusCode::BAD_REQUEST);
            // Another protocol than websocket is not a GET route's.
            let mut req = request(
                "CONNECT",
                "http://localhost/echo",
                &[("sec-websocket-version", "13")],
            );
            req.extensions_mut()
                .insert(h2::ext::Protocol::from_static("webtransport"));
            let (res, _) = client.send_request(req, false).unwrap();
            let res = res.await.unwrap();
            assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
            assert_eq!(res.headers()["allow"], "GET, HEAD, OPTIONS");
            // A GET route that is not a WebSocket's: its 200 would say the
            // socket is open, so the server answers 501 instead.
            let (parts, ws) = H2Ws::open(
                &mut client,
                "http://localhost/plain",
                &[("sec-websocket-version", "13")],
            )
            .await;
            assert_eq!(parts.status, StatusCode::NOT_IMPLEMENTED);
            assert!(ws.is_none());
            // A route the app does not have.
            let (parts, _) = H2Ws::open(
                &mut client,
                "http://localhost/nowhere",
                &[("sec-websocket-version", "13")],
            )
            .await;
            assert_eq!(parts.status, StatusCode::NOT_FOUND);
            // The connection is still good for a socket.
            let ws = H2Ws::accepted(&mut client, "http://localhost/echo").await;
            ws.close().await;
        }));
    });
}

#[test]
fn an_unmasked_frame_closes_the_socket_with_1002() {
    each_driver(|config| {
        let server = start(config, Arc::default());
        let addr = server.addr();
        run(tokio::task::LocalSet::new().run_until(async move {
            let mut client = h2c(addr).await;
            let mut ws = H2Ws::accepted(&mut client, "http://localhost/echo").await;
            ws.send(frame(true, TEXT, b"bare", false, 0));
            let (head, payload) = ws.next().await.expect("a close frame");
            assert_eq!(head, 0x88);
            assert_eq!(payload[..2], 1002u16.to_be_bytes());
        }));
    });
}

#[test]
fn a_client_that_stops_reading_holds_the_sender_by_flow_control() {
    each_driver(|config| {
        let sent = Arc::new(AtomicUsize::new(0));
        let server = start(config, sent.clone());
        let addr = server.addr();
        run(tokio::task::LocalSet::new().run_until(async move {
            let mut client = h2c(addr).await;
            let mut ws = H2Ws::accepted(&mut client, "http://localhost/firehose").await;
            tokio::time::sleep(Duration::from_millis(500)).await;
            // The client's window (64 KiB by default) and the server's
            // send buffer hold a few messages, not the 8 MiB.
            let held = sent.load(Ordering::SeqCst);
            assert!(
                held < 16,
                "{held} messages sent to a client that reads nothing"
            );
            for i in 0..128 {
                let (head, payload) = ws.next().await.expect("a message");
                assert_eq!(head, 0x82);
                assert!(payload == firehose_message(i), "message {i} differs");
            }
            assert_eq!(sent.load(Ordering::SeqCst), 128);
            ws.close().await;
        }));
    });
}

#[test]
fn a_stream_reset_by_the_client_ends_its_socket_and_not_the_connection() {
    each_driver(|config| {
        let ended = Arc::new(AtomicUsize::new(0));
        let server = start(config, ended.clone());
        let addr = server.addr();
        run(tokio::task::LocalSet::new().run_until(async move {
            let mut client = h2c(addr).await;
            let mut ws = H2Ws::accepted(&mut client, "http://localhost/counted").await;
            ws.send(frame(true, TEXT, b"one", true, 0));
            assert_eq!(ws.next().await, Some((0x81, b"one".to_vec())));
            ws.send.send_reset(h2::Reason::CANCEL);
            let deadline = Instant::now() + Duration::from_secs(5);
            while ended.load(Ordering::SeqCst) == 0 {
                assert!(Instant::now() < deadline, "the socket's handler still runs");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            // The connection's other sockets and requests are untouched.
            let ws = H2Ws::accepted(&mut client, "http://localhost/echo").await;
            ws.close().await;
        }));
    });
}

#[test]
fn permessage_deflate_is_agreed_and_used_over_http2() {
    each_driver(|config| {
        let server = start(config, Arc::default());
        let addr = server.addr();
        run(tokio::task::LocalSet::new().run_until(async move {
            let mut client = h2c(addr).await;
            let headers = [
                ("sec-websocket-version", "13"),
                (
                    "sec-websocket-extensions",
                    "permessage-deflate; client_no_context_takeover",
                ),
            ];
            let (parts, ws) = H2Ws::open(&mut client, "http://localhost/deflate", &headers).await;
            assert_eq!(parts.status, StatusCode::OK);
            let agreed = parts.headers["sec-websocket-extensions"].to_str().unwrap();
            assert!(agreed.starts_with("permessage-deflate"), "{agreed}");
            let mut ws = ws.unwrap();
            let text = "a price list, a price list, a price list; ".repeat(100);
            let mut compress = flate2::Compress::new(flate2::Compression::default(), false);
            let wire = compressed(&mut compress, text.as_bytes());
            assert!(wire.len() < text.len() / 4);
            // RSV1 marks the message compressed.
            ws.send(frame(true, TEXT, &wire, true, 0b100));
            let (head, payload) = ws.next().await.expect("the echo");
            assert_eq!(head, 0xc1, "FIN, RSV1, text");
            assert!(payload.len() < text.len() / 4);
            assert_eq!(inflated(&payload), text.as_bytes());
            ws.close().await;
        }));
    });
}

#[test]
fn a_drain_closes_sockets_on_http2_streams_with_going_away() {
    each_driver(|config| {
        let server = start(config, Arc::default());
        let addr = server.addr();
        let (opened, ready) = std::sync::mpsc::channel();
        let clients = std::thread::spawn(move || {
            run(tokio::task::LocalSet::new().run_until(async move {
                let mut client = h2c(addr).await;
                let mut sockets = Vec::new();
                for _ in 0..3 {
                    sockets.push(H2Ws::accepted(&mut client, "http://localhost/echo").await);
                }
                opened.send(()).unwrap();
                for mut ws in sockets {
                    let (head, payload) = ws.next().await.expect("a close frame");
                    assert_eq!((head, &payload[..2]), (0x88, &1001u16.to_be_bytes()[..]));
                    // The client completes the closing handshake.
                    ws.send(frame(true, CLOSE, &1001u16.to_be_bytes(), true, 0));
                    ws.send.send_data(Bytes::new(), true).unwrap();
                    assert_eq!(ws.next().await, None);
                }
            }));
        });
        ready.recv_timeout(Duration::from_secs(10)).unwrap();
        let started = Instant::now();
        server.shutdown().unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        clients.join().unwrap();
    });
}

#[test]
fn a_socket_outlives_the_connection_timeout_then_the_connection_ends() {
    each_driver(|config| {
        let config = Config {
            connection_timeout: Some(Duration::from_millis(500)),
            drain_timeout: Duration::from_millis(200),
            ..config
        };
        let server = start(config, Arc::default());
        let addr = server.addr();
        run(tokio::task::LocalSet::new().run_until(async move {
            let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
            let (mut client, driving) = handshake_and_connection(tcp).await;
            let mut ws = H2Ws::accepted(&mut client, "http://localhost/echo").await;
            // Past the connection's life and then some drain timeouts.
            tokio::time::sleep(Duration::from_millis(1500)).await;
            ws.send(frame(true, TEXT, b"still here", true, 0));
            assert_eq!(ws.next().await, Some((0x81, b"still here".to_vec())));
            // The connection went away for new streams (GOAWAY).
            let refused =
                match client.send_request(request("GET", "http://localhost/plain", &[]), true) {
                    Err(_) => true,
                    Ok((res, _)) => res.await.is_err(),
                };
            assert!(refused, "a new stream after the connection's life");
            // Once its socket is closed, the connection ends.
            ws.close().await;
            tokio::time::timeout(Duration::from_secs(3), driving)
                .await
                .expect("the connection ends after its last socket")
                .unwrap();
        }));
    });
}

#[test]
fn websocket_over_http2_over_tls() {
    use harrow_tests::tls::{TestCa, client_config};
    use rustls::pki_types::ServerName;
    let ca = TestCa::new("wss over h2");
    let id = ca.server("server");
    each_driver(|config| {
        let config = Config {
            tls: Some(harrow::TlsConfig::from_pem(id.cert.clone(), id.key.clone())),
            ..config
        };
        let server = start(config, Arc::default());
        let addr = server.addr();
        let tls_config = client_config(&ca, &[b"h2"], None);
        run(tokio::task::LocalSet::new().run_until(async move {
            let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
            let connector = tokio_rustls::TlsConnector::from(tls_config);
            let name = ServerName::try_from("localhost").unwrap();
            let tls = connector.connect(name, tcp).await.unwrap();
            assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
            echoes_and_closes(handshake(tls).await, "https://localhost").await;
        }));
    });
}
