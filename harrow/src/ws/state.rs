//! The state a WebSocket's parts share: the protocol engine (tungstenite's
//! sans-IO `WebSocketContext` over in-memory wire buffers), the messages
//! received and not yet taken, and who waits for what.
//!
//! Everything here is synchronous: the reading and writing loops
//! (`driver.rs`) move bytes between the socket and the wire buffers, and
//! the application's [`WebSocket`](super::WebSocket) moves messages in and
//! out; each borrows the state only between awaits.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use bytes::Bytes;
use tungstenite::protocol::{Role, WebSocketConfig, WebSocketContext};

use super::frame::{OPCODE_BINARY, OPCODE_TEXT, encode_data};
use super::message::{CloseFrame, Message, Text, close_code};
use super::{Settings, WsError};

/// Output past this is not added to: a sender waits until the socket has
/// taken some (a client that stops reading holds its senders, not the
/// server's memory).
const OUTPUT_HIGH: usize = 256 * 1024;
/// Messages received and not yet taken past which the socket is not read:
/// a slow application makes the client wait, through TCP.
const INBOUND_HIGH: usize = 32;

/// Bytes between the socket and the protocol engine.
#[derive(Default)]
struct Wire {
    /// Received and not yet parsed, from `at`: usually the reading loop's
    /// own buffer, lent for the time the engine parses it.
    input: Vec<u8>,
    at: usize,
    /// Encoded and not yet written.
    output: Vec<u8>,
}

impl io::Read for Wire {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let rest = &self.input[self.at..];
        if rest.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.at += n;
        if self.at == self.input.len() {
            self.input.clear();
            self.at = 0;
        }
        Ok(n)
    }
}

impl io::Write for Wire {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.output.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

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
    engine: WebSocketContext,
    wire: Wire,
    inbound: VecDeque<Message>,
    phase: Phase,
    /// When a closing handshake gives up waiting.
    closing_deadline: Option<Instant>,
    /// Why the socket ended, when not by a clean closing handshake.
    error: Option<WsError>,
    /// The application's handles still alive.
    pub(super) handles: usize,
    settings: Settings,
    reader: Option<Waker>,
    writer: Option<Waker>,
    receiver: Option<Waker>,
    sender: Option<Waker>,
}

/// The shared state, borrowed only between awaits.
pub(super) type Shared = RefCell<State>;

impl State {
    /// A server-side socket with `settings`.
    pub(super) fn new(settings: Settings) -> State {
        // The engine's read buffer is held by every open socket, idle or
        // not, so it starts small: a frame's whole length is reserved once
        // its header has arrived.
        let config = WebSocketConfig::default()
            .read_buffer_size(1024)
            .write_buffer_size(0)
            .max_message_size(Some(settings.max_message_size))
            .max_frame_size(Some(settings.max_frame_size));
        State {
            engine: WebSocketContext::new(Role::Server, Some(config)),
            wire: Wire::default(),
            inbound: VecDeque::new(),
            phase: Phase::Open,
            closing_deadline: None,
            error: None,
            handles: 1,
            settings,
            reader: None,
            writer: None,
            receiver: None,
            sender: None,
        }
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
    /// closing frame). `buf` comes back empty, with a capacity to read into.
    pub(super) fn received(&mut self, buf: &mut Vec<u8>) {
        // The engine reads from the wire's input. Nothing is left in it
        // between calls (the engine keeps what it cannot parse yet), except
        // after the socket broke; the buffer is lent rather than copied.
        if self.wire.input.is_empty() {
            std::mem::swap(&mut self.wire.input, buf);
            self.wire.at = 0;
        } else {
            self.wire.input.extend_from_slice(buf);
        }
        buf.clear();
        self.parse();
        if self.wire.input.is_empty() {
            std::mem::swap(&mut self.wire.input, buf);
        }
        self.flush_engine();
        wake(&mut self.receiver);
    }

    /// Hands the wire's input to the engine until it wants more.
    fn parse(&mut self) {
        loop {
            match self.engine.read(&mut self.wire) {
                Ok(tungstenite::Message::Text(text)) => {
                    self.inbound.push_back(Message::Text(Text::from_wire(text)));
                }
                Ok(tungstenite::Message::Binary(bytes)) => {
                    self.inbound.push_back(Message::Binary(bytes));
                }
                // Answered by the engine; not the application's business.
                Ok(tungstenite::Message::Ping(_) | tungstenite::Message::Pong(_)) => {}
                Ok(tungstenite::Message::Close(frame)) => {
                    self.inbound
                        .push_back(Message::Close(frame.map(CloseFrame::from_wire)));
                    self.enter_closing();
                }
                Ok(tungstenite::Message::Frame(_)) => {}
                Err(tungstenite::Error::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                    self.phase = Phase::Done;
                    break;
                }
                Err(e) => {
                    self.broken(&e);
                    break;
                }
            }
        }
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
        self.wire.output.clear();
        self.wake_all();
    }

    /// Whether the socket should be read now: there is room for what it
    /// brings, and it is not done. Registers the reader's waker otherwise.
    pub(super) fn poll_room(&mut self, cx: &mut Context<'_>) -> Poll<bool> {
        if self.phase == Phase::Done {
            return Poll::Ready(false);
        }
        if self.inbound.len() < INBOUND_HIGH {
            return Poll::Ready(true);
        }
        register(&mut self.reader, cx);
        Poll::Pending
    }

    /// Wakes the reader when a closing handshake begins.
    pub(super) fn watch_closing(&mut self, cx: &mut Context<'_>) {
        register(&mut self.reader, cx);
    }

    /// Sends a ping (the socket has been quiet).
    pub(super) fn ping(&mut self) {
        if self.phase == Phase::Open {
            let _ = self
                .engine
                .write(&mut self.wire, tungstenite::Message::Ping(Bytes::new()));
            self.flush_engine();
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
    ) -> Poll<Option<Vec<u8>>> {
        if !self.wire.output.is_empty() {
            spare.clear();
            let out = std::mem::replace(&mut self.wire.output, std::mem::take(spare));
            wake(&mut self.sender);
            return Poll::Ready(Some(out));
        }
        if self.phase == Phase::Done {
            return Poll::Ready(None);
        }
        register(&mut self.writer, cx);
        Poll::Pending
    }

    /// Writing failed: the socket is done.
    pub(super) fn write_failed(&mut self, e: &io::Error) {
        if self.phase == Phase::Open {
            self.error = Some(WsError::new(format!("writing to the peer failed: {e}")));
        }
        self.phase = Phase::Done;
        self.wire.output.clear();
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
            wake(&mut self.reader);
            return Poll::Ready(Some(Ok(message)));
        }
        if self.phase == Phase::Done {
            return Poll::Ready(self.error.take().map(Err));
        }
        register(&mut self.receiver, cx);
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
        if self.wire.output.len() >= OUTPUT_HIGH {
            register(&mut self.sender, cx);
            return Poll::Pending;
        }
        // A data frame is written straight to the wire's output, with no
        // stop in the engine's own buffer: the engine's output is always
        // flushed to the wire (`flush_engine`) after each call, so frames
        // keep their order, and the phase is `Open`, so the engine would
        // accept it.
        match message.take() {
            Some(Message::Text(text)) => {
                encode_data(&mut self.wire.output, OPCODE_TEXT, text.as_bytes());
            }
            Some(Message::Binary(bytes)) => {
                encode_data(&mut self.wire.output, OPCODE_BINARY, &bytes);
            }
            Some(Message::Close(frame)) => {
                self.close(frame.unwrap_or_else(|| CloseFrame::new(close_code::NORMAL, "")));
                return Poll::Ready(Ok(()));
            }
            None => return Poll::Ready(Ok(())),
        }
        wake(&mut self.writer);
        Poll::Ready(Ok(()))
    }

    /// Starts the closing handshake with `frame` (once).
    pub(super) fn close(&mut self, frame: CloseFrame) {
        if self.phase != Phase::Open {
            return;
        }
        let _ = self.engine.close(&mut self.wire, Some(frame.into_wire()));
        self.flush_engine();
        self.enter_closing();
    }

    /// The last application handle went: close normally.
    pub(super) fn abandoned(&mut self) {
        self.close(CloseFrame::new(close_code::NORMAL, ""));
    }

    // ----- inside -------------------------------------------------------

    fn enter_closing(&mut self) {
        if self.phase == Phase::Open {
            self.phase = Phase::Closing;
            self.closing_deadline = Some(Instant::now() + self.settings.close_timeout);
        }
        // The peer's reply (or ours) may finish the handshake at once.
        if !self.engine.can_read() && !self.engine.can_write() {
            self.phase = Phase::Done;
        }
        self.wake_all();
    }

    /// The peer broke the protocol: send the closing code that says how
    /// (RFC 6455 §7.4.1), end the connection, and report an error.
    fn broken(&mut self, e: &tungstenite::Error) {
        let code = match e {
            tungstenite::Error::Utf8(_) => close_code::INVALID_DATA,
            tungstenite::Error::Capacity(_) => close_code::TOO_BIG,
            _ => close_code::PROTOCOL_ERROR,
        };
        tracing::debug!(error = %e, code, "closing a WebSocket that broke the protocol");
        self.error = Some(WsError::new(format!("the peer broke the protocol: {e}")));
        let reason = match code {
            close_code::INVALID_DATA => "invalid UTF-8",
            close_code::TOO_BIG => "message too big",
            _ => "protocol error",
        };
        if self.phase == Phase::Open {
            let frame = CloseFrame::new(code, reason);
            let _ = self.engine.close(&mut self.wire, Some(frame.into_wire()));
            self.flush_engine();
        }
        // RFC 6455 §7.1.7: failing the connection sends the closing frame
        // and closes, without waiting for the peer's.
        self.phase = Phase::Done;
        self.wake_all();
    }

    /// Moves what the engine encoded (and its automatic answers) to the
    /// wire, and wakes the writer.
    fn flush_engine(&mut self) {
        match self.engine.flush(&mut self.wire) {
            Ok(()) => {}
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                self.phase = Phase::Done;
            }
            Err(e) => tracing::debug!(error = %e, "WebSocket flush"),
        }
        if !self.wire.output.is_empty() {
            wake(&mut self.writer);
        }
    }

    fn wake_all(&mut self) {
        wake(&mut self.reader);
        wake(&mut self.writer);
        wake(&mut self.receiver);
        wake(&mut self.sender);
    }
}

fn register(slot: &mut Option<Waker>, cx: &Context<'_>) {
    match slot {
        Some(w) if w.will_wake(cx.waker()) => {}
        _ => *slot = Some(cx.waker().clone()),
    }
}

fn wake(slot: &mut Option<Waker>) {
    if let Some(w) = slot.take() {
        w.wake();
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
