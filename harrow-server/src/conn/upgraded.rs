//! A connection after `101 Switching Protocols`: the HTTP/1.1 socket (plain
//! or TLS) handed to the code that asked for the upgrade, as a reading and
//! a writing half that work at once. An HTTP/2 stream accepted after an
//! extended CONNECT (RFC 8441) is handed over the same way.
//!
//! The HTTP timeouts stop here. Each half has its own deadline entry in the
//! worker's sweep, set by its owner: the reading half's is drainable, so a
//! graceful drain cancels a read that waits for the peer (the owner then
//! says goodbye its own way), and neither is capped by the connection
//! timeout, since upgraded connections are meant to live long. As
//! everywhere in the server, a fired deadline cancels the operation in
//! flight, which is still awaited before its buffer is reused.

use std::io;
use std::rc::Rc;
use std::time::Duration;

use bytes::Bytes;
use monoio::buf::{IoBuf, IoBufMut};
use monoio::io::{
    AsyncWriteRent, CancelHandle, CancelableAsyncReadRent, CancelableAsyncWriteRent,
    CancelableAsyncWriteRentExt, OwnedReadHalf, OwnedWriteHalf, Splitable,
};
use monoio::net::TcpStream;

#[cfg(feature = "http2")]
use super::h2::tunnel::{TunnelRead, TunnelWrite};
#[cfg(feature = "tls")]
use super::tls::split::{TlsRead, TlsWrite};
#[cfg(feature = "tls")]
use super::tls::stream::TlsIo;
use crate::buffers::iovecs::IoVecs;
use crate::shared::Worker;
use crate::timer::{ConnTimer, Fired, Phase};

/// The socket of a connection being upgraded.
pub(crate) enum Socket {
    /// Plain TCP.
    Plain(TcpStream),
    /// A TLS session over TCP.
    #[cfg(feature = "tls")]
    Tls(TlsIo),
    /// An HTTP/2 stream after an extended CONNECT: its receiving and its
    /// sending side.
    #[cfg(feature = "http2")]
    H2(TunnelRead, TunnelWrite),
}

/// A connection after `101 Switching Protocols` (or an HTTP/2 stream after
/// an accepted extended CONNECT), for the callback given to
/// [`OnUpgrade::on_upgrade`](crate::upgrade::OnUpgrade::on_upgrade). Split
/// it to read and write at once.
pub struct Upgraded {
    socket: Socket,
    early: Vec<u8>,
    worker: Rc<Worker>,
}

impl Upgraded {
    /// The connection over `socket`, with `early` (bytes the client sent
    /// after its request, already read) to be read first.
    pub(crate) fn new(socket: Socket, early: Vec<u8>, worker: Rc<Worker>) -> Self {
        Upgraded {
            socket,
            early,
            worker,
        }
    }

    /// The reading and the writing half.
    pub fn split(self) -> (UpgradedRead, UpgradedWrite) {
        let worker = self.worker;
        let mut direct = None;
        let (read, write) = match self.socket {
            Socket::Plain(stream) => {
                // Under epoll a write the socket takes at once needs no
                // operation of the runtime (and none of its bookkeeping).
                if monoio::utils::is_legacy() {
                    direct = Some(std::os::fd::AsRawFd::as_raw_fd(&stream));
                }
                let (read, write) = stream.into_split();
                (ReadHalf::Plain(read), WriteHalf::Plain(write))
            }
            #[cfg(feature = "tls")]
            Socket::Tls(io) => {
                let (read, write) = super::tls::split::split(io, worker.clone());
                (ReadHalf::Tls(read), WriteHalf::Tls(write))
            }
            #[cfg(feature = "http2")]
            Socket::H2(read, write) => (ReadHalf::H2(read), WriteHalf::H2(write)),
        };
        let read_timer = worker.timers.register(None);
        // Waiting for the peer is what a drain may end.
        read_timer.set_phase(Phase::Idle, false);
        let write_timer = worker.timers.register(None);
        let reader = UpgradedRead {
            half: read,
            early: self.early,
            early_at: 0,
            timer: read_timer,
            worker,
        };
        let writer = UpgradedWrite {
            half: write,
            direct,
            timer: write_timer,
            timeout: None,
        };
        (reader, writer)
    }
}

enum ReadHalf {
    Plain(OwnedReadHalf<TcpStream>),
    #[cfg(feature = "tls")]
    Tls(TlsRead),
    #[cfg(feature = "http2")]
    H2(TunnelRead),
}

enum WriteHalf {
    Plain(OwnedWriteHalf<TcpStream>),
    #[cfg(feature = "tls")]
    Tls(TlsWrite),
    #[cfg(feature = "http2")]
    H2(TunnelWrite),
}

/// The reading half of an [`Upgraded`] connection.
pub struct UpgradedRead {
    half: ReadHalf,
    early: Vec<u8>,
    early_at: usize,
    timer: ConnTimer,
    worker: Rc<Worker>,
}

impl UpgradedRead {
    /// Reads what arrives into `buf`'s spare capacity (reserve some first)
    /// and returns how much, 0 at the end of the stream; `buf` comes back
    /// whatever happened.
    ///
    /// It fails with [`io::ErrorKind::TimedOut`] when the timeout given to
    /// [`set_timeout`](Self::set_timeout) passes, and with
    /// [`io::ErrorKind::Interrupted`] when the server starts its graceful
    /// drain ([`draining`](Self::draining) is then true): set a timeout and
    /// read on to finish a closing handshake.
    pub async fn read(&mut self, mut buf: Vec<u8>) -> (io::Result<usize>, Vec<u8>) {
        if self.early_at < self.early.len() {
            let n = (buf.capacity() - buf.len()).min(self.early.len() - self.early_at);
            buf.extend_from_slice(&self.early[self.early_at..self.early_at + n]);
            self.early_at += n;
            if self.early_at == self.early.len() {
                self.early = Vec::new();
                self.early_at = 0;
            }
            return (Ok(n), buf);
        }
        if let Some(e) = self.fired() {
            return (Err(e), buf);
        }
        let cancel = self.timer.handle();
        let (res, buf) = match &mut self.half {
            ReadHalf::Plain(half) => {
                let len = buf.len();
                let (res, slice) = half.cancelable_read(buf.slice_mut(len..), cancel).await;
                (res, slice.into_inner())
            }
            #[cfg(feature = "tls")]
            ReadHalf::Tls(half) => half.read(buf, cancel).await,
            #[cfg(feature = "http2")]
            ReadHalf::H2(half) => {
                let mut buf = buf;
                match self.timer.until_fired(half.read(&mut buf)).await {
                    Some(res) => (res, buf),
                    None => (Err(cancelled()), buf),
                }
            }
        };
        match res {
            Err(e) => (Err(self.fired().unwrap_or(e)), buf),
            ok => (ok, buf),
        }
    }

    /// Bounds the next reads: each waits at most `timeout` from now (`None`
    /// for no limit). Until the server drains, a drain still ends a wait.
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.timer.reset_fired();
        self.timer.arm_in(timeout);
        let phase = if self.worker.drain.is_on() {
            Phase::Busy
        } else {
            Phase::Idle
        };
        self.timer.set_phase(phase, false);
    }

    /// Whether the server has started its graceful drain.
    pub fn draining(&self) -> bool {
        self.worker.drain.is_on()
    }

    /// Why the last read was cut short, if it was.
    fn fired(&self) -> Option<io::Error> {
        match self.timer.fired()? {
            Fired::Deadline => Some(io::Error::new(
                io::ErrorKind::TimedOut,
                "the read timeout passed",
            )),
            Fired::Drain => Some(io::Error::new(
                io::ErrorKind::Interrupted,
                "the server is shutting down",
            )),
            Fired::Release => None,
        }
    }
}

/// The writing half of an [`Upgraded`] connection.
pub struct UpgradedWrite {
    half: WriteHalf,
    /// The plain socket's descriptor under epoll, for sends that need not
    /// wait; open while `half` is.
    direct: Option<std::os::fd::RawFd>,
    timer: ConnTimer,
    timeout: Option<Duration>,
}

impl UpgradedWrite {
    /// Writes all of `buf`, which comes back; fails with
    /// [`io::ErrorKind::TimedOut`] when it takes longer than the timeout
    /// given to [`set_timeout`](Self::set_timeout) (a peer that stops
    /// reading).
    pub async fn write_all(&mut self, buf: Vec<u8>) -> (io::Result<()>, Vec<u8>) {
        let mut sent = 0;
        if let Some(fd) = self.direct {
            match crate::conn::transport::try_send_fd(fd, &buf) {
                Ok(n) if n == buf.len() => return (Ok(()), buf),
                Ok(n) => sent = n,
                // Nothing taken now: the runtime's write waits for room.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => return (Err(e), buf),
            }
        }
        self.timer.reset_fired();
        self.timer.arm_in(self.timeout);
        let cancel = self.timer.handle();
        let (res, buf) = match &mut self.half {
            WriteHalf::Plain(half) => {
                let (res, rest) = half.write_all(buf.slice(sent..), cancel).await;
                (res.map(drop), rest.into_inner())
            }
            #[cfg(feature = "tls")]
            WriteHalf::Tls(half) => {
                let res = half.write_all(&buf, cancel).await;
                (res, buf)
            }
            #[cfg(feature = "http2")]
            WriteHalf::H2(half) => {
                let data = Bytes::copy_from_slice(&buf);
                let res = self.timer.until_fired(half.write(data)).await;
                let res = res.unwrap_or_else(|| Err(cancelled()));
                if res.is_err() {
                    half.abort();
                }
                (res, buf)
            }
        };
        match res {
            Err(_) if self.timer.fired().is_some() => {
                let e = io::Error::new(io::ErrorKind::TimedOut, "the write timeout passed");
                (Err(e), buf)
            }
            res => (res, buf),
        }
    }

    /// Writes all of `bufs`, in order, with one vectored write where the
    /// socket takes them at once (over TLS: each part its own records, all
    /// in one socket write); a large payload goes out from its own buffer beside a small
    /// header, with no copy. Fails as [`write_all`](Self::write_all) does.
    pub async fn write_all_bufs(&mut self, bufs: Vec<Bytes>) -> io::Result<()> {
        self.timer.reset_fired();
        self.timer.arm_in(self.timeout);
        let cancel = self.timer.handle();
        let res = match &mut self.half {
            WriteHalf::Plain(half) => write_iovecs(half, IoVecs::new(bufs), cancel).await,
            #[cfg(feature = "tls")]
            WriteHalf::Tls(half) => {
                let parts: Vec<&[u8]> = bufs.iter().map(|b| &b[..]).collect();
                half.write_all_parts(&parts, cancel).await
            }
            #[cfg(feature = "http2")]
            WriteHalf::H2(half) => {
                let write = async {
                    for part in bufs {
                        half.write(part).await?;
                    }
                    Ok(())
                };
                let res = self.timer.until_fired(write).await;
                let res = res.unwrap_or_else(|| Err(cancelled()));
                if res.is_err() {
                    half.abort();
                }
                res
            }
        };
        match res {
            Err(_) if self.timer.fired().is_some() => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the write timeout passed",
            )),
            res => res,
        }
    }

    /// Bounds each later write to `timeout` (`None` for no limit).
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.timeout = timeout;
    }

    /// Ends the sending side (after TLS close_notify), within the write
    /// timeout.
    pub async fn shutdown(&mut self) {
        self.timer.reset_fired();
        self.timer.arm_in(self.timeout);
        match &mut self.half {
            WriteHalf::Plain(half) => {
                let _ = half.shutdown().await;
            }
            #[cfg(feature = "tls")]
            WriteHalf::Tls(half) => half.shutdown(self.timer.handle()).await,
            #[cfg(feature = "http2")]
            WriteHalf::H2(half) => half.finish(),
        }
    }
}

/// The error of an operation its deadline or a drain cut short.
#[cfg(feature = "http2")]
fn cancelled() -> io::Error {
    io::Error::new(io::ErrorKind::Interrupted, "cancelled")
}

/// Writes everything `bufs` holds with vectored writes, advancing past
/// what each took (a write may end inside a buffer).
async fn write_iovecs(
    half: &mut OwnedWriteHalf<TcpStream>,
    mut bufs: IoVecs,
    cancel: CancelHandle,
) -> io::Result<()> {
    while !bufs.is_empty() {
        let (res, back) = half.cancelable_writev(bufs, cancel.clone()).await;
        bufs = back;
        match res {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => bufs.advance(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
