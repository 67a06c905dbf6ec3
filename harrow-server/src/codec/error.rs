//! The codec's error: a small `Copy` enum, one status each.

use std::fmt;

use http::StatusCode;

/// Why a request could not be read. Every variant closes the connection
/// after its response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum H1Error {
    /// Malformed syntax, bad framing or a smuggling attempt; the text says which.
    BadRequest(&'static str),
    /// The head is larger than `max_head_size`, or has too many headers.
    HeadTooLarge,
    /// The request target is longer than `max_uri_len`.
    UriTooLong,
    /// The body is larger than `max_body_size`.
    BodyTooLarge,
    /// A transfer coding other than chunked.
    UnsupportedTransferCoding,
    /// An `Expect` value other than `100-continue`.
    ExpectationFailed,
    /// An HTTP version other than 1.0 and 1.1.
    VersionNotSupported,
}

impl H1Error {
    /// The status this error is answered with.
    pub fn status(self) -> StatusCode {
        match self {
            H1Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            H1Error::HeadTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            H1Error::UriTooLong => StatusCode::URI_TOO_LONG,
            H1Error::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            H1Error::UnsupportedTransferCoding => StatusCode::NOT_IMPLEMENTED,
            H1Error::ExpectationFailed => StatusCode::EXPECTATION_FAILED,
            H1Error::VersionNotSupported => StatusCode::HTTP_VERSION_NOT_SUPPORTED,
        }
    }

    /// A short plain message for the response body.
    pub fn message(self) -> &'static str {
        match self {
            H1Error::BadRequest(why) => why,
            H1Error::HeadTooLarge => "request header fields too large",
            H1Error::UriTooLong => "request target too long",
            H1Error::BodyTooLarge => "request body too large",
            H1Error::UnsupportedTransferCoding => "transfer coding not supported",
            H1Error::ExpectationFailed => "expectation not supported",
            H1Error::VersionNotSupported => "HTTP version not supported",
        }
    }
}

impl fmt::Display for H1Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message(), self.status().as_u16())
    }
}

impl std::error::Error for H1Error {}
