//! actix-web 4 with one worker (or `WORKERS`) serving /plaintext, /json and
//! /64k (64 KiB).
//!
//! Usage: actix PORT [tls CERT KEY]
//!
//! `tls` serves HTTPS through actix's rustls 0.23 support with the PEM
//! certificate chain and key given; ALPN chooses HTTP/2 or HTTP/1.1.

use std::time::Duration;

use actix_web::http::header::ContentType;
use actix_web::web::Bytes;
use actix_web::{App, HttpResponse, HttpServer, web};
use harrow_bench::{BODY_64K, PLAINTEXT, json_body, port_arg, rustls_config, tls_args};

async fn plaintext() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::plaintext())
        .body(PLAINTEXT)
}

async fn json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(json_body())
}

async fn body_64k() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::octet_stream())
        .body(Bytes::from_static(&BODY_64K))
}

fn main() -> std::io::Result<()> {
    let port = port_arg();
    let tls = tls_args(2).map(|(cert, key)| rustls_config(&cert, &key));
    actix_web::rt::System::new().block_on(async move {
        let server = HttpServer::new(|| {
            App::new()
                .route("/plaintext", web::get().to(plaintext))
                .route("/json", web::get().to(json))
                .route("/64k", web::get().to(body_64k))
        })
        .workers(harrow_bench::workers())
        .max_connections(20_000)
        .backlog(4096)
        .keep_alive(Duration::from_secs(600));
        let server = match tls {
            Some(config) => server.bind_rustls_0_23(("127.0.0.1", port), config)?,
            None => server.bind(("127.0.0.1", port))?,
        };
        server.run().await
    })
}
