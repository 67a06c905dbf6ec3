//! The HTTP/1.1 rules for sending a response that are not bytes: how its
//! body is framed, whether the connection stays open after it, and the
//! interim `100 Continue`.

use http::{HeaderValue, Version};

use super::Framing;

/// RFC 9110 §10.1.1: the interim answer that tells a client waiting on
/// `Expect: 100-continue` to send the body.
pub const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// How a response body of `len` bytes (`None`: a stream of unknown length)
/// goes on the wire, and whether the connection may stay open after it
/// (RFC 9112 §6.1–6.3).
///
/// A known length is sent as `Content-Length`. An unknown one is chunked
/// for HTTP/1.1 peers; an HTTP/1.0 peer knows no chunking, so the body ends
/// where the connection does. A HEAD answer of unknown length sends no
/// framing at all, since no body follows.
pub fn body_framing(len: Option<u64>, is_head: bool, version: Version) -> (Framing, bool) {
    match len {
        Some(n) => (Framing::Length(n), true),
        None if is_head => (Framing::CloseDelimited, true),
        None if version == Version::HTTP_11 => (Framing::Chunked, true),
        None => (Framing::CloseDelimited, false),
    }
}

/// Whether a `Connection` field value asks to close the connection (RFC
/// 9110 §7.6.1: a comma-separated list of options, compared without regard
/// to case).
pub fn asks_to_close(value: &HeaderValue) -> bool {
    value
        .as_bytes()
        .split(|&b| b == b',')
        .any(|t| t.trim_ascii().eq_ignore_ascii_case(b"close"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_framing_table() {
        use Version as V;
        let cases = [
            ((Some(5), false, V::HTTP_11), (Framing::Length(5), true)),
            ((Some(0), true, V::HTTP_10), (Framing::Length(0), true)),
            ((None, false, V::HTTP_11), (Framing::Chunked, true)),
            ((None, true, V::HTTP_11), (Framing::CloseDelimited, true)),
            ((None, false, V::HTTP_10), (Framing::CloseDelimited, false)),
            ((None, true, V::HTTP_10), (Framing::CloseDelimited, true)),
        ];
        for ((len, head, version), want) in cases {
            assert_eq!(
                body_framing(len, head, version),
                want,
                "{len:?} {head} {version:?}"
            );
        }
    }

    #[test]
    fn close_requests_table() {
        let cases = [
            ("close", true),
            ("Close", true),
            ("keep-alive", false),
            ("upgrade, close", true),
            (" CLOSE ", true),
            ("closed", false),
            ("", false),
        ];
        for (value, want) in cases {
            let value = HeaderValue::from_static(value);
            assert_eq!(asks_to_close(&value), want, "{value:?}");
        }
    }
}
