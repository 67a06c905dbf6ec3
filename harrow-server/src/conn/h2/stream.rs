//! One HTTP/2 request stream: read the body, call the service, send the
//! response with flow control.

use std::cell::Cell;
use std::future::poll_fn;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use h2::server::SendResponse;
use h2::{RecvStream, SendStream};
use http::header::{self, HeaderValue};
use http::{HeaderMap, Method, Request, Response};

use crate::body::{BodyTimedOut, LimitExceeded};
use crate::conn::panic::{CatchPanic, panic_response};
use crate::h1::{DateCache, status_has_no_body};
use crate::shared::Worker;
use crate::{Body, BoxError, Service};

/// One request stream's task.
pub(crate) struct Stream<S> {
    pub(crate) worker: Rc<Worker>,
    pub(crate) service: Rc<S>,
    pub(crate) remote: SocketAddr,
    /// Open streams on the connection; this one counts until it ends.
    pub(crate) active: Rc<Cell<usize>>,
}

impl<S: Service> Stream<S> {
    pub(crate) async fn run(self, req: Request<RecvStream>, mut respond: SendResponse<Bytes>) {
        if let Err(e) = self.exchange(req, &mut respond).await {
            tracing::debug!(remote = %self.remote, error = %e, "HTTP/2 stream ended early");
        }
        self.active.set(self.active.get() - 1);
    }

    async fn exchange(
        &self,
        req: Request<RecvStream>,
        respond: &mut SendResponse<Bytes>,
    ) -> Result<(), h2::Error> {
        let config = &self.worker.config;
        let (parts, recv) = req.into_parts();
        // RFC 9113 §8.2.1: a field value must not start or end with
        // whitespace; such a request is malformed (§8.1.1).
        if parts.headers.values().any(edge_whitespace) {
            tracing::debug!(remote = %self.remote, "HTTP/2 field value with edge whitespace; reset");
            respond.send_reset(h2::Reason::PROTOCOL_ERROR);
            return Ok(());
        }
        let is_head = parts.method == Method::HEAD;
        let declared = parts.headers.get(header::CONTENT_LENGTH);
        let body = request_body(
            recv,
            declared,
            config.max_body_size,
            config.body_read_timeout,
        );
        let req = Request::from_parts(parts, body);
        let call = CatchPanic::new(|| self.service.call(req), None, self.remote);
        let response = match call.await {
            Ok(r) => r,
            Err(panic) => panic_response(self.remote, &*panic),
        };
        let (mut parts, mut body) = response.into_parts();
        strip_connection_headers(&mut parts.headers);
        if !parts.headers.contains_key(header::DATE) {
            // RFC 9110 §6.6.1: an origin server with a clock sends Date.
            let date = DateCache::with_cached(|d| HeaderValue::from_bytes(d));
            if let Ok(date) = date {
                parts.headers.insert(header::DATE, date);
            }
        }
        let no_body = status_has_no_body(parts.status);
        if let (Some(n), false) = (body.exact_len(), no_body) {
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(n));
        }
        let end = is_head || no_body || body.exact_len() == Some(0);
        let mut send = respond.send_response(Response::from_parts(parts, ()), end)?;
        if end {
            return Ok(());
        }
        while let Some(chunk) = body.next_chunk().await {
            match chunk {
                Ok(chunk) => {
                    // A body of known length that is now used up ends the
                    // stream with its last DATA frame, not an empty one.
                    let last = body.exact_len() == Some(0);
                    if !send_all(&mut send, chunk, last, config.write_timeout).await? {
                        tracing::debug!(remote = %self.remote, "HTTP/2 stream stalled on flow control; reset");
                        send.send_reset(h2::Reason::CANCEL);
                        return Ok(());
                    }
                    if last {
                        return Ok(());
                    }
                }
                Err(e) => {
                    tracing::warn!(remote = %self.remote, error = %e, "response body stream failed");
                    send.send_reset(h2::Reason::INTERNAL_ERROR);
                    return Ok(());
                }
            }
        }
        send.send_data(Bytes::new(), true)
    }
}

/// A request body read from the stream as the service asks for it,
/// releasing flow-control window as chunks are taken; it fails past the
/// body limit or once the body deadline has passed, and checks the
/// trailers once the data is over.
struct RecvBody {
    recv: RecvStream,
    limit: u64,
    seen: u64,
    deadline: Option<Pin<Box<monoio::time::Sleep>>>,
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
        if let Some(deadline) = self.deadline.as_mut()
            && deadline.as_mut().poll(cx).is_ready()
        {
            self.stage = Stage::Done;
            return Poll::Ready(Some(Err(BodyTimedOut.into())));
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
fn edge_whitespace(value: &HeaderValue) -> bool {
    let v = value.as_bytes();
    matches!(v.first(), Some(b' ' | b'\t')) || matches!(v.last(), Some(b' ' | b'\t'))
}

/// The request body as the service sees it: empty, or streaming; a body
/// whose declared length is over the limit fails at once, unread.
fn request_body(
    recv: RecvStream,
    declared: Option<&HeaderValue>,
    limit: u64,
    timeout: Option<Duration>,
) -> Body {
    if recv.is_end_stream() {
        return Body::empty();
    }
    let declared = declared
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return crate::body::refused(LimitExceeded { limit });
    }
    let deadline = timeout.map(|t| Box::pin(monoio::time::sleep(t)));
    Body::from_stream(RecvBody {
        recv,
        limit,
        seen: 0,
        deadline,
        stage: Stage::Data,
    })
}

/// Sends `data` as flow control allows, ending the stream with it when
/// `end` is set; `Ok(false)` when the peer gave no window for a whole write
/// timeout.
async fn send_all(
    send: &mut SendStream<Bytes>,
    mut data: Bytes,
    end: bool,
    stall: Option<Duration>,
) -> Result<bool, h2::Error> {
    while !data.is_empty() {
        send.reserve_capacity(data.len());
        // Window is usually there already: take it without arming a timer.
        let granted = match poll_fn(|cx| Poll::Ready(send.poll_capacity(cx))).await {
            Poll::Ready(granted) => granted,
            Poll::Pending => {
                let capacity = poll_fn(|cx| send.poll_capacity(cx));
                match stall {
                    Some(t) => match crate::rt::timeout(t, capacity).await {
                        Ok(c) => c,
                        Err(_) => return Ok(false),
                    },
                    None => capacity.await,
                }
            }
        };
        let granted = match granted {
            Some(n) => n?,
            None => return Err(h2::Error::from(h2::Reason::CANCEL)),
        };
        if granted > 0 {
            let piece = data.split_to(granted.min(data.len()));
            send.send_data(piece, end && data.is_empty())?;
        }
    }
    Ok(true)
}

/// RFC 9113 §8.2.2: connection-specific fields are malformed in HTTP/2.
fn strip_connection_headers(headers: &mut HeaderMap) {
    for name in [
        header::CONNECTION,
        header::TRANSFER_ENCODING,
        header::UPGRADE,
    ] {
        headers.remove(name);
    }
    headers.remove("keep-alive");
    headers.remove("proxy-connection");
}
