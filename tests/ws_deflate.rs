//! permessage-deflate (RFC 7692) over real sockets, under each driver:
//! ratchet's deflate as a real client (it keeps its context between
//! messages, as browsers do); tungstenite, which offers none, on the same
//! route; and hand-made frames for the answer's exact header and for a
//! message that inflates past the limit.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::Duration;

use flate2::{Compress, Compression};
use harrow::test::{TestServer, spawn_server_with_config};
use harrow::ws::{Message, WebSocketUpgrade};
use harrow::{App, Config, Response};
use harrow_tests::patient::Patient;
use harrow_tests::server::each_driver;
use harrow_tests::ws::{compressed, inflated};

/// Says whether compression was agreed, then echoes every message.
async fn echo(ws: WebSocketUpgrade) -> Response {
    ws.compression(true)
        .max_message_size(256 * 1024)
        .on_upgrade(|mut socket| async move {
            let agreed = format!("compressed: {}", socket.is_compressed());
            if socket.send(agreed).await.is_err() {
                return;
            }
            while let Some(Ok(message)) = socket.recv().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
                if socket.send(message).await.is_err() {
                    break;
                }
            }
        })
}

fn start(config: Config) -> TestServer {
    spawn_server_with_config(|| App::new().get("/deflate", echo), config)
        .expect("the server starts")
}

/// A message worth compressing, though not by much on its own: words and
/// numbers in an order that does not repeat.
fn words(n: usize) -> String {
    let words = ["order", "price", "symbol", "HRW", "side", "buy"];
    let mut x = 11u32;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            format!("{}={}", words[(x >> 16) as usize % words.len()], x % 10_000)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_deflate_client_and_the_server_compress_both_ways() {
    each_driver(|config| {
        let server = start(config);
        let addr = server.addr();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            use ratchet_rs::deflate::DeflateExtProvider;
            use ratchet_rs::{Message as Frame, PayloadType, SubprotocolRegistry, WebSocketConfig};
            let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            let mut client = ratchet_rs::subscribe_with(
                WebSocketConfig::default(),
                stream,
                format!("ws://{addr}/deflate").as_str(),
                &DeflateExtProvider::default(),
                SubprotocolRegistry::default(),
            )
            .await
            .unwrap()
            .websocket;
            let mut data = bytes::BytesMut::new();
            assert_eq!(client.read(&mut data).await.unwrap(), Frame::Text);
            assert_eq!(&data[..], b"compressed: true");
            let text = words(2000);
            let binary: Vec<u8> = words(20_000).into_bytes();
            for _ in 0..3 {
                for (want, kind) in [
                    (text.as_bytes(), PayloadType::Text),
                    (&binary[..], PayloadType::Binary),
                    (b"short", PayloadType::Text),
                ] {
                    client.write(want, kind).await.unwrap();
                    client.flush().await.unwrap();
                    data.clear();
                    let got = client.read(&mut data).await.unwrap();
                    let expected = match kind {
                        PayloadType::Text => Frame::Text,
                        _ => Frame::Binary,
                    };
                    assert_eq!(got, expected);
                    assert!(data == want, "an echo of {} bytes differs", want.len());
                }
            }
            client
                .close(ratchet_rs::CloseReason::new(
                    ratchet_rs::CloseCode::Normal,
                    None,
                ))
                .await
                .unwrap();
        });
        server.shutdown().unwrap();
    });
}

#[test]
fn a_client_that_offers_nothing_gets_plain_messages() {
    each_driver(|config| {
        let server = start(config);
        let stream = Patient::connect(server.addr(), Duration::from_secs(5));
        let url = format!("ws://{}/deflate", server.addr());
        let (mut client, response) = tungstenite::client(url, stream).unwrap();
        assert!(!response.headers().contains_key("sec-websocket-extensions"));
        let first = client.read().unwrap();
        assert_eq!(first.into_text().unwrap().as_str(), "compressed: false");
        let text = words(2000);
        client
            .send(tungstenite::Message::text(text.clone()))
            .unwrap();
        assert_eq!(client.read().unwrap().into_text().unwrap().as_str(), text);
        client.close(None).unwrap();
        while client.read().is_ok() {}
        server.shutdown().unwrap();
    });
}

/// A socket that did the handshake by hand, offering permessage-deflate
/// as browsers do, and checked the answer.
struct Raw {
    stream: Patient,
}

impl Raw {
    fn connect(addr: SocketAddr) -> Raw {
        let mut stream = Patient::connect(addr, Duration::from_secs(5));
        stream
            .write_all(
                b"GET /deflate HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n\
                  Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
                  Sec-WebSocket-Version: 13\r\n\
                  Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n",
            )
            .unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte).unwrap();
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
        assert!(head.starts_with("http/1.1 101"), "{head}");
        assert!(
            head.contains(
                "sec-websocket-extensions: permessage-deflate; server_no_context_takeover\r\n"
            ),
            "{head}"
        );
        Raw { stream }
    }

    /// Sends one masked frame, RSV1 set.
    fn send_compressed(&mut self, opcode: u8, payload: &[u8]) {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        let mut frame = vec![0x80 | 0x40 | opcode];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n < 65536 => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&key);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        self.stream.write_all(&frame).unwrap();
    }

    /// Closes with 1000 and reads the server's closing frame.
    fn close(&mut self) {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        let mut frame = vec![0x88, 0x82];
        frame.extend_from_slice(&key);
        frame.extend([0x03 ^ key[0], 0xe8 ^ key[1]]);
        self.stream.write_all(&frame).unwrap();
        assert_eq!(self.frame(), (0x88, vec![0x03, 0xe8]));
    }

    /// The next frame: its first byte and its payload.
    fn frame(&mut self) -> (u8, Vec<u8>) {
        harrow_tests::ws::read_frame(&mut self.stream)
    }
}

#[test]
fn a_client_keeping_its_context_is_understood_and_each_echo_stands_alone() {
    each_driver(|config| {
        let server = start(config);
        let mut raw = Raw::connect(server.addr());
        assert_eq!(raw.frame(), (0x81, b"compressed: true".to_vec()));
        let text = words(3000);
        let mut compress = Compress::new(Compression::default(), false);
        let first = compressed(&mut compress, text.as_bytes());
        let second = compressed(&mut compress, text.as_bytes());
        // The second refers back to the first.
        assert!(second.len() * 10 < first.len());
        for wire in [first, second] {
            raw.send_compressed(0x1, &wire);
            let (b0, payload) = raw.frame();
            assert_eq!(b0, 0xc1, "a compressed text frame");
            assert!(payload.len() < text.len() / 2);
            assert_eq!(inflated(&payload), text.as_bytes());
        }
        raw.close();
        server.shutdown().unwrap();
    });
}

#[test]
fn a_message_that_inflates_past_the_limit_closes_with_1009() {
    each_driver(|config| {
        let server = start(config);
        let mut raw = Raw::connect(server.addr());
        raw.frame();
        // 1 MiB of zeros in about a kilobyte; the route takes 256 KiB.
        let mut compress = Compress::new(Compression::default(), false);
        let bomb = compressed(&mut compress, &vec![0; 1 << 20]);
        assert!(bomb.len() < 2048);
        raw.send_compressed(0x2, &bomb);
        let (b0, payload) = raw.frame();
        assert_eq!(b0, 0x88);
        assert_eq!(payload[..2], 1009u16.to_be_bytes());
        server.shutdown().unwrap();
    });
}
