//! The server's certificate, swappable while the server runs: every new
//! handshake takes the one in place, a reload replaces it, and connections
//! already open keep the one they started with.

use std::sync::{Arc, PoisonError, RwLock};

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// Hands rustls the current certificate for each handshake.
#[derive(Debug)]
pub(crate) struct Reloadable {
    current: RwLock<Arc<CertifiedKey>>,
}

impl Reloadable {
    /// A resolver that starts with `key`.
    pub(crate) fn new(key: Arc<CertifiedKey>) -> Self {
        Reloadable {
            current: RwLock::new(key),
        }
    }

    /// Puts `key` in place for the handshakes from now on.
    pub(crate) fn replace(&self, key: Arc<CertifiedKey>) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = key;
    }

    /// The certificate in place.
    pub(crate) fn current(&self) -> Arc<CertifiedKey> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl ResolvesServerCert for Reloadable {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}
