//! actix-web 4 with one worker (or `WORKERS`) serving /plaintext and /json.
//!
//! Usage: actix PORT

use std::time::Duration;

use actix_web::http::header::ContentType;
use actix_web::{App, HttpResponse, HttpServer, web};
use harrow_bench::{PLAINTEXT, json_body, port_arg};

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

fn main() -> std::io::Result<()> {
    let port = port_arg();
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(|| {
            App::new()
                .route("/plaintext", web::get().to(plaintext))
                .route("/json", web::get().to(json))
        })
        .workers(harrow_bench::workers())
        .max_connections(20_000)
        .backlog(4096)
        .keep_alive(Duration::from_secs(600))
        .bind(("127.0.0.1", port))?
        .run()
        .await
    })
}
