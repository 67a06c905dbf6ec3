//! The service trait: what the server calls for each request, with what it
//! knows of the request's connection.

use std::future::Future;
use std::net::SocketAddr;
use std::rc::Rc;

use http::{Request, Response};

use crate::Body;
use crate::stats::ServerStats;

/// Turns a request into a response. One value lives on each worker, so
/// neither the service nor its futures need to be `Send`.
///
/// With each request the server hands over what it knows of the
/// connection the request came on, as a [`ConnInfo`].
///
/// ```
/// use harrow_server::{service_fn, Body};
/// let svc = service_fn(|_req: http::Request<Body>, conn: harrow_server::ConnInfo| async move {
///     http::Response::new(Body::from(format!("hello, {}", conn.remote())))
/// });
/// # let _ = svc;
/// ```
pub trait Service: 'static {
    /// Handles one request that came on the connection `conn`.
    fn call(&self, req: Request<Body>, conn: ConnInfo) -> impl Future<Output = Response<Body>>;

    /// Called once on each worker's thread, before the worker accepts a
    /// connection, with the statistics of the whole server (every worker's
    /// counters), for a service that reports them, on a metrics page say.
    /// Does nothing unless overridden.
    fn on_worker_start(&self, stats: &ServerStats) {
        let _ = stats;
    }
}

impl<S: Service> Service for Rc<S> {
    fn call(&self, req: Request<Body>, conn: ConnInfo) -> impl Future<Output = Response<Body>> {
        (**self).call(req, conn)
    }

    fn on_worker_start(&self, stats: &ServerStats) {
        (**self).on_worker_start(stats);
    }
}

/// What the server knows of the connection a request came on: the peer's
/// address, and whether (and how) it is encrypted.
///
/// Cheap to clone; the server makes one per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnInfo {
    remote: SocketAddr,
    #[cfg(feature = "tls")]
    tls: Option<std::sync::Arc<crate::TlsInfo>>,
}

impl ConnInfo {
    /// What is known of a connection from `remote`; for tests and in-process
    /// clients that call a service without a socket.
    pub fn new(remote: SocketAddr) -> Self {
        ConnInfo {
            remote,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }

    /// The same, for a connection over TLS with the session `tls`.
    #[cfg(feature = "tls")]
    pub fn with_tls(mut self, tls: std::sync::Arc<crate::TlsInfo>) -> Self {
        self.tls = Some(tls);
        self
    }

    /// The peer's address.
    pub fn remote(&self) -> SocketAddr {
        self.remote
    }

    /// The TLS session the connection runs over; `None` for plain HTTP.
    #[cfg(feature = "tls")]
    pub fn tls(&self) -> Option<&crate::TlsInfo> {
        self.tls.as_deref()
    }

    /// `"https"` for a connection over TLS, else `"http"`.
    pub fn scheme(&self) -> &'static str {
        #[cfg(feature = "tls")]
        if self.tls.is_some() {
            return "https";
        }
        "http"
    }
}

/// A service made from a closure; see [`service_fn`].
#[derive(Clone)]
pub struct ServiceFn<F>(F);

/// Wraps an async closure taking the request and its [`ConnInfo`] as a
/// [`Service`].
pub fn service_fn<F, Fut>(f: F) -> ServiceFn<F>
where
    F: Fn(Request<Body>, ConnInfo) -> Fut + 'static,
    Fut: Future<Output = Response<Body>>,
{
    ServiceFn(f)
}

impl<F, Fut> Service for ServiceFn<F>
where
    F: Fn(Request<Body>, ConnInfo) -> Fut + 'static,
    Fut: Future<Output = Response<Body>>,
{
    fn call(&self, req: Request<Body>, conn: ConnInfo) -> impl Future<Output = Response<Body>> {
        (self.0)(req, conn)
    }
}
