//! HTTP semantics (RFC 9110) that both protocols follow: which answers
//! carry no body, and the plain-text answers the server makes itself.

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

#[cfg(test)]
mod tests {
    use super::*;

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
