//! The files benchmark, axum 0.8 with tower-http's `ServeDir` at /static and
//! the 10 KiB JSON document at /json behind its `CompressionLayer`, on a
//! current-thread tokio runtime (one worker).
//!
//! Usage: files-axum PORT DIR

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use harrow_bench::{arg, json_10k, port_arg};
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;

async fn json() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], json_10k())
}

fn main() {
    let port = port_arg();
    let dir = arg(2).expect("files-axum PORT DIR");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async move {
        let app = Router::new()
            .route("/json", get(json).layer(CompressionLayer::new()))
            .nest_service("/static", ServeDir::new(dir));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind");
        axum::serve(listener, app).await.expect("serve");
    });
}
