//! The files benchmark, actix-web 4 with actix-files at /static and the
//! 10 KiB JSON document at /json behind its `Compress` middleware, one
//! worker.
//!
//! Usage: files-actix PORT DIR

use std::time::Duration;

use actix_web::http::header::ContentType;
use actix_web::middleware::Compress;
use actix_web::{App, HttpResponse, HttpServer, web};
use harrow_bench::{arg, json_10k, port_arg};

async fn json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(json_10k())
}

fn main() -> std::io::Result<()> {
    let port = port_arg();
    let dir = arg(2).expect("files-actix PORT DIR");
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            App::new()
                .service(actix_files::Files::new("/static", &dir))
                .service(
                    web::scope("")
                        .wrap(Compress::default())
                        .route("/json", web::get().to(json)),
                )
        })
        .workers(1)
        .max_connections(20_000)
        .keep_alive(Duration::from_secs(600))
        .bind(("127.0.0.1", port))?
        .run()
        .await
    })
}
