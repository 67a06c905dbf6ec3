//! The WebSocket benchmark on axum 0.8 (its `ws` feature, over
//! tokio-tungstenite) on a current-thread tokio runtime: `/ws` echoes every
//! text and binary message, over HTTP/1.1 and over HTTP/2 (h2c with prior
//! knowledge, RFC 8441 extended CONNECT, which `axum::serve` offers with
//! its `http2` feature).
//!
//! Usage: ws-axum PORT
//!
//! Limits: messages and frames up to 1 MiB (as the other WebSocket
//! servers); axum's and tungstenite's defaults otherwise.

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::any;
use axum::serve::ListenerExt;
use harrow_bench::port_arg;

/// The largest message and frame each WebSocket server accepts.
const MAX_MESSAGE: usize = 1 << 20;

async fn echo(ws: WebSocketUpgrade) -> Response {
    ws.max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .on_upgrade(run)
}

async fn run(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        match message {
            Message::Text(_) | Message::Binary(_) => {
                if socket.send(message).await.is_err() {
                    break;
                }
            }
            Message::Close(_) => break,
            // Pongs to pings are sent by tungstenite itself.
            Message::Ping(_) | Message::Pong(_) => {}
        }
    }
}

fn main() {
    let port = port_arg();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async move {
        // `any`: over HTTP/2 the handshake is a CONNECT, not a GET.
        let app = Router::new().route("/ws", any(echo));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind")
            // As harrow and the other servers do.
            .tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
        axum::serve(listener, app).await.expect("serve");
    });
}
