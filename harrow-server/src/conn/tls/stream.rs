//! A TLS session, its handshake and then HTTP/1.1's transport: rustls
//! encrypts and decrypts in memory (its sans-IO `ServerConnection`), and
//! the bytes on the wire go through the same owned, cancelable socket
//! operations as plain HTTP, so a fired deadline cancels a TLS read or
//! write exactly as it cancels a plain one, and the buffer comes back
//! before it is reused.
//!
//! Ciphertext buffers come from the worker's pool for the length of one
//! read or write; an idle HTTPS connection holds none (rustls keeps its
//! session state and whatever it has not handed over yet). A large
//! response goes out as several records, each in its own pool buffer, in
//! one vectored write, so it reuses the same few buffers and costs one
//! operation on the ring rather than one a record.
//!
//! Under the epoll driver, as plain HTTP does there, ciphertext first goes
//! straight from rustls's own buffers to the socket with non-blocking
//! sends, without the copy into a pool buffer; only what the socket does
//! not take at once takes the owned, cancelable way.
//!
//! [`Inbound`] (ciphertext in, plaintext out) and [`queued`] (the
//! ciphertext to write) are shared with the split halves of an upgraded
//! connection (`split.rs`).

use std::io::{self, Read, Write};
#[cfg(feature = "fs")]
use std::os::fd::RawFd;
use std::rc::Rc;

use bytes::Bytes;
use monoio::buf::{IoBuf, IoBufMut, VecBuf};
use monoio::io::{CancelableAsyncReadRent, CancelableAsyncWriteRent, CancelableAsyncWriteRentExt};
use monoio::net::TcpStream;
use rustls::ServerConnection;

use crate::buffers::pool::BufPool;
use crate::conn::transport::Transport;
use crate::shared::Worker;
use crate::timer::ConnTimer;

/// The most plaintext rustls takes for sending before it is written out:
/// one TLS record, whose ciphertext fits a buffer the pool takes back.
pub(super) const SEND_LIMIT: usize = 16 * 1024;

/// rustls's own limit on the ciphertext it holds for sending, for the
/// sessions tokio-rustls drives (HTTP/2).
#[cfg(feature = "http2")]
const RUSTLS_BUFFER_LIMIT: usize = 64 * 1024;

/// How many records (pool buffers) one write of a large response carries:
/// with io_uring each write is a round trip through the ring, and a 64 KiB
/// body then takes two rather than five. Under epoll rustls may hold as
/// many records itself, and they go out with one system call.
const RECORDS_PER_WRITE: usize = 4;

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
    #[cfg(test)]
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
            if let Ok(0) = taken {
                // After close_notify rustls takes nothing more (RFC 8446
                // §6.1: what follows it is ignored); the stream has ended.
                self.ended = true;
                at = cipher.len();
                break;
            }
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

/// The first record (or what is left of it) rustls has queued, in a pool
/// buffer of its own; `None` when there is none.
fn queued_record(session: &mut ServerConnection, pool: &BufPool) -> io::Result<Option<Vec<u8>>> {
    if !session.wants_write() {
        return Ok(None);
    }
    let mut out = pool.get();
    match session.write_tls(&mut OneChunk(&mut out)) {
        Ok(_) => Ok(Some(out)),
        Err(e) => {
            pool.put(out);
            Err(e)
        }
    }
}

/// A writer that takes one of the slices it is handed at a time: rustls
/// hands over its queue a record a slice.
struct OneChunk<'a>(&'a mut Vec<u8>);

impl Write for OneChunk<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.0.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// HTTP/1.1 over a TLS session.
pub(crate) struct TlsIo {
    stream: TcpStream,
    /// Boxed: the session is large, and the connection future moves it.
    session: Box<ServerConnection>,
    worker: Rc<Worker>,
    inbound: Inbound,
    /// The runtime is epoll: ciphertext may go out with direct sends.
    readiness: bool,
}

impl TlsIo {
    /// The transport over `stream` for a session whose handshake is done.
    #[cfg(test)]
    pub(super) fn new(stream: TcpStream, session: ServerConnection, worker: Rc<Worker>) -> Self {
        let mut session = Box::new(session);
        let inbound = Inbound::after_handshake(&mut session);
        TlsIo::with_inbound(stream, session, worker, inbound)
    }

    /// The transport over `stream` for a new session, whose handshake
    /// [`handshake`](TlsIo::handshake) runs, with `first`, the client's
    /// first bytes (read already), as its first input.
    pub(super) fn accepting(
        stream: TcpStream,
        session: ServerConnection,
        worker: Rc<Worker>,
        first: Vec<u8>,
    ) -> Self {
        let inbound = Inbound {
            pending: Some((first, 0)),
            ..Inbound::default()
        };
        TlsIo::with_inbound(stream, Box::new(session), worker, inbound)
    }

    fn with_inbound(
        stream: TcpStream,
        mut session: Box<ServerConnection>,
        worker: Rc<Worker>,
        inbound: Inbound,
    ) -> Self {
        let readiness = monoio::utils::is_legacy();
        // Under epoll records go out from rustls's own buffers (only what
        // the socket does not take is copied, a record a pool buffer), so
        // it may hold a whole write's worth.
        let limit = if readiness {
            SEND_LIMIT * RECORDS_PER_WRITE
        } else {
            SEND_LIMIT
        };
        session.set_buffer_limit(Some(limit));
        TlsIo {
            stream,
            session,
            worker,
            inbound,
            readiness,
        }
    }

    /// Runs the handshake to its end over the same owned, cancelable reads
    /// and writes as the requests after it, so the handshake timeout
    /// cancels it as any other deadline does, and the buffer comes back
    /// first. The server's last flight and TLS 1.3's session tickets are
    /// written before it returns. An error ends the connection (with the
    /// alert rustls chose, when it failed on the client's input).
    ///
    /// Each flight first goes out with a direct send, under io_uring too:
    /// a handshake's signature takes long enough that a flight left for the
    /// ring would wait for the rest of the worker's round (other
    /// handshakes' signatures) before it is submitted, and the client with
    /// it. Only what the socket does not take waits on the ring.
    pub(super) async fn handshake(&mut self, timer: &ConnTimer) -> io::Result<()> {
        loop {
            if timer.fired().is_some() {
                return Err(io::ErrorKind::TimedOut.into());
            }
            self.send_direct()?;
            self.send_queued(timer).await?;
            if !self.session.is_handshaking() {
                return Ok(());
            }
            if self.inbound.ended {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            // A deadline that fired as the write finished would not cancel
            // the read after it (its canceller is gone).
            if timer.fired().is_some() {
                return Err(io::ErrorKind::TimedOut.into());
            }
            self.receive(timer).await?;
        }
    }

    /// The session, for what its handshake settled.
    pub(super) fn session(&self) -> &ServerConnection {
        &self.session
    }

    /// The parts, for HTTP/2 to run over the session through tokio-rustls:
    /// the socket, the session (with rustls's usual limit on what it
    /// buffers for sending), and the plaintext the client sent after its
    /// handshake, which HTTP/2 reads first.
    #[cfg(feature = "http2")]
    pub(super) fn into_h2_parts(mut self) -> io::Result<(TcpStream, ServerConnection, Vec<u8>)> {
        let mut plaintext = Vec::new();
        loop {
            if self.inbound.plaintext > 0 {
                plaintext.reserve(self.inbound.plaintext);
                self.inbound
                    .take_plaintext(&mut self.session, &mut plaintext)?;
                continue;
            }
            match self.inbound.take_pending() {
                Some((cipher, at)) => {
                    self.inbound
                        .feed(&mut self.session, cipher, at, &self.worker.pool)?
                }
                None => break,
            }
        }
        self.session.set_buffer_limit(Some(RUSTLS_BUFFER_LIMIT));
        Ok((self.stream, *self.session, plaintext))
    }

    /// The parts, for an upgraded connection to split (whose writes copy
    /// what rustls holds into one pool buffer: a record at most).
    pub(super) fn into_parts(mut self) -> (TcpStream, Box<ServerConnection>, Inbound) {
        self.session.set_buffer_limit(Some(SEND_LIMIT));
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

    /// Sends queued ciphertext straight from rustls's buffers while the
    /// socket takes it without waiting (epoll, and the handshake's flights
    /// under io_uring); what it does not take stays queued.
    fn send_direct(&mut self) -> io::Result<()> {
        while self.session.wants_write() {
            match self.session.write_tls(&mut Direct(&self.stream)) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Writes the ciphertext rustls has queued.
    async fn send_queued(&mut self, timer: &ConnTimer) -> io::Result<()> {
        if self.readiness {
            self.send_direct()?;
        }
        while let Some(out) = queued(&mut self.session, &self.worker.pool)? {
            let (res, out) = self.stream.write_all(out, timer.handle()).await;
            self.worker.pool.put(out);
            res?;
        }
        Ok(())
    }

    /// Encrypts what it can of `data`, a record at a time, into pool
    /// buffers added to `bufs`, until `bufs` holds `RECORDS_PER_WRITE`;
    /// returns how much of `data` it took. Under epoll the ciphertext
    /// (up to `RECORDS_PER_WRITE` records at once) first goes straight to
    /// the socket, and only once the socket is full is the rest gathered,
    /// a record a buffer, for the owned write to wait on.
    fn gather(&mut self, data: &[u8], bufs: &mut Vec<Vec<u8>>) -> io::Result<usize> {
        let mut taken = 0;
        while bufs.len() < RECORDS_PER_WRITE {
            taken += self.session.writer().write(&data[taken..])?;
            if self.readiness {
                self.send_direct()?;
                if self.session.wants_write() {
                    while let Some(out) = queued_record(&mut self.session, &self.worker.pool)? {
                        bufs.push(out);
                    }
                    break;
                }
            } else {
                bufs.extend(queued(&mut self.session, &self.worker.pool)?);
            }
            if taken == data.len() {
                break;
            }
        }
        Ok(taken)
    }

    /// Encrypts `data` and writes it, up to `RECORDS_PER_WRITE` records a
    /// write.
    async fn send(&mut self, mut data: &[u8], timer: &ConnTimer) -> io::Result<()> {
        if !self.readiness && data.len() <= SEND_LIMIT / 2 {
            // A small response under io_uring, the usual case: one record
            // in one pool buffer, one write.
            let taken = self.session.writer().write(data)?;
            data = &data[taken..];
            if let Some(out) = queued(&mut self.session, &self.worker.pool)? {
                let (res, out) = self.stream.write_all(out, timer.handle()).await;
                self.worker.pool.put(out);
                res?;
            }
            if data.is_empty() {
                return Ok(());
            }
        }
        let mut bufs = Vec::with_capacity(RECORDS_PER_WRITE);
        while !data.is_empty() {
            let gathered = self.gather(data, &mut bufs);
            let res = match gathered {
                Ok(taken) => {
                    data = &data[taken..];
                    self.write_bufs(&mut bufs, timer).await
                }
                Err(e) => Err(e),
            };
            for out in bufs.drain(..) {
                self.worker.pool.put(out);
            }
            res?;
        }
        Ok(())
    }

    /// Writes `bufs` whole and in order: one buffer with a plain write,
    /// more with one vectored write, then, after a short one, the rest a
    /// buffer at a time. (monoio's own loop for vectored writes does not
    /// move past the part of a buffer already written, so it is not used.)
    /// The buffers stay in `bufs`, written or not, for the pool.
    async fn write_bufs(&mut self, bufs: &mut Vec<Vec<u8>>, timer: &ConnTimer) -> io::Result<()> {
        let mut written = match bufs.len() {
            0 => return Ok(()),
            1 => 0,
            _ => {
                let (res, back) = self
                    .stream
                    .cancelable_writev(VecBuf::from(std::mem::take(bufs)), timer.handle())
                    .await;
                *bufs = back.into();
                match res {
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => 0,
                    Err(e) => return Err(e),
                }
            }
        };
        for buf in bufs.iter_mut() {
            if written >= buf.len() {
                written -= buf.len();
                continue;
            }
            let rest = std::mem::take(buf).slice(written..);
            written = 0;
            let (res, rest) = self.stream.write_all(rest, timer.handle()).await;
            *buf = rest.into_inner();
            res?;
        }
        Ok(())
    }
}

/// The socket as a writer of non-blocking sends, outside the runtime:
/// `WouldBlock` when the kernel takes nothing. For the epoll driver, where
/// the runtime makes the same system call itself, and for the TLS
/// handshake's flights under io_uring, which must not wait for the ring.
struct Direct<'a>(&'a TcpStream);

impl Write for Direct<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.write_vectored(&[io::IoSlice::new(data)])
    }

    /// rustls hands over its queue as several slices (a record each, or
    /// parts of one): they go in one system call.
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        use std::os::fd::AsRawFd;
        // SAFETY: `IoSlice` has the layout of `iovec`; the slices, which
        // the kernel only reads during the call, outlive it, and the
        // descriptor is open while the stream is borrowed.
        let sent = unsafe {
            let mut msg: libc::msghdr = std::mem::zeroed();
            msg.msg_iov = bufs.as_ptr().cast_mut().cast();
            msg.msg_iovlen = bufs.len().min(libc::UIO_MAXIOV as usize) as _;
            libc::sendmsg(
                self.0.as_raw_fd(),
                &msg,
                libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL,
            )
        };
        usize::try_from(sent).map_err(|_| io::Error::last_os_error())
    }

    fn flush(&mut self) -> io::Result<()> {
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

    #[cfg(feature = "fs")]
    fn sends_files(&self) -> bool {
        false
    }

    #[cfg(feature = "fs")]
    fn try_send_file(&mut self, _fd: RawFd, _pos: u64, _len: usize) -> io::Result<usize> {
        Err(io::ErrorKind::Unsupported.into())
    }

    #[cfg(feature = "fs")]
    async fn writable(&mut self) -> io::Result<()> {
        self.stream.writable(false).await
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use monoio::io::AsyncReadRent;
    use rustls::pki_types::PrivateKeyDer;

    use super::*;
    use crate::Config;

    /// A server and a client configuration for `localhost`, with a fresh
    /// self-signed certificate.
    fn configs() -> (Arc<rustls::ServerConfig>, Arc<rustls::ClientConfig>) {
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        let cert = params.self_signed(&key).unwrap();
        let provider = Arc::new(crate::tls::provider());
        let server = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(cert.der().clone()).unwrap();
        let client = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        (Arc::new(server), Arc::new(client))
    }

    /// A server and a client session whose handshake is done in memory.
    fn handshaken() -> (ServerConnection, rustls::ClientConnection) {
        let (server_config, client_config) = configs();
        let mut server = ServerConnection::new(server_config).unwrap();
        let name = "localhost".try_into().unwrap();
        let mut client = rustls::ClientConnection::new(client_config, name).unwrap();
        while server.is_handshaking() || client.is_handshaking() {
            pass(&mut *client, &mut *server);
            pass(&mut *server, &mut *client);
        }
        (server, client)
    }

    /// Passes `from`'s queued records to `to`.
    fn pass<A, B>(from: &mut rustls::ConnectionCommon<A>, to: &mut rustls::ConnectionCommon<B>) {
        let mut wire = Vec::new();
        while from.wants_write() {
            from.write_tls(&mut wire).unwrap();
        }
        let mut rest = &wire[..];
        while !rest.is_empty() {
            to.read_tls(&mut rest).unwrap();
            to.process_new_packets().unwrap();
        }
    }

    /// A large response through small pool buffers, to a client that
    /// starts reading only once the server's socket is full (so that writes
    /// come back short, and under epoll the direct sends stop): it arrives
    /// whole and in order, ends with close_notify, and every buffer is back
    /// in the pool.
    async fn a_large_write_arrives_whole() {
        let (server, mut client) = handshaken();

        let listener = monoio::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut peer = monoio::net::TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (stream, _) = listener.accept().await.unwrap();
        let config = Config {
            read_buffer_size: 512,
            ..Config::default()
        };
        let worker = Worker::new(0, config, 10, Default::default());
        let body: Bytes = (0..8 << 20).map(|i| (i % 251) as u8).collect();
        let sending = monoio::spawn({
            let body = body.clone();
            async move {
                let timer = worker.timers.register(None);
                // The session tickets rustls queued after the handshake go
                // out first.
                let mut io = TlsIo::new(stream, server, worker.clone());
                io.write_bytes(body, &timer).await.unwrap();
                io.close(&timer).await;
                drop(io);
                worker.pool.lent()
            }
        });

        monoio::time::sleep(Duration::from_millis(200)).await;
        let mut got = Vec::with_capacity(body.len());
        let mut buf = vec![0u8; 64 * 1024];
        let mut plain = vec![0u8; 64 * 1024];
        'read: loop {
            let (res, back) = peer.read(buf).await;
            buf = back;
            let n = res.unwrap();
            assert!(n > 0, "the socket closed before close_notify");
            let mut rest = &buf[..n];
            while !rest.is_empty() {
                client.read_tls(&mut rest).unwrap();
                let state = client.process_new_packets().unwrap();
                let mut left = state.plaintext_bytes_to_read();
                while left > 0 {
                    let n = client.reader().read(&mut plain).unwrap();
                    got.extend_from_slice(&plain[..n]);
                    left -= n;
                }
                if state.peer_has_closed() {
                    break 'read;
                }
            }
        }
        assert_eq!(got.len(), body.len());
        assert!(got == body, "the body differs");
        assert_eq!(sending.await, 0, "buffers still lent");
    }

    /// A request, then close_notify and more bytes in one read: the
    /// request is read, then the end of the stream; what follows
    /// close_notify is dropped (rustls takes none of it, and feeding it
    /// once spun forever).
    #[test]
    fn bytes_after_close_notify_end_the_stream() {
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let (mut server, mut client) = handshaken();
            let flight = |client: &mut rustls::ClientConnection| {
                let mut wire = Vec::new();
                while client.wants_write() {
                    client.write_tls(&mut wire).unwrap();
                }
                wire
            };
            client
                .writer()
                .write_all(b"GET / HTTP/1.1\r\n\r\n")
                .unwrap();
            let request = flight(&mut client);
            client.send_close_notify();
            let mut close = flight(&mut client);
            // More than rustls takes in one go (4 KiB), after the alert.
            close.extend(std::iter::repeat_n(23u8, 6000));

            let pool = BufPool::new(16 * 1024, 4);
            let mut inbound = Inbound::default();
            let mut wires = [request, close].into_iter();
            let mut read = Vec::new();
            let mut buf = Vec::with_capacity(64);
            loop {
                match inbound.take_plaintext(&mut server, &mut buf).unwrap() {
                    Some(0) => break,
                    Some(_) => read.append(&mut buf),
                    None => match inbound.take_pending() {
                        Some((cipher, at)) => inbound.feed(&mut server, cipher, at, &pool).unwrap(),
                        None => {
                            let mut cipher = pool.get();
                            cipher.extend(wires.next().expect("the end of the stream"));
                            inbound.feed(&mut server, cipher, 0, &pool).unwrap();
                        }
                    },
                }
                buf.reserve(64);
            }
            assert_eq!(pool.lent(), 0, "buffers still lent");
            done.send(read).unwrap();
        });
        let read = finished
            .recv_timeout(Duration::from_secs(10))
            .expect("the stream ends");
        assert_eq!(read, b"GET / HTTP/1.1\r\n\r\n");
    }

    #[test]
    fn a_large_write_arrives_whole_under_epoll() {
        crate::rt::block_on(a_large_write_arrives_whole());
    }

    #[test]
    fn a_large_write_arrives_whole_under_io_uring() {
        let rt = monoio::RuntimeBuilder::<monoio::IoUringDriver>::new()
            .enable_timer()
            .build();
        match rt {
            Ok(mut rt) => rt.block_on(a_large_write_arrives_whole()),
            Err(e) => eprintln!("io_uring unavailable ({e}); skipped"),
        }
    }
}
