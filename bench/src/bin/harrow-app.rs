//! The framework-cost benchmark server: the same /plaintext, /json and
//! /user/{id} bytes served either through the full `harrow::App` (router
//! with 51 routes, one middleware) or by the bare `harrow_server::service_fn`
//! core, in one binary; `metrics` is the App with the metrics layer on and
//! its page at /metrics.
//!
//! `/user/{id}` is a route attribute with its parameter bound by name, as
//! the book writes one; the core strips the prefix and parses the number by
//! hand. `/api/v1/resource{N}/{id}` takes its parameter through `Path<u64>`
//! (App only: the core answers 404 there).
//!
//! Usage: harrow-app PORT [uring|epoll] [app|core|metrics]

use std::time::Duration;

use harrow::metrics::Metrics;
use harrow::middleware::{Next, from_fn};
use harrow::{App, Json, Request, Response};
use harrow_bench::{Message, PLAINTEXT, arg, json_body, port_arg};
use harrow_server::{Body, Config, Driver, service_fn};
use http::{HeaderValue, StatusCode, header};

async fn plaintext() -> &'static str {
    PLAINTEXT
}

async fn json() -> Json<Message> {
    Json(Message { message: PLAINTEXT })
}

#[harrow::get("/user/{id}")]
async fn user(id: u64) -> String {
    format!("user {id}")
}

async fn filler() -> &'static str {
    "filler"
}

async fn filler_param(harrow::Path(id): harrow::Path<u64>) -> String {
    format!("item {id}")
}

/// The one middleware: passes the request on and returns the response.
async fn pass_through(req: Request, next: Next) -> Response {
    next.run(req).await
}

/// 51 routes: the three measured ones and 48 others, half with a parameter.
pub fn app() -> App {
    let mut app = App::new()
        .get("/plaintext", plaintext)
        .get("/json", json)
        .routes(harrow::routes![user]);
    for i in 0..24 {
        app = app
            .get(&format!("/api/v1/resource{i}"), filler)
            .get(&format!("/api/v1/resource{i}/{{id}}"), filler_param);
    }
    app.layer(from_fn(pass_through))
}

/// The bare core answering with the bytes the App sends.
fn core() -> impl harrow_server::Service {
    service_fn(|req: http::Request<Body>, _conn| async move {
        let path = req.uri().path();
        if let Some(id) = path.strip_prefix("/user/") {
            return match id.parse::<u64>() {
                Ok(id) => {
                    let mut res = http::Response::new(Body::from(format!("user {id}")));
                    res.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/plain; charset=utf-8"),
                    );
                    res
                }
                Err(_) => {
                    let mut res = http::Response::new(Body::from(()));
                    *res.status_mut() = StatusCode::BAD_REQUEST;
                    res
                }
            };
        }
        match path {
            "/plaintext" => {
                let mut res = http::Response::new(Body::from(PLAINTEXT));
                res.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                );
                res
            }
            "/json" => {
                let mut res = http::Response::new(Body::from(json_body()));
                res.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                res
            }
            _ => {
                let mut res = http::Response::new(Body::from(()));
                *res.status_mut() = StatusCode::NOT_FOUND;
                res
            }
        }
    })
}

fn main() {
    let port = port_arg();
    let driver = match arg(2).as_deref() {
        None | Some("uring") => Driver::IoUring,
        Some("epoll") => Driver::Epoll,
        Some(other) => panic!("unknown driver {other:?}: use uring or epoll"),
    };
    let config = Config {
        workers: Some(1),
        driver,
        max_connections: 20_000,
        keep_alive_timeout: Some(Duration::from_secs(600)),
        connection_timeout: Some(Duration::from_secs(3600)),
        ..Default::default()
    };
    match arg(3).as_deref() {
        None | Some("app") => {
            let server = harrow::start_with_config(app, ("127.0.0.1", port), config)
                .expect("harrow app failed to start");
            server.wait().expect("harrow app");
        }
        Some("metrics") => {
            let metrics = Metrics::new();
            let app = move || {
                app()
                    .get("/metrics", metrics.endpoint())
                    .layer(metrics.layer())
            };
            let server = harrow::start_with_config(app, ("127.0.0.1", port), config)
                .expect("harrow app failed to start");
            server.wait().expect("harrow app");
        }
        Some("core") => {
            harrow_server::run_with_config(core, ("127.0.0.1", port), config)
                .expect("harrow-server failed");
        }
        Some(other) => panic!("unknown mode {other:?}: use app, core or metrics"),
    }
}
