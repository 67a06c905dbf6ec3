//! WebSocket frames for the tests that speak the protocol by hand: frames
//! as a client sends them, and a server's frames read back.

use std::io::Read;

use flate2::{Compress, Decompress, FlushCompress, FlushDecompress};

/// The next frame the server sends on `stream`: its first byte (FIN, the
/// reserved bits, the opcode) and its payload. A server's frames are never
/// masked (RFC 6455 §5.1); this checks it.
pub fn read_frame(stream: &mut impl Read) -> (u8, Vec<u8>) {
    let mut head = [0u8; 2];
    stream.read_exact(&mut head).expect("a frame header");
    assert_eq!(head[1] & 0x80, 0, "a server frame is not masked");
    let len = match head[1] & 0x7f {
        126 => {
            let mut len = [0u8; 2];
            stream.read_exact(&mut len).expect("a 16-bit length");
            usize::from(u16::from_be_bytes(len))
        }
        127 => {
            let mut len = [0u8; 8];
            stream.read_exact(&mut len).expect("a 64-bit length");
            usize::try_from(u64::from_be_bytes(len)).expect("a length that fits")
        }
        n => usize::from(n),
    };
    let mut payload = vec![0u8; len];
    stream.read_exact(&mut payload).expect("the payload");
    (head[0], payload)
}

/// The length of the server frame at the start of `buf`, header and
/// payload, once enough of its header is there to tell.
pub fn frame_len(buf: &[u8]) -> Option<usize> {
    let short = usize::from(*buf.get(1)? & 0x7f);
    let (header, len) = match short {
        126 => (
            4,
            usize::from(u16::from_be_bytes(buf.get(2..4)?.try_into().ok()?)),
        ),
        127 => {
            let len = u64::from_be_bytes(buf.get(2..10)?.try_into().ok()?);
            (10, usize::try_from(len).expect("a length that fits"))
        }
        n => (2, n),
    };
    Some(header + len)
}

/// A client frame: `fin`, `opcode`, masked (as clients must) unless told
/// otherwise, with the reserved bits `rsv`.
pub fn frame(fin: bool, opcode: u8, payload: &[u8], masked: bool, rsv: u8) -> Vec<u8> {
    let mut f = vec![(u8::from(fin) << 7) | (rsv << 4) | opcode];
    let mask_bit = if masked { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => f.push(mask_bit | n as u8),
        n if n < 65536 => {
            f.push(mask_bit | 126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            f.push(mask_bit | 127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    if masked {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        f.extend_from_slice(&key);
        f.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    } else {
        f.extend_from_slice(payload);
    }
    f
}

/// `message` compressed by `compress` as permessage-deflate sends it.
pub fn compressed(compress: &mut Compress, message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 64);
    compress
        .compress_vec(message, &mut out, FlushCompress::Sync)
        .unwrap();
    assert!(out.ends_with(&[0, 0, 0xff, 0xff]));
    out.truncate(out.len() - 4);
    out
}

/// A server message's payload inflated by a fresh inflater: the server
/// agreed to no context takeover, so each one stands alone.
pub fn inflated(payload: &[u8]) -> Vec<u8> {
    let mut inflate = Decompress::new(false);
    let mut out = Vec::with_capacity(1 << 20);
    let input = [payload, &[0, 0, 0xff, 0xff]].concat();
    inflate
        .decompress_vec(&input, &mut out, FlushDecompress::Sync)
        .unwrap();
    out
}

/// Echoes every message on `socket` until the client's closing frame, or
/// until the socket ends.
pub async fn echo_messages(socket: &mut harrow::ws::WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        if matches!(message, harrow::ws::Message::Close(_)) || socket.send(message).await.is_err() {
            break;
        }
    }
}
