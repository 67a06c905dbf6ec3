//! WebSocket (RFC 6455): the [`WebSocketUpgrade`] extractor accepts the
//! opening handshake, and [`on_upgrade`](WebSocketUpgrade::on_upgrade) runs
//! your code with the open [`WebSocket`] on the worker that accepted it.
//!
//! ```
//! use harrow::ws::{Message, WebSocketUpgrade};
//! use harrow::Response;
//!
//! async fn echo(ws: WebSocketUpgrade) -> Response {
//!     ws.max_message_size(64 * 1024).on_upgrade(|mut socket| async move {
//!         while let Some(Ok(message)) = socket.recv().await {
//!             if matches!(message, Message::Close(_)) {
//!                 break;
//!             }
//!             if socket.send(message).await.is_err() {
//!                 break;
//!             }
//!         }
//!     })
//! }
//! # let _ = harrow::App::new().get("/echo", echo);
//! ```
//!
//! Frames are read and written by this module's own sans-IO codec over the
//! server's owned-buffer socket IO: client frames are unmasked in place in
//! the buffer the socket read into, and a large message's payload is that
//! buffer itself, not a copy. The server answers pings, closes with 1002, 1007 or
//! 1009 a client that breaks the protocol, sends a text that is not UTF-8,
//! or a message over the limit, pings a quiet client and drops one that no
//! longer answers, and closes every socket with 1001 when it drains.
//!
//! A socket opens over HTTP/1.1 (RFC 6455) or, with the `http2` feature, on
//! an HTTP/2 stream (RFC 8441), where its frames travel in DATA frames
//! paced by the stream's flow control; the same handler serves both.

#[cfg(feature = "ws-deflate")]
mod deflate;
mod driver;
mod frame;
#[cfg(feature = "unstable")]
#[doc(hidden)]
pub mod fuzz;
mod handshake;
mod inbox;
mod mask;
mod message;
mod outbox;
mod read;
mod socket;
mod state;
mod wakers;

use std::fmt;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use harrow_server::upgrade::OnUpgrade;
use http::request::Parts;

pub use self::handshake::WebSocketRejection;
pub use self::message::{CloseFrame, Message, Text, close_code};
pub use self::socket::{WebSocket, WsReceiver, WsSender};
use self::state::State;
use crate::context::RequestContext;
use crate::extract::FromRequestParts;
use crate::response::{IntoResponse, Response};

/// A socket's limits and timeouts; see the [`WebSocketUpgrade`] methods.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    max_message_size: usize,
    max_frame_size: usize,
    ping_interval: Option<Duration>,
    pong_timeout: Duration,
    close_timeout: Duration,
    write_timeout: Duration,
    /// permessage-deflate is agreed when the client offers it.
    #[cfg(feature = "ws-deflate")]
    compression: bool,
    /// The smallest message the server compresses.
    #[cfg(feature = "ws-deflate")]
    compression_threshold: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_message_size: 2 << 20,
            max_frame_size: 2 << 20,
            ping_interval: Some(Duration::from_secs(30)),
            pong_timeout: Duration::from_secs(10),
            close_timeout: Duration::from_secs(5),
            write_timeout: Duration::from_secs(30),
            #[cfg(feature = "ws-deflate")]
            compression: false,
            #[cfg(feature = "ws-deflate")]
            compression_threshold: 1024,
        }
    }
}

/// The opening handshake of a WebSocket, checked: a handler argument. Set
/// the socket's limits with its methods, then answer with
/// [`on_upgrade`](Self::on_upgrade).
///
/// Over HTTP/2 (with the `http2` feature) a client opens a WebSocket with
/// an extended CONNECT (RFC 8441): a CONNECT whose `:protocol` is
/// `websocket`. The router hands it to the path's GET route, so the same
/// handler serves both, and the socket runs on that one stream while the
/// connection's other requests go on beside it.
///
/// A request that is not a valid handshake is answered by the extractor:
/// 405 for another method than GET (or that CONNECT), 426 without `Upgrade:
/// websocket` (a browser opening the address as a page) or with another
/// version than 13 (400 over HTTP/2), 400 for a malformed
/// `Sec-WebSocket-Key` or a request that cannot be taken over (HTTP/1.0, a
/// GET over HTTP/2, the in-process test client).
#[derive(Debug)]
pub struct WebSocketUpgrade {
    request: handshake::Request,
    on_upgrade: OnUpgrade,
    settings: Settings,
    protocols: Vec<String>,
    origins: Option<Vec<String>>,
}

impl WebSocketUpgrade {
    /// The largest message accepted (after reassembling its fragments);
    /// past it the socket closes with 1009. Default 2 MiB.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.settings.max_message_size = bytes;
        self
    }

    /// The largest frame accepted. Default 2 MiB.
    pub fn max_frame_size(mut self, bytes: usize) -> Self {
        self.settings.max_frame_size = bytes;
        self
    }

    /// The subprotocols this route speaks, in order of preference: the
    /// first one the client also offers is agreed
    /// ([`WebSocket::protocol`]). Without a match, none is.
    pub fn protocols<I, S>(mut self, protocols: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.protocols = protocols.into_iter().map(Into::into).collect();
        self
    }

    /// Only pages from these origins (`https://example.com`) may open the
    /// socket; others get 403. A request without `Origin` (not a browser)
    /// is let in. By default any origin is.
    pub fn allowed_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.origins = Some(origins.into_iter().map(Into::into).collect());
        self
    }

    /// How long the socket may be quiet before the server pings it (`None`:
    /// never). Default 30 s.
    pub fn ping_interval(mut self, interval: Option<Duration>) -> Self {
        self.settings.ping_interval = interval;
        self
    }

    /// How long the client has to send anything after a ping before it is
    /// dropped. Default 10 s.
    pub fn pong_timeout(mut self, timeout: Duration) -> Self {
        self.settings.pong_timeout = timeout;
        self
    }

    /// How long a closing handshake may take. Default 5 s.
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.settings.close_timeout = timeout;
        self
    }

    /// How long one write may wait for a client that does not read before
    /// the socket is dropped. Default 30 s.
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.settings.write_timeout = timeout;
        self
    }

    /// Compresses messages with permessage-deflate (RFC 7692) when the
    /// client offers it, as browsers do: the client's compressed messages
    /// are inflated (within [`max_message_size`](Self::max_message_size)),
    /// and the server's from the [threshold](Self::compression_threshold)
    /// on go compressed when that makes them smaller. Off by default.
    ///
    /// It costs CPU on both sides (several times an uncompressed echo's),
    /// and a socket whose client keeps its context between messages, as
    /// browsers do, keeps an inflater (about 43 KiB) from its first
    /// compressed message on; one whose client offered
    /// `client_no_context_takeover` uses the worker's. The server's own
    /// compressor is one per worker. With the `ws-deflate` feature.
    #[cfg(feature = "ws-deflate")]
    pub fn compression(mut self, on: bool) -> Self {
        self.settings.compression = on;
        self
    }

    /// The smallest message the server compresses, when
    /// [`compression`](Self::compression) is on: below it, compressing
    /// costs more time (a few microseconds a message) than it saves
    /// bytes. Default 1 KiB.
    #[cfg(feature = "ws-deflate")]
    pub fn compression_threshold(mut self, bytes: usize) -> Self {
        self.settings.compression_threshold = bytes;
        self
    }

    /// Accepts the handshake (`101 Switching Protocols`, or `200` on an
    /// HTTP/2 stream), then runs `callback` with the open socket on this
    /// worker. The connection lives
    /// while the callback runs and the socket is open: when the callback
    /// returns, the socket closes (1000); when the socket ends, the
    /// callback is dropped.
    pub fn on_upgrade<F, Fut>(self, callback: F) -> Response
    where
        F: FnOnce(WebSocket) -> Fut + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        if let (Some(allowed), Some(origin)) = (&self.origins, &self.request.origin) {
            let origin = String::from_utf8_lossy(origin.as_bytes()).into_owned();
            if !allowed.iter().any(|a| a.eq_ignore_ascii_case(&origin)) {
                return WebSocketRejection::OriginNotAllowed(origin).into_response();
            }
        }
        let protocol = self
            .protocols
            .iter()
            .find(|p| self.request.protocols.iter().any(|offered| offered == *p))
            .cloned();
        let response = handshake::accept(self.request.key.as_ref(), protocol.as_deref());
        let state = State::new(self.settings);
        #[cfg(feature = "ws-deflate")]
        let (response, state) = agree_deflate(self.request.deflate, response, state);
        let compressed = response
            .headers()
            .contains_key(http::header::SEC_WEBSOCKET_EXTENSIONS);
        // Allocated here, so that the socket's future holds a pointer to
        // the state for its life, not room for a copy of it.
        let shared = Rc::new(std::cell::RefCell::new(state));
        let registered = self.on_upgrade.on_upgrade(move |upgraded| async move {
            let socket = WebSocket::new(shared.clone(), protocol, compressed);
            driver::run(upgraded, shared, callback(socket)).await;
        });
        match registered {
            Ok(()) => response,
            Err(_) => WebSocketRejection::NotUpgradable.into_response(),
        }
    }
}

/// With compression on and an offer the server can take: its answer in
/// the `101`, and the socket set to inflate and deflate.
#[cfg(feature = "ws-deflate")]
fn agree_deflate(
    offer: Option<(deflate::Agreed, http::HeaderValue)>,
    mut response: Response,
    state: State,
) -> (Response, State) {
    match offer {
        Some((agreed, answer)) if state.settings().compression => {
            response
                .headers_mut()
                .insert(http::header::SEC_WEBSOCKET_EXTENSIONS, answer);
            (response, state.compressed(agreed))
        }
        _ => (response, state),
    }
}

impl FromRequestParts for WebSocketUpgrade {
    type Rejection = WebSocketRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        let request = handshake::check(parts)?;
        let on_upgrade = parts
            .extensions
            .get::<OnUpgrade>()
            .cloned()
            .ok_or(WebSocketRejection::NotUpgradable)?;
        Ok(WebSocketUpgrade {
            request,
            on_upgrade,
            settings: Settings::default(),
            protocols: Vec::new(),
            origins: None,
        })
    }
}

/// Why a WebSocket ended without a clean closing handshake, or why a
/// message could not be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsError {
    message: String,
}

impl WsError {
    pub(crate) fn new(message: impl Into<String>) -> WsError {
        WsError {
            message: message.into(),
        }
    }

    pub(crate) fn closed() -> WsError {
        WsError::new("the WebSocket is closing or closed")
    }
}

impl fmt::Display for WsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for WsError {}
