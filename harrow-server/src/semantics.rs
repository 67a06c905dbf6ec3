//! HTTP semantics (RFC 9110) that both protocols follow: which answers
//! carry no body, the plain-text answers the server makes itself, and the
//! target URI of a request that came over TLS.

use http::header::{self, HeaderValue};
use http::{Response, StatusCode};

use crate::Body;

/// Whether a response with this status carries no body (RFC 9110 §6.4.1):
/// informational answers, 204 and 304.
pub(crate) fn status_has_no_body(status: StatusCode) -> bool {
    status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
}

/// An answer the server makes itself (a malformed request, a timeout, a
/// panicking service): `message` and a newline, as plain text, the same on
/// HTTP/1.1 and HTTP/2.
pub(crate) fn plain(status: StatusCode, message: &str) -> Response<Body> {
    let mut res = Response::new(Body::from(format!("{message}\n")));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

/// The target URI of an HTTP/1.1 request that came over TLS (RFC 9112
/// §3.3): scheme `https`, the authority from Host (already checked), and the
/// request's path and query; so a handler that builds a redirect or an
/// absolute URL from the `Uri` sees what the client asked for, as it does
/// over HTTP/2. A target that is absolute already, or a request without a
/// Host (HTTP/1.0), keeps its own.
#[cfg(feature = "tls")]
pub(crate) fn https_target(uri: http::Uri, host: Option<&HeaderValue>) -> http::Uri {
    let (Some(host), None) = (host, uri.scheme()) else {
        return uri;
    };
    let Ok(authority) = http::uri::Authority::try_from(host.as_bytes()) else {
        return uri;
    };
    // The asterisk form (`OPTIONS *`) names the server, not a resource.
    if !uri.path().starts_with('/') {
        return uri;
    }
    let mut parts = uri.clone().into_parts();
    parts.scheme = Some(http::uri::Scheme::HTTPS);
    parts.authority = Some(authority);
    http::Uri::from_parts(parts).unwrap_or(uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "tls")]
    #[test]
    fn a_tls_target_is_made_absolute_from_host() {
        let host = HeaderValue::from_static("shop.example:8443");
        let cases = [
            (
                "/cart?id=3",
                Some(&host),
                "https://shop.example:8443/cart?id=3",
            ),
            ("/", None, "/"),
            (
                "http://other.example/x",
                Some(&host),
                "http://other.example/x",
            ),
            ("*", Some(&host), "*"),
        ];
        for (target, host, expected) in cases {
            let uri: http::Uri = target.parse().unwrap();
            assert_eq!(https_target(uri, host).to_string(), expected, "{target}");
        }
    }

    #[test]
    fn statuses_without_a_body() {
        let cases = [
            (100, true),
            (101, true),
            (103, true),
            (200, false),
            (204, true),
            (205, false),
            (304, true),
            (404, false),
            (500, false),
        ];
        for (code, none) in cases {
            let status = StatusCode::from_u16(code).unwrap();
            assert_eq!(status_has_no_body(status), none, "{code}");
        }
    }

    #[test]
    fn plain_answers_are_text_with_a_newline() {
        let res = plain(StatusCode::REQUEST_TIMEOUT, "request timeout");
        assert_eq!(res.status(), StatusCode::REQUEST_TIMEOUT);
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "text/plain; charset=utf-8"
        );
        assert_eq!(res.body().exact_len(), Some(16));
    }
}
