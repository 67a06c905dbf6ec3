//! What a connection waits for, and the one table from that to the
//! deadline bounding the wait and to whether a drain may end it.
//!
//! Every deadline of HTTP/1.1 and HTTP/2 connections and streams is set by
//! naming a [`Wait`]; the configuration fields it reads are listed here and
//! nowhere else.

use std::time::Duration;

use crate::Config;
use crate::timer::{ConnTimer, Phase};

/// After an error answer, how long the client's further bytes are read and
/// dropped, so that it reads the answer instead of a reset.
pub(crate) const LINGER: Duration = Duration::from_millis(500);

/// What a connection (or an HTTP/2 stream) is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    all(not(feature = "http2"), not(test)),
    expect(dead_code, reason = "the HTTP/2 waits exist only with HTTP/2")
)]
pub(crate) enum Wait {
    /// The first bytes of a new connection.
    FirstRequest,
    /// The next request on a kept-alive HTTP/1.1 connection.
    NextRequest,
    /// The rest of a request head whose first bytes are in (the deadline
    /// counts from the first byte, so it is set once per head).
    HeadRest,
    /// A request body.
    Body,
    /// The service's answer, or the next chunk of its streamed body.
    Service,
    /// A response (or what flow control lets of it) to be written.
    Write,
    /// The client's last bytes after an error answer.
    Linger,
    /// HTTP/2: the preface and the client's first SETTINGS.
    Handshake,
    /// HTTPS: the TLS handshake, from the accept.
    #[cfg(feature = "tls")]
    TlsHandshake,
    /// HTTP/2 with no stream open.
    Streamless,
    /// HTTP/2 with streams open.
    Streams,
    /// HTTP/2 after GOAWAY, open streams finishing.
    Finishing,
    /// HTTP/2 after a final GOAWAY, while it is written.
    Closing,
}

impl Wait {
    /// The longest the wait may last under `config`; `None` for no limit
    /// but the connection's life.
    pub(crate) fn timeout(self, config: &Config) -> Option<Duration> {
        match self {
            Wait::FirstRequest | Wait::HeadRest | Wait::Handshake => config.header_read_timeout,
            Wait::NextRequest | Wait::Streamless => config.keep_alive_timeout,
            Wait::Body => config.body_read_timeout,
            Wait::Service | Wait::Streams => None,
            Wait::Write | Wait::Closing => config.write_timeout,
            Wait::Linger => Some(LINGER),
            Wait::Finishing => Some(config.drain_timeout),
            #[cfg(feature = "tls")]
            Wait::TlsHandshake => config.tls.as_ref().map(|tls| tls.handshake_timeout),
        }
    }

    /// Whether a graceful drain ends the wait at once: an HTTP/1.1
    /// connection between requests closes, an HTTP/2 one sends GOAWAY.
    pub(crate) fn drainable(self) -> bool {
        matches!(
            self,
            Wait::FirstRequest | Wait::NextRequest | Wait::Streamless | Wait::Streams
        ) || self.is_tls_handshake()
    }

    /// Whether this is a TLS handshake, which a drain also ends at once:
    /// no request has begun.
    fn is_tls_handshake(self) -> bool {
        #[cfg(feature = "tls")]
        return self == Wait::TlsHandshake;
        #[cfg(not(feature = "tls"))]
        false
    }

    /// Arms `timer` for this wait. `holds_buffer` says whether the
    /// connection holds a read buffer it could give back while it idles.
    pub(crate) fn arm(self, timer: &ConnTimer, config: &Config, holds_buffer: bool) {
        timer.arm_in(self.timeout(config));
        let phase = if self.drainable() {
            Phase::Idle
        } else {
            Phase::Busy
        };
        timer.set_phase(phase, holds_buffer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wait_reads_its_own_setting() {
        let s = Duration::from_secs;
        let config = Config {
            header_read_timeout: Some(s(1)),
            keep_alive_timeout: Some(s(2)),
            body_read_timeout: Some(s(3)),
            write_timeout: Some(s(4)),
            drain_timeout: s(5),
            ..Config::default()
        };
        let table = [
            (Wait::FirstRequest, Some(s(1)), true),
            (Wait::NextRequest, Some(s(2)), true),
            (Wait::HeadRest, Some(s(1)), false),
            (Wait::Body, Some(s(3)), false),
            (Wait::Service, None, false),
            (Wait::Write, Some(s(4)), false),
            (Wait::Linger, Some(LINGER), false),
            (Wait::Handshake, Some(s(1)), false),
            (Wait::Streamless, Some(s(2)), true),
            (Wait::Streams, None, true),
            (Wait::Finishing, Some(s(5)), false),
            (Wait::Closing, Some(s(4)), false),
        ];
        #[cfg(feature = "tls")]
        {
            let mut tls = crate::TlsConfig::from_pem_files("cert.pem", "key.pem");
            tls.handshake_timeout = s(6);
            let config = Config {
                tls: Some(tls),
                ..config.clone()
            };
            assert_eq!(Wait::TlsHandshake.timeout(&config), Some(s(6)));
            assert!(Wait::TlsHandshake.drainable());
        }
        for (wait, timeout, drainable) in table {
            assert_eq!(wait.timeout(&config), timeout, "{wait:?}");
            assert_eq!(wait.drainable(), drainable, "{wait:?}");
        }
    }
}
