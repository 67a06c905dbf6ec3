//! An HTTP/2 stream as a two-way byte tunnel, once a 2xx has accepted an
//! extended CONNECT (RFC 8441 §4): what a WebSocket over HTTP/2 runs on.
//! DATA frames carry the bytes each way, flow control paces them, and
//! END_STREAM ends each direction.
//!
//! Nothing here owns a kernel buffer: `h2` copies from and to the socket
//! on the connection's task, so a read or a write in flight may be dropped
//! at any point (a deadline does so through `ConnTimer::until_fired`).

use std::future::poll_fn;
use std::io;

use bytes::{Buf, Bytes};
use h2::{RecvStream, SendStream};

/// The receiving side of a tunnel.
pub(crate) struct TunnelRead {
    recv: RecvStream,
    /// What the last DATA frame held beyond the caller's room.
    pending: Bytes,
}

impl TunnelRead {
    /// The tunnel's receiving side over `recv`.
    pub(crate) fn new(recv: RecvStream) -> Self {
        TunnelRead {
            recv,
            pending: Bytes::new(),
        }
    }

    /// Copies what arrives into `buf`'s spare capacity and returns how
    /// much; 0 once the client has ended its side (or when `buf` has no
    /// room). The stream's window is given back only for what is copied
    /// out, so a reader that stops reading stops the client's sending.
    pub(crate) async fn read(&mut self, buf: &mut Vec<u8>) -> io::Result<usize> {
        let room = buf.capacity() - buf.len();
        if room == 0 {
            return Ok(0);
        }
        // An empty DATA frame is not the end of the stream.
        while self.pending.is_empty() {
            match poll_fn(|cx| self.recv.poll_data(cx)).await {
                None => return Ok(0),
                Some(Err(e)) => return Err(io_error(e)),
                Some(Ok(data)) => self.pending = data,
            }
        }
        let n = room.min(self.pending.len());
        buf.extend_from_slice(&self.pending[..n]);
        self.pending.advance(n);
        let _ = self.recv.flow_control().release_capacity(n);
        Ok(n)
    }
}

/// The most capacity one write asks for at once: the stream's send
/// buffer holds no more, and `h2` counts capacity in 32 bits.
const MAX_RESERVE: usize = 1 << 20;

/// The sending side of a tunnel. Dropped without [`finish`](Self::finish)
/// or [`abort`](Self::abort), it ends the stream as `finish` does, after
/// what is queued: the way a socket's close sends what it holds first.
pub(crate) struct TunnelWrite {
    send: SendStream<Bytes>,
    ended: bool,
}

impl TunnelWrite {
    /// The tunnel's sending side over `send`.
    pub(crate) fn new(send: SendStream<Bytes>) -> Self {
        TunnelWrite { send, ended: false }
    }

    /// Queues `data` for the connection to send, as the client's window
    /// allows; it waits while the window (or the stream's send buffer) is
    /// full, so a client that does not read stops the writer.
    pub(crate) async fn write(&mut self, mut data: Bytes) -> io::Result<()> {
        while !data.is_empty() {
            self.send.reserve_capacity(data.len().min(MAX_RESERVE));
            let granted = match poll_fn(|cx| self.send.poll_capacity(cx)).await {
                Some(Ok(n)) => n,
                Some(Err(e)) => return Err(io_error(e)),
                None => {
                    return Err(io::Error::new(
                        io::ErrorKind::BrokenPipe,
                        "the client reset the stream",
                    ));
                }
            };
            if granted > 0 {
                let piece = data.split_to(granted.min(data.len()));
                self.send.send_data(piece, false).map_err(io_error)?;
            }
        }
        Ok(())
    }

    /// Ends the sending side (END_STREAM) once what is queued has gone.
    pub(crate) fn finish(&mut self) {
        if !std::mem::replace(&mut self.ended, true) {
            let _ = self.send.send_data(Bytes::new(), true);
        }
    }

    /// Resets the stream (CANCEL), dropping what is queued: for a write
    /// that failed, such as one the client's window held past its timeout.
    pub(crate) fn abort(&mut self) {
        if !std::mem::replace(&mut self.ended, true) {
            self.send.send_reset(h2::Reason::CANCEL);
        }
    }
}

impl Drop for TunnelWrite {
    fn drop(&mut self) {
        self.finish();
    }
}

/// `e` as an IO error: the socket's own error, or a reset of the stream
/// or the connection.
fn io_error(e: h2::Error) -> io::Error {
    if e.is_io() {
        return e
            .into_io()
            .unwrap_or_else(|| io::Error::other("HTTP/2 connection error"));
    }
    io::Error::new(io::ErrorKind::ConnectionReset, e)
}
