//! `Sessions`: the middleware that gives each request its session and
//! writes it back after the handler.

use std::sync::Arc;
use std::time::Duration;

use http::HeaderMap;
use http::header::COOKIE;

use super::session::{Outcome, Session};
use super::store::{DynStore, SessionStore};
use crate::cookies::{Cookie, Key, PrivateCookieJar, SameSite};
use crate::middleware::{Middleware, Next};
use crate::request::Request;
use crate::response::{IntoResponse, IntoResponseHeaders, Response};

/// The middleware that makes [`Session`] work on the routes it wraps.
///
/// Per request it only notes the request's cookies: the store is read
/// when a handler takes a `Session`, and written after the response only
/// when the session changed, was renewed or destroyed, or has spent half of
/// its lifetime (so an active session keeps going while an idle one
/// expires). The session cookie is a private cookie, encrypted with the
/// [`Key`] in the app's state: `HttpOnly`, `SameSite=Lax`, `Secure`,
/// `Path=/`, and a `Max-Age` of the session's lifetime.
///
/// ```
/// use std::sync::LazyLock;
/// use harrow::cookies::Key;
/// use harrow::sessions::{CookieStore, Session, Sessions};
/// use harrow::{App, Error};
///
/// static KEY: LazyLock<Key> = LazyLock::new(Key::generate); // load it in production
///
/// async fn count(session: Session) -> Result<String, Error> {
///     let n: u32 = session.get("n")?.unwrap_or(0) + 1;
///     session.insert("n", n)?;
///     Ok(format!("visit {n}"))
/// }
///
/// fn app() -> App {
///     App::new()
///         .state(KEY.clone())
///         .get("/", count)
///         .layer(Sessions::new(CookieStore::new()).ttl(std::time::Duration::from_secs(3600)))
/// }
/// # assert!(app().into_service().is_ok());
/// ```
///
/// If the store fails when the session is written, the response becomes a
/// 500 (logged): a login that could not be kept must not look like it
/// worked.
#[derive(Clone)]
pub struct Sessions {
    store: Arc<dyn DynStore>,
    ttl: Duration,
    max_size: usize,
    cookie: CookieSettings,
}

#[derive(Clone, Debug)]
struct CookieSettings {
    name: String,
    path: String,
    domain: Option<String>,
    secure: bool,
    same_site: SameSite,
}

impl Sessions {
    /// Sessions kept in `store`, lasting 24 hours from their last change,
    /// in a cookie named `session`.
    pub fn new(store: impl SessionStore) -> Self {
        let max_size = store.max_size();
        Sessions {
            store: Arc::new(store),
            ttl: Duration::from_secs(24 * 60 * 60),
            max_size,
            cookie: CookieSettings {
                name: "session".to_owned(),
                path: "/".to_owned(),
                domain: None,
                secure: true,
                same_site: SameSite::Lax,
            },
        }
    }

    /// How long a session lasts after it was last written (at least one
    /// second). It is written when it changes, and when half of this has
    /// passed since, so a session in use does not expire.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl.max(Duration::from_secs(1));
        self
    }

    /// The most bytes a session may take, below the store's own limit.
    pub fn max_size(mut self, bytes: usize) -> Self {
        self.max_size = bytes.min(self.store.max_size());
        self
    }

    /// The session cookie's name (default `session`).
    pub fn cookie_name(mut self, name: impl Into<String>) -> Self {
        self.cookie.name = name.into();
        self
    }

    /// The session cookie's `Path` (default `/`).
    pub fn cookie_path(mut self, path: impl Into<String>) -> Self {
        self.cookie.path = path.into();
        self
    }

    /// The session cookie's `Domain` (default none: this host only).
    pub fn cookie_domain(mut self, domain: impl Into<String>) -> Self {
        self.cookie.domain = Some(domain.into());
        self
    }

    /// Whether the session cookie is `Secure` (default yes). Turn it off
    /// only for a site served over plain HTTP other than `localhost`.
    pub fn secure(mut self, secure: bool) -> Self {
        self.cookie.secure = secure;
        self
    }

    /// The session cookie's `SameSite` (default `Lax`).
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.cookie.same_site = same_site;
        self
    }

    /// The session cookie with `value`, as it is set and removed.
    fn cookie(&self, value: String) -> Cookie<'static> {
        let settings = &self.cookie;
        let mut cookie = Cookie::build((settings.name.clone(), value))
            .path(settings.path.clone())
            .secure(settings.secure)
            .http_only(true)
            .same_site(settings.same_site);
        if let Some(domain) = &settings.domain {
            cookie = cookie.domain(domain.clone());
        }
        cookie.build()
    }
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions")
            .field("ttl", &self.ttl)
            .field("max_size", &self.max_size)
            .field("cookie", &self.cookie)
            .finish_non_exhaustive()
    }
}

impl Middleware for Sessions {
    async fn call(&self, mut req: Request, next: Next) -> Response {
        // Without a key no handler can take a Session (the app would not
        // have started), so there is nothing to do.
        let Some(key) = next.context().state::<Key>() else {
            return next.run(req).await;
        };
        let mut cookies = HeaderMap::new();
        for value in req.headers().get_all(COOKIE) {
            cookies.append(COOKIE, value.clone());
        }
        let session = Session::pending(
            self.store.clone(),
            self.ttl,
            self.max_size,
            cookies.clone(),
            key.clone(),
            self.cookie.name.clone(),
        );
        req.extensions_mut().insert(session.clone());
        let mut res = next.run(req).await;
        let jar = PrivateCookieJar::from_headers(&cookies, key);
        let jar = match session.commit().await {
            Ok(Outcome::Nothing) => return res,
            Ok(Outcome::Set(value)) => {
                let max_age = crate::cookies::time::Duration::seconds(
                    i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX),
                );
                let mut cookie = self.cookie(value);
                cookie.set_max_age(max_age);
                jar.add(cookie)
            }
            Ok(Outcome::Remove) => jar.remove(self.cookie(String::new())),
            Err(e) => return e.into_response(),
        };
        match jar.apply(res.headers_mut()) {
            Ok(()) => res,
            Err(e) => e.into_response(),
        }
    }
}
