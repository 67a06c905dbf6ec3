//! The server's frames, encoded straight into the socket's output
//! (RFC 6455 §5.2): one copy of the payload, no intermediate frame.

use super::message::CloseFrame;

/// The opcode of a continuation frame (§5.4).
pub(super) const OPCODE_CONTINUATION: u8 = 0x0;
/// The opcode of a text frame.
pub(super) const OPCODE_TEXT: u8 = 0x1;
/// The opcode of a binary frame.
pub(super) const OPCODE_BINARY: u8 = 0x2;
/// The opcode of a closing frame (§5.5.1).
pub(super) const OPCODE_CLOSE: u8 = 0x8;
/// The opcode of a ping (§5.5.2).
pub(super) const OPCODE_PING: u8 = 0x9;
/// The opcode of a pong (§5.5.3).
pub(super) const OPCODE_PONG: u8 = 0xa;
/// RSV1, or-ed into a data frame's opcode: the message is compressed
/// (permessage-deflate, RFC 7692 §6).
#[cfg(feature = "ws-deflate")]
pub(super) const RSV1: u8 = 0x40;

/// The largest payload length that fits in the 7-bit length field.
const LEN_7: usize = 125;
/// The 7-bit length field's value announcing a 16-bit length.
const LEN_16_FOLLOWS: u8 = 126;
/// The 7-bit length field's value announcing a 64-bit length.
const LEN_64_FOLLOWS: u8 = 127;
/// The longest header: two bytes and a 64-bit length (a server's frames
/// carry no mask).
const HEADER_MAX: usize = 2 + 8;

/// The longest closing reason: a control frame carries at most 125 bytes
/// (§5.5), two of them the code.
const REASON_MAX: usize = 123;

/// Appends to `out` one whole frame with `opcode` carrying `payload`: FIN
/// set, no extension bits but RSV1 when or-ed into `opcode` (a compressed
/// message), not masked (a server's frames are not, §5.1),
/// the length in the shortest of the 7-, 16- and 64-bit forms (§5.2).
/// Control frames are given at most 125 bytes by their callers (§5.5).
pub(super) fn encode(out: &mut Vec<u8>, opcode: u8, payload: &[u8]) {
    out.reserve(payload.len() + HEADER_MAX);
    encode_header(out, opcode, payload.len());
    out.extend_from_slice(payload);
}

/// Appends the header of the frame [`encode`] makes for a payload of
/// `len` bytes, for a payload that goes out from its own buffer.
pub(super) fn encode_header(out: &mut Vec<u8>, opcode: u8, len: usize) {
    out.push(0x80 | opcode);
    if len <= LEN_7 {
        out.push(len as u8);
    } else if let Ok(short) = u16::try_from(len) {
        out.push(LEN_16_FOLLOWS);
        out.extend_from_slice(&short.to_be_bytes());
    } else {
        out.push(LEN_64_FOLLOWS);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
}

/// Appends a closing frame (§5.5.1): empty without `frame`, else the code
/// and the reason, cut at a character boundary to fit 123 bytes.
pub(super) fn encode_close(out: &mut Vec<u8>, frame: Option<&CloseFrame>) {
    let Some(frame) = frame else {
        encode(out, OPCODE_CLOSE, &[]);
        return;
    };
    let mut end = frame.reason.len().min(REASON_MAX);
    while !frame.reason.is_char_boundary(end) {
        end -= 1;
    }
    let mut payload = [0; 2 + REASON_MAX];
    payload[..2].copy_from_slice(&frame.code.to_be_bytes());
    payload[2..2 + end].copy_from_slice(&frame.reason.as_bytes()[..end]);
    encode(out, OPCODE_CLOSE, &payload[..2 + end]);
}

#[cfg(test)]
mod tests {
    use tungstenite::protocol::frame::Frame;
    use tungstenite::protocol::frame::coding::{Data, OpCode};

    use super::*;

    /// What tungstenite encodes for the same whole, unmasked frame.
    fn tungstenite_frame(opcode: OpCode, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        Frame::message(payload.to_vec(), opcode, true)
            .format(&mut out)
            .unwrap();
        out
    }

    fn encoded(opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        encode(&mut out, opcode, payload);
        out
    }

    #[test]
    fn lengths_at_every_boundary_match_tungstenite() {
        for len in [0, 1, 125, 126, 127, 65535, 65536, 70000] {
            let payload: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            assert_eq!(
                encoded(OPCODE_BINARY, &payload),
                tungstenite_frame(OpCode::Data(Data::Binary), &payload),
                "binary, {len} bytes"
            );
            assert_eq!(
                encoded(OPCODE_TEXT, &payload),
                tungstenite_frame(OpCode::Data(Data::Text), &payload),
                "text, {len} bytes"
            );
        }
    }

    #[test]
    fn headers_use_the_shortest_length_form() {
        let header = |len: usize| {
            let frame = encoded(OPCODE_BINARY, &vec![0; len]);
            frame[..frame.len() - len].to_vec()
        };
        // FIN and the opcode; the mask bit clear in the length byte.
        assert_eq!(header(0), [0x82, 0]);
        assert_eq!(header(125), [0x82, 125]);
        assert_eq!(header(126), [0x82, 126, 0x00, 0x7e]);
        assert_eq!(header(65535), [0x82, 126, 0xff, 0xff]);
        assert_eq!(header(65536), [0x82, 127, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00]);
        assert_eq!(encoded(OPCODE_TEXT, b"hi"), [0x81, 2, b'h', b'i']);
    }

    #[test]
    fn frames_append_after_what_is_there() {
        let mut out = vec![0x89, 0x00];
        encode(&mut out, OPCODE_TEXT, b"a");
        encode(&mut out, OPCODE_BINARY, &[7; 126]);
        assert_eq!(out[..5], [0x89, 0x00, 0x81, 1, b'a']);
        assert_eq!(out[5..9], [0x82, 126, 0, 126]);
        assert_eq!(out.len(), 2 + 3 + 4 + 126);
    }

    #[test]
    fn closing_frames_carry_the_code_and_a_reason_cut_to_fit() {
        let mut out = Vec::new();
        encode_close(&mut out, None);
        assert_eq!(out, [0x88, 0x00]);
        out.clear();
        encode_close(&mut out, Some(&CloseFrame::new(1000, "bye")));
        assert_eq!(out, [0x88, 0x05, 0x03, 0xe8, b'b', b'y', b'e']);
        // 61 two-byte characters are 122 bytes, the 62nd would make 124:
        // the reason stops before it rather than in its middle.
        out.clear();
        encode_close(&mut out, Some(&CloseFrame::new(4000, "é".repeat(70))));
        assert_eq!(out[1], 2 + 122);
        assert_eq!(&out[4..], "é".repeat(61).as_bytes());
        out.clear();
        encode_close(&mut out, Some(&CloseFrame::new(4000, "a".repeat(200))));
        assert_eq!(out[1], 125);
    }
}
