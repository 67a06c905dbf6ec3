//! HTTP/2 connections (RFC 9113) with the `h2` crate over monoio.
//!
//! monoio's `poll-io` mode turns the socket into a readiness-based stream
//! with tokio's `AsyncRead`/`AsyncWrite`, which `h2` drives. Readiness IO
//! reads into the caller's buffer only once the socket is ready, so no
//! kernel operation ever owns a buffer here and dropping a pending poll is
//! safe: the io_uring cancellation rule of the HTTP/1 path does not arise.
//! Each stream runs as its own task on the worker; the connection task
//! keeps polling `accept`, which drives all IO.

use std::cell::Cell;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use h2::server::SendResponse;
use h2::{RecvStream, SendStream};
use http::header::{self, HeaderValue};
use http::{HeaderMap, Method, Request, Response, StatusCode};
use monoio::io::IntoPollIo;
use monoio::io::poll_io::{AsyncRead, AsyncWrite, ReadBuf};
use monoio::net::TcpStream;

use super::panic::{catch_panic, message};
use crate::timer::{ConnTimer, Fired, Phase};
use crate::worker::Worker;
use crate::{Body, RemoteAddr, Service};

/// Reset streams a client may leave unaccepted before the connection is
/// closed (the rapid-reset defence of CVE-2023-44487).
const MAX_PENDING_ACCEPT_RESETS: usize = 20;
/// Streams we may reset for protocol errors before going away.
const MAX_LOCAL_ERROR_RESETS: usize = 256;
/// Bytes buffered per stream for sending.
const MAX_SEND_BUFFER: usize = 256 * 1024;

/// Serves an HTTP/2 connection whose first bytes (`read`) were already taken.
pub(crate) async fn serve<S: Service>(
    stream: TcpStream,
    read: Vec<u8>,
    remote: SocketAddr,
    worker: Rc<Worker>,
    service: Rc<S>,
    timer: ConnTimer,
) {
    let io = match stream.into_poll_io() {
        Ok(io) => Rewind {
            prefix: read,
            pos: 0,
            inner: io,
        },
        Err(e) => {
            tracing::debug!(%remote, error = %e, "cannot switch the socket to poll mode");
            return;
        }
    };
    let config = &worker.config;
    let mut builder = h2::server::Builder::new();
    builder
        .max_concurrent_streams(config.max_h2_streams)
        .max_header_list_size(config.max_h2_header_list_size)
        .max_frame_size(config.max_h2_frame_size)
        .initial_window_size(config.h2_stream_window)
        .initial_connection_window_size(config.h2_connection_window)
        .max_pending_accept_reset_streams(MAX_PENDING_ACCEPT_RESETS)
        .max_local_error_reset_streams(Some(MAX_LOCAL_ERROR_RESETS))
        .max_send_buffer_size(MAX_SEND_BUFFER);

    // The preface and first SETTINGS must arrive within the header timeout.
    timer.arm_in(config.header_read_timeout);
    timer.set_phase(Phase::Busy, false);
    let handshake = builder.handshake::<_, Bytes>(io);
    let mut conn = match with_timer(&timer, handshake).await {
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
    let mut going_away = false;
    loop {
        // Idle (no open stream): the keep-alive timeout runs, and a drain
        // closes the connection at once. Busy: only its lifetime runs.
        if active.get() == 0 {
            timer.arm_in(config.keep_alive_timeout);
            timer.set_phase(Phase::Idle, false);
        } else {
            timer.arm(None);
            timer.set_phase(Phase::Busy, false);
        }
        let next = poll_fn(|cx| {
            if !going_away {
                if let Some(why) = timer.fired() {
                    return Poll::Ready(Err(why));
                }
                if worker.draining.get() {
                    return Poll::Ready(Err(Fired::Drain));
                }
                timer.register_waker(cx.waker());
            }
            conn.poll_accept(cx).map(Ok)
        })
        .await;
        match next {
            Ok(Some(Ok((req, respond)))) => {
                active.set(active.get() + 1);
                let task = Stream {
                    worker: worker.clone(),
                    service: service.clone(),
                    remote,
                    active: active.clone(),
                };
                monoio::spawn(task.run(req, respond));
            }
            Ok(Some(Err(e))) => {
                tracing::debug!(%remote, error = %e, "HTTP/2 connection error");
                break;
            }
            Ok(None) => break,
            Err(why) => {
                // GOAWAY: no new streams; open ones finish (bounded by drain).
                tracing::debug!(%remote, reason = ?why, "HTTP/2 going away");
                conn.graceful_shutdown();
                going_away = true;
            }
        }
    }
    // Flush the GOAWAY and any final frames.
    let _ = poll_fn(|cx| conn.poll_closed(cx)).await;
}

/// Runs `fut` until it finishes or the timer fires (then `None`).
async fn with_timer<F: std::future::Future>(timer: &ConnTimer, fut: F) -> Option<F::Output> {
    let mut fut = std::pin::pin!(fut);
    poll_fn(|cx| {
        if timer.fired().is_some() {
            return Poll::Ready(None);
        }
        timer.register_waker(cx.waker());
        fut.as_mut().poll(cx).map(Some)
    })
    .await
}

/// One request stream.
struct Stream<S> {
    worker: Rc<Worker>,
    service: Rc<S>,
    remote: SocketAddr,
    active: Rc<Cell<usize>>,
}

impl<S: Service> Stream<S> {
    async fn run(self, req: Request<RecvStream>, mut respond: SendResponse<Bytes>) {
        if let Err(e) = self.exchange(req, &mut respond).await {
            tracing::debug!(remote = %self.remote, error = %e, "HTTP/2 stream ended early");
        }
        self.active.set(self.active.get() - 1);
    }

    async fn exchange(
        &self,
        req: Request<RecvStream>,
        respond: &mut SendResponse<Bytes>,
    ) -> Result<(), h2::Error> {
        let (mut parts, recv) = req.into_parts();
        let limit = self.worker.config.max_body_size;
        let read = crate::rt::timeout(
            self.worker
                .config
                .body_read_timeout
                .unwrap_or(std::time::Duration::MAX),
            read_body(recv, limit),
        );
        let body = match read.await {
            Ok(Ok(Some(body))) => body,
            Ok(Ok(None)) => {
                return send_plain(
                    respond,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "request body too large",
                );
            }
            Ok(Err(e)) => return Err(e),
            Err(_) => return send_plain(respond, StatusCode::REQUEST_TIMEOUT, "request timeout"),
        };
        let is_head = parts.method == Method::HEAD;
        parts.extensions.insert(RemoteAddr(self.remote));
        let req = Request::from_parts(parts, Body::full(body));
        let response = match catch_panic(self.service.call(req)).await {
            Ok(r) => r,
            Err(panic) => {
                tracing::error!(remote = %self.remote, panic = message(&*panic), "service panicked; answering 500");
                return send_plain(
                    respond,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal server error",
                );
            }
        };
        let (mut parts, mut body) = response.into_parts();
        strip_connection_headers(&mut parts.headers);
        if let Some(n) = body.exact_len() {
            if !crate::h1::status_has_no_body(parts.status) {
                parts
                    .headers
                    .insert(header::CONTENT_LENGTH, HeaderValue::from(n));
            }
        }
        let end =
            is_head || body.exact_len() == Some(0) || crate::h1::status_has_no_body(parts.status);
        let mut send = respond.send_response(Response::from_parts(parts, ()), end)?;
        if end {
            return Ok(());
        }
        while let Some(chunk) = body.next_chunk().await {
            match chunk {
                Ok(chunk) => send_all(&mut send, chunk).await?,
                Err(e) => {
                    tracing::warn!(remote = %self.remote, error = %e, "response body stream failed");
                    send.send_reset(h2::Reason::INTERNAL_ERROR);
                    return Ok(());
                }
            }
        }
        send.send_data(Bytes::new(), true)
    }
}

/// Reads a request body, releasing flow-control capacity as it goes;
/// `None` when it passes `limit`.
async fn read_body(mut recv: RecvStream, limit: u64) -> Result<Option<Bytes>, h2::Error> {
    let mut out = BytesMut::new();
    while let Some(chunk) = recv.data().await {
        let chunk = chunk?;
        let _ = recv.flow_control().release_capacity(chunk.len());
        if out.len() as u64 + chunk.len() as u64 > limit {
            return Ok(None);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(Some(out.freeze()))
}

/// Sends `data` as flow control allows.
async fn send_all(send: &mut SendStream<Bytes>, mut data: Bytes) -> Result<(), h2::Error> {
    while !data.is_empty() {
        send.reserve_capacity(data.len());
        let granted = match poll_fn(|cx| send.poll_capacity(cx)).await {
            Some(n) => n?,
            None => return Err(h2::Error::from(h2::Reason::CANCEL)),
        };
        if granted == 0 {
            continue;
        }
        let piece = data.split_to(granted.min(data.len()));
        send.send_data(piece, false)?;
    }
    Ok(())
}

fn send_plain(
    respond: &mut SendResponse<Bytes>,
    status: StatusCode,
    text: &'static str,
) -> Result<(), h2::Error> {
    let res = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(())
        .unwrap_or_default();
    let mut send = respond.send_response(res, false)?;
    send.send_data(Bytes::from_static(text.as_bytes()), true)
}

/// RFC 9113 §8.2.2: connection-specific fields are malformed in HTTP/2.
fn strip_connection_headers(headers: &mut HeaderMap) {
    for name in [
        header::CONNECTION,
        header::TRANSFER_ENCODING,
        header::UPGRADE,
    ] {
        headers.remove(name);
    }
    headers.remove("keep-alive");
    headers.remove("proxy-connection");
}

/// A stream that first replays bytes already read while detecting the protocol.
struct Rewind<T> {
    prefix: Vec<u8>,
    pos: usize,
    inner: T,
}

impl<T: AsyncRead + Unpin> AsyncRead for Rewind<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.pos < self.prefix.len() {
            let n = (self.prefix.len() - self.pos).min(buf.remaining());
            let start = self.pos;
            buf.put_slice(&self.prefix[start..start + n]);
            self.pos += n;
            if self.pos == self.prefix.len() {
                self.prefix = Vec::new();
                self.pos = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Rewind<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
