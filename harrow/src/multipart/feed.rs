//! The request body, handed to multer one chunk at a time.
//!
//! multer reads from a `Send` stream, and a request [`Body`] is not `Send`
//! (it may stream from the worker's connection). So multer gets a [`Feed`]:
//! a `Send` stream over a one-chunk slot. Whoever polls multer (the
//! [`Source`]'s [`drive`](Source::drive)) fills the slot from the body each
//! time multer finds it empty, then polls multer again. Everything runs on
//! the worker's thread; the slot's lock is never contended. At most one
//! chunk waits in the slot, so memory stays at what multer holds itself.

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use harrow_server::{Body, BoxError};

/// What the body has yielded that multer has not taken yet.
#[derive(Default)]
struct Slot {
    chunk: Option<Bytes>,
    /// The body ended.
    ended: bool,
    /// The body failed; the error is kept by the [`Source`].
    failed: bool,
    /// multer asked for a chunk and found none.
    wanted: bool,
}

/// The stream multer reads.
pub(super) struct Feed {
    slot: Arc<Mutex<Slot>>,
}

/// The error multer sees when the body failed; the body's own error stays
/// with the [`Source`] for the rejection.
#[derive(Debug)]
pub(super) struct BodyFailed;

impl std::fmt::Display for BodyFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body failed")
    }
}

impl std::error::Error for BodyFailed {}

impl Stream for Feed {
    type Item = Result<Bytes, BodyFailed>;

    fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut slot = lock(&self.slot);
        if let Some(chunk) = slot.chunk.take() {
            return Poll::Ready(Some(Ok(chunk)));
        }
        if slot.failed {
            return Poll::Ready(Some(Err(BodyFailed)));
        }
        if slot.ended {
            return Poll::Ready(None);
        }
        // The source polls the body next, with its own waker.
        slot.wanted = true;
        Poll::Pending
    }
}

/// The request body and the slot it fills.
pub(super) struct Source {
    body: Body,
    slot: Arc<Mutex<Slot>>,
    error: Option<BoxError>,
}

impl Source {
    /// The body, and the stream to give multer.
    pub(super) fn new(body: Body) -> (Source, Feed) {
        let slot = Arc::new(Mutex::new(Slot::default()));
        let feed = Feed { slot: slot.clone() };
        let source = Source {
            body,
            slot,
            error: None,
        };
        (source, feed)
    }

    /// Polls `step` (a multer operation), feeding it from the body whenever
    /// it waits for data, until it is ready or the body has nothing yet.
    pub(super) fn drive<T>(
        &mut self,
        cx: &mut Context<'_>,
        mut step: impl FnMut(&mut Context<'_>) -> Poll<T>,
    ) -> Poll<T> {
        loop {
            if let Poll::Ready(out) = step(cx) {
                return Poll::Ready(out);
            }
            if !std::mem::take(&mut lock(&self.slot).wanted) {
                return Poll::Pending;
            }
            let next = match self.body.poll_chunk(cx) {
                Poll::Ready(next) => next,
                Poll::Pending => return Poll::Pending,
            };
            let mut slot = lock(&self.slot);
            match next {
                Some(Ok(chunk)) => slot.chunk = Some(chunk),
                Some(Err(e)) => {
                    slot.failed = true;
                    self.error = Some(e);
                }
                None => slot.ended = true,
            }
        }
    }

    /// The body's error, once multer has reported [`BodyFailed`].
    pub(super) fn take_error(&mut self) -> Option<BoxError> {
        self.error.take()
    }
}

fn lock(slot: &Mutex<Slot>) -> MutexGuard<'_, Slot> {
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}
