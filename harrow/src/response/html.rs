//! `Html<T>`: a body served as `text/html; charset=utf-8`.

use harrow_server::Body;

use super::{IntoResponse, Response, with_content_type};

/// Serves its contents as HTML.
///
/// ```
/// use harrow::{Html, IntoResponse};
/// let res = Html("<h1>hi</h1>").into_response();
/// assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Html<T>(pub T);

impl<T: Into<Body>> IntoResponse for Html<T> {
    fn into_response(self) -> Response {
        with_content_type(self.0, "text/html; charset=utf-8")
    }
}
