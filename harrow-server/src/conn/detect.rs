//! Telling HTTP/2 from HTTP/1 on a shared port by the first bytes.

/// The client connection preface of RFC 9113 §3.4.
pub(crate) const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// What the first bytes of a connection say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detected {
    /// The HTTP/2 preface.
    Http2,
    /// Anything else.
    Http1,
    /// A prefix of the preface; more bytes are needed.
    Unsure,
}

/// Classifies the first bytes of a connection.
pub(crate) fn detect(first: &[u8]) -> Detected {
    let n = first.len().min(PREFACE.len());
    if first[..n] != PREFACE[..n] {
        Detected::Http1
    } else if n == PREFACE.len() {
        Detected::Http2
    } else {
        Detected::Unsure
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_prefixes() {
        assert_eq!(detect(PREFACE), Detected::Http2);
        assert_eq!(
            detect(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0"),
            Detected::Http2
        );
        assert_eq!(detect(b"PRI * HT"), Detected::Unsure);
        assert_eq!(detect(b"GET / HTTP/1.1\r\n"), Detected::Http1);
        assert_eq!(detect(b"PRI * HTTP/1.1\r\n"), Detected::Http1);
    }
}
