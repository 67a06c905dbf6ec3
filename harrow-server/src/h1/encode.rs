//! Response encoding: status line, headers, and length or chunked framing
//! (RFC 9112 §4, §6, §7).

use http::{HeaderMap, StatusCode, Version, header};

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
    /// Whether the connection stays open after this response.
    pub keep_alive: bool,
    /// The cached `Date` value.
    pub date: &'a [u8],
}

/// Whether a response with this status carries no body (RFC 9110 §6.4.1).
pub fn status_has_no_body(status: StatusCode) -> bool {
    status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
}

/// Appends the response head to `out`.
pub fn encode_head(h: &ResponseHead<'_>, out: &mut Vec<u8>) {
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(h.status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(h.status.canonical_reason().unwrap_or("Unknown").as_bytes());
    out.extend_from_slice(b"\r\n");
    let mut has_date = false;
    for (name, value) in h.headers {
        // Framing and connection management are the server's to decide.
        if name == header::CONTENT_LENGTH
            || name == header::TRANSFER_ENCODING
            || name == header::CONNECTION
        {
            continue;
        }
        has_date |= name == header::DATE;
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if !has_date {
        out.extend_from_slice(b"date: ");
        out.extend_from_slice(h.date);
        out.extend_from_slice(b"\r\n");
    }
    let no_body = status_has_no_body(h.status);
    match h.framing {
        // RFC 9110 §8.6: no Content-Length in 1xx and 204 responses.
        _ if h.status.is_informational() || h.status == StatusCode::NO_CONTENT => {}
        Framing::Length(n) => {
            out.extend_from_slice(b"content-length: ");
            out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        Framing::Chunked if !no_body => out.extend_from_slice(b"transfer-encoding: chunked\r\n"),
        Framing::Chunked | Framing::CloseDelimited => {}
    }
    if !h.keep_alive {
        out.extend_from_slice(b"connection: close\r\n");
    } else if h.version == Version::HTTP_10 {
        out.extend_from_slice(b"connection: keep-alive\r\n");
    }
    out.extend_from_slice(b"\r\n");
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
            date: b"D",
        };
        encode_head(&h, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn heads_table() {
        const HTTP_10: Version = Version::HTTP_10;
        const HTTP_11: Version = Version::HTTP_11;
        let cases = [
            (
                head(StatusCode::OK, Framing::Length(5), true, HTTP_11),
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ndate: D\r\ncontent-length: 5\r\n\r\n",
            ),
            (
                head(StatusCode::OK, Framing::Chunked, false, HTTP_11),
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ndate: D\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
            ),
            (
                head(StatusCode::OK, Framing::Length(0), true, HTTP_10),
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ndate: D\r\ncontent-length: 0\r\nconnection: keep-alive\r\n\r\n",
            ),
            (
                head(StatusCode::NO_CONTENT, Framing::Length(0), true, HTTP_11),
                "HTTP/1.1 204 No Content\r\ncontent-type: text/plain\r\ndate: D\r\n\r\n",
            ),
            (
                head(StatusCode::OK, Framing::CloseDelimited, false, HTTP_10),
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ndate: D\r\nconnection: close\r\n\r\n",
            ),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
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
