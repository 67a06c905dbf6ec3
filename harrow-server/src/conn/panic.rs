//! The panic boundary around a service: a panic while the service makes its
//! future (the synchronous part of `Service::call`) or while the future is
//! polled becomes a 500, not a dead worker. It also enters the optional
//! per-request span around the call and each poll.
//!
//! A struct future rather than an `async fn` wrapper: the service future is
//! stored once, in place, instead of being copied into an argument slot and
//! again into a pinned local on every request.

use std::any::Any;
use std::future::Future;
use std::net::SocketAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use http::header::{self, HeaderValue};
use http::{Response, StatusCode};

use crate::Body;

pin_project_lite::pin_project! {
    /// The service's future, or the panic that stopped it being made.
    #[project = CallProj]
    enum Call<F> {
        Running { #[pin] fut: F },
        Panicked { payload: Option<Box<dyn Any + Send>> },
    }
}

pin_project_lite::pin_project! {
    /// Calls a service and polls its future, catching a panic in either.
    pub(crate) struct CatchPanic<F> {
        #[pin]
        call: Call<F>,
        span: Option<tracing::Span>,
    }
}

impl<F: Future> CatchPanic<F> {
    /// Calls `make` (the service's `call`) at once and wraps its future,
    /// entering `span` (when given) around the call and each poll.
    pub(crate) fn new(make: impl FnOnce() -> F, span: Option<tracing::Span>) -> Self {
        let made = {
            let _entered = span.as_ref().map(|s| s.enter());
            catch_unwind(AssertUnwindSafe(make))
        };
        let call = match made {
            Ok(fut) => Call::Running { fut },
            Err(payload) => Call::Panicked {
                payload: Some(payload),
            },
        };
        CatchPanic { call, span }
    }
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let fut = match this.call.project() {
            CallProj::Running { fut } => fut,
            CallProj::Panicked { payload } => {
                let payload = payload
                    .take()
                    .unwrap_or_else(|| Box::new("polled after its panic was reported"));
                return Poll::Ready(Err(payload));
            }
        };
        let _entered = this.span.as_ref().map(|s| s.enter());
        let polled = catch_unwind(AssertUnwindSafe(|| fut.poll(cx)));
        match polled {
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
