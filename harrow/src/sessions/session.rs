//! `Session`: the request's session, loaded when a handler first asks for
//! it, and what the layer does with it once the response is made.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use http::HeaderMap;
use http::request::Parts;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::SessionError;
use super::store::{DynStore, Record, unix_now};
use crate::context::RequestContext;
use crate::cookies::{Key, PrivateCookieJar};
use crate::extract::{FromRequestParts, RequiredState};

/// The session of the request: values kept between a client's requests,
/// in a [store](super::SessionStore), under a random id carried by an
/// encrypted cookie.
///
/// Take it as a handler argument; it needs the [`Sessions`](super::Sessions)
/// layer around the route (else a 500, logged) and a
/// [`Key`](crate::cookies::Key) in the app's state (else the app does not
/// start). Reading and writing values is synchronous: the store is read
/// once, when the extractor runs, and written once, after the handler, only
/// when something changed (or the expiry needs moving).
///
/// ```
/// use harrow::sessions::Session;
/// use harrow::{Error, Json};
///
/// async fn login(session: Session, Json(name): Json<String>) -> Result<&'static str, Error> {
///     session.renew(); // a new id when the privilege changes
///     session.insert("user", name)?;
///     Ok("welcome")
/// }
///
/// async fn me(session: Session) -> Result<String, Error> {
///     let user: Option<String> = session.get("user")?;
///     Ok(user.unwrap_or_else(|| "nobody".into()))
/// }
/// # let _ = harrow::App::new().post("/login", login).get("/me", me);
/// ```
///
/// It is a cheap handle: clones share the same session, and it may be held
/// across awaits.
#[derive(Clone)]
pub struct Session {
    inner: Arc<Mutex<Inner>>,
}

struct Inner {
    store: Arc<dyn DynStore>,
    ttl: Duration,
    max_size: usize,
    state: State,
}

enum State {
    /// Not read yet: what is needed to read it.
    Pending {
        cookies: HeaderMap,
        key: Key,
        name: String,
    },
    Loaded(Loaded),
}

struct Loaded {
    record: Record,
    /// It came from the store (rather than being new).
    existed: bool,
    /// The request's cookie named no session (expired, revoked, stale).
    stale_cookie: bool,
    changed: bool,
    destroyed: bool,
    /// The id it had before [`Session::renew`], to delete.
    renewed_from: Option<String>,
}

/// What the layer sends once the response is made.
pub(crate) enum Outcome {
    /// No cookie to change.
    Nothing,
    /// Set the session cookie to this value.
    Set(String),
    /// Make the client drop the session cookie.
    Remove,
}

impl Session {
    /// A session not read yet: the request's cookie headers, the key that
    /// opens the session cookie, and its name.
    pub(crate) fn pending(
        store: Arc<dyn DynStore>,
        ttl: Duration,
        max_size: usize,
        cookies: HeaderMap,
        key: Key,
        name: String,
    ) -> Session {
        Session {
            inner: Arc::new(Mutex::new(Inner {
                store,
                ttl,
                max_size,
                state: State::Pending { cookies, key, name },
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads the session from the store, once.
    pub(crate) async fn load(&self) -> Result<(), SessionError> {
        let (store, ttl, value) = {
            let inner = self.lock();
            let State::Pending { cookies, key, name } = &inner.state else {
                return Ok(());
            };
            let jar = PrivateCookieJar::from_headers(cookies, key.clone());
            let value = jar.get(name).map(|c| c.value().to_owned());
            (inner.store.clone(), inner.ttl, value)
        };
        let now = unix_now();
        let found = match &value {
            Some(value) => store.load(value).await.map_err(SessionError::Store)?,
            None => None,
        };
        let loaded = match found {
            Some(record) if !record.expired_at(now) => Loaded {
                record,
                existed: true,
                stale_cookie: false,
                changed: false,
                destroyed: false,
                renewed_from: None,
            },
            expired => {
                if let Some(old) = expired
                    && let Err(e) = store.delete(&old.id).await
                {
                    tracing::warn!("cannot delete an expired session: {e}");
                }
                Loaded {
                    record: Record::fresh(now + ttl.as_secs()).map_err(SessionError::Store)?,
                    existed: false,
                    stale_cookie: value.is_some(),
                    changed: false,
                    destroyed: false,
                    renewed_from: None,
                }
            }
        };
        let mut inner = self.lock();
        if let State::Pending { .. } = inner.state {
            inner.state = State::Loaded(loaded);
        }
        Ok(())
    }

    /// Runs `f` on the loaded session. The extractor loads it before
    /// handing it out, so it is always loaded here.
    fn with<T>(&self, f: impl FnOnce(&mut Loaded, usize) -> T) -> T {
        let mut inner = self.lock();
        let max_size = inner.max_size;
        match &mut inner.state {
            State::Loaded(loaded) => f(loaded, max_size),
            State::Pending { .. } => panic!("a Session is handed out only once loaded"),
        }
    }

    /// The session's id (new sessions have one too; it reaches the client
    /// only once the session holds something).
    pub fn id(&self) -> String {
        self.with(|l, _| l.record.id.clone())
    }

    /// Whether the session is new: the request named no live session.
    pub fn is_new(&self) -> bool {
        self.with(|l, _| !l.existed)
    }

    /// The value under `key`, `None` when there is none; an error when it
    /// does not deserialize as `T`.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, SessionError> {
        let value = self.with(|l, _| l.record.data.get(key).cloned());
        match value {
            None => Ok(None),
            Some(value) => {
                serde_json::from_value(value)
                    .map(Some)
                    .map_err(|e| SessionError::Value {
                        key: key.to_owned(),
                        message: e.to_string(),
                    })
            }
        }
    }

    /// Puts `value` under `key`, replacing what was there. Fails, changing
    /// nothing, when the value does not serialize or the session would pass
    /// its size limit.
    pub fn insert(&self, key: &str, value: impl Serialize) -> Result<(), SessionError> {
        let value = serde_json::to_value(value).map_err(|e| SessionError::Value {
            key: key.to_owned(),
            message: e.to_string(),
        })?;
        self.with(|l, limit| {
            let before = l.record.data.insert(key.to_owned(), value);
            let size = l.record.to_json().len();
            if size > limit {
                match before {
                    Some(old) => l.record.data.insert(key.to_owned(), old),
                    None => l.record.data.remove(key),
                };
                return Err(SessionError::TooLarge { size, limit });
            }
            l.changed = true;
            Ok(())
        })
    }

    /// Removes the value under `key`; whether there was one.
    pub fn remove(&self, key: &str) -> bool {
        self.with(|l, _| {
            let removed = l.record.data.remove(key).is_some();
            l.changed |= removed;
            removed
        })
    }

    /// Removes every value; the session itself stays.
    pub fn clear(&self) {
        self.with(|l, _| {
            l.changed |= !l.record.data.is_empty();
            l.record.data.clear();
        });
    }

    /// Gives the session a new id, keeping its values; the old id stops
    /// naming it. Call it when the privilege changes (on login), so that an
    /// id an attacker planted before (session fixation) is worth nothing
    /// after.
    pub fn renew(&self) {
        self.with(|l, _| match Record::fresh(l.record.expires) {
            Ok(fresh) => {
                let old = std::mem::replace(&mut l.record.id, fresh.id);
                if l.existed && l.renewed_from.is_none() {
                    l.renewed_from = Some(old);
                }
                l.changed = true;
            }
            Err(e) => tracing::error!("cannot make a new session id: {e}"),
        });
    }

    /// Ends the session (logout): the store forgets it and the client drops
    /// its cookie.
    pub fn destroy(&self) {
        self.with(|l, _| {
            l.destroyed = true;
            l.record.data.clear();
        });
    }

    /// Writes what changed to the store, once the response is made, and
    /// says what to do with the cookie.
    pub(crate) async fn commit(&self) -> Result<Outcome, SessionError> {
        let now = unix_now();
        let (store, record, delete, keep, stale) = {
            let mut inner = self.lock();
            let (store, ttl) = (inner.store.clone(), inner.ttl);
            let State::Loaded(l) = &mut inner.state else {
                return Ok(Outcome::Nothing);
            };
            let mut delete: Vec<String> = l.renewed_from.take().into_iter().collect();
            if l.destroyed && l.existed {
                delete.push(l.record.id.clone());
            }
            let half_spent = l.record.expires.saturating_sub(now) < ttl.as_secs() / 2;
            let keep = !l.destroyed
                && (l.existed || !l.record.data.is_empty())
                && (l.changed || half_spent);
            if keep {
                l.record.expires = now + ttl.as_secs();
            }
            let stale = l.stale_cookie || (l.destroyed && l.existed);
            l.changed = false;
            (store, l.record.clone(), delete, keep, stale)
        };
        for id in &delete {
            store.delete(id).await.map_err(SessionError::Store)?;
        }
        if keep {
            let value = store.save(&record).await.map_err(SessionError::Store)?;
            return Ok(Outcome::Set(value));
        }
        Ok(if stale {
            Outcome::Remove
        } else {
            Outcome::Nothing
        })
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.lock();
        let mut s = f.debug_struct("Session");
        if let State::Loaded(l) = &inner.state {
            s.field("id", &l.record.id)
                .field("keys", &l.record.data.len());
        }
        s.finish_non_exhaustive()
    }
}

/// The request's session, read from the store; 500 (logged) when the
/// [`Sessions`](super::Sessions) layer is missing or the store fails.
impl FromRequestParts for Session {
    type Rejection = SessionError;

    fn required_state(required: &mut RequiredState) {
        required.add::<Key>();
    }

    async fn from_request_parts(
        parts: &mut Parts,
        _cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        let session = parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or(SessionError::NoLayer)?;
        session.load().await?;
        Ok(session)
    }
}
