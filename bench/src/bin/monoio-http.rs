//! monoio with monoio-http serving /plaintext and /json: its HTTP/1.1 codec
//! (requests decoded and responses encoded on the split socket, one
//! connection task), or with `h2` its HTTP/2 (a fork of the h2 crate on
//! monoio's owned-buffer IO, a task per stream). One io_uring runtime per
//! worker thread (`WORKERS`, default 1), each with its own `SO_REUSEPORT`
//! listener, as harrow runs.
//!
//! Usage: monoio-http PORT [h2]

use bytes::Bytes;
use harrow_bench::{PLAINTEXT, arg, json_body, port_arg, workers};
use http::{HeaderValue, StatusCode, header};
use monoio::io::Splitable;
use monoio::io::sink::SinkExt;
use monoio::io::stream::Stream;
use monoio::net::{ListenerOpts, TcpListener, TcpStream};
use monoio_http::common::request::Request;
use monoio_http::common::response::Response;
use monoio_http::h1::codec::decoder::RequestDecoder;
use monoio_http::h1::codec::encoder::GenericEncoder;
use monoio_http::h1::payload::{FixedPayload, Payload};

fn main() {
    let port = port_arg();
    let h2 = arg(2).as_deref() == Some("h2");
    let threads: Vec<_> = (0..workers())
        .map(|_| {
            std::thread::spawn(move || {
                let mut rt = monoio::RuntimeBuilder::<monoio::IoUringDriver>::new()
                    .with_entries(1024)
                    .enable_timer()
                    .build()
                    .expect("an io_uring runtime");
                rt.block_on(serve(port, h2));
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
}

async fn serve(port: u16, h2: bool) {
    let opts = ListenerOpts::default().reuse_port(true).backlog(4096);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let listener = TcpListener::bind_with_config(addr, &opts).expect("bind");
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        if h2 {
            monoio::spawn(serve_h2(stream));
        } else {
            monoio::spawn(serve_h1(stream));
        }
    }
}

/// The body and content type of `path`.
fn answer(path: &str) -> (StatusCode, Bytes, &'static str) {
    match path {
        "/plaintext" => (
            StatusCode::OK,
            Bytes::from_static(PLAINTEXT.as_bytes()),
            "text/plain",
        ),
        "/json" => (StatusCode::OK, Bytes::from(json_body()), "application/json"),
        _ => (StatusCode::NOT_FOUND, Bytes::new(), "text/plain"),
    }
}

async fn serve_h1(stream: TcpStream) {
    let (read, write) = stream.into_split();
    let mut requests = RequestDecoder::new(read);
    let mut responses = GenericEncoder::new(write);
    while let Some(Ok(req)) = requests.next().await {
        let req: Request = req;
        let (status, body, content_type) = answer(req.uri().path());
        let mut res: Response = http::Response::new(Payload::Fixed(FixedPayload::new(body)));
        *res.status_mut() = status;
        res.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if responses.send_and_flush(res).await.is_err() {
            return;
        }
    }
}

async fn serve_h2(stream: TcpStream) {
    let Ok(mut conn) = monoio_http::h2::server::handshake(stream).await else {
        return;
    };
    while let Some(Ok((req, mut respond))) = conn.accept().await {
        monoio::spawn(async move {
            let (status, body, content_type) = answer(req.uri().path());
            let mut res = http::Response::new(());
            *res.status_mut() = status;
            res.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            if let Ok(mut send) = respond.send_response(res, body.is_empty())
                && !body.is_empty()
            {
                let _ = send.send_data(body, true);
            }
        });
    }
}
