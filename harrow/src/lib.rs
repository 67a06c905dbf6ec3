#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

#[doc(hidden)]
pub mod __private;
mod app;
#[cfg(any(
    feature = "fs",
    feature = "compression-gzip",
    feature = "compression-br",
    feature = "compression-zstd"
))]
mod content_coding;
mod context;
#[cfg(feature = "cookies")]
pub mod cookies;
mod error;
pub mod extract;
#[cfg(feature = "fs")]
pub mod fs;
mod handler;
pub mod launch;
#[cfg(feature = "metrics")]
pub mod metrics;
pub mod middleware;
#[cfg(feature = "multipart")]
pub mod multipart;
#[cfg(feature = "openapi")]
pub mod openapi;
mod request;
pub mod response;
pub mod routing;
mod run;
#[cfg(feature = "sessions")]
pub mod sessions;
pub mod test;
#[cfg(feature = "tokio")]
pub mod tokio;
#[cfg(feature = "ws")]
pub mod ws;

pub use app::{App, AppService, Scope};
pub use context::RequestContext;
pub use error::Error;
#[cfg(feature = "json")]
pub use extract::Json;
pub use extract::{Form, FromRequest, FromRequestParts, Path, Query, RemoteAddr, State};
pub use handler::Handler;
pub use request::Request;
pub use response::sse;
pub use response::{Html, IntoResponse, Redirect, Response};
pub use routing::registry::registered_routes;
pub use routing::{Route, RouteError, RouteErrors, RouteTable, Site};
pub use run::{
    StartError, run, run_with_config, serve, serve_with_config, serve_with_shutdown, start,
    start_with_config,
};

pub use bytes::Bytes;
pub use harrow_server::{Body, Config, ConnInfo, Driver, Protocols, ServerHandle, StopHandle};
#[cfg(feature = "tls")]
pub use harrow_server::{ClientAuth, TlsConfig, TlsError, TlsInfo};
/// The `headers` crate, whose types [`TypedHeader`](extract::TypedHeader)
/// extracts and sets (with the `typed-headers` feature).
#[cfg(feature = "typed-headers")]
pub use headers;

/// Runtime helpers that do not name the runtime: sleeping, time limits,
/// spawning on the worker, and [`spawn_blocking`](rt::spawn_blocking) for
/// work that would block the worker's thread.
pub mod rt {
    pub use harrow_server::rt::blocking::spawn_blocking;
    pub use harrow_server::rt::*;
}
pub use http::{self, HeaderMap, Method, StatusCode, Uri, header};

#[cfg(feature = "macros")]
pub use harrow_macros::{delete, get, head, main, options, patch, post, put, route};

/// The names most handlers need: `use harrow::prelude::*;`.
pub mod prelude {
    #[cfg(feature = "json")]
    pub use crate::Json;
    #[cfg(feature = "openapi")]
    pub use crate::openapi::{JsonSchema, schemars};
    pub use crate::routes;
    pub use crate::{
        App, Body, Bytes, Error, Form, HeaderMap, Html, IntoResponse, Method, Path, Query,
        Redirect, Request, Response, Route, Scope, State, StatusCode,
    };
    #[cfg(feature = "macros")]
    pub use crate::{delete, get, head, options, patch, post, put, route};
}
