//! One HTTP/2 request stream: read the body, call the service, send the
//! response with flow control; or, for an extended CONNECT the service
//! accepts, hand the stream over as a tunnel.

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use h2::server::SendResponse;
use h2::{RecvStream, SendStream};
use http::header::{self, HeaderValue};
use http::{HeaderMap, Method, Request, Response, StatusCode};

use super::recv::{edge_whitespace, request_body};
use super::tunnel::{TunnelRead, TunnelWrite};
use crate::codec::DateCache;
use crate::conn::panic::{CatchPanic, make_guarded, panic_response};
use crate::conn::upgraded::Socket;
use crate::conn::wait::Wait;
use crate::semantics::{plain, status_has_no_body};
use crate::shared::Worker;
use crate::timer::ConnTimer;
use crate::upgrade::{OnUpgrade, Upgraded};
use crate::{ConnInfo, Service};

/// What a stream needs of its worker: the body limit, the timeouts that
/// bound its waits, and the worker itself (its clock to arm them on, and
/// what an upgraded stream is given).
pub(crate) struct StreamEnv {
    worker: Rc<Worker>,
    /// Streams of the connection taken over after an extended CONNECT
    /// and still open.
    tunnels: Cell<usize>,
    /// The connection's task, woken when the last of them ends.
    last_tunnel: RefCell<Option<Waker>>,
    pub(super) max_body_size: u64,
    pub(super) body_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
}

impl StreamEnv {
    /// The environment of the streams of `worker`'s connections.
    pub(crate) fn new(worker: &Rc<Worker>) -> Self {
        let config = &worker.config;
        StreamEnv {
            worker: worker.clone(),
            tunnels: Cell::new(0),
            last_tunnel: RefCell::new(None),
            max_body_size: config.max_body_size,
            body_timeout: Wait::Body.timeout(config),
            write_timeout: Wait::Write.timeout(config),
        }
    }

    /// How many of the connection's streams are open tunnels.
    pub(crate) fn tunnels(&self) -> usize {
        self.tunnels.get()
    }

    /// Wakes `waker` when the last open tunnel ends.
    pub(crate) fn on_last_tunnel(&self, waker: &Waker) {
        let mut slot = self.last_tunnel.borrow_mut();
        if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *slot = Some(waker.clone());
        }
    }

    /// A deadline `timeout` from now on the worker's clock; none without a
    /// timeout.
    pub(super) fn deadline(&self, timeout: Option<Duration>) -> Option<ConnTimer> {
        let timeout = timeout?;
        let timer = self.worker.timers.register(None);
        timer.arm_in(Some(timeout));
        Some(timer)
    }
}

/// One request stream's task.
pub(crate) struct Stream<S> {
    pub(crate) env: Rc<StreamEnv>,
    pub(crate) service: Rc<S>,
    /// What the service is told of the connection.
    pub(crate) conn: ConnInfo,
    /// Open streams on the connection; this one counts until it ends.
    pub(crate) active: Rc<Cell<usize>>,
}

impl<S: Service> Stream<S> {
    pub(crate) async fn run(self, req: Request<RecvStream>, mut respond: SendResponse<Bytes>) {
        if let Err(e) = self.exchange(req, &mut respond).await {
            tracing::debug!(remote = %self.conn.remote(), error = %e, "HTTP/2 stream ended early");
        }
        self.active.set(self.active.get() - 1);
    }

    /// Accepts an extended CONNECT with `parts` (a 2xx, no body: RFC 9110
    /// §9.3.6 forbids framing fields in it) and runs `callback` with the
    /// stream as the upgraded connection, in this stream's task.
    async fn hand_over(
        &self,
        respond: &mut SendResponse<Bytes>,
        mut parts: http::response::Parts,
        recv: RecvStream,
        callback: crate::upgrade::Callback,
    ) -> Result<(), h2::Error> {
        parts.headers.remove(header::CONTENT_LENGTH);
        if !parts.headers.contains_key(header::DATE) {
            parts
                .headers
                .insert(header::DATE, DateCache::header_value());
        }
        let send = respond.send_response(Response::from_parts(parts, ()), false)?;
        let socket = Socket::H2(TunnelRead::new(recv), TunnelWrite::new(send));
        let _open = TunnelCount::open(&self.env);
        callback(Upgraded::new(socket, Vec::new(), self.env.worker.clone())).await;
        Ok(())
    }

    async fn exchange(
        &self,
        req: Request<RecvStream>,
        respond: &mut SendResponse<Bytes>,
    ) -> Result<(), h2::Error> {
        let (mut parts, recv) = req.into_parts();
        // RFC 9113 §8.2.1: a field value must not start or end with
        // whitespace; such a request is malformed (§8.1.1).
        if parts.headers.values().any(edge_whitespace) {
            tracing::debug!(remote = %self.conn.remote(), "HTTP/2 field value with edge whitespace; reset");
            respond.send_reset(h2::Reason::PROTOCOL_ERROR);
            return Ok(());
        }
        let is_head = parts.method == Method::HEAD;
        // RFC 8441 §4: a CONNECT with `:protocol` asks to use the stream
        // itself for that protocol; its DATA frames are the tunnel's, not a
        // body. The service may take it over as an upgrade.
        let mut tunnel = None;
        let body = if parts.method == Method::CONNECT
            && parts.extensions.get::<h2::ext::Protocol>().is_some()
        {
            let on_upgrade = OnUpgrade::open();
            tunnel = Some((on_upgrade.key(), recv));
            parts.extensions.insert(on_upgrade);
            crate::Body::empty()
        } else {
            let declared = parts.headers.get(header::CONTENT_LENGTH);
            request_body(recv, declared, &self.env)
        };
        let req = Request::from_parts(parts, body);
        let mut req = Some(req);
        let made = make_guarded(
            || {
                self.service
                    .call(req.take().expect("taken once"), self.conn.clone())
            },
            None,
        );
        let answered = match made {
            Ok(fut) => CatchPanic::new(fut, None).await,
            Err(panic) => Err(panic),
        };
        let response = match answered {
            Ok(r) => r,
            Err(panic) => panic_response(self.conn.remote(), &*panic),
        };
        let (mut parts, mut body) = response.into_parts();
        strip_connection_headers(&mut parts.headers);
        if let Some((key, recv)) = tunnel {
            // Taken once the service answered, whatever it answered, so
            // that the callback is never left behind.
            let callback = OnUpgrade::close(key);
            // RFC 8441 §5: a 2xx accepts. A 101 is how a service written
            // for HTTP/1.1 accepts; HTTP/2 has none (RFC 9113 §8.6), so it
            // goes out as a 200.
            let accepts =
                parts.status.is_success() || parts.status == StatusCode::SWITCHING_PROTOCOLS;
            match (callback, accepts) {
                (Some(callback), true) => {
                    if !parts.status.is_success() {
                        parts.status = StatusCode::OK;
                    }
                    return self.hand_over(respond, parts, recv, callback).await;
                }
                // A 2xx that takes nothing over would tell the client its
                // tunnel is open, and its body would read as the protocol's
                // bytes.
                (None, true) => {
                    tracing::debug!(remote = %self.conn.remote(), status = %parts.status, "extended CONNECT answered without taking the stream; 501");
                    let refused = plain(
                        StatusCode::NOT_IMPLEMENTED,
                        "this resource does not take the stream over for that protocol",
                    );
                    (parts, body) = refused.into_parts();
                }
                (_, false) => {}
            }
        }
        if !parts.headers.contains_key(header::DATE) {
            // RFC 9110 §6.6.1: an origin server with a clock sends Date.
            parts
                .headers
                .insert(header::DATE, DateCache::header_value());
        }
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
        // Armed only once flow control makes the stream wait.
        let mut stall = None;
        while let Some(chunk) = body.next_chunk().await {
            match chunk {
                Ok(chunk) => {
                    // A body of known length that is now used up ends the
                    // stream with its last DATA frame, not an empty one.
                    let last = body.exact_len() == Some(0);
                    if !send_all(&mut send, chunk, last, &self.env, &mut stall).await? {
                        tracing::debug!(remote = %self.conn.remote(), "HTTP/2 stream stalled on flow control; reset");
                        send.send_reset(h2::Reason::CANCEL);
                        return Ok(());
                    }
                    if last {
                        return Ok(());
                    }
                }
                Err(e) => {
                    tracing::warn!(remote = %self.conn.remote(), error = %e, "response body stream failed");
                    send.send_reset(h2::Reason::INTERNAL_ERROR);
                    return Ok(());
                }
            }
        }
        send.send_data(Bytes::new(), true)
    }
}

/// One open tunnel in its connection's count, for as long as it lives.
struct TunnelCount<'a>(&'a StreamEnv);

impl<'a> TunnelCount<'a> {
    fn open(env: &'a StreamEnv) -> Self {
        env.tunnels.set(env.tunnels.get() + 1);
        TunnelCount(env)
    }
}

impl Drop for TunnelCount<'_> {
    fn drop(&mut self) {
        let left = self.0.tunnels.get() - 1;
        self.0.tunnels.set(left);
        if left == 0
            && let Some(waker) = self.0.last_tunnel.borrow_mut().take()
        {
            waker.wake();
        }
    }
}

/// Sends `data` as flow control allows, ending the stream with it when
/// `end` is set; `Ok(false)` when the peer gave no window for a whole write
/// timeout. `stall` is the stream's deadline entry for such waits, made on
/// the first one.
async fn send_all(
    send: &mut SendStream<Bytes>,
    mut data: Bytes,
    end: bool,
    env: &StreamEnv,
    stall: &mut Option<ConnTimer>,
) -> Result<bool, h2::Error> {
    while !data.is_empty() {
        send.reserve_capacity(data.len());
        // Window is usually there already: take it without arming a timer.
        let granted = match poll_fn(|cx| Poll::Ready(send.poll_capacity(cx))).await {
            Poll::Ready(granted) => granted,
            Poll::Pending => match env.write_timeout {
                None => poll_fn(|cx| send.poll_capacity(cx)).await,
                Some(timeout) => {
                    let timer = stall.get_or_insert_with(|| env.worker.timers.register(None));
                    timer.reset_fired();
                    timer.arm_in(Some(timeout));
                    let granted = poll_fn(|cx| {
                        if timer.fired().is_some() {
                            return Poll::Ready(None);
                        }
                        timer.register_waker(cx.waker());
                        send.poll_capacity(cx).map(Some)
                    })
                    .await;
                    timer.arm(None);
                    match granted {
                        Some(granted) => granted,
                        None => return Ok(false),
                    }
                }
            },
        };
        let granted = match granted {
            Some(n) => n?,
            None => return Err(h2::Error::from(h2::Reason::CANCEL)),
        };
        if granted > 0 {
            let piece = data.split_to(granted.min(data.len()));
            send.send_data(piece, end && data.is_empty())?;
        }
    }
    Ok(true)
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
