//! `Redirect`: a 3xx response with a `Location` header.

use harrow_server::Body;
use http::StatusCode;
use http::header::{HeaderValue, LOCATION};

use super::{IntoResponse, Response, plain};

/// A redirect to another location.
///
/// ```
/// use harrow::{IntoResponse, Redirect};
/// let res = Redirect::to("/login").into_response();
/// assert_eq!(res.status(), 303);
/// assert_eq!(res.headers()["location"], "/login");
/// ```
#[derive(Debug, Clone)]
pub struct Redirect {
    status: StatusCode,
    location: String,
}

impl Redirect {
    /// 303 See Other: the client follows with a GET (the usual answer to a form post).
    pub fn to(location: impl Into<String>) -> Self {
        Self::with_status(StatusCode::SEE_OTHER, location)
    }

    /// 307 Temporary Redirect: the client repeats the same method and body.
    pub fn temporary(location: impl Into<String>) -> Self {
        Self::with_status(StatusCode::TEMPORARY_REDIRECT, location)
    }

    /// 308 Permanent Redirect: as 307, and clients may remember it.
    pub fn permanent(location: impl Into<String>) -> Self {
        Self::with_status(StatusCode::PERMANENT_REDIRECT, location)
    }

    fn with_status(status: StatusCode, location: impl Into<String>) -> Self {
        Redirect {
            status,
            location: location.into(),
        }
    }

    /// The status this redirect answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Where it points.
    pub fn location(&self) -> &str {
        &self.location
    }
}

impl IntoResponse for Redirect {
    fn into_response(self) -> Response {
        match HeaderValue::try_from(self.location) {
            Ok(location) => {
                let mut res = Response::new(Body::empty());
                *res.status_mut() = self.status;
                res.headers_mut().insert(LOCATION, location);
                res
            }
            Err(_) => {
                tracing::error!("redirect location is not a valid header value");
                plain(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "invalid redirect location",
                )
            }
        }
    }
}
