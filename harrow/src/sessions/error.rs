//! `SessionError`: why a session could not be read or written.

use std::fmt;

use http::StatusCode;

use super::store::StoreError;
use crate::response::{IntoResponse, Response, plain};

/// Why a session could not be read or written. Every case is a fault of
/// the server (a value of the wrong type, a session too large, a store
/// down), so every case is a 500: the detail is logged and the client sees
/// `internal server error`, whether the extractor fails, the handler
/// returns it, or `?` turns it into a [`harrow::Error`](crate::Error).
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionError {
    /// The session would be larger than the store takes.
    TooLarge {
        /// Its size as stored, in bytes.
        size: usize,
        /// The most the store takes.
        limit: usize,
    },
    /// A value did not serialize, or did not deserialize as the type asked.
    Value {
        /// Its key.
        key: String,
        /// What serde said.
        message: String,
    },
    /// The store failed.
    Store(StoreError),
    /// A handler took a [`Session`](super::Session) on a route without the
    /// [`Sessions`](super::Sessions) layer.
    NoLayer,
}

impl SessionError {
    /// Always 500 Internal Server Error.
    pub fn status(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::TooLarge { size, limit } => write!(
                f,
                "the session would take {size} bytes, more than the store's {limit}"
            ),
            SessionError::Value { key, message } => {
                write!(f, "session value `{key}`: {message}")
            }
            SessionError::Store(e) => e.fmt(f),
            SessionError::NoLayer => f.write_str(
                "a handler takes a Session but the route has no Sessions layer: add \
                 `.layer(Sessions::new(store))` to the app or its scope",
            ),
        }
    }
}

impl std::error::Error for SessionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SessionError::Store(e) => Some(e),
            _ => None,
        }
    }
}

impl IntoResponse for SessionError {
    fn into_response(self) -> Response {
        tracing::error!("{self}");
        plain(self.status(), "internal server error")
    }
}
