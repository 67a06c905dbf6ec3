//! Sending a response on an HTTP/1.1 connection: its head, then a body held
//! in one buffer (queued, or written from its own buffer when large) or
//! streamed chunk by chunk; and the answers the server makes itself.

use std::any::Any;
use std::future::poll_fn;
use std::task::Poll;

use bytes::Bytes;
use http::{Response, StatusCode, Version};

use super::dispatch::{Dispatch, Stop};
use crate::codec::{
    DateCache, Framing, ResponseHead, body_framing, encode_chunk, encode_head, encode_last_chunk,
};
use crate::conn::panic::panic_response;
use crate::conn::transport::Transport;
use crate::conn::wait::Wait;
use crate::semantics::{plain, status_has_no_body};
use crate::timer::Fired;
use crate::{Body, BoxError, Service};

/// Responses buffered past this size are written before reading on.
const FLUSH_AT: usize = 64 * 1024;
/// Full bodies at least this large are written from their own buffer.
const COPY_BODY_BELOW: usize = 16 * 1024;

/// What is left of a response once its head (and a small body) is queued.
pub(super) enum Rest {
    /// Nothing: it goes out with the next flush.
    Done,
    /// Enough is queued to write it now.
    Flush,
    /// A large body, written from its own buffer.
    Large(Bytes),
    /// A streamed body of this framing.
    Stream(Body, Framing),
}

impl<S: Service, T: Transport> Dispatch<S, T> {
    /// Queues the service's answer to a request of `version` (a 500 when
    /// it panicked): the head, and a small body. Returns whether the
    /// connection stays open (which `keep_alive` allows) and what is left to
    /// write with [`finish`](Self::finish).
    ///
    /// Not async: the common response is queued without a future, and the
    /// response's parts never take room in the connection's future.
    pub(super) fn queue_response(
        &mut self,
        answered: Result<Response<Body>, Box<dyn Any + Send>>,
        is_head: bool,
        version: Version,
        keep_alive: bool,
    ) -> (bool, Rest) {
        let response = match answered {
            Ok(response) => response,
            Err(panic) => panic_response(self.conn.remote(), &*panic),
        };
        let (parts, mut body) = response.into_parts();
        let (framing, reusable) = body_framing(body.exact_len(), is_head, version);
        let keep_alive = DateCache::with_cached(|date| {
            let head = ResponseHead {
                status: parts.status,
                headers: &parts.headers,
                framing,
                version,
                keep_alive: keep_alive && reusable,
                date,
            };
            encode_head(&head, self.io.write_buf())
        });
        if is_head || status_has_no_body(parts.status) {
            return (keep_alive, Rest::Done);
        }
        let rest = if body.is_stream() {
            Rest::Stream(body, framing)
        } else {
            match body.take_full() {
                Some(bytes) if bytes.len() >= COPY_BODY_BELOW => Rest::Large(bytes),
                Some(bytes) => {
                    self.io.write_buf().extend_from_slice(&bytes);
                    Rest::Done
                }
                None => Rest::Done,
            }
        };
        match rest {
            Rest::Done if self.io.queued() >= FLUSH_AT => (keep_alive, Rest::Flush),
            rest => (keep_alive, rest),
        }
    }

    /// Writes what [`queue_response`](Self::queue_response) left.
    pub(super) async fn finish(&mut self, rest: Rest) -> Result<(), Stop> {
        match rest {
            Rest::Done => return Ok(()),
            Rest::Flush => {}
            Rest::Large(bytes) => self.io.write_bytes(bytes).await.map_err(|_| Stop::Quiet)?,
            Rest::Stream(mut body, framing) => self.send_body(&mut body, framing).await?,
        }
        if self.io.queued() >= FLUSH_AT {
            self.io.flush().await.map_err(|_| Stop::Quiet)?;
        }
        Ok(())
    }

    /// Waits for the service's next body chunk. Only the connection's life
    /// bounds the wait (a stream may rightly go quiet for a while, so the
    /// write timeout does not apply), and a deadline ends it: a stream that
    /// never yields again cannot hold the connection forever.
    async fn next_body_chunk(
        &mut self,
        body: &mut Body,
    ) -> Result<Option<Result<Bytes, BoxError>>, Stop> {
        self.io.wait(Wait::Service);
        let io = &self.io;
        poll_fn(|cx| {
            if io.fired() == Some(Fired::Deadline) {
                return Poll::Ready(Err(Stop::Quiet));
            }
            io.register_waker(cx.waker());
            body.poll_chunk(cx).map(Ok)
        })
        .await
    }

    /// Writes a streamed body: a file range by the kernel where the
    /// connection allows it, anything else chunk by chunk.
    async fn send_body(&mut self, body: &mut Body, framing: Framing) -> Result<(), Stop> {
        #[cfg(feature = "fs")]
        if framing != Framing::Chunked
            && self.io.sends_files()
            && let Some(mut file) = body.take_file()
        {
            // Boxed: a rare path, kept out of the connection's future.
            match Box::pin(self.io.send_file(&mut file)).await {
                Ok(true) => return Ok(()),
                // The kernel cannot send this one: read it.
                Ok(false) => *body = Body::from(file),
                Err(e) => {
                    // Part of the body may be out: closing tells the client
                    // it is incomplete.
                    if e.kind() == std::io::ErrorKind::UnexpectedEof {
                        tracing::warn!(remote = %self.conn.remote(), error = %e, "response body stream failed");
                    }
                    return Err(Stop::Quiet);
                }
            }
        }
        self.stream_body(body, framing).await
    }

    /// Writes a streaming body chunk by chunk.
    async fn stream_body(&mut self, body: &mut Body, framing: Framing) -> Result<(), Stop> {
        self.io.flush().await.map_err(|_| Stop::Quiet)?;
        while let Some(chunk) = self.next_body_chunk(body).await? {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    // The body cannot end cleanly; closing tells the client
                    // it is incomplete (no last chunk was sent).
                    tracing::warn!(remote = %self.conn.remote(), error = %e, "response body stream failed");
                    return Err(Stop::Quiet);
                }
            };
            match framing {
                Framing::Chunked => encode_chunk(&chunk, self.io.write_buf()),
                // A large chunk (a file's, say) is written from its own
                // buffer rather than copied.
                _ if chunk.len() >= COPY_BODY_BELOW => {
                    self.io.write_bytes(chunk).await.map_err(|_| Stop::Quiet)?;
                    continue;
                }
                _ => self.io.write_buf().extend_from_slice(&chunk),
            }
            self.io.flush().await.map_err(|_| Stop::Quiet)?;
        }
        if framing == Framing::Chunked {
            encode_last_chunk(self.io.write_buf());
        }
        Ok(())
    }

    /// Answers a request the server refuses itself (`message` as plain
    /// text) and closes gently: half-close, then read and drop what the
    /// client still sends for a moment, so it reads the answer instead of a
    /// connection reset.
    /// Answers a connection that never got as far as a request (plain
    /// HTTP sent to an HTTPS port) with an error, and ends it.
    #[cfg(feature = "tls")]
    pub(crate) async fn refuse(mut self, status: StatusCode, message: &str) {
        self.answer_error(status, message).await;
        self.io.release_read_buf();
        self.io.release_write_buf();
    }

    pub(super) async fn answer_error(&mut self, status: StatusCode, message: &str) {
        let answer = Ok(plain(status, message));
        let (_, rest) = self.queue_response(answer, false, Version::HTTP_11, false);
        if self.finish(rest).await.is_err() || self.io.flush().await.is_err() {
            return;
        }
        self.io.linger().await;
    }
}
