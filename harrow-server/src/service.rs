//! The service trait: what the server calls for each request.

use std::cell::Cell;
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

/// The peer's address.
///
/// The server does not put it in each request's extensions (that map costs
/// three allocations per request); instead, while it polls a service's
/// future it makes the address of that request's peer available to
/// [`RemoteAddr::current`]. [`RemoteAddr::of`] looks in the extensions first,
/// so a test client or a proxy middleware can still set one there.
///
/// ```
/// use harrow_server::{service_fn, Body, RemoteAddr};
/// let svc = service_fn(|req: http::Request<Body>| async move {
///     let peer = RemoteAddr::of(req.extensions()).map(|a| a.0.to_string());
///     http::Response::new(Body::from(peer.unwrap_or_default()))
/// });
/// # let _ = svc;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteAddr(pub SocketAddr);

thread_local! {
    static CURRENT: Cell<Option<SocketAddr>> = const { Cell::new(None) };
}

impl RemoteAddr {
    /// The peer of the request whose service future the server is polling
    /// on this thread right now; `None` outside such a poll (for instance in
    /// a task the service spawned).
    pub fn current() -> Option<RemoteAddr> {
        CURRENT.with(Cell::get).map(RemoteAddr)
    }

    /// A `RemoteAddr` from the request's extensions, else [`current`](Self::current).
    pub fn of(extensions: &http::Extensions) -> Option<RemoteAddr> {
        extensions
            .get::<RemoteAddr>()
            .copied()
            .or_else(RemoteAddr::current)
    }

    /// Runs `f` with `addr` as the current peer (restored afterwards).
    pub(crate) fn scope<R>(addr: SocketAddr, f: impl FnOnce() -> R) -> R {
        struct Restore(Option<SocketAddr>);
        impl Drop for Restore {
            fn drop(&mut self) {
                CURRENT.with(|c| c.set(self.0));
            }
        }
        let _restore = Restore(CURRENT.with(|c| c.replace(Some(addr))));
        f()
    }
}
