//! Sending a response on an HTTP/1.1 connection: its head, then a body held
//! in one buffer (queued, or written from its own buffer when large) or
//! streamed chunk by chunk; and the answers the server makes itself.

use std::future::{Future, poll_fn};
use std::task::Poll;

use bytes::Bytes;
use http::{Response, StatusCode, Version};

use super::dispatch::{Dispatch, Stop};
use crate::codec::{
    DateCache, Framing, ResponseHead, asks_to_close, body_framing, encode_chunk, encode_head,
    encode_last_chunk,
};
use crate::conn::wait::Wait;
use crate::semantics::{plain, status_has_no_body};
use crate::timer::Fired;
use crate::{Body, BoxError, Service};

/// Responses buffered past this size are written before reading on.
const FLUSH_AT: usize = 64 * 1024;
/// Full bodies at least this large are written from their own buffer.
const COPY_BODY_BELOW: usize = 16 * 1024;

impl<S: Service> Dispatch<S> {
    /// Queues (or writes) `response` to a request of `version`; returns
    /// whether the connection stays open, which `keep_alive` allows.
    ///
    /// The head is encoded before the returned future exists, which then
    /// holds only the body: a plain function returning an async block, so
    /// that the response's parts never take room in the connection's future.
    pub(super) fn respond(
        &mut self,
        response: Response<Body>,
        is_head: bool,
        version: Version,
        keep_alive: bool,
    ) -> impl Future<Output = Result<bool, Stop>> + '_ {
        let (parts, mut body) = response.into_parts();
        let (framing, reusable) = body_framing(body.exact_len(), is_head, version);
        let keep_alive = keep_alive && reusable && !asks_to_close(&parts.headers);
        DateCache::with_cached(|date| {
            let head = ResponseHead {
                status: parts.status,
                headers: &parts.headers,
                framing,
                version,
                keep_alive,
                date,
            };
            encode_head(&head, self.io.write_buf());
        });
        let no_body = is_head || status_has_no_body(parts.status);
        drop(parts);
        async move {
            if no_body {
                return Ok(keep_alive);
            }
            // Boxed: the rare paths would otherwise make every connection's
            // future as large as they are.
            if body.is_stream() {
                Box::pin(self.stream_body(&mut body, framing)).await?;
            } else if let Some(bytes) = body.take_full() {
                if bytes.len() < COPY_BODY_BELOW {
                    self.io.write_buf().extend_from_slice(&bytes);
                } else {
                    Box::pin(self.io.write_bytes(bytes))
                        .await
                        .map_err(|_| Stop::Quiet)?;
                }
            }
            if self.io.queued() >= FLUSH_AT {
                Box::pin(self.io.flush()).await.map_err(|_| Stop::Quiet)?;
            }
            Ok(keep_alive)
        }
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
    pub(super) async fn answer_error(&mut self, status: StatusCode, message: &str) {
        let answer = plain(status, message);
        if self
            .respond(answer, false, Version::HTTP_11, false)
            .await
            .is_err()
            || self.io.flush().await.is_err()
        {
            return;
        }
        self.io.linger().await;
    }
}
