//! An HTTP/2 request body as the service reads it: flow-control window
//! released as chunks are taken, the body limit, the body deadline on the
//! worker's clock, and a check of the trailers.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use h2::RecvStream;
use http::header::HeaderValue;

use super::stream::StreamEnv;
use crate::body::{BodyTimedOut, LimitExceeded};
use crate::timer::ConnTimer;
use crate::{Body, BoxError};

/// A request body read from the stream as the service asks for it,
/// releasing flow-control window as chunks are taken; it fails past the
/// body limit or once the body deadline has passed, and checks the
/// trailers once the data is over.
struct RecvBody {
    recv: RecvStream,
    limit: u64,
    seen: u64,
    /// The body deadline, when there is one.
    deadline: Option<ConnTimer>,
    /// Where the body is: its data, its trailers, or past its end.
    stage: Stage,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Data,
    Trailers,
    Done,
}

impl futures_core::Stream for RecvBody {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.stage == Stage::Done {
            return Poll::Ready(None);
        }
        if let Some(deadline) = &self.deadline {
            if deadline.fired().is_some() {
                self.stage = Stage::Done;
                return Poll::Ready(Some(Err(BodyTimedOut.into())));
            }
            deadline.register_waker(cx.waker());
        }
        if self.stage == Stage::Trailers {
            return self.poll_trailers(cx);
        }
        match std::task::ready!(self.recv.poll_data(cx)) {
            None => {
                self.stage = Stage::Trailers;
                self.poll_trailers(cx)
            }
            Some(Err(e)) => {
                self.stage = Stage::Done;
                Poll::Ready(Some(Err(e.into())))
            }
            Some(Ok(chunk)) => {
                let _ = self.recv.flow_control().release_capacity(chunk.len());
                self.seen += chunk.len() as u64;
                if self.seen > self.limit {
                    self.stage = Stage::Done;
                    return Poll::Ready(Some(Err(LimitExceeded { limit: self.limit }.into())));
                }
                Poll::Ready(Some(Ok(chunk)))
            }
        }
    }
}

impl RecvBody {
    /// The end of the body, or an error when its trailers are malformed
    /// (RFC 9113 §8.2.1: no field value starts or ends with whitespace).
    fn poll_trailers(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, BoxError>>> {
        let trailers = std::task::ready!(self.recv.poll_trailers(cx));
        self.stage = Stage::Done;
        match trailers {
            Ok(Some(t)) if t.values().any(edge_whitespace) => {
                Poll::Ready(Some(Err("malformed request trailers".into())))
            }
            Ok(_) => Poll::Ready(None),
            Err(e) => Poll::Ready(Some(Err(e.into()))),
        }
    }
}

/// Whether a field value starts or ends with whitespace.
pub(super) fn edge_whitespace(value: &HeaderValue) -> bool {
    let v = value.as_bytes();
    matches!(v.first(), Some(b' ' | b'\t')) || matches!(v.last(), Some(b' ' | b'\t'))
}

/// The request body as the service sees it: empty, or streaming; a body
/// whose declared length is over the limit fails at once, unread.
pub(super) fn request_body(
    recv: RecvStream,
    declared: Option<&HeaderValue>,
    env: &StreamEnv,
) -> Body {
    let limit = env.max_body_size;
    if recv.is_end_stream() {
        return Body::empty();
    }
    let declared = declared
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return crate::body::refused(LimitExceeded { limit });
    }
    let deadline = env.deadline(env.body_timeout);
    Body::from_stream(RecvBody {
        recv,
        limit,
        seen: 0,
        deadline,
        stage: Stage::Data,
    })
}
