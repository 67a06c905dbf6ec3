//! `PrivateCookieJar`: cookies clients can neither read nor change.

use cookie::{Cookie, Key};
use http::HeaderMap;

/// A jar whose cookies are encrypted with the application's [`Key`]
/// (AES-256-GCM, which also authenticates): the client can neither read nor
/// change a value, nor move it to a cookie of another name.
///
/// It reads the key from the app's state, so a handler that takes one makes
/// [`App::state`](crate::App::state) with a `Key` required at start.
/// [`get`](PrivateCookieJar::get) returns only cookies that decrypt; one
/// that was changed, or encrypted with another key, is left out.
/// Return the jar beside the body to send what was added or removed, as with
/// [`CookieJar`](super::CookieJar).
///
/// ```
/// use harrow::cookies::{Cookie, Key, PrivateCookieJar};
/// use harrow::test::TestClient;
/// use harrow::App;
///
/// async fn pick(jar: PrivateCookieJar) -> (PrivateCookieJar, &'static str) {
///     (jar.add(Cookie::new("plan", "free")), "picked")
/// }
/// // The client sees `plan=<nonce and cipher text>`, never "free".
/// async fn plan(jar: PrivateCookieJar) -> String {
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
pub struct PrivateCookieJar {
    jar: cookie::CookieJar,
    key: Key,
}

impl PrivateCookieJar {
    /// The cookies of a request with these headers, decrypted with `key`.
    pub fn from_headers(headers: &HeaderMap, key: Key) -> Self {
        PrivateCookieJar {
            jar: super::read(headers),
            key,
        }
    }

    /// The cookie named `name`, when it decrypts; its value is the clear
    /// text.
    pub fn get(&self, name: &str) -> Option<Cookie<'static>> {
        self.jar.private(&self.key).get(name)
    }

    /// Encrypts and adds `cookie`, with the
    /// [safe defaults](crate::cookies#safe-defaults) for the attributes it
    /// leaves unset.
    #[must_use = "return the jar with the response, or the cookie is not sent"]
    #[expect(
        clippy::should_implement_trait,
        reason = "the name cookie jars use; `jar + cookie` would read worse"
    )]
    pub fn add(mut self, cookie: impl Into<Cookie<'static>>) -> Self {
        self.jar
            .private_mut(&self.key)
            .add(super::with_defaults(cookie));
        self
    }

    /// Removes the cookie: the response tells the client to forget it (see
    /// [`CookieJar::remove`](super::CookieJar::remove)).
    #[must_use = "return the jar with the response, or the removal is not sent"]
    pub fn remove(mut self, cookie: impl Into<Cookie<'static>>) -> Self {
        self.jar
            .private_mut(&self.key)
            .remove(super::with_defaults(cookie));
        self
    }

    /// Every cookie that decrypts, with its clear value.
    pub fn iter(&self) -> impl Iterator<Item = Cookie<'static>> + '_ {
        let private = self.jar.private(&self.key);
        self.jar
            .iter()
            .filter_map(move |c| private.decrypt(c.clone()))
    }
}

keyed_jar!(PrivateCookieJar);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::IntoResponse;
    use http::header::{COOKIE, HeaderValue, SET_COOKIE};

    fn sent(jar: PrivateCookieJar) -> String {
        let res = jar.into_response();
        let header = res.headers()[SET_COOKIE].to_str().expect("ASCII");
        header.split(';').next().expect("a pair").to_owned()
    }

    fn request_with(cookie: &str, key: &Key) -> PrivateCookieJar {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_str(cookie).expect("a header"));
        PrivateCookieJar::from_headers(&headers, key.clone())
    }

    #[test]
    fn private_values_are_hidden_and_tampering_is_left_out() {
        let key = Key::generate();
        let empty = PrivateCookieJar::from_headers(&HeaderMap::new(), key.clone());
        let pair = sent(empty.add(("user", "ann")));
        assert!(pair.starts_with("user=") && !pair.contains("ann"), "{pair}");

        let jar = request_with(&pair, &key);
        assert_eq!(
            jar.get("user").map(|c| c.value().to_owned()).as_deref(),
            Some("ann")
        );

        // Flip one character of the cipher text.
        let (name, value) = pair.split_once('=').expect("a pair");
        let mut bytes = value.as_bytes().to_vec();
        let last = bytes.len() - 1;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let flipped = format!("{name}={}", String::from_utf8(bytes).expect("ASCII"));
        assert!(request_with(&flipped, &key).get("user").is_none());
        // The same cipher text under another name does not decrypt.
        let moved = format!("admin={value}");
        assert!(request_with(&moved, &key).get("admin").is_none());
        assert!(request_with(&pair, &Key::generate()).get("user").is_none());
    }
}
