//! `ResponseFuture`: a response that is either known now or still being
//! computed, without an `async` block around it.
//!
//! An `async move { fut.await.into_response() }` block keeps `fut` twice in
//! its state (once as the captured variable, once as the future it awaits),
//! and a wrapper that extracts arguments before the handler runs keeps the
//! request it took apart beside its parts. The request chain moves these
//! futures into boxes; every byte in them is copied there, and past glibc's
//! per-thread cache (1 KiB) a box is far dearer to allocate. This type maps
//! the output in place and answers a rejection at once, with neither cost.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::{IntoResponse, Response};

pin_project! {
    /// A response future: `Ready` holds a response known before any work
    /// (a rejection, an early answer), `Pending` a future whose output
    /// converts into one. The ready response is boxed: it is the rare path,
    /// and inline it would make every pending future at least as large as
    /// a `Response`.
    // pin_project! takes no doc comments on the variants' fields.
    #[allow(missing_docs)]
    #[project = Projected]
    pub enum ResponseFuture<F> {
        /// A response known now; taken on the first poll.
        Ready { response: Option<Box<Response>> },
        /// A future whose output becomes the response.
        Pending { #[pin] future: F },
    }
}

impl<F> ResponseFuture<F> {
    /// A future that yields `response` on its first poll.
    pub fn ready(response: Response) -> Self {
        ResponseFuture::Ready {
            response: Some(Box::new(response)),
        }
    }

    /// A future that converts the output of `future` into a response.
    pub fn pending(future: F) -> Self {
        ResponseFuture::Pending { future }
    }
}

impl<F> Future for ResponseFuture<F>
where
    F: Future,
    F::Output: IntoResponse,
{
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        match self.project() {
            Projected::Ready { response } => Poll::Ready(
                *response
                    .take()
                    .expect("a ready ResponseFuture polled after it completed"),
            ),
            Projected::Pending { future } => future.poll(cx).map(IntoResponse::into_response),
        }
    }
}

impl<F> std::fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResponseFuture::Ready { .. } => f.write_str("ResponseFuture::Ready"),
            ResponseFuture::Pending { .. } => f.write_str("ResponseFuture::Pending"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;

    #[test]
    fn ready_and_pending_both_yield_a_response() {
        let ready: ResponseFuture<std::future::Ready<&str>> =
            ResponseFuture::ready(StatusCode::IM_A_TEAPOT.into_response());
        let res = harrow_server::rt::block_on(ready);
        assert_eq!(res.status(), StatusCode::IM_A_TEAPOT);
        let pending = ResponseFuture::pending(async { (StatusCode::CREATED, "made") });
        let res = harrow_server::rt::block_on(pending);
        assert_eq!(res.status(), StatusCode::CREATED);
    }

    #[test]
    fn mapping_a_future_adds_a_word_at_most() {
        fn size<T>(_: &T) -> usize {
            std::mem::size_of::<T>()
        }
        let small = async { "hi" };
        let mapped = ResponseFuture::pending(async { "hi" });
        assert!(size(&mapped) <= size(&small) + 16, "{}", size(&mapped));
    }
}
