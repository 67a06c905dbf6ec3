//! Middleware: async code around handlers, in the `(request, next) ->
//! response` shape.
//!
//! Write one with [`from_fn`] or by implementing [`Middleware`], then add it
//! to the whole application with [`App::layer`](crate::App::layer) (it also
//! sees 404 and 405 answers) or to a group of routes with
//! [`Scope::layer`](crate::Scope::layer). The layer added last runs first.
//!
//! Built in: [`SetRequestId`], [`Timeout`], [`CatchPanic`], [`Cors`],
//! [`AccessLog`], with a `compression` feature `Compression`, and with the
//! `metrics` feature the layer of `harrow::metrics`.

mod access_log;
mod catch_panic;
#[cfg(any(
    feature = "compression-gzip",
    feature = "compression-br",
    feature = "compression-zstd"
))]
mod compression;
mod cors;
mod request_id;
mod timeout;

use std::future::Future;
use std::rc::Rc;

use crate::context::RequestContext;
use crate::handler::{BoxEndpoint, BoxFuture, Endpoint};
use crate::request::Request;
use crate::response::future::ResponseFuture;
use crate::response::{IntoResponse, Response};

pub use access_log::AccessLog;
pub use catch_panic::CatchPanic;
pub(crate) use catch_panic::CatchUnwind;
#[cfg(any(
    feature = "compression-gzip",
    feature = "compression-br",
    feature = "compression-zstd"
))]
pub use compression::Compression;
pub use cors::Cors;
pub use request_id::{RequestId, SetRequestId};
pub use timeout::Timeout;

/// Code that runs around the rest of the chain: it may inspect or change
/// the request, answer by itself, call [`Next::run`], and change the response.
///
/// ```
/// use harrow::middleware::{Middleware, Next};
/// use harrow::{Request, Response};
///
/// struct PoweredBy;
///
/// impl Middleware for PoweredBy {
///     async fn call(&self, req: Request, next: Next) -> Response {
///         let mut res = next.run(req).await;
///         res.headers_mut().insert("x-powered-by", "harrow".parse().unwrap());
///         res
///     }
/// }
/// let app = harrow::App::new().layer(PoweredBy);
/// # let _ = app;
/// ```
pub trait Middleware: 'static {
    /// Handles one request; the future need not be `Send`.
    fn call(&self, req: Request, next: Next) -> impl Future<Output = Response>;

    /// [`call`](Middleware::call) with its future boxed, as the erased chain
    /// runs it; not for users to call or override. The future borrows the
    /// middleware, so the box holds both, and the request and `Next` wait
    /// in it until the first poll moves them into the future: twice their
    /// size. [`FromFn`], whose future borrows nothing, boxes it alone.
    #[doc(hidden)]
    fn __call_boxed(self: Rc<Self>, req: Request, next: Next) -> BoxFuture {
        Box::pin(async move { Middleware::call(&*self, req, next).await })
    }
}

/// The rest of the chain (inner middleware, then the router or handler),
/// and the request's context.
pub struct Next {
    endpoint: BoxEndpoint,
    cx: RequestContext,
}

impl Next {
    /// The request's context: the app's state and what the server knows of
    /// the connection (the path parameters are known after routing, inside).
    ///
    /// ```
    /// use harrow::middleware::{from_fn, Next};
    /// use harrow::{Request, Response};
    ///
    /// async fn log_peer(req: Request, next: Next) -> Response {
    ///     let peer = next.context().remote_addr();
    ///     let res = next.run(req).await;
    ///     println!("{peer} got {}", res.status());
    ///     res
    /// }
    /// let app = harrow::App::new().layer(from_fn(log_peer));
    /// # let _ = app;
    /// ```
    pub fn context(&self) -> &RequestContext {
        &self.cx
    }

    /// Passes the request on; the returned future yields the response.
    ///
    /// The inner chain picks its route when this is called and runs when the
    /// future is polled; the future owns everything it needs (`'static`).
    pub fn run(self, req: Request) -> impl Future<Output = Response> + 'static {
        self.run_boxed(req)
    }

    /// The context, to change before passing the request on.
    #[cfg(feature = "metrics")]
    pub(crate) fn context_mut(&mut self) -> &mut RequestContext {
        &mut self.cx
    }

    /// [`Next::run`] as the boxed future it is, for callers that need one.
    pub(crate) fn run_boxed(self, req: Request) -> BoxFuture {
        self.endpoint.call(req, self.cx)
    }
}

impl std::fmt::Debug for Next {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Next")
    }
}

/// Turns an async function `(Request, Next) -> impl IntoResponse` into a
/// [`Middleware`].
///
/// ```
/// use harrow::middleware::{from_fn, Next};
/// use harrow::{App, IntoResponse, Request, Response, StatusCode};
///
/// async fn require_key(req: Request, next: Next) -> Response {
///     if req.headers().contains_key("x-key") {
///         next.run(req).await
///     } else {
///         (StatusCode::UNAUTHORIZED, "missing x-key header").into_response()
///     }
/// }
/// let app = App::new().layer(from_fn(require_key));
/// # let _ = app;
/// ```
pub fn from_fn<F, Fut, R>(f: F) -> FromFn<F>
where
    F: Fn(Request, Next) -> Fut + 'static,
    Fut: Future<Output = R>,
    R: IntoResponse,
{
    FromFn(f)
}

/// A middleware made from an async function; see [`from_fn`].
#[derive(Clone, Copy, Debug)]
pub struct FromFn<F>(F);

impl<F, Fut, R> Middleware for FromFn<F>
where
    F: Fn(Request, Next) -> Fut + 'static,
    Fut: Future<Output = R> + 'static,
    R: IntoResponse,
{
    fn call(&self, req: Request, next: Next) -> impl Future<Output = Response> {
        ResponseFuture::pending((self.0)(req, next))
    }

    fn __call_boxed(self: Rc<Self>, req: Request, next: Next) -> BoxFuture {
        Box::pin(ResponseFuture::pending((self.0)(req, next)))
    }
}

/// A middleware behind an `Rc`, with its future boxed.
pub(crate) trait DynMiddleware {
    fn call_boxed(self: Rc<Self>, req: Request, next: Next) -> BoxFuture;
}

impl<M: Middleware> DynMiddleware for M {
    fn call_boxed(self: Rc<Self>, req: Request, next: Next) -> BoxFuture {
        Middleware::__call_boxed(self, req, next)
    }
}

/// A shared middleware, as apps and scopes keep them.
pub(crate) type SharedMiddleware = Rc<dyn DynMiddleware>;

/// An endpoint behind one middleware.
struct Layered {
    middleware: SharedMiddleware,
    next: BoxEndpoint,
}

impl Endpoint for Layered {
    fn call(&self, req: Request, cx: RequestContext) -> BoxFuture {
        let next = Next {
            endpoint: self.next.clone(),
            cx,
        };
        self.middleware.clone().call_boxed(req, next)
    }
}

/// Wraps `endpoint` in `layers`, the first innermost.
pub(crate) fn wrap(mut endpoint: BoxEndpoint, layers: &[SharedMiddleware]) -> BoxEndpoint {
    for middleware in layers {
        endpoint = Rc::new(Layered {
            middleware: middleware.clone(),
            next: endpoint,
        });
    }
    endpoint
}
