//! A TLS session as HTTP/1.1's transport: rustls encrypts and decrypts in
//! memory (its sans-IO `ServerConnection`), and the bytes on the wire go
//! through the same owned, cancelable socket operations as plain HTTP, so
//! a fired deadline cancels a TLS read or write exactly as it cancels a
//! plain one, and the buffer comes back before it is reused.
//!
//! Ciphertext buffers come from the worker's pool for the length of one
//! read or write; an idle HTTPS connection holds none (rustls keeps its
//! session state and whatever it has not handed over yet).

use std::io::{self, Read, Write};
use std::rc::Rc;

use bytes::Bytes;
use monoio::buf::IoBufMut;
use monoio::io::{CancelableAsyncReadRent, CancelableAsyncWriteRentExt};
use monoio::net::TcpStream;
use rustls::ServerConnection;

use crate::conn::transport::Transport;
use crate::shared::Worker;
use crate::timer::ConnTimer;

/// The most plaintext (and so ciphertext) rustls queues for sending before
/// it is written out: four pool buffers, the most the pool takes back.
pub(super) const SEND_LIMIT: usize = 32 * 1024;

/// HTTP/1.1 over a TLS session.
pub(crate) struct TlsIo {
    stream: TcpStream,
    /// Boxed: the session is large, and the connection future moves it.
    session: Box<ServerConnection>,
    worker: Rc<Worker>,
    /// Ciphertext read from the socket and not yet taken by rustls (it
    /// takes more only once the plaintext before it is read), with the
    /// offset of what it has taken.
    pending: Option<(Vec<u8>, usize)>,
    /// Decrypted bytes rustls holds for us.
    plaintext: usize,
    /// The peer sent close_notify, or closed the socket.
    ended: bool,
}

impl TlsIo {
    /// The transport over `stream` for a session whose handshake is done.
    pub(super) fn new(stream: TcpStream, session: ServerConnection, worker: Rc<Worker>) -> Self {
        let mut session = Box::new(session);
        session.set_buffer_limit(Some(SEND_LIMIT));
        // The handshake may have decrypted bytes that came with its last
        // flight (a pipelined first request).
        let plaintext = session
            .process_new_packets()
            .map_or(0, |state| state.plaintext_bytes_to_read());
        TlsIo {
            stream,
            session,
            worker,
            pending: None,
            plaintext,
            ended: false,
        }
    }

    /// Moves decrypted bytes into `buf`'s spare room: `Some(0)` at the end
    /// of the stream, `None` when rustls holds none yet.
    fn take_plaintext(&mut self, buf: &mut Vec<u8>) -> io::Result<Option<usize>> {
        if self.plaintext == 0 {
            return Ok(self.ended.then_some(0));
        }
        let len = buf.len();
        let n = self.plaintext.min(buf.capacity() - len);
        buf.resize(len + n, 0);
        let read = self.session.reader().read(&mut buf[len..]);
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

    /// Reads ciphertext (what is left of the last read first) and hands it
    /// to rustls, until it has plaintext for us or the input is used up.
    async fn receive(&mut self, timer: &ConnTimer) -> io::Result<()> {
        let (cipher, mut at) = match self.pending.take() {
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
                        self.ended = true;
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
        while at < cipher.len() && self.plaintext == 0 {
            let taken = self.session.read_tls(&mut &cipher[at..]);
            match taken {
                Ok(n) => at += n,
                Err(e) => {
                    self.worker.pool.put(cipher);
                    return Err(e);
                }
            }
            match self.session.process_new_packets() {
                Ok(state) => {
                    self.plaintext = state.plaintext_bytes_to_read();
                    self.ended |= state.peer_has_closed();
                }
                Err(e) => {
                    self.worker.pool.put(cipher);
                    // rustls queued an alert saying why; it goes out if it can.
                    let _ = self.send_queued(timer).await;
                    return Err(io::Error::new(io::ErrorKind::InvalidData, e));
                }
            }
        }
        if at < cipher.len() {
            self.pending = Some((cipher, at));
        } else {
            self.worker.pool.put(cipher);
        }
        Ok(())
    }

    /// Writes the ciphertext rustls has queued (records, alerts, TLS 1.3
    /// session tickets).
    async fn send_queued(&mut self, timer: &ConnTimer) -> io::Result<()> {
        while self.session.wants_write() {
            let mut out = self.worker.pool.get();
            if let Err(e) = self.session.write_tls(&mut out) {
                self.worker.pool.put(out);
                return Err(e);
            }
            let (res, out) = self.stream.write_all(out, timer.handle()).await;
            self.worker.pool.put(out);
            res?;
        }
        Ok(())
    }

    /// Encrypts `data` and writes it, a bounded piece at a time.
    async fn send(&mut self, mut data: &[u8], timer: &ConnTimer) -> io::Result<()> {
        while !data.is_empty() {
            let n = self.session.writer().write(data)?;
            data = &data[n..];
            self.send_queued(timer).await?;
        }
        Ok(())
    }
}

impl Transport for TlsIo {
    async fn read(&mut self, mut buf: Vec<u8>, timer: &ConnTimer) -> (io::Result<usize>, Vec<u8>) {
        loop {
            match self.take_plaintext(&mut buf) {
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
        if self.plaintext > 0 || self.pending.is_some() || self.ended {
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
}
