//! WebSocket frames as a server sends them, read from a raw socket, for
//! the tests that speak the protocol by hand.

use std::io::Read;

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
