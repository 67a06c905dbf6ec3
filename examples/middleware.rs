//! Middleware: the built-ins on the whole app, a hand-written one on a scope.
//!
//! `cargo run --example middleware`, then `curl -i localhost:3000/hello`
//! (see `x-request-id`), `curl -i localhost:3000/admin/stats` (401) and
//! `curl -i -H 'x-admin-token: letmein' localhost:3000/admin/stats`.
//! Set `RUST_LOG`-style output up with any `tracing` subscriber to see the
//! access log.

use std::time::Duration;

use harrow::middleware::{AccessLog, Cors, Next, SetRequestId, Timeout, from_fn};
use harrow::{App, IntoResponse, Request, Response, Scope, StatusCode};

async fn hello() -> &'static str {
    "hello\n"
}

async fn stats() -> &'static str {
    "42 users\n"
}

/// Lets a request through only with the right token.
async fn require_token(req: Request, next: Next) -> Response {
    match req.headers().get("x-admin-token") {
        Some(token) if token == "letmein" => next.run(req).await,
        _ => (StatusCode::UNAUTHORIZED, "admin token required\n").into_response(),
    }
}

fn app() -> App {
    let admin = Scope::new()
        .get("/stats", stats)
        .layer(from_fn(require_token));
    App::new()
        .get("/hello", hello)
        .nest("/admin", admin)
        // The layer added last runs first: the request id is set before the
        // access log records the request.
        .layer(Timeout::new(Duration::from_secs(5)))
        .layer(Cors::new().allow_origin("http://localhost:8080"))
        .layer(AccessLog::new())
        .layer(SetRequestId::new())
}

fn main() -> Result<(), harrow::StartError> {
    harrow::run(app, "127.0.0.1:3000")
}
