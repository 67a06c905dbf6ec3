//! Server configuration: every knob with a documented default.

#[cfg(feature = "config-serde")]
mod deserialize;
mod text;

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

/// Why HTTP/2 settings are refused when the crate was built without it.
const NO_HTTP2: &str =
    "needs the `http2` cargo feature of `harrow` (or `harrow-server`), which this build leaves out";

/// Why TLS settings are refused when the crate was built without it.
#[cfg(not(feature = "tls"))]
pub(crate) const NO_TLS: &str =
    "needs the `tls` cargo feature of `harrow` (or `harrow-server`), which this build leaves out";

/// Which IO driver the workers run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Driver {
    /// io_uring when the kernel allows it, otherwise epoll with one warning.
    #[default]
    Auto,
    /// io_uring only; starting fails with an explanation when it is refused.
    IoUring,
    /// epoll (monoio's legacy driver) even where io_uring works.
    Epoll,
}

impl fmt::Display for Driver {
    /// `auto`, `io_uring` or `epoll`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Driver::Auto => "auto",
            Driver::IoUring => "io_uring",
            Driver::Epoll => "epoll",
        })
    }
}

/// Which HTTP versions a listener accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocols {
    /// HTTP/1.1, plus HTTP/2 with prior knowledge when `enable_http2` is set.
    #[default]
    Auto,
    /// HTTP/1.x only, whatever `enable_http2` says.
    Http1Only,
    /// HTTP/2 with prior knowledge only; HTTP/1 connections are closed.
    Http2Only,
}

/// The server's settings. Build it with [`Config::default`] and change
/// fields, set one from its text form with [`Config::set`], or, with the
/// `config-serde` feature, deserialize it from a file (any serde format):
/// each field in its text form (`"5s"`, `"off"`, `"2MiB"`, `"epoll"`) or as
/// a number or boolean, the fields left out keeping their defaults, an
/// unknown field refused, and the whole checked with [`Config::validate`].
///
/// ```
/// use std::time::Duration;
/// let config = harrow_server::Config {
///     workers: Some(2),
///     header_read_timeout: Some(Duration::from_secs(2)),
///     ..Default::default()
/// };
/// assert!(config.validate().is_ok());
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    /// Connections open at once, over all workers; each worker gets
    /// `ceil(max_connections / workers)`. Default 8192.
    pub max_connections: usize,
    /// Concurrent streams per HTTP/2 connection. Default 256.
    pub max_h2_streams: u32,
    /// Worker threads, each with its own runtime and listener.
    /// `None` (the default) means the machine's available parallelism.
    pub workers: Option<usize>,
    /// A request's whole head must arrive within this, counted from its
    /// first byte (or from the end of the previous response). Default 5 s.
    pub header_read_timeout: Option<Duration>,
    /// The whole body must arrive within this once the head is in. Default 30 s.
    pub body_read_timeout: Option<Duration>,
    /// The longest life of one connection. Default 300 s.
    pub connection_timeout: Option<Duration>,
    /// How long a keep-alive connection may sit idle between requests.
    /// Default 60 s.
    pub keep_alive_timeout: Option<Duration>,
    /// Each write of a response must finish within this: a response held
    /// in one buffer, or each chunk of a streamed body (each wait for room,
    /// for a file the kernel sends); a client that stops reading is cut
    /// off. `connection_timeout` bounds the whole. Default 30 s.
    pub write_timeout: Option<Duration>,
    /// How long shutdown waits for in-flight requests. Default 30 s.
    pub drain_timeout: Duration,
    /// Accept HTTP/2 with prior knowledge (h2c) on the same port. Default false.
    pub enable_http2: bool,
    /// Restrict the listener to one HTTP version. Default [`Protocols::Auto`].
    pub protocols: Protocols,
    /// The largest request head (request line and headers) in bytes,
    /// answered 431 beyond. Default 16 KiB.
    pub max_head_size: usize,
    /// The most request headers, answered 431 beyond. Default 100.
    pub max_headers: usize,
    /// The longest request target in bytes, answered 414 beyond. Default 8 KiB.
    pub max_uri_len: usize,
    /// The largest request body in bytes, answered 413 beyond. Default 2 MiB.
    pub max_body_size: u64,
    /// The largest HTTP/2 header list (decoded), in bytes. Default 16 KiB.
    pub max_h2_header_list_size: u32,
    /// The largest HTTP/2 frame payload we accept. Default 16 KiB.
    pub max_h2_frame_size: u32,
    /// HTTP/2 stream receive window in bytes. Default 1 MiB.
    pub h2_stream_window: u32,
    /// HTTP/2 connection receive window in bytes. Default 4 MiB.
    pub h2_connection_window: u32,
    /// Which IO driver to use. Default [`Driver::Auto`].
    pub driver: Driver,
    /// Size of each pooled read buffer. Default 8 KiB.
    pub read_buffer_size: usize,
    /// io_uring submission queue entries per worker. Default 1024.
    pub uring_entries: u32,
    /// With io_uring, a kernel thread per worker polls the submission queue
    /// (`SQPOLL`) and sleeps after this long without work: fewer system
    /// calls under load, at the cost of a second busy thread per worker.
    /// Default `None` (off).
    pub uring_sqpoll: Option<Duration>,
    /// Emit a `tracing` span per request. Default false.
    pub request_span: bool,
    /// Drain on SIGINT or SIGTERM, listening for them from before the first
    /// worker starts (a second signal ends the process at once). Default
    /// false; [`run`](crate::run) turns it on.
    pub handle_signals: bool,
    /// Serve HTTPS with this certificate and key instead of plain HTTP.
    /// Default `None`. With the `tls` feature.
    #[cfg(feature = "tls")]
    pub tls: Option<crate::TlsConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_connections: 8192,
            max_h2_streams: 256,
            workers: None,
            header_read_timeout: Some(Duration::from_secs(5)),
            body_read_timeout: Some(Duration::from_secs(30)),
            connection_timeout: Some(Duration::from_secs(300)),
            keep_alive_timeout: Some(Duration::from_secs(60)),
            write_timeout: Some(Duration::from_secs(30)),
            drain_timeout: Duration::from_secs(30),
            enable_http2: false,
            protocols: Protocols::Auto,
            max_head_size: 16 * 1024,
            max_headers: 100,
            max_uri_len: 8 * 1024,
            max_body_size: 2 * 1024 * 1024,
            max_h2_header_list_size: 16 * 1024,
            max_h2_frame_size: 16 * 1024,
            h2_stream_window: 1024 * 1024,
            h2_connection_window: 4 * 1024 * 1024,
            driver: Driver::Auto,
            read_buffer_size: 8 * 1024,
            uring_entries: 1024,
            uring_sqpoll: None,
            request_span: false,
            handle_signals: false,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }
}

/// A setting that cannot work, with the field's name and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    field: Cow<'static, str>,
    reason: String,
}

impl ConfigError {
    pub(crate) fn new(field: impl Into<Cow<'static, str>>, reason: impl Into<String>) -> Self {
        ConfigError {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The name of the offending field.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// What is wrong with it, as in `must be at most 1024`.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid server configuration: `{}` {}",
            self.field, self.reason
        )
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Checks every field; the first bad one is returned as a readable error.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_connections == 0 {
            return Err(ConfigError::new("max_connections", "must be at least 1"));
        }
        if self.workers == Some(0) {
            return Err(ConfigError::new("workers", "must be at least 1"));
        }
        if self.workers.is_some_and(|w| w > 1024) {
            return Err(ConfigError::new("workers", "must be at most 1024"));
        }
        if self.max_h2_streams == 0 {
            return Err(ConfigError::new("max_h2_streams", "must be at least 1"));
        }
        let timeouts = [
            ("header_read_timeout", self.header_read_timeout),
            ("body_read_timeout", self.body_read_timeout),
            ("connection_timeout", self.connection_timeout),
            ("keep_alive_timeout", self.keep_alive_timeout),
            ("write_timeout", self.write_timeout),
        ];
        for (field, t) in timeouts {
            if t == Some(Duration::ZERO) {
                return Err(ConfigError::new(
                    field,
                    "must be above zero (use None to disable it)",
                ));
            }
        }
        if self.max_head_size < 256 {
            return Err(ConfigError::new(
                "max_head_size",
                "must be at least 256 bytes",
            ));
        }
        if self.max_headers == 0 {
            return Err(ConfigError::new("max_headers", "must be at least 1"));
        }
        if self.max_uri_len == 0 {
            return Err(ConfigError::new("max_uri_len", "must be at least 1"));
        }
        if self.read_buffer_size < 512 {
            return Err(ConfigError::new(
                "read_buffer_size",
                "must be at least 512 bytes",
            ));
        }
        if !(16_384..=16_777_215).contains(&self.max_h2_frame_size) {
            return Err(ConfigError::new(
                "max_h2_frame_size",
                "must be between 16384 and 16777215 (RFC 9113 §6.5.2)",
            ));
        }
        if self.h2_stream_window == 0 || self.h2_stream_window > i32::MAX as u32 {
            return Err(ConfigError::new(
                "h2_stream_window",
                "must be between 1 and 2^31-1",
            ));
        }
        if self.h2_connection_window == 0 || self.h2_connection_window > i32::MAX as u32 {
            return Err(ConfigError::new(
                "h2_connection_window",
                "must be between 1 and 2^31-1",
            ));
        }
        if self.uring_sqpoll == Some(Duration::ZERO) {
            return Err(ConfigError::new(
                "uring_sqpoll",
                "must be above zero (use None to turn it off)",
            ));
        }
        if !self.uring_entries.is_power_of_two() || self.uring_entries < 8 {
            return Err(ConfigError::new(
                "uring_entries",
                "must be a power of two, at least 8",
            ));
        }
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.tls {
            tls.validate()
                .map_err(|(field, reason)| ConfigError::new(field, reason))?;
        }
        if !cfg!(feature = "http2") {
            if self.protocols == Protocols::Http2Only {
                return Err(ConfigError::new("protocols", NO_HTTP2));
            }
            if self.enable_http2 && self.protocols == Protocols::Auto {
                return Err(ConfigError::new("enable_http2", NO_HTTP2));
            }
        }
        Ok(())
    }

    /// The number of workers this configuration starts.
    pub fn worker_count(&self) -> usize {
        self.workers.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
    }

    /// Each worker's share of `max_connections`.
    pub fn connections_per_worker(&self) -> usize {
        self.max_connections.div_ceil(self.worker_count())
    }

    /// Whether HTTP/2 connections are served.
    pub(crate) fn http2_enabled(&self) -> bool {
        cfg!(feature = "http2")
            && match self.protocols {
                Protocols::Auto => self.enable_http2,
                Protocols::Http1Only => false,
                Protocols::Http2Only => true,
            }
    }

    /// Whether HTTP/1 connections are served.
    pub(crate) fn http1_enabled(&self) -> bool {
        self.protocols != Protocols::Http2Only
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http2_settings_follow_the_feature() {
        let on = Config {
            enable_http2: true,
            ..Config::default()
        };
        let only = Config {
            protocols: Protocols::Http2Only,
            ..Config::default()
        };
        let off_anyway = Config {
            enable_http2: true,
            protocols: Protocols::Http1Only,
            ..Config::default()
        };
        assert!(off_anyway.validate().is_ok());
        if cfg!(feature = "http2") {
            assert!(on.validate().is_ok());
            assert!(only.validate().is_ok());
        } else {
            let err = on.validate().unwrap_err();
            assert_eq!(err.field(), "enable_http2");
            assert!(err.to_string().contains("`http2` cargo feature"), "{err}");
            assert_eq!(only.validate().unwrap_err().field(), "protocols");
        }
    }

    #[test]
    fn defaults_are_valid() {
        Config::default().validate().unwrap();
    }

    #[test]
    fn bad_fields_are_named() {
        let cases: Vec<(Config, &str)> = vec![
            (
                Config {
                    workers: Some(0),
                    ..Default::default()
                },
                "workers",
            ),
            (
                Config {
                    max_connections: 0,
                    ..Default::default()
                },
                "max_connections",
            ),
            (
                Config {
                    header_read_timeout: Some(Duration::ZERO),
                    ..Default::default()
                },
                "header_read_timeout",
            ),
            (
                Config {
                    max_h2_frame_size: 10,
                    ..Default::default()
                },
                "max_h2_frame_size",
            ),
            (
                Config {
                    uring_entries: 100,
                    ..Default::default()
                },
                "uring_entries",
            ),
        ];
        for (config, field) in cases {
            let err = config.validate().unwrap_err();
            assert_eq!(err.field(), field);
            assert!(err.to_string().contains(field), "{err}");
        }
    }

    #[test]
    fn per_worker_share_rounds_up() {
        let c = Config {
            max_connections: 10,
            workers: Some(3),
            ..Default::default()
        };
        assert_eq!(c.connections_per_worker(), 4);
    }
}
