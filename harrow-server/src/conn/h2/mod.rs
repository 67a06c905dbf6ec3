//! HTTP/2 connections (RFC 9113) with the `h2` crate over monoio.
//!
//! monoio's `poll-io` mode turns the socket into a readiness-based stream
//! with tokio's `AsyncRead`/`AsyncWrite`, which `h2` drives. Readiness IO
//! copies into the caller's buffer only once the socket is ready, so no
//! kernel operation ever owns a buffer here and dropping a pending poll is
//! safe: the io_uring cancellation rule of the HTTP/1 path does not arise.
//! Each stream runs as its own task on the worker; the connection task
//! keeps polling `accept`, which drives all IO. An extended CONNECT
//! (RFC 8441) can be taken over as an upgrade ([`tunnel`]).
//!
//! Defences: `h2` bounds concurrent streams, header lists (and so
//! CONTINUATION floods) and pending-accept resets (rapid reset,
//! CVE-2023-44487); [`guard`] bounds control-frame floods and refuses what
//! `h2` lets through (a first frame other than SETTINGS, pseudo-header
//! fields in trailers); every stream's
//! wait for flow-control capacity is bounded by the write timeout (zero
//! window stalls); and a connection that is going away gets `drain_timeout`
//! to finish before it is dropped.

pub(crate) mod guard;
mod io;
mod lent;
mod recv;
mod stream;
pub(crate) mod trailers;
pub(crate) mod tunnel;

use std::cell::Cell;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::Poll;

use bytes::Bytes;
use monoio::io::IntoPollIo;
use monoio::io::poll_io::{AsyncRead, AsyncWrite};
use monoio::net::TcpStream;

use self::io::{GuardedIo, Seen};
use self::lent::Lent;
use self::stream::{Stream, StreamEnv};
use crate::conn::wait::Wait;
use crate::shared::Worker;
use crate::timer::{ConnTimer, Fired};
use crate::{Config, ConnInfo, Service};

/// Reset streams a client may leave unaccepted before the connection is
/// closed (the rapid-reset defence of CVE-2023-44487).
const MAX_PENDING_ACCEPT_RESETS: usize = 20;
/// Streams we may reset for protocol errors before going away.
const MAX_LOCAL_ERROR_RESETS: usize = 256;
/// Bytes buffered per stream for sending.
const MAX_SEND_BUFFER: usize = 256 * 1024;

/// Why the accept loop stopped taking streams.
#[derive(Debug)]
enum Away {
    /// A deadline, drain or idle timeout: GOAWAY(NO_ERROR), finish streams.
    Graceful(Fired),
    /// A control-frame flood: GOAWAY(ENHANCE_YOUR_CALM), close.
    Flood,
    /// A protocol rule broken: GOAWAY(PROTOCOL_ERROR), close.
    Protocol(#[expect(dead_code, reason = "read through Debug in the logs")] &'static str),
    /// Going away took longer than the drain timeout: drop the connection.
    Done,
}

fn builder(config: &Config) -> h2::server::Builder {
    let mut b = h2::server::Builder::new();
    b.max_concurrent_streams(config.max_h2_streams)
        .max_header_list_size(config.max_h2_header_list_size)
        .max_frame_size(config.max_h2_frame_size)
        .initial_window_size(config.h2_stream_window)
        .initial_connection_window_size(config.h2_connection_window)
        .max_pending_accept_reset_streams(MAX_PENDING_ACCEPT_RESETS)
        .max_local_error_reset_streams(Some(MAX_LOCAL_ERROR_RESETS))
        .max_send_buffer_size(MAX_SEND_BUFFER)
        // RFC 8441: clients may open a WebSocket (or another protocol) on
        // a stream with an extended CONNECT; a service that does not take
        // it answers as it would any CONNECT.
        .enable_connect_protocol();
    b
}

/// Serves an HTTP/2 connection whose first bytes (`read`) were already taken.
pub(crate) async fn serve<S: Service>(
    stream: TcpStream,
    read: Vec<u8>,
    info: ConnInfo,
    worker: Rc<Worker>,
    service: Rc<S>,
    timer: ConnTimer,
) {
    match stream.into_poll_io() {
        Ok(io) => serve_io(io, read, info, worker, service, timer).await,
        Err(e) => {
            let remote = info.remote();
            tracing::debug!(%remote, error = %e, "cannot switch the socket to poll mode");
        }
    }
}

/// Serves HTTP/2 over `io`, a readiness-based stream (a socket in poll
/// mode, or a TLS session over one), replaying `read` first.
pub(crate) async fn serve_io<S, T>(
    io: T,
    read: Vec<u8>,
    info: ConnInfo,
    worker: Rc<Worker>,
    service: Rc<S>,
    mut timer: ConnTimer,
) where
    S: Service,
    T: AsyncRead + AsyncWrite + Unpin,
{
    let remote = info.remote();
    let seen = Rc::new(Seen::default());
    let (io, taken_back) = Lent::new(io);
    let io = GuardedIo::new(read, io, seen.clone(), worker.stats.clone());
    let config = &worker.config;

    // The preface and first SETTINGS must arrive within the header timeout.
    Wait::Handshake.arm(&timer, config, false);
    let handshake = builder(config).handshake::<_, Bytes>(io);
    let mut conn = match timer.until_fired(handshake).await {
        Some(Ok(conn)) => conn,
        Some(Err(e)) => {
            tracing::debug!(%remote, error = %e, "HTTP/2 handshake failed");
            return;
        }
        None => {
            tracing::debug!(%remote, "HTTP/2 handshake timed out");
            return;
        }
    };

    let active = Rc::new(Cell::new(0usize));
    let env = Rc::new(StreamEnv::new(&worker));
    let mut away = false;
    // Sent away (its life over) while streams taken over were open: no
    // deadline until the last of them ends, then the drain timeout.
    let mut holding = false;
    loop {
        // Idle (no open stream): the keep-alive timeout runs, and a drain
        // ends the connection at once. Busy: only its lifetime runs. Going
        // away: the drain timeout bounds the rest.
        // Until the client's first SETTINGS, the header timeout still runs.
        if !away && seen.settings.get() {
            // Both drainable: a drain must reach a busy HTTP/2 connection
            // too, so that it sends GOAWAY while its streams finish.
            let wait = if active.get() == 0 {
                Wait::Streamless
            } else {
                Wait::Streams
            };
            wait.arm(&timer, config, false);
        }
        let mut settled = seen.settings.get();
        let next = poll_fn(|cx| {
            if !settled && seen.settings.get() && active.get() == 0 {
                settled = true;
                Wait::Streamless.arm(&timer, config, false);
            }
            if holding {
                if env.tunnels() == 0 {
                    holding = false;
                    Wait::Finishing.arm(&timer, config, false);
                } else {
                    env.on_last_tunnel(cx.waker());
                }
            }
            match (away, timer.fired()) {
                (false, Some(why)) => return Poll::Ready(Err(Away::Graceful(why))),
                (false, None) if worker.drain.is_on() => {
                    return Poll::Ready(Err(Away::Graceful(Fired::Drain)));
                }
                (true, Some(Fired::Deadline)) => return Poll::Ready(Err(Away::Done)),
                _ => {}
            }
            timer.register_waker(cx.waker());
            match conn.poll_accept(cx) {
                Poll::Ready(r) => Poll::Ready(Ok(r)),
                Poll::Pending if away => Poll::Pending,
                Poll::Pending if seen.flood.get() => Poll::Ready(Err(Away::Flood)),
                Poll::Pending => match seen.malformed.get() {
                    Some(why) => Poll::Ready(Err(Away::Protocol(why))),
                    None => Poll::Pending,
                },
            }
        })
        .await;
        match next {
            Ok(Some(Ok((req, respond)))) => {
                active.set(active.get() + 1);
                let task = Stream {
                    env: env.clone(),
                    service: service.clone(),
                    conn: info.clone(),
                    active: active.clone(),
                };
                // Its own task from the first poll: a future first polled
                // in another task's context cannot move (monoio's timers keep
                // the first waker they are given).
                monoio::spawn(task.run(req, respond));
            }
            Ok(Some(Err(e))) => {
                tracing::debug!(%remote, error = %e, "HTTP/2 connection error");
                // `h2` sent GOAWAY with the reason.
                away = true;
                break;
            }
            Ok(None) | Err(Away::Done) => break,
            // The connection's life ran out with streams taken over (a
            // WebSocket) open on it: it takes no new streams (GOAWAY), but,
            // like an upgraded HTTP/1.1 connection, it lives while they do;
            // the drain timeout starts once the last one has ended.
            Err(Away::Graceful(Fired::Deadline)) if env.tunnels() > 0 => {
                tracing::debug!(%remote, "HTTP/2 going away once its upgraded streams end");
                conn.graceful_shutdown();
                away = true;
                holding = true;
                timer.uncap();
                timer.reset_fired();
                timer.arm(None);
            }
            Err(reason) => {
                tracing::debug!(%remote, ?reason, "HTTP/2 going away");
                // With streams open (or their last frames still queued),
                // GOAWAY lets them finish within the drain timeout. Without,
                // a final GOAWAY goes out and the connection closes once it
                // is written.
                let wait = match reason {
                    Away::Flood => {
                        conn.abrupt_shutdown(h2::Reason::ENHANCE_YOUR_CALM);
                        Wait::Closing
                    }
                    // RFC 9113 §5.4.1: a connection error of this type.
                    Away::Protocol(_) => {
                        conn.abrupt_shutdown(h2::Reason::PROTOCOL_ERROR);
                        Wait::Closing
                    }
                    _ if !conn.has_streams() => {
                        conn.abrupt_shutdown(h2::Reason::NO_ERROR);
                        Wait::Closing
                    }
                    _ => {
                        conn.graceful_shutdown();
                        Wait::Finishing
                    }
                };
                away = true;
                timer.reset_fired();
                wait.arm(&timer, config, false);
            }
        }
    }
    drop(conn);
    // Sent away with input still coming: linger, so that the client reads
    // the GOAWAY rather than a reset.
    if away && let Some(io) = taken_back.take() {
        lent::linger(io, &timer, config).await;
    }
}
