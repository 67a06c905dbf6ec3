//! The IO half of an HTTP/1.1 connection: the socket, its read and write
//! buffers, and the deadline of whatever it waits for. It knows bytes and
//! deadlines, not requests.
//!
//! Every read, and every write that has to wait, is an operation cancelable
//! through the connection's timer entry; a fired deadline cancels it, and
//! the operation is still awaited, so its buffer comes back before reuse.
//! Buffers come from the worker's pool: an idle connection gives its read
//! buffer back and waits for readability without one.

use std::future::poll_fn;
use std::io::ErrorKind;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::Instant;

use bytes::{Buf, Bytes};

use crate::Config;
use crate::codec::{H1Error, Head, Status, parse_head_shared, parse_head_with};
use crate::conn::transport::Transport;
use crate::conn::wait::Wait;
use crate::shared::Worker;
use crate::timer::{ConnTimer, Fired, Interrupter};

/// Buffered input up to this size is copied once for all the requests in
/// it (a pipelined batch); beyond, each head is copied on its own.
const BATCH_COPY_MAX: usize = 8 * 1024;
/// The most one `sendfile` call is asked to send.
#[cfg(feature = "fs")]
const SEND_FILE_STEP: usize = 2 * 1024 * 1024;
/// How much of a file goes out without a wait before its connection lets
/// the worker's other connections run.
#[cfg(feature = "fs")]
const SEND_FILE_TURN: usize = 32 * 1024 * 1024;
/// After an error answer, read and discard at most this much.
const LINGER_BYTES: usize = 256 * 1024;

/// Why a read did not return bytes.
pub(crate) enum FillError {
    /// The peer closed its side.
    Eof,
    /// The connection's timer entry fired.
    Fired(Fired),
    /// The socket failed.
    Io,
}

/// The transport of one HTTP/1.1 connection (a plain socket, or TLS over
/// one), with its buffers and deadline.
pub(crate) struct Io<T> {
    transport: T,
    worker: Rc<Worker>,
    timer: ConnTimer,
    /// Input; `None` while idle, so an idle connection holds no buffer.
    rbuf: Option<Vec<u8>>,
    /// Bytes of `rbuf` already consumed.
    start: usize,
    /// A copy of `rbuf[start..]` that parsed heads point into, shared by the
    /// requests of one read; `None` until needed and after every read.
    batch: Option<Bytes>,
    /// Output waiting to be written.
    wbuf: Option<Vec<u8>>,
}

impl<T: Transport> Io<T> {
    /// The connection's IO over `transport`, with `read` (bytes already
    /// read, if any) as its first input.
    pub(crate) fn new(
        transport: T,
        worker: Rc<Worker>,
        timer: ConnTimer,
        read: Option<Vec<u8>>,
    ) -> Self {
        Io {
            transport,
            worker,
            timer,
            rbuf: read,
            start: 0,
            batch: None,
            wbuf: None,
        }
    }

    /// The worker.
    pub(crate) fn worker(&self) -> &Rc<Worker> {
        &self.worker
    }

    /// The worker's configuration.
    pub(crate) fn config(&self) -> &Config {
        &self.worker.config
    }

    /// Whether the worker is draining.
    pub(crate) fn draining(&self) -> bool {
        self.worker.drain.is_on()
    }

    /// Gives up the transport, the bytes read and not yet consumed, and the
    /// timer entry (for a connection that turns out to speak HTTP/2, or is
    /// upgraded).
    pub(crate) fn into_parts(mut self) -> (T, Vec<u8>, ConnTimer) {
        self.release_write_buf();
        let mut read = self.rbuf.take().unwrap_or_default();
        read.drain(..self.start);
        (self.transport, read, self.timer)
    }

    // ----- deadlines -------------------------------------------------------

    /// Arms the deadline of `wait`.
    pub(crate) fn wait(&self, wait: Wait) {
        wait.arm(&self.timer, &self.worker.config, self.rbuf.is_some());
    }

    /// The instant the rest of a head must arrive by, counted from now.
    pub(crate) fn head_deadline(&self) -> Option<Instant> {
        self.timer
            .deadline_in(Wait::HeadRest.timeout(&self.worker.config))
    }

    /// Waits for the rest of a head until `at`.
    pub(crate) fn wait_until(&self, at: Option<Instant>) {
        self.timer.arm(at);
        self.timer.set_phase(crate::timer::Phase::Busy, true);
    }

    /// Why the last operation was cancelled, if it was.
    pub(crate) fn fired(&self) -> Option<Fired> {
        self.timer.fired()
    }

    /// Forgets that the deadline fired; only with no operation in flight.
    pub(crate) fn reset_fired(&self) {
        self.timer.reset_fired();
    }

    /// Wakes `waker` when the deadline fires.
    pub(crate) fn register_waker(&self, waker: &Waker) {
        self.timer.register_waker(waker);
    }

    /// Cancels the operation in flight without firing the deadline.
    pub(crate) fn interrupter(&self) -> Interrupter {
        self.timer.interrupter()
    }

    // ----- reading ---------------------------------------------------------

    /// Input read and not yet consumed.
    pub(crate) fn buffered(&self) -> &[u8] {
        self.rbuf
            .as_deref()
            .map(|b| &b[self.start..])
            .unwrap_or(&[])
    }

    /// Parses the next head from the input. The first complete head of a
    /// small read copies the whole read once, into the worker's arena (the
    /// heads after it, pipelined, and small bodies are slices of that copy);
    /// a head still arriving is not copied at all. The caller consumes the
    /// head (`consume(head.len)`), so the head is returned without a copy.
    pub(crate) fn parse_head(&mut self) -> Result<Status<Head>, H1Error> {
        let limits = &self.worker.limits;
        if let Some(batch) = &self.batch {
            parse_head_shared(batch, limits)
        } else {
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
    }

    /// Marks `n` buffered bytes as consumed.
    pub(crate) fn consume(&mut self, n: usize) {
        self.start += n;
        if let Some(batch) = self.batch.as_mut() {
            batch.advance(n);
        }
    }

    /// The next `n` bytes when they arrived with the head just parsed
    /// (a small body): a slice of the batch copy, consumed, with nothing to
    /// read or wait for.
    pub(crate) fn take_from_batch(&mut self, n: usize) -> Option<Bytes> {
        let bytes = self.batch.as_ref().filter(|b| b.len() >= n)?.slice(..n);
        self.consume(n);
        Some(bytes)
    }

    /// Reads more input, taking a buffer from the pool when the connection
    /// has none (after waiting for readability without one).
    pub(crate) async fn fill(&mut self) -> Result<usize, FillError> {
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
        let (res, buf) = self.transport.read(buf, &self.timer).await;
        self.rbuf = Some(buf);
        match res {
            Ok(0) => Err(FillError::Eof),
            Ok(n) => {
                self.worker.stats.received(n);
                Ok(n)
            }
            Err(_) => Err(self.timer.fired().map_or(FillError::Io, FillError::Fired)),
        }
    }

    /// Waits until the socket is readable, holding no buffer.
    async fn readable(&mut self) -> Result<(), FillError> {
        let timer = &self.timer;
        let mut ready = pin!(self.transport.readable());
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

    /// Gives the read buffer back to the pool when nothing in it is unread.
    pub(crate) fn release_idle_read_buf(&mut self) {
        if self.buffered().is_empty() {
            self.release_read_buf();
        }
    }

    /// Gives the read buffer back to the pool.
    pub(crate) fn release_read_buf(&mut self) {
        if let Some(buf) = self.rbuf.take() {
            self.worker.pool.put(buf);
        }
        self.start = 0;
        self.batch = None;
    }

    // ----- writing ---------------------------------------------------------

    /// The output buffer, taken from the pool when the connection has none.
    pub(crate) fn write_buf(&mut self) -> &mut Vec<u8> {
        let pool = &self.worker.pool;
        self.wbuf.get_or_insert_with(|| pool.get())
    }

    /// How many bytes wait to be written.
    pub(crate) fn queued(&self) -> usize {
        self.wbuf.as_ref().map_or(0, Vec::len)
    }

    /// Writes everything queued, within the write deadline.
    pub(crate) async fn flush(&mut self) -> std::io::Result<()> {
        let Some(mut buf) = self.wbuf.take() else {
            return Ok(());
        };
        if buf.is_empty() {
            self.worker.pool.put(buf);
            return Ok(());
        }
        // With epoll the socket almost always has room: write at once, as
        // a readiness runtime does, and register a cancelable operation only
        // for what the kernel did not take.
        match self.transport.try_send(&buf) {
            None => {}
            Some(Ok(n)) if n == buf.len() => {
                self.worker.stats.sent(n);
                self.worker.pool.put(buf);
                return Ok(());
            }
            Some(Ok(n)) => {
                self.worker.stats.sent(n);
                drop(buf.drain(..n));
            }
            Some(Err(e)) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {}
            Some(Err(e)) => {
                self.worker.pool.put(buf);
                return Err(e);
            }
        }
        self.wait(Wait::Write);
        let (res, buf) = self.transport.write_all(buf, &self.timer).await;
        if res.is_ok() {
            self.worker.stats.sent(buf.len());
        }
        self.worker.pool.put(buf);
        res
    }

    /// Writes what is queued, then `bytes` from their own buffer.
    pub(crate) async fn write_bytes(&mut self, bytes: Bytes) -> std::io::Result<()> {
        self.flush().await?;
        self.wait(Wait::Write);
        let len = bytes.len();
        self.transport.write_bytes(bytes, &self.timer).await?;
        self.worker.stats.sent(len);
        Ok(())
    }

    /// Whether [`send_file`](Self::send_file) works on this connection.
    #[cfg(feature = "fs")]
    pub(crate) fn sends_files(&self) -> bool {
        self.transport.sends_files()
    }

    /// Writes what is queued, then the rest of `file` straight from the
    /// kernel's page cache (`sendfile`), one call per [`SEND_FILE_STEP`] at
    /// most. Each wait for room in the socket is bounded by the write
    /// deadline (so the deadline bounds a stall, not the whole file, as for
    /// a streamed body's chunks); the wait holds no buffer, so a fired
    /// deadline simply drops it. After [`SEND_FILE_TURN`] bytes without a
    /// wait (a client that reads as fast as the kernel sends), the
    /// connection steps aside until the worker's next timer tick.
    ///
    /// Returns `false`, with nothing sent, where the kernel cannot send
    /// this file (`sendfile` unsupported by its filesystem, or an offset
    /// past what `off_t` holds): the caller then reads it instead.
    #[cfg(feature = "fs")]
    pub(crate) async fn send_file(
        &mut self,
        file: &mut crate::rt::fs::FileBody,
    ) -> std::io::Result<bool> {
        if file
            .kernel_range()
            .is_none_or(|(_, pos, left)| libc::off_t::try_from(pos + left).is_err())
        {
            return Ok(false);
        }
        self.flush().await?;
        let mut first = true;
        let mut turn = 0;
        while let Some((fd, pos, left)) = file.kernel_range().filter(|r| r.2 > 0) {
            let step = usize::try_from(left).map_or(SEND_FILE_STEP, |l| l.min(SEND_FILE_STEP));
            match self.transport.try_send_file(fd, pos, step) {
                Ok(0) => return Err(crate::rt::fs::truncated()),
                Ok(n) => {
                    self.worker.stats.sent_from_file(n);
                    file.advance(n as u64);
                    turn += n;
                    if turn >= SEND_FILE_TURN {
                        turn = 0;
                        crate::rt::sleep(std::time::Duration::ZERO).await;
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    turn = 0;
                    self.writable().await?;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e)
                    if first
                        && matches!(
                            e.raw_os_error(),
                            Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP)
                        ) =>
                {
                    return Ok(false);
                }
                Err(e) => return Err(e),
            }
            first = false;
        }
        Ok(true)
    }

    /// Waits until the socket takes more bytes, within the write deadline.
    #[cfg(feature = "fs")]
    async fn writable(&mut self) -> std::io::Result<()> {
        self.wait(Wait::Write);
        let timer = &self.timer;
        let mut ready = pin!(self.transport.writable());
        poll_fn(|cx| {
            if timer.fired() == Some(Fired::Deadline) {
                // Dropping the wait cancels it; it holds no buffer.
                return Poll::Ready(Err(ErrorKind::TimedOut.into()));
            }
            timer.register_waker(cx.waker());
            ready.as_mut().poll(cx)
        })
        .await
    }

    /// Gives the write buffer back to the pool.
    pub(crate) fn release_write_buf(&mut self) {
        if let Some(buf) = self.wbuf.take() {
            self.worker.pool.put(buf);
        }
    }

    /// Ends a connection whose last answer is written: TLS says
    /// close_notify, within the write deadline (not after a deadline
    /// passed: the connection is simply dropped then).
    pub(crate) async fn close(&mut self) {
        match self.timer.fired() {
            Some(Fired::Deadline) => return,
            Some(Fired::Drain) => self.timer.reset_fired(),
            _ => {}
        }
        self.wait(Wait::Write);
        self.transport.close(&self.timer).await;
    }

    /// Closes the sending side, then reads and drops what the client still
    /// sends for a while, so that closing with unread input does not reset
    /// the connection before the client has read the answer.
    pub(crate) async fn linger(&mut self) {
        self.wait(Wait::Write);
        self.transport.shutdown(&self.timer).await;
        self.wait(Wait::Linger);
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
