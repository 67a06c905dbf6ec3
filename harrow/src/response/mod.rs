//! Responses: the [`IntoResponse`] trait and its implementations for plain
//! values, status codes, tuples and `Result`.
//!
//! Every handler returns something that implements [`IntoResponse`]. Text
//! goes out as `text/plain; charset=utf-8`, raw bytes as
//! `application/octet-stream`, [`Json`](crate::Json) as `application/json`
//! and [`Html`] as `text/html; charset=utf-8`. Content-Length follows from the
//! body when its size is known; a streaming [`Body`] goes out chunked on
//! HTTP/1.1.

pub(crate) mod future;
mod headers;
mod html;
#[cfg(feature = "json")]
mod json;
mod redirect;
pub mod sse;
mod stream;

use std::borrow::Cow;
use std::convert::Infallible;

use bytes::Bytes;
use harrow_server::Body;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::{HeaderMap, StatusCode};

pub use headers::{IntoResponseHeaders, InvalidHeader};
pub use html::Html;
pub use redirect::Redirect;

/// An HTTP response: `http::Response` over the server's [`Body`].
pub type Response = http::Response<Body>;

pub(crate) const TEXT_PLAIN: &str = "text/plain; charset=utf-8";
pub(crate) const OCTET_STREAM: &str = "application/octet-stream";

/// Converts a value into a [`Response`].
///
/// Implemented for text, bytes, status codes, tuples of a status and/or
/// headers with a body, `Result<T, E>` where both sides convert, `Option<T>`
/// (`None` is a 404), and the
/// framework's own response helpers. Implement it for your own types to
/// return them from handlers.
///
/// ```
/// use harrow::{IntoResponse, Response, StatusCode};
///
/// struct Teapot;
///
/// impl IntoResponse for Teapot {
///     fn into_response(self) -> Response {
///         (StatusCode::IM_A_TEAPOT, "short and stout").into_response()
///     }
/// }
/// assert_eq!(Teapot.into_response().status(), 418);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be turned into a response",
    label = "this type does not implement `IntoResponse`",
    note = "return a `String`, `&'static str`, `Json<T>`, `StatusCode`, `(StatusCode, T)`, `Result<T, E>` or a `Response`, or implement `harrow::IntoResponse` for it"
)]
pub trait IntoResponse {
    /// Builds the response.
    fn into_response(self) -> Response;
}

/// A response with `body`, `status` 200 and the given Content-Type.
pub(crate) fn with_content_type(body: impl Into<Body>, content_type: &'static str) -> Response {
    let mut res = Response::new(body.into());
    res.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

/// A plain-text response with `status` and `message`.
pub(crate) fn plain(status: StatusCode, message: impl Into<Body>) -> Response {
    let mut res = with_content_type(message, TEXT_PLAIN);
    *res.status_mut() = status;
    res
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl IntoResponse for Infallible {
    fn into_response(self) -> Response {
        match self {}
    }
}

impl IntoResponse for () {
    fn into_response(self) -> Response {
        Response::new(Body::empty())
    }
}

impl IntoResponse for &'static str {
    fn into_response(self) -> Response {
        with_content_type(self, TEXT_PLAIN)
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Response {
        with_content_type(self, TEXT_PLAIN)
    }
}

impl IntoResponse for Cow<'static, str> {
    fn into_response(self) -> Response {
        match self {
            Cow::Borrowed(s) => s.into_response(),
            Cow::Owned(s) => s.into_response(),
        }
    }
}

impl IntoResponse for Bytes {
    fn into_response(self) -> Response {
        with_content_type(self, OCTET_STREAM)
    }
}

impl IntoResponse for Vec<u8> {
    fn into_response(self) -> Response {
        with_content_type(self, OCTET_STREAM)
    }
}

impl IntoResponse for &'static [u8] {
    fn into_response(self) -> Response {
        with_content_type(self, OCTET_STREAM)
    }
}

/// A bare status: an empty body, except that errors (4xx and 5xx) carry the
/// status's reason phrase as plain text so that clients see why.
impl IntoResponse for StatusCode {
    fn into_response(self) -> Response {
        if self.is_client_error() || self.is_server_error() {
            plain(self, self.canonical_reason().unwrap_or("error"))
        } else {
            let mut res = Response::new(Body::empty());
            *res.status_mut() = self;
            res
        }
    }
}

impl IntoResponse for HeaderMap {
    fn into_response(self) -> Response {
        let mut res = Response::new(Body::empty());
        *res.headers_mut() = self;
        res
    }
}

impl<T: IntoResponse, E: IntoResponse> IntoResponse for Result<T, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(v) => v.into_response(),
            Err(e) => e.into_response(),
        }
    }
}

/// `Some` is the value's response; `None` is `404 not found` (as in Rocket).
impl<T: IntoResponse> IntoResponse for Option<T> {
    fn into_response(self) -> Response {
        match self {
            Some(v) => v.into_response(),
            None => plain(StatusCode::NOT_FOUND, "not found"),
        }
    }
}

impl<T: IntoResponse> IntoResponse for (StatusCode, T) {
    fn into_response(self) -> Response {
        let mut res = self.1.into_response();
        *res.status_mut() = self.0;
        res
    }
}

impl<H: IntoResponseHeaders, T: IntoResponse> IntoResponse for (H, T) {
    fn into_response(self) -> Response {
        let (headers, body) = self;
        let mut res = body.into_response();
        match headers.apply(res.headers_mut()) {
            Ok(()) => res,
            Err(e) => e.into_response(),
        }
    }
}

impl<H: IntoResponseHeaders, T: IntoResponse> IntoResponse for (StatusCode, H, T) {
    fn into_response(self) -> Response {
        let (status, headers, body) = self;
        let mut res = body.into_response();
        if let Err(e) = headers.apply(res.headers_mut()) {
            return e.into_response();
        }
        *res.status_mut() = status;
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content_type(res: &Response) -> Option<&str> {
        res.headers().get(CONTENT_TYPE)?.to_str().ok()
    }

    #[test]
    fn text_and_bytes_carry_their_content_types() {
        let cases: Vec<(Response, &str, Option<u64>)> = vec![
            ("hi".into_response(), TEXT_PLAIN, Some(2)),
            (String::from("hey").into_response(), TEXT_PLAIN, Some(3)),
            (
                Bytes::from_static(b"ab").into_response(),
                OCTET_STREAM,
                Some(2),
            ),
            (vec![1u8, 2, 3, 4].into_response(), OCTET_STREAM, Some(4)),
        ];
        for (res, ct, len) in cases {
            assert_eq!(res.status(), StatusCode::OK);
            assert_eq!(content_type(&res), Some(ct));
            assert_eq!(res.body().exact_len(), len);
        }
    }

    #[test]
    fn status_codes_explain_errors_and_stay_empty_otherwise() {
        let res = StatusCode::NOT_FOUND.into_response();
        assert_eq!(res.status(), 404);
        assert_eq!(res.body().exact_len(), Some("Not Found".len() as u64));
        let res = StatusCode::NO_CONTENT.into_response();
        assert_eq!(res.status(), 204);
        assert_eq!(res.body().exact_len(), Some(0));
    }

    #[test]
    fn tuples_set_status_and_headers() {
        let res = (StatusCode::CREATED, [("x-id", "7")], "made").into_response();
        assert_eq!(res.status(), 201);
        assert_eq!(res.headers()["x-id"], "7");
        assert_eq!(content_type(&res), Some(TEXT_PLAIN));
    }

    #[test]
    fn headers_and_body_keep_status_200() {
        let res = ([("cache-control", "no-store")], "fresh").into_response();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["cache-control"], "no-store");
        assert_eq!(content_type(&res), Some(TEXT_PLAIN));
    }

    #[test]
    fn invalid_header_becomes_a_server_error() {
        let res = (StatusCode::OK, [("bad header", "v")], "x").into_response();
        assert_eq!(res.status(), 500);
    }

    #[test]
    fn none_is_not_found() {
        assert_eq!(Some("x").into_response().status(), 200);
        let res = None::<&str>.into_response();
        assert_eq!(res.status(), 404);
        assert_eq!(res.body().exact_len(), Some(9));
    }

    #[test]
    fn result_picks_the_matching_side() {
        let ok: Result<&str, StatusCode> = Ok("fine");
        assert_eq!(ok.into_response().status(), 200);
        let err: Result<&str, StatusCode> = Err(StatusCode::BAD_REQUEST);
        assert_eq!(err.into_response().status(), 400);
    }
}
