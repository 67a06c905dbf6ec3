//! Macro routes beside builder routes: `cargo run --example macros`.
//!
//! * `GET /api/users/{id}` and `POST /api/echo` come from route attributes in
//!   a module, found without being listed;
//! * `GET /count` is an attribute route reading per-worker state;
//! * `GET /health` and everything under `/admin` are added with the builder.
//!
//! ```text
//! curl http://127.0.0.1:3000/api/users/7      → user 7
//! curl http://127.0.0.1:3000/api/users/x      → 400, names `id`
//! curl -d hi http://127.0.0.1:3000/api/echo   → hi
//! curl http://127.0.0.1:3000/admin/stats      → stats
//! ```

use std::cell::Cell;
use std::rc::Rc;

use harrow::prelude::*;

mod api {
    use harrow::prelude::*;

    /// A path parameter bound by name and parsed as `u64`.
    #[get("/api/users/{id}")]
    async fn user(id: u64) -> String {
        format!("user {id}")
    }

    /// The body, echoed back.
    #[post("/api/echo")]
    async fn echo(body: String) -> String {
        body
    }
}

/// Counts requests on the worker that serves them (one counter per worker).
#[get("/count")]
async fn count(State(hits): State<Rc<Cell<u64>>>) -> String {
    hits.set(hits.get() + 1);
    format!("{} requests on this worker", hits.get())
}

/// A plain async fn, added with the builder.
async fn health() -> &'static str {
    "ok"
}

/// Another one, mounted under a prefix.
async fn stats() -> &'static str {
    "stats"
}

#[harrow::main]
fn main() -> App {
    App::new()
        .state(Rc::new(Cell::new(0u64)))
        .get("/health", health)
        .nest("/admin", Scope::new().get("/stats", stats))
}
