//! The frame reader opened to the fuzz targets (the `unstable` feature):
//! no semver promise, not for applications.

use super::read::{FrameReader, Incoming};

/// What the reader made of some bytes, in a form two runs can compare.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Each message or control frame: a kind (`t`ext, `b`inary, p`i`ng,
    /// p`o`ng, `c`lose) and its payload (a closing frame's code and
    /// reason).
    pub frames: Vec<(char, Vec<u8>)>,
    /// The closing code the connection was failed with, if the bytes
    /// broke the protocol.
    pub broken: Option<u16>,
}

/// Feeds `data` to a reader limited to `max_message` and `max_frame`
/// bytes, in pieces as long as the bytes of `pieces` say (cycled; 0 counts
/// as 1, no `pieces` means all at once), the way the socket's reading loop
/// hands it what each read brought; stops at the first broken rule. With
/// `compressed` (and the `ws-deflate` feature) the reader takes RSV1 as
/// permessage-deflate's mark, and compressed messages are recorded as
/// they came (kinds `T` and `B`), not inflated.
///
/// Panics where the reader breaks a promise of its own: a message over the
/// limit, a control payload over 125 bytes.
pub fn read_in_pieces(
    data: &[u8],
    pieces: &[u8],
    max_message: usize,
    max_frame: usize,
    compressed: bool,
) -> Outcome {
    let mut reader = FrameReader::new(max_message, max_frame);
    #[cfg(feature = "ws-deflate")]
    if compressed {
        reader = reader.with_compression();
    }
    #[cfg(not(feature = "ws-deflate"))]
    let _ = compressed;
    let mut out = Outcome {
        frames: Vec::new(),
        broken: None,
    };
    let mut buf = Vec::new();
    let mut rest = data;
    let mut sizes = pieces.iter().cycle();
    while !rest.is_empty() {
        let size = sizes.next().map_or(rest.len(), |&s| usize::from(s.max(1)));
        let (piece, after) = rest.split_at(size.min(rest.len()));
        rest = after;
        buf.extend_from_slice(piece);
        let mut at = 0;
        loop {
            match reader.next(&mut buf, &mut at) {
                Ok(Some(incoming)) => out.frames.push(describe(incoming, &buf, max_message)),
                Ok(None) => break,
                Err(broken) => {
                    out.broken = Some(broken.code());
                    return out;
                }
            }
            assert!(at <= buf.len(), "the reader moved past its buffer");
        }
        reader.consumed(&mut buf, at);
    }
    out
}

fn describe(incoming: Incoming, buf: &[u8], max_message: usize) -> (char, Vec<u8>) {
    let (kind, payload) = match incoming {
        Incoming::Text(text) => ('t', text.as_bytes().to_vec()),
        Incoming::Binary(bytes) => ('b', bytes.to_vec()),
        Incoming::Ping(bytes) => {
            assert!(bytes.len() <= 125, "a ping of {} bytes", bytes.len());
            ('i', bytes.to_vec())
        }
        Incoming::Pong => ('o', Vec::new()),
        Incoming::Compressed { text, payload } => (if text { 'T' } else { 'B' }, payload.to_vec()),
        Incoming::CompressedFrame { text, range } => {
            let payload = buf
                .get(range)
                .expect("a compressed frame's range inside the buffer");
            (if text { 'T' } else { 'B' }, payload.to_vec())
        }
        Incoming::Close(frame) => {
            let payload = frame.map_or_else(Vec::new, |f| {
                [&f.code.to_be_bytes()[..], f.reason.as_bytes()].concat()
            });
            assert!(
                payload.len() <= 125,
                "a closing payload of {}",
                payload.len()
            );
            ('c', payload)
        }
    };
    assert!(
        payload.len() <= max_message,
        "a message of {} bytes passed the limit of {max_message}",
        payload.len()
    );
    (kind, payload)
}

/// Inflates `data` as the payload of a client's compressed message
/// (permessage-deflate) with a limit of `max` bytes, through a socket's
/// own inflater and then through the worker's shared one: the message, or
/// the closing code it fails with. Panics where the inflater breaks a
/// promise: output over the limit, or the two inflaters disagreeing.
#[cfg(feature = "ws-deflate")]
pub fn inflate(data: &[u8], max: usize) -> Result<Vec<u8>, u16> {
    use super::deflate::{Agreed, Inflater};
    let run = |client_no_context_takeover| {
        Inflater::new(Agreed {
            client_no_context_takeover,
            server_max_window_bits: false,
        })
        .inflate(data, max)
        .map_err(|broken| broken.code())
    };
    let own = run(false);
    assert_eq!(
        own,
        run(true),
        "the socket's and the worker's inflaters disagree"
    );
    if let Ok(message) = &own {
        assert!(
            message.len() <= max,
            "{} bytes past the limit of {max}",
            message.len()
        );
    }
    own
}
