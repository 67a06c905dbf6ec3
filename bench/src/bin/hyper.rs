//! hyper 1.x on a current-thread tokio runtime (or a multi-thread one with
//! `WORKERS` threads) serving /plaintext, /json and /64k (64 KiB).
//!
//! Usage: hyper PORT [h1|h2] [tls CERT KEY]
//!
//! `h2` without `tls` is HTTP/2 with prior knowledge only. `tls` serves
//! HTTPS through tokio-rustls with the PEM certificate chain and key given;
//! ALPN then chooses HTTP/2 or HTTP/1.1, whatever the second argument. With
//! `COUNT_HANDSHAKES=1` in the environment the TLS server writes to stderr,
//! every 1,000 handshakes, how many were full and how many resumed (the
//! check that a load generator really makes full handshakes).

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use harrow_bench::{BODY_64K, PLAINTEXT, arg, json_body, port_arg, rustls_config, tls_args};
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite};

async fn handle(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(match req.uri().path() {
        "/plaintext" => {
            let mut res = Response::new(Full::new(Bytes::from_static(PLAINTEXT.as_bytes())));
            res.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            res
        }
        "/json" => {
            let mut res = Response::new(Full::new(Bytes::from(json_body())));
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            res
        }
        "/64k" => {
            let mut res = Response::new(Full::new(Bytes::from_static(&BODY_64K)));
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            res
        }
        _ => {
            let mut res = Response::new(Full::new(Bytes::new()));
            *res.status_mut() = StatusCode::NOT_FOUND;
            res
        }
    })
}

/// Serves one connection to its end, over HTTP/2 or HTTP/1.1.
async fn serve<I>(io: I, h2: bool)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let io = TokioIo::new(io);
    if h2 {
        let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
            .serve_connection(io, service_fn(handle))
            .await;
    } else {
        let _ = hyper::server::conn::http1::Builder::new()
            .keep_alive(true)
            .pipeline_flush(true)
            .serve_connection(io, service_fn(handle))
            .await;
    }
}

/// Full and resumed handshakes seen, when counting.
#[derive(Default)]
struct Handshakes {
    full: AtomicU64,
    resumed: AtomicU64,
}

impl Handshakes {
    fn record(&self, session: &rustls::ServerConnection) {
        match session.handshake_kind() {
            Some(rustls::HandshakeKind::Resumed) => self.resumed.fetch_add(1, Ordering::Relaxed),
            _ => self.full.fetch_add(1, Ordering::Relaxed),
        };
        let full = self.full.load(Ordering::Relaxed);
        let resumed = self.resumed.load(Ordering::Relaxed);
        if (full + resumed).is_multiple_of(1000) {
            eprintln!("handshakes: {full} full, {resumed} resumed");
        }
    }
}

fn main() {
    let port = port_arg();
    let h2 = arg(2).as_deref() == Some("h2");
    let tls = tls_args(2)
        .map(|(cert, key)| tokio_rustls::TlsAcceptor::from(Arc::new(rustls_config(&cert, &key))));
    let count = (tls.is_some() && std::env::var_os("COUNT_HANDSHAKES").is_some_and(|v| v == "1"))
        .then(|| Arc::new(Handshakes::default()));
    // One thread, or tokio's work-stealing runtime with `WORKERS` threads:
    // hyper's usual setup on many cores.
    let workers = harrow_bench::workers();
    let rt = if workers == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
    }
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
            match &tls {
                None => {
                    tokio::spawn(serve(stream, h2));
                }
                Some(acceptor) => {
                    let accept = acceptor.accept(stream);
                    let count = count.clone();
                    tokio::spawn(async move {
                        let Ok(stream) = accept.await else { return };
                        let session = stream.get_ref().1;
                        if let Some(count) = count {
                            count.record(session);
                        }
                        let h2 = session.alpn_protocol() == Some(b"h2");
                        serve(stream, h2).await;
                    });
                }
            }
        }
    });
}
