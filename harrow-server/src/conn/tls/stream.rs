//! A TLS session as HTTP/1.1's transport: rustls encrypts and decrypts in
//! memory (its sans-IO `ServerConnection`), and the bytes on the wire go
//! through the same owned, cancelable socket operations as plain HTTP, so
//! a fired deadline cancels a TLS read or write exactly as it cancels a
//! plain one, and the buffer comes back before it is reused.
//!
//! Ciphertext buffers come from the worker's pool for the length of one
//! read or write; an idle HTTPS connection holds none (rustls keeps its
//! session state and whatever it has not handed over yet).
//!
//! [`Inbound`] (ciphertext in, plaintext out) and [`outbound`] (plaintext
//! in, ciphertext out) are the session-side halves, shared with the
//! split halves of an upgraded connection (`split.rs`).

use std::io::{self, Read, Write};
use std::rc::Rc;

use bytes::Bytes;
use monoio::buf::IoBufMut;
use monoio::io::{CancelableAsyncReadRent, CancelableAsyncWriteRentExt};
use monoio::net::TcpStream;
use rustls::ServerConnection;

use crate::buffers::pool::BufPool;
use crate::conn::transport::Transport;
use crate::shared::Worker;
use crate::timer::ConnTimer;

/// The most plaintext rustls takes for sending before it is written out:
/// one TLS record, whose ciphertext fits a buffer the pool takes back.
pub(super) const SEND_LIMIT: usize = 16 * 1024;

/// What has come in on a session and not been read yet.
#[derive(Default)]
pub(super) struct Inbound {
    /// Ciphertext read from the socket and not yet taken by rustls (it
    /// takes more only once the plaintext before it is read), with the
    /// offset of what it has taken.
    pending: Option<(Vec<u8>, usize)>,
    /// Decrypted bytes rustls holds for us.
    plaintext: usize,
    /// The peer sent close_notify, or closed the socket.
    ended: bool,
}

impl Inbound {
    /// The state of a session whose handshake just finished: the last
    /// flight may have carried application data (a pipelined request).
    pub(super) fn after_handshake(session: &mut ServerConnection) -> Self {
        Inbound {
            plaintext: session
                .process_new_packets()
                .map_or(0, |state| state.plaintext_bytes_to_read()),
            ..Inbound::default()
        }
    }

    /// Whether a read can make progress without the socket.
    pub(super) fn has_input(&self) -> bool {
        self.plaintext > 0 || self.pending.is_some() || self.ended
    }

    /// Ciphertext left from the last socket read, to hand to rustls before
    /// reading the socket again.
    pub(super) fn take_pending(&mut self) -> Option<(Vec<u8>, usize)> {
        self.pending.take()
    }

    /// The socket said end of stream.
    pub(super) fn end(&mut self) {
        self.ended = true;
    }

    /// Moves decrypted bytes into `buf`'s spare room: `Some(0)` at the end
    /// of the stream, `None` when rustls holds none yet.
    pub(super) fn take_plaintext(
        &mut self,
        session: &mut ServerConnection,
        buf: &mut Vec<u8>,
    ) -> io::Result<Option<usize>> {
        if self.plaintext == 0 {
            return Ok(self.ended.then_some(0));
        }
        let len = buf.len();
        let n = self.plaintext.min(buf.capacity() - len);
        buf.resize(len + n, 0);
        let read = session.reader().read(&mut buf[len..]);
        let got = match read {
            Ok(got) => got,
            Err(e) => {
                buf.truncate(len);
                return Err(e);
            }
        };
        buf.truncate(len + got);
        self.plaintext -= got;
        Ok(Some(got))
    }

    /// Hands `cipher[at..]` to rustls until it has plaintext for us or the
    /// input is used up; what it did not take waits for the next read. An
    /// error is the session's failure (rustls has queued an alert saying
    /// why).
    pub(super) fn feed(
        &mut self,
        session: &mut ServerConnection,
        cipher: Vec<u8>,
        mut at: usize,
        pool: &BufPool,
    ) -> io::Result<()> {
        while at < cipher.len() && self.plaintext == 0 {
            let taken = session.read_tls(&mut &cipher[at..]);
            let processed = taken.and_then(|n| {
                at += n;
                session
                    .process_new_packets()
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
            });
            match processed {
                Ok(state) => {
                    self.plaintext = state.plaintext_bytes_to_read();
                    self.ended |= state.peer_has_closed();
                }
                Err(e) => {
                    pool.put(cipher);
                    return Err(e);
                }
            }
        }
        if at < cipher.len() {
            self.pending = Some((cipher, at));
        } else {
            pool.put(cipher);
        }
        Ok(())
    }
}

/// Encrypts what it can of `data` (up to rustls's send limit) and returns
/// how much it took, with the ciphertext to write, in a pool buffer.
pub(super) fn outbound(
    session: &mut ServerConnection,
    data: &[u8],
    pool: &BufPool,
) -> io::Result<(usize, Option<Vec<u8>>)> {
    let taken = session.writer().write(data)?;
    Ok((taken, queued(session, pool)?))
}

/// The ciphertext rustls has queued (records, alerts, TLS 1.3 session
/// tickets), in a pool buffer; `None` when there is none.
pub(super) fn queued(
    session: &mut ServerConnection,
    pool: &BufPool,
) -> io::Result<Option<Vec<u8>>> {
    if !session.wants_write() {
        return Ok(None);
    }
    let mut out = pool.get();
    while session.wants_write() {
        if let Err(e) = session.write_tls(&mut out) {
            pool.put(out);
            return Err(e);
        }
    }
    Ok(Some(out))
}

/// HTTP/1.1 over a TLS session.
pub(crate) struct TlsIo {
    stream: TcpStream,
    /// Boxed: the session is large, and the connection future moves it.
    session: Box<ServerConnection>,
    worker: Rc<Worker>,
    inbound: Inbound,
}

impl TlsIo {
    /// The transport over `stream` for a session whose handshake is done.
    pub(super) fn new(stream: TcpStream, session: ServerConnection, worker: Rc<Worker>) -> Self {
        let mut session = Box::new(session);
        session.set_buffer_limit(Some(SEND_LIMIT));
        let inbound = Inbound::after_handshake(&mut session);
        TlsIo {
            stream,
            session,
            worker,
            inbound,
        }
    }

    /// The parts, for an upgraded connection to split.
    pub(super) fn into_parts(self) -> (TcpStream, Box<ServerConnection>, Inbound) {
        (self.stream, self.session, self.inbound)
    }

    /// Reads ciphertext (what is left of the last read first) and hands it
    /// to rustls.
    async fn receive(&mut self, timer: &ConnTimer) -> io::Result<()> {
        let (cipher, at) = match self.inbound.take_pending() {
            Some(pending) => pending,
            None => {
                let buf = self.worker.pool.get();
                let (res, slice) = self
                    .stream
                    .cancelable_read(buf.slice_mut(0..), timer.handle())
                    .await;
                let buf = slice.into_inner();
                match res {
                    Ok(0) => {
                        self.worker.pool.put(buf);
                        self.inbound.end();
                        return Ok(());
                    }
                    Ok(_) => (buf, 0),
                    Err(e) => {
                        self.worker.pool.put(buf);
                        return Err(e);
                    }
                }
            }
        };
        let fed = self
            .inbound
            .feed(&mut self.session, cipher, at, &self.worker.pool);
        if fed.is_err() {
            // The alert rustls queued goes out if it can.
            let _ = self.send_queued(timer).await;
        }
        fed
    }

    /// Writes the ciphertext rustls has queued.
    async fn send_queued(&mut self, timer: &ConnTimer) -> io::Result<()> {
        while let Some(out) = queued(&mut self.session, &self.worker.pool)? {
            let (res, out) = self.stream.write_all(out, timer.handle()).await;
            self.worker.pool.put(out);
            res?;
        }
        Ok(())
    }

    /// Encrypts `data` and writes it, a bounded piece at a time.
    async fn send(&mut self, mut data: &[u8], timer: &ConnTimer) -> io::Result<()> {
        while !data.is_empty() {
            let (taken, out) = outbound(&mut self.session, data, &self.worker.pool)?;
            data = &data[taken..];
            if let Some(out) = out {
                let (res, out) = self.stream.write_all(out, timer.handle()).await;
                self.worker.pool.put(out);
                res?;
            }
        }
        Ok(())
    }
}

impl Transport for TlsIo {
    async fn read(&mut self, mut buf: Vec<u8>, timer: &ConnTimer) -> (io::Result<usize>, Vec<u8>) {
        loop {
            match self.inbound.take_plaintext(&mut self.session, &mut buf) {
                Ok(Some(n)) => return (Ok(n), buf),
                Ok(None) => {}
                Err(e) => return (Err(e), buf),
            }
            // A key update or ticket may wait to go out before more input.
            if let Err(e) = self.send_queued(timer).await {
                return (Err(e), buf);
            }
            if let Err(e) = self.receive(timer).await {
                return (Err(e), buf);
            }
        }
    }

    async fn readable(&mut self) -> io::Result<()> {
        if self.inbound.has_input() {
            return Ok(());
        }
        self.stream.readable(true).await
    }

    async fn write_all(&mut self, buf: Vec<u8>, timer: &ConnTimer) -> (io::Result<()>, Vec<u8>) {
        let res = self.send(&buf, timer).await;
        (res, buf)
    }

    async fn write_bytes(&mut self, bytes: Bytes, timer: &ConnTimer) -> io::Result<()> {
        self.send(&bytes, timer).await
    }

    fn try_send(&mut self, _data: &[u8]) -> Option<io::Result<usize>> {
        None
    }

    async fn close(&mut self, timer: &ConnTimer) {
        self.session.send_close_notify();
        let _ = self.send_queued(timer).await;
    }

    async fn shutdown(&mut self, timer: &ConnTimer) {
        self.close(timer).await;
        let _ = monoio::io::AsyncWriteRent::shutdown(&mut self.stream).await;
    }

    fn into_socket(self) -> crate::conn::upgraded::Socket {
        crate::conn::upgraded::Socket::Tls(self)
    }
}
