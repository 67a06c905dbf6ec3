//! The application's side of a WebSocket: receive and send messages, close.

use std::future::poll_fn;
use std::rc::Rc;

use super::WsError;
use super::message::{CloseFrame, Message};
use super::state::Shared;

/// An open WebSocket, on the worker that accepted it (it is not `Send`;
/// it need not be).
///
/// [`recv`](Self::recv) yields the messages the client sends, ending with
/// its closing frame (or an error when the socket ended otherwise);
/// [`send`](Self::send) waits while the client is slow to read, so a
/// client that stops reading holds the sender, not the server's memory.
/// Dropping the socket (and its [`split`](Self::split) halves) closes it
/// with 1000.
pub struct WebSocket {
    shared: Rc<Shared>,
    protocol: Option<String>,
    compressed: bool,
}

impl WebSocket {
    pub(super) fn new(shared: Rc<Shared>, protocol: Option<String>, compressed: bool) -> WebSocket {
        WebSocket {
            shared,
            protocol,
            compressed,
        }
    }

    /// The next message: `None` once the socket is over, an error when it
    /// ended without a closing handshake (the peer went away, broke the
    /// protocol, or stopped answering).
    pub async fn recv(&mut self) -> Option<Result<Message, WsError>> {
        poll_fn(|cx| self.shared.borrow_mut().poll_recv(cx)).await
    }

    /// Sends `message`, waiting while the client is behind on reading.
    /// Fails once the socket is closing.
    pub async fn send(&mut self, message: impl Into<Message>) -> Result<(), WsError> {
        send(&self.shared, message.into()).await
    }

    /// Starts the closing handshake with `code` and `reason`; what the
    /// client still sends can be read until its closing frame.
    pub fn close(&mut self, code: u16, reason: &str) {
        self.shared
            .borrow_mut()
            .close(CloseFrame::new(code, reason));
    }

    /// The subprotocol agreed in the handshake, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// Whether permessage-deflate was agreed in the handshake (see
    /// [`WebSocketUpgrade::compression`](super::WebSocketUpgrade)).
    pub fn is_compressed(&self) -> bool {
        self.compressed
    }

    /// A sending and a receiving half, to use from two tasks (or two
    /// branches of a `select`). The socket closes when both are dropped.
    pub fn split(self) -> (WsSender, WsReceiver) {
        self.shared.borrow_mut().handles += 1;
        let sender = WsSender {
            shared: self.shared.clone(),
        };
        let receiver = WsReceiver {
            shared: self.shared.clone(),
        };
        // `self` goes, and with it one handle.
        drop(self);
        (sender, receiver)
    }
}

impl Drop for WebSocket {
    fn drop(&mut self) {
        release(&self.shared);
    }
}

/// The sending half of a [`WebSocket`].
pub struct WsSender {
    shared: Rc<Shared>,
}

impl WsSender {
    /// As [`WebSocket::send`].
    pub async fn send(&mut self, message: impl Into<Message>) -> Result<(), WsError> {
        send(&self.shared, message.into()).await
    }

    /// As [`WebSocket::close`].
    pub fn close(&mut self, code: u16, reason: &str) {
        self.shared
            .borrow_mut()
            .close(CloseFrame::new(code, reason));
    }
}

impl Drop for WsSender {
    fn drop(&mut self) {
        release(&self.shared);
    }
}

/// The receiving half of a [`WebSocket`].
pub struct WsReceiver {
    shared: Rc<Shared>,
}

impl WsReceiver {
    /// As [`WebSocket::recv`].
    pub async fn recv(&mut self) -> Option<Result<Message, WsError>> {
        poll_fn(|cx| self.shared.borrow_mut().poll_recv(cx)).await
    }
}

impl Drop for WsReceiver {
    fn drop(&mut self) {
        release(&self.shared);
    }
}

async fn send(shared: &Shared, message: Message) -> Result<(), WsError> {
    let mut message = Some(message);
    poll_fn(|cx| shared.borrow_mut().poll_send(cx, &mut message)).await
}

/// One application handle is gone; the last one closes the socket.
fn release(shared: &Shared) {
    let mut state = shared.borrow_mut();
    state.handles -= 1;
    if state.handles == 0 {
        state.abandoned();
    }
}
