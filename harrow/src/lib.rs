//! Harrow: a web framework with Rocket's ergonomics on an io_uring,
//! thread-per-core server core.
//!
//! An [`App`] collects routes, per-worker state, middleware and settings.
//! Handlers are async functions whose arguments are [extractors](extract)
//! and whose return value implements [`IntoResponse`]. The app factory runs
//! once per worker thread, so state may hold `Rc` and `RefCell`, and
//! handler futures need not be `Send`.
//!
//! ```no_run
//! use harrow::{App, Json, Path};
//!
//! async fn hello() -> &'static str {
//!     "Hello, world!"
//! }
//!
//! async fn user(Path(id): Path<u64>) -> String {
//!     format!("user {id}")
//! }
//!
//! async fn echo(Json(body): Json<serde_json::Value>) -> Json<serde_json::Value> {
//!     Json(body)
//! }
//!
//! fn main() -> Result<(), harrow::StartError> {
//!     harrow::run(
//!         || App::new().get("/hello", hello).get("/users/{id}", user).post("/echo", echo),
//!         "127.0.0.1:3000",
//!     )
//! }
//! ```
//!
//! The pieces, following a request:
//!
//! * [`run`], [`start`], [`serve`]: check the routes, then hand the app to
//!   the server core (`harrow-server`).
//! * [`middleware`]: async code around the app or a [`Scope`]; request id,
//!   timeout, catch-panic, CORS and access log are built in.
//! * [`routing`]: [`Route`] values and the router: `{param}` and `{*rest}`
//!   templates, 404, 405 with `Allow`, HEAD answered by GET, OPTIONS.
//! * [`extract`]: `Path`, `Query`, `Json`, `Form`, `State`, headers, body.
//! * [`response`]: [`IntoResponse`] for text, bytes, JSON, HTML, redirects,
//!   status codes, tuples, `Result` and streams; [`Error`] for failures.
//! * [`test`](mod@test): an in-process [`TestClient`](test::TestClient) and a real
//!   server on port 0.
#![forbid(unsafe_code)]

mod app;
mod error;
pub mod extract;
mod handler;
pub mod middleware;
mod request;
pub mod response;
pub mod routing;
mod run;
pub mod test;

pub use app::{App, AppService, Scope};
pub use error::Error;
#[cfg(feature = "json")]
pub use extract::Json;
pub use extract::{Form, FromRequest, FromRequestParts, Path, Query, State};
pub use handler::Handler;
pub use request::Request;
pub use response::{Html, IntoResponse, Redirect, Response};
pub use routing::{Route, RouteError, RouteTable, Site};
pub use run::{
    StartError, run, run_with_config, serve, serve_until_signal, serve_with_config,
    serve_with_shutdown, start, start_with_config,
};

pub use bytes::Bytes;
pub use harrow_server::{Body, Config, RemoteAddr, ServerHandle, StopHandle, rt};
pub use http::{self, HeaderMap, Method, StatusCode, Uri, header};

#[cfg(feature = "macros")]
pub use harrow_macros::{delete, get, head, main, options, patch, post, put, route};

/// The names most handlers need: `use harrow::prelude::*;`.
pub mod prelude {
    #[cfg(feature = "json")]
    pub use crate::Json;
    pub use crate::{
        App, Body, Bytes, Error, Form, HeaderMap, Html, IntoResponse, Method, Path, Query,
        Redirect, Request, Response, Route, Scope, State, StatusCode,
    };
    #[cfg(feature = "macros")]
    pub use crate::{delete, get, head, options, patch, post, put, route};
}
