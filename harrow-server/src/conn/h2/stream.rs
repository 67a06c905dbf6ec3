//! One HTTP/2 request stream: read the body, call the service, send the
//! response with flow control.

use std::cell::Cell;
use std::future::poll_fn;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use h2::server::SendResponse;
use h2::{RecvStream, SendStream};
use http::header::{self, HeaderValue};
use http::{HeaderMap, Method, Request, Response, StatusCode};

use crate::conn::panic::{catch_panic, message};
use crate::h1::status_has_no_body;
use crate::worker::Worker;
use crate::{Body, RemoteAddr, Service};

/// One request stream's task.
pub(crate) struct Stream<S> {
    pub(crate) worker: Rc<Worker>,
    pub(crate) service: Rc<S>,
    pub(crate) remote: SocketAddr,
    /// Open streams on the connection; this one counts until it ends.
    pub(crate) active: Rc<Cell<usize>>,
}

/// Why a body could not be read.
enum ReadFailed {
    TooLarge,
    TimedOut,
    Stream(h2::Error),
}

impl<S: Service> Stream<S> {
    pub(crate) async fn run(self, req: Request<RecvStream>, mut respond: SendResponse<Bytes>) {
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
        let config = &self.worker.config;
        let (mut parts, recv) = req.into_parts();
        let body = match read_body(recv, config.max_body_size, config.body_read_timeout).await {
            Ok(body) => body,
            Err(ReadFailed::TooLarge) => {
                return send_plain(
                    respond,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "request body too large",
                );
            }
            Err(ReadFailed::TimedOut) => {
                return send_plain(respond, StatusCode::REQUEST_TIMEOUT, "request timeout");
            }
            Err(ReadFailed::Stream(e)) => return Err(e),
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
        let no_body = status_has_no_body(parts.status);
        if let (Some(n), false) = (body.exact_len(), no_body) {
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(n));
        }
        let end = is_head || no_body || body.exact_len() == Some(0);
        let mut send = respond.send_response(Response::from_parts(parts, ()), end)?;
        if end {
            return Ok(());
        }
        while let Some(chunk) = body.next_chunk().await {
            match chunk {
                Ok(chunk) => {
                    if !send_all(&mut send, chunk, config.write_timeout).await? {
                        tracing::debug!(remote = %self.remote, "HTTP/2 stream stalled on flow control; reset");
                        send.send_reset(h2::Reason::CANCEL);
                        return Ok(());
                    }
                }
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

/// Reads a request body within `timeout`, releasing flow-control capacity
/// as it goes, refusing more than `limit` bytes.
async fn read_body(
    mut recv: RecvStream,
    limit: u64,
    timeout: Option<Duration>,
) -> Result<Bytes, ReadFailed> {
    if recv.is_end_stream() {
        return Ok(Bytes::new());
    }
    let read = async {
        let mut out = BytesMut::new();
        while let Some(chunk) = recv.data().await {
            let chunk = chunk.map_err(ReadFailed::Stream)?;
            let _ = recv.flow_control().release_capacity(chunk.len());
            if out.len() as u64 + chunk.len() as u64 > limit {
                return Err(ReadFailed::TooLarge);
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out.freeze())
    };
    match timeout {
        Some(t) => crate::rt::timeout(t, read)
            .await
            .unwrap_or(Err(ReadFailed::TimedOut)),
        None => read.await,
    }
}

/// Sends `data` as flow control allows; `Ok(false)` when the peer gave no
/// window for a whole write timeout.
async fn send_all(
    send: &mut SendStream<Bytes>,
    mut data: Bytes,
    stall: Option<Duration>,
) -> Result<bool, h2::Error> {
    while !data.is_empty() {
        send.reserve_capacity(data.len());
        let capacity = poll_fn(|cx| send.poll_capacity(cx));
        let granted = match stall {
            Some(t) => match crate::rt::timeout(t, capacity).await {
                Ok(c) => c,
                Err(_) => return Ok(false),
            },
            None => capacity.await,
        };
        let granted = match granted {
            Some(n) => n?,
            None => return Err(h2::Error::from(h2::Reason::CANCEL)),
        };
        if granted > 0 {
            let piece = data.split_to(granted.min(data.len()));
            send.send_data(piece, false)?;
        }
    }
    Ok(true)
}

fn send_plain(
    respond: &mut SendResponse<Bytes>,
    status: StatusCode,
    text: &'static str,
) -> Result<(), h2::Error> {
    let mut res = Response::new(());
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
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
