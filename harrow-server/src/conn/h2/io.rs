//! The socket as `h2` sees it: bytes read during protocol detection are
//! replayed first, every byte read passes the frame guard, and the bytes
//! read and written are counted for the worker's statistics.

use std::cell::Cell;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

use monoio::io::poll_io::{AsyncRead, AsyncWrite, ReadBuf};

use super::guard::{FrameGuard, Verdict};
use crate::stats::Counters;

/// What the guard has learnt, shared with the connection task.
#[derive(Default)]
pub(crate) struct Seen {
    /// The guard saw a flood: the connection must go away.
    pub(crate) flood: Cell<bool>,
    /// The guard saw a rule broken that `h2` does not check: the
    /// connection must go away with PROTOCOL_ERROR.
    pub(crate) malformed: Cell<Option<&'static str>>,
    /// The client's first SETTINGS frame arrived (the handshake is over).
    pub(crate) settings: Cell<bool>,
}

/// A poll-mode stream with a replayed prefix and a frame guard.
pub(crate) struct GuardedIo<T> {
    prefix: Vec<u8>,
    pos: usize,
    inner: T,
    guard: FrameGuard,
    seen: Rc<Seen>,
    woken: bool,
    stats: Arc<Counters>,
}

impl<T> GuardedIo<T> {
    /// Wraps `inner`, replaying `prefix` (already counted) first, and
    /// counting what goes through in `stats`.
    pub(crate) fn new(prefix: Vec<u8>, inner: T, seen: Rc<Seen>, stats: Arc<Counters>) -> Self {
        GuardedIo {
            prefix,
            pos: 0,
            inner,
            guard: FrameGuard::default(),
            seen,
            woken: false,
            stats,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for GuardedIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.stopped() {
            // Read nothing more from a client the guard stopped; the
            // connection task is woken once to notice and send GOAWAY, which
            // still goes out.
            if !this.woken {
                this.woken = true;
                cx.waker().wake_by_ref();
            }
            return Poll::Pending;
        }
        let before = buf.filled().len();
        if this.pos < this.prefix.len() {
            let n = (this.prefix.len() - this.pos).min(buf.remaining());
            buf.put_slice(&this.prefix[this.pos..this.pos + n]);
            this.pos += n;
            if this.pos == this.prefix.len() {
                this.prefix = Vec::new();
                this.pos = 0;
            }
        } else {
            match Pin::new(&mut this.inner).poll_read(cx, buf) {
                Poll::Ready(Ok(())) => this.stats.received(buf.filled().len() - before),
                other => return other,
            }
        }
        let verdict = this.guard.inspect(&buf.filled()[before..]);
        this.seen.settings.set(this.guard.settings_seen());
        match verdict {
            Verdict::Fine => return Poll::Ready(Ok(())),
            Verdict::Flood => {
                this.seen.flood.set(true);
                tracing::warn!("HTTP/2 control frame flood; closing the connection");
            }
            Verdict::Malformed(why) => {
                this.seen.malformed.set(Some(why));
                tracing::debug!(why, "HTTP/2 protocol error; closing the connection");
            }
        }
        // `h2` never sees the bytes that broke the rule.
        buf.set_filled(before);
        this.woken = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl<T> GuardedIo<T> {
    /// Whether the guard has stopped the connection.
    fn stopped(&self) -> bool {
        self.seen.flood.get() || self.seen.malformed.get().is_some()
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for GuardedIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = written {
            self.stats.sent(n);
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = written {
            self.stats.sent(n);
        }
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
