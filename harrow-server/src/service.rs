//! The service trait: what the server calls for each request.

use std::future::Future;
use std::net::SocketAddr;
use std::rc::Rc;

use http::{Request, Response};

use crate::Body;

/// Turns a request into a response. One value lives on each worker, so
/// neither the service nor its futures need to be `Send`.
///
/// ```
/// use harrow_server::{service_fn, Body};
/// let svc = service_fn(|_req: http::Request<Body>| async {
///     http::Response::new(Body::from("hi"))
/// });
/// # let _ = svc;
/// ```
pub trait Service: 'static {
    /// Handles one request.
    fn call(&self, req: Request<Body>) -> impl Future<Output = Response<Body>>;
}

impl<S: Service> Service for Rc<S> {
    fn call(&self, req: Request<Body>) -> impl Future<Output = Response<Body>> {
        (**self).call(req)
    }
}

/// A service made from a closure; see [`service_fn`].
#[derive(Clone)]
pub struct ServiceFn<F>(F);

/// Wraps an async closure as a [`Service`].
pub fn service_fn<F, Fut>(f: F) -> ServiceFn<F>
where
    F: Fn(Request<Body>) -> Fut + 'static,
    Fut: Future<Output = Response<Body>>,
{
    ServiceFn(f)
}

impl<F, Fut> Service for ServiceFn<F>
where
    F: Fn(Request<Body>) -> Fut + 'static,
    Fut: Future<Output = Response<Body>>,
{
    fn call(&self, req: Request<Body>) -> impl Future<Output = Response<Body>> {
        (self.0)(req)
    }
}

/// The peer's address, found in every request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteAddr(pub SocketAddr);
