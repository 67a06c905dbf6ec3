//! A frame guard for HTTP/2: reads the frame headers as bytes pass to the
//! `h2` crate, and stops the connection on what `h2` lets through.
//!
//! * Floods: frames that cost the server work but carry no request (PING,
//!   SETTINGS, RST_STREAM, PRIORITY, CONTINUATION, empty DATA) are charged
//!   against a token bucket. WINDOW_UPDATE is free: a client downloading a
//!   large body sends many, and each costs only arithmetic. A client that
//!   keeps sending them faster than the refill rate is a flood (RFC 9113
//!   §10.5: "excessive use" of such frames); the connection then goes away
//!   with ENHANCE_YOUR_CALM.
//! * RFC 9113 §3.4: the first frame after the preface must be SETTINGS.
//! * RFC 9113 §8.1: trailers must not carry pseudo-header fields. `h2`
//!   drops them silently; the guard collects each trailer block and scans it
//!   ([`super::trailers`]). Both are connection errors of type
//!   PROTOCOL_ERROR (§5.4: a stream error may be treated as one).
//!
//! This sits in front of the limits `h2` itself enforces (pending-accept
//! resets for CVE-2023-44487, header list size for CONTINUATION floods).

use std::time::Instant;

use super::trailers::pseudo_field_in;

const FRAME_HEADER: usize = 9;
const PREFACE_LEN: usize = 24;

/// Frame types (RFC 9113 §6).
const DATA: u8 = 0x0;
const HEADERS: u8 = 0x1;
const PRIORITY: u8 = 0x2;
const RST_STREAM: u8 = 0x3;
const SETTINGS: u8 = 0x4;
const PING: u8 = 0x6;
const WINDOW_UPDATE: u8 = 0x8;
const CONTINUATION: u8 = 0x9;
const FLAG_END_STREAM: u8 = 0x1;
const FLAG_ACK: u8 = 0x1;
const FLAG_END_HEADERS: u8 = 0x4;
const FLAG_PADDED: u8 = 0x8;
const FLAG_PRIORITY: u8 = 0x20;

/// How many free frames a connection may send in a burst.
pub(crate) const BURST: f64 = 1000.0;
/// How many free frames per second refill the budget.
pub(crate) const REFILL_PER_SEC: f64 = 200.0;
/// Streams tracked as awaiting their end, for telling trailers apart from
/// request heads; past this, the oldest are forgotten (h2 refuses streams
/// past its own, lower, limit anyway).
const TRACKED_STREAMS: usize = 1024;
/// The largest trailer block collected for scanning; a larger one exceeds
/// the header list limit `h2` enforces.
const MAX_TRAILER_BLOCK: usize = 64 * 1024;

/// What the guard concluded from the bytes so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Nothing wrong.
    Fine,
    /// Too many free frames: ENHANCE_YOUR_CALM.
    Flood,
    /// A rule `h2` does not check was broken: PROTOCOL_ERROR.
    Malformed(&'static str),
}

/// Where in the frame stream the next byte falls.
#[derive(Debug, Clone, Copy)]
enum Pos {
    /// Inside the 24-byte client preface.
    Preface(usize),
    /// Inside a 9-byte frame header; the bytes so far.
    Header(usize, [u8; FRAME_HEADER]),
    /// Inside a payload; bytes left, and the frame's header.
    Payload(usize, [u8; FRAME_HEADER]),
}

/// A trailer block being collected: its stream, and its bytes so far.
#[derive(Debug)]
struct TrailerBlock {
    stream: u32,
    bytes: Vec<u8>,
    /// The block outgrew [`MAX_TRAILER_BLOCK`]; it is skipped, not scanned.
    overflowed: bool,
}

/// Follows the frames in the bytes a client sends.
#[derive(Debug)]
pub(crate) struct FrameGuard {
    pos: Pos,
    tokens: f64,
    last: Instant,
    verdict: Verdict,
    settings_seen: bool,
    /// Streams whose request head came without END_STREAM: a later HEADERS
    /// frame on one of them is its trailers.
    open: Vec<u32>,
    trailers: Option<TrailerBlock>,
}

impl Default for FrameGuard {
    fn default() -> Self {
        FrameGuard {
            pos: Pos::Preface(0),
            tokens: BURST,
            last: Instant::now(),
            verdict: Verdict::Fine,
            settings_seen: false,
            open: Vec::new(),
            trailers: None,
        }
    }
}

impl FrameGuard {
    /// Inspects bytes the client sent; once the verdict is not
    /// [`Verdict::Fine`] it stays so.
    pub(crate) fn inspect(&mut self, mut bytes: &[u8]) -> Verdict {
        while !bytes.is_empty() && self.verdict == Verdict::Fine {
            match &mut self.pos {
                Pos::Preface(seen) => {
                    let n = (PREFACE_LEN - *seen).min(bytes.len());
                    *seen += n;
                    bytes = &bytes[n..];
                    if *seen == PREFACE_LEN {
                        self.pos = Pos::Header(0, [0; FRAME_HEADER]);
                    }
                }
                Pos::Header(seen, header) => {
                    let n = (FRAME_HEADER - *seen).min(bytes.len());
                    header[*seen..*seen + n].copy_from_slice(&bytes[..n]);
                    *seen += n;
                    bytes = &bytes[n..];
                    if *seen == FRAME_HEADER {
                        let h = *header;
                        self.frame_started(&h);
                        let len = payload_len(&h);
                        if len == 0 {
                            self.pos = Pos::Header(0, [0; FRAME_HEADER]);
                            self.frame_ended(&h);
                        } else {
                            self.pos = Pos::Payload(len, h);
                        }
                    }
                }
                Pos::Payload(left, h) => {
                    let n = (*left).min(bytes.len());
                    let h = *h;
                    *left -= n;
                    let done = *left == 0;
                    self.collect(&h, &bytes[..n]);
                    bytes = &bytes[n..];
                    if done {
                        self.pos = Pos::Header(0, [0; FRAME_HEADER]);
                        self.frame_ended(&h);
                    }
                }
            }
        }
        self.verdict
    }

    /// Whether the client's first SETTINGS frame has arrived.
    pub(crate) fn settings_seen(&self) -> bool {
        self.settings_seen
    }

    /// A frame header is complete.
    fn frame_started(&mut self, h: &[u8; FRAME_HEADER]) {
        let (kind, flags, stream) = (h[3], h[4], stream_id(h));
        if !self.settings_seen {
            // RFC 9113 §3.4: the preface is followed by a SETTINGS frame.
            if kind != SETTINGS || flags & FLAG_ACK != 0 {
                self.verdict = Verdict::Malformed("the first frame is not SETTINGS");
                return;
            }
            self.settings_seen = true;
        }
        if is_free(kind, flags, payload_len(h)) {
            self.charge();
        }
        match kind {
            HEADERS if self.open.contains(&stream) => {
                // A second field block on an open stream: its trailers.
                self.trailers = Some(TrailerBlock {
                    stream,
                    bytes: Vec::new(),
                    overflowed: false,
                });
            }
            HEADERS if flags & FLAG_END_STREAM == 0 => {
                if self.open.len() == TRACKED_STREAMS {
                    self.open.remove(0);
                }
                self.open.push(stream);
            }
            RST_STREAM => self.open.retain(|&s| s != stream),
            _ => {}
        }
        if flags & FLAG_END_STREAM != 0 && matches!(kind, DATA | HEADERS) {
            self.open.retain(|&s| s != stream);
        }
    }

    /// Payload bytes of the frame with header `h`.
    fn collect(&mut self, h: &[u8; FRAME_HEADER], bytes: &[u8]) {
        let Some(block) = self.trailers.as_mut() else {
            return;
        };
        if !matches!(h[3], HEADERS | CONTINUATION) || stream_id(h) != block.stream {
            return;
        }
        if block.bytes.len() + bytes.len() > MAX_TRAILER_BLOCK {
            block.overflowed = true;
            block.bytes = Vec::new();
        }
        if !block.overflowed {
            block.bytes.extend_from_slice(bytes);
        }
    }

    /// The frame with header `h` is complete.
    fn frame_ended(&mut self, h: &[u8; FRAME_HEADER]) {
        let Some(block) = self.trailers.as_mut() else {
            return;
        };
        if stream_id(h) != block.stream {
            return;
        }
        if h[3] == HEADERS && !block.overflowed {
            // The collected payload is padding length, priority fields,
            // the block fragment, then padding (RFC 9113 §6.2).
            match fragment(h[4], &block.bytes) {
                Some(range) => {
                    block.bytes.truncate(range.end);
                    block.bytes.drain(..range.start);
                }
                None => block.overflowed = true,
            }
        }
        if h[4] & FLAG_END_HEADERS != 0 {
            let block = self.trailers.take();
            if let Some(TrailerBlock {
                bytes,
                overflowed: false,
                ..
            }) = block
                && pseudo_field_in(&bytes)
            {
                self.verdict = Verdict::Malformed("a pseudo-header field in trailers");
            }
        }
    }

    fn charge(&mut self) {
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * REFILL_PER_SEC;
        self.last = now;
        self.tokens = (self.tokens + refill).min(BURST) - 1.0;
        if self.tokens < 0.0 {
            self.verdict = Verdict::Flood;
        }
    }
}

fn payload_len(h: &[u8; FRAME_HEADER]) -> usize {
    (h[0] as usize) << 16 | (h[1] as usize) << 8 | h[2] as usize
}

fn stream_id(h: &[u8; FRAME_HEADER]) -> u32 {
    u32::from_be_bytes([h[5] & 0x7f, h[6], h[7], h[8]])
}

/// Where the field block fragment lies in a HEADERS payload with `flags`;
/// `None` when the padding does not fit (h2 refuses such a frame itself).
fn fragment(flags: u8, payload: &[u8]) -> Option<std::ops::Range<usize>> {
    let mut start = 0;
    let mut pad = 0;
    if flags & FLAG_PADDED != 0 {
        pad = usize::from(*payload.first()?);
        start = 1;
    }
    if flags & FLAG_PRIORITY != 0 {
        start += 5;
    }
    let end = payload.len().checked_sub(pad)?;
    (start <= end).then_some(start..end)
}

/// Frames that carry no request and cost the server a reply or bookkeeping.
fn is_free(kind: u8, flags: u8, len: usize) -> bool {
    match kind {
        DATA => len == 0 && flags & FLAG_END_STREAM == 0,
        PING | SETTINGS => flags & FLAG_ACK == 0,
        WINDOW_UPDATE => false,
        PRIORITY | RST_STREAM | CONTINUATION => true,
        HEADERS => false,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame_on(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let len = payload.len();
        let mut f = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
        f.extend_from_slice(&stream.to_be_bytes());
        f.extend_from_slice(payload);
        f
    }

    fn frame(kind: u8, flags: u8, payload: &[u8]) -> Vec<u8> {
        frame_on(kind, flags, 1, payload)
    }

    /// The preface and the client's first SETTINGS.
    fn opening() -> Vec<u8> {
        let mut b = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
        b.extend(frame_on(SETTINGS, 0, 0, &[]));
        b
    }

    #[test]
    fn ping_flood_trips_and_requests_do_not() {
        let mut g = FrameGuard::default();
        assert_eq!(g.inspect(&opening()), Verdict::Fine);
        for i in 0..5000 {
            let id = 2 * i + 1;
            assert_eq!(
                g.inspect(&frame_on(HEADERS, 0x5, id, b"\x82\x84")),
                Verdict::Fine
            );
            assert_eq!(g.inspect(&frame(PING, FLAG_ACK, &[0; 8])), Verdict::Fine);
        }
        let mut g = FrameGuard::default();
        g.inspect(&opening());
        let flood: Vec<u8> = (0..2000).flat_map(|_| frame(PING, 0, &[0; 8])).collect();
        assert_eq!(g.inspect(&flood), Verdict::Flood);
    }

    #[test]
    fn frames_split_across_reads_are_tracked() {
        let mut g = FrameGuard::default();
        let mut all = opening();
        for _ in 0..1500 {
            all.extend(frame(DATA, 0, b""));
        }
        let tripped = all.chunks(7).any(|c| g.inspect(c) == Verdict::Flood);
        assert!(
            tripped,
            "empty DATA frames, fed 7 bytes at a time, are counted"
        );
    }

    /// Issue 11: RFC 9113 §3.4, SETTINGS comes first.
    #[test]
    fn the_first_frame_must_be_settings() {
        let preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
        for first in [
            frame_on(PING, 0, 0, &[0; 8]),
            frame(HEADERS, 0x5, b"\x82\x84"),
            frame_on(SETTINGS, FLAG_ACK, 0, &[]),
            frame_on(WINDOW_UPDATE, 0, 0, &[0, 0, 1, 0]),
        ] {
            let mut g = FrameGuard::default();
            let mut bytes = preface.clone();
            bytes.extend(first);
            assert_eq!(
                g.inspect(&bytes),
                Verdict::Malformed("the first frame is not SETTINGS")
            );
        }
        let mut g = FrameGuard::default();
        assert_eq!(g.inspect(&opening()), Verdict::Fine);
        assert!(g.settings_seen());
    }

    /// Issue 11: RFC 9113 §8.1, a pseudo-header field in trailers, however
    /// the trailer block is framed; trailers without one pass.
    #[test]
    fn pseudo_fields_in_trailers_are_malformed() {
        let head = frame(HEADERS, FLAG_END_HEADERS, b"\x83\x84\x86\x41\x01a");
        let data = frame(DATA, 0, b"body");
        // `x-t: 1` as a literal without indexing, new name.
        let plain = b"\x00\x03x-t\x011".to_vec();
        let pseudo_indexed = b"\x84".to_vec();
        let cases: Vec<(Vec<u8>, Verdict)> = vec![
            (
                frame(HEADERS, FLAG_END_STREAM | FLAG_END_HEADERS, &plain),
                Verdict::Fine,
            ),
            (
                frame(HEADERS, FLAG_END_STREAM | FLAG_END_HEADERS, &pseudo_indexed),
                Verdict::Malformed("a pseudo-header field in trailers"),
            ),
            (
                // Padded, with the pseudo field in the CONTINUATION.
                [
                    frame(
                        HEADERS,
                        FLAG_END_STREAM | FLAG_PADDED,
                        b"\x02\x00\x03x-t\x011\0\0",
                    ),
                    frame(CONTINUATION, FLAG_END_HEADERS, b"\x04\x02/x"),
                ]
                .concat(),
                Verdict::Malformed("a pseudo-header field in trailers"),
            ),
        ];
        for (trailers, want) in cases {
            let mut g = FrameGuard::default();
            let all = [opening(), head.clone(), data.clone(), trailers].concat();
            let got = all.chunks(3).fold(Verdict::Fine, |_, c| g.inspect(c));
            assert_eq!(got, want);
        }
        // A request head with END_STREAM is not trailers, on any stream.
        let mut g = FrameGuard::default();
        g.inspect(&opening());
        let get = frame_on(HEADERS, FLAG_END_STREAM | FLAG_END_HEADERS, 3, b"\x82\x84");
        assert_eq!(g.inspect(&get), Verdict::Fine);
        assert_eq!(g.inspect(&get), Verdict::Fine);
    }
}
