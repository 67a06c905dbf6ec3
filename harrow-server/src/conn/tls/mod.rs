//! HTTPS connections: the TLS handshake, then HTTP/2 or HTTP/1.1 as ALPN
//! chose, over the session.
//!
//! * The first read's first byte says what came: a TLS handshake record
//!   starts with 22; a letter is a plain HTTP request sent to the HTTPS
//!   port, which gets a plain 400 saying so instead of a TLS alert the
//!   client cannot show.
//! * rustls runs in memory ([`stream::TlsIo`]) from the handshake on: it
//!   reads over the socket's owned, cancelable operations, as the requests
//!   after it do, and its flights go out with a non-blocking send first
//!   (the rest on the ring). The handshake timeout cancels a read like any
//!   other deadline, and each worker runs at most `max_handshakes` at once.
//!   (Under io_uring this keeps the socket on the ring, where a handshake
//!   over its readiness took a switch to poll mode and back, and a system
//!   call per read and write.)
//! * ALPN `h2` hands the session to tokio-rustls over the socket in poll
//!   mode, for `h2` to drive. Anything else stays as it is, under
//!   HTTP/1.1.

pub(crate) mod split;
pub(crate) mod stream;

use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;

use monoio::buf::IoBufMut;
use monoio::io::CancelableAsyncReadRent;
use monoio::net::TcpStream;
use rustls::ServerConnection;
#[cfg(feature = "http2")]
use tokio_rustls::TlsAcceptor;

use self::stream::TlsIo;
use super::h1::{Dispatch, Io};
use super::transport::Plain;
use super::wait::Wait;
use crate::shared::Worker;
use crate::timer::ConnTimer;
use crate::tls::{Tls, TlsInfo};
use crate::{ConnInfo, Service};

/// The first byte of a TLS record carrying a handshake message (RFC 8446
/// §5.1, ContentType `handshake`).
const HANDSHAKE_RECORD: u8 = 22;

/// What the client says to an HTTPS port plain HTTP was sent to.
const PLAIN_HTTP: &str = "this port speaks HTTPS; the request was sent as plain HTTP";

/// Serves one accepted connection over TLS to the end.
pub(crate) async fn serve<S: Service>(
    mut stream: TcpStream,
    remote: SocketAddr,
    worker: Rc<Worker>,
    service: Rc<S>,
    timer: ConnTimer,
    tls: Arc<Tls>,
) {
    let Some(slot) = Handshaking::enter(&worker, &tls) else {
        tracing::debug!(%remote, "too many TLS handshakes under way; closing");
        return;
    };
    Wait::TlsHandshake.arm(&timer, &worker.config, false);
    let Some(first) = first_read(&mut stream, &worker, &timer).await else {
        return;
    };
    match first[0] {
        HANDSHAKE_RECORD => {}
        byte if byte.is_ascii_alphabetic() => {
            drop(slot);
            let plain = Plain {
                stream,
                readiness: monoio::utils::is_legacy(),
            };
            let io = Io::new(plain, worker, timer, Some(first));
            Dispatch::new(io, service, ConnInfo::new(remote))
                .refuse(http::StatusCode::BAD_REQUEST, PLAIN_HTTP)
                .await;
            return;
        }
        _ => {
            worker.pool.put(first);
            return;
        }
    }
    let session = match ServerConnection::new(tls.config.clone()) {
        Ok(session) => session,
        Err(e) => {
            tracing::debug!(%remote, error = %e, "cannot start a TLS session");
            worker.pool.put(first);
            return;
        }
    };
    let mut transport = TlsIo::accepting(stream, session, worker.clone(), first);
    if let Err(e) = transport.handshake(&timer).await {
        match timer.fired() {
            Some(_) => tracing::debug!(%remote, "TLS handshake timed out"),
            None => tracing::debug!(%remote, error = %e, "TLS handshake failed"),
        }
        return;
    }
    drop(slot);
    let info = TlsInfo::of(transport.session());
    let h2 = info.alpn() == Some(b"h2");
    let conn = ConnInfo::new(remote).with_tls(Arc::new(info));
    if h2 {
        #[cfg(feature = "http2")]
        Box::pin(serve_h2(transport, &tls, conn, worker, service, timer)).await;
        return;
    }
    if !worker.config.http1_enabled() {
        tracing::debug!(%remote, "HTTP/1 over TLS on an HTTP/2-only server; closing");
        return;
    }
    let io = Io::new(transport, worker, timer, None);
    Dispatch::new(io, service, conn).run().await;
}

/// HTTP/2 over a session whose handshake is done: tokio-rustls drives it
/// over the socket in poll mode, for `h2`.
#[cfg(feature = "http2")]
async fn serve_h2<S: Service>(
    transport: TlsIo,
    tls: &Tls,
    conn: ConnInfo,
    worker: Rc<Worker>,
    service: Rc<S>,
    timer: ConnTimer,
) {
    let remote = conn.remote();
    let (stream, session, read) = match transport.into_h2_parts() {
        Ok(parts) => parts,
        Err(e) => {
            tracing::debug!(%remote, error = %e, "TLS failed after the handshake");
            return;
        }
    };
    let poll = match stream.try_into_poll_io() {
        Ok(poll) => poll,
        Err((e, _)) => {
            tracing::debug!(%remote, error = %e, "cannot switch the socket to poll mode");
            return;
        }
    };
    // tokio-rustls makes a session of its own; ours, whose handshake is
    // done, takes its place, so its future only writes what ours holds.
    let accept = TlsAcceptor::from(tls.config.clone())
        .accept_with(poll, move |fresh: &mut ServerConnection| *fresh = session);
    let session = match timer.until_fired(accept).await {
        Some(Ok(session)) => session,
        Some(Err(e)) => {
            tracing::debug!(%remote, error = %e, "TLS failed after the handshake");
            return;
        }
        None => {
            tracing::debug!(%remote, "TLS handshake timed out");
            return;
        }
    };
    super::h2::serve_io(session, read, conn, worker, service, timer).await;
}

/// The client's first bytes, in a pool buffer; `None` when it closed,
/// failed or ran out of time first.
async fn first_read(stream: &mut TcpStream, worker: &Worker, timer: &ConnTimer) -> Option<Vec<u8>> {
    let buf = worker.pool.get();
    let (res, slice) = stream
        .cancelable_read(buf.slice_mut(0..), timer.handle())
        .await;
    let buf = slice.into_inner();
    match res {
        Ok(n) if n > 0 => Some(buf),
        _ => {
            worker.pool.put(buf);
            None
        }
    }
}

/// A place among the worker's handshakes under way, given back on drop.
struct Handshaking {
    worker: Rc<Worker>,
}

impl Handshaking {
    /// Takes a place, when one is free.
    fn enter(worker: &Rc<Worker>, tls: &Tls) -> Option<Self> {
        let under_way = worker.handshakes.get();
        if under_way >= tls.max_handshakes() {
            return None;
        }
        worker.handshakes.set(under_way + 1);
        Some(Handshaking {
            worker: worker.clone(),
        })
    }
}

impl Drop for Handshaking {
    fn drop(&mut self) {
        self.worker.handshakes.set(self.worker.handshakes.get() - 1);
    }
}
