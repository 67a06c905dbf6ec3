//! A program whose entry point is `#[harrow::main]`, run as a child process
//! by `tests/macros.rs` to check what a user sees: the route table, the
//! bound address, a graceful exit on SIGTERM, and one-line errors.
//!
//! With `FIXTURE_DUPLICATE` set, the factory adds two builder routes: one
//! duplicates the attribute route `GET /hello`, the other conflicts with
//! `GET /users/{id}`. With `FIXTURE_STUCK` set, the factory prints
//! `worker stuck` and hangs for a minute on the worker threads (not on the
//! main thread, where the routes are checked first), as one waiting for a
//! database that is down would.

use harrow::prelude::*;

#[get("/hello")]
async fn hello() -> &'static str {
    "Hello, world!"
}

#[get("/users/{id}")]
async fn user(id: u64) -> String {
    format!("user {id}")
}

async fn other() -> &'static str {
    "other"
}

/// Served under `/admin` behind a token check, and nowhere else.
mod admin {
    use harrow::middleware::{Next, from_fn};
    use harrow::prelude::*;

    #[get("/stats")]
    async fn stats() -> &'static str {
        "secret stats"
    }

    async fn require_token(req: Request, next: Next) -> Response {
        match req.headers().get("x-token") {
            Some(token) if token == "s3cret" => next.run(req).await,
            _ => StatusCode::UNAUTHORIZED.into_response(),
        }
    }

    pub(crate) fn scope() -> Scope {
        Scope::module(module_path!()).layer(from_fn(require_token))
    }
}

/// One-time setup: it installs a `tracing` subscriber, which panics when
/// done twice, and prints `setup ran`.
fn setup() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    println!("setup ran");
}

#[harrow::main(addr = "127.0.0.1:0", workers = 2, drain_timeout = "5s", setup = setup)]
fn main() -> App {
    let on_worker = std::thread::current()
        .name()
        .is_some_and(|n| n.starts_with("harrow-worker"));
    if on_worker && std::env::var_os("FIXTURE_STUCK").is_some() {
        println!("worker stuck");
        std::thread::sleep(std::time::Duration::from_secs(60));
    }
    let app = App::new().nest("/admin", admin::scope());
    if std::env::var_os("FIXTURE_DUPLICATE").is_some() {
        app.get("/hello", other).get("/users/{name}", other)
    } else {
        app
    }
}
