//! Response encoding: status line, headers, and length or chunked framing
//! (RFC 9112 §4, §6, §7).

use http::{HeaderMap, StatusCode, Version, header};

use super::response::asks_to_close;
use crate::semantics::status_has_no_body;

/// How a response body is framed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length: n`.
    Length(u64),
    /// `Transfer-Encoding: chunked` (HTTP/1.1 peers only).
    Chunked,
    /// No length; the body ends when the connection closes (HTTP/1.0 peers).
    CloseDelimited,
}

/// What the encoder needs to write a response head.
#[derive(Debug)]
pub struct ResponseHead<'a> {
    /// The status.
    pub status: StatusCode,
    /// The service's header fields.
    pub headers: &'a HeaderMap,
    /// The body's framing, decided by the connection.
    pub framing: Framing,
    /// The request's version, to speak keep-alive the way it expects.
    pub version: Version,
    /// Whether the connection may stay open after this response; it closes
    /// anyway when the response's own `Connection` field asks to.
    pub keep_alive: bool,
    /// The cached `Date` value, an IMF-fixdate (always 29 bytes).
    pub date: &'a [u8; 29],
}

/// Appends the response head to `out`; returns whether the connection stays
/// open after it: `keep_alive`, unless the response's `Connection` field
/// asks to close (RFC 9110 §7.6.1), which is read while the fields are
/// written rather than looked up apart.
pub fn encode_head(h: &ResponseHead<'_>, out: &mut Vec<u8>) -> bool {
    match common_status_line(h.status) {
        Some(line) => out.extend_from_slice(line),
        None => {
            out.extend_from_slice(b"HTTP/1.1 ");
            out.extend_from_slice(h.status.as_str().as_bytes());
            out.push(b' ');
            out.extend_from_slice(reason(h.status).as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
    let mut has_date = false;
    let mut keep_alive = h.keep_alive;
    // RFC 9110 §7.8: after `101 Switching Protocols` the connection speaks
    // the protocol named in `Upgrade`, never HTTP/1.1 again; its
    // `Connection: upgrade` goes out as the service wrote it.
    let switching = h.status == StatusCode::SWITCHING_PROTOCOLS;
    for (name, value) in h.headers {
        // Framing and connection management are the server's to decide.
        if name == header::CONNECTION && !switching {
            keep_alive &= !asks_to_close(value);
            continue;
        }
        if name == header::CONTENT_LENGTH || name == header::TRANSFER_ENCODING {
            continue;
        }
        has_date |= name == header::DATE;
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    // The fixed fields are assembled on the stack and appended at once.
    let mut tail = Tail::new();
    if !has_date {
        tail.push(b"date: ");
        tail.push(h.date);
        tail.push(b"\r\n");
    }
    let no_body = status_has_no_body(h.status);
    match h.framing {
        // RFC 9110 §8.6: no Content-Length in 1xx and 204 responses, and
        // none in a 304 but the length a 200 would have had, which the
        // empty body of a 304 does not tell.
        _ if h.status.is_informational()
            || h.status == StatusCode::NO_CONTENT
            || h.status == StatusCode::NOT_MODIFIED => {}
        Framing::Length(n) => {
            tail.push(b"content-length: ");
            tail.push(itoa::Buffer::new().format(n).as_bytes());
            tail.push(b"\r\n");
        }
        Framing::Chunked if !no_body => tail.push(b"transfer-encoding: chunked\r\n"),
        Framing::Chunked | Framing::CloseDelimited => {}
    }
    if switching {
        keep_alive = false;
    } else if !keep_alive {
        tail.push(b"connection: close\r\n");
    } else if h.version == Version::HTTP_10 {
        tail.push(b"connection: keep-alive\r\n");
    }
    tail.push(b"\r\n");
    out.extend_from_slice(tail.as_bytes());
    keep_alive
}

/// The whole status line of the statuses most responses carry.
/// The reason phrase for `status`: RFC 9110's names where they differ
/// from the older ones the `http` crate keeps (§15.5.14, §15.5.21).
fn reason(status: StatusCode) -> &'static str {
    match status.as_u16() {
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        _ => status.canonical_reason().unwrap_or("Unknown"),
    }
}

fn common_status_line(status: StatusCode) -> Option<&'static [u8]> {
    Some(match status.as_u16() {
        200 => b"HTTP/1.1 200 OK\r\n",
        201 => b"HTTP/1.1 201 Created\r\n",
        204 => b"HTTP/1.1 204 No Content\r\n",
        301 => b"HTTP/1.1 301 Moved Permanently\r\n",
        302 => b"HTTP/1.1 302 Found\r\n",
        304 => b"HTTP/1.1 304 Not Modified\r\n",
        400 => b"HTTP/1.1 400 Bad Request\r\n",
        404 => b"HTTP/1.1 404 Not Found\r\n",
        500 => b"HTTP/1.1 500 Internal Server Error\r\n",
        _ => return None,
    })
}

/// The fields after the service's own: `date`, the framing field,
/// `connection` and the empty line; at most 101 bytes.
struct Tail {
    buf: [u8; 128],
    len: usize,
}

impl Tail {
    fn new() -> Self {
        Tail {
            buf: [0; 128],
            len: 0,
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Appends one chunk of a chunked body; empty data writes nothing.
pub fn encode_chunk(data: &[u8], out: &mut Vec<u8>) {
    if data.is_empty() {
        return;
    }
    let mut hex = [0u8; 16];
    let mut n = data.len();
    let mut i = hex.len();
    while n > 0 || i == hex.len() {
        i -= 1;
        hex[i] = b"0123456789abcdef"[n & 0xf];
        n >>= 4;
    }
    out.extend_from_slice(&hex[i..]);
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// Appends the last chunk and the empty trailer section.
pub fn encode_last_chunk(out: &mut Vec<u8>) {
    out.extend_from_slice(b"0\r\n\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn head(status: StatusCode, framing: Framing, keep_alive: bool, version: Version) -> String {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("text/plain"));
        headers.insert("content-length", HeaderValue::from_static("999"));
        let mut out = Vec::new();
        let h = ResponseHead {
            status,
            headers: &headers,
            framing,
            version,
            keep_alive,
            date: b"Sun, 06 Nov 1994 08:49:37 GMT",
        };
        encode_head(&h, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_close_asked_by_the_response_closes_the_connection() {
        for (value, stays) in [
            ("close", false),
            ("Upgrade, Close", false),
            ("keep-alive", true),
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONNECTION, HeaderValue::from_static(value));
            let h = ResponseHead {
                status: StatusCode::OK,
                headers: &headers,
                framing: Framing::Length(0),
                version: Version::HTTP_11,
                keep_alive: true,
                date: b"Sun, 06 Nov 1994 08:49:37 GMT",
            };
            let mut out = Vec::new();
            assert_eq!(encode_head(&h, &mut out), stays, "{value}");
            let text = String::from_utf8(out).unwrap();
            assert_eq!(text.contains("connection: close\r\n"), !stays, "{text}");
            assert!(
                !text
                    .to_lowercase()
                    .contains(&format!("connection: {}", value.to_lowercase()))
                    || !stays,
                "{text}"
            );
        }
    }

    #[test]
    fn heads_table() {
        const HTTP_10: Version = Version::HTTP_10;
        const HTTP_11: Version = Version::HTTP_11;
        let cases = [
            (
                head(StatusCode::OK, Framing::Length(5), true, HTTP_11),
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ndate: Sun, 06 Nov 1994 08:49:37 GMT\r\ncontent-length: 5\r\n\r\n",
            ),
            (
                head(StatusCode::OK, Framing::Chunked, false, HTTP_11),
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ndate: Sun, 06 Nov 1994 08:49:37 GMT\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
            ),
            (
                head(StatusCode::OK, Framing::Length(0), true, HTTP_10),
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ndate: Sun, 06 Nov 1994 08:49:37 GMT\r\ncontent-length: 0\r\nconnection: keep-alive\r\n\r\n",
            ),
            (
                head(StatusCode::NO_CONTENT, Framing::Length(0), true, HTTP_11),
                "HTTP/1.1 204 No Content\r\ncontent-type: text/plain\r\ndate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n",
            ),
            (
                head(StatusCode::NOT_MODIFIED, Framing::Length(0), true, HTTP_11),
                "HTTP/1.1 304 Not Modified\r\ncontent-type: text/plain\r\ndate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n",
            ),
            (
                head(StatusCode::OK, Framing::CloseDelimited, false, HTTP_10),
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ndate: Sun, 06 Nov 1994 08:49:37 GMT\r\nconnection: close\r\n\r\n",
            ),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
    }

    #[test]
    fn common_status_lines_match_the_general_form() {
        for code in 100..1000 {
            let status = StatusCode::from_u16(code).unwrap();
            if let Some(line) = common_status_line(status) {
                let general = format!("HTTP/1.1 {} {}\r\n", status.as_str(), reason(status));
                assert_eq!(std::str::from_utf8(line).unwrap(), general);
            }
        }
    }

    #[test]
    fn reason_phrases_follow_rfc_9110() {
        let line = |code| {
            let headers = HeaderMap::new();
            let h = ResponseHead {
                status: StatusCode::from_u16(code).unwrap(),
                headers: &headers,
                framing: Framing::Length(0),
                version: Version::HTTP_11,
                keep_alive: true,
                date: b"Sun, 06 Nov 1994 08:49:37 GMT",
            };
            let mut out = Vec::new();
            encode_head(&h, &mut out);
            let text = String::from_utf8(out).unwrap();
            text.lines().next().unwrap().to_owned()
        };
        assert_eq!(line(413), "HTTP/1.1 413 Content Too Large");
        assert_eq!(line(422), "HTTP/1.1 422 Unprocessable Content");
        assert_eq!(line(418), "HTTP/1.1 418 I'm a teapot");
        assert_eq!(line(599), "HTTP/1.1 599 Unknown");
    }

    #[test]
    fn the_longest_tail_fits() {
        let headers = HeaderMap::new();
        let h = ResponseHead {
            status: StatusCode::OK,
            headers: &headers,
            framing: Framing::Length(u64::MAX),
            version: Version::HTTP_10,
            keep_alive: true,
            date: b"Sun, 06 Nov 1994 08:49:37 GMT",
        };
        let mut out = Vec::new();
        encode_head(&h, &mut out);
        let tail = out.len() - b"HTTP/1.1 200 OK\r\n".len();
        assert_eq!(tail, 101);
    }

    #[test]
    fn chunks() {
        let mut out = Vec::new();
        encode_chunk(b"hello", &mut out);
        encode_chunk(&[b'x'; 26], &mut out);
        encode_chunk(b"", &mut out);
        encode_last_chunk(&mut out);
        let want = format!("5\r\nhello\r\n1a\r\n{}\r\n0\r\n\r\n", "x".repeat(26));
        assert_eq!(String::from_utf8(out).unwrap(), want);
    }
}
