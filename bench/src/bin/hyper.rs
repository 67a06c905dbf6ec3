//! hyper 1.x on a current-thread tokio runtime (or a multi-thread one with
//! `WORKERS` threads) serving /plaintext and /json.
//!
//! Usage: hyper PORT [h1|h2]   (h2 = HTTP/2 with prior knowledge only)

use std::convert::Infallible;

use bytes::Bytes;
use harrow_bench::{PLAINTEXT, arg, json_body, port_arg};
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};

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
        _ => {
            let mut res = Response::new(Full::new(Bytes::new()));
            *res.status_mut() = StatusCode::NOT_FOUND;
            res
        }
    })
}

fn main() {
    let port = port_arg();
    let h2 = arg(2).as_deref() == Some("h2");
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
            let io = TokioIo::new(stream);
            if h2 {
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(io, service_fn(handle))
                        .await;
                });
            } else {
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        .pipeline_flush(true)
                        .serve_connection(io, service_fn(handle))
                        .await;
                });
            }
        }
    });
}
