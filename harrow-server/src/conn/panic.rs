//! The panic boundary around a service: a panic while the service makes its
//! future (the synchronous part of `Service::call`, [`make_guarded`]) or
//! while the future is polled ([`CatchPanic`]) becomes a 500, not a dead
//! worker. Both enter the optional per-request span.
//!
//! A struct future rather than an `async fn` wrapper: the service future is
//! stored once, in place, instead of being copied into an argument slot and
//! again into a pinned local on every request. The request goes to the
//! service through an `Option` the guarded closure borrows, so that the
//! closure stays small and the request is not copied into it.

use std::any::Any;
use std::future::Future;
use std::net::SocketAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use http::header::{self, HeaderValue};
use http::{Response, StatusCode};

use crate::Body;

/// Runs the synchronous part of a service's `call` (`make`), inside `span`
/// when given, catching a panic in it.
pub(crate) fn make_guarded<F>(
    make: impl FnOnce() -> F,
    span: Option<&tracing::Span>,
) -> Result<F, Box<dyn Any + Send>> {
    let _entered = span.map(|s| s.enter());
    catch_unwind(AssertUnwindSafe(make))
}

pin_project_lite::pin_project! {
    /// Polls a service's future, catching a panic in any poll.
    pub(crate) struct CatchPanic<F> {
        #[pin]
        fut: F,
        span: Option<tracing::Span>,
    }
}

impl<F: Future> CatchPanic<F> {
    /// Wraps `fut`, entering `span` (when given) around each poll.
    pub(crate) fn new(fut: F, span: Option<tracing::Span>) -> Self {
        CatchPanic { fut, span }
    }
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.as_ref().map(|s| s.enter());
        let fut = this.fut;
        match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(Poll::Ready(out)) => Poll::Ready(Ok(out)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

/// The 500 a panicking service is answered with, on HTTP/1.1 and HTTP/2
/// alike; the panic is logged with the peer, and the worker lives on.
pub(crate) fn panic_response(remote: SocketAddr, panic: &(dyn Any + Send)) -> Response<Body> {
    tracing::error!(%remote, panic = message(panic), "service panicked; answering 500");
    let mut res = Response::new(Body::from("internal server error\n"));
    *res.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

/// The panic's message, when it carried one.
fn message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}
