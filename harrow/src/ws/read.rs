//! The client's frames, read sans-IO (RFC 6455 §5): headers parsed from
//! the bytes the reading loop read, every framing rule checked as the
//! header arrives, payloads unmasked in place and handed out as [`Bytes`]
//! taken from the read buffer itself when they are large, fragments joined
//! into messages, text checked as UTF-8 fragment by fragment.

use std::fmt;

use bytes::Bytes;
use bytestring::ByteString;

use super::frame::{
    OPCODE_BINARY, OPCODE_CLOSE, OPCODE_CONTINUATION, OPCODE_PING, OPCODE_PONG, OPCODE_TEXT,
};
use super::mask::unmask;
use super::message::{CloseFrame, Text, close_code};

/// The largest payload of a control frame (§5.5).
const CONTROL_MAX: usize = 125;
/// The longest client header: two bytes, a 64-bit length, the mask key.
const HEADER_MAX: usize = 2 + 8 + 4;
/// Payloads up to this length are copied out of the read buffer: cheaper
/// than giving the buffer away, and a small message kept by the
/// application does not pin a large buffer.
const COPY_MAX: usize = 4 * 1024;
/// The largest buffer that replaces one given away with a payload: a 64
/// KiB message with the longest header fits it whole, so a stream of them
/// is read one frame per read.
const FRESH_MAX: usize = 64 * 1024 + HEADER_MAX;
/// The least room made for the rest of a frame at once: a 64 KiB
/// message with the longest header fits it whole.
const GROW_STEP: usize = FRESH_MAX;

/// What one or more frames amount to.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Incoming {
    /// A whole text message, its fragments joined.
    Text(Text),
    /// A whole binary message, its fragments joined.
    Binary(Bytes),
    /// A ping, with the payload its pong echoes (§5.5.2).
    Ping(Bytes),
    /// A pong (§5.5.3): the peer is alive, nothing to do.
    Pong,
    /// The peer's closing frame (§5.5.1). A code no one may send is
    /// replaced by 1002, which is what the reply then carries (§7.4.1).
    Close(Option<CloseFrame>),
    /// A whole message sent compressed (permessage-deflate, RFC 7692 §6),
    /// its fragments joined, still to be inflated (and, for text, checked
    /// as UTF-8 once inflated).
    Compressed {
        /// A text message (else binary).
        text: bool,
        /// The compressed bytes, without the flush's tail.
        payload: Bytes,
    },
    /// The same, sent in one frame: its compressed bytes are where they
    /// lie in the buffer given to [`FrameReader::next`], which must be
    /// inflated from there before the next call (which may replace the
    /// buffer).
    CompressedFrame {
        /// A text message (else binary).
        text: bool,
        /// Where the payload lies in the buffer.
        range: std::ops::Range<usize>,
    },
}

/// How the client broke the protocol; the connection is failed with the
/// closing code that says so (§7.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Broken {
    /// A framing rule: closed with 1002.
    Protocol(&'static str),
    /// A text message or closing reason that is not UTF-8: closed with
    /// 1007 (§8.1).
    InvalidUtf8,
    /// A frame or message over the route's limit: closed with 1009.
    TooBig(&'static str),
}

impl Broken {
    /// The closing code that fails the connection.
    pub(super) fn code(self) -> u16 {
        match self {
            Broken::Protocol(_) => close_code::PROTOCOL_ERROR,
            Broken::InvalidUtf8 => close_code::INVALID_DATA,
            Broken::TooBig(_) => close_code::TOO_BIG,
        }
    }

    /// The closing frame's reason, for the peer.
    pub(super) fn reason(self) -> &'static str {
        match self {
            Broken::Protocol(_) => "protocol error",
            Broken::InvalidUtf8 => "invalid UTF-8",
            Broken::TooBig(_) => "message too big",
        }
    }
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Broken::Protocol(what) | Broken::TooBig(what) => f.write_str(what),
            Broken::InvalidUtf8 => f.write_str("text that is not UTF-8"),
        }
    }
}

/// A fragmented message begun and not finished (§5.4).
struct Partial {
    text: bool,
    /// Sent compressed: checked as UTF-8 only once inflated.
    compressed: bool,
    data: Vec<u8>,
    /// How much of `data` is known to be UTF-8 (text only); the rest is
    /// the start of a code point that the next fragment finishes.
    checked: usize,
}

/// A frame's header, checked.
struct Header {
    fin: bool,
    /// RSV1: the first frame of a compressed message.
    compressed: bool,
    opcode: u8,
    mask: [u8; 4],
    /// The payload's length.
    len: usize,
    /// The header's own length.
    size: usize,
}

/// Reads a client's frames out of a buffer; keeps what spans frames: the
/// fragmented message begun, and how much the frame begun needs.
pub(super) struct FrameReader {
    max_message: usize,
    max_frame: usize,
    /// permessage-deflate was agreed: RSV1 may mark a compressed message.
    compression: bool,
    partial: Option<Partial>,
    /// The whole length (header and payload) of the frame that starts the
    /// unparsed bytes, when they hold only part of it.
    wanted: usize,
}

impl FrameReader {
    /// A reader that fails messages over `max_message` bytes and frames
    /// over `max_frame` bytes with 1009.
    pub(super) fn new(max_message: usize, max_frame: usize) -> FrameReader {
        FrameReader {
            max_message,
            max_frame,
            compression: false,
            partial: None,
            wanted: 0,
        }
    }

    /// Takes messages compressed with permessage-deflate (agreed in the
    /// handshake): RSV1 set on a data message's first frame (RFC 7692 §6).
    #[cfg(feature = "ws-deflate")]
    pub(super) fn with_compression(mut self) -> FrameReader {
        self.compression = true;
        self
    }

    /// The next message or control frame in `buf` from `at`, moving `at`
    /// past the frames used; `Ok(None)` when the rest is not a whole frame.
    ///
    /// Payloads are unmasked in place. One over [`COPY_MAX`] bytes whole in
    /// the buffer is handed out without copying: the buffer itself becomes
    /// the message's storage, and `buf` is replaced by a fresh one holding
    /// the bytes after the frame (`at` is then 0).
    pub(super) fn next(
        &mut self,
        buf: &mut Vec<u8>,
        at: &mut usize,
    ) -> Result<Option<Incoming>, Broken> {
        loop {
            self.wanted = 0;
            let Some(head) = self.header(&buf[*at..])? else {
                self.wanted = HEADER_MAX;
                return Ok(None);
            };
            let start = *at + head.size;
            // Only a limit near `usize::MAX` (on a 32-bit target) lets a
            // frame's end pass what an address can say; such a frame could
            // never be held.
            let Some(end) = start.checked_add(head.len) else {
                return Err(Broken::TooBig("frame over the limit"));
            };
            if end > buf.len() {
                self.wanted = head.size.saturating_add(head.len);
                return Ok(None);
            }
            unmask(&mut buf[start..end], head.mask);
            *at = end;
            match head.opcode {
                OPCODE_PING => {
                    return Ok(Some(Incoming::Ping(Bytes::copy_from_slice(
                        &buf[start..end],
                    ))));
                }
                OPCODE_PONG => return Ok(Some(Incoming::Pong)),
                OPCODE_CLOSE => return close_frame(&buf[start..end]).map(Some),
                _ => {}
            }
            if head.opcode != OPCODE_CONTINUATION && head.fin {
                let text = head.opcode == OPCODE_TEXT;
                if head.compressed {
                    // Inflated from the buffer: neither copied nor given
                    // away, as the bytes are dropped once inflated.
                    return Ok(Some(Incoming::CompressedFrame {
                        text,
                        range: start..end,
                    }));
                }
                let payload = take(buf, at, start, end);
                return whole(text, payload).map(Some);
            }
            let partial = match &mut self.partial {
                Some(partial) => partial,
                None => self.partial.insert(Partial {
                    text: head.opcode == OPCODE_TEXT,
                    compressed: head.compressed,
                    data: Vec::with_capacity(head.len),
                    checked: 0,
                }),
            };
            partial.data.extend_from_slice(&buf[start..end]);
            if partial.text && !partial.compressed {
                check_utf8(partial, head.fin)?;
            }
            if head.fin
                && let Some(partial) = self.partial.take()
            {
                return Ok(Some(joined(partial)?));
            }
        }
    }

    /// Drops the bytes before `at` from `buf`, and makes room in it for
    /// the rest of the frame begun after them, so that the next read can
    /// bring all of it (its length was checked against the limit).
    pub(super) fn consumed(&mut self, buf: &mut Vec<u8>, at: usize) {
        if at >= buf.len() {
            buf.clear();
            return;
        }
        buf.drain(..at);
        if self.wanted > buf.len() {
            // Room for the rest, but never more than doubling what has
            // arrived (or `GROW_STEP`): a header alone must not make the
            // server reserve a whole frame of the size it declares; the
            // buffer grows as the bytes come.
            let step = buf.len().max(GROW_STEP);
            buf.reserve((self.wanted - buf.len()).min(step));
        }
    }

    /// Parses and checks the header at the start of `bytes`; `Ok(None)`
    /// until all of it has arrived. Each rule is checked as soon as the
    /// bytes it needs are there, before the payload.
    fn header(&self, bytes: &[u8]) -> Result<Option<Header>, Broken> {
        let [b0, b1, ..] = *bytes else {
            return Ok(None);
        };
        let fin = b0 & 0x80 != 0;
        // §5.2: RSV1-3 MUST be 0 unless an extension defines them; the one
        // this server negotiates, permessage-deflate, defines RSV1.
        let compressed = b0 & 0x40 != 0;
        if b0 & 0x30 != 0 || (compressed && !self.compression) {
            return Err(Broken::Protocol("reserved bits set without an extension"));
        }
        let opcode = b0 & 0x0f;
        // §5.2: opcodes 0x3-0x7 and 0xB-0xF are reserved; receiving one
        // fails the connection.
        if !matches!(
            opcode,
            OPCODE_CONTINUATION
                | OPCODE_TEXT
                | OPCODE_BINARY
                | OPCODE_CLOSE
                | OPCODE_PING
                | OPCODE_PONG
        ) {
            return Err(Broken::Protocol("reserved opcode"));
        }
        // RFC 7692 §6: RSV1 marks a compressed message on its first frame
        // only; control frames and continuations are never marked.
        if compressed && !matches!(opcode, OPCODE_TEXT | OPCODE_BINARY) {
            return Err(Broken::Protocol(
                "compressed bit on a control frame or a continuation",
            ));
        }
        // §5.1: a client masks every frame; the server closes the
        // connection on one that is not masked.
        if b1 & 0x80 == 0 {
            return Err(Broken::Protocol("unmasked client frame"));
        }
        let len7 = b1 & 0x7f;
        if opcode & 0x08 != 0 {
            // §5.5: control frames are not fragmented and carry at most
            // 125 bytes (so always in the 7-bit length).
            if !fin {
                return Err(Broken::Protocol("fragmented control frame"));
            }
            if usize::from(len7) > CONTROL_MAX {
                return Err(Broken::Protocol("control frame over 125 bytes"));
            }
        } else {
            // §5.4: a continuation continues a fragmented message, and no
            // other message starts until that one's last fragment.
            match (opcode == OPCODE_CONTINUATION, self.partial.is_some()) {
                (true, false) => {
                    return Err(Broken::Protocol("continuation with nothing to continue"));
                }
                (false, true) => {
                    return Err(Broken::Protocol("new message inside a fragmented one"));
                }
                _ => {}
            }
        }
        // §5.2: 126 announces a 16-bit length, 127 a 64-bit one.
        let (len, size) = match len7 {
            126 => {
                let Some(&[a, b]) = bytes.get(2..4) else {
                    return Ok(None);
                };
                (u64::from(u16::from_be_bytes([a, b])), 4)
            }
            127 => {
                let Some(raw) = bytes.get(2..10) else {
                    return Ok(None);
                };
                let mut be = [0; 8];
                be.copy_from_slice(raw);
                let len = u64::from_be_bytes(be);
                // §5.2: the 64-bit length's most significant bit MUST be 0.
                if len >> 63 != 0 {
                    return Err(Broken::Protocol("64-bit length with its top bit set"));
                }
                (len, 10)
            }
            short => (u64::from(short), 2),
        };
        let Some(&[m0, m1, m2, m3]) = bytes.get(size..size + 4) else {
            return Ok(None);
        };
        // §10.4: limits on frame and message size are the endpoint's; 1009
        // says a message was too big (§7.4.1).
        let len = match usize::try_from(len) {
            Ok(len) if len <= self.max_frame => len,
            _ => return Err(Broken::TooBig("frame over the limit")),
        };
        let so_far = self.partial.as_ref().map_or(0, |p| p.data.len());
        if opcode & 0x08 == 0 && so_far.saturating_add(len) > self.max_message {
            return Err(Broken::TooBig("message over the limit"));
        }
        Ok(Some(Header {
            fin,
            compressed,
            opcode,
            mask: [m0, m1, m2, m3],
            len,
            size: size + 4,
        }))
    }
}

/// The payload `start..end` of `buf`, whose frame ends at `at`: copied when
/// small, or when it fills less than half of `buf` (a message the
/// application keeps must not pin a buffer many times its size); otherwise
/// `buf` itself, cut to the payload, with a fresh buffer holding what
/// follows the frame put in its place.
fn take(buf: &mut Vec<u8>, at: &mut usize, start: usize, end: usize) -> Bytes {
    if end - start <= COPY_MAX || (end - start) * 2 < buf.capacity() {
        return Bytes::copy_from_slice(&buf[start..end]);
    }
    let rest = &buf[end..];
    let mut fresh = Vec::with_capacity(buf.capacity().min(FRESH_MAX).max(rest.len()));
    fresh.extend_from_slice(rest);
    let mut full = std::mem::replace(buf, fresh);
    full.truncate(end);
    *at = 0;
    Bytes::from(full).slice(start..)
}

/// A message that came in one frame.
fn whole(text: bool, payload: Bytes) -> Result<Incoming, Broken> {
    if !text {
        return Ok(Incoming::Binary(payload));
    }
    // §8.1: a text message that is not UTF-8 fails the connection.
    ByteString::try_from(payload)
        .map(|text| Incoming::Text(Text::from_wire(text)))
        .map_err(|_| Broken::InvalidUtf8)
}

/// Checks a text message's new bytes as UTF-8. §5.6 and §8.1: the whole
/// message is UTF-8 but a fragment need not be, as one may end inside a
/// code point; that unfinished end is checked again with the next fragment.
/// Anything else invalid fails at once, before the message is over.
fn check_utf8(partial: &mut Partial, fin: bool) -> Result<(), Broken> {
    match std::str::from_utf8(&partial.data[partial.checked..]) {
        Ok(_) => {
            partial.checked = partial.data.len();
            Ok(())
        }
        Err(e) if e.error_len().is_none() && !fin => {
            partial.checked += e.valid_up_to();
            Ok(())
        }
        Err(_) => Err(Broken::InvalidUtf8),
    }
}

/// A fragmented message, its last fragment in.
fn joined(partial: Partial) -> Result<Incoming, Broken> {
    if partial.compressed {
        return Ok(Incoming::Compressed {
            text: partial.text,
            payload: partial.data.into(),
        });
    }
    if !partial.text {
        return Ok(Incoming::Binary(partial.data.into()));
    }
    // Checked fragment by fragment already; `String` checks once more.
    String::from_utf8(partial.data)
        .map(|text| Incoming::Text(Text::from(text)))
        .map_err(|_| Broken::InvalidUtf8)
}

/// A closing frame's payload (§5.5.1): empty, or a two-byte code and a
/// UTF-8 reason.
fn close_frame(payload: &[u8]) -> Result<Incoming, Broken> {
    let (code, reason) = match payload {
        [] => return Ok(Incoming::Close(None)),
        // §5.5.1: a body starts with the two-byte code.
        [_] => return Err(Broken::Protocol("closing frame with a one-byte body")),
        [a, b, reason @ ..] => (u16::from_be_bytes([*a, *b]), reason),
    };
    // §5.5.1: the reason is UTF-8 (§8.1 fails the connection otherwise).
    let reason = std::str::from_utf8(reason).map_err(|_| Broken::InvalidUtf8)?;
    if !close_code_allowed(code) {
        return Ok(Incoming::Close(Some(CloseFrame::new(
            close_code::PROTOCOL_ERROR,
            "Protocol violation",
        ))));
    }
    Ok(Incoming::Close(Some(CloseFrame::new(code, reason))))
}

/// Whether a peer may send `code` in a closing frame (§7.4.1, §7.4.2):
/// 0-999 are unused, 1004 is reserved, 1005, 1006 and 1015 are never
/// sent in a frame, 1016-2999 are kept for the protocol. 1012, 1013 and
/// 1014 were registered with IANA since (service restart, try again later,
/// bad gateway) and are taken.
pub(super) fn close_code_allowed(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

#[cfg(test)]
#[path = "read_tests.rs"]
mod tests;
