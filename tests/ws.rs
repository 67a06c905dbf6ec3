//! WebSocket over real sockets, under each driver: every RFC 6455 rule the
//! server enforces as a table of hand-made frames, and tungstenite as a
//! real client for echo, subprotocols, origins, many sockets, pings, a
//! client that stops reading, a silent client, a drain with sockets open,
//! and WebSocket over TLS.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use harrow::test::{TestServer, spawn_server_with_config};
use harrow::ws::{Message, WebSocketUpgrade, close_code};
use harrow::{App, Config, Response, State};
use harrow_tests::patient::Patient;
use harrow_tests::server::{self, each_driver};
use harrow_tests::ws::{echo_messages, frame};
use tungstenite::protocol::frame::coding::CloseCode;

async fn echo(ws: WebSocketUpgrade) -> Response {
    ws.max_message_size(64 * 1024 + 16)
        .on_upgrade(|mut socket| async move { echo_messages(&mut socket).await })
}

async fn chat(ws: WebSocketUpgrade) -> Response {
    ws.protocols(["v2.chat", "v1.chat"])
        .allowed_origins(["https://ok.example"])
        .on_upgrade(|mut socket| async move {
            let protocol = socket.protocol().unwrap_or("none").to_owned();
            let _ = socket.send(protocol).await;
            while let Some(Ok(_)) = socket.recv().await {}
        })
}

async fn quiet(ws: WebSocketUpgrade) -> Response {
    ws.ping_interval(Some(Duration::from_millis(300)))
        .pong_timeout(Duration::from_millis(300))
        .on_upgrade(|mut socket| async move { while let Some(Ok(_)) = socket.recv().await {} })
}

/// Message `i` of the firehose: 64 KiB whose every byte depends on `i` and
/// on its place, so that a client sees a message cut short, a part of one
/// repeated, or messages out of order.
fn firehose_message(i: usize) -> Vec<u8> {
    // xorshift32, seeded by the message's number: no period a write's
    // length could line up with.
    let mut x = (i as u32).wrapping_mul(2_654_435_761) | 1;
    (0..64 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// Sends 64 KiB messages until 16 MiB went out, counting each one sent.
async fn firehose(ws: WebSocketUpgrade, State(sent): State<Arc<AtomicUsize>>) -> Response {
    ws.write_timeout(Duration::from_secs(20))
        .on_upgrade(move |mut socket| async move {
            for i in 0..256 {
                let chunk = bytes::Bytes::from(firehose_message(i));
                if socket.send(chunk).await.is_err() {
                    break;
                }
                sent.fetch_add(1, Ordering::SeqCst);
            }
        })
}

/// The firehose from a task of its own: the sending half moves into a
/// spawned task, while the upgrade's future keeps the receiving half and
/// echoes nothing; the socket's own task wakes the sender's when there is
/// room again.
async fn spawned(ws: WebSocketUpgrade, State(sent): State<Arc<AtomicUsize>>) -> Response {
    ws.on_upgrade(move |socket| async move {
        let (mut to_client, mut from_client) = socket.split();
        let sending = harrow::rt::spawn(async move {
            for i in 0..256 {
                let chunk = bytes::Bytes::from(firehose_message(i));
                if to_client.send(chunk).await.is_err() {
                    break;
                }
                sent.fetch_add(1, Ordering::SeqCst);
            }
        });
        while let Some(Ok(message)) = from_client.recv().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
        sending.await;
    })
}

fn start(config: Config, sent: Arc<AtomicUsize>) -> TestServer {
    spawn_server_with_config(
        move || {
            App::new()
                .state(sent.clone())
                .get("/echo", echo)
                .get("/chat", chat)
                .get("/quiet", quiet)
                .get("/firehose", firehose)
                .get("/spawned", spawned)
        },
        config,
    )
    .expect("the server starts")
}

type Client = tungstenite::WebSocket<Patient>;

/// A tungstenite client on `path`, with a 5 s read timeout.
fn connect(addr: SocketAddr, path: &str) -> Client {
    let stream = Patient::connect(addr, Duration::from_secs(5));
    let (client, response) = tungstenite::client(format!("ws://{addr}{path}"), stream)
        .unwrap_or_else(|e| panic!("handshake on {path}: {e}"));
    assert_eq!(response.status(), 101);
    client
}

/// The next data or close message, answering pings on the way.
fn next(client: &mut Client) -> tungstenite::Message {
    loop {
        match client.read().expect("a message") {
            tungstenite::Message::Ping(_) | tungstenite::Message::Pong(_) => continue,
            other => return other,
        }
    }
}

#[test]
fn echoes_text_and_binary_of_every_size_and_closes_cleanly() {
    each_driver(|config| {
        let server = start(config, Arc::default());
        let mut client = connect(server.addr(), "/echo");
        let big: Vec<u8> = (0..64 * 1024).map(|i| (i % 251) as u8).collect();
        let messages = [
            tungstenite::Message::text("hello"),
            tungstenite::Message::text(""),
            tungstenite::Message::text("é ✓ 😀"),
            tungstenite::Message::binary(vec![0u8, 1, 2, 255]),
            tungstenite::Message::binary(big),
        ];
        for message in messages {
            client.send(message.clone()).unwrap();
            assert_eq!(next(&mut client), message);
        }
        client.close(None).unwrap();
        // The server answers the closing frame, then ends the stream.
        loop {
            match client.read() {
                Ok(tungstenite::Message::Close(_)) => continue,
                Err(tungstenite::Error::ConnectionClosed) => break,
                other => panic!("after close: {other:?}"),
            }
        }
    });
}

#[test]
fn subprotocol_origin_and_plain_requests() {
    each_driver(|config| {
        let server = start(config, Arc::default());
        let addr = server.addr();
        let handshake = |protocols: Option<&str>, origin: &str| {
            let mut req = tungstenite::client::IntoClientRequest::into_client_request(format!(
                "ws://{addr}/chat"
            ))
            .unwrap();
            if let Some(p) = protocols {
                req.headers_mut()
                    .insert("sec-websocket-protocol", p.parse().unwrap());
            }
            req.headers_mut().insert("origin", origin.parse().unwrap());
            let stream = Patient::connect(addr, Duration::from_secs(5));
            tungstenite::client(req, stream).map_err(Box::new)
        };
        let (mut client, res) = handshake(Some("v1.chat, v2.chat"), "https://ok.example").unwrap();
        assert_eq!(
            res.headers()["sec-websocket-protocol"],
            "v2.chat",
            "the server's preference"
        );
        assert_eq!(next(&mut client), tungstenite::Message::text("v2.chat"));
        let (mut client, _) = handshake(None, "https://ok.example").unwrap();
        assert_eq!(next(&mut client), tungstenite::Message::text("none"));
        match handshake(None, "https://evil.example").map_err(|e| *e) {
            Err(tungstenite::HandshakeError::Failure(tungstenite::Error::Http(res))) => {
                assert_eq!(res.status(), 403)
            }
            other => panic!("a foreign origin: {other:?}"),
        }
        // A browser opening the address as a page is told what it is.
        let plain = harrow_tests::get(addr, "/echo");
        assert_eq!(plain.status, 426);
        assert_eq!(plain.header("upgrade"), Some("websocket"));
    });
}

/// A hand-made WebSocket client: the handshake, then frames as bytes.
struct Raw {
    stream: Patient,
}

impl Raw {
    fn open(addr: SocketAddr, path: &str) -> Raw {
        let mut stream = Patient::connect(addr, Duration::from_secs(5));
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte).unwrap();
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head);
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        assert!(
            head.contains("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
            "{head}"
        );
        Raw { stream }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// The next `n` frames the server sends.
    fn frames(&mut self, n: usize) -> Vec<(u8, Vec<u8>)> {
        (0..n)
            .map(|_| {
                let (first, payload) = harrow_tests::ws::read_frame(&mut self.stream);
                (first & 0x0f, payload)
            })
            .collect()
    }

    /// Every frame the server sends until it closes the connection.
    fn frames_until_close(&mut self) -> Vec<(u8, Vec<u8>)> {
        let mut all = Vec::new();
        let _ = self.stream.read_to_end(&mut all);
        let mut frames = Vec::new();
        let mut rest = &all[..];
        while rest.len() >= 2 {
            let opcode = rest[0] & 0x0f;
            assert_eq!(rest[1] & 0x80, 0, "server frames are not masked");
            let (len, header) = match rest[1] & 0x7f {
                126 => (u16::from_be_bytes([rest[2], rest[3]]) as usize, 4),
                127 => (
                    u64::from_be_bytes(rest[2..10].try_into().unwrap()) as usize,
                    10,
                ),
                n => (n as usize, 2),
            };
            frames.push((opcode, rest[header..header + len].to_vec()));
            rest = &rest[header + len..];
        }
        frames
    }
}

const TEXT: u8 = 0x1;
const BINARY: u8 = 0x2;
const CONT: u8 = 0x0;
const CLOSE: u8 = 0x8;
const PING: u8 = 0x9;
const PONG: u8 = 0xa;

fn close_payload(code: u16, reason: &[u8]) -> Vec<u8> {
    let mut p = code.to_be_bytes().to_vec();
    p.extend_from_slice(reason);
    p
}

#[test]
fn every_rfc_6455_rule_as_a_table_of_frames() {
    let m = |fin, op, p: &[u8]| frame(fin, op, p, true, 0);
    let big = vec![b'x'; 64 * 1024 + 17];
    // What the client sends, and the frames the server answers with (its
    // closing frame last, by code).
    type Frames = Vec<(u8, Vec<u8>)>;
    let cases: Vec<(&str, Vec<u8>, Frames)> = vec![
        (
            "an unmasked client frame is a protocol error (§5.1)",
            frame(true, TEXT, b"hi", false, 0),
            vec![(
                CLOSE,
                close_payload(close_code::PROTOCOL_ERROR, b"protocol error"),
            )],
        ),
        (
            "text that is not UTF-8 closes with 1007 (§8.1)",
            m(true, TEXT, &[0xc3, 0x28]),
            vec![(
                CLOSE,
                close_payload(close_code::INVALID_DATA, b"invalid UTF-8"),
            )],
        ),
        (
            "fragments that join into invalid UTF-8 close with 1007",
            [m(false, TEXT, &[0xe2, 0x82]), m(true, CONT, &[0x28])].concat(),
            vec![(
                CLOSE,
                close_payload(close_code::INVALID_DATA, b"invalid UTF-8"),
            )],
        ),
        (
            "a control frame over 125 bytes (§5.5)",
            m(true, PING, &[0u8; 126]),
            vec![(
                CLOSE,
                close_payload(close_code::PROTOCOL_ERROR, b"protocol error"),
            )],
        ),
        (
            "a fragmented control frame (§5.5)",
            m(false, PING, b"p"),
            vec![(
                CLOSE,
                close_payload(close_code::PROTOCOL_ERROR, b"protocol error"),
            )],
        ),
        (
            "a continuation with nothing to continue (§5.4)",
            m(true, CONT, b"orphan"),
            vec![(
                CLOSE,
                close_payload(close_code::PROTOCOL_ERROR, b"protocol error"),
            )],
        ),
        (
            "a new message in the middle of a fragmented one (§5.4)",
            [m(false, TEXT, b"a"), m(true, BINARY, b"b")].concat(),
            vec![(
                CLOSE,
                close_payload(close_code::PROTOCOL_ERROR, b"protocol error"),
            )],
        ),
        (
            "reserved bits without an extension (§5.2)",
            frame(true, TEXT, b"hi", true, 0b100),
            vec![(
                CLOSE,
                close_payload(close_code::PROTOCOL_ERROR, b"protocol error"),
            )],
        ),
        (
            "a reserved opcode (§5.2)",
            m(true, 0x3, b"?"),
            vec![(
                CLOSE,
                close_payload(close_code::PROTOCOL_ERROR, b"protocol error"),
            )],
        ),
        (
            "a message over the route's limit closes with 1009",
            m(true, BINARY, &big),
            vec![(
                CLOSE,
                close_payload(close_code::TOO_BIG, b"message too big"),
            )],
        ),
        (
            "a close code no one may send is answered with 1002 (§7.4.1)",
            m(true, CLOSE, &close_payload(1005, b"")),
            vec![(
                CLOSE,
                close_payload(close_code::PROTOCOL_ERROR, b"Protocol violation"),
            )],
        ),
        (
            "a closing reason that is not UTF-8 closes with 1007",
            m(true, CLOSE, &close_payload(1000, &[0xff])),
            vec![(
                CLOSE,
                close_payload(close_code::INVALID_DATA, b"invalid UTF-8"),
            )],
        ),
        (
            "an application close code is echoed",
            m(true, CLOSE, &close_payload(4001, b"done")),
            vec![(CLOSE, close_payload(4001, b"done"))],
        ),
    ];
    each_driver(|config| {
        let server = start(config, Arc::default());
        for (rule, bytes, expected) in &cases {
            let mut raw = Raw::open(server.addr(), "/echo");
            raw.send(bytes);
            let started = Instant::now();
            let frames = raw.frames_until_close();
            assert_eq!(&frames, expected, "{rule}");
            // The server closes without waiting out a timeout.
            assert!(
                started.elapsed() < Duration::from_secs(4),
                "{rule}: {:?}",
                started.elapsed()
            );
        }
    });
}

#[test]
fn fragments_with_a_ping_between_them_then_a_clean_close() {
    let m = |fin, op, p: &[u8]| frame(fin, op, p, true, 0);
    each_driver(|config| {
        let server = start(config, Arc::default());
        let mut raw = Raw::open(server.addr(), "/echo");
        // §5.4: a control frame may come between the fragments of a message.
        raw.send(
            &[
                m(false, TEXT, b"Hel"),
                m(true, PING, b"are you there"),
                m(true, CONT, b"lo"),
            ]
            .concat(),
        );
        assert_eq!(
            raw.frames(2),
            [(PONG, b"are you there".to_vec()), (TEXT, b"Hello".to_vec())]
        );
        // §5.5.1: the closing frame is answered with the same code, and the
        // server then closes the connection.
        raw.send(&m(true, CLOSE, &close_payload(1000, b"bye")));
        assert_eq!(
            raw.frames_until_close(),
            [(CLOSE, close_payload(1000, b"bye"))]
        );
    });
}

#[test]
fn many_sockets_at_once_each_get_their_own_answers() {
    each_driver(|config| {
        let server = start(config, Arc::default());
        let mut clients: Vec<Client> = (0..200).map(|_| connect(server.addr(), "/echo")).collect();
        for round in 0..3 {
            for (i, client) in clients.iter_mut().enumerate() {
                client
                    .send(tungstenite::Message::text(format!("{i}:{round}")))
                    .unwrap();
            }
            for (i, client) in clients.iter_mut().enumerate() {
                assert_eq!(
                    next(client),
                    tungstenite::Message::text(format!("{i}:{round}"))
                );
            }
        }
    });
}

#[test]
fn a_quiet_client_is_pinged_and_a_silent_one_dropped() {
    each_driver(|config| {
        let server = start(config, Arc::default());
        // A real client answers the ping (tungstenite replies as it reads)
        // and stays connected.
        let mut client = connect(server.addr(), "/quiet");
        let started = Instant::now();
        match client.read().unwrap() {
            tungstenite::Message::Ping(_) => {}
            other => panic!("expected a ping, got {other:?}"),
        }
        assert!(started.elapsed() >= Duration::from_millis(250));
        client.flush().unwrap();
        client
            .send(tungstenite::Message::text("still here"))
            .unwrap();
        match client.read().unwrap() {
            tungstenite::Message::Ping(_) => {}
            other => panic!("expected the next ping, got {other:?}"),
        }

        // A client that reads nothing and answers nothing is dropped once
        // the pong timeout passes after the ping.
        let mut raw = Raw::open(server.addr(), "/quiet");
        let started = Instant::now();
        let frames = raw.frames_until_close();
        let waited = started.elapsed();
        assert_eq!(frames.first().map(|f| f.0), Some(PING), "{frames:?}");
        assert!(
            waited >= Duration::from_millis(500) && waited < Duration::from_secs(4),
            "dropped after {waited:?}"
        );
    });
}

#[test]
fn a_client_that_stops_reading_holds_the_sender_not_the_server_memory() {
    each_driver(|config| {
        let sent = Arc::new(AtomicUsize::new(0));
        let server = start(config, sent.clone());
        let mut client = connect(server.addr(), "/firehose");
        // The client reads nothing: the sender runs ahead only as far as
        // the socket buffers and the server's bounded output take it.
        let stalled = server::eventually("the sender to stall", Duration::from_secs(5), || {
            let before = sent.load(Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(200));
            let after = sent.load(Ordering::SeqCst);
            (before == after).then_some(after)
        });
        assert!(
            stalled < 256,
            "all 16 MiB were buffered: {stalled} messages sent"
        );
        let held = stalled * 64;
        assert!(
            held < 8 * 1024,
            "{held} KiB went out to a client that reads nothing"
        );
        // Once it reads, everything arrives.
        let mut received = 0;
        while received < 256 {
            match next(&mut client) {
                tungstenite::Message::Binary(b) => {
                    assert!(
                        b[..] == firehose_message(received)[..],
                        "message {received} arrived with other bytes"
                    );
                    received += 1;
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(sent.load(Ordering::SeqCst), 256);
    });
}

#[test]
fn a_sender_in_a_task_of_its_own_is_woken_when_there_is_room() {
    each_driver(|config| {
        let sent = Arc::new(AtomicUsize::new(0));
        let server = start(config, sent.clone());
        let mut client = connect(server.addr(), "/spawned");
        // 16 MiB through a 256 KiB output: the spawned sender waits for
        // room again and again, and each time the socket's task must wake
        // it, not just poll its own futures.
        for i in 0..256 {
            match next(&mut client) {
                tungstenite::Message::Binary(b) => {
                    assert!(b[..] == firehose_message(i)[..], "message {i} differs");
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(sent.load(Ordering::SeqCst), 256);
        client.close(None).unwrap();
        while client.read().is_ok() {}
    });
}

#[test]
fn a_drain_closes_open_sockets_with_going_away() {
    each_driver(|config| {
        let server = start(config, Arc::default());
        let mut clients: Vec<Client> = (0..5).map(|_| connect(server.addr(), "/echo")).collect();
        let started = Instant::now();
        let stopper = std::thread::spawn(move || server.shutdown());
        for client in &mut clients {
            match next(client) {
                tungstenite::Message::Close(Some(frame)) => {
                    assert_eq!(frame.code, CloseCode::Away);
                }
                other => panic!("expected close 1001, got {other:?}"),
            }
            // The client completes the handshake, as a good one does.
            loop {
                match client.read() {
                    Err(tungstenite::Error::ConnectionClosed) => break,
                    Ok(_) => continue,
                    Err(e) => panic!("{e}"),
                }
            }
        }
        stopper.join().unwrap().unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    });
}

#[test]
fn websocket_over_tls() {
    use harrow_tests::tls::{TestCa, client_config};
    let ca = TestCa::new("wss");
    let id = ca.server("server");
    each_driver(|config| {
        let config = Config {
            tls: Some(harrow::TlsConfig::from_pem(id.cert.clone(), id.key.clone())),
            ..config
        };
        let server = start(config, Arc::default());
        let tls =
            harrow_tests::tls::connect(server.addr(), client_config(&ca, &[b"http/1.1"], None));
        let (mut client, res) = tungstenite::client("wss://localhost/echo", tls).unwrap();
        assert_eq!(res.status(), 101);
        let big = tungstenite::Message::binary(vec![3u8; 60_000]);
        for message in [tungstenite::Message::text("over tls"), big] {
            client.send(message.clone()).unwrap();
            assert_eq!(client.read().unwrap(), message);
        }
        client.close(None).unwrap();
        while client.read().is_ok() {}
    });
}
