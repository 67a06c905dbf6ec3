//! Where sessions live: the [`SessionStore`] trait, the [`Record`] stores
//! keep, and the in-memory store.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

/// One session as a store keeps it: its id, its data, and when it expires.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// A random id (128 bits, in hex), new for each session and on
    /// [`Session::renew`](super::Session::renew).
    pub id: String,
    /// The values the handlers put in it.
    pub data: Map<String, Value>,
    /// When it expires, in seconds since the Unix epoch.
    pub expires: u64,
}

impl Record {
    /// A new, empty session with a fresh random id.
    pub(crate) fn fresh(expires: u64) -> Result<Record, StoreError> {
        Ok(Record {
            id: new_id()?,
            data: Map::new(),
            expires,
        })
    }

    /// The record as one JSON text: for stores that keep it whole.
    pub fn to_json(&self) -> String {
        let mut object = Map::new();
        object.insert("id".into(), Value::from(self.id.as_str()));
        object.insert("exp".into(), Value::from(self.expires));
        object.insert("data".into(), Value::Object(self.data.clone()));
        Value::Object(object).to_string()
    }

    /// The record [`to_json`](Record::to_json) wrote.
    pub fn from_json(text: &str) -> Result<Record, StoreError> {
        let bad = || StoreError::msg("a stored session is not a session record");
        let Value::Object(mut object) =
            serde_json::from_str::<Value>(text).map_err(StoreError::new)?
        else {
            return Err(bad());
        };
        let id = match object.remove("id") {
            Some(Value::String(id)) => id,
            _ => return Err(bad()),
        };
        let expires = object.get("exp").and_then(Value::as_u64).ok_or_else(bad)?;
        let data = match object.remove("data") {
            Some(Value::Object(data)) => data,
            _ => return Err(bad()),
        };
        Ok(Record { id, data, expires })
    }

    /// Whether it has expired at `now` (seconds since the epoch).
    pub(crate) fn expired_at(&self, now: u64) -> bool {
        self.expires <= now
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

/// 128 random bits from the system's generator, in hex.
fn new_id() -> Result<String, StoreError> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(StoreError::new)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Where sessions are kept. The session cookie carries what
/// [`save`](SessionStore::save) returns, encrypted with the app's key, and
/// the next request hands it back to [`load`](SessionStore::load).
///
/// Built in: [`CookieStore`](super::CookieStore) (the whole session in the
/// cookie: nothing kept on the server), [`MemoryStore`] (one process), and
/// with the `sessions-sqlite` feature `SqliteStore` (a database file every
/// worker and process shares, so sessions can be revoked). A store is shared
/// by all workers, so it is `Send + Sync`; its futures need not be `Send`,
/// and may use [`rt::spawn_blocking`](crate::rt::spawn_blocking) or, with
/// the `tokio` feature, the tokio bridge (`harrow::tokio::run`) for a
/// database client.
pub trait SessionStore: Send + Sync + 'static {
    /// The session the cookie's `value` names, or `None` when there is no
    /// such session (the handler then sees a new, empty one). The caller
    /// checks the expiry.
    fn load(&self, value: &str) -> impl Future<Output = Result<Option<Record>, StoreError>>;

    /// Keeps `record` (replacing one of the same id) and returns the value
    /// for the cookie.
    fn save(&self, record: &Record) -> impl Future<Output = Result<String, StoreError>>;

    /// Forgets the session with this id (logout, renewal, expiry). A store
    /// that keeps nothing (the cookie store) has nothing to do.
    fn delete(&self, id: &str) -> impl Future<Output = Result<(), StoreError>>;

    /// The most bytes a record may take as [`Record::to_json`] writes it;
    /// [`Session::insert`](super::Session::insert) refuses values past it.
    fn max_size(&self) -> usize {
        64 * 1024
    }
}

/// A boxed, not necessarily `Send`, future.
type LocalFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// [`SessionStore`] as a trait object, for the session handle.
pub(crate) trait DynStore: Send + Sync {
    fn load<'a>(&'a self, value: &'a str) -> LocalFuture<'a, Result<Option<Record>, StoreError>>;
    fn save<'a>(&'a self, record: &'a Record) -> LocalFuture<'a, Result<String, StoreError>>;
    fn delete<'a>(&'a self, id: &'a str) -> LocalFuture<'a, Result<(), StoreError>>;
    fn max_size(&self) -> usize;
}

impl<S: SessionStore> DynStore for S {
    fn load<'a>(&'a self, value: &'a str) -> LocalFuture<'a, Result<Option<Record>, StoreError>> {
        Box::pin(SessionStore::load(self, value))
    }

    fn save<'a>(&'a self, record: &'a Record) -> LocalFuture<'a, Result<String, StoreError>> {
        Box::pin(SessionStore::save(self, record))
    }

    fn delete<'a>(&'a self, id: &'a str) -> LocalFuture<'a, Result<(), StoreError>> {
        Box::pin(SessionStore::delete(self, id))
    }

    fn max_size(&self) -> usize {
        SessionStore::max_size(self)
    }
}

/// A store that failed: the database is unreachable, a record does not
/// parse.
pub struct StoreError(Box<dyn std::error::Error + Send + Sync>);

impl StoreError {
    /// Wraps the store's own error.
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        StoreError(error.into())
    }

    /// An error that is only a message.
    pub fn msg(message: impl Into<String>) -> Self {
        StoreError(message.into().into())
    }
}

impl fmt::Debug for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("StoreError").field(&self.0).finish()
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "session store: {}", self.0)
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}

/// Sessions in this process's memory, shared by its workers: for tests and
/// single-process services. They are lost when the process ends, and
/// another process does not see them. Expired sessions are dropped when
/// read; [`MemoryStore::remove_expired`] drops the rest.
#[derive(Clone, Default)]
pub struct MemoryStore {
    records: Arc<Mutex<HashMap<String, Record>>>,
}

impl MemoryStore {
    /// An empty store. Create it outside the app factory and clone it in,
    /// so that every worker shares it.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    /// How many sessions it holds.
    pub fn len(&self) -> usize {
        self.records().len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the expired sessions.
    pub fn remove_expired(&self) {
        let now = unix_now();
        self.records().retain(|_, r| !r.expired_at(now));
    }

    fn records(&self) -> std::sync::MutexGuard<'_, HashMap<String, Record>> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("sessions", &self.len())
            .finish()
    }
}

impl SessionStore for MemoryStore {
    async fn load(&self, value: &str) -> Result<Option<Record>, StoreError> {
        Ok(self.records().get(value).cloned())
    }

    async fn save(&self, record: &Record) -> Result<String, StoreError> {
        self.records().insert(record.id.clone(), record.clone());
        Ok(record.id.clone())
    }

    async fn delete(&self, id: &str) -> Result<(), StoreError> {
        self.records().remove(id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_as_json() {
        let mut record = Record::fresh(1_700_000_000).expect("an id");
        assert_eq!(record.id.len(), 32);
        record.data.insert("user".into(), Value::from("ann"));
        record.data.insert("n".into(), Value::from(3));
        let text = record.to_json();
        assert_eq!(Record::from_json(&text).expect("a record"), record);
        for bad in ["", "[]", "{\"id\":1}", "{\"id\":\"a\",\"exp\":1}"] {
            assert!(Record::from_json(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ids_differ() {
        let a = Record::fresh(0).expect("an id");
        let b = Record::fresh(0).expect("an id");
        assert_ne!(a.id, b.id);
    }
}
