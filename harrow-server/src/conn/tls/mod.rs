//! HTTPS connections: the TLS handshake, then HTTP/2 or HTTP/1.1 as ALPN
//! chose, over the session.
//!
//! * The first byte is peeked (without reading it): a TLS handshake record
//!   starts with 22; a letter is a plain HTTP request sent to the HTTPS
//!   port, which gets a plain 400 saying so instead of a TLS alert the
//!   client cannot show.
//! * The handshake runs on the socket's readiness (monoio's poll mode,
//!   driven by tokio-rustls), so the deadline may drop it at any point: no
//!   kernel operation owns a buffer. It is bounded by the handshake
//!   timeout, and each worker runs at most `max_handshakes` at once.
//! * ALPN `h2` keeps the session as tokio-rustls made it, for `h2` to drive.
//!   Anything else goes back to the completion-based socket, and rustls
//!   runs in memory under HTTP/1.1 ([`stream::TlsIo`]).

pub(crate) mod split;
pub(crate) mod stream;

use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;

use monoio::net::TcpStream;
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
    stream: TcpStream,
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
    match first_byte(&stream, &timer).await {
        Some(HANDSHAKE_RECORD) => {}
        Some(byte) if byte.is_ascii_alphabetic() => {
            drop(slot);
            let plain = Plain {
                stream,
                readiness: monoio::utils::is_legacy(),
            };
            let io = Io::new(plain, worker, timer, None);
            Dispatch::new(io, service, ConnInfo::new(remote))
                .refuse(http::StatusCode::BAD_REQUEST, PLAIN_HTTP)
                .await;
            return;
        }
        _ => return,
    }
    let poll = match stream.try_into_poll_io() {
        Ok(poll) => poll,
        Err((e, _)) => {
            tracing::debug!(%remote, error = %e, "cannot switch the socket to poll mode");
            return;
        }
    };
    let accept = TlsAcceptor::from(tls.config.clone()).accept(poll);
    let session = match timer.until_fired(accept).await {
        Some(Ok(session)) => session,
        Some(Err(e)) => {
            tracing::debug!(%remote, error = %e, "TLS handshake failed");
            return;
        }
        None => {
            tracing::debug!(%remote, "TLS handshake timed out");
            return;
        }
    };
    drop(slot);
    let info = TlsInfo::of(session.get_ref().1);
    let h2 = info.alpn() == Some(b"h2");
    let conn = ConnInfo::new(remote).with_tls(Arc::new(info));
    if h2 {
        #[cfg(feature = "http2")]
        Box::pin(super::h2::serve_io(
            session,
            Vec::new(),
            conn,
            worker,
            service,
            timer,
        ))
        .await;
        return;
    }
    if !worker.config.http1_enabled() {
        tracing::debug!(%remote, "HTTP/1 over TLS on an HTTP/2-only server; closing");
        return;
    }
    let (poll, session) = session.into_inner();
    let stream = match poll.try_into_comp_io() {
        Ok(stream) => stream,
        Err((e, _)) => {
            tracing::debug!(%remote, error = %e, "cannot switch the socket back from poll mode");
            return;
        }
    };
    let transport = TlsIo::new(stream, session, worker.clone());
    let io = Io::new(transport, worker, timer, None);
    Dispatch::new(io, service, conn).run().await;
}

/// The first byte the client sent, left unread; `None` when it closed,
/// failed or ran out of time first.
async fn first_byte(stream: &TcpStream, timer: &ConnTimer) -> Option<u8> {
    use std::os::fd::AsRawFd;
    loop {
        timer.until_fired(stream.readable(true)).await?.ok()?;
        let mut byte = 0u8;
        // SAFETY: one byte is written to `byte`, which outlives the call,
        // and the descriptor is open while `stream` is borrowed.
        let n = unsafe {
            libc::recv(
                stream.as_raw_fd(),
                (&raw mut byte).cast(),
                1,
                libc::MSG_PEEK | libc::MSG_DONTWAIT,
            )
        };
        match n {
            1 => return Some(byte),
            0 => return None,
            _ => {
                let e = std::io::Error::last_os_error();
                if !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
                ) {
                    return None;
                }
            }
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
