//! What an HTTP/1.1 connection's IO half reads from and writes to: a plain
//! TCP stream, or (with the `tls` feature) a TLS session over one.
//!
//! Every operation that may wait takes the connection's timer entry: a
//! fired deadline cancels the operation in flight, and the operation is
//! still awaited, so a buffer lent to the kernel comes back before reuse.

use std::future::Future;
use std::io;
use std::os::fd::RawFd;

use bytes::Bytes;
use monoio::buf::IoBufMut;
use monoio::io::{AsyncWriteRent, CancelableAsyncReadRent, CancelableAsyncWriteRentExt};
use monoio::net::TcpStream;

use crate::conn::upgraded::Socket;
use crate::timer::ConnTimer;

/// A byte stream for HTTP/1.1, with owned buffers and cancelable waits.
pub(crate) trait Transport {
    /// Reads into `buf`'s spare capacity; the buffer comes back whatever
    /// happened, with what was read appended.
    fn read(
        &mut self,
        buf: Vec<u8>,
        timer: &ConnTimer,
    ) -> impl Future<Output = (io::Result<usize>, Vec<u8>)>;

    /// Waits until bytes can be read, holding no buffer; dropping the wait
    /// cancels it.
    fn readable(&mut self) -> impl Future<Output = io::Result<()>>;

    /// Writes all of `buf`, which comes back.
    fn write_all(
        &mut self,
        buf: Vec<u8>,
        timer: &ConnTimer,
    ) -> impl Future<Output = (io::Result<()>, Vec<u8>)>;

    /// Writes all of `bytes` from their own buffer.
    fn write_bytes(
        &mut self,
        bytes: Bytes,
        timer: &ConnTimer,
    ) -> impl Future<Output = io::Result<()>>;

    /// Sends what it can of `data` at once, without registering an
    /// operation: `None` where the transport cannot (TLS, io_uring), else how
    /// much the kernel took (`WouldBlock` for nothing).
    fn try_send(&mut self, data: &[u8]) -> Option<io::Result<usize>>;

    /// Whether the kernel can send a file's pages to this transport itself
    /// (`sendfile`): a plain socket can, TLS cannot.
    #[cfg(feature = "fs")]
    fn sends_files(&self) -> bool;

    /// Sends what it can of `len` bytes of the file `fd` from byte `pos`
    /// at once with one `sendfile`: how much the kernel took (0 when the
    /// file ended), or `WouldBlock` for nothing. Only where
    /// [`sends_files`](Self::sends_files).
    #[cfg(feature = "fs")]
    fn try_send_file(&mut self, fd: RawFd, pos: u64, len: usize) -> io::Result<usize>;

    /// Waits until the socket can take more bytes, holding no buffer;
    /// dropping the wait cancels it.
    #[cfg(feature = "fs")]
    fn writable(&mut self) -> impl Future<Output = io::Result<()>>;

    /// Says goodbye before the connection is dropped (TLS close_notify);
    /// nothing for plain TCP, which closing says all.
    fn close(&mut self, timer: &ConnTimer) -> impl Future<Output = ()>;

    /// Says goodbye and ends the sending side, while reading may go on.
    fn shutdown(&mut self, timer: &ConnTimer) -> impl Future<Output = ()>;

    /// The socket as an upgraded connection takes it over.
    fn into_socket(self) -> Socket;
}

/// A plain TCP stream; `readiness` says whether the runtime is epoll.
pub(crate) struct Plain {
    pub(crate) stream: TcpStream,
    pub(crate) readiness: bool,
}

impl Transport for Plain {
    async fn read(&mut self, buf: Vec<u8>, timer: &ConnTimer) -> (io::Result<usize>, Vec<u8>) {
        let len = buf.len();
        let (res, slice) = self
            .stream
            .cancelable_read(buf.slice_mut(len..), timer.handle())
            .await;
        (res, slice.into_inner())
    }

    async fn readable(&mut self) -> io::Result<()> {
        self.stream.readable(true).await
    }

    async fn write_all(&mut self, buf: Vec<u8>, timer: &ConnTimer) -> (io::Result<()>, Vec<u8>) {
        let (res, buf) = self.stream.write_all(buf, timer.handle()).await;
        (res.map(drop), buf)
    }

    async fn write_bytes(&mut self, bytes: Bytes, timer: &ConnTimer) -> io::Result<()> {
        let (res, _) = self.stream.write_all(bytes, timer.handle()).await;
        res.map(drop)
    }

    fn try_send(&mut self, data: &[u8]) -> Option<io::Result<usize>> {
        self.readiness.then(|| try_send(&self.stream, data))
    }

    #[cfg(feature = "fs")]
    fn sends_files(&self) -> bool {
        true
    }

    #[cfg(feature = "fs")]
    fn try_send_file(&mut self, fd: RawFd, pos: u64, len: usize) -> io::Result<usize> {
        send_file(&self.stream, fd, pos, len, !self.readiness)
    }

    #[cfg(feature = "fs")]
    async fn writable(&mut self) -> io::Result<()> {
        // Not relaxed: the last `sendfile` was the server's own system call,
        // so under epoll the runtime's idea of readiness is stale and must
        // be checked again.
        self.stream.writable(false).await
    }

    async fn close(&mut self, _timer: &ConnTimer) {}

    async fn shutdown(&mut self, _timer: &ConnTimer) {
        let _ = self.stream.shutdown().await;
    }

    fn into_socket(self) -> Socket {
        Socket::Plain(self.stream)
    }
}

/// One non-blocking send straight to the socket, outside the runtime: how
/// much the kernel took, or `WouldBlock` when it took nothing. Only for the
/// epoll driver, where the runtime does the same system call itself; with
/// io_uring every write goes through the ring.
fn try_send(stream: &TcpStream, data: &[u8]) -> io::Result<usize> {
    use std::os::fd::AsRawFd;
    // The descriptor is open while `stream` is borrowed.
    try_send_fd(stream.as_raw_fd(), data)
}

/// One non-blocking send of `data` to the socket `fd`, which the caller
/// keeps open for the call: how much the kernel took, or `WouldBlock`.
pub(crate) fn try_send_fd(fd: RawFd, data: &[u8]) -> io::Result<usize> {
    let flags = libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL;
    // SAFETY: the pointer and length describe `data`, which the kernel only
    // reads during the call.
    let sent = unsafe { libc::send(fd, data.as_ptr().cast(), data.len(), flags) };
    usize::try_from(sent).map_err(|_| io::Error::last_os_error())
}

/// One `sendfile` of up to `len` bytes of `file` from `pos` to `stream`,
/// which must not wait for room: under epoll the socket is non-blocking
/// already; under io_uring (`blocking`: the ring does the waiting for its
/// own operations) it is made non-blocking for the call only, while no
/// operation of the ring is in flight on it.
#[cfg(feature = "fs")]
fn send_file(
    stream: &TcpStream,
    file: RawFd,
    pos: u64,
    len: usize,
    blocking: bool,
) -> io::Result<usize> {
    use std::os::fd::AsRawFd;
    let socket = stream.as_raw_fd();
    let mut offset = libc::off_t::try_from(pos).map_err(|_| io::ErrorKind::InvalidInput)?;
    let restore = if blocking {
        let flags = status_flags(socket, libc::F_GETFL, 0)?;
        status_flags(socket, libc::F_SETFL, flags | libc::O_NONBLOCK)?;
        Some(flags)
    } else {
        None
    };
    // SAFETY: both descriptors are open for the call (`stream` is borrowed,
    // the file is held by the body being sent), and `offset` is a valid
    // `off_t` the kernel updates; the file's own position is not used.
    let sent = unsafe { libc::sendfile(socket, file, &mut offset, len) };
    let result = usize::try_from(sent).map_err(|_| io::Error::last_os_error());
    if let Some(flags) = restore {
        status_flags(socket, libc::F_SETFL, flags)?;
    }
    result
}

/// Reads (`F_GETFL`) or sets (`F_SETFL`, to `flags`) a descriptor's status
/// flags.
#[cfg(feature = "fs")]
fn status_flags(fd: RawFd, op: libc::c_int, flags: libc::c_int) -> io::Result<libc::c_int> {
    // SAFETY: F_GETFL and F_SETFL on an open descriptor only read or change
    // its status flags.
    let got = unsafe { libc::fcntl(fd, op, flags) };
    if got == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(got)
}
