//! The HTTP/1.1 and HTTP/2 server core of Harrow, on monoio (io_uring, or
//! epoll where io_uring is refused), thread-per-core.
//!
//! It serves any [`Service`]: a value that turns an `http::Request<Body>`
//! into an `http::Response<Body>`. It knows nothing of routes; the `harrow`
//! crate builds its framework on top.
//!
//! ```no_run
//! use harrow_server::{service_fn, Body};
//!
//! fn main() -> Result<(), harrow_server::Error> {
//!     // The factory runs once per worker thread.
//!     harrow_server::run(
//!         || service_fn(|_req, _conn| async { http::Response::new(Body::from("Hello, World!")) }),
//!         "127.0.0.1:3000",
//!     )
//! }
//! ```
//!
//! # Architecture
//!
//! * `codec` — a sans-IO HTTP/1.1 codec: bytes in, heads and body chunks
//!   out; responses in, bytes out. It never touches a socket.
//! * `semantics` — the HTTP rules both protocols share.
//! * `conn` — the only code that does connection IO: it reads the first
//!   bytes to choose the protocol, then serves HTTP/1.1 (an IO half and a
//!   protocol half) or HTTP/2; `conn::wait` is the one table of deadlines.
//! * `worker` — one thread, one monoio runtime, one `SO_REUSEPORT`
//!   listener, the accept loop and the drain.
//! * `shared` — what a worker's connections share, below both.
//! * `timer` — one deadline sweep per worker; an expired deadline cancels the
//!   connection's in-flight operation, which is then awaited to completion
//!   before its buffer is reused (the io_uring cancellation-safety rule).
//! * `buffers` — per-worker pools of read and write buffers, and the arena
//!   request heads are copied into.
//!
//! # Cargo features
//!
//! * `http2` (off by default): HTTP/2 with prior knowledge on the same port,
//!   through the `h2` crate, when [`Config::enable_http2`] is set. Without
//!   it, [`Config::validate`] refuses `enable_http2` and
//!   `Protocols::Http2Only`.
//! * `tls` (off by default): HTTPS through rustls when [`Config::tls`] is
//!   set, with ALPN choosing HTTP/2 or HTTP/1.1, client certificates,
//!   certificate reloads without a restart, and a plain listener that
//!   redirects to HTTPS ([`TlsConfig::redirect_from`]).
//! * `unstable` (off by default, no semver promise): opens the HTTP/1.1
//!   codec (`codec`) and the HTTP/2 frame guard (`frame_guard`) to the fuzz
//!   targets and the benchmarks.

#![cfg_attr(not(test), warn(clippy::unwrap_used))]

mod body;
mod bootstrap;
mod buffers;
#[cfg(feature = "unstable")]
#[doc(hidden)]
pub mod codec;
#[cfg(not(feature = "unstable"))]
mod codec;
mod config;
mod conn;
mod driver;
mod error;
#[cfg(all(feature = "unstable", feature = "http2"))]
#[doc(hidden)]
pub mod frame_guard;
mod log;
mod redirect;
pub mod rt;
mod semantics;
mod service;
mod shared;
mod shutdown;
pub mod stats;
mod timer;
#[cfg(feature = "tls")]
mod tls;
pub mod upgrade;
mod worker;

pub use body::{Body, BoxError, CollectError};
pub use bootstrap::{
    run, run_with_config, serve, serve_with_config, serve_with_shutdown, start, start_with_config,
};
pub use codec::Trailers;
pub use config::{Config, ConfigError, Driver, Protocols};
pub use error::Error;
pub use service::{ConnInfo, Service, ServiceFn, service_fn};
pub use shutdown::{ServerHandle, StopHandle};
pub use stats::{ServerStats, WorkerStats};
#[cfg(feature = "tls")]
pub use tls::{CertificateDer, ClientAuth, TlsConfig, TlsError, TlsInfo};
