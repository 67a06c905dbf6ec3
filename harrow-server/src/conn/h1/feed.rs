//! A request body handed to the service while the connection is still
//! reading it: HTTP/1.1 bodies past the first 64 KiB.
//!
//! The connection and the body share a [`Feed`]. The body asks for the next
//! chunk; the connection's pump reads only then (the service's pace is the
//! backpressure), decodes, and hands the chunk over. Both run in the
//! connection's task, so the feed needs no locking.

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;

use crate::BoxError;
use crate::body::{BodyTimedOut, LimitExceeded};

/// Why the body ended early, as the service sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FeedError {
    /// More than `max_body_size` bytes.
    TooLarge(u64),
    /// The body deadline passed.
    TimedOut,
    /// Bad chunked framing, or the connection closed mid-body.
    Broken(&'static str),
}

#[derive(Default)]
struct State {
    /// Decoded bytes the service has not taken yet.
    chunk: Option<Bytes>,
    /// Set once the body is complete (`Ok`) or failed.
    end: Option<Result<(), FeedError>>,
    /// The service is waiting for a chunk.
    wanted: bool,
    /// The service will read no more (it answered, or dropped the body).
    stopped: bool,
    service: Option<Waker>,
    pump: Option<Waker>,
}

/// The state shared by the connection's pump and the service's body.
#[derive(Default)]
pub(crate) struct Feed {
    state: RefCell<State>,
}

impl Feed {
    /// A feed whose first chunk (decoded before the service was called) is ready.
    pub(crate) fn new(first: Bytes) -> Rc<Feed> {
        let feed = Feed::default();
        if !first.is_empty() {
            feed.state.borrow_mut().chunk = Some(first);
        }
        Rc::new(feed)
    }

    /// The body stream to give the service.
    pub(crate) fn body(self: &Rc<Self>) -> FeedBody {
        FeedBody(self.clone())
    }

    /// Resolves to `true` once the service wants a chunk, `false` once it
    /// will read no more.
    pub(crate) fn poll_wanted(&self, cx: &mut Context<'_>) -> Poll<bool> {
        let mut s = self.state.borrow_mut();
        if s.stopped {
            Poll::Ready(false)
        } else if s.wanted && s.chunk.is_none() {
            Poll::Ready(true)
        } else {
            s.pump = Some(cx.waker().clone());
            Poll::Pending
        }
    }

    /// Hands a decoded chunk to the service.
    pub(crate) fn push(&self, chunk: Bytes) {
        let mut s = self.state.borrow_mut();
        s.chunk = Some(chunk);
        s.wanted = false;
        wake(&mut s.service);
    }

    /// Ends the body: complete, or with an error the service will see. The
    /// first end stands.
    pub(crate) fn end(&self, result: Result<(), FeedError>) {
        let mut s = self.state.borrow_mut();
        if s.end.is_none() {
            s.end = Some(result);
        }
        wake(&mut s.service);
    }

    /// The service answered (or dropped the body): the connection reads no
    /// more of it. A body still held somewhere (returned as the response,
    /// handed to a task) ends with an error instead of waiting forever.
    pub(crate) fn stop(&self) {
        let mut s = self.state.borrow_mut();
        s.stopped = true;
        if s.end.is_none() {
            s.end = Some(Err(FeedError::Broken(
                "the rest of the request body was not read: the answer came first",
            )));
        }
        wake(&mut s.pump);
        wake(&mut s.service);
    }
}

fn wake(slot: &mut Option<Waker>) {
    if let Some(w) = slot.take() {
        w.wake();
    }
}

/// The service's end of a [`Feed`].
pub(crate) struct FeedBody(Rc<Feed>);

impl futures_core::Stream for FeedBody {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut s = self.0.state.borrow_mut();
        if let Some(chunk) = s.chunk.take() {
            return Poll::Ready(Some(Ok(chunk)));
        }
        match s.end {
            Some(Ok(())) => Poll::Ready(None),
            Some(Err(e)) => {
                // One error, then the end.
                s.end = Some(Ok(()));
                Poll::Ready(Some(Err(match e {
                    FeedError::TooLarge(limit) => LimitExceeded { limit }.into(),
                    FeedError::TimedOut => BodyTimedOut.into(),
                    FeedError::Broken(why) => why.into(),
                })))
            }
            None => {
                s.wanted = true;
                s.service = Some(cx.waker().clone());
                wake(&mut s.pump);
                Poll::Pending
            }
        }
    }
}

impl Drop for FeedBody {
    fn drop(&mut self) {
        self.0.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_core::Stream;
    use std::task::Waker;

    fn next(body: &mut FeedBody) -> Poll<Option<Result<Bytes, BoxError>>> {
        let mut cx = Context::from_waker(Waker::noop());
        Pin::new(body).poll_next(&mut cx)
    }

    /// The error the body yields next; panics on anything else.
    fn next_error(body: &mut FeedBody) -> BoxError {
        match next(body) {
            Poll::Ready(Some(Err(e))) => e,
            Poll::Ready(Some(Ok(b))) => panic!("expected an error, got a chunk {b:?}"),
            Poll::Ready(None) => panic!("expected an error, got the end"),
            Poll::Pending => panic!("expected an error, got pending"),
        }
    }

    fn wanted(feed: &Feed) -> Poll<bool> {
        feed.poll_wanted(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn chunks_flow_only_when_asked_for() {
        let feed = Feed::new(Bytes::from_static(b"first"));
        let mut body = feed.body();
        // Nothing is wanted while the first chunk waits to be taken.
        assert_eq!(wanted(&feed), Poll::Pending);
        assert!(matches!(next(&mut body), Poll::Ready(Some(Ok(b))) if b == "first"));
        assert!(next(&mut body).is_pending());
        assert_eq!(wanted(&feed), Poll::Ready(true));
        feed.push(Bytes::from_static(b"second"));
        assert_eq!(wanted(&feed), Poll::Pending);
        assert!(matches!(next(&mut body), Poll::Ready(Some(Ok(b))) if b == "second"));
        feed.end(Ok(()));
        assert!(matches!(next(&mut body), Poll::Ready(None)));
    }

    #[test]
    fn an_error_reaches_the_service_once() {
        let feed = Feed::new(Bytes::new());
        let mut body = feed.body();
        assert!(next(&mut body).is_pending());
        feed.end(Err(FeedError::TooLarge(10)));
        assert!(next_error(&mut body).is::<LimitExceeded>());
        assert!(matches!(next(&mut body), Poll::Ready(None)));
    }

    #[test]
    fn a_body_still_held_after_the_answer_ends_with_an_error() {
        let feed = Feed::new(Bytes::new());
        let mut body = feed.body();
        assert!(next(&mut body).is_pending());
        feed.stop();
        assert_eq!(wanted(&feed), Poll::Ready(false));
        // A read cancelled by the stop reports no second, misleading end.
        feed.end(Err(FeedError::Broken("the connection closed mid-body")));
        let e = next_error(&mut body);
        assert!(e.to_string().contains("the answer came first"), "{e}");
        assert!(matches!(next(&mut body), Poll::Ready(None)));
    }

    #[test]
    fn dropping_the_body_stops_the_pump() {
        let feed = Feed::new(Bytes::new());
        let body = feed.body();
        assert_eq!(wanted(&feed), Poll::Pending);
        drop(body);
        assert_eq!(wanted(&feed), Poll::Ready(false));
    }
}
