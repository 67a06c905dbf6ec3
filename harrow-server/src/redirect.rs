//! The service of the plain-HTTP listener beside an HTTPS server
//! (`TlsConfig::redirect_from`, with the `tls` feature): every
//! request is answered with `308 Permanent Redirect` to the same path and
//! query on HTTPS. 308 rather than 301, so a client repeats the request with
//! its method and body (RFC 9110 §15.4.9), where a 301 lets it turn a POST
//! into a GET.

use http::header::{CONTENT_TYPE, HOST, LOCATION};
use http::uri::Authority;
use http::{HeaderValue, Request, Response, StatusCode};

use crate::{Body, ConnInfo, Service};

/// Answers each request with a redirect to HTTPS on `https_port`.
pub(crate) struct Redirect {
    /// The HTTPS listener's port: left out of the new URL when it is 443.
    https_port: u16,
}

impl Redirect {
    /// Redirects to the HTTPS server listening on `https_port`.
    pub(crate) fn new(https_port: u16) -> Self {
        Redirect { https_port }
    }

    /// The HTTPS URL for `req`: its host (the target's authority when the
    /// target is absolute, RFC 9112 §3.2.2, its `Host` otherwise) without
    /// the plain port, then the HTTPS port unless it is 443, then the path
    /// and query. `None` when the request names no usable host.
    fn location(&self, req: &Request<Body>) -> Option<String> {
        let authority = match req.uri().authority() {
            Some(authority) => authority.clone(),
            None => Authority::try_from(req.headers().get(HOST)?.as_bytes()).ok()?,
        };
        let host = authority.host();
        if host.is_empty() || authority.as_str().contains('@') {
            return None;
        }
        // `OPTIONS *` and other targets that are not a path go to the root.
        let path = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .filter(|p| p.starts_with('/'))
            .unwrap_or("/");
        let mut url = match self.https_port {
            443 => format!("https://{host}"),
            port => format!("https://{host}:{port}"),
        };
        // Bytes past ASCII, which a request target may carry, are
        // percent-encoded (RFC 3986 §2.1): a URL is ASCII.
        for b in path.bytes() {
            if b.is_ascii() {
                url.push(char::from(b));
            } else {
                url.push_str(&format!("%{b:02X}"));
            }
        }
        Some(url)
    }
}

impl Service for Redirect {
    async fn call(&self, req: Request<Body>, _conn: ConnInfo) -> Response<Body> {
        let (status, location, text) = match self.location(&req) {
            Some(to) => {
                let text = format!("this site is served over HTTPS: {to}\n");
                (StatusCode::PERMANENT_REDIRECT, Some(to), text)
            }
            None => (
                StatusCode::BAD_REQUEST,
                None,
                "a redirect to HTTPS needs the request's host (a Host header)\n".to_owned(),
            ),
        };
        let mut res = Response::new(Body::from(text));
        *res.status_mut() = status;
        res.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        if let Some(to) = location {
            // Built from a checked authority and an ASCII path: a valid
            // header value, but a refusal beats a redirect without one.
            match HeaderValue::try_from(to) {
                Ok(to) => {
                    res.headers_mut().insert(LOCATION, to);
                }
                Err(_) => {
                    *res.status_mut() = StatusCode::BAD_REQUEST;
                    *res.body_mut() = Body::from("the request target cannot be redirected\n");
                }
            }
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(port: u16, target: &str, host: Option<&str>) -> Option<String> {
        let mut req = Request::builder().uri(target);
        if let Some(host) = host {
            req = req.header(HOST, host);
        }
        Redirect::new(port).location(&req.body(Body::empty()).unwrap())
    }

    #[test]
    fn the_url_keeps_host_path_and_query_and_takes_the_https_port() {
        let cases = [
            (
                443,
                "/cart?id=3",
                Some("shop.example"),
                "https://shop.example/cart?id=3",
            ),
            (443, "/", Some("shop.example:80"), "https://shop.example/"),
            (
                8443,
                "/a/b",
                Some("shop.example:8080"),
                "https://shop.example:8443/a/b",
            ),
            (
                443,
                "/x",
                Some("[2001:db8::1]:80"),
                "https://[2001:db8::1]/x",
            ),
            (443, "/x", Some("192.0.2.7"), "https://192.0.2.7/x"),
            // An absolute target names the host; Host is ignored.
            (
                443,
                "http://other.example/y",
                Some("shop.example"),
                "https://other.example/y",
            ),
            (443, "*", Some("shop.example"), "https://shop.example/"),
            (
                443,
                "/caf\u{e9}?q=\u{2713}",
                Some("a.example"),
                "https://a.example/caf%C3%A9?q=%E2%9C%93",
            ),
        ];
        for (port, target, host, expected) in cases {
            assert_eq!(
                location(port, target, host).as_deref(),
                Some(expected),
                "{target} with Host {host:?}"
            );
        }
    }

    #[test]
    fn a_request_without_a_usable_host_gets_none() {
        assert_eq!(location(443, "/", None), None);
        assert_eq!(location(443, "/", Some("")), None);
        assert_eq!(location(443, "/", Some("bad host")), None);
        assert_eq!(location(443, "/", Some("user@evil.example")), None);
    }
}
