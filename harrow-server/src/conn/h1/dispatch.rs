//! The protocol half of an HTTP/1.1 connection: read a head, read its
//! body, call the service, queue or write the response; keep-alive and
//! pipelining. All bytes and deadlines go through the IO half ([`Io`]).
//!
//! Responses to pipelined requests accumulate in one write buffer and go
//! out together just before the loop would wait for more input, so a batch
//! of requests costs one write.

use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use http::{Method, Request, StatusCode, Version};

use super::feed::Feed;
use super::io::{FillError, Io};
use super::respond::Rest;
use crate::body::LimitExceeded;
use crate::codec::{BodyKind, CONTINUE, Decoder, H1Error, Head, Status, Trailers};
use crate::conn::panic::{CatchPanic, make_guarded};
use crate::conn::transport::Transport;
use crate::conn::wait::Wait;
use crate::timer::Fired;
use crate::upgrade::{Callback, OnUpgrade, Upgraded};
use crate::{Body, ConnInfo, Service};

/// A request body is read whole up to this size; past it, the rest streams
/// to the service as it asks for it.
const STREAM_BODY_ABOVE: usize = 64 * 1024;

/// Why the request loop stopped.
pub(super) enum Stop {
    /// The peer closed, or a deadline, drain or IO error ended the
    /// connection; nothing more to say.
    Quiet,
    /// Answer with this error, then close.
    Answer(H1Error),
    /// A request was under way when its deadline passed: 408, then close.
    Timeout,
    /// The response switched protocols: once its head is written, this
    /// takes the connection over (boxed again, to keep `Stop` small).
    Upgrade(Box<Callback>),
}

/// A request body as read before the service is called.
enum ReadBody {
    /// All of it, with any chunked trailers.
    Whole(Bytes, Option<Trailers>),
    /// Its first part; the decoder continues with the rest.
    Streaming(Decoder, Bytes),
    /// Over `max_body_size`, by its declared length or as it arrived: the
    /// service gets a body that fails with the limit, and the connection
    /// closes after the answer.
    TooLarge,
}

/// One HTTP/1.1 connection's requests.
pub(crate) struct Dispatch<S, T> {
    pub(super) io: Io<T>,
    service: Rc<S>,
    /// What the service is told of the connection.
    pub(super) conn: ConnInfo,
    /// Requests served so far.
    served: u64,
    /// The last request's body was not read to its end (the service
    /// answered first, or it was over the limit): the connection closes
    /// with a linger.
    pub(super) unread_body: bool,
}

impl<S: Service, T: Transport> Dispatch<S, T> {
    /// The requests of the connection `io` carries.
    pub(crate) fn new(io: Io<T>, service: Rc<S>, conn: ConnInfo) -> Self {
        Dispatch {
            io,
            service,
            conn,
            served: 0,
            unread_body: false,
        }
    }

    /// Serves requests until the connection ends.
    #[expect(
        clippy::manual_async_fn,
        reason = "an async fn would hold `self` twice"
    )]
    pub(crate) fn run(mut self) -> impl Future<Output = ()> {
        // An async block, not an `async fn`, for the reason given at
        // `exchange`: the connection is not kept twice in the task.
        async move {
            let stop = loop {
                // A head already buffered whole (a pipelined request) needs
                // no read, no deadline and no future. (An `if let`, whose
                // parse result is gone before the read is awaited: a value
                // alive across an await takes room in every idle
                // connection.)
                let head = if let Some(parsed) = self.buffered_head() {
                    match parsed {
                        Ok(head) => head,
                        Err(e) => break Stop::Answer(e),
                    }
                } else {
                    match self.read_head().await {
                        Ok(head) => head,
                        Err(stop) => break stop,
                    }
                };
                let keep_alive = match self.exchange(head).await {
                    Ok(keep_alive) => keep_alive,
                    Err(stop) => break stop,
                };
                self.served += 1;
                if !keep_alive {
                    break Stop::Quiet;
                }
            };
            match stop {
                Stop::Upgrade(upgrade) => {
                    if self.io.flush().await.is_ok() {
                        return Box::pin(self.hand_over(upgrade)).await;
                    }
                }
                Stop::Quiet => {
                    if self.io.flush().await.is_ok() {
                        if self.unread_body {
                            self.io.linger().await;
                        } else {
                            self.io.close().await;
                        }
                    }
                }
                Stop::Answer(e) => {
                    tracing::debug!(remote = %self.conn.remote(), error = %e, "bad request");
                    self.answer_error(e.status(), e.message()).await;
                }
                Stop::Timeout => {
                    tracing::debug!(remote = %self.conn.remote(), "request timed out");
                    self.answer_error(StatusCode::REQUEST_TIMEOUT, "request timeout")
                        .await;
                }
            }
            self.io.release_read_buf();
            self.io.release_write_buf();
        }
    }

    /// Runs `upgrade` with the connection, its `101` written: the HTTP/1.1
    /// state goes, the socket and any bytes read past the request stay.
    async fn hand_over(self, upgrade: Box<Callback>) {
        let worker = self.io.worker().clone();
        let (transport, read, timer) = self.io.into_parts();
        // The upgraded halves keep deadlines of their own.
        drop(timer);
        // Only bytes read past the request stay with the socket; an empty
        // read buffer goes back to the pool rather than sit, unused, under
        // every open upgraded connection.
        let early = if read.is_empty() {
            worker.pool.put(read);
            Vec::new()
        } else {
            read
        };
        upgrade(Upgraded::new(transport.into_socket(), early, worker)).await;
    }

    // ----- heads -----------------------------------------------------------

    /// The next head when the input already holds all of it (consumed), or
    /// the error it makes; `None` when more input is needed.
    fn buffered_head(&mut self) -> Option<Result<Head, H1Error>> {
        if self.io.buffered().is_empty() {
            return None;
        }
        match self.io.parse_head() {
            Ok(Status::Complete(head)) => {
                self.io.consume(head.len);
                Some(Ok(head))
            }
            Ok(Status::Partial) => None,
            Err(e) => Some(Err(e)),
        }
    }

    /// Reads until a whole head is buffered, and parses it.
    async fn read_head(&mut self) -> Result<Head, Stop> {
        // Set when the first byte of this head is in: the deadline covers
        // the whole head, not each read.
        let mut head_deadline: Option<Option<Instant>> = None;
        loop {
            if !self.io.buffered().is_empty() {
                match self.io.parse_head() {
                    Ok(Status::Complete(head)) => {
                        self.io.consume(head.len);
                        return Ok(head);
                    }
                    Ok(Status::Partial) => {}
                    Err(e) => return Err(Stop::Answer(e)),
                }
                if head_deadline.is_none() {
                    head_deadline = Some(self.io.head_deadline());
                }
            }
            // Responses to earlier pipelined requests go out before we wait.
            if self.io.queued() > 0 {
                self.io.flush().await.map_err(|_| Stop::Quiet)?;
            }
            match head_deadline {
                Some(at) => self.io.wait_until(at),
                None if self.io.draining() => return Err(Stop::Quiet),
                // A fresh connection must send its first head in time; a
                // kept-alive one may idle for the keep-alive timeout.
                None if self.served == 0 => self.io.wait(Wait::FirstRequest),
                None => self.io.wait(Wait::NextRequest),
            }
            match self.io.fill().await {
                Ok(_) => {}
                Err(FillError::Fired(Fired::Release)) => self.io.release_idle_read_buf(),
                Err(FillError::Fired(Fired::Deadline)) if head_deadline.is_some() => {
                    return Err(Stop::Timeout);
                }
                Err(_) => return Err(Stop::Quiet),
            }
        }
    }

    // ----- bodies ----------------------------------------------------------

    /// A body of known length within the limit that arrived whole with its
    /// head: a slice of the batch, with nothing to read or wait for.
    fn body_in_batch(&mut self, head: &Head) -> Option<Bytes> {
        let BodyKind::Length(n) = head.body else {
            return None;
        };
        if n > self.io.config().max_body_size {
            return None;
        }
        self.io.take_from_batch(usize::try_from(n).ok()?)
    }

    /// Reads the body the head announced, within the body deadline: whole,
    /// or its first part when it is long and the rest is to stream.
    async fn read_body(&mut self, head: &Head) -> Result<ReadBody, Stop> {
        let mut decoder = match Decoder::new(head.body, self.io.config().max_body_size) {
            Ok(decoder) => decoder,
            // Refused unread, and without a 100 Continue.
            Err(H1Error::BodyTooLarge) => return Ok(ReadBody::TooLarge),
            Err(e) => return Err(Stop::Answer(e)),
        };
        if decoder.is_done() {
            return Ok(ReadBody::Whole(Bytes::new(), None));
        }
        if head.expect_continue && self.io.buffered().is_empty() {
            // RFC 9110 §10.1.1: tell the client to send the body.
            self.io.write_buf().extend_from_slice(CONTINUE);
            self.io.flush().await.map_err(|_| Stop::Quiet)?;
        }
        self.io.wait(Wait::Body);
        let expected = match head.body {
            BodyKind::Length(n) => n as usize,
            _ => 0,
        };
        // Only what is read whole is reserved: a longer body streams, and a
        // claimed length must not make the server allocate it up front.
        let mut out = BytesMut::with_capacity(expected.min(STREAM_BODY_ABOVE));
        loop {
            let progress = match decoder.decode(self.io.buffered(), &mut out) {
                Ok(progress) => progress,
                Err(H1Error::BodyTooLarge) => return Ok(ReadBody::TooLarge),
                Err(e) => return Err(Stop::Answer(e)),
            };
            self.io.consume(progress.consumed);
            if progress.done {
                return Ok(ReadBody::Whole(out.freeze(), decoder.take_trailers()));
            }
            if out.len() >= STREAM_BODY_ABOVE {
                return Ok(ReadBody::Streaming(decoder, out.freeze()));
            }
            match self.io.fill().await {
                Ok(_) | Err(FillError::Fired(Fired::Release)) => {}
                Err(FillError::Fired(Fired::Deadline)) => return Err(Stop::Timeout),
                Err(_) => return Err(Stop::Quiet),
            }
        }
    }

    // ----- one exchange ----------------------------------------------------

    /// Reads the body, calls the service, and queues or writes the response.
    /// Returns whether the connection stays open.
    // A plain function returning an async block rather than an `async fn`:
    // an `async fn` keeps a second copy of its `Head` argument in its state
    // for its whole life, and every idle connection holds that state.
    #[expect(
        clippy::manual_async_fn,
        reason = "an async fn would hold `head` twice"
    )]
    fn exchange(&mut self, head: Head) -> impl Future<Output = Result<bool, Stop>> + '_ {
        async move {
            let (body, trailers, streaming) = match head.body {
                BodyKind::Empty => (Body::empty(), None, None),
                _ if let Some(bytes) = self.body_in_batch(&head) => (Body::full(bytes), None, None),
                // Boxed, as are the other rare paths: the connection's
                // future is as large as its largest state, and an idle
                // connection holds all of it.
                _ => match Box::pin(self.read_body(&head)).await? {
                    ReadBody::Whole(bytes, trailers) => (Body::full(bytes), trailers, None),
                    ReadBody::Streaming(decoder, first) => {
                        let feed = Feed::new(first);
                        (Body::from_stream(feed.body()), None, Some((decoder, feed)))
                    }
                    ReadBody::TooLarge => {
                        // The rest of the body is never read: close after
                        // the answer, lingering so the client reads it.
                        self.unread_body = true;
                        let limit = self.io.config().max_body_size;
                        (crate::body::refused(LimitExceeded { limit }), None, None)
                    }
                },
            };
            let is_head = head.method == Method::HEAD;
            let version = head.version;
            // RFC 9110 §7.8: a request that asks to switch protocols (and
            // has no body to read first) may be taken over.
            let mut upgrade_key = None;
            let mut keep_alive = head.keep_alive && !self.unread_body;

            // Built inside the `Option` the guarded call takes it from, so
            // that it is not copied there.
            let mut req = Some(Request::new(body));
            let span = if let Some(r) = req.as_mut() {
                *r.method_mut() = head.method;
                *r.uri_mut() = head.uri;
                *r.version_mut() = head.version;
                *r.headers_mut() = head.headers;
                #[cfg(feature = "tls")]
                if self.conn.tls().is_some() {
                    let uri = std::mem::take(r.uri_mut());
                    let host = r.headers().get(http::header::HOST);
                    let uri = crate::semantics::https_target(uri, host);
                    *r.uri_mut() = uri;
                }
                if let Some(t) = trailers {
                    r.extensions_mut().insert(t);
                }
                if head.upgrade && version == Version::HTTP_11 && r.body().exact_len() == Some(0) {
                    let on_upgrade = OnUpgrade::open();
                    upgrade_key = Some(on_upgrade.key());
                    r.extensions_mut().insert(on_upgrade);
                }
                self.io.config().request_span.then(
                    || tracing::info_span!("request", method = %r.method(), path = r.uri().path()),
                )
            } else {
                None
            };
            // Scoped, so that the service's future and the response's
            // writing share their room in the connection's future.
            let answered = {
                let service = self.service.clone();
                let conn = self.conn.clone();
                match make_guarded(
                    || service.call(req.take().expect("taken once"), conn),
                    span.as_ref(),
                ) {
                    Err(panic) => {
                        // The body was never handed over: it stays unread.
                        if streaming.is_some() {
                            keep_alive = false;
                            self.unread_body = true;
                        }
                        Err(panic)
                    }
                    Ok(fut) => {
                        // Pinned where it is made and polled through a
                        // reference: awaiting it by value would copy the
                        // service future (with the request in it) twice more.
                        let mut call = pin!(CatchPanic::new(fut, span));
                        match streaming {
                            None => {
                                self.io.wait(Wait::Service);
                                call.as_mut().await
                            }
                            Some((decoder, feed)) => {
                                // The body deadline still runs while the body streams.
                                let (answered, complete) =
                                    Box::pin(self.call_streaming(call.as_mut(), decoder, feed))
                                        .await;
                                // An unread rest of the body cannot be skipped: close.
                                keep_alive &= complete;
                                self.unread_body = !complete;
                                // The pump is done, so no read is in flight: a
                                // body deadline that fired must not keep the
                                // response write from its own.
                                self.io.reset_fired();
                                self.io.wait(Wait::Service);
                                answered
                            }
                        }
                    }
                }
            };
            keep_alive &= !self.io.draining();
            let mut upgrade = upgrade_key.and_then(OnUpgrade::close);
            if !matches!(&answered, Ok(r) if r.status() == StatusCode::SWITCHING_PROTOCOLS) {
                upgrade = None;
            }
            let (keep_alive, rest) = self.queue_response(answered, is_head, version, keep_alive);
            if let Some(upgrade) = upgrade {
                return Err(Stop::Upgrade(Box::new(upgrade)));
            }
            if !matches!(rest, Rest::Done) {
                // Boxed: the rare paths would otherwise make every
                // connection's future as large as they are.
                Box::pin(self.finish(rest)).await?;
            }
            Ok(keep_alive)
        }
    }
}
