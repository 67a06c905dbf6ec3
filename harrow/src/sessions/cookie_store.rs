//! `CookieStore`: the whole session in its (encrypted) cookie.

use super::store::{Record, SessionStore, StoreError};

/// Keeps each session whole in its cookie, which the [`Sessions`](super::Sessions)
/// layer encrypts and authenticates with the app's key: nothing is stored
/// on the server, so any worker and any machine with the same key reads the
/// same session.
///
/// The price: a session holds at most about 2.5 KiB (a cookie holds 4 KiB,
/// and encryption and encoding take their share), and a session cannot be
/// revoked before it expires. [`Session::destroy`](super::Session::destroy)
/// and [`renew`](super::Session::renew) make the browser drop or replace
/// the cookie, but a copy taken before stays valid until its expiry. Use a
/// store on the server (`SqliteStore`, your own) when
/// sessions must be revocable or large.
#[derive(Debug, Clone, Copy, Default)]
pub struct CookieStore {
    _private: (),
}

impl CookieStore {
    /// The cookie store.
    pub fn new() -> Self {
        CookieStore::default()
    }
}

/// The most bytes of a record that still fits a 4 KiB cookie once
/// encrypted (a nonce and a tag added), base64-encoded and percent-encoded.
const MAX_RECORD: usize = 2600;

impl SessionStore for CookieStore {
    async fn load(&self, value: &str) -> Result<Option<Record>, StoreError> {
        // The value decrypted with the app's key, so it is one this store
        // wrote: one that does not parse came from an older format.
        Ok(Record::from_json(value).ok())
    }

    async fn save(&self, record: &Record) -> Result<String, StoreError> {
        Ok(record.to_json())
    }

    async fn delete(&self, _id: &str) -> Result<(), StoreError> {
        Ok(())
    }

    fn max_size(&self) -> usize {
        MAX_RECORD
    }
}
