//! A flood guard for HTTP/2: reads the frame headers as bytes pass to the
//! `h2` crate and charges frames that cost the server work but carry no
//! request (PING, SETTINGS, RST_STREAM, PRIORITY, CONTINUATION, empty DATA)
//! against a token bucket. WINDOW_UPDATE is free: a client downloading a
//! large body sends many, and each costs only arithmetic. A client that keeps
//! sending them faster than the refill rate is a flood (RFC 9113 §10.5:
//! "excessive use" of such frames); the connection then goes away with
//! ENHANCE_YOUR_CALM.
//!
//! This sits in front of the limits `h2` itself enforces (pending-accept
//! resets for CVE-2023-44487, header list size for CONTINUATION floods).

use std::time::Instant;

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

/// How many free frames a connection may send in a burst.
pub(crate) const BURST: f64 = 1000.0;
/// How many free frames per second refill the budget.
pub(crate) const REFILL_PER_SEC: f64 = 200.0;

/// Where in the frame stream the next byte falls.
#[derive(Debug, Clone, Copy)]
enum Pos {
    /// Inside the 24-byte client preface.
    Preface(usize),
    /// Inside a 9-byte frame header; the bytes so far.
    Header(usize, [u8; FRAME_HEADER]),
    /// Inside a payload; bytes left.
    Payload(usize),
}

/// Tracks frames in the bytes a client sends and spends a budget on the
/// cheap ones.
#[derive(Debug)]
pub(crate) struct FloodGuard {
    pos: Pos,
    tokens: f64,
    last: Instant,
    tripped: bool,
    settings_seen: bool,
}

impl Default for FloodGuard {
    fn default() -> Self {
        FloodGuard {
            pos: Pos::Preface(0),
            tokens: BURST,
            last: Instant::now(),
            tripped: false,
            settings_seen: false,
        }
    }
}

impl FloodGuard {
    /// Inspects bytes the client sent; returns `true` once it is a flood.
    pub(crate) fn inspect(&mut self, mut bytes: &[u8]) -> bool {
        while !bytes.is_empty() && !self.tripped {
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
                        let len = (h[0] as usize) << 16 | (h[1] as usize) << 8 | h[2] as usize;
                        self.settings_seen |= h[3] == SETTINGS;
                        if is_free(h[3], h[4], len) {
                            self.charge();
                        }
                        self.pos = if len == 0 {
                            Pos::Header(0, [0; FRAME_HEADER])
                        } else {
                            Pos::Payload(len)
                        };
                    }
                }
                Pos::Payload(left) => {
                    let n = (*left).min(bytes.len());
                    *left -= n;
                    bytes = &bytes[n..];
                    if *left == 0 {
                        self.pos = Pos::Header(0, [0; FRAME_HEADER]);
                    }
                }
            }
        }
        self.tripped
    }

    /// Whether the client's first SETTINGS frame has arrived.
    pub(crate) fn settings_seen(&self) -> bool {
        self.settings_seen
    }

    fn charge(&mut self) {
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * REFILL_PER_SEC;
        self.last = now;
        self.tokens = (self.tokens + refill).min(BURST) - 1.0;
        if self.tokens < 0.0 {
            self.tripped = true;
        }
    }
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

    fn frame(kind: u8, flags: u8, payload: &[u8]) -> Vec<u8> {
        let len = payload.len();
        let mut f = vec![
            (len >> 16) as u8,
            (len >> 8) as u8,
            len as u8,
            kind,
            flags,
            0,
            0,
            0,
            1,
        ];
        f.extend_from_slice(payload);
        f
    }

    fn preface() -> Vec<u8> {
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec()
    }

    #[test]
    fn ping_flood_trips_and_requests_do_not() {
        let mut g = FloodGuard::default();
        assert!(!g.inspect(&preface()));
        for _ in 0..5000 {
            assert!(!g.inspect(&frame(HEADERS, 0x5, b"\x82\x84")));
            assert!(!g.inspect(&frame(DATA, FLAG_END_STREAM, b"hello")));
            assert!(!g.inspect(&frame(PING, FLAG_ACK, &[0; 8])));
        }
        let mut g = FloodGuard::default();
        g.inspect(&preface());
        let flood: Vec<u8> = (0..2000).flat_map(|_| frame(PING, 0, &[0; 8])).collect();
        assert!(g.inspect(&flood));
    }

    #[test]
    fn frames_split_across_reads_are_tracked() {
        let mut g = FloodGuard::default();
        let mut all = preface();
        for _ in 0..1500 {
            all.extend(frame(DATA, 0, b""));
        }
        let tripped = all.chunks(7).any(|c| g.inspect(c));
        assert!(
            tripped,
            "empty DATA frames, fed 7 bytes at a time, are counted"
        );
    }
}
