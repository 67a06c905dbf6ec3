//! The WebSocket benchmark on harrow: `App::new().get("/ws", ...)` with the
//! `ws` feature, echoing every text and binary message, one worker; the
//! same at `/ws-deflate` with permessage-deflate on (`ws-deflate`). HTTP/2
//! is on (h2c with prior knowledge beside HTTP/1.1), for WebSockets over
//! HTTP/2 (RFC 8441).
//!
//! Usage: ws-harrow PORT [uring|epoll]
//!
//! Limits: messages and frames up to 1 MiB (as the other WebSocket
//! servers); harrow's defaults otherwise (a ping after 30 s of quiet).

use std::time::Duration;

use harrow::ws::{Message, WebSocketUpgrade};
use harrow::{App, Config, Driver, Response};
use harrow_bench::{arg, port_arg};

/// The largest message and frame each WebSocket server accepts.
const MAX_MESSAGE: usize = 1 << 20;

async fn echo(ws: WebSocketUpgrade) -> Response {
    run(ws)
}

async fn echo_deflate(ws: WebSocketUpgrade) -> Response {
    run(ws.compression(true))
}

fn run(ws: WebSocketUpgrade) -> Response {
    ws.max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .on_upgrade(|mut socket| async move {
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

fn main() {
    let port = port_arg();
    let driver = match arg(2).as_deref() {
        None | Some("uring") => Driver::IoUring,
        Some("epoll") => Driver::Epoll,
        Some(other) => panic!("unknown driver {other:?}: use uring or epoll"),
    };
    let config = Config {
        workers: Some(1),
        driver,
        max_connections: 20_000,
        enable_http2: true,
        keep_alive_timeout: Some(Duration::from_secs(600)),
        connection_timeout: Some(Duration::from_secs(3600)),
        ..Default::default()
    };
    let app = || App::new().get("/ws", echo).get("/ws-deflate", echo_deflate);
    let server = harrow::start_with_config(app, ("127.0.0.1", port), config)
        .expect("harrow failed to start");
    server.wait().expect("harrow");
}
