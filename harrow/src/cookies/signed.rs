//! `SignedCookieJar`: cookies clients can read but not change.

use cookie::{Cookie, Key};
use http::HeaderMap;

/// A jar whose cookies are signed with the application's [`Key`]
/// (HMAC-SHA256): the client sees each value but cannot change it.
///
/// It reads the key from the app's state, so a handler that takes one makes
/// [`App::state`](crate::App::state) with a `Key` required at start.
/// [`get`](SignedCookieJar::get) returns only cookies whose signature
/// verifies; one that was changed, or signed with another key, is left out.
/// Return the jar beside the body to send what was added or removed, as with
/// [`CookieJar`](super::CookieJar).
///
/// ```
/// use harrow::cookies::{Cookie, Key, SignedCookieJar};
/// use harrow::test::TestClient;
/// use harrow::App;
///
/// async fn pick(jar: SignedCookieJar) -> (SignedCookieJar, &'static str) {
///     (jar.add(Cookie::new("plan", "free")), "picked")
/// }
/// async fn plan(jar: SignedCookieJar) -> String {
///     jar.get("plan").map_or("none".into(), |c| c.value().to_owned())
/// }
///
/// let app = App::new().state(Key::generate()).post("/pick", pick).get("/plan", plan);
/// let client = TestClient::new(app);
/// let set = client.post("/pick").send().header("set-cookie").unwrap().to_owned();
/// let sent = set.split(';').next().unwrap().to_owned();
/// assert_eq!(client.get("/plan").header("cookie", sent.as_str()).send().text(), "free");
/// let forged = "plan=pro";
/// assert_eq!(client.get("/plan").header("cookie", forged).send().text(), "none");
/// ```
#[derive(Clone)]
pub struct SignedCookieJar {
    jar: cookie::CookieJar,
    key: Key,
}

impl SignedCookieJar {
    /// The cookies of a request with these headers, verified with `key`.
    pub fn from_headers(headers: &HeaderMap, key: Key) -> Self {
        SignedCookieJar {
            jar: super::read(headers),
            key,
        }
    }

    /// The cookie named `name`, when its signature verifies; its value is
    /// the one that was signed.
    pub fn get(&self, name: &str) -> Option<Cookie<'static>> {
        self.jar.signed(&self.key).get(name)
    }

    /// Signs and adds `cookie`, with the
    /// [safe defaults](crate::cookies#safe-defaults) for the attributes it
    /// leaves unset.
    #[must_use = "return the jar with the response, or the cookie is not sent"]
    #[expect(
        clippy::should_implement_trait,
        reason = "the name cookie jars use; `jar + cookie` would read worse"
    )]
    pub fn add(mut self, cookie: impl Into<Cookie<'static>>) -> Self {
        self.jar
            .signed_mut(&self.key)
            .add(super::with_defaults(cookie));
        self
    }

    /// Removes the cookie: the response tells the client to forget it (see
    /// [`CookieJar::remove`](super::CookieJar::remove)).
    #[must_use = "return the jar with the response, or the removal is not sent"]
    pub fn remove(mut self, cookie: impl Into<Cookie<'static>>) -> Self {
        self.jar
            .signed_mut(&self.key)
            .remove(super::with_defaults(cookie));
        self
    }

    /// Every cookie whose signature verifies, with its signed value.
    pub fn iter(&self) -> impl Iterator<Item = Cookie<'static>> + '_ {
        let signed = self.jar.signed(&self.key);
        self.jar
            .iter()
            .filter_map(move |c| signed.verify(c.clone()))
    }
}

keyed_jar!(SignedCookieJar);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::IntoResponse;
    use http::header::{COOKIE, HeaderValue, SET_COOKIE};

    /// The `name=value` part of the jar's one `Set-Cookie` header.
    fn sent(jar: SignedCookieJar) -> String {
        let res = jar.into_response();
        let header = res.headers()[SET_COOKIE].to_str().expect("ASCII");
        header.split(';').next().expect("a pair").to_owned()
    }

    fn request_with(cookie: &str, key: &Key) -> SignedCookieJar {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_str(cookie).expect("a header"));
        SignedCookieJar::from_headers(&headers, key.clone())
    }

    #[test]
    fn signed_values_round_trip_and_tampering_is_left_out() {
        let key = Key::generate();
        let empty = SignedCookieJar::from_headers(&HeaderMap::new(), key.clone());
        let pair = sent(empty.add(("plan", "free")));
        assert!(
            pair.starts_with("plan=") && pair.ends_with("free"),
            "{pair}"
        );

        let jar = request_with(&pair, &key);
        assert_eq!(
            jar.get("plan").map(|c| c.value().to_owned()).as_deref(),
            Some("free")
        );
        assert_eq!(jar.iter().count(), 1);

        let forged = pair.replace("free", "gold");
        assert!(request_with(&forged, &key).get("plan").is_none());
        assert!(request_with("plan=free", &key).get("plan").is_none());
        let other = Key::generate();
        assert!(request_with(&pair, &other).get("plan").is_none());
        assert_eq!(request_with(&forged, &key).iter().count(), 0);
    }
}
