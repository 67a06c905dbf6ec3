//! Hand-made HTTP/2 frames for attack tests, where a well-behaved client
//! library would refuse to misbehave.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// The client connection preface (RFC 9113 §3.4).
pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// Frame type DATA.
pub const DATA: u8 = 0x0;
/// Frame type HEADERS.
pub const HEADERS: u8 = 0x1;
/// Frame type RST_STREAM.
pub const RST_STREAM: u8 = 0x3;
/// Frame type SETTINGS.
pub const SETTINGS: u8 = 0x4;
/// Frame type PING.
pub const PING: u8 = 0x6;
/// Frame type GOAWAY.
pub const GOAWAY: u8 = 0x7;
/// Frame type WINDOW_UPDATE.
pub const WINDOW_UPDATE: u8 = 0x8;
/// Frame type CONTINUATION.
pub const CONTINUATION: u8 = 0x9;
/// Flag END_STREAM.
pub const END_STREAM: u8 = 0x1;
/// Flag END_HEADERS.
pub const END_HEADERS: u8 = 0x4;

/// A received frame: type, flags, stream id, payload.
pub type Frame = (u8, u8, u32, Vec<u8>);

/// One frame's bytes.
pub fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len();
    let mut f = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    f.extend_from_slice(&stream.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// An HPACK block for `GET path` (static-table indices, literal authority).
pub fn get_block(path: &str) -> Vec<u8> {
    // :method GET (2), :scheme http (6), :authority "a" (literal, indexed name 1).
    let mut b = vec![0x82, 0x86, 0x41, 0x01, b'a'];
    if path == "/" {
        b.push(0x84);
    } else {
        // :path, literal with indexed name 4.
        b.push(0x44);
        b.push(path.len() as u8);
        b.extend_from_slice(path.as_bytes());
    }
    b
}

/// A raw HTTP/2 connection that has sent the preface and empty SETTINGS.
pub struct RawH2 {
    /// The socket.
    pub stream: TcpStream,
}

impl RawH2 {
    /// Connects to `addr` and sends the preface and an empty SETTINGS.
    pub fn connect(addr: SocketAddr) -> RawH2 {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        stream.write_all(PREFACE).unwrap();
        stream.write_all(&frame(SETTINGS, 0, 0, &[])).unwrap();
        RawH2 { stream }
    }

    /// Writes bytes; `false` once the server has closed the connection.
    pub fn send(&mut self, bytes: &[u8]) -> bool {
        self.stream.write_all(bytes).is_ok()
    }

    /// Reads frames until the connection closes or `within` passes;
    /// returns `(type, flags, stream, payload)` for each, and whether it closed.
    pub fn frames_until_close(&mut self, within: Duration) -> (Vec<Frame>, bool) {
        let deadline = Instant::now() + within;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 16384];
        let mut closed = false;
        while Instant::now() < deadline {
            match self.stream.read(&mut chunk) {
                Ok(0) => {
                    closed = true;
                    break;
                }
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock
                            | std::io::ErrorKind::TimedOut
                            | std::io::ErrorKind::Interrupted
                    ) => {}
                Err(_) => {
                    closed = true;
                    break;
                }
            }
        }
        let mut frames = Vec::new();
        let mut rest = &buf[..];
        while rest.len() >= 9 {
            let len = (rest[0] as usize) << 16 | (rest[1] as usize) << 8 | rest[2] as usize;
            if rest.len() < 9 + len {
                break;
            }
            let stream = u32::from_be_bytes([rest[5], rest[6], rest[7], rest[8]]) & 0x7fff_ffff;
            frames.push((rest[3], rest[4], stream, rest[9..9 + len].to_vec()));
            rest = &rest[9 + len..];
        }
        (frames, closed)
    }
}

/// The error code of the first GOAWAY among `frames`.
pub fn goaway_code(frames: &[Frame]) -> Option<u32> {
    frames
        .iter()
        .find(|f| f.0 == GOAWAY)
        .map(|f| u32::from_be_bytes([f.3[4], f.3[5], f.3[6], f.3[7]]))
}

/// Error code NO_ERROR (RFC 9113 §7).
pub const NO_ERROR: u32 = 0x0;
/// Error code PROTOCOL_ERROR.
pub const PROTOCOL_ERROR: u32 = 0x1;
/// Error code REFUSED_STREAM.
pub const REFUSED_STREAM: u32 = 0x7;
/// Error code ENHANCE_YOUR_CALM.
pub const ENHANCE_YOUR_CALM: u32 = 0xb;
