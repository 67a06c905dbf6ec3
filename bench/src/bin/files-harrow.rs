//! The files benchmark, harrow: `ServeDir` at /static and a 10 KiB JSON
//! document at /json behind the `Compression` middleware, one worker.
//!
//! Usage: files-harrow PORT uring|epoll DIR [copy], or files-harrow prepare
//! DIR to write the benchmark's files. `copy` turns zero-copy off: files are
//! read into buffers and written, as on TLS and HTTP/2, instead of sent by
//! the kernel with `sendfile`.

use harrow::fs::ServeDir;
use harrow::middleware::Compression;
use harrow::{App, Response, Scope, StatusCode};
use harrow_bench::{arg, json_10k, port_arg, prepare_files};
use harrow_server::{Config, Driver};

async fn json() -> Response {
    let mut res = Response::new(json_10k().into());
    res.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    *res.status_mut() = StatusCode::OK;
    res
}

fn main() {
    if arg(1).as_deref() == Some("prepare") {
        let dir = arg(2).expect("files-harrow prepare DIR");
        prepare_files(std::path::Path::new(&dir)).expect("writing the files");
        return;
    }
    let port = port_arg();
    let driver = match arg(2).as_deref() {
        Some("epoll") => Driver::Epoll,
        _ => Driver::IoUring,
    };
    let dir = arg(3).expect("files-harrow PORT uring|epoll DIR [copy]");
    let zero_copy = arg(4).as_deref() != Some("copy");
    let config = Config {
        workers: Some(1),
        driver,
        max_connections: 20_000,
        ..Config::default()
    };
    let make = move || {
        App::new()
            .routes(ServeDir::new(&dir).zero_copy(zero_copy).at("/static"))
            .nest(
                "/",
                Scope::new().get("/json", json).layer(Compression::new()),
            )
    };
    harrow::run_with_config(make, ("127.0.0.1", port), config).expect("server runs");
}
