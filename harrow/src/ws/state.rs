//! The state a WebSocket's parts share: the frame reader, the encoded
//! output, the messages received and not yet taken, where the closing
//! handshake stands, and who waits for what.
//!
//! Everything here is synchronous: the reading and writing loops
//! (`driver.rs`) move bytes between the socket and the state, and the
//! application's [`WebSocket`](super::WebSocket) moves messages in and
//! out; each borrows the state only between awaits.

use std::cell::RefCell;
use std::io;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;

#[cfg(feature = "ws-deflate")]
use super::frame::RSV1;
use super::frame::{OPCODE_BINARY, OPCODE_PING, OPCODE_PONG, OPCODE_TEXT};
use super::inbox::Inbox;
use super::message::{CloseFrame, Message, close_code};
use super::outbox::{Outbox, Output};
use super::read::{Broken, FrameReader, Incoming};
use super::wakers::{Waiter, Wakers};
use super::{Settings, WsError};

/// Output past this is not added to: a sender waits until the socket has
/// taken some (a client that stops reading holds its senders, not the
/// server's memory).
const OUTPUT_HIGH: usize = 256 * 1024;
/// Messages received and not yet taken past which the socket is not read,
/// nor the rest of a read parsed: a slow application makes the client
/// wait, through TCP.
const INBOUND_HIGH: usize = 32;
/// The same in bytes. Compressed, a read of a few KiB can inflate to many
/// MiB; this bounds what one read can add to about this plus one message.
const INBOUND_BYTES_HIGH: usize = 256 * 1024;

/// Where the closing handshake stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Messages flow both ways.
    Open,
    /// A closing frame went out or came in; waiting for the other side's
    /// (until the closing deadline).
    Closing,
    /// Nothing more is read or written: what is queued goes out, then the
    /// socket closes.
    Done,
}

/// The state behind one WebSocket.
pub(super) struct State {
    frames: FrameReader,
    /// Encoded and not yet written.
    output: Outbox,
    inbound: Inbox,
    phase: Phase,
    /// When a closing handshake gives up waiting.
    closing_deadline: Option<Instant>,
    /// Why the socket ended, when not by a clean closing handshake.
    error: Option<WsError>,
    /// The application's handles still alive.
    pub(super) handles: usize,
    settings: Settings,
    pub(super) wakers: Wakers,
    /// Parsing stopped before the end of the last read because the
    /// application was behind: the rest is parsed before the next read.
    backlog: bool,
    /// permessage-deflate was agreed: the inflater for the client's
    /// compressed messages, and the server's are compressed too.
    #[cfg(feature = "ws-deflate")]
    deflate: Option<super::deflate::Inflater>,
}

/// The shared state, borrowed only between awaits.
pub(super) type Shared = RefCell<State>;

impl State {
    /// A server-side socket with `settings`.
    pub(super) fn new(settings: Settings) -> State {
        State {
            frames: FrameReader::new(settings.max_message_size, settings.max_frame_size),
            output: Outbox::default(),
            inbound: Inbox::default(),
            phase: Phase::Open,
            closing_deadline: None,
            error: None,
            handles: 1,
            settings,
            wakers: Wakers::default(),
            backlog: false,
            #[cfg(feature = "ws-deflate")]
            deflate: None,
        }
    }

    /// The same socket with permessage-deflate agreed: the client's
    /// messages may come compressed, and the server's from the route's
    /// threshold on go compressed.
    #[cfg(feature = "ws-deflate")]
    pub(super) fn compressed(mut self, agreed: super::deflate::Agreed) -> State {
        self.frames = self.frames.with_compression();
        self.deflate = Some(super::deflate::Inflater::new(agreed));
        self
    }

    pub(super) fn settings(&self) -> &Settings {
        &self.settings
    }

    pub(super) fn phase(&self) -> Phase {
        self.phase
    }

    pub(super) fn closing_deadline(&self) -> Option<Instant> {
        self.closing_deadline
    }

    // ----- from the socket ----------------------------------------------

    /// Parses `buf`, as read from the socket: messages for the
    /// application, and the answers the protocol gives by itself (pong,
    /// closing frame). `buf` comes back holding only the start of a frame
    /// not whole yet, with room for the rest of it; it may be a new buffer,
    /// when the old one went out as a message's payload. While the socket
    /// is open, parsing stops once the application is behind (see
    /// [`backlog`](Self::backlog)); the rest waits in `buf`.
    pub(super) fn received(&mut self, buf: &mut Vec<u8>) {
        let mut at = 0;
        self.backlog = false;
        while self.phase != Phase::Done {
            if self.phase == Phase::Open && self.inbound_full() {
                self.backlog = at < buf.len();
                break;
            }
            match self.frames.next(buf, &mut at) {
                Ok(Some(incoming)) => self.incoming(incoming, buf),
                Ok(None) => break,
                Err(broken) => self.broken(broken),
            }
        }
        if self.phase == Phase::Done {
            // §5.5.1: nothing after the closing handshake is read.
            buf.clear();
        } else {
            self.frames.consumed(buf, at);
        }
        self.wakers.wake(Waiter::Receiver);
    }

    /// Whether bytes of the last read wait to be parsed, once the
    /// application has taken some messages (the reading loop parses them
    /// before it reads again).
    pub(super) fn backlog(&self) -> bool {
        self.backlog
    }

    /// Whether the application is behind: messages received and not taken
    /// have reached the limit in number or in bytes.
    fn inbound_full(&self) -> bool {
        self.inbound.len() >= INBOUND_HIGH || self.inbound.bytes() >= INBOUND_BYTES_HIGH
    }

    /// Acts on one message or control frame from the peer; `buf` is the
    /// buffer it was parsed from (a compressed frame is inflated from it).
    fn incoming(&mut self, incoming: Incoming, buf: &[u8]) {
        match incoming {
            // §5.5.1: after sending its closing frame an endpoint still
            // takes the messages the peer sent before answering it.
            // Once our closing frame is out, the socket is read whatever
            // the application takes (`poll_room`), so that the peer's
            // closing frame is seen; what the application will not take
            // past the usual backlog is dropped.
            Incoming::Text(_)
            | Incoming::Binary(_)
            | Incoming::Compressed { .. }
            | Incoming::CompressedFrame { .. }
                if self.phase != Phase::Open && self.inbound_full() => {}
            Incoming::Text(text) => self.inbound.push_back(Message::Text(text)),
            Incoming::Binary(bytes) => self.inbound.push_back(Message::Binary(bytes)),
            // §5.5.2: a ping is answered with a pong echoing its payload
            // until the peer's closing frame has come.
            Incoming::Ping(payload) => {
                if self.phase != Phase::Done {
                    self.output.frame(OPCODE_PONG, &payload);
                    self.wakers.wake(Waiter::Writer);
                }
            }
            Incoming::Pong => {}
            Incoming::Compressed { text, payload } => match self.inflate(text, &payload) {
                Ok(message) => self.incoming(message, buf),
                Err(broken) => self.broken(broken),
            },
            Incoming::CompressedFrame { text, range } => match self.inflate(text, &buf[range]) {
                Ok(message) => self.incoming(message, buf),
                Err(broken) => self.broken(broken),
            },
            Incoming::Close(frame) => {
                // §5.5.1: a closing frame not answering ours is answered
                // with one carrying the same code; either way the
                // handshake is over, and the connection closes.
                if self.phase == Phase::Open {
                    self.output.close(frame.as_ref());
                }
                self.inbound.push_back(Message::Close(frame));
                self.phase = Phase::Done;
                self.wake_all();
            }
        }
    }

    /// A compressed message, inflated within the message size limit (and
    /// checked as UTF-8 when text, §8.1).
    #[cfg(feature = "ws-deflate")]
    fn inflate(&mut self, text: bool, payload: &[u8]) -> Result<Incoming, Broken> {
        let Some(inflater) = &mut self.deflate else {
            return Err(Broken::Protocol("reserved bits set without an extension"));
        };
        let mut data = inflater.inflate(payload, self.settings.max_message_size)?;
        // The output doubled as it grew: a message the application keeps
        // does not keep much more than itself.
        let spare = data.capacity() - data.len();
        if spare > 4096 && spare > data.len() / 2 {
            data.shrink_to_fit();
        }
        if !text {
            return Ok(Incoming::Binary(data.into()));
        }
        String::from_utf8(data)
            .map(|text| Incoming::Text(text.into()))
            .map_err(|_| Broken::InvalidUtf8)
    }

    /// Without the `ws-deflate` feature no message is taken compressed
    /// (the reader refuses RSV1), so none reaches this.
    #[cfg(not(feature = "ws-deflate"))]
    fn inflate(&mut self, _text: bool, _payload: &[u8]) -> Result<Incoming, Broken> {
        Err(Broken::Protocol("reserved bits set without an extension"))
    }

    /// The peer closed the socket (or it failed): nothing more comes.
    pub(super) fn ended(&mut self, error: Option<WsError>) {
        if self.phase != Phase::Done {
            if self.phase == Phase::Open {
                self.error = Some(error.unwrap_or_else(|| {
                    WsError::new("the peer closed the connection without a closing handshake")
                }));
            }
            self.phase = Phase::Done;
        }
        self.wake_all();
    }

    /// A closing handshake or the peer's liveness ran out of time: stop.
    pub(super) fn gave_up(&mut self, why: &str) {
        if self.phase == Phase::Open {
            self.error = Some(WsError::new(why));
        }
        self.phase = Phase::Done;
        self.output.clear();
        self.wake_all();
    }

    /// Whether the socket should be read now: it is not done, the
    /// answers it needs (pongs, closing frames) are not piling up behind a
    /// peer that does not read, and the application takes what it brings
    /// (or our closing frame is out: then the peer's is awaited whatever
    /// the application does, until the closing deadline). Registers the
    /// reader's waker otherwise.
    pub(super) fn poll_room(&mut self, cx: &mut Context<'_>) -> Poll<bool> {
        if self.phase == Phase::Done {
            return Poll::Ready(false);
        }
        if self.output.len() < OUTPUT_HIGH && (!self.inbound_full() || self.phase == Phase::Closing)
        {
            return Poll::Ready(true);
        }
        self.wakers.register(Waiter::Reader, cx);
        Poll::Pending
    }

    /// Wakes the reader when a closing handshake begins.
    pub(super) fn watch_closing(&mut self, cx: &mut Context<'_>) {
        self.wakers.register(Waiter::Closing, cx);
    }

    /// Sends a ping (the socket has been quiet).
    pub(super) fn ping(&mut self) {
        if self.phase == Phase::Open {
            self.output.frame(OPCODE_PING, &[]);
            self.wakers.wake(Waiter::Writer);
        }
    }

    /// The server is draining: close with 1001.
    pub(super) fn going_away(&mut self) {
        self.close(CloseFrame::new(
            close_code::GOING_AWAY,
            "server shutting down",
        ));
    }

    // ----- to the socket ------------------------------------------------

    /// What is encoded and not yet written; `None` once the socket is done
    /// and all of it went out. Registers the writer's waker when there is
    /// nothing yet.
    /// `spare` (an emptied buffer) takes the output's place.
    pub(super) fn poll_output(
        &mut self,
        cx: &mut Context<'_>,
        spare: &mut Vec<u8>,
    ) -> Poll<Option<Output>> {
        if !self.output.is_empty() {
            let out = self.output.take(std::mem::take(spare));
            self.wakers.wake(Waiter::Sender);
            self.wakers.wake(Waiter::Reader);
            return Poll::Ready(Some(out));
        }
        if self.phase == Phase::Done {
            return Poll::Ready(None);
        }
        self.wakers.register(Waiter::Writer, cx);
        Poll::Pending
    }

    /// Writing failed: the socket is done.
    pub(super) fn write_failed(&mut self, e: &io::Error) {
        if self.phase == Phase::Open {
            self.error = Some(WsError::new(format!("writing to the peer failed: {e}")));
        }
        self.phase = Phase::Done;
        self.output.clear();
        self.wake_all();
    }

    // ----- from the application ------------------------------------------

    /// The next message, `None` at the end; registers the receiver's waker
    /// when none has come yet.
    pub(super) fn poll_recv(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Message, WsError>>> {
        if let Some(message) = self.inbound.pop_front() {
            self.wakers.wake(Waiter::Reader);
            return Poll::Ready(Some(Ok(message)));
        }
        if self.phase == Phase::Done {
            return Poll::Ready(self.error.take().map(Err));
        }
        self.wakers.register(Waiter::Receiver, cx);
        Poll::Pending
    }

    /// Encodes `message` when there is room for it; registers the sender's
    /// waker otherwise.
    pub(super) fn poll_send(
        &mut self,
        cx: &mut Context<'_>,
        message: &mut Option<Message>,
    ) -> Poll<Result<(), WsError>> {
        if self.phase != Phase::Open {
            return Poll::Ready(Err(WsError::closed()));
        }
        if self.output.len() >= OUTPUT_HIGH {
            self.wakers.register(Waiter::Sender, cx);
            return Poll::Pending;
        }
        match message.take() {
            Some(Message::Text(text)) => self.data(OPCODE_TEXT, Bytes::from(text)),
            Some(Message::Binary(bytes)) => self.data(OPCODE_BINARY, bytes),
            Some(Message::Close(frame)) => {
                self.close(frame.unwrap_or_else(|| CloseFrame::new(close_code::NORMAL, "")));
                return Poll::Ready(Ok(()));
            }
            None => return Poll::Ready(Ok(())),
        }
        self.wakers.wake(Waiter::Writer);
        Poll::Ready(Ok(()))
    }

    /// Queues a data message: compressed when permessage-deflate was
    /// agreed, it reaches the route's threshold and it shrinks.
    fn data(&mut self, opcode: u8, payload: Bytes) {
        #[cfg(feature = "ws-deflate")]
        if self.deflate.is_some()
            && payload.len() >= self.settings.compression_threshold
            && let Some(smaller) = super::deflate::deflate(&payload)
        {
            self.output.message(opcode | RSV1, Bytes::from(smaller));
            return;
        }
        self.output.message(opcode, payload);
    }

    /// Starts the closing handshake with `frame` (once).
    pub(super) fn close(&mut self, frame: CloseFrame) {
        if self.phase != Phase::Open {
            return;
        }
        self.output.close(Some(&frame));
        // §7.1.2: the closing handshake waits for the peer's closing frame
        // (until the closing deadline).
        self.phase = Phase::Closing;
        self.closing_deadline = Some(Instant::now() + self.settings.close_timeout);
        self.wake_all();
    }

    /// The last application handle went: close normally.
    pub(super) fn abandoned(&mut self) {
        self.close(CloseFrame::new(close_code::NORMAL, ""));
    }

    // ----- inside -------------------------------------------------------

    /// The peer broke the protocol: send the closing code that says how
    /// (RFC 6455 §7.4.1), end the connection, and report an error.
    fn broken(&mut self, broken: Broken) {
        let code = broken.code();
        tracing::debug!(error = %broken, code, "closing a WebSocket that broke the protocol");
        self.error = Some(WsError::new(format!(
            "the peer broke the protocol: {broken}"
        )));
        if self.phase == Phase::Open {
            self.output
                .close(Some(&CloseFrame::new(code, broken.reason())));
        }
        // RFC 6455 §7.1.7: failing the connection sends the closing frame
        // and closes, without waiting for the peer's.
        self.phase = Phase::Done;
        self.wake_all();
    }

    fn wake_all(&mut self) {
        self.wakers.wake_all();
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
