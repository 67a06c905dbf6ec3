//! `harrow::Error`: an error a handler returns, sent as a status and a
//! plain-text message.

use std::borrow::Cow;
use std::fmt;

use http::StatusCode;

use crate::response::{IntoResponse, Response, plain};

/// An error that renders as a response: a status and a short plain-text
/// message.
///
/// Build one with a status (`Error::not_found("no such user")`), or let `?`
/// convert any other error: that becomes a 500 whose client-facing message
/// is only "internal server error", while the error itself is logged with
/// `tracing` when the response is sent. (Because of that blanket conversion,
/// `harrow::Error` does not itself implement `std::error::Error`, as with
/// `anyhow::Error`.)
///
/// ```
/// use harrow::{App, Error, Path};
///
/// async fn user(Path(id): Path<u32>) -> Result<String, Error> {
///     if id == 0 {
///         return Err(Error::not_found("no user 0"));
///     }
///     let n: u32 = "12".parse()?; // a ParseIntError would become a 500
///     Ok(format!("user {id}, {n}"))
/// }
/// # let _ = App::new().get("/users/{id}", user);
/// ```
pub struct Error {
    status: StatusCode,
    message: Cow<'static, str>,
    source: Option<Box<dyn std::error::Error>>,
}

impl Error {
    /// An error with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> Self {
        Error {
            status,
            message: message.into(),
            source: None,
        }
    }

    /// 400 Bad Request.
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 401 Unauthorized.
    pub fn unauthorized(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    /// 403 Forbidden.
    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// 404 Not Found.
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 409 Conflict.
    pub fn conflict(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }

    /// 422 Unprocessable Content.
    pub fn unprocessable(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    /// 500 Internal Server Error with a message the client sees.
    pub fn internal(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// The status sent.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message sent.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error this one was converted from, if any (logged, never sent).
    pub fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref()
    }
}

impl<E: std::error::Error + 'static> From<E> for Error {
    fn from(error: E) -> Self {
        Error {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: Cow::Borrowed("internal server error"),
            source: Some(Box::new(error)),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Some(source) = &self.source {
            tracing::error!(status = self.status.as_u16(), "handler failed: {source}");
        }
        plain(self.status, self.message.into_owned())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Some(source) => write!(f, "{} ({source})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("status", &self.status)
            .field("message", &self.message)
            .field("source", &self.source)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_errors_keep_their_message() {
        let e = Error::not_found("no such user");
        assert_eq!(e.status(), 404);
        assert_eq!(e.to_string(), "no such user");
        let res = e.into_response();
        assert_eq!(res.status(), 404);
        assert_eq!(res.body().exact_len(), Some(12));
    }

    #[test]
    fn converted_errors_are_500_and_hide_the_cause() {
        let parse = "x".parse::<u8>().unwrap_err();
        let e = Error::from(parse);
        assert_eq!(e.status(), 500);
        assert_eq!(e.message(), "internal server error");
        assert!(e.source().is_some());
        assert!(e.to_string().contains("invalid digit"));
    }
}
