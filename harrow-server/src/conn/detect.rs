//! Telling HTTP/2 from HTTP/1 on a shared port by the first bytes, before
//! either connection type is built.

use super::h1::Io;
use super::h1::io::FillError;
use super::transport::Transport;
use super::wait::Wait;
use crate::timer::Fired;

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

/// The protocol a new connection speaks, read from its first bytes (which
/// stay buffered in `io`); `None` when it closed or timed out first.
///
/// `io` goes in and comes back by value: a borrow of it held across the
/// await would keep its room in the connection's future reserved while the
/// protocol's own state needs it.
pub(crate) async fn sniff<T: Transport>(mut io: Io<T>) -> (Option<Detected>, Io<T>) {
    loop {
        if !io.buffered().is_empty() {
            match detect(io.buffered()) {
                Detected::Unsure => {}
                known => return (Some(known), io),
            }
        }
        if io.draining() {
            return (None, io);
        }
        io.wait(Wait::FirstRequest);
        match io.fill().await {
            Ok(_) => {}
            Err(FillError::Fired(Fired::Release)) => io.release_idle_read_buf(),
            Err(_) => return (None, io),
        }
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
