//! permessage-deflate (RFC 7692): the offer a client makes in
//! `Sec-WebSocket-Extensions`, the server's answer, and the messages
//! compressed both ways.
//!
//! The server always takes `server_no_context_takeover` (§7.1.1.1 lets it
//! do so unasked): each message it sends ends with a full flush, so none
//! refers back to an earlier one, and one compressor per worker thread
//! serves every socket. A socket then holds no compressor of its own
//! (deflate's is hundreds of KiB). What the client sends may refer back to
//! its earlier messages unless it offered `client_no_context_takeover`, so
//! each socket keeps an inflater (about 43 KiB) from its first compressed
//! message on.
//!
//! Inflating is bounded: a message that inflates past the route's
//! `max_message_size` fails the connection with 1009 as soon as the output
//! passes it, so a small frame cannot make the server allocate without
//! limit.

use std::cell::RefCell;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use http::{HeaderMap, HeaderValue, header};

use super::read::Broken;

/// The extension's name in `Sec-WebSocket-Extensions`.
const NAME: &str = "permessage-deflate";
/// What ends a message's compressed bytes after a flush, which the sender
/// leaves out and the receiver puts back (§7.2.1, §7.2.2).
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];
/// The LZ77 window of this server's deflate: always the largest, 15 bits
/// (flate2's pure-Rust backend has no smaller one), so an offer asking the
/// server for a smaller window is declined (§7.1.2.1).
const WINDOW_BITS: u8 = 15;

/// What the server and client agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Agreed {
    /// The client offered `client_no_context_takeover`: each of its
    /// messages stands alone.
    pub(super) client_no_context_takeover: bool,
    /// The offer named `server_max_window_bits` (15, the only value
    /// taken), which the answer must then repeat (§7.1.2.1).
    pub(super) server_max_window_bits: bool,
}

/// Reads the client's offers in `headers` and picks the first this server
/// can honour (§5.1): its answer for `Sec-WebSocket-Extensions`, or `None`
/// when there is no offer or none it can (the socket is then
/// uncompressed). An offer is declined, not the handshake failed, when a
/// parameter is unknown, repeated or has a bad value (§7.1), or when it
/// asks the server for a window under 15 bits.
pub(super) fn negotiate(headers: &HeaderMap) -> Option<(Agreed, HeaderValue)> {
    let agreed = headers
        .get_all(header::SEC_WEBSOCKET_EXTENSIONS)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| split_outside_quotes(v, ','))
        .find_map(offer)?;
    let mut answer = String::from("permessage-deflate; server_no_context_takeover");
    if agreed.client_no_context_takeover {
        answer.push_str("; client_no_context_takeover");
    }
    if agreed.server_max_window_bits {
        answer.push_str("; server_max_window_bits=15");
    }
    Some((agreed, HeaderValue::try_from(answer).ok()?))
}

/// One offer (`permessage-deflate; client_max_window_bits`), when it is
/// for this extension and acceptable.
fn offer(text: &str) -> Option<Agreed> {
    let mut parts = split_outside_quotes(text, ';');
    if !parts.next()?.trim().eq_ignore_ascii_case(NAME) {
        return None;
    }
    let mut seen: Vec<String> = Vec::new();
    let mut agreed = Agreed {
        client_no_context_takeover: false,
        server_max_window_bits: false,
    };
    for param in parts {
        let (name, value) = match param.split_once('=') {
            Some((name, value)) => (name.trim(), Some(unquote(value.trim())?)),
            None => (param.trim(), None),
        };
        let name = name.to_ascii_lowercase();
        // §7.1: an offer with a parameter twice is declined.
        if seen.contains(&name) {
            return None;
        }
        match (name.as_str(), value) {
            ("server_no_context_takeover", None) => {}
            ("client_no_context_takeover", None) => agreed.client_no_context_takeover = true,
            // §7.1.2.1: a window the server cannot keep under declines.
            ("server_max_window_bits", Some(bits)) if window_bits(bits)? == WINDOW_BITS => {
                agreed.server_max_window_bits = true;
            }
            // §7.1.2.2: the client may use a smaller window; any inflates
            // with a 15-bit one.
            ("client_max_window_bits", None) => {}
            ("client_max_window_bits", Some(bits)) => {
                window_bits(bits)?;
            }
            _ => return None,
        }
        seen.push(name);
    }
    Some(agreed)
}

/// A window size parameter: a decimal 8 to 15 without leading zeros.
fn window_bits(value: &str) -> Option<u8> {
    if value.starts_with('0') || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok().filter(|bits| (8..=15).contains(bits))
}

/// A parameter value, a token or a quoted string (§7.1: the value after
/// unquoting must still be a token).
fn unquote(value: &str) -> Option<&str> {
    let value = match value.strip_prefix('"') {
        Some(rest) => rest.strip_suffix('"')?,
        None => value,
    };
    (!value.is_empty() && !value.contains(['"', '\\'])).then_some(value)
}

/// `text` split at `sep` where it is not inside a quoted string.
fn split_outside_quotes(text: &str, sep: char) -> impl Iterator<Item = &str> {
    let mut quoted = false;
    text.split(move |c: char| {
        if c == '"' {
            quoted = !quoted;
        }
        c == sep && !quoted
    })
}

/// A socket's inflater: its own, made at its first compressed message,
/// when the client keeps its context between messages; the worker's,
/// reset for each message, when it does not.
pub(super) struct Inflater {
    own: Option<Box<Decompress>>,
    shared: bool,
}

impl Inflater {
    /// The inflater for what `agreed` says of the client's context.
    pub(super) fn new(agreed: Agreed) -> Self {
        Inflater {
            own: None,
            shared: agreed.client_no_context_takeover,
        }
    }

    /// The message `compressed` carried, inflated: at most `max` bytes
    /// (1009 past them), and 1002 for bytes that are not deflate data.
    pub(super) fn inflate(&mut self, compressed: &[u8], max: usize) -> Result<Vec<u8>, Broken> {
        if !self.shared {
            let own = self
                .own
                .get_or_insert_with(|| Box::new(Decompress::new(false)));
            return inflate(own, compressed, max);
        }
        INFLATE.with(|cell| {
            let mut cell = cell.borrow_mut();
            let state = cell.get_or_insert_with(|| Box::new(Decompress::new(false)));
            state.reset(false);
            inflate(state, compressed, max)
        })
    }
}

/// `compressed` inflated through `state`; see [`Inflater::inflate`].
fn inflate(state: &mut Decompress, compressed: &[u8], max: usize) -> Result<Vec<u8>, Broken> {
    // One byte past `max` at most: enough to tell a message over it.
    let limit = max.saturating_add(1);
    let mut out = Vec::with_capacity(compressed.len().saturating_mul(2).max(64).min(limit));
    'inputs: for mut input in [compressed, &TAIL[..]] {
        loop {
            if out.len() == out.capacity() {
                // Doubling, up to the byte past the limit.
                out.reserve_exact(out.len().max(64).min(limit - out.len()));
            }
            let (before_in, before_out) = (state.total_in(), out.len());
            let status = state
                .decompress_vec(input, &mut out, FlushDecompress::Sync)
                .map_err(|_| Broken::Protocol("compressed data that does not inflate"))?;
            let taken = (state.total_in() - before_in) as usize;
            input = &input[taken..];
            if out.len() > max {
                return Err(Broken::TooBig("message over the limit"));
            }
            if status == Status::StreamEnd {
                // §7.2.3.4: a sender without an empty-block flush may end
                // a message with a final block. What follows it is not
                // data, and this inflater starts afresh for the next
                // message: a deliberate departure from §7.2.2, which would
                // keep the window for a sender that kept its context
                // across a final block. Senders that end a stream (zlib's
                // deflate after Z_FINISH) start the next from an empty
                // window, which this matches.
                state.reset(false);
                break 'inputs;
            }
            let full = out.len() == out.capacity();
            if input.is_empty() && !full {
                break;
            }
            if taken == 0 && out.len() == before_out && !full {
                // Input left, room left, and nothing moved: the data
                // is broken.
                return Err(Broken::Protocol("compressed data that does not inflate"));
            }
        }
    }
    Ok(out)
}

thread_local! {
    /// The worker's inflater for clients without context takeover.
    static INFLATE: RefCell<Option<Box<Decompress>>> = const { RefCell::new(None) };
}

thread_local! {
    /// The worker's compressor, shared by its sockets: every message ends
    /// with a full flush, so nothing carries over from one to the next.
    static DEFLATE: RefCell<Option<Compress>> = const { RefCell::new(None) };
}

/// `payload` compressed as one message (§7.2.1), without the trailing
/// `00 00 ff ff`; `None` when it would not be smaller.
pub(super) fn deflate(payload: &[u8]) -> Option<Vec<u8>> {
    DEFLATE.with(|cell| {
        let mut cell = cell.borrow_mut();
        let compress = cell.get_or_insert_with(|| Compress::new(Compression::fast(), false));
        let mut out = Vec::with_capacity(payload.len() / 2 + 64);
        let mut input = payload;
        loop {
            let before = compress.total_in();
            let done = compress.compress_vec(input, &mut out, FlushCompress::Full);
            if done.is_err() {
                // The compressor is in an unknown state: start afresh.
                *cell = None;
                return None;
            }
            input = &input[(compress.total_in() - before) as usize..];
            if input.is_empty() && out.len() < out.capacity() {
                break;
            }
            out.reserve(out.capacity().max(64));
        }
        if !out.ends_with(&TAIL) {
            *cell = None;
            return None;
        }
        out.truncate(out.len() - TAIL.len());
        (out.len() < payload.len()).then_some(out)
    })
}

#[cfg(test)]
#[path = "deflate_tests.rs"]
mod tests;
