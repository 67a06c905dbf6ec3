//! What a WebSocket carries: text and binary messages, and the closing
//! frame's code and reason.

use std::fmt;
use std::ops::Deref;

use bytes::Bytes;
use bytestring::ByteString;

/// A message received or sent on a [`WebSocket`](super::WebSocket).
///
/// Pings are answered with pongs by the server itself and are not handed
/// over; [`Message::Close`] is the last message a socket yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A UTF-8 text message.
    Text(Text),
    /// A binary message.
    Binary(Bytes),
    /// The peer's closing frame, when it sent one.
    Close(Option<CloseFrame>),
}

impl Message {
    /// A text message.
    pub fn text(text: impl Into<Text>) -> Message {
        Message::Text(text.into())
    }

    /// A binary message.
    pub fn binary(bytes: impl Into<Bytes>) -> Message {
        Message::Binary(bytes.into())
    }

    /// The text of a text message.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Message::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The payload's length in bytes.
    pub fn len(&self) -> usize {
        match self {
            Message::Text(text) => text.len(),
            Message::Binary(bytes) => bytes.len(),
            Message::Close(_) => 0,
        }
    }

    /// Whether the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl From<String> for Message {
    fn from(text: String) -> Message {
        Message::Text(text.into())
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Message {
        Message::Text(text.into())
    }
}

impl From<Bytes> for Message {
    fn from(bytes: Bytes) -> Message {
        Message::Binary(bytes)
    }
}

impl From<Vec<u8>> for Message {
    fn from(bytes: Vec<u8>) -> Message {
        Message::Binary(bytes.into())
    }
}

/// The text of a message: UTF-8, shared without copying.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Text(ByteString);

impl Text {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(super) fn from_wire(text: ByteString) -> Text {
        Text(text)
    }
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text(text.into())
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text(text.into())
    }
}

impl From<Text> for Bytes {
    fn from(text: Text) -> Bytes {
        text.0.into_bytes()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The code and reason of a closing frame (RFC 6455 §5.5.1, §7.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseFrame {
    /// Why the connection closes: one of the [`close_code`] values, or one
    /// of the application's own (3000–4999).
    pub code: u16,
    /// A short reason, for people; at most 123 bytes of UTF-8.
    pub reason: String,
}

impl CloseFrame {
    /// A closing frame with `code` and `reason`.
    pub fn new(code: u16, reason: impl Into<String>) -> CloseFrame {
        CloseFrame {
            code,
            reason: reason.into(),
        }
    }
}

/// The close codes of RFC 6455 §7.4.1 the server sends or a program uses.
pub mod close_code {
    /// The purpose of the connection is fulfilled.
    pub const NORMAL: u16 = 1000;
    /// The server is going down (a graceful drain), or a browser page is
    /// left.
    pub const GOING_AWAY: u16 = 1001;
    /// The peer broke the protocol.
    pub const PROTOCOL_ERROR: u16 = 1002;
    /// A message of a kind the endpoint cannot take.
    pub const UNSUPPORTED: u16 = 1003;
    /// A text message that is not UTF-8, or data of the wrong kind.
    pub const INVALID_DATA: u16 = 1007;
    /// A message that breaks the endpoint's policy.
    pub const POLICY: u16 = 1008;
    /// A message too big to process.
    pub const TOO_BIG: u16 = 1009;
    /// The server met a condition that kept it from going on.
    pub const INTERNAL_ERROR: u16 = 1011;
}
