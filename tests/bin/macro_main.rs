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

#[harrow::main(addr = "127.0.0.1:0", workers = 2, drain_timeout = "5s")]
fn main() -> App {
    let on_worker = std::thread::current()
        .name()
        .is_some_and(|n| n.starts_with("harrow-worker"));
    if on_worker && std::env::var_os("FIXTURE_STUCK").is_some() {
        println!("worker stuck");
        std::thread::sleep(std::time::Duration::from_secs(60));
    }
    let app = App::new();
    if std::env::var_os("FIXTURE_DUPLICATE").is_some() {
        app.get("/hello", other).get("/users/{name}", other)
    } else {
        app
    }
}
