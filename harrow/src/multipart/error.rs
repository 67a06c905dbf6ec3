//! Why an upload was refused: each reason with its status.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use harrow_server::{Body, BoxError};
use http::StatusCode;

use super::feed::Source;
use crate::error::Error;
use crate::extract::rejection::BytesRejection;
use crate::response::{IntoResponse, Response, plain};

/// Why a `multipart/form-data` upload, or one of its fields, could not be
/// read. As a rejection, returned from a handler, or turned into a
/// [`harrow::Error`](crate::Error) by `?`, it answers with its
/// [`status`](MultipartError::status) and a plain message; a 5xx is logged
/// and the client sees only `internal server error`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MultipartError {
    /// 415: the request is not `multipart/form-data`.
    NotMultipart,
    /// 400: the body does not follow the multipart format (or has no
    /// boundary).
    Malformed {
        /// What is wrong.
        message: String,
    },
    /// 413: one field is larger than its limit.
    FieldTooLarge {
        /// The field's name.
        field: Option<String>,
        /// Its limit in bytes.
        limit: u64,
    },
    /// 413: the whole upload is larger than the multipart limit.
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// 413: more fields than allowed.
    TooManyFields {
        /// How many are allowed.
        limit: usize,
    },
    /// The body could not be read: 413 past the server's `max_body_size`,
    /// 408 past its body deadline, 400 for a broken stream.
    Body(BytesRejection),
    /// 400: a field read as text is not UTF-8.
    NotUtf8 {
        /// The field's name.
        field: Option<String>,
    },
    /// 500: a field could not be written to disk (logged, not sent).
    Save {
        /// The IO error, with the path.
        message: String,
    },
}

impl MultipartError {
    /// 415, 400, 413, 408 or 500.
    pub fn status(&self) -> StatusCode {
        match self {
            MultipartError::NotMultipart => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            MultipartError::Malformed { .. } | MultipartError::NotUtf8 { .. } => {
                StatusCode::BAD_REQUEST
            }
            MultipartError::FieldTooLarge { .. }
            | MultipartError::TooLarge { .. }
            | MultipartError::TooManyFields { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            MultipartError::Body(b) => b.status(),
            MultipartError::Save { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The error for what multer reported; a failed body is asked for its
    /// own error, which says whether it was the limit or the deadline.
    pub(super) async fn from_multer(e: multer::Error, source: &mut Source) -> MultipartError {
        match e {
            multer::Error::FieldSizeExceeded { limit, field_name } => {
                MultipartError::FieldTooLarge {
                    field: field_name,
                    limit,
                }
            }
            multer::Error::StreamSizeExceeded { limit } => MultipartError::TooLarge { limit },
            multer::Error::NoMultipart | multer::Error::DecodeContentType(_) => {
                MultipartError::NotMultipart
            }
            multer::Error::StreamReadFailed(inner) => match source.take_error() {
                Some(body) => MultipartError::Body(body_rejection(body).await),
                None => MultipartError::Malformed {
                    message: inner.to_string(),
                },
            },
            other => MultipartError::Malformed {
                message: other.to_string(),
            },
        }
    }
}

/// The body extractors' rejection for an error the body yielded: the
/// server's limit and deadline errors are told apart by collecting a body
/// that yields only that error.
async fn body_rejection(error: BoxError) -> BytesRejection {
    let failed = Body::from_stream(OneError(Some(error)));
    match failed.collect(usize::MAX).await {
        Err(e) => crate::extract::body_rejection(e),
        Ok(_) => BytesRejection::Read {
            message: "the body failed".to_owned(),
        },
    }
}

/// A stream of one error.
struct OneError(Option<BoxError>);

impl Stream for OneError {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.0.take().map(Err))
    }
}

impl fmt::Display for MultipartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = |field: &Option<String>| match field {
            Some(name) => format!("field `{name}`"),
            None => "a field without a name".to_owned(),
        };
        match self {
            MultipartError::NotMultipart => {
                f.write_str("expected a request with `Content-Type: multipart/form-data`")
            }
            MultipartError::Malformed { message } => {
                write!(f, "malformed multipart body: {message}")
            }
            MultipartError::FieldTooLarge { field, limit } => write!(
                f,
                "{} is larger than the limit of {limit} bytes",
                name(field)
            ),
            MultipartError::TooLarge { limit } => {
                write!(f, "the upload is larger than the limit of {limit} bytes")
            }
            MultipartError::TooManyFields { limit } => {
                write!(f, "the upload has more than {limit} fields")
            }
            MultipartError::Body(b) => b.fmt(f),
            MultipartError::NotUtf8 { field } => write!(f, "{} is not UTF-8 text", name(field)),
            MultipartError::Save { message } => write!(f, "cannot save an upload: {message}"),
        }
    }
}

/// Keeps the status and message, so that `?` in a handler returning
/// `Result<_, harrow::Error>` answers a 413 as a 413. (That is why this type
/// does not implement `std::error::Error`: `harrow::Error` would turn every
/// such error into a 500.) A 5xx is logged here, and sent as
/// `internal server error`.
impl From<MultipartError> for Error {
    fn from(e: MultipartError) -> Error {
        let status = e.status();
        if status.is_server_error() {
            tracing::error!("{e}");
            return Error::new(status, "internal server error");
        }
        Error::new(status, e.to_string())
    }
}

impl IntoResponse for MultipartError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!("{self}");
            return plain(status, "internal server error");
        }
        plain(status, self.to_string())
    }
}
