//! The end-to-end tests' support library: one raw HTTP/1.1 client over
//! `std::net::TcpStream` ([`Raw`], with [`request`] and [`get`] for one
//! exchange parsed into a [`RawResponse`]), the server core's test service
//! and real clients ([`server`]), curl ([`curl`]), certificates and an HTTPS client
//! ([`tls`]), hand-made HTTP/2 frames ([`h2raw`]), a strict reader of the
//! Prometheus text format ([`prometheus`]) and a socket that outlasts
//! signals ([`patient`]), for servers started on `127.0.0.1:0`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

#[cfg(doctest)]
mod book;
pub mod curl;
pub mod h2raw;
pub mod patient;
pub mod prometheus;
pub mod server;
pub mod tls;
pub mod ws;

/// A response read off a socket.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The status code.
    pub status: u16,
    /// Header names (lowercase) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked when it was sent chunked.
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `method path` with `headers` and `body` over a fresh connection
/// (with `Connection: close`) and reads the whole response.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> RawResponse {
    let mut raw = format!("{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n");
    for (name, value) in headers {
        raw.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        raw.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    raw.push_str("\r\n");
    let mut bytes = raw.into_bytes();
    bytes.extend_from_slice(body);
    exchange(addr, &bytes, method == "HEAD")
}

/// A GET request.
pub fn get(addr: SocketAddr, path: &str) -> RawResponse {
    request(addr, "GET", path, &[], b"")
}

/// Writes `bytes` (a request that asks the server to close) and parses the
/// one response the server sends before closing.
pub fn exchange(addr: SocketAddr, bytes: &[u8], head: bool) -> RawResponse {
    let mut raw = Raw::connect(addr);
    raw.send(bytes);
    parse(&raw.read_bytes_to_close(), head)
}

/// A raw TCP client with a read timeout, for exact bytes and malformed input.
pub struct Raw {
    /// The socket, for tests that write or read by hand.
    pub stream: TcpStream,
}

impl Raw {
    /// Connects to `addr`, with a 5 s read timeout.
    pub fn connect(addr: SocketAddr) -> Raw {
        let stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        Raw { stream }
    }

    /// Writes `bytes` whole.
    pub fn send(&mut self, bytes: &[u8]) -> &mut Self {
        self.stream.write_all(bytes).expect("write");
        self
    }

    /// One read, retried when a signal interrupts it.
    pub fn read_some(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            match self.stream.read(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }

    /// Reads until the peer closes (or the read timeout); returns all bytes.
    pub fn read_bytes_to_close(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match self.read_some(&mut buf) {
                Ok(0) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(_) => break,
            }
        }
        out
    }

    /// [`read_bytes_to_close`](Self::read_bytes_to_close), as text.
    pub fn read_to_close(&mut self) -> String {
        String::from_utf8_lossy(&self.read_bytes_to_close()).into_owned()
    }

    /// Reads one response head only (for HEAD requests).
    pub fn read_head(&mut self) -> String {
        let mut out = Vec::new();
        let mut byte = [0u8; 1];
        while !out.ends_with(b"\r\n\r\n") {
            match self.read_some(&mut byte) {
                Ok(1) => out.push(byte[0]),
                _ => break,
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Reads one whole response (head plus Content-Length or chunked body).
    pub fn read_response(&mut self) -> String {
        let mut out = self.read_head().into_bytes();
        if !out.ends_with(b"\r\n\r\n") {
            return String::from_utf8_lossy(&out).into_owned();
        }
        let mut byte = [0u8; 1];
        let head = String::from_utf8_lossy(&out).to_ascii_lowercase();
        if head.starts_with("http/1.1 1") {
            return String::from_utf8_lossy(&out).into_owned();
        }
        if let Some(len) = header_value(&head, "content-length") {
            let mut body = vec![0u8; len.parse().unwrap()];
            self.stream.read_exact(&mut body).unwrap();
            out.extend_from_slice(&body);
        } else if head.contains("transfer-encoding: chunked") {
            while !out.ends_with(b"\r\n0\r\n\r\n") && !out.ends_with(b"\r\n\r\n0\r\n\r\n") {
                match self.read_some(&mut byte) {
                    Ok(1) => out.push(byte[0]),
                    _ => break,
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Whether the server has closed the connection (EOF or reset) within `within`.
    pub fn closed_within(&mut self, within: Duration) -> bool {
        self.stream.set_read_timeout(Some(within)).unwrap();
        let mut buf = [0u8; 1024];
        loop {
            match self.read_some(&mut buf) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.kind() == std::io::ErrorKind::TimedOut =>
                {
                    return false;
                }
                Err(_) => return true,
            }
        }
    }
}

/// The value of header `name` (lowercase) in a lowercased head.
pub fn header_value<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(':')))
        .map(str::trim)
}

/// The body after the head of one response text.
pub fn body_of(response: &str) -> &str {
    response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or("")
}

fn parse(buf: &[u8], head: bool) -> RawResponse {
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no complete head in {:?}", String::from_utf8_lossy(buf)));
    let head_text = std::str::from_utf8(&buf[..end]).expect("the head is text");
    let mut lines = head_text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let rest = &buf[end + 4..];
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let body = if head {
        rest.to_vec()
    } else if chunked {
        dechunk(rest)
    } else {
        let len = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(rest.len());
        rest[..len.min(rest.len())].to_vec()
    };
    RawResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") else {
            panic!("truncated chunked body");
        };
        let size_text = std::str::from_utf8(&data[..line_end]).expect("chunk size is text");
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).expect("chunk size is hex");
        data = &data[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

/// A fresh directory under the system's temporary directory, removed when
/// dropped.
pub struct TempDir(std::path::PathBuf);

impl TempDir {
    /// A new directory whose name starts with `label`.
    pub fn new(label: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "harrow-{label}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        TempDir(dir)
    }

    /// The directory.
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }

    /// The path of `name` in the directory.
    pub fn join(&self, name: &str) -> std::path::PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_length_and_chunked_bodies() {
        let r = parse(
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: b\r\n\r\nhi",
            false,
        );
        assert_eq!((r.status, r.text().as_str()), (200, "hi"));
        assert_eq!(r.header("x-a"), Some("b"));
        let r = parse(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n",
            false,
        );
        assert_eq!(r.text(), "abc");
    }
}
