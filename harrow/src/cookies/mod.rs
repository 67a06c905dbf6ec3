//! Cookies: read the request's cookies and set or remove cookies on the
//! response, in plain, signed or private (encrypted) jars. With the
//! `cookies` feature.
//!
//! [`CookieJar`] is both an extractor (it reads the `Cookie` headers) and a
//! response part (what was added or removed goes out as `Set-Cookie`
//! headers): take it as an argument, change it, and return it beside the
//! body.
//!
//! ```
//! use harrow::cookies::{Cookie, CookieJar};
//! use harrow::test::TestClient;
//! use harrow::App;
//!
//! async fn visit(jar: CookieJar) -> (CookieJar, String) {
//!     let seen = jar.get("seen").map(|c| c.value().to_owned());
//!     let jar = jar.add(Cookie::new("seen", "yes"));
//!     (jar, format!("seen before: {}", seen.is_some()))
//! }
//!
//! let client = TestClient::new(App::new().get("/", visit));
//! let res = client.get("/").send();
//! assert_eq!(
//!     res.header("set-cookie"),
//!     Some("seen=yes; HttpOnly; SameSite=Lax; Secure; Path=/")
//! );
//! let res = client.get("/").header("cookie", "seen=yes").send();
//! assert_eq!(res.text(), "seen before: true");
//! ```
//!
//! # Safe defaults
//!
//! A cookie added to (or removed from) any jar gets the attributes it does
//! not set itself: `Path=/`, `HttpOnly`, `SameSite=Lax` and `Secure`. Set an
//! attribute on the cookie to choose otherwise, e.g. `.secure(false)` for a
//! site served over plain HTTP (browsers treat `http://localhost` as secure,
//! so development works with the default), or `.http_only(false)` for a
//! cookie scripts must read.
//!
//! # Signed and private jars
//!
//! [`SignedCookieJar`] signs its cookies (HMAC-SHA256): clients can read them
//! but not change them. [`PrivateCookieJar`] encrypts them (AES-256-GCM):
//! clients can neither read nor change them. Both take the application's
//! [`Key`] from its state, so the app must be given one with
//! [`App::state`](crate::App::state), or it does not start. A cookie that
//! fails verification (changed, or made with another key) is left out, as if
//! the client had not sent it.
//!
//! The key must be the same on every worker and every machine that serves
//! the site: load it from configuration outside the app factory (which runs
//! once per worker) and clone it in. A key made with `Key::generate()`
//! inside the factory differs on each worker.
//!
//! ```
//! use std::sync::LazyLock;
//! use harrow::cookies::{Cookie, Key, PrivateCookieJar};
//! use harrow::App;
//!
//! // In production: Key::derive_from(secret_from_the_environment.as_bytes()),
//! // with a secret of at least 32 random bytes.
//! static KEY: LazyLock<Key> = LazyLock::new(Key::generate);
//!
//! async fn remember(jar: PrivateCookieJar) -> (PrivateCookieJar, &'static str) {
//!     (jar.add(Cookie::new("user", "ann")), "remembered")
//! }
//!
//! fn app() -> App {
//!     App::new().state(KEY.clone()).post("/remember", remember)
//! }
//! # assert!(app().into_service().is_ok());
//! ```

#[macro_use]
mod keyed;
mod jar;
mod private;
mod signed;

use http::HeaderMap;
use http::header::{COOKIE, HeaderValue, SET_COOKIE};

use crate::response::InvalidHeader;

pub use cookie::time;
pub use cookie::{Cookie, CookieBuilder, Expiration, Key, KeyError, SameSite};
pub use jar::CookieJar;
pub use private::PrivateCookieJar;
pub use signed::SignedCookieJar;

/// The request's cookies, from every `Cookie` header (HTTP/2 clients may
/// send one per cookie), as the jar's originals. Pairs that do not parse
/// are skipped.
fn read(headers: &HeaderMap) -> cookie::CookieJar {
    let mut jar = cookie::CookieJar::new();
    for value in headers.get_all(COOKIE) {
        let Ok(text) = value.to_str() else {
            continue;
        };
        for cookie in Cookie::split_parse_encoded(text.to_owned()).flatten() {
            jar.add_original(cookie.into_owned());
        }
    }
    jar
}

/// `cookie` with the safe defaults for each attribute it leaves unset.
fn with_defaults(cookie: impl Into<Cookie<'static>>) -> Cookie<'static> {
    let mut cookie = cookie.into();
    if cookie.path().is_none() {
        cookie.set_path("/");
    }
    if cookie.http_only().is_none() {
        cookie.set_http_only(true);
    }
    if cookie.same_site().is_none() {
        cookie.set_same_site(SameSite::Lax);
    }
    if cookie.secure().is_none() {
        cookie.set_secure(true);
    }
    cookie
}

/// Appends a `Set-Cookie` header for each cookie the jar added or removed.
fn write(jar: &cookie::CookieJar, headers: &mut HeaderMap) -> Result<(), InvalidHeader> {
    for cookie in jar.delta() {
        let text = cookie.encoded().to_string();
        let value = HeaderValue::try_from(text).map_err(|_| {
            InvalidHeader::new(format!("bad value for `set-cookie` ({})", cookie.name()))
        })?;
        headers.append(SET_COOKIE, value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cookie_header_is_read_and_bad_pairs_are_skipped() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("a=1; b=two%20words"));
        headers.append(COOKIE, HeaderValue::from_static("=nameless; c=3"));
        let jar = read(&headers);
        let value = |n: &str| jar.get(n).map(|c| c.value().to_owned());
        assert_eq!(value("a").as_deref(), Some("1"));
        assert_eq!(value("b").as_deref(), Some("two words"));
        assert_eq!(value("c").as_deref(), Some("3"));
        assert_eq!(jar.iter().count(), 3);
        assert_eq!(jar.delta().count(), 0, "originals are not sent back");
    }

    #[test]
    fn defaults_fill_only_what_the_cookie_leaves_unset() {
        let cases: Vec<(Cookie<'static>, &str)> = vec![
            (
                Cookie::new("a", "1"),
                "a=1; HttpOnly; SameSite=Lax; Secure; Path=/",
            ),
            (
                Cookie::build(("a", "1"))
                    .path("/app")
                    .secure(false)
                    .http_only(false)
                    .same_site(SameSite::Strict)
                    .build(),
                "a=1; SameSite=Strict; Path=/app",
            ),
            (
                Cookie::build(("a", "1"))
                    .max_age(time::Duration::minutes(5))
                    .domain("example.com")
                    .build(),
                "a=1; HttpOnly; SameSite=Lax; Secure; Path=/; Domain=example.com; Max-Age=300",
            ),
        ];
        for (cookie, expected) in cases {
            assert_eq!(with_defaults(cookie).to_string(), expected);
        }
    }
}
