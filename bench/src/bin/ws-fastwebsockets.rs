//! The WebSocket benchmark on fastwebsockets (its hyper upgrade) on a
//! current-thread tokio runtime: `/ws` echoes every text and binary
//! message, whole (a `FragmentCollector` joins fragments, as harrow and
//! tungstenite do).
//!
//! Usage: ws-fastwebsockets PORT
//!
//! Limits: messages up to 1 MiB (as the other WebSocket servers);
//! fastwebsockets' defaults otherwise (automatic pongs and closing replies).

use std::convert::Infallible;

use bytes::Bytes;
use fastwebsockets::{FragmentCollector, OpCode, WebSocketError};
use harrow_bench::port_arg;
use http::{Request, Response, StatusCode};
use http_body_util::Empty;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

/// The largest message each WebSocket server accepts.
const MAX_MESSAGE: usize = 1 << 20;

async fn handle(mut req: Request<Incoming>) -> Result<Response<Empty<Bytes>>, Infallible> {
    if req.uri().path() != "/ws" {
        let mut res = Response::new(Empty::new());
        *res.status_mut() = StatusCode::NOT_FOUND;
        return Ok(res);
    }
    match fastwebsockets::upgrade::upgrade(&mut req) {
        Ok((res, socket)) => {
            tokio::spawn(async move {
                if let Ok(ws) = socket.await {
                    let _ = echo(ws).await;
                }
            });
            Ok(res)
        }
        Err(_) => {
            let mut res = Response::new(Empty::new());
            *res.status_mut() = StatusCode::BAD_REQUEST;
            Ok(res)
        }
    }
}

async fn echo(
    mut ws: fastwebsockets::WebSocket<TokioIo<hyper::upgrade::Upgraded>>,
) -> Result<(), WebSocketError> {
    ws.set_max_message_size(MAX_MESSAGE);
    let mut ws = FragmentCollector::new(ws);
    loop {
        let frame = ws.read_frame().await?;
        match frame.opcode {
            OpCode::Close => return Ok(()),
            OpCode::Text | OpCode::Binary => ws.write_frame(frame).await?,
            _ => {}
        }
    }
}

fn main() {
    let port = port_arg();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind");
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("accept: {e}");
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let io = TokioIo::new(stream);
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service_fn(handle))
                    .with_upgrades()
                    .await;
            });
        }
    });
}
