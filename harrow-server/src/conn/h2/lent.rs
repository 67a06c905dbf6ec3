//! The socket lent to `h2` and taken back once it is done with it, so that
//! a connection the server sends away (GOAWAY for a flood or a protocol
//! error, or at a drain) lingers before it closes: closing a socket with
//! unread input resets the connection, and the reset can reach the client
//! before it has read the GOAWAY that says why.

use std::cell::RefCell;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use monoio::io::poll_io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::Config;
use crate::conn::wait::Wait;
use crate::timer::ConnTimer;

/// After the server sends a connection away, read and drop at most this
/// much of what the client still sends.
const LINGER_BYTES: usize = 1024 * 1024;

/// A socket `h2` drives, which the connection task can take back.
pub(crate) struct Lent<T>(Rc<RefCell<Option<T>>>);

impl<T> Lent<T> {
    /// Lends `io`; the second value takes it back.
    pub(crate) fn new(io: T) -> (Lent<T>, Lent<T>) {
        let shared = Rc::new(RefCell::new(Some(io)));
        (Lent(shared.clone()), Lent(shared))
    }

    /// Takes the socket back (once `h2` has dropped its side, the socket is
    /// no longer used there).
    pub(crate) fn take(&self) -> Option<T> {
        self.0.borrow_mut().take()
    }

    fn with<R>(&self, f: impl FnOnce(Pin<&mut T>) -> Poll<io::Result<R>>) -> Poll<io::Result<R>>
    where
        T: Unpin,
    {
        match self.0.borrow_mut().as_mut() {
            Some(io) => f(Pin::new(io)),
            None => Poll::Ready(Err(io::ErrorKind::NotConnected.into())),
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Lent<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.with(|io| io.poll_read(cx, buf))
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Lent<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.with(|io| io.poll_write(cx, buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.with(|io| io.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.with(|io| io.poll_shutdown(cx))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.with(|io| io.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.0.borrow().as_ref().is_some_and(T::is_write_vectored)
    }
}

/// Ends the sending side, then reads and drops what the client still sends
/// until it closes, for at most the linger time and [`LINGER_BYTES`].
pub(crate) async fn linger<T: AsyncRead + AsyncWrite + Unpin>(
    mut io: T,
    timer: &ConnTimer,
    config: &Config,
) {
    timer.reset_fired();
    Wait::Linger.arm(timer, config, false);
    let shutdown = poll_fn(|cx| Pin::new(&mut io).poll_shutdown(cx));
    if !matches!(timer.until_fired(shutdown).await, Some(Ok(()))) {
        return;
    }
    let mut chunk = [0u8; 2048];
    let mut dropped = 0;
    while dropped < LINGER_BYTES {
        let read = poll_fn(|cx| {
            let mut buf = ReadBuf::new(&mut chunk);
            Pin::new(&mut io)
                .poll_read(cx, &mut buf)
                .map_ok(|()| buf.filled().len())
        });
        match timer.until_fired(read).await {
            Some(Ok(n)) if n > 0 => dropped += n,
            _ => return,
        }
    }
}
