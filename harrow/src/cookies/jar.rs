//! `CookieJar`: the request's cookies in, the changes out.

use std::convert::Infallible;

use cookie::Cookie;
use http::HeaderMap;
use http::request::Parts;

use crate::context::RequestContext;
use crate::extract::FromRequestParts;
use crate::response::{IntoResponse, IntoResponseHeaders, InvalidHeader, Response};

/// The request's cookies, and the cookies to set or remove with the
/// response.
///
/// As an extractor it never fails: a request without cookies gives an empty
/// jar. [`add`](CookieJar::add) and [`remove`](CookieJar::remove) return the
/// changed jar; return it beside the body (`(jar, body)` or
/// `(StatusCode, jar, body)`) and each change becomes a `Set-Cookie` header.
/// A jar not returned changes nothing.
///
/// ```
/// use harrow::cookies::{Cookie, CookieJar};
/// use harrow::response::Redirect;
///
/// async fn set_theme(jar: CookieJar) -> (CookieJar, Redirect) {
///     let theme = Cookie::build(("theme", "dark"))
///         .max_age(harrow::cookies::time::Duration::days(365))
///         .http_only(false); // read by the page's script
///     (jar.add(theme), Redirect::to("/"))
/// }
///
/// async fn sign_out(jar: CookieJar) -> (CookieJar, &'static str) {
///     (jar.remove("theme"), "signed out")
/// }
/// # let _ = harrow::App::new().post("/theme", set_theme).post("/out", sign_out);
/// ```
#[derive(Debug, Clone, Default)]
pub struct CookieJar {
    jar: cookie::CookieJar,
}

impl CookieJar {
    /// An empty jar, for a response that sets cookies without reading any.
    pub fn new() -> Self {
        CookieJar::default()
    }

    /// The cookies of a request with these headers.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        CookieJar {
            jar: super::read(headers),
        }
    }

    /// The cookie named `name`: one the request sent, or one added since.
    pub fn get(&self, name: &str) -> Option<&Cookie<'static>> {
        self.jar.get(name)
    }

    /// Adds `cookie` (a [`Cookie`], a builder, or a `(name, value)` pair),
    /// with the [safe defaults](crate::cookies#safe-defaults) for the
    /// attributes it leaves unset. It replaces a cookie of the same name.
    #[must_use = "return the jar with the response, or the cookie is not sent"]
    #[expect(
        clippy::should_implement_trait,
        reason = "the name cookie jars use; `jar + cookie` would read worse"
    )]
    pub fn add(mut self, cookie: impl Into<Cookie<'static>>) -> Self {
        self.jar.add(super::with_defaults(cookie));
        self
    }

    /// Removes the cookie: the response tells the client to forget it. Give
    /// the name, or a cookie with the `Path` and `Domain` it was set with
    /// when they are not the defaults (`/` and none).
    #[must_use = "return the jar with the response, or the removal is not sent"]
    pub fn remove(mut self, cookie: impl Into<Cookie<'static>>) -> Self {
        self.jar.remove(super::with_defaults(cookie));
        self
    }

    /// Every cookie in the jar: those the request sent and those added,
    /// without those removed.
    pub fn iter(&self) -> impl Iterator<Item = &Cookie<'static>> {
        self.jar.iter()
    }
}

impl FromRequestParts for CookieJar {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        Ok(CookieJar::from_headers(&parts.headers))
    }
}

/// A `Set-Cookie` header for each cookie added or removed.
impl IntoResponseHeaders for CookieJar {
    fn apply(self, headers: &mut HeaderMap) -> Result<(), InvalidHeader> {
        super::write(&self.jar, headers)
    }
}

/// An empty response with the jar's `Set-Cookie` headers.
impl IntoResponse for CookieJar {
    fn into_response(self) -> Response {
        (self, ()).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::{COOKIE, HeaderValue, SET_COOKIE};

    fn set_cookies(jar: CookieJar) -> Vec<String> {
        let res = jar.into_response();
        res.headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().expect("ASCII").to_owned())
            .collect()
    }

    #[test]
    fn only_changes_are_sent() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("a=1; b=2"));
        let jar = CookieJar::from_headers(&headers);
        assert!(set_cookies(jar.clone()).is_empty());

        let changed = jar.add(("c", "3")).remove("a");
        let mut sent = set_cookies(changed.clone());
        sent.sort();
        assert_eq!(sent.len(), 2);
        assert!(sent[0].starts_with("a=; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=0"));
        assert_eq!(sent[1], "c=3; HttpOnly; SameSite=Lax; Secure; Path=/");
        let names: Vec<_> = changed.iter().map(|c| c.name().to_owned()).collect();
        assert!(names.contains(&"b".to_owned()) && names.contains(&"c".to_owned()));
        assert!(changed.get("a").is_none());
    }

    #[test]
    fn values_are_percent_encoded_both_ways() {
        let sent = set_cookies(CookieJar::new().add(("note", "a b;c")));
        assert_eq!(
            sent[0],
            "note=a%20b%3Bc; HttpOnly; SameSite=Lax; Secure; Path=/"
        );
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("note=a%20b%3Bc"));
        let jar = CookieJar::from_headers(&headers);
        assert_eq!(jar.get("note").map(|c| c.value()), Some("a b;c"));
    }

    #[test]
    fn an_invalid_attribute_is_a_server_error() {
        let bad = Cookie::build(("a", "1")).path("/\nx");
        let res = CookieJar::new().add(bad).into_response();
        assert_eq!(res.status(), 500);
    }
}
