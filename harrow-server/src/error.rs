//! The server's error: opaque, with predicates for the cases callers act on.

use std::fmt;
use std::io;

use crate::config::ConfigError;

/// An error starting or running the server.
///
/// Match on it with the `is_*` predicates; its `Display` is one readable
/// line fit to print before exiting.
pub struct Error {
    kind: Kind,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    Config,
    Bind(String),
    IoUringUnavailable(String),
    WorkerStart(usize),
    StartTimeout(usize),
    WorkerPanic,
    Resolve(String),
    Signals,
    Tls,
}

impl Error {
    pub(crate) fn new(
        kind: Kind,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Error {
            kind,
            source: Some(source.into()),
        }
    }

    pub(crate) fn bare(kind: Kind) -> Self {
        Error { kind, source: None }
    }

    /// The same error, for the listener that redirects to HTTPS: a failed
    /// bind names the setting beside the address.
    #[cfg(feature = "tls")]
    pub(crate) fn redirecting(mut self) -> Self {
        if let Kind::Bind(addr) = &mut self.kind {
            addr.push_str(" (`tls_redirect_from`, the redirect to HTTPS)");
        }
        self
    }

    /// The configuration was invalid.
    pub fn is_config(&self) -> bool {
        self.kind == Kind::Config
    }

    /// The address could not be bound (in use, not permitted, not local).
    pub fn is_bind(&self) -> bool {
        matches!(self.kind, Kind::Bind(_))
    }

    /// io_uring was demanded but the kernel or a seccomp profile refused it.
    pub fn is_io_uring_unavailable(&self) -> bool {
        matches!(self.kind, Kind::IoUringUnavailable(_))
    }

    /// A worker failed to start, or to start in time.
    pub fn is_worker_start(&self) -> bool {
        matches!(self.kind, Kind::WorkerStart(_) | Kind::StartTimeout(_))
    }

    /// The TLS certificate, key or client CA file could not be used (the
    /// message names the file).
    pub fn is_tls(&self) -> bool {
        self.kind == Kind::Tls
    }

    /// The underlying IO error, when there is one.
    pub fn io_error(&self) -> Option<&io::Error> {
        self.source.as_ref()?.downcast_ref::<io::Error>()
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::new(Kind::Config, e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Config | Kind::Tls => {}
            Kind::Bind(addr) => write!(f, "cannot listen on {addr}")?,
            Kind::IoUringUnavailable(why) => write!(
                f,
                "io_uring was required (Driver::IoUring) but is not available: {why}; \
                 use Driver::Auto or Driver::Epoll, or allow io_uring \
                 (kernel 5.11 or newer, a seccomp profile that permits io_uring_setup, \
                 enough locked memory)"
            )?,
            Kind::WorkerStart(i) => write!(f, "worker {i} failed to start")?,
            Kind::StartTimeout(i) => write!(f, "worker {i} did not start in time")?,
            Kind::WorkerPanic => f.write_str("a worker thread panicked")?,
            Kind::Signals => f.write_str("cannot listen for SIGINT and SIGTERM")?,
            Kind::Resolve(why) if why.is_empty() => {
                f.write_str("cannot resolve the listen address")?
            }
            Kind::Resolve(why) => write!(f, "cannot resolve the listen address: {why}")?,
        }
        match (&self.kind, &self.source) {
            (Kind::Config | Kind::Tls, Some(s)) => write!(f, "{s}"),
            (_, Some(s)) => write!(f, ": {s}"),
            (_, None) => Ok(()),
        }
    }
}

/// `{:?}` is the readable message, so `fn main() -> Result<(), Error>`
/// prints one line; `{:#?}` shows the structure.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            f.debug_struct("Error")
                .field("kind", &self.kind)
                .field("source", &self.source)
                .finish()
        } else {
            fmt::Display::fmt(self, f)
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_the_message_and_alternate_debug_the_structure() {
        let err = Error::from(ConfigError::new("workers", "must be at most 1024"));
        let message = "invalid server configuration: `workers` must be at most 1024";
        assert_eq!(err.to_string(), message);
        assert_eq!(format!("{err:?}"), message);
        assert!(format!("{err:#?}").contains("kind: Config"), "{err:#?}");
    }
}
