//! Rejections: why an extractor failed. Each is a type with a status and a
//! short plain-text message, and implements
//! [`IntoResponse`] so a handler can also return it.
//!
//! 5xx rejections (a program bug, such as a `State<T>` that was never
//! registered) are sent as a plain `internal server error`, and their
//! detail is logged with `tracing` at the error level: it is for the
//! program's author, not for the client. Their `Display` keeps the detail,
//! for a handler that takes the rejection itself.

use std::fmt;

use http::StatusCode;

use crate::response::{IntoResponse, Response, plain};

/// What the client sees of a 5xx rejection.
const INTERNAL: &str = "internal server error";

macro_rules! rejection_response {
    ($($ty:ty),*) => {
        $(
            impl std::error::Error for $ty {}

            impl IntoResponse for $ty {
                fn into_response(self) -> Response {
                    let status = self.status();
                    if status.is_server_error() {
                        tracing::error!("{self}");
                        return plain(status, INTERNAL);
                    }
                    plain(status, self.to_string())
                }
            }
        )*
    };
}

rejection_response!(
    PathRejection,
    QueryRejection,
    BytesRejection,
    StringRejection,
    JsonRejection,
    FormRejection,
    HeaderRejection,
    MissingState,
    MissingExtension
);

/// Why [`Path`](crate::Path) or [`path_param`](crate::extract::path_param) failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PathRejection {
    /// 400: a value did not parse as the expected type.
    InvalidParam {
        /// The parameter's name in the template.
        name: String,
        /// The type it should parse as.
        expected: String,
        /// The value from the request.
        got: String,
    },
    /// 400: a value was not UTF-8 once percent-decoded.
    NotUtf8 {
        /// The parameter's name.
        name: String,
    },
    /// 400: the target type's own `Deserialize` refused the values.
    Message {
        /// What it said.
        message: String,
    },
    /// 500: the extractor wants a different number of values than the route
    /// has (logged; the client sees `internal server error`).
    WrongCount {
        /// How many the extractor wants.
        expected: usize,
        /// How many the route matched.
        got: usize,
    },
    /// 500: the route has no parameter of this name (logged).
    Missing {
        /// The name asked for.
        name: String,
    },
    /// 500: the target type has a shape path parameters cannot fill (logged).
    Unsupported {
        /// What was asked for.
        what: String,
    },
}

impl PathRejection {
    /// 400 for bad values, 500 for extractors that do not fit the route.
    pub fn status(&self) -> StatusCode {
        match self {
            PathRejection::InvalidParam { .. }
            | PathRejection::NotUtf8 { .. }
            | PathRejection::Message { .. } => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl fmt::Display for PathRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathRejection::InvalidParam {
                name,
                expected,
                got,
            } => write!(
                f,
                "invalid path parameter `{name}`: expected {expected}, got {got:?}"
            ),
            PathRejection::NotUtf8 { name } => {
                write!(f, "path parameter `{name}` is not valid UTF-8")
            }
            PathRejection::Message { message } => write!(f, "invalid path: {message}"),
            PathRejection::WrongCount { expected, got } => write!(
                f,
                "the route matched {got} path parameter(s) but the extractor expects {expected}"
            ),
            PathRejection::Missing { name } => {
                write!(f, "the route has no path parameter `{name}`")
            }
            PathRejection::Unsupported { what } => {
                write!(f, "path parameters cannot be read as {what}")
            }
        }
    }
}

/// 400: the query string did not fit [`Query<T>`](crate::Query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryRejection {
    pub(crate) message: String,
}

impl QueryRejection {
    /// Always 400 Bad Request.
    pub fn status(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }
}

impl fmt::Display for QueryRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid query string: {}", self.message)
    }
}

/// Why the body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BytesRejection {
    /// 413: the body is larger than the server's
    /// [`Config::max_body_size`](crate::Config::max_body_size).
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// 408: the body did not arrive within the server's body timeout.
    TimedOut,
    /// 400: the body stream failed.
    Read {
        /// What went wrong.
        message: String,
    },
}

impl BytesRejection {
    /// 413, 408 or 400.
    pub fn status(&self) -> StatusCode {
        match self {
            BytesRejection::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            BytesRejection::TimedOut => StatusCode::REQUEST_TIMEOUT,
            BytesRejection::Read { .. } => StatusCode::BAD_REQUEST,
        }
    }
}

impl fmt::Display for BytesRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BytesRejection::TimedOut => f.write_str("request body timed out"),
            BytesRejection::TooLarge { limit } => {
                write!(f, "request body is larger than the limit of {limit} bytes")
            }
            BytesRejection::Read { message } => {
                write!(f, "failed to read the request body: {message}")
            }
        }
    }
}

/// Why a `String` body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StringRejection {
    /// The body could not be read (413 or 400).
    Body(BytesRejection),
    /// 400: the body is not UTF-8.
    NotUtf8,
}

impl StringRejection {
    /// The status sent.
    pub fn status(&self) -> StatusCode {
        match self {
            StringRejection::Body(b) => b.status(),
            StringRejection::NotUtf8 => StatusCode::BAD_REQUEST,
        }
    }
}

impl From<BytesRejection> for StringRejection {
    fn from(b: BytesRejection) -> Self {
        StringRejection::Body(b)
    }
}

impl fmt::Display for StringRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StringRejection::Body(b) => b.fmt(f),
            StringRejection::NotUtf8 => f.write_str("request body is not valid UTF-8"),
        }
    }
}

/// Why a [`Json<T>`](crate::Json) body was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonRejection {
    /// 415: the Content-Type is not `application/json` (or `+json`).
    UnsupportedMediaType,
    /// The body could not be read (413 or 400).
    Body(BytesRejection),
    /// 400: the body is not valid JSON.
    Syntax {
        /// serde_json's explanation, with line and column.
        message: String,
    },
    /// 422: valid JSON that does not fit the target type.
    Data {
        /// serde_json's explanation: the missing field or mismatched type.
        message: String,
    },
}

impl JsonRejection {
    /// 415, 413, 400 or 422.
    pub fn status(&self) -> StatusCode {
        match self {
            JsonRejection::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            JsonRejection::Body(b) => b.status(),
            JsonRejection::Syntax { .. } => StatusCode::BAD_REQUEST,
            JsonRejection::Data { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

impl fmt::Display for JsonRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonRejection::UnsupportedMediaType => {
                f.write_str("expected a request with `Content-Type: application/json`")
            }
            JsonRejection::Body(b) => b.fmt(f),
            JsonRejection::Syntax { message } => write!(f, "invalid JSON: {message}"),
            JsonRejection::Data { message } => {
                write!(f, "JSON does not match the expected shape: {message}")
            }
        }
    }
}

/// Why a [`Form<T>`](crate::Form) body was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormRejection {
    /// 415: the Content-Type is not `application/x-www-form-urlencoded`.
    UnsupportedMediaType,
    /// The body could not be read (413 or 400).
    Body(BytesRejection),
    /// 422: the form does not fit the target type.
    Invalid {
        /// What did not fit.
        message: String,
    },
}

impl FormRejection {
    /// 415, 413, 400 or 422.
    pub fn status(&self) -> StatusCode {
        match self {
            FormRejection::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            FormRejection::Body(b) => b.status(),
            FormRejection::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

impl fmt::Display for FormRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormRejection::UnsupportedMediaType => f.write_str(
                "expected a request with `Content-Type: application/x-www-form-urlencoded`",
            ),
            FormRejection::Body(b) => b.fmt(f),
            FormRejection::Invalid { message } => write!(f, "invalid form: {message}"),
        }
    }
}

/// 400: a header a [`TypedHeader`](crate::extract::TypedHeader) needs is
/// missing or malformed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderRejection {
    /// The header is absent.
    Missing {
        /// The header's name.
        name: &'static str,
    },
    /// The header's value does not parse.
    Invalid {
        /// The header's name.
        name: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl HeaderRejection {
    /// Always 400 Bad Request.
    pub fn status(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }
}

impl fmt::Display for HeaderRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderRejection::Missing { name } => write!(f, "missing header `{name}`"),
            HeaderRejection::Invalid { name, message } => {
                write!(f, "invalid header `{name}`: {message}")
            }
        }
    }
}

/// 500: [`State<T>`](crate::State) asked for a type never given to
/// `App::state`; logged with the type, while the client sees only
/// `internal server error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingState {
    pub(crate) type_name: String,
}

impl MissingState {
    /// Always 500 Internal Server Error.
    pub fn status(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

impl fmt::Display for MissingState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no application state of type `{}`: register it with `App::state`",
            self.type_name
        )
    }
}

/// 500: [`Extension<T>`](crate::extract::Extension) found no value of its
/// type; logged with the type, while the client sees only `internal server
/// error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingExtension {
    pub(crate) type_name: String,
}

impl MissingExtension {
    /// Always 500 Internal Server Error.
    pub fn status(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

impl fmt::Display for MissingExtension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no request extension of type `{}`: is the middleware that inserts it installed?",
            self.type_name
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(res: Response) -> String {
        let bytes = harrow_server::rt::block_on(res.into_body().collect(1024));
        String::from_utf8(bytes.expect("a full body").to_vec()).expect("UTF-8")
    }

    #[test]
    fn server_errors_keep_their_detail_for_the_log_only() {
        let missing = MissingState {
            type_name: "Catalogue".into(),
        };
        assert!(missing.to_string().contains("`Catalogue`"));
        let res = missing.into_response();
        assert_eq!(res.status(), 500);
        assert_eq!(body(res), "internal server error");

        let shape = PathRejection::Missing { name: "b".into() };
        assert_eq!(body(shape.into_response()), "internal server error");
    }

    #[test]
    fn client_errors_say_what_was_wrong() {
        let bad = PathRejection::InvalidParam {
            name: "id".into(),
            expected: "u32".into(),
            got: "x".into(),
        };
        assert_eq!(
            body(bad.into_response()),
            "invalid path parameter `id`: expected u32, got \"x\""
        );
    }
}
