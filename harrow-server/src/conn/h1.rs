//! The HTTP/1 connection loop: read → parse → call → encode → write, with
//! keep-alive and pipelining.
//!
//! Responses to pipelined requests accumulate in one write buffer and go
//! out together just before the loop would wait for more input, so a batch
//! of requests costs one write (`h1/write.rs`). Every read, and every write
//! that has to wait, is an operation cancelable through the connection's
//! timer entry; a fired deadline cancels it, and the loop still awaits it,
//! so the buffer comes back before reuse.

use std::future::{Future, poll_fn};
use std::net::SocketAddr;
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::Instant;

use bytes::{Buf, Bytes, BytesMut};
use http::header;
use http::{Method, Request, StatusCode, Version};
use monoio::buf::IoBufMut;
use monoio::io::CancelableAsyncReadRent;
use monoio::net::TcpStream;

mod feed;
mod upload;
mod write;

use self::feed::Feed;
use super::Outcome;
use super::detect::{Detected, detect};
use super::panic::{CatchPanic, panic_response};
use crate::body::LimitExceeded;
use crate::h1::{
    BodyKind, DateCache, Decoder, Framing, H1Error, Head, ResponseHead, Status, Trailers,
    encode_head, parse_head_shared, parse_head_with, status_has_no_body,
};
use crate::timer::{ConnTimer, Fired, Phase};
use crate::shared::Worker;
use crate::{Body, Service};

/// Responses buffered past this size are written before reading on.
const FLUSH_AT: usize = 64 * 1024;
/// Buffered input up to this size is copied once for all the requests in
/// it (a pipelined batch); beyond, each head is copied on its own.
const BATCH_COPY_MAX: usize = 8 * 1024;
/// A request body is read whole up to this size; past it, the rest streams
/// to the service as it asks for it.
const STREAM_BODY_ABOVE: usize = 64 * 1024;
/// Full bodies at least this large are written from their own buffer.
const COPY_BODY_BELOW: usize = 16 * 1024;

/// Why reading stopped.
enum Stop {
    /// The peer closed, or a deadline, drain or IO error ended the
    /// connection; nothing more to say.
    Quiet,
    /// Answer with this error, then close.
    Answer(H1Error),
    /// A request was under way when its deadline passed: 408, then close.
    Timeout,
    /// Switch to HTTP/2.
    Http2,
}

/// Why a read did not return bytes.
enum FillError {
    Eof,
    Fired(Fired),
    Io,
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

/// One HTTP/1 connection.
pub(crate) struct Conn<S> {
    stream: TcpStream,
    remote: SocketAddr,
    worker: Rc<Worker>,
    service: Rc<S>,
    timer: ConnTimer,
    /// Input; `None` while idle, so an idle connection holds no buffer.
    rbuf: Option<Vec<u8>>,
    /// Bytes of `rbuf` already parsed.
    start: usize,
    /// A copy of `rbuf[start..]` that parsed heads point into, shared by the
    /// requests of one read; `None` until needed and after every read.
    batch: Option<Bytes>,
    /// Output waiting to be written.
    wbuf: Option<Vec<u8>>,
    /// Requests served so far.
    served: u64,
    /// The last request's body was not read to its end (the service
    /// answered first): the connection closes with a linger.
    unread_body: bool,
    /// The runtime runs on epoll (readiness), not io_uring.
    readiness_io: bool,
}

impl<S: Service> Conn<S> {
    pub(crate) fn new(
        stream: TcpStream,
        remote: SocketAddr,
        worker: Rc<Worker>,
        service: Rc<S>,
        timer: ConnTimer,
    ) -> Self {
        Conn {
            stream,
            remote,
            worker,
            service,
            timer,
            rbuf: None,
            start: 0,
            batch: None,
            wbuf: None,
            served: 0,
            unread_body: false,
            readiness_io: monoio::utils::is_legacy(),
        }
    }

    /// Serves requests until the connection ends.
    #[expect(
        clippy::manual_async_fn,
        reason = "an async fn would hold `self` twice"
    )]
    pub(crate) fn run(mut self) -> impl Future<Output = Outcome> {
        // An async block, not an `async fn`, for the reason given at
        // `exchange`: the connection is not kept twice in the task.
        async move {
            let stop = loop {
                let head = match self.buffered_head() {
                    Some(Ok(head)) => head,
                    Some(Err(e)) => break Stop::Answer(e),
                    None => match self.read_head().await {
                        Ok(head) => head,
                        Err(stop) => break stop,
                    },
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
                Stop::Http2 => {
                    self.release_write_buf();
                    let mut read = self.rbuf.take().unwrap_or_default();
                    read.drain(..self.start);
                    return Outcome::Http2(self.stream, read, self.timer);
                }
                Stop::Quiet => {
                    if self.flush().await.is_ok() && self.unread_body {
                        self.linger().await;
                    }
                }
                Stop::Answer(e) => {
                    tracing::debug!(remote = %self.remote, error = %e, "bad request");
                    self.answer_error(e.status(), e.message()).await;
                }
                Stop::Timeout => {
                    tracing::debug!(remote = %self.remote, "request timed out");
                    self.answer_error(StatusCode::REQUEST_TIMEOUT, "request timeout")
                        .await;
                }
            }
            self.release_read_buf();
            self.release_write_buf();
            Outcome::Closed
        }
    }

    // ----- reading ---------------------------------------------------------

    fn buffered(&self) -> &[u8] {
        self.rbuf
            .as_deref()
            .map(|b| &b[self.start..])
            .unwrap_or(&[])
    }

    /// Parses the next head. The first complete head of a small read copies
    /// the whole read once, into the worker's arena (the heads after it,
    /// pipelined, and small bodies are slices of that copy); a head still
    /// arriving is not copied at all.
    fn parse(&mut self) -> Result<Status<Head>, H1Error> {
        let limits = &self.worker.limits;
        if let Some(batch) = &self.batch {
            return parse_head_shared(batch, limits);
        }
        let buffered = self
            .rbuf
            .as_deref()
            .map(|b| &b[self.start..])
            .unwrap_or(&[]);
        let batch = &mut self.batch;
        let arena = &self.worker.arena;
        parse_head_with(buffered, limits, |len| {
            if buffered.len() <= BATCH_COPY_MAX {
                let copy = arena.copy(buffered);
                *batch = Some(copy.clone());
                copy
            } else {
                arena.copy(&buffered[..len])
            }
        })
    }

    /// Marks `n` buffered bytes as parsed.
    fn consume(&mut self, n: usize) {
        self.start += n;
        if let Some(batch) = self.batch.as_mut() {
            batch.advance(n);
        }
    }

    /// The next head when it is already buffered whole (a pipelined
    /// request): no read, no deadline, no future. `None` when there is
    /// nothing or only part of a head, and on a first request that may
    /// turn out to be HTTP/2.
    fn buffered_head(&mut self) -> Option<Result<Head, H1Error>> {
        if self.buffered().is_empty() || (self.served == 0 && self.worker.config.http2_enabled()) {
            return None;
        }
        match self.parse() {
            Ok(Status::Complete(head)) => {
                self.consume(head.len);
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
            if !self.buffered().is_empty() {
                if self.served == 0 && self.worker.config.http2_enabled() {
                    match detect(self.buffered()) {
                        Detected::Http2 => return Err(Stop::Http2),
                        Detected::Http1 if !self.worker.config.http1_enabled() => {
                            return Err(Stop::Quiet);
                        }
                        _ => {}
                    }
                }
                match self.parse() {
                    Ok(Status::Complete(head)) => {
                        self.consume(head.len);
                        return Ok(head);
                    }
                    Ok(Status::Partial) => {}
                    Err(e) => return Err(Stop::Answer(e)),
                }
                if head_deadline.is_none() {
                    head_deadline = Some(
                        self.timer
                            .deadline_in(self.worker.config.header_read_timeout),
                    );
                }
            }
            // Responses to earlier pipelined requests go out before we wait.
            if self.wbuf.is_some() {
                self.flush().await.map_err(|_| Stop::Quiet)?;
            }
            match head_deadline {
                Some(at) => {
                    self.timer.arm(at);
                    self.timer.set_phase(Phase::Busy, true);
                }
                None => {
                    if self.worker.draining.get() {
                        return Err(Stop::Quiet);
                    }
                    // A fresh connection must send its first head in time; a
                    // kept-alive one may idle for the keep-alive timeout.
                    let config = &self.worker.config;
                    let wait = if self.served == 0 {
                        config.header_read_timeout
                    } else {
                        config.keep_alive_timeout
                    };
                    self.timer.arm_in(wait);
                    self.timer.set_phase(Phase::Idle, self.rbuf.is_some());
                }
            }
            match self.fill().await {
                Ok(_) => {}
                Err(FillError::Fired(Fired::Release)) if self.buffered().is_empty() => {
                    self.release_read_buf()
                }
                Err(FillError::Fired(Fired::Release)) => {}
                Err(FillError::Fired(Fired::Deadline)) if head_deadline.is_some() => {
                    return Err(Stop::Timeout);
                }
                Err(_) => return Err(Stop::Quiet),
            }
        }
    }

    /// Reads more input into `rbuf`, taking a buffer from the pool when the
    /// connection has none (after waiting for readability without one).
    async fn fill(&mut self) -> Result<usize, FillError> {
        if let Some(why @ (Fired::Deadline | Fired::Drain)) = self.timer.fired() {
            return Err(FillError::Fired(why));
        }
        // The input is about to change; the copy would no longer match it.
        self.batch = None;
        let mut buf = match self.rbuf.take() {
            Some(buf) => buf,
            None => {
                self.readable().await?;
                self.start = 0;
                self.worker.pool.get()
            }
        };
        if self.start == buf.len() {
            buf.clear();
            self.start = 0;
        }
        if buf.capacity() - buf.len() < 1024 {
            if self.start > 0 {
                buf.drain(..self.start);
                self.start = 0;
            }
            if buf.capacity() - buf.len() < 1024 {
                buf.reserve(buf.capacity().max(1024));
            }
        }
        let len = buf.len();
        let (res, slice) = self
            .stream
            .cancelable_read(buf.slice_mut(len..), self.timer.handle())
            .await;
        self.rbuf = Some(slice.into_inner());
        match res {
            Ok(0) => Err(FillError::Eof),
            Ok(n) => Ok(n),
            Err(_) => Err(self.timer.fired().map_or(FillError::Io, FillError::Fired)),
        }
    }

    /// Waits until the socket is readable, holding no buffer.
    async fn readable(&mut self) -> Result<(), FillError> {
        let timer = &self.timer;
        let mut ready = pin!(self.stream.readable(true));
        poll_fn(|cx| {
            if let Some(why @ (Fired::Deadline | Fired::Drain)) = timer.fired() {
                // Dropping the readiness wait cancels it; it holds no buffer.
                return Poll::Ready(Err(FillError::Fired(why)));
            }
            timer.register_waker(cx.waker());
            ready
                .as_mut()
                .poll(cx)
                .map(|r| r.map_err(|_| FillError::Io))
        })
        .await
    }

    /// A body of known length within the limit that arrived whole with its
    /// head: a slice of the batch, with nothing to read or wait for.
    fn body_in_batch(&mut self, head: &Head) -> Option<Bytes> {
        let BodyKind::Length(n) = head.body else {
            return None;
        };
        if n > self.worker.config.max_body_size {
            return None;
        }
        let n = usize::try_from(n).ok()?;
        let body = self.batch.as_ref().filter(|b| b.len() >= n)?.slice(..n);
        self.consume(n);
        Some(body)
    }

    /// Reads the body the head announced, within the body deadline: whole,
    /// or its first part when it is long and the rest is to stream.
    async fn read_body(&mut self, head: &Head) -> Result<ReadBody, Stop> {
        let mut decoder = match Decoder::new(head.body, self.worker.config.max_body_size) {
            Ok(decoder) => decoder,
            // Refused unread, and without a 100 Continue.
            Err(H1Error::BodyTooLarge) => return Ok(ReadBody::TooLarge),
            Err(e) => return Err(Stop::Answer(e)),
        };
        if decoder.is_done() {
            return Ok(ReadBody::Whole(Bytes::new(), None));
        }
        if head.expect_continue && self.buffered().is_empty() {
            // RFC 9110 §10.1.1: tell the client to send the body.
            self.write_buf()
                .extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
            self.flush().await.map_err(|_| Stop::Quiet)?;
        }
        self.timer.arm_in(self.worker.config.body_read_timeout);
        self.timer.set_phase(Phase::Busy, true);
        let expected = match head.body {
            BodyKind::Length(n) => n as usize,
            _ => 0,
        };
        // Only what is read whole is reserved: a longer body streams, and a
        // claimed length must not make the server allocate it up front.
        let mut out = BytesMut::with_capacity(expected.min(STREAM_BODY_ABOVE));
        loop {
            let progress = match decoder.decode(self.buffered(), &mut out) {
                Ok(progress) => progress,
                Err(H1Error::BodyTooLarge) => return Ok(ReadBody::TooLarge),
                Err(e) => return Err(Stop::Answer(e)),
            };
            self.consume(progress.consumed);
            if progress.done {
                return Ok(ReadBody::Whole(out.freeze(), decoder.take_trailers()));
            }
            if out.len() >= STREAM_BODY_ABOVE {
                return Ok(ReadBody::Streaming(decoder, out.freeze()));
            }
            match self.fill().await {
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
                // Boxed, as are the other rare paths below: the connection's
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
                        let limit = self.worker.config.max_body_size;
                        (crate::body::refused(LimitExceeded { limit }), None, None)
                    }
                },
            };
            let is_head = head.method == Method::HEAD;
            let version = head.version;
            let mut keep_alive = head.keep_alive && !self.unread_body;

            let mut req = Request::new(body);
            *req.method_mut() = head.method;
            *req.uri_mut() = head.uri;
            *req.version_mut() = head.version;
            *req.headers_mut() = head.headers;
            if let Some(t) = trailers {
                req.extensions_mut().insert(t);
            }

            let span = self.worker.config.request_span.then(
                || tracing::info_span!("request", method = %req.method(), path = req.uri().path()),
            );
            let service = self.service.clone();
            // Pinned where it is made and polled through a reference: awaiting
            // it by value would copy the service future (with the request in it)
            // twice more.
            let mut call = pin!(CatchPanic::new(|| service.call(req), span, self.remote));
            let answered = match streaming {
                None => {
                    // No deadline while the service runs; only the connection's life.
                    self.timer.arm(None);
                    call.as_mut().await
                }
                Some((decoder, feed)) => {
                    // The body deadline still runs while the body streams.
                    let (answered, complete) =
                        Box::pin(self.call_streaming(call.as_mut(), decoder, feed)).await;
                    // An unread rest of the body cannot be skipped: close.
                    keep_alive &= complete;
                    self.unread_body = !complete;
                    // The pump is done, so no read is in flight: a body deadline
                    // that fired must not keep the response write from its own.
                    self.timer.reset_fired();
                    self.timer.arm(None);
                    answered
                }
            };
            let response = match answered {
                Ok(response) => response,
                Err(panic) => panic_response(self.remote, &*panic),
            };
            let (parts, mut body) = response.into_parts();

            keep_alive &= !self.worker.draining.get() && !wants_close(&parts.headers);
            let no_body = is_head || status_has_no_body(parts.status);
            let framing = match body.exact_len() {
                Some(n) => Framing::Length(n),
                None if is_head => Framing::CloseDelimited,
                None if version == Version::HTTP_11 => Framing::Chunked,
                None => {
                    keep_alive = false;
                    Framing::CloseDelimited
                }
            };
            DateCache::with_cached(|date| {
                let head = ResponseHead {
                    status: parts.status,
                    headers: &parts.headers,
                    framing,
                    version,
                    keep_alive,
                    date,
                };
                encode_head(&head, self.write_buf());
            });
            if no_body {
                return Ok(keep_alive);
            }
            if body.is_stream() {
                Box::pin(self.stream_body(&mut body, framing)).await?;
            } else if let Some(bytes) = body.take_full() {
                if bytes.len() < COPY_BODY_BELOW {
                    self.write_buf().extend_from_slice(&bytes);
                } else {
                    Box::pin(self.write_large_body(bytes))
                        .await
                        .map_err(|_| Stop::Quiet)?;
                }
            }
            if self.wbuf.as_ref().is_some_and(|b| b.len() >= FLUSH_AT) {
                Box::pin(self.flush()).await.map_err(|_| Stop::Quiet)?;
            }
            Ok(keep_alive)
        }
    }

    fn release_read_buf(&mut self) {
        if let Some(buf) = self.rbuf.take() {
            self.worker.pool.put(buf);
        }
        self.start = 0;
        self.batch = None;
    }

    fn release_write_buf(&mut self) {
        if let Some(buf) = self.wbuf.take() {
            self.worker.pool.put(buf);
        }
    }
}

/// Whether the service asked to close the connection after this response.
fn wants_close(headers: &http::HeaderMap) -> bool {
    headers.get_all(header::CONNECTION).iter().any(|v| {
        v.as_bytes()
            .split(|&b| b == b',')
            .any(|t| t.trim_ascii().eq_ignore_ascii_case(b"close"))
    })
}
