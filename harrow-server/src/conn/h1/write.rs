//! The HTTP/1 connection's writing side: the write buffer and its flush
//! under the write deadline, large and streamed response bodies, and the
//! error answer with its linger.

use std::future::poll_fn;
use std::io::ErrorKind;
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{StatusCode, Version};
use monoio::io::{AsyncWriteRent, CancelableAsyncWriteRentExt};
use monoio::net::TcpStream;

use super::{Conn, Stop};
use crate::h1::{DateCache, Framing, ResponseHead, encode_chunk, encode_head, encode_last_chunk};
use crate::timer::Fired;
use crate::{Body, BoxError, Service};

/// After an error response, read and discard at most this much…
const LINGER_BYTES: usize = 256 * 1024;
/// …for at most this long, so the client sees the response, not a reset.
const LINGER_TIME: Duration = Duration::from_millis(500);

impl<S: Service> Conn<S> {
    /// Waits for the service's next body chunk. Only the connection's life
    /// bounds the wait (a stream may rightly go quiet for a while, so the
    /// write timeout does not apply), and a deadline ends it: a stream that
    /// never yields again cannot hold the connection forever.
    async fn next_body_chunk(
        &mut self,
        body: &mut Body,
    ) -> Result<Option<Result<Bytes, BoxError>>, Stop> {
        self.timer.arm(None);
        let timer = &self.timer;
        poll_fn(|cx| {
            if timer.fired() == Some(Fired::Deadline) {
                return Poll::Ready(Err(Stop::Quiet));
            }
            timer.register_waker(cx.waker());
            body.poll_chunk(cx).map(Ok)
        })
        .await
    }

    /// Writes a streaming body chunk by chunk.
    pub(super) async fn stream_body(
        &mut self,
        body: &mut Body,
        framing: Framing,
    ) -> Result<(), Stop> {
        self.flush().await.map_err(|_| Stop::Quiet)?;
        while let Some(chunk) = self.next_body_chunk(body).await? {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    // The body cannot end cleanly; closing tells the client
                    // it is incomplete (no last chunk was sent).
                    tracing::warn!(remote = %self.remote, error = %e, "response body stream failed");
                    return Err(Stop::Quiet);
                }
            };
            match framing {
                Framing::Chunked => encode_chunk(&chunk, self.write_buf()),
                _ => self.write_buf().extend_from_slice(&chunk),
            }
            self.flush().await.map_err(|_| Stop::Quiet)?;
        }
        if framing == Framing::Chunked {
            encode_last_chunk(self.write_buf());
        }
        Ok(())
    }

    pub(super) fn write_buf(&mut self) -> &mut Vec<u8> {
        let pool = &self.worker.pool;
        self.wbuf.get_or_insert_with(|| pool.get())
    }

    /// Writes everything queued, within the write deadline.
    pub(super) async fn flush(&mut self) -> std::io::Result<()> {
        let Some(mut buf) = self.wbuf.take() else {
            return Ok(());
        };
        if buf.is_empty() {
            self.worker.pool.put(buf);
            return Ok(());
        }
        if self.readiness_io {
            // With epoll the socket almost always has room: write at once,
            // as a readiness runtime does, and register a cancelable
            // operation only for what the kernel did not take.
            match try_send(&self.stream, &buf) {
                Ok(n) if n == buf.len() => {
                    self.worker.pool.put(buf);
                    return Ok(());
                }
                Ok(n) => drop(buf.drain(..n)),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {}
                Err(e) => {
                    self.worker.pool.put(buf);
                    return Err(e);
                }
            }
        }
        self.timer.arm_in(self.worker.config.write_timeout);
        let (res, buf) = self.stream.write_all(buf, self.timer.handle()).await;
        self.worker.pool.put(buf);
        res.map(drop)
    }

    /// Writes what is queued, then a large body from its own buffer.
    pub(super) async fn write_large_body(&mut self, bytes: Bytes) -> std::io::Result<()> {
        self.flush().await?;
        self.write_bytes(bytes).await
    }

    /// Writes one large body buffer without copying it.
    async fn write_bytes(&mut self, bytes: Bytes) -> std::io::Result<()> {
        self.timer.arm_in(self.worker.config.write_timeout);
        let (res, _) = self.stream.write_all(bytes, self.timer.handle()).await;
        res.map(drop)
    }

    /// Sends an error response and closes gently: half-close, then read and
    /// drop what the client still sends for a moment, so it reads the
    /// response instead of a connection reset.
    pub(super) async fn answer_error(&mut self, status: StatusCode, message: &str) {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        let body_len = message.len() as u64 + 1;
        DateCache::with_cached(|date| {
            let head = ResponseHead {
                status,
                headers: &headers,
                framing: Framing::Length(body_len),
                version: Version::HTTP_11,
                keep_alive: false,
                date,
            };
            let out = self.write_buf();
            encode_head(&head, out);
            out.extend_from_slice(message.as_bytes());
            out.push(b'\n');
        });
        if self.flush().await.is_err() {
            return;
        }
        self.linger().await;
    }

    /// Closes the sending side, then reads and drops what the client still
    /// sends for a while, so that closing with unread input does not reset
    /// the connection before the client has read the answer.
    pub(super) async fn linger(&mut self) {
        let _ = self.stream.shutdown().await;
        self.timer.arm_in(Some(LINGER_TIME));
        let mut discarded = 0;
        while discarded < LINGER_BYTES {
            match self.fill().await {
                Ok(n) => discarded += n,
                Err(_) => break,
            }
            if let Some(buf) = self.rbuf.as_mut() {
                buf.clear();
                self.start = 0;
            }
        }
    }
}

/// One non-blocking send straight to the socket, outside the runtime: how
/// much the kernel took, or `WouldBlock` when it took nothing. Only for the
/// epoll driver, where the runtime does the same system call itself; with
/// io_uring every write goes through the ring.
fn try_send(stream: &TcpStream, data: &[u8]) -> std::io::Result<usize> {
    use std::os::fd::AsRawFd;
    let flags = libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL;
    // SAFETY: the pointer and length describe `data`, which the kernel only
    // reads during the call, and the descriptor is open while `stream` is
    // borrowed.
    let sent = unsafe { libc::send(stream.as_raw_fd(), data.as_ptr().cast(), data.len(), flags) };
    usize::try_from(sent).map_err(|_| std::io::Error::last_os_error())
}
