//! Running a service future so that a panic becomes an `Err`, not a dead
//! worker, with the request's peer as the current [`RemoteAddr`] and,
//! optionally, inside a per-request span.
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

use crate::RemoteAddr;

pin_project_lite::pin_project! {
    /// Polls the inner future, catching a panic from any poll.
    pub(crate) struct CatchPanic<F> {
        #[pin]
        fut: F,
        span: Option<tracing::Span>,
        remote: SocketAddr,
    }
}

impl<F: Future> CatchPanic<F> {
    /// Wraps `fut`, entering `span` (when given) and making `remote` the
    /// current [`RemoteAddr`] around each poll.
    pub(crate) fn new(fut: F, span: Option<tracing::Span>, remote: SocketAddr) -> Self {
        CatchPanic { fut, span, remote }
    }
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.as_ref().map(|s| s.enter());
        let fut = this.fut;
        let polled = RemoteAddr::scope(*this.remote, || {
            catch_unwind(AssertUnwindSafe(|| fut.poll(cx)))
        });
        match polled {
            Ok(Poll::Ready(out)) => Poll::Ready(Ok(out)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

/// The panic's message, when it carried one.
pub(crate) fn message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}
